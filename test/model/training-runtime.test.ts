import { Testing } from "cdktf";
import { CapacityType, NodePoolInfo, NodePoolPurpose, TaintEffect } from "../../lib/core/cluster";
import { Scheduling } from "../../lib/core/scheduling";
import { EksCluster } from "../../lib/compute/eks-cluster";
import { ExistingCluster } from "../../lib/compute/existing-cluster";
import { TrainingRuntime, TrainingRuntimeProps } from "../../lib/model/training-runtime";
import { TorchDistributedRuntime, TorchDistributedRuntimeOptions } from "../../lib/model/torch-distributed-runtime";
import { PINNED_CHART_VALUES } from "../support/charts";
import { checkHelmReleases, describeConformance, helmReleaseValues, validateStackManifests } from "../support/conformance";
import { awsStack, bareStack, dataSourcesOfType, resourcesOfType, synthJson, testApp } from "../support/synth";
import { PyTorchJobOperator } from "../../lib/model/pytorch-job-operator";

const SYSTEM: NodePoolInfo = {
  name: "system",
  purpose: NodePoolPurpose.SYSTEM,
  capacityType: CapacityType.ON_DEMAND,
  labels: { [Scheduling.POOL_LABEL]: "system" },
  taints: [{ key: "CriticalAddonsOnly", effect: TaintEffect.NO_SCHEDULE }],
  minNodes: 2,
  maxNodes: 3,
};

function env() {
  const app = testApp();
  const infra = bareStack(app, "infra");
  const cluster = new ExistingCluster(infra, "Cluster", { clusterName: "dc1", kubeconfigContext: "dc1-admin" });
  cluster.registerNodePool(SYSTEM);
  const platform = bareStack(app, "platform");
  const platformConn = cluster.connect(platform, "Conn");
  const workloads = bareStack(app, "workloads");
  const connection = cluster.connect(workloads, "Conn");
  return { app, infra, cluster, platform, platformConn, workloads, connection };
}

function install(props: Partial<TrainingRuntimeProps> = {}) {
  const e = env();
  const trainer = new TrainingRuntime(e.platform, "Trainer", { connection: e.platformConn, ...props });
  return { ...e, trainer, json: synthJson(e.platform) };
}

function values(json: any): any {
  const releases = helmReleaseValues(json);
  expect(releases).toHaveLength(1);
  return releases[0].values[0];
}

function runtime(options: Partial<TorchDistributedRuntimeOptions> = {}) {
  const e = install();
  const torch = e.trainer.addTorchDistributedRuntime(e.workloads, "Torch", { connection: e.connection, ...options });
  const json = synthJson(e.workloads);
  const manifest = (Object.values(resourcesOfType(json, "kubernetes_manifest"))[0] as any).manifest;
  return { ...e, torch, manifest };
}

