import * as fs from "fs";
import * as path from "path";

/**
 * A provider package's root import loads every resource class (seconds and over a gigabyte per
 * synth). Only deep imports (`@cdktf/provider-aws/lib/<resource>`) are allowed anywhere.
 */
const ROOT = path.resolve(__dirname, "..");
const ROOT_IMPORT =
  /(?:from\s+|require\(\s*|import\(\s*)["'](@cdktf\/provider-[a-z0-9-]+|@cdktn\/provider-[a-z0-9-]+)["']/g;

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "node_modules" ? [] : sourceFiles(full);
    return /\.(ts|js|mjs|cjs)$/.test(entry.name) && !entry.name.endsWith(".d.ts") ? [full] : [];
  });
}

/** Every root import of a provider package in `text`, as `line: statement`. */
export function rootProviderImports(text: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(ROOT_IMPORT)) {
    const line = text.slice(0, match.index).split("\n").length;
    found.push(`${line}: ${match[1]}`);
  }
  return found;
}

describe("provider imports", () => {
  test("the detector catches root imports and accepts deep ones", () => {
    // Package names are assembled so that this file itself holds no root import statement.
    const pkg = (name: string) => ["@cdktf", `provider-${name}`].join("/");
    expect(rootProviderImports(`import { EksCluster } from "${pkg("aws")}";`)).toEqual([`1: ${pkg("aws")}`]);
    expect(rootProviderImports(`const g = require('${pkg("google")}');`)).toEqual([`1: ${pkg("google")}`]);
    expect(rootProviderImports(`import * as k from "${pkg("kubernetes")}"`)).toHaveLength(1);
    expect(rootProviderImports(`import { EksCluster } from "${pkg("aws")}/lib/eks-cluster";`)).toEqual([]);
  });

  test("no file in lib/, examples/ or test/ imports a provider package from its root", () => {
    const offenders = ["lib", "examples", "test"]
      .flatMap((dir) => sourceFiles(path.join(ROOT, dir)))
      .flatMap((file) => rootProviderImports(fs.readFileSync(file, "utf8")).map((hit) => `${path.relative(ROOT, file)}:${hit}`));
    expect(offenders).toEqual([]);
  });
});
