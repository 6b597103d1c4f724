/**
 * Synthesizes every reference architecture into one cdktf app (`cdktf.out/` or $CDKTF_OUTDIR)
 * and prints a summary: stacks, resources per stack, and where the output went.
 *
 * `npm run synth` runs this; `cdktf.json` points at it, so `npx cdktf synth` and
 * `cdktf deploy <stack>` work on the same app.
 */
import * as fs from "fs";
import * as path from "path";
import { App } from "cdktf";
import { buildAwsExample } from "./aws/main";
import { buildGcpExample } from "./gcp/main";
import { buildHybridExample } from "./hybrid/main";
import { buildOnPremExample } from "./onprem/main";

/** Builds all examples into `app`. */
export function buildAllExamples(app: App): void {
  buildAwsExample(app);
  buildGcpExample(app);
  buildOnPremExample(app);
  buildHybridExample(app);
}

/** One stack of a synthesized app: resource and data source counts, and its warnings. */
export interface StackSummary {
  stack: string;
  resources: number;
  dataSources: number;
  warnings: string[];
}

/** Counts resources and data sources per stack from a synthesized app directory, with each stack's warnings. */
export function summarize(outdir: string): StackSummary[] {
  const manifest = JSON.parse(fs.readFileSync(path.join(outdir, "manifest.json"), "utf8"));
  type ManifestStack = { name: string; synthesizedStackPath: string; annotations?: { level: string; message: string }[] };
  return Object.values(manifest.stacks as Record<string, ManifestStack>).map((s) => {
    const tf = JSON.parse(fs.readFileSync(path.join(outdir, s.synthesizedStackPath), "utf8"));
    const count = (block: Record<string, Record<string, unknown>> | undefined) =>
      Object.values(block ?? {}).reduce((n, byName) => n + Object.keys(byName).length, 0);
    const warnings = (s.annotations ?? []).filter((a) => a.level.endsWith("warn")).map((a) => a.message);
    return { stack: s.name, resources: count(tf.resource), dataSources: count(tf.data), warnings };
  });
}

if (require.main === module) {
  const outdir = process.env.CDKTF_OUTDIR ?? "cdktf.out";
  const started = Date.now();
  const app = new App({ outdir });
  buildAllExamples(app);
  app.synth();
  const rows = summarize(outdir);
  const width = Math.max(...rows.map((r) => r.stack.length));
  console.log(`Synthesized ${rows.length} stacks into ${path.relative(process.cwd(), path.resolve(outdir)) || "."}/ in ${Date.now() - started} ms`);
  for (const r of rows) {
    console.log(`  ${r.stack.padEnd(width)}  ${String(r.resources).padStart(4)} resources  ${String(r.dataSources).padStart(3)} data sources`);
  }
  console.log(`  ${"total".padEnd(width)}  ${String(rows.reduce((n, r) => n + r.resources, 0)).padStart(4)} resources`);
  // Each warning was printed to stderr as its stack synthesized; here only the count per run.
  const warnings = rows.reduce((n, r) => n + r.warnings.length, 0);
  if (warnings > 0) console.log(`${warnings} warning(s), printed above`);
}