describe("TrainingRuntime (Kubeflow Trainer chart)", () => {
  test("installs kubeflow-trainer 2.3.0 from its pinned chart with the pinned controller image, CRDs and JobSet", () => {
    const { json } = install();
    const release = Object.values(resourcesOfType(json, "helm_release"))[0] as any;
    expect(release).toMatchObject({ chart: "kubeflow-trainer", version: "2.3.0", repository: "oci://ghcr.io/kubeflow/charts" });
    expect(release.namespace).toMatch(/^\$\{kubernetes_namespace_v1\..*kubeflow-system.*\.metadata\[0\]\.name\}$/);
    const v = values(json);
    expect(v.image).toEqual({ tag: "v2.3.0", pullPolicy: "IfNotPresent" });
    expect(v.crds).toEqual({ enabled: true });
    expect(v.jobset).toEqual({ install: true });
    // Upstream runtimes are off (they would be installed by a hook Job that downloads kubectl); Strata emits its own.
    expect(v.runtimes).toEqual({ defaultEnabled: false });
    expect(TrainingRuntime.IMAGE).toBe("ghcr.io/kubeflow/trainer/trainer-controller-manager:v2.3.0");
  });

  test("the controller runs on the system pool with resource requests, in a restricted namespace", () => {
    const { json } = install();
    const v = values(json);
    expect(v.manager).toMatchObject({
      replicas: 1,
      nodeSelector: { [Scheduling.POOL_LABEL]: "system" },
      tolerations: [{ key: "CriticalAddonsOnly", operator: "Exists", effect: "NoSchedule" }],
      resources: { requests: { cpu: "100m", memory: "300Mi" } },
    });
    const ns = Object.values(resourcesOfType(json, "kubernetes_namespace_v1"))[0] as any;
    expect(ns.metadata.name).toBe("kubeflow-system");
    expect(ns.metadata.labels["pod-security.kubernetes.io/enforce"]).toBe("restricted");
  });

  test("registers the controller and JobSet as system workloads (not JobSet when it is installed elsewhere)", () => {
    const { cluster } = install();
    expect(cluster.systemWorkloads.map((w) => w.name)).toEqual(["kubeflow-trainer-controller-manager", "jobset-controller-manager"]);
    const other = install({ installJobSet: false });
    expect(other.cluster.systemWorkloads.map((w) => w.name)).toEqual(["kubeflow-trainer-controller-manager"]);
    expect(values(other.json).jobset).toEqual({ install: false });
  });

  test("on EKS the system pool is found by purpose", () => {
    const app = testApp();
    const infra = awsStack(app, "infra");
    const cluster = new EksCluster(infra, "Cluster", { clusterName: "ml-prod", subnetIds: ["subnet-a", "subnet-b"] });
    const platform = awsStack(app, "platform");
    new TrainingRuntime(platform, "Trainer", { connection: cluster.connect(platform, "Conn") });
    const system = cluster.nodePools.find((p) => p.purpose === NodePoolPurpose.SYSTEM)!;
    expect(values(synthJson(platform)).manager.nodeSelector).toEqual(Scheduling.nodeSelectorFor(system));
  });

  test("rejected input", () => {
    expect(() => install({ systemPoolName: "gpu" })).toThrow(/Trainer: invalid systemPoolName "gpu": must name a node pool of cluster "dc1" \(pools: system\)/);
    expect(() => install({ namespace: "Kubeflow" })).toThrow(/invalid namespace "Kubeflow": must be a namespace name/);
    expect(() => install({ installJobSet: "yes" as any })).toThrow(/invalid installJobSet "yes": must be a boolean/);
    expect(() => install({ timeoutSeconds: "60" as any })).toThrow(/invalid timeoutSeconds "60": must be an integer from 1 to 86400, not a string/);
    expect(() => install({ connection: {} as any })).toThrow(/invalid connection \{\}: must be a ClusterConnection/);
    const e = install();
    expect(() => new TrainingRuntime(e.platform, "Again", { connection: e.platformConn, namespace: "trainer2" })).toThrow(
      /Again: invalid connection.cluster "dc1": already has Kubeflow Trainer installed by Strata/,
    );
    const f = env();
    f.platformConn.addNamespace("kubeflow-system");
    expect(() => new TrainingRuntime(f.platform, "Trainer", { connection: f.platformConn })).toThrow(/invalid namespace "kubeflow-system": is already created/);
  });
});

