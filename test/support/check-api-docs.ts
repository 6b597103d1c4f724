/**
 * Run by `npm run build` after jsii: fails the build when the public API (the jsii assembly
 * `.jsii`) has a type or member without a doc comment, an optional struct prop without
 * `@default`, or a construct without an `@example`.
 */
import * as fs from "fs";
import * as path from "path";

interface Docs {
  summary?: string;
  default?: string;
  example?: string;
}
interface Member {
  name: string;
  optional?: boolean;
  docs?: Docs;
}
interface Type {
  fqn: string;
  kind: string;
  base?: string;
  datatype?: boolean;
  docs?: Docs;
  properties?: Member[];
  methods?: Member[];
  members?: Member[];
}

/** Problems with the documentation of the assembly's public API. */
export function apiDocProblems(assembly: { types: Record<string, Type> }): string[] {
  const types = assembly.types;
  const isConstruct = (t: Type): boolean => {
    for (let base = t.base; base !== undefined; base = types[base]?.base) {
      if (base === "constructs.Construct") return true;
    }
    return false;
  };
  const problems: string[] = [];
  for (const t of Object.values(types)) {
    if (!t.docs?.summary) problems.push(`${t.fqn}: no doc comment`);
    for (const m of [...(t.properties ?? []), ...(t.methods ?? []), ...(t.members ?? [])]) {
      if (!m.docs?.summary) problems.push(`${t.fqn}#${m.name}: no doc comment`);
    }
    if (t.datatype) {
      for (const p of t.properties ?? []) if (p.optional && !p.docs?.default) problems.push(`${t.fqn}#${p.name}: optional prop without @default`);
    }
    if (t.kind === "class" && isConstruct(t) && !t.docs?.example) problems.push(`${t.fqn}: construct without @example`);
  }
  return problems;
}

if (require.main === module) {
  const file = path.resolve(__dirname, "../../.jsii");
  const assembly = JSON.parse(fs.readFileSync(file, "utf8"));
  const problems = apiDocProblems(assembly);
  if (problems.length > 0) {
    console.error(`public API documentation: ${problems.length} problem(s)\n${problems.join("\n")}`);
    process.exit(1);
  }
  console.log(`public API documentation: ${Object.keys(assembly.types).length} types, all documented`);
}
