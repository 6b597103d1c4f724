import * as fs from "fs";
import * as path from "path";
import { Fn, TerraformStack, TerraformVariable, Testing } from "cdktf";
import { Release } from "@cdktf/provider-helm/lib/release";
import { Manifest } from "@cdktf/provider-kubernetes/lib/manifest";
import * as YAML from "yaml";
import {
  checkHelmReleases,
  conformanceRoot,
  decodeTerraformEncodeCall,
  describeConformance,
  helmReleaseValues,
  helmValueKeyErrors,
  schemaFileFor,
  validateManifest,
  validateStackManifests,
  skipNotice,
  SKIP_NOTICE,
} from "./conformance";

const GPU = "nvidia-gpu-operator-v26.7.0.values.yaml";

interface IndexRow {
  saved_as: string;
  apiVersion: string;
  kind: string;
  valid: boolean;
  valid_strict?: boolean;
  strict_errors?: string[];
  errors: string[];
}

interface ExampleDoc {
  file: string; // relative to upstream-examples/
  doc: number;
  body: Record<string, unknown>;
  /** expected error lines from the file header (`# expected: INVALID ...` then `#   <path>: <message>`) */
  expected: string[];
}

function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? listFiles(path.join(dir, e.name)) : [path.join(dir, e.name)]))
    .filter((f) => /\.ya?ml$/.test(f))
    .sort();
}

function loadExamples(sub: "valid" | "invalid"): ExampleDoc[] {
  const root = conformanceRoot();
  if (!root) return [];
  const base = path.join(root, "upstream-examples");
  return listFiles(path.join(base, sub)).flatMap((full) => {
    const text = fs.readFileSync(full, "utf8");
    const expected: string[] = [];
    const lines = text.split("\n");
    const at = lines.findIndex((l) => l.startsWith("# expected:"));
    if (at >= 0) {
      for (let i = at + 1; i < lines.length && /^#\s{2,}\S/.test(lines[i]); i++) expected.push(lines[i].replace(/^#\s+/, ""));
    }
    // Multi-document files: every non-empty document counts.
    return YAML.parseAllDocuments(text)
      .map((d, doc) => ({ d, doc }))
      .filter(({ d }) => d.contents !== null)
      .map(({ d, doc }) => {
        if (d.errors.length) throw new Error(`${full}: ${d.errors[0].message}`);
        return { file: path.relative(base, full), doc, body: d.toJS() as Record<string, unknown>, expected };
      });
  });
}

function loadIndex(): Map<string, IndexRow> {
  const root = conformanceRoot();
  if (!root) return new Map();
  const rows = fs
    .readFileSync(path.join(root, "upstream-examples", "index.jsonl"), "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as IndexRow);
  return new Map(rows.map((r) => [r.saved_as, r]));
}

/** An expected header error `<path>: <message>` is matched by a reported error at the same path that also
 * names the field for "was unexpected" / "is a required property" messages. */
function matchesExpected(expected: string, errors: string[]): boolean {
  const sep = expected.indexOf(": ");
  const at = expected.slice(0, sep);
  const msg = expected.slice(sep + 2);
  const field = /'([^']+)' (?:was unexpected|is a required property)/.exec(msg)?.[1];
  return errors.some((e) => e.startsWith(`${at}: `) && (!field || e.includes(`"${field}"`)));
}

const valid = loadExamples("valid");
const invalid = loadExamples("invalid");
const index = loadIndex();

function cq(spec: Record<string, unknown>): Record<string, unknown> {
  return { apiVersion: "kueue.x-k8s.io/v1beta2", kind: "ClusterQueue", metadata: { name: "cq" }, spec };
}

function isvc(model: Record<string, unknown>): Record<string, unknown> {
  return {
    apiVersion: "serving.kserve.io/v1beta1",
    kind: "InferenceService",
    metadata: { name: "m" },
    spec: { predictor: { model } },
  };
}

function deployment(replicas: unknown): Record<string, unknown> {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "d" },
    spec: {
      replicas,
      selector: { matchLabels: { app: "d" } },
      template: { metadata: { labels: { app: "d" } }, spec: { containers: [{ name: "c", image: "busybox" }] } },
    },
  };
}