describe("TorchDistributedRuntime (ClusterTrainingRuntime)", () => {
  test("torchrun (mlPolicy.torch) with one replicated job 'node', in the workloads stack after the chart", () => {
    const { manifest, workloads, platform, torch } = runtime();
    expect(manifest).toMatchObject({
      apiVersion: "trainer.kubeflow.org/v1alpha1",
      kind: "ClusterTrainingRuntime",
      metadata: { name: "strata-torch-distributed", labels: { "trainer.kubeflow.org/framework": "torch" } },
      spec: { mlPolicy: { numNodes: 1, torch: {} } },
    });
    const rjs = manifest.spec.template.spec.replicatedJobs;
    expect(rjs.map((r: any) => r.name)).toEqual(["node"]);
    expect(rjs[0].template.metadata.labels).toEqual({ "trainer.kubeflow.org/trainjob-ancestor-step": "trainer" });
    expect(torch.runtimeName).toBe(TorchDistributedRuntime.DEFAULT_NAME);
    expect(workloads.dependencies).toContain(platform);
  });

  test("pods: non-root UID 1000, seccomp, no escalation, capabilities dropped, memory-backed /dev/shm", () => {
    const pod = runtime().manifest.spec.template.spec.replicatedJobs[0].template.spec.template.spec;
    expect(pod.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: "RuntimeDefault" } });
    expect(pod.containers[0].securityContext).toEqual({ allowPrivilegeEscalation: false, privileged: false, capabilities: { drop: ["ALL"] } });
    expect(pod.containers[0].volumeMounts).toEqual([{ name: "dshm", mountPath: "/dev/shm" }]);
    expect(pod.volumes).toEqual([{ name: "dshm", emptyDir: { medium: "Memory", sizeLimit: "8Gi" } }]);
    expect(pod.restartPolicy).toBe("Never");
  });

  test("spot interruption: disruptions do not count as failures, the JobSet restarts up to maxRestarts", () => {
    const spec = runtime({ maxRestarts: 10, backoffLimit: 1 }).manifest.spec.template.spec;
    expect(spec.failurePolicy).toEqual({ maxRestarts: 10 });
    const job = spec.replicatedJobs[0].template.spec;
    expect(job.backoffLimit).toBe(1);
    expect(job.podFailurePolicy).toEqual({ rules: [{ action: "Ignore", onPodConditions: [{ type: "DisruptionTarget", status: "True" }] }] });
    expect(runtime().manifest.spec.template.spec.failurePolicy).toEqual({ maxRestarts: 5 });
  });

  test("allowRootContainers keeps seccomp and dropped capabilities but not runAsNonRoot", () => {
    const pod = runtime({ allowRootContainers: true }).manifest.spec.template.spec.replicatedJobs[0].template.spec.template.spec;
    expect(pod.securityContext).toEqual({ seccompProfile: { type: "RuntimeDefault" } });
    expect(pod.containers[0].securityContext.allowPrivilegeEscalation).toBe(false);
  });

  test("rejected input", () => {
    expect(() => runtime({ runtimeName: "Torch" })).toThrow(/Torch: invalid runtimeName "Torch"/);
    expect(() => runtime({ maxRestarts: -1 })).toThrow(/invalid maxRestarts -1: must be an integer from 0 to 1000/);
    expect(() => runtime({ backoffLimit: "2" as any })).toThrow(/invalid backoffLimit "2": must be an integer from 0 to 1000, not a string/);
    expect(() => runtime({ runAsUser: 0 })).toThrow(/invalid runAsUser 0: must be an integer from 1/);
    expect(() => runtime({ sharedMemoryGiB: 0.5 })).toThrow(/invalid sharedMemoryGiB 0.5/);
    expect(() => runtime({ allowRootContainers: true, runAsUser: 1000 })).toThrow(/invalid runAsUser 1000: does not apply with allowRootContainers: true/);
    expect(() => runtime({ allowRootContainers: "no" as any })).toThrow(/invalid allowRootContainers "no"/);
    const e = install();
    const other = new ExistingCluster(e.infra, "Other", { clusterName: "dc2", kubeconfigContext: "dc2-admin" });
    expect(() => e.trainer.addTorchDistributedRuntime(e.workloads, "Torch", { connection: other.connect(e.workloads, "Other", { alias: "dc2" }) })).toThrow(
      /Trainer: invalid connection ".*": must connect to the cluster the Trainer is installed on \("dc1"\)/,
    );
    expect(() => new TorchDistributedRuntime(e.workloads, "Bad", { connection: "conn" as any })).toThrow(/Bad: invalid connection "conn": must be a ClusterConnection/);
  });
});

describe("PyTorchJobOperator (checked prerequisite)", () => {
  test("reads the pytorchjobs.kubeflow.org CRD; the plan fails with the install command when it is missing", () => {
    const e = env();
    new PyTorchJobOperator(e.platform, "TrainingOperator", { connection: e.platformConn });
    const ds = Object.values(dataSourcesOfType(synthJson(e.platform), "kubernetes_resources"))[0] as any;
    expect(ds.field_selector).toBe("metadata.name=pytorchjobs.kubeflow.org");
    expect(ds.lifecycle.postcondition[0].error_message).toContain(
      'kubectl apply --server-side -k "github.com/kubeflow/training-operator.git/manifests/overlays/standalone?ref=v1.9.0"',
    );
    expect(() => new PyTorchJobOperator(e.platform, "Again", { connection: e.platformConn })).toThrow(/Again: invalid connection .*already has a PyTorchJobOperator in this stack/);
    expect(() => new PyTorchJobOperator(e.platform, "Bad", { connection: undefined as any })).toThrow(/Bad: invalid connection undefined: must be a ClusterConnection/);
  });
});

describeConformance("Training runtime conformance", () => {
  test("every Helm value key exists in kubeflow-trainer 2.3.0's defaults", () => {
    expect(checkHelmReleases(install().json, PINNED_CHART_VALUES)).toEqual([]);
    expect(checkHelmReleases(install({ installJobSet: false }).json, PINNED_CHART_VALUES)).toEqual([]);
  });

  test("the ClusterTrainingRuntime passes the strict schema (defaults and options)", () => {
    for (const options of [{}, { allowRootContainers: true, maxRestarts: 0, sharedMemoryGiB: 32 }]) {
      const e = runtime(options);
      const results = validateStackManifests(Testing.synth(e.workloads));
      expect(results).toHaveLength(1);
      expect(results.filter((r) => r.errors.length > 0)).toEqual([]);
    }
  });
});
