import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/**
 * `cdktf.json` points the cdktf CLI at the same app as `npm run synth`, so `npx cdktf synth`
 * (and `cdktf deploy <stack>` where Terraform and credentials exist) work on the examples.
 */
const ROOT = path.resolve(__dirname, "../..");

/** A user's environment: the test run's silencing of Strata's warnings (test/support/setup.ts) removed. */
function userEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  delete env.STRATA_SILENCE_WARNINGS;
  return env;
}

/** The warnings recorded in a synthesized app's manifest, as Strata prints them. */
function recordedWarnings(outdir: string): string[] {
  const manifest = JSON.parse(fs.readFileSync(path.join(outdir, "manifest.json"), "utf8"));
  return Object.values(manifest.stacks as Record<string, { annotations?: { level: string; message: string }[] }>).flatMap((s) =>
    (s.annotations ?? []).filter((a) => a.level.endsWith("warn")).map((a) => `[strata] Warning: ${a.message}`),
  );
}

test("npx cdktf synth synthesizes every example stack through cdktf.json and relays the warnings", () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "strata-cdktf-cli-"));
  try {
    const result = spawnSync(path.join(ROOT, "node_modules/.bin/cdktf"), ["synth", "--output", out], {
      cwd: ROOT,
      encoding: "utf8",
      env: userEnv({ CHECKPOINT_DISABLE: "1", CI: "1", FORCE_COLOR: "0" }),
      timeout: 120_000,
    });
    expect({ status: result.status, stderr: result.status === 0 ? "" : result.stderr + result.stdout }).toEqual({ status: 0, stderr: "" });
    const manifest = JSON.parse(fs.readFileSync(path.join(out, "manifest.json"), "utf8"));
    expect(Object.keys(manifest.stacks).sort()).toEqual(
      ["aws", "gcp", "hybrid", "onprem"].flatMap((t) => [`${t}-infra`, `${t}-platform`, `${t}-workloads`]).sort(),
    );
    // The CLI relays the app's stderr: each recorded warning reaches the user, with its construct path.
    const warnings = recordedWarnings(out);
    expect(warnings.length).toBeGreaterThan(0);
    for (const w of warnings) expect(result.stdout + result.stderr).toContain(w);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});

test("npm run synth honours CDKTF_OUTDIR and prints stacks, resources per stack, where the output went, and each warning once on stderr", () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "strata-synth-"));
  try {
    const result = spawnSync(process.execPath, [require.resolve("tsx/cli"), "examples/synth.ts"], {
      cwd: ROOT,
      encoding: "utf8",
      env: userEnv({ CDKTF_OUTDIR: out }),
      timeout: 120_000,
    });
    // stderr holds exactly the warnings, each printed once; stdout counts them. Warnings print as
    // each stack is built (the examples' order), the manifest lists stacks in its own order: compare
    // the lines sorted (duplicates still count).
    expect(result.status).toBe(0);
    expect(result.stderr.endsWith("\n") || result.stderr === "").toBe(true);
    expect(result.stderr.split("\n").filter((l) => l !== "").sort()).toEqual([...recordedWarnings(out)].sort());
    expect(result.stdout).toContain(`${recordedWarnings(out).length} warning(s), printed above`);
    expect(fs.existsSync(path.join(out, "manifest.json"))).toBe(true);
    const lines = result.stdout.split("\n");
    expect(lines[0]).toMatch(new RegExp(`^Synthesized 12 stacks into ${path.relative(ROOT, out).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/ in \\d+ ms$`));
    expect(lines).toEqual(expect.arrayContaining([expect.stringMatching(/^ {2}aws-infra +\d+ resources +\d+ data sources$/)]));
    expect(lines).toEqual(expect.arrayContaining([expect.stringMatching(/^ {2}total +\d+ resources$/)]));
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});
