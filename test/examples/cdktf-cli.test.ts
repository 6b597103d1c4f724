import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/**
 * `cdktf.json` points the cdktf CLI at the same app as `npm run synth`, so `npx cdktf synth`
 * (and `cdktf deploy <stack>` where Terraform and credentials exist) work on the examples.
 */
const ROOT = path.resolve(__dirname, "../..");

test("npx cdktf synth synthesizes every example stack through cdktf.json", () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "strata-cdktf-cli-"));
  try {
    const result = spawnSync(path.join(ROOT, "node_modules/.bin/cdktf"), ["synth", "--output", out], {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, CHECKPOINT_DISABLE: "1", CI: "1", FORCE_COLOR: "0" },
      timeout: 120_000,
    });
    expect({ status: result.status, stderr: result.status === 0 ? "" : result.stderr + result.stdout }).toEqual({ status: 0, stderr: "" });
    const manifest = JSON.parse(fs.readFileSync(path.join(out, "manifest.json"), "utf8"));
    expect(Object.keys(manifest.stacks).sort()).toEqual(
      ["aws", "gcp", "hybrid", "onprem"].flatMap((t) => [`${t}-infra`, `${t}-platform`, `${t}-workloads`]).sort(),
    );
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});

test("npm run synth honours CDKTF_OUTDIR and prints stacks, resources per stack and where the output went", () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "strata-synth-"));
  try {
    const result = spawnSync(process.execPath, [require.resolve("tsx/cli"), "examples/synth.ts"], {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, CDKTF_OUTDIR: out },
      timeout: 120_000,
    });
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: "" });
    expect(fs.existsSync(path.join(out, "manifest.json"))).toBe(true);
    const lines = result.stdout.split("\n");
    expect(lines[0]).toMatch(new RegExp(`^Synthesized 12 stacks into ${path.relative(ROOT, out).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/ in \\d+ ms$`));
    expect(lines).toEqual(expect.arrayContaining([expect.stringMatching(/^ {2}aws-infra +\d+ resources +\d+ data sources$/)]));
    expect(lines).toEqual(expect.arrayContaining([expect.stringMatching(/^ {2}total +\d+ resources$/)]));
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});
