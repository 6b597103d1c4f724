import { Release } from "@cdktf/provider-helm/lib/release";
import { Manifest } from "@cdktf/provider-kubernetes/lib/manifest";
import { Testing } from "cdktf";
import { ExistingCluster } from "../../lib/compute/existing-cluster";
import { ClusterConnection } from "../../lib/core/connection";
import { CustomResource } from "../../lib/core/custom-resource";
import { HelmChart, PinnedChart } from "../../lib/core/helm-chart";
import { PINNED_CHART_VALUES } from "../support/charts";
import { checkHelmReleases, describeConformance, helmReleaseValues, validateStackManifests } from "../support/conformance";
import { bareStack } from "../support/synth";

function setup() {
  const app = Testing.app();
  const infra = bareStack(app, "infra");
  const cluster = new ExistingCluster(infra, "Cluster", { clusterName: "dc1", kubeconfigContext: "dc1" });
  const platform = bareStack(app, "platform");
  const workloads = bareStack(app, "workloads");
  return {
    platform,
    workloads,
    platformConn: new ClusterConnection(platform, "Conn", { cluster }),
    workloadsConn: new ClusterConnection(workloads, "Conn", { cluster }),
  };
}

const flavor = (name: string) => ({
  apiVersion: "kueue.x-k8s.io/v1beta2",
  kind: "ResourceFlavor",
  metadata: { name },
  spec: { nodeLabels: { "strata.io/pool": name }, tolerations: undefined },
});

describe("PinnedChart", () => {
  test("every pinned chart has a values file in the conformance map and an exact version", () => {
    for (const chart of [PinnedChart.GPU_OPERATOR, PinnedChart.KUEUE, PinnedChart.KARPENTER]) {
      expect(PINNED_CHART_VALUES[chart.chart]).toContain(chart.version.replace(/^v/, ""));
      expect(chart.version).toMatch(/^v?\d+\.\d+\.\d+$/);
      expect(chart.crdGroups.length).toBeGreaterThan(0);
    }
  });
});

describe("HelmChart", () => {
  test("emits an atomic, waiting release of the pinned chart with yamlencoded values", () => {
    const { platform, platformConn } = setup();
    new HelmChart(platform, "Kueue", {
      connection: platformConn,
      chart: PinnedChart.KUEUE,
      releaseName: "kueue",
      namespace: "kueue-system",
      values: { controllerManager: { replicas: 2 } },
    });
    const synth = Testing.synth(platform);
    expect(synth).toHaveResourceWithProperties(Release, {
      name: "kueue",
      namespace: "kueue-system",
      chart: "kueue",
      repository: "oci://registry.k8s.io/kueue/charts",
      version: "0.19.2",
      atomic: true,
      cleanup_on_fail: true,
      wait: true,
      timeout: 900,
      create_namespace: false,
    });
    const [release] = helmReleaseValues(synth);
    expect(release.values).toEqual([{ controllerManager: { replicas: 2 } }]);
  });

  test("no values attribute when none are given", () => {
    const { platform, platformConn } = setup();
    new HelmChart(platform, "Kueue", { connection: platformConn, chart: PinnedChart.KUEUE, releaseName: "kueue", namespace: "kueue-system" });
    const release = Object.values(JSON.parse(Testing.synth(platform)).resource.helm_release)[0] as Record<string, unknown>;
    expect(release.values).toBeUndefined();
  });

  test("rejects bad release names and namespaces", () => {
    const { platform, platformConn } = setup();
    const make = (releaseName: string, namespace = "ns") => () =>
      new HelmChart(platform, `C${releaseName.length}${namespace}`, { connection: platformConn, chart: PinnedChart.KUEUE, releaseName, namespace });
    expect(make("Kueue")).toThrow(/platform\/C5ns: invalid releaseName "Kueue": must be a DNS-1123 label/);
    expect(make("a".repeat(54))).toThrow(/invalid releaseName "a{54}": must be at most 53 characters/);
    expect(make("kueue", "Kueue_System")).toThrow(/invalid namespace "Kueue_System"/);
  });

  test("rejects a custom chart whose version is not exact or whose repository has no https/oci scheme", () => {
    const { platform, platformConn } = setup();
    const make = (id: string, version: string, repository = "https://charts.example.com") => () =>
      new HelmChart(platform, id, {
        connection: platformConn,
        chart: PinnedChart.custom({ chart: "mine", repository, version }),
        releaseName: "mine",
        namespace: "mine",
      });
    const VERSION = 'must be an exact chart version such as "1.14.1" or "v26.7.0" (SemVer); "latest", ranges and partial versions are not pinned';
    expect(make("Latest", "latest")).toThrow(new Error(`platform/Latest: invalid chart.version "latest": ${VERSION}`));
    expect(make("Range", "^1.2.0")).toThrow(new Error(`platform/Range: invalid chart.version "^1.2.0": ${VERSION}`));
    expect(make("NoScheme", "1.0.0", "charts.example.com/stable")).toThrow(
      new Error(
        'platform/NoScheme: invalid chart.repository "charts.example.com/stable": must be a chart repository URL starting with "https://" or "oci://", ' +
          'e.g. "https://helm.ngc.nvidia.com/nvidia" or "oci://public.ecr.aws/karpenter"',
      ),
    );
    expect(make("Ok", "1.0.0", "oci://registry.example.com/charts")).not.toThrow();
  });

  test("rejects values that are not an object (untyped callers)", () => {
    const { platform, platformConn } = setup();
    expect(
      () =>
        new HelmChart(platform, "K", { connection: platformConn, chart: PinnedChart.KUEUE, releaseName: "kueue", namespace: "kueue", values: "replicas: 2" as any }),
    ).toThrow(new Error('platform/K: invalid values "replicas: 2": must be an object of chart values'));
  });

  describeConformance("chart values", () => {
    test("a misspelt value key is caught by the conformance check", () => {
      const { platform, platformConn } = setup();
      new HelmChart(platform, "Kueue", {
        connection: platformConn,
        chart: PinnedChart.KUEUE,
        releaseName: "kueue",
        namespace: "kueue-system",
        values: { controllerManager: { replicaz: 2 } },
      });
      expect(checkHelmReleases(Testing.synth(platform), PINNED_CHART_VALUES).join("\n")).toContain("controllerManager.replicaz");
    });
  });
});

