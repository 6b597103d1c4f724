import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { readDoc, relativeLinks, ROOT } from "./markdown";

/**
 * The npm package holds what its documents link to: README.md, docs/, the examples (READMEs and
 * programs, which the docs link and users copy) and LICENSE. Links that point at repository
 * development files (tests, CI) are deliberately not shipped and must not appear in shipped
 * documents. `npm pack --dry-run` lists the files without building or publishing (dist/ is listed
 * only after a build; no document links into it).
 */
function packedFiles(): string[] {
  const result = spawnSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, npm_config_offline: "true", npm_config_update_notifier: "false" },
    timeout: 60_000,
  });
  if (result.status !== 0) throw new Error(`npm pack --dry-run failed: ${result.stderr}`);
  return (JSON.parse(result.stdout) as { files: { path: string }[] }[])[0].files.map((f) => f.path);
}

/** Every Markdown file in the package (starting from README.md), with the relative links each holds, resolved from the root. */
function linksFrom(packed: string[]): Map<string, string[]> {
  const links = new Map<string, string[]>();
  for (const doc of packed.filter((p) => p.endsWith(".md"))) {
    const dir = path.posix.dirname(doc);
    links.set(doc, relativeLinks(readDoc(doc)).map((l) => path.posix.normalize(path.posix.join(dir, l)).replace(/\/$/, "")));
  }
  return links;
}

describe("the npm package", () => {
  const packed = packedFiles();

  test("contains README.md, LICENSE, every docs/*.md and every example's README and program", () => {
    const docs = fs.readdirSync(path.join(ROOT, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`);
    const examples = fs
      .readdirSync(path.join(ROOT, "examples"), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .flatMap((e) => [`examples/${e.name}/README.md`, `examples/${e.name}/main.ts`]);
    expect(packed).toEqual(expect.arrayContaining(["README.md", "LICENSE", "package.json", ...docs, ...examples]));
    expect(docs).toContain("docs/getting-started.md");
  });

  test("LICENSE is the Apache License 2.0 the package declares", () => {
    const pkg = JSON.parse(readDoc("package.json"));
    expect(pkg.license).toBe("Apache-2.0");
    const license = readDoc("LICENSE");
    expect(license).toContain("Apache License\n                           Version 2.0, January 2004");
    expect(license).toContain("END OF TERMS AND CONDITIONS");
  });

  test("ships no tests, sources of the library or build state", () => {
    expect(packed.filter((p) => /^(test|lib|\.ci|node_modules|cdktf\.out)\//.test(p) || p.endsWith("tsbuildinfo"))).toEqual([]);
  });

  test("every relative link in a shipped document points into the package", () => {
    const broken: string[] = [];
    for (const [doc, targets] of linksFrom(packed)) {
      for (const target of targets) {
        const inPackage = packed.includes(target) || packed.some((p) => p.startsWith(`${target}/`));
        if (!inPackage) broken.push(`${doc} -> ${target}`);
      }
    }
    expect(broken).toEqual([]);
    // README.md links the getting-started page first.
    expect(relativeLinks(readDoc("README.md"))[0]).toBe("docs/getting-started.md");
  });
});

describe("strata-ai-infra resolves to this package's lib/ without a build", () => {
  const pkg = JSON.parse(readDoc("package.json"));
  const tsconfig = JSON.parse(readDoc("tsconfig.json"));

  test("for tsx, tsc and cdktf synth through tsconfig.json paths, which jsii regenerates from package.json", () => {
    expect(tsconfig.compilerOptions.paths).toEqual({ "strata-ai-infra": ["./lib/index.ts"] });
    expect(pkg.jsii.tsc.paths).toEqual(tsconfig.compilerOptions.paths);
  });

  test("for jest through moduleNameMapper, to the same module the library's own imports load", () => {
    expect(pkg.jest.moduleNameMapper).toEqual({ "^strata-ai-infra$": "<rootDir>/lib/index.ts" });
    expect(require("strata-ai-infra")).toBe(require("../../lib"));
  });
});