describe("describeConformance when the folder is absent", () => {
  test("registers one skipped test per suite naming the folder, and prints nothing per file", () => {
    const g = globalThis as unknown as Record<string, unknown>;
    const saved = { describe: g.describe, test: g.test };
    const described: string[] = [];
    const skipped: string[] = [];
    const body = jest.fn();
    const write = jest.spyOn(process.stderr, "write").mockImplementation(() => true);
    let calls: unknown[][] = [];
    try {
      g.describe = (name: string, fn: () => void) => {
        described.push(name);
        fn();
      };
      g.test = { skip: (name: string) => skipped.push(name) };
      let fresh: typeof import("./conformance") | undefined;
      jest.isolateModules(() => {
        fresh = require("./conformance");
      });
      fresh!.describeConformanceIn(undefined, "a", body);
      fresh!.describeConformanceIn(undefined, "b", body);
      calls = write.mock.calls.map((c) => [...c]);
    } finally {
      g.describe = saved.describe;
      g.test = saved.test;
      write.mockRestore();
    }
    expect(body).not.toHaveBeenCalled();
    expect(described).toEqual(["a", "b"]);
    expect(skipped).toEqual(["skipped: ../shared/conformance not found", "skipped: ../shared/conformance not found"]);
    expect(calls).toEqual([]);
  });

  test("the run's globalSetup prints one line saying why, only when the folder is absent", () => {
    expect(skipNotice("/somewhere/shared/conformance")).toBeUndefined();
    expect(skipNotice(undefined)).toBe(SKIP_NOTICE);
    expect(SKIP_NOTICE).toMatch(/^conformance tests skipped: \.\.\/shared\/conformance not found\. .*CI always has it.*$/);
    expect(SKIP_NOTICE).not.toContain("\n");
  });

  test("jest runs that globalSetup once per run, and it prints the notice once", () => {
    const pkg = JSON.parse(fs.readFileSync(path.resolve(__dirname, "../../package.json"), "utf8"));
    expect(pkg.jest.globalSetup).toBe("<rootDir>/test/support/global-setup.ts");
    const write = jest.spyOn(process.stderr, "write").mockImplementation(() => true);
    let calls: unknown[][] = [];
    try {
      jest.isolateModules(() => {
        jest.doMock("./conformance", () => ({ ...jest.requireActual("./conformance"), conformanceRoot: () => undefined }));
        (require("./global-setup") as { default: () => void }).default();
        jest.dontMock("./conformance");
      });
      calls = write.mock.calls.map((c) => [...c]);
    } finally {
      write.mockRestore();
    }
    expect(calls).toEqual([[`${SKIP_NOTICE}\n`]]);
  });
});