describe("CustomResource", () => {
  test("emits a kubernetes_manifest through the connection's provider, without undefined keys", () => {
    const { workloads, workloadsConn } = setup();
    const cr = new CustomResource(workloads, "Flavor", { connection: workloadsConn, manifest: flavor("spot") });
    expect(cr.group).toBe("kueue.x-k8s.io");
    expect(cr.kind).toBe("ResourceFlavor");
    const synth = Testing.synth(workloads);
    expect(synth).toHaveResourceWithProperties(Manifest, {
      manifest: { apiVersion: "kueue.x-k8s.io/v1beta2", kind: "ResourceFlavor", metadata: { name: "spot" }, spec: { nodeLabels: { "strata.io/pool": "spot" } } },
    });
    expect(synth).not.toContain("tolerations");
  });

  test("refuses to share a stack with the chart that installs its CRD, in either order", () => {
    const first = setup();
    new HelmChart(first.platform, "Kueue", { connection: first.platformConn, chart: PinnedChart.KUEUE, releaseName: "kueue", namespace: "kueue-system" });
    expect(() => new CustomResource(first.platform, "Flavor", { connection: first.platformConn, manifest: flavor("spot") })).toThrow(
      'platform/Flavor: invalid manifest "kueue.x-k8s.io/v1beta2/ResourceFlavor": its CRD is installed by platform/Kueue in the same stack;',
    );
    const second = setup();
    new CustomResource(second.platform, "Flavor", { connection: second.platformConn, manifest: flavor("spot") });
    expect(
      () => new HelmChart(second.platform, "Kueue", { connection: second.platformConn, chart: PinnedChart.KUEUE, releaseName: "kueue", namespace: "kueue-system" }),
    ).toThrow('platform/Kueue: invalid chart "kueue": installs the CRDs of API group "kueue.x-k8s.io", and platform/Flavor is a custom resource of that group in the same stack');
  });

  test("a chart of another group does not block the resource", () => {
    const { platform, platformConn } = setup();
    new HelmChart(platform, "Gpu", { connection: platformConn, chart: PinnedChart.GPU_OPERATOR, releaseName: "gpu-operator", namespace: "gpu-operator" });
    expect(() => new CustomResource(platform, "Flavor", { connection: platformConn, manifest: flavor("spot") })).not.toThrow();
  });

  test("rejects manifests without apiVersion, kind or a valid name", () => {
    const { workloads, workloadsConn } = setup();
    const make = (id: string, manifest: Record<string, unknown>) => () => new CustomResource(workloads, id, { connection: workloadsConn, manifest });
    expect(make("A", { kind: "ResourceFlavor", metadata: { name: "x" } })).toThrow(
      'workloads/A: invalid manifest.apiVersion undefined: must be "<group>/<version>"',
    );
    expect(make("B", { apiVersion: "kueue.x-k8s.io/v1beta2", kind: "resourceFlavor", metadata: { name: "x" } })).toThrow(
      'workloads/B: invalid manifest.kind "resourceFlavor": must be a Kubernetes kind in UpperCamelCase',
    );
    expect(make("C", { apiVersion: "kueue.x-k8s.io/v1beta2", kind: "ResourceFlavor", metadata: { name: "Spot_Pool" } })).toThrow(
      'workloads/C: invalid manifest.metadata.name "Spot_Pool"',
    );
    expect(make("D", { apiVersion: "kueue.x-k8s.io/v1beta2", kind: "ResourceFlavor", metadata: {} })).toThrow(
      "workloads/D: invalid manifest.metadata.name undefined: is required",
    );
  });

  test("checks the namespace, label and annotation syntax of the metadata", () => {
    const { workloads, workloadsConn } = setup();
    const make = (id: string, metadata: Record<string, unknown>) => () =>
      new CustomResource(workloads, id, { connection: workloadsConn, manifest: { apiVersion: "kueue.x-k8s.io/v1beta2", kind: "LocalQueue", metadata, spec: {} } });
    expect(make("Ns", { name: "q", namespace: "ML_Team" })).toThrow(
      "workloads/Ns: invalid manifest.metadata.namespace \"ML_Team\": must be a namespace name: a DNS-1123 label of 1 to 63 lowercase letters, digits and '-', starting and ending with a letter or digit",
    );
    expect(make("LabelKey", { name: "q", labels: { "team name": "ml" } })).toThrow('workloads/LabelKey: invalid manifest.metadata.labels key "team name": must be an optional DNS subdomain prefix');
    expect(make("LabelValue", { name: "q", labels: { team: "ml/platform" } })).toThrow(
      'workloads/LabelValue: invalid manifest.metadata.labels["team"] "ml/platform": must be empty or at most 63 characters',
    );
    expect(make("Annotation", { name: "q", annotations: { "/note": "x" } })).toThrow('workloads/Annotation: invalid manifest.metadata.annotations key "/note"');
    expect(make("Ok", { name: "q", namespace: "ml-team", labels: { "example.com/team": "" }, annotations: { "example.com/note": "free / text" } })).not.toThrow();
  });

  describeConformance("custom resources", () => {
    test("the emitted body passes the strict upstream schema", () => {
      const { workloads, workloadsConn } = setup();
      new CustomResource(workloads, "Flavor", { connection: workloadsConn, manifest: flavor("spot") });
      expect(validateStackManifests(Testing.synth(workloads))).toEqual([{ address: expect.stringMatching(/^kubernetes_manifest\./), errors: [] }]);
    });
  });
});

