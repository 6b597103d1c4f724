/**
 * `npm run bench`: synth time and peak memory of the reference architectures, of a scale case,
 * and of a small hand-written deep-import cdktf stack, each in fresh processes, in the same run.
 * A benchmark, not a test: it prints figures and fails only if a scenario fails.
 *
 * BENCH_RUNS sets the runs per scenario (default 5).
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

interface Sample {
  name: string;
  loadMs: number;
  synthMs: number;
  totalMs: number;
  peakRssMiB: number;
}

const runs = Number(process.env.BENCH_RUNS ?? 5);
const scenarios = ["handwritten", "examples", "scale"];
const tsx = require.resolve("tsx/cli");
const scenarioFile = path.join(__dirname, "scenario.ts");

function runOnce(name: string): Sample {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), `strata-bench-${name}-`));
  try {
    // Warnings are the examples' own (printed by npm run synth); a benchmark prints only its figures.
    const env = { ...process.env, STRATA_SILENCE_WARNINGS: "1" };
    const out = execFileSync(process.execPath, [tsx, scenarioFile, name, outdir], { encoding: "utf8", env });
    return JSON.parse(out.trim().split("\n").pop()!) as Sample;
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

console.log(`strata bench: ${runs} runs per scenario, node ${process.version}, ${os.cpus().length} cores`);
console.log("scenario      load+synth ms (min / median / max)    synth ms (median)   peak RSS MiB (median)");
for (const name of scenarios) {
  const samples = Array.from({ length: runs }, () => runOnce(name));
  const totals = samples.map((s) => s.totalMs);
  console.log(
    `${name.padEnd(12)}  ${String(Math.min(...totals)).padStart(6)} / ${String(median(totals)).padStart(6)} / ${String(Math.max(...totals)).padStart(6)}` +
      `              ${String(median(samples.map((s) => s.synthMs))).padStart(6)}              ${String(median(samples.map((s) => s.peakRssMiB))).padStart(6)}`,
  );
}
