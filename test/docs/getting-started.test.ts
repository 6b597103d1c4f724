import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { markedFiles, readDoc, ROOT } from "./markdown";

/**
 * docs/getting-started.md, followed literally: its tsconfig.json, cdktf.json and main.ts (taken from
 * the page's marked code blocks, so the page and this test cannot drift) in a fresh directory,
 * synthesized with `npx cdktf synth` as the page says. Offline: the project's node_modules is the
 * repository's, and `strata-ai-infra` resolves to this package's lib/ through a tsconfig `paths`
 * entry (the only change to the page's files), so no build and no registry are needed.
 */
const PAGE = "docs/getting-started.md";
const doc = readDoc(PAGE);
const files = markedFiles(doc);
const pkg = JSON.parse(readDoc("package.json"));

/** The page's tsconfig.json, with `strata-ai-infra` mapped to this package's lib/. */
function tsconfigWithPaths(): Record<string, Record<string, unknown>> {
  const tsconfig = JSON.parse(files["tsconfig.json"]);
  tsconfig.compilerOptions.paths = { "strata-ai-infra": [path.join(ROOT, "lib/index.ts")] };
  return tsconfig;
}

/** Writes a project from the page's files into `dir`, with `main` as its main.ts. */
function project(dir: string, main: string): string {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify(tsconfigWithPaths(), null, 2));
  fs.writeFileSync(path.join(dir, "cdktf.json"), files["cdktf.json"]);
  fs.writeFileSync(path.join(dir, "main.ts"), main);
  fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "my-ml-platform", version: "1.0.0", private: true }, null, 2));
  fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
  return dir;
}

/** The environment of a user's shell: Strata's test-run silencing of warnings removed. */
function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, FORCE_COLOR: "0", ...extra };
  delete env.STRATA_SILENCE_WARNINGS;
  delete env.CDKTF_OUTDIR;
  return env;
}

function stacksIn(outdir: string): string[] {
  return Object.keys(JSON.parse(fs.readFileSync(path.join(outdir, "manifest.json"), "utf8")).stacks).sort();
}

function recordedWarnings(outdir: string): string[] {
  const manifest = JSON.parse(fs.readFileSync(path.join(outdir, "manifest.json"), "utf8"));
  return Object.values(manifest.stacks as Record<string, { annotations?: { level: string; message: string }[] }>).flatMap((s) =>
    (s.annotations ?? []).filter((a) => a.level.endsWith("warn")).map((a) => a.message),
  );
}

describe("docs/getting-started.md", () => {
  test("has the files a project needs, marked for this test", () => {
    expect(Object.keys(files).sort()).toEqual(["cdktf.json", "main.ts", "main.ts (AWS)", "main.ts (Google Cloud)", "tsconfig.json"]);
    const cdktf = JSON.parse(files["cdktf.json"]);
    expect(cdktf).toMatchObject({ language: "typescript", app: "npx tsx main.ts", output: "cdktf.out" });
  });

  test("installs the versions this package pins and states its Node requirement", () => {
    const peers = pkg.peerDependencies as Record<string, string>;
    const install = doc.match(/^npm install (strata-ai-infra .*)$/m)?.[1].split(" ") ?? [];
    expect(install.sort()).toEqual(["strata-ai-infra", ...Object.entries(peers).map(([name, version]) => `${name}@${version}`)].sort());
    const dev = doc.match(/^npm install --save-dev (.*)$/m)?.[1].split(" ") ?? [];
    expect(dev.sort()).toEqual(
      [`cdktf-cli@${pkg.devDependencies["cdktf-cli"]}`, "tsx", `typescript@${pkg.devDependencies.typescript.replace(/\.\d+$/, "")}`, "@types/node@^20"].sort(),
    );
    expect(pkg.engines.node).toBe(">=20");
    expect(doc).toContain('**Node.js 20 or later** (`"engines": { "node": ">=20" }`)');
    expect(doc).toContain("CHECKPOINT_DISABLE=1 npx cdktf synth");
  });

  /** The programs: the page's main.ts, its AWS and Google Cloud variants, and the README's. */
  const programs: [string, string, string, string[]][] = [
    ["onprem", PAGE, "main.ts", ["infra", "platform", "workloads"]],
    ["aws", PAGE, "main.ts (AWS)", ["infra", "platform"]],
    ["gcp", PAGE, "main.ts (Google Cloud)", ["infra", "platform"]],
    ["readme", "README.md", "main.ts (README)", ["infra", "platform"]],
  ];
  let tmp = "";
  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "strata-getting-started-"));
    for (const [dir, source, name] of programs) {
      const main = markedFiles(readDoc(source))[name];
      if (main === undefined) throw new Error(`${source} has no code block marked "${name}"`);
      project(path.join(tmp, dir), main);
    }
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  test("main.ts synthesizes with `npx cdktf synth` and prints its warning on stderr with the construct path", () => {
    const dir = path.join(tmp, "onprem");
    const result = spawnSync(path.join(dir, "node_modules/.bin/cdktf"), ["synth"], {
      cwd: dir,
      encoding: "utf8",
      env: userEnv({ CHECKPOINT_DISABLE: "1" }),
      timeout: 60_000,
    });
    const output = `${result.stdout}\n${result.stderr}`;
    expect({ status: result.status, output: result.status === 0 ? "" : output }).toEqual({ status: 0, output: "" });
    const outdir = path.join(dir, "cdktf.out");
    expect(stacksIn(outdir)).toEqual(["infra", "platform", "workloads"]);
    // The warning the page shows, verbatim, as the app printed it.
    const shown = doc.match(/^(\[strata\] Warning: infra\/Lake: .*)$/m)?.[1];
    expect(shown).toBeDefined();
    expect(output).toContain(shown);
    // Every warning recorded in the manifest was printed, with its construct path.
    const warnings = recordedWarnings(outdir);
    expect(warnings.length).toBeGreaterThan(0);
    for (const w of warnings) expect(output).toContain(`[strata] Warning: ${w}`);
  });

  test("every program type-checks with the page's tsconfig.json", () => {
    // One tsc run over all programs (each is a module of its own), with the page's options.
    fs.writeFileSync(path.join(tmp, "tsconfig.json"), JSON.stringify({ ...tsconfigWithPaths(), include: ["*/main.ts"] }, null, 2));
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(tmp, "node_modules"), "dir");
    const result = spawnSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", tmp], { cwd: tmp, encoding: "utf8", timeout: 60_000 });
    expect({ status: result.status, output: result.stdout + result.stderr }).toEqual({ status: 0, output: "" });
  });

  test("the AWS, Google Cloud and README programs synthesize as `npx tsx main.ts` runs them", () => {
    // One tsx process runs each program in its own directory (what `npx tsx main.ts` does there),
    // so cdktf and the providers load once.
    const driver = path.join(tmp, "run.ts");
    const dirs = programs.slice(1).map(([dir]) => path.join(tmp, dir));
    fs.writeFileSync(driver, `for (const dir of ${JSON.stringify(dirs)}) { process.chdir(dir); require(dir + "/main.ts"); }\n`);
    const result = spawnSync(process.execPath, [require.resolve("tsx/cli"), driver], { cwd: dirs[0], encoding: "utf8", env: userEnv(), timeout: 60_000 });
    expect({ status: result.status, stderr: result.status === 0 ? "" : result.stderr }).toEqual({ status: 0, stderr: "" });
    for (const [dir, , , stacks] of programs.slice(1)) expect([dir, stacksIn(path.join(tmp, dir, "cdktf.out"))]).toEqual([dir, stacks]);
  });
});