describe("stack order between a chart and the custom resources of its CRDs", () => {
  test("the workloads stack depends on the platform stack, whichever is built first", () => {
    const first = setup();
    new HelmChart(first.platform, "Kueue", { connection: first.platformConn, chart: PinnedChart.KUEUE, releaseName: "kueue", namespace: "kueue-system" });
    new CustomResource(first.workloads, "Flavor", { connection: first.workloadsConn, manifest: flavor("spot") });
    expect(first.workloads.dependencies).toEqual([first.platform]);

    const second = setup();
    new CustomResource(second.workloads, "Flavor", { connection: second.workloadsConn, manifest: flavor("spot") });
    new HelmChart(second.platform, "Kueue", { connection: second.platformConn, chart: PinnedChart.KUEUE, releaseName: "kueue", namespace: "kueue-system" });
    expect(second.workloads.dependencies).toEqual([second.platform]);
  });

  test("no dependency for charts of other groups or other clusters", () => {
    const { platform, workloads, workloadsConn } = setup();
    const otherCluster = new ExistingCluster(bareStack(Testing.app(), "other"), "Other", { clusterName: "dc2", kubeconfigContext: "dc2" });
    const otherConn = new ClusterConnection(platform, "OtherConn", { cluster: otherCluster, alias: "dc2" });
    new HelmChart(platform, "Kueue", { connection: otherConn, chart: PinnedChart.KUEUE, releaseName: "kueue", namespace: "kueue-system" });
    new HelmChart(platform, "Gpu", { connection: otherConn, chart: PinnedChart.GPU_OPERATOR, releaseName: "gpu-operator", namespace: "gpu-operator" });
    new CustomResource(workloads, "Flavor", { connection: workloadsConn, manifest: flavor("spot") });
    expect(workloads.dependencies).toEqual([]);
  });
});
