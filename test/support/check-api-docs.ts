/**
 * Run by `npm run build` after jsii: fails the build when the public API (the jsii assembly
 * `.jsii`) has a type or member without a doc comment, an optional struct prop without
 * `@default`, a construct without an `@example`, or a name that is a reserved word in a jsii
 * target language other than the ones accepted in `ACCEPTED_RESERVED_WORDS`.
 *
 * Why the build runs `jsii --silence-warnings=reserved-word`: jsii warns (JSII5018) for every prop
 * or parameter named `namespace` or `operator`, which are C# keywords. They are the Kubernetes
 * names (`metadata.namespace`, a toleration's `operator`), and renaming them would break the
 * public API. They are harmless: jsii-pacmak's .NET generator PascalCases properties
 * (`Namespace`, `Operator`) and escapes parameters (`@namespace`), and the package declares no
 * jsii targets (`"targets": {}`), it is published to npm only. jsii can only silence the warning
 * as a whole, so this check puts the precision back: any other reserved word (a Python `lambda`,
 * a Java `default`, a Go `type`) fails the build here.
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
  parameters?: { name: string }[];
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
  initializer?: { parameters?: { name: string }[] };
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

/**
 * Reserved words accepted in the public API, with the only languages in which they are reserved
 * (see the file comment for why each is harmless).
 */
export const ACCEPTED_RESERVED_WORDS: Record<string, string[]> = {
  namespace: ["C#"],
  operator: ["C#"],
};

/**
 * jsii's own list of reserved words per target language (the one behind JSII5018). The module is
 * not in jsii's package "exports", so it is loaded by its file path.
 */
function jsiiReservedLanguages(name: string): string[] {
  const file = path.join(path.dirname(require.resolve("jsii")), "reserved-words.js");
  const words = require(file) as { isReservedName(n: string): string[] | undefined };
  return words.isReservedName(name) ?? [];
}

/** Props, methods and parameters of the public API named by a reserved word that is not accepted. */
export function reservedWordProblems(
  assembly: { types: Record<string, Type> },
  reservedLanguages: (name: string) => string[] = jsiiReservedLanguages,
): string[] {
  const problems: string[] = [];
  const check = (where: string, name: string) => {
    const languages = reservedLanguages(name);
    const accepted = ACCEPTED_RESERVED_WORDS[name] ?? [];
    const unaccepted = languages.filter((l) => !accepted.includes(l));
    if (unaccepted.length > 0) problems.push(`${where}: "${name}" is a reserved word in ${unaccepted.join(", ")}`);
  };
  for (const t of Object.values(assembly.types)) {
    for (const p of t.properties ?? []) check(`${t.fqn}#${p.name}`, p.name);
    for (const m of t.methods ?? []) {
      check(`${t.fqn}#${m.name}`, m.name);
      for (const p of m.parameters ?? []) check(`${t.fqn}#${m.name}(${p.name})`, p.name);
    }
    for (const p of t.initializer?.parameters ?? []) check(`${t.fqn}#constructor(${p.name})`, p.name);
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
  const reserved = reservedWordProblems(assembly);
  if (reserved.length > 0) {
    console.error(
      `public API names: ${reserved.length} reserved word(s) that jsii's silenced warning would hide ` +
        `(rename them, or accept them in ACCEPTED_RESERVED_WORDS with the reason)\n${reserved.join("\n")}`,
    );
    process.exit(1);
  }
  console.log(`public API documentation: ${Object.keys(assembly.types).length} types, all documented`);
  console.log(`public API names: no reserved word beyond the accepted ${Object.keys(ACCEPTED_RESERVED_WORDS).join(", ")} (C#)`);
}
