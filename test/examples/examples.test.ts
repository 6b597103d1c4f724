import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { App } from "cdktf";
import { buildAllExamples, summarize } from "../../examples/synth";
import { PINNED_CHART_VALUES } from "../support/charts";
import { checkHelmReleases, describeConformance, validateStackManifests } from "../support/conformance";

/**
 * Value keys a chart documents only in comments: SeaweedFS's values file shows a PVC `dataDirs`
 * entry (`size`, `storageClass`) only as a commented example, and its templates read both
 * (templates/volume/volume-statefulset.yaml at 4.44.0; see test/data/seaweedfs.test.ts);
 * argo-workflows shows `controller.pdb.minAvailable` only commented out (as in test/model/argo-workflows.test.ts).
 */
const DOCUMENTED_IN_COMMENTS = {
  seaweedfs: ["volume.dataDirs[0].size", "volume.dataDirs[0].storageClass"],
  "argo-workflows": ["controller.pdb.minAvailable"],
};

/** Synthesizes every example into a fresh directory and returns { relative path: content }. */
function synthAll(): { dir: string; files: Record<string, string> } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "strata-examples-"));
  const app = new App({ outdir: dir });
  buildAllExamples(app);
  app.synth();
  const files: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else files[path.relative(dir, full)] = fs.readFileSync(full, "utf8");
    }
  };
  walk(dir);
  return { dir, files };
}

/** type.address of every resource and data source of a synthesized stack, sorted. */
function inventory(stackJson: string): string[] {
  const tf = JSON.parse(stackJson);
  const list: string[] = [];
  for (const [kind, block] of [["resource", tf.resource], ["data", tf.data]] as const) {
    for (const [type, byName] of Object.entries((block ?? {}) as Record<string, object>)) {
      for (const name of Object.keys(byName)) list.push(`${kind === "data" ? "data." : ""}${type}.${name}`);
    }
  }
  return list.sort();
}

describe("examples", () => {
  let first: { dir: string; files: Record<string, string> };
  let second: { dir: string; files: Record<string, string> };

  beforeAll(() => {
    first = synthAll();
    second = synthAll();
  });
  afterAll(() => {
    for (const run of [first, second]) if (run) fs.rmSync(run.dir, { recursive: true, force: true });
  });

  test("all four targets synthesize infra, platform and workloads stacks", () => {
    const stacks = summarize(first.dir).map((s) => s.stack).sort();
    expect(stacks).toEqual(
      ["aws", "gcp", "hybrid", "onprem"].flatMap((t) => [`${t}-infra`, `${t}-platform`, `${t}-workloads`]).sort(),
    );
  });

  test("synth is deterministic: two runs give byte-identical output", () => {
    expect(Object.keys(second.files).sort()).toEqual(Object.keys(first.files).sort());
    for (const [file, content] of Object.entries(first.files)) {
      expect({ file, content: second.files[file] }).toEqual({ file, content });
    }
  });

  test("output has no absolute paths, home directories or timestamps", () => {
    for (const [file, content] of Object.entries(first.files)) {
      expect({ file, hasTmp: content.includes(first.dir) }).toEqual({ file, hasTmp: false });
      expect({ file, hasCwd: content.includes(process.cwd()) }).toEqual({ file, hasCwd: false });
      expect({ file, timestamps: content.match(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/g) }).toEqual({ file, timestamps: null });
    }
  });

  test("every stack has a remote backend that locks", () => {
    for (const [file, content] of Object.entries(first.files)) {
      if (!file.endsWith("cdk.tf.json")) continue;
      const backend = JSON.parse(content).terraform.backend;
      const [kind] = Object.keys(backend);
      expect({ file, kind }).toEqual({ file, kind: expect.stringMatching(/^(s3|gcs|pg)$/) });
      if (kind === "s3") expect({ file, lock: backend.s3.use_lockfile }).toEqual({ file, lock: true });
    }
  });

  test("resource inventory of every stack (an accidental replacement shows up here)", () => {
    const inventories: Record<string, string[]> = {};
    for (const [file, content] of Object.entries(first.files)) {
      if (file.endsWith("cdk.tf.json")) inventories[path.basename(path.dirname(file))] = inventory(content);
    }
    expect(inventories).toMatchSnapshot();
  });
});

describeConformance("examples conformance", () => {
  let run: { dir: string; files: Record<string, string> };
  beforeAll(() => {
    run = synthAll();
  });
  afterAll(() => fs.rmSync(run.dir, { recursive: true, force: true }));

  test("every kubernetes_manifest passes the strict upstream schema of its kind", () => {
    for (const [file, content] of Object.entries(run.files)) {
      if (!file.endsWith("cdk.tf.json")) continue;
      const failures = validateStackManifests(content).filter((r) => r.errors.length > 0);
      expect({ file, failures }).toEqual({ file, failures: [] });
    }
  });

  test("every helm_release uses a pinned chart and only value keys the chart defines", () => {
    for (const [file, content] of Object.entries(run.files)) {
      if (!file.endsWith("cdk.tf.json")) continue;
      expect({ file, errors: checkHelmReleases(content, PINNED_CHART_VALUES, DOCUMENTED_IN_COMMENTS) }).toEqual({ file, errors: [] });
    }
  });
});