describeConformance("conformance harness", () => {
  test("conformanceRoot is ../shared/conformance next to the project root", () => {
    const root = conformanceRoot()!;
    expect(path.isAbsolute(root)).toBe(true);
    expect(root).toBe(path.resolve(__dirname, "..", "..", "..", "shared", "conformance"));
    expect(fs.existsSync(path.join(root, "README.md"))).toBe(true);
  });

  test("schema mapping comes from the schemas' group-version-kind", () => {
    const rel = (f: string | undefined) => f && path.relative(path.join(conformanceRoot()!, "schemas"), f);
    expect(rel(schemaFileFor("kueue.x-k8s.io/v1beta2", "ClusterQueue"))).toBe("strict/clusterqueue-v1beta2.json");
    expect(rel(schemaFileFor("kueue.x-k8s.io/v1beta2", "ClusterQueue", { strict: false }))).toBe("clusterqueue-v1beta2.json");
    expect(rel(schemaFileFor("networking.k8s.io/v1", "NetworkPolicy"))).toBe(
      "k8s/v1.30.0-standalone-strict/networkpolicy-networking-v1.json",
    );
    expect(rel(schemaFileFor("v1", "Service"))).toBe("k8s/v1.30.0-standalone-strict/service-v1.json");
    expect(rel(schemaFileFor("autoscaling/v2", "HorizontalPodAutoscaler"))).toBe(
      "k8s/v1.30.0-standalone-strict/horizontalpodautoscaler-autoscaling-v2.json",
    );
    expect(schemaFileFor("apps/v1", "StatefulSet")).toBeUndefined();
  });

  describe("upstream examples", () => {
    // The counts follow index.jsonl (the data grows with each conformance batch), never a literal.
    test("files on disk and index.jsonl agree: one document per index row, invalid ones as the index says", () => {
      const onDisk = [...valid, ...invalid].map((d) => d.file).sort();
      expect(onDisk).toEqual([...index.keys()].sort());
      expect(valid.length + invalid.length).toBe(index.size);
      expect(invalid.length).toBe([...index.values()].filter((r) => !r.valid).length);
      expect(invalid.length).toBeGreaterThan(0);
      for (const d of invalid) expect(index.get(d.file)?.valid).toBe(false);
      for (const d of valid) expect(index.get(d.file)?.valid).toBe(true);
      for (const d of invalid) expect(d.expected.length).toBeGreaterThan(0);
    });

    const strictValid = valid.filter((d) => index.get(d.file)?.valid_strict !== false);
    const laxValid = valid.filter((d) => index.get(d.file)?.valid_strict === false);

    // The harness rejects null everywhere (README limit 3), also in opaque CRD metadata where the schema
    // cannot see it; the schema verdict is what the index records.
    const NULL_POLICY = / null is not allowed /;

    test.each(strictValid.map((d) => [`${d.file}#${d.doc}`, d] as const))("valid: %s", (_name, d) => {
      expect(validateManifest(d.body).filter((e) => !NULL_POLICY.test(e))).toEqual([]);
    });

    test("the null policy only adds metadata.creationTimestamp: null of two PrometheusRule examples", () => {
      const flagged = strictValid
        .map((d) => ({ file: d.file, nulls: validateManifest(d.body).filter((e) => NULL_POLICY.test(e)) }))
        .filter((d) => d.nulls.length > 0);
      expect(flagged).toHaveLength(2);
      for (const d of flagged) {
        expect(d.file).toMatch(/^valid\/prometheus-operator\/prometheusrule\//);
        expect(d.nulls).toEqual(["metadata/creationTimestamp: null is not allowed (the API server drops it: emit no key instead)"]);
      }
    });

    // Two upstream KServe samples carry fields the API server prunes (index: valid_strict false).
    // They pass the lenient CRD schema and fail the strict one with the index's strict error.
    test.each(laxValid.map((d) => [`${d.file}#${d.doc}`, d] as const))(
      "valid but not strict (index valid_strict=false): %s",
      (_name, d) => {
        expect(validateManifest(d.body, { strict: false })).toEqual([]);
        const errors = validateManifest(d.body);
        const expected = index.get(d.file)!.strict_errors!;
        expect(expected.length).toBeGreaterThan(0);
        for (const e of expected) expect({ expected: e, match: matchesExpected(e, errors), errors }).toMatchObject({ match: true });
      },
    );

    test.each(invalid.map((d) => [`${d.file}#${d.doc}`, d] as const))("invalid: %s", (_name, d) => {
      const errors = validateManifest(d.body);
      expect(errors.length).toBeGreaterThan(0);
      for (const e of d.expected) expect({ expected: e, match: matchesExpected(e, errors), errors }).toMatchObject({ match: true });
    });
  });

  describe("validateManifest", () => {
    test("a misspelt field is rejected (InferenceService storageURI)", () => {
      expect(validateManifest(isvc({ modelFormat: { name: "sklearn" }, storageUri: "s3://b/m" }))).toEqual([]);
      expect(validateManifest(isvc({ modelFormat: { name: "sklearn" }, storageURI: "s3://b/m" }))).toEqual([
        'spec/predictor/model: unknown field "storageURI"',
      ]);
    });

    test("Kueue v1beta2 renamed cohort to cohortName", () => {
      expect(validateManifest(cq({ namespaceSelector: {}, cohortName: "all" }))).toEqual([]);
      expect(validateManifest(cq({ namespaceSelector: {}, cohort: "all" }))).toEqual(['spec: unknown field "cohort"']);
    });

    test("null is rejected, also inside opaque CRD metadata", () => {
      expect(validateManifest(cq({ namespaceSelector: {}, cohortName: null }))).toEqual([
        "spec/cohortName: null is not allowed (the API server drops it: emit no key instead)",
      ]);
      const m = cq({ namespaceSelector: {} });
      (m.metadata as Record<string, unknown>).labels = { team: null };
      expect(validateManifest(m)).toEqual([
        "metadata/labels/team: null is not allowed (the API server drops it: emit no key instead)",
      ]);
    });

    test("a kind without a schema is an error, never a pass", () => {
      expect(validateManifest({ apiVersion: "apps/v1", kind: "StatefulSet", metadata: { name: "s" } })).toEqual([
        "no schema for apps/v1/StatefulSet",
      ]);
      expect(validateManifest({ apiVersion: "kueue.x-k8s.io/v1beta3", kind: "ClusterQueue" })).toEqual([
        "no schema for kueue.x-k8s.io/v1beta3/ClusterQueue",
      ]);
      expect(validateManifest({ kind: "ClusterQueue" })[0]).toMatch(/needs string apiVersion and kind/);
    });

    test("quantities: integer or string, not a fraction (README limit 4)", () => {
      const quota = (nominalQuota: unknown) =>
        cq({
          namespaceSelector: {},
          resourceGroups: [
            { coveredResources: ["cpu"], flavors: [{ name: "default", resources: [{ name: "cpu", nominalQuota }] }] },
          ],
        });
      expect(validateManifest(quota("500m"))).toEqual([]);
      expect(validateManifest(quota(1))).toEqual([]);
      const errors = validateManifest(quota(0.5));
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(/^spec\/resourceGroups\/0\/flavors\/0\/resources\/0\/nominalQuota: 0\.5 matches none/);
    });

    test("a Terraform interpolation may stand for an integer; a plain string may not", () => {
      expect(validateManifest(deployment(2))).toEqual([]);
      expect(validateManifest(deployment("${var.replicas}"))).toEqual([]);
      expect(validateManifest(deployment("two"))).toEqual(['spec/replicas: must be integer, got "two"']);
      // nor is an interpolation held to a pattern (a name coming from another resource)
      expect(validateManifest(cq({ namespaceSelector: {}, cohortName: "${var.cohort}" }))).toEqual([]);
      expect(validateManifest(cq({ namespaceSelector: {}, cohortName: "Not_A_Name" }))[0]).toMatch(
        /^spec\/cohortName: must match pattern/,
      );
      // the object around an interpolation is still checked
      expect(validateManifest(cq({ namespaceSelector: {}, cohort: "${var.cohort}" }))).toEqual(['spec: unknown field "cohort"']);
    });

    test("Go's (?i) pattern flag is honoured case-insensitively (README limit 5)", () => {
      const rule = (strategy: string) => ({
        apiVersion: "monitoring.coreos.com/v1",
        kind: "PrometheusRule",
        metadata: { name: "r" },
        spec: { groups: [{ name: "g", partial_response_strategy: strategy, rules: [] }] },
      });
      expect(validateManifest(rule("abort"))).toEqual([]);
      expect(validateManifest(rule("WARN"))).toEqual([]);
      expect(validateManifest(rule("maybe"))).toEqual([
        'spec/groups/0/partial_response_strategy: must match pattern "^(?i)(abort|warn)?$", got "maybe"',
      ]);
    });
  });

  describe("validateStackManifests", () => {
    test("validates every kubernetes_manifest of a synthesized stack", () => {
      const stack = new TerraformStack(Testing.app(), "manifests");
      const flavor = new TerraformVariable(stack, "flavor", { type: "string" });
      new Manifest(stack, "good", { manifest: cq({ namespaceSelector: {}, cohortName: flavor.stringValue }) });
      new Manifest(stack, "typo", { manifest: cq({ namespaceSelector: {}, cohort: "x" }) });
      new Manifest(stack, "core", { manifest: deployment(3) });
      const synth = Testing.synth(stack);
      expect(validateStackManifests(synth)).toEqual([
        { address: "kubernetes_manifest.core", errors: [] },
        { address: "kubernetes_manifest.good", errors: [] },
        { address: "kubernetes_manifest.typo", errors: ['spec: unknown field "cohort"'] },
      ]);
      expect(validateStackManifests(JSON.parse(synth))).toHaveLength(3);
    });
  });

  describe("helmValueKeyErrors", () => {
    test("real keys pass", () => {
      expect(
        helmValueKeyErrors(GPU, {
          operator: { priorityClassName: "system-cluster-critical" },
          driver: { enabled: false },
          daemonsets: { tolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }] },
        }),
      ).toEqual([]);
    });

    test("misspelt keys fail, with their full path", () => {
      expect(
        helmValueKeyErrors(GPU, {
          operator: { priorityClassNamee: "x" },
          driverr: { enabled: false },
        }),
      ).toEqual([`${GPU}: unknown value key "operator.priorityClassNamee"`, `${GPU}: unknown value key "driverr"`]);
    });

    test("array elements are checked against the object elements of the default array", () => {
      const mlflow = "community-charts-mlflow-1.11.5.values.yaml";
      expect(helmValueKeyErrors(mlflow, { minio: { buckets: [{ name: "a", policy: "none", purge: true }] } })).toEqual([]);
      expect(helmValueKeyErrors(mlflow, { minio: { buckets: [{ name: "a" }, { name: "b", polcy: "none" }] } })).toEqual([
        `${mlflow}: unknown value key "minio.buckets[1].polcy"`,
      ]);
      // default [] (no element to compare with): elements are not checked
      expect(helmValueKeyErrors(GPU, { validator: { args: [{ any: "thing" }] } })).toEqual([]);
    });

    test("keys under a map whose default is {} are free-form", () => {
      expect(
        helmValueKeyErrors(GPU, {
          daemonsets: { annotations: { "eks.amazonaws.com/role-arn": "arn" }, labels: { team: "ml" } },
          validator: { resources: { limits: { cpu: "1" } } },
        }),
      ).toEqual([]);
      // Kubernetes-typed keys are free-form even when the chart ships a non-empty example default
      expect(
        helmValueKeyErrors(GPU, {
          operator: {
            annotations: { "eks.amazonaws.com/role-arn": "arn" },
            nodeSelector: { "karpenter.sh/nodepool": "system" },
            tolerations: [{ key: "k", operator: "Exists", tolerationSeconds: 30 }],
            resources: { requests: { "nvidia.com/gpu": 1 } },
          },
        }),
      ).toEqual([]);
    });

    test("null default accepts an object, scalar default does not; allowed paths pass", () => {
      const karpenter = "karpenter-tag-v1.14.1.values.yaml";
      expect(helmValueKeyErrors(karpenter, { serviceMonitor: { sampleLimit: { any: "shape" } } })).toEqual([]);
      expect(helmValueKeyErrors(GPU, { platform: { openshift: { on: true } } })).toEqual([
        `${GPU}: value key "platform.openshift" is set to an object but its chart default is false`,
      ]);
      expect(helmValueKeyErrors(GPU, { operator: { version: "v26.7.0" } })).toEqual([
        `${GPU}: unknown value key "operator.version"`,
      ]);
      expect(helmValueKeyErrors(GPU, { operator: { version: "v26.7.0" } }, ["operator.version"])).toEqual([]);
    });
  });

  describe("helm_release values (Fn.yamlencode as rendered by cdktf 0.21)", () => {
    test("a tricky object with token references round-trips", () => {
      const stack = new TerraformStack(Testing.app(), "helm");
      const role = new TerraformVariable(stack, "role_arn", { type: "string" });
      const replicas = new TerraformVariable(stack, "replicas", { type: "number" });
      const other = new Release(stack, "other", { name: "other", chart: "x" });
      const tricky = {
        serviceAccount: { annotations: { "eks.amazonaws.com/role-arn": role.stringValue, "a.b/c d": "v" } },
        "123": "integer-like key",
        replicaCount: replicas.numberValue,
        numbers: [0, 3, -2, 0.5, 1e21, 1e-7],
        flags: { on: true, off: false, none: null },
        empty: { map: {}, list: [] },
        nested: [[1, "two"], { three: [{ four: 4 }] }],
        text: "single 'quotes', dots. slashes/ commas, = braces {} [] and a literal ${not.a.ref}",
        multiline: "line 1\nline 2\ttabbed é ✓",
        mixed: `arn-prefix/${role.stringValue}/suffix`,
        status: other.status,
        call: Fn.concat([["a"], [role.stringValue]]),
        cond: Fn.conditional(role.stringValue, "x, y", "z"),
        json: Fn.jsonencode({ a: role.stringValue }),
      };
      new Release(stack, "gpu", { name: "gpu", chart: "gpu-operator", version: "v26.7.0", values: [Fn.yamlencode(tricky)] });
      const synth = Testing.synth(stack);
      const rendered = JSON.parse(synth).resource.helm_release.gpu.values[0] as string;
      expect(rendered.startsWith('${yamlencode({"123" = "integer-like key", "serviceAccount" = {"annotations" = {"eks.amazonaws.com/role-arn" = var.role_arn,')).toBe(true);
      const [rel] = helmReleaseValues(synth).filter((r) => r.address === "helm_release.gpu");
      expect(rel).toMatchObject({ chart: "gpu-operator", version: "v26.7.0" });
      expect(rel.values).toEqual([
        {
          ...tricky,
          serviceAccount: { annotations: { "eks.amazonaws.com/role-arn": "${var.role_arn}", "a.b/c d": "v" } },
          replicaCount: "${var.replicas}",
          mixed: "arn-prefix/${var.role_arn}/suffix",
          status: "${helm_release.other.status}",
          call: '${concat(["a"], [var.role_arn])}',
          cond: '${var.role_arn ? "x, y" : "z"}',
          json: '${jsonencode({"a" = var.role_arn})}',
        },
      ]);
    });

    test("plain YAML and JSON string values are parsed", () => {
      const stack = new TerraformStack(Testing.app(), "plain");
      new Release(stack, "r", {
        name: "r",
        chart: "gpu-operator",
        values: ["driver:\n  enabled: false\n", '{"operator": {"priorityClassName": "x"}}'],
      });
      expect(helmReleaseValues(Testing.synth(stack))[0].values).toEqual([
        { driver: { enabled: false } },
        { operator: { priorityClassName: "x" } },
      ]);
    });

    test('cdktf does not escape " or \\ inside yamlencode strings: the decoder rejects that like Terraform would', () => {
      const stack = new TerraformStack(Testing.app(), "quotes");
      new Release(stack, "r", { name: "r", chart: "gpu-operator", values: [Fn.yamlencode({ a: 'say "hi"' })] });
      const rendered = JSON.parse(Testing.synth(stack)).resource.helm_release.r.values[0];
      expect(rendered).toBe('${yamlencode({"a" = "say "hi""})}');
      expect(() => decodeTerraformEncodeCall(rendered)).toThrow(/Terraform would reject it too/);
      expect(() => decodeTerraformEncodeCall('${yamlencode({"a" = "back\\ slash"})}')).toThrow(/invalid escape/);
    });

    test("a values entry that is only a reference cannot be checked and is reported", () => {
      const stack = new TerraformStack(Testing.app(), "opaque");
      const v = new TerraformVariable(stack, "vals", { type: "string" });
      new Release(stack, "r", { name: "r", chart: "gpu-operator", values: [Fn.yamlencode(v.stringValue)] });
      expect(() => helmReleaseValues(Testing.synth(stack))).toThrow(/values\[0\] is not a literal map \("\$\{var\.vals\}"\)/);
    });

    test("checkHelmReleases: unknown keys in values and set, and unmapped charts", () => {
      const stack = new TerraformStack(Testing.app(), "check");
      const role = new TerraformVariable(stack, "role_arn", { type: "string" });
      new Release(stack, "gpu", {
        name: "gpu",
        chart: "gpu-operator",
        values: [
          Fn.yamlencode({
            operator: { priorityClassName: "x", annotations: { "eks.amazonaws.com/role-arn": role.stringValue } },
            driver: { enabledd: false },
          }),
        ],
        set: [
          { name: "daemonsets.annotations.example\\.com/team", value: "ml" },
          { name: "toolkit.enabledd", value: "true" },
        ],
      });
      new Release(stack, "other", { name: "other", chart: "mystery" });
      expect(checkHelmReleases(Testing.synth(stack), { "gpu-operator": GPU })).toEqual([
        `helm_release.gpu: ${GPU}: unknown value key "driver.enabledd"`,
        `helm_release.gpu: ${GPU}: unknown value key "toolkit.enabledd"`,
        'helm_release.other: chart "mystery" has no values file mapping (known: gpu-operator)',
      ]);
    });
  });
});
