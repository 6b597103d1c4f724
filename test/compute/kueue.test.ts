import { parse as parseYaml } from "yaml";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { Release } from "@cdktf/provider-helm/lib/release";
import { App, TerraformStack, Testing } from "cdktf";
import { CapacityType, NodePoolInfo, NodePoolPurpose, TaintEffect } from "../../lib/core/cluster";
import { ClusterConnection } from "../../lib/core/connection";
import { Gpu } from "../../lib/core/gpu";
import { Scheduling } from "../../lib/core/scheduling";
import { ClusterAutoscaler } from "../../lib/compute/cluster-autoscaler";
import { EksCluster } from "../../lib/compute/eks-cluster";
import { ExistingCluster, ExistingGpuNodes } from "../../lib/compute/existing-cluster";
import { GpuQueueing, GpuQueueingProps, GpuQueueingTeam } from "../../lib/compute/gpu-queueing";
import { KarpenterGpuNodePools } from "../../lib/compute/karpenter";
import { Kueue, KueueLocalQueue, KueueProps, KueueResourceFlavor, KueueWorkloadPriorityClass } from "../../lib/compute/kueue";
import {
  KueueBorrowWithinCohort,
  KueueClusterQueue,
  KueueClusterQueueProps,
  KueueFlavorOrder,
  KueueQueueingStrategy,
  KueueReclaimWithinCohort,
  KueueWithinClusterQueue,
} from "../../lib/compute/kueue-cluster-queue";
import { PINNED_CHART_VALUES } from "../support/charts";
import { checkHelmReleases, conformanceRoot, describeConformance, helmReleaseValues, validateStackManifests } from "../support/conformance";
import { annotations, awsStack, bareStack, prepareApp, resourcesOfType, SynthJson, synthJson, testApp } from "../support/synth";

// -------------------------------------------------------------------------------------------------
// Fixtures
// -------------------------------------------------------------------------------------------------

const GPU_TAINT = Scheduling.gpuTaint();
const TRAINING_TAINT = Scheduling.trainingTaint();

/** An on-demand L40S node group (2 nodes x 8 GPUs = 16), declared on-prem, tainted for GPUs only. */
const ON_DEMAND_NODES: ExistingGpuNodes = {
  name: "l40s",
  gpu: Gpu.NVIDIA_L40S,
  nodeCount: 2,
  gpusPerNode: 8,
  purpose: NodePoolPurpose.TRAINING,
  taints: [GPU_TAINT],
};

/** A spot L40S training pool (at most 4 nodes x 4 GPUs = 16), registered as a compute construct would. */
const SPOT_POOL: NodePoolInfo = {
  name: "l40s-spot",
  purpose: NodePoolPurpose.TRAINING,
  capacityType: CapacityType.SPOT,
  labels: {
    [Scheduling.POOL_LABEL]: "l40s-spot",
    [Scheduling.PURPOSE_LABEL]: "training",
    [Scheduling.CAPACITY_TYPE_LABEL]: "spot",
    [Scheduling.GPU_PRODUCT_LABEL]: "NVIDIA-L40S",
  },
  taints: [GPU_TAINT, TRAINING_TAINT],
  minNodes: 0,
  maxNodes: 4,
  gpu: Gpu.NVIDIA_L40S,
  gpusPerNode: 4,
};

/** An on-demand L40S serving pool (at most 2 nodes x 4 GPUs), registered as a compute construct would. */
const SERVING_POOL: NodePoolInfo = {
  name: "l40s-serving",
  purpose: NodePoolPurpose.INFERENCE,
  capacityType: CapacityType.ON_DEMAND,
  labels: {
    [Scheduling.POOL_LABEL]: "l40s-serving",
    [Scheduling.PURPOSE_LABEL]: "inference",
    [Scheduling.CAPACITY_TYPE_LABEL]: "on-demand",
  },
  taints: [GPU_TAINT],
  minNodes: 1,
  maxNodes: 2,
  gpu: Gpu.NVIDIA_L40S,
  gpusPerNode: 4,
};

const SYSTEM_POOL: NodePoolInfo = {
  name: "system",
  purpose: NodePoolPurpose.SYSTEM,
  capacityType: CapacityType.ON_DEMAND,
  labels: { [Scheduling.POOL_LABEL]: "system", [Scheduling.PURPOSE_LABEL]: "system" },
  taints: [{ key: "CriticalAddonsOnly", value: "true", effect: TaintEffect.NO_SCHEDULE }],
  minNodes: 2,
  maxNodes: 3,
};

interface Env {
  app: App;
  cluster: ExistingCluster;
  platform: TerraformStack;
  workloads: TerraformStack;
  platformConn: ClusterConnection;
  conn: ClusterConnection;
}

/** infra (the cluster), platform and workloads stacks, each with an explicit backend. */
function env(options: { gpuNodes?: ExistingGpuNodes[]; spot?: boolean; system?: boolean } = {}): Env {
  const app = testApp();
  const infra = bareStack(app, "infra");
  const cluster = new ExistingCluster(infra, "Cluster", {
    clusterName: "dc1",
    kubeconfigContext: "dc1-admin",
    gpuNodes: options.gpuNodes ?? [ON_DEMAND_NODES],
  });
  if (options.system) cluster.registerNodePool(SYSTEM_POOL);
  if (options.spot ?? true) cluster.registerNodePool(SPOT_POOL);
  const platform = bareStack(app, "platform");
  const workloads = bareStack(app, "workloads");
  return {
    app,
    cluster,
    platform,
    workloads,
    platformConn: cluster.connect(platform, "Conn"),
    conn: cluster.connect(workloads, "Conn"),
  };
}

/** The manifests of every kubernetes_manifest of a stack, by kind. */
function manifests(json: SynthJson, kind?: string): any[] {
  return Object.values(resourcesOfType(json, "kubernetes_manifest"))
    .map((r: any) => r.manifest)
    .filter((m) => kind === undefined || m.kind === kind);
}

function byName(json: SynthJson, kind: string, name: string): any {
  const found = manifests(json, kind).filter((m) => m.metadata.name === name);
  if (found.length !== 1) throw new Error(`expected one ${kind} ${name}, found ${found.length}`);
  return found[0];
}

const TEAMS: GpuQueueingTeam[] = [
  { name: "research", namespaces: ["research"], gpuQuota: 16 },
  { name: "search", namespaces: ["search-dev", "search-prod"], gpuQuota: 8, borrowingLimitGpus: 4 },
];

function queueing(e: Env, props: Partial<GpuQueueingProps> = {}): GpuQueueing {
  return new GpuQueueing(e.workloads, "Queues", { connection: e.conn, teams: TEAMS, ...props });
}

// -------------------------------------------------------------------------------------------------
// The CEL rules of the Kueue v1beta2 CRDs that JSON Schema does not check (schemas/cel-rules/),
// re-implemented for the objects Strata emits.
// -------------------------------------------------------------------------------------------------

function celErrors(m: any): string[] {
  const errors: string[] = [];
  const spec = m.spec ?? {};
  if (m.kind === "ClusterQueue") {
    const hasBorrowingLimit = (spec.resourceGroups ?? []).some((rg: any) =>
      rg.flavors.some((f: any) => f.resources.some((r: any) => r.borrowingLimit !== undefined)),
    );
    if (spec.cohortName === undefined && hasBorrowingLimit) errors.push("borrowingLimit must be nil when cohort is empty");
    for (const rg of spec.resourceGroups ?? []) {
      if (!rg.flavors.every((f: any) => f.resources.length === rg.coveredResources.length)) {
        errors.push("flavors must have the same number of resources as the coveredResources");
      }
    }
    const p = spec.preemption ?? {};
    if (p.reclaimWithinCohort === "Never" && p.borrowWithinCohort !== undefined && p.borrowWithinCohort.policy !== "Never") {
      errors.push("reclaimWithinCohort=Never and borrowWithinCohort.Policy!=Never");
    }
    const ff = spec.flavorFungibility;
    if (ff?.preference !== undefined && !(ff.whenCanBorrow === "TryNextFlavor" && ff.whenCanPreempt === "TryNextFlavor")) {
      errors.push("preference can only be set when both whenCanBorrow and whenCanPreempt are TryNextFlavor");
    }
  }
  if (m.kind === "ResourceFlavor") {
    const effects = ["NoSchedule", "PreferNoSchedule", "NoExecute"];
    if (spec.topologyName !== undefined && Object.keys(spec.nodeLabels ?? {}).length < 1) errors.push("at least one nodeLabel is required when topology is set");
    for (const t of spec.nodeTaints ?? []) if (!effects.includes(t.effect)) errors.push("supported taint effect values");
    for (const t of spec.tolerations ?? []) {
      if (t.key === undefined && t.operator !== "Exists") errors.push("operator must be Exists when 'key' is empty");
      if (t.tolerationSeconds !== undefined && t.effect !== "NoExecute") errors.push("effect must be 'NoExecute' when 'tolerationSeconds' is set");
      if (t.operator !== undefined && !["Equal", "Exists"].includes(t.operator)) errors.push("supported toleration values: 'Equal'(default), 'Exists'");
      if (t.operator === "Exists" && t.value !== undefined) errors.push("a value must be empty when 'operator' is 'Exists'");
      if (t.effect !== undefined && !effects.includes(t.effect)) errors.push("supported taint effect values");
    }
  }
  return errors;
}

/** Rules Kueue's admission webhook adds on top (pkg/webhooks/clusterqueue_webhook.go at v0.19.2). */
function webhookErrors(m: any): string[] {
  const errors: string[] = [];
  if (m.kind !== "ClusterQueue") return errors;
  const seenFlavors = new Set<string>();
  for (const rg of m.spec.resourceGroups) {
    for (const f of rg.flavors) {
      if (seenFlavors.has(f.name)) errors.push(`duplicate flavor ${f.name}`);
      seenFlavors.add(f.name);
      f.resources.forEach((r: any, i: number) => {
        if (r.name !== rg.coveredResources[i]) errors.push(`${f.name}: resource ${r.name} must match coveredResources[${i}]`);
        if (m.spec.cohortName === undefined && r.lendingLimit !== undefined) errors.push("lendingLimit needs a cohort");
        if (r.lendingLimit !== undefined && Number(r.lendingLimit) > Number(r.nominalQuota)) errors.push("lendingLimit must be <= nominalQuota");
        for (const q of [r.nominalQuota, r.borrowingLimit, r.lendingLimit]) {
          if (typeof q === "number" && !Number.isInteger(q)) errors.push(`${f.name}/${r.name}: ${q} is a decimal, not a quantity Strata emits`);
          if (typeof q === "string" && !/^\d+(m|Mi|Gi)?$/.test(q)) errors.push(`${f.name}/${r.name}: unexpected quantity ${q}`);
        }
      });
    }
  }
  return errors;
}

// -------------------------------------------------------------------------------------------------
// Kueue (platform stack)
// -------------------------------------------------------------------------------------------------

describe("Kueue", () => {
  test("installs the pinned chart into a restricted kueue-system namespace with the released image", () => {
    const e = env({ system: true });
    const kueue = new Kueue(e.platform, "Kueue", { connection: e.platformConn });
    const synth = Testing.synth(e.platform);
    expect(synth).toHaveResourceWithProperties(Release, {
      name: "kueue",
      chart: "kueue",
      repository: "oci://registry.k8s.io/kueue/charts",
      version: "0.19.2",
      namespace: expect.stringMatching(/^\$\{kubernetes_namespace_v1\.Conn_Namespace-kueue-system_[0-9A-F]{8}\.metadata\[0\]\.name\}$/),
      atomic: true,
      wait: true,
    });
    const ns = Object.values(resourcesOfType(JSON.parse(synth), "kubernetes_namespace_v1"))[0] as any;
    expect(ns.metadata.name).toBe("kueue-system");
    expect(ns.metadata.labels["pod-security.kubernetes.io/enforce"]).toBe("restricted");
    expect(kueue.namespace).toBe("kueue-system");
    expect(Kueue.IMAGE).toBe("registry.k8s.io/kueue/kueue:v0.19.2");
    expect(Kueue.API_VERSION).toBe("kueue.x-k8s.io/v1beta2");

    const [release] = helmReleaseValues(synth);
    expect(release.values).toEqual([
      {
        enablePrometheus: false,
        controllerManager: {
          replicas: 2,
          manager: { image: { repository: "registry.k8s.io/kueue/kueue", tag: "v0.19.2", pullPolicy: "IfNotPresent" } },
          nodeSelector: { "strata.io/pool": "system", "strata.io/purpose": "system" },
          tolerations: [{ key: "CriticalAddonsOnly", operator: "Equal", value: "true", effect: "NoSchedule" }],
          podDisruptionBudget: { enabled: true, minAvailable: 1 },
          topologySpreadConstraints: [
            {
              maxSkew: 1,
              topologyKey: "kubernetes.io/hostname",
              whenUnsatisfiable: "ScheduleAnyway",
              labelSelector: {
                matchLabels: { "app.kubernetes.io/name": "kueue", "app.kubernetes.io/instance": "kueue", "control-plane": "controller-manager" },
              },
            },
          ],
        },
        managerConfig: { controllerManagerConfigYaml: expect.any(String) },
      },
    ]);
  });

  test("manages batch workloads only: the Pod, Deployment and StatefulSet webhooks fail open", () => {
    const e = env({ system: true });
    new Kueue(e.platform, "Kueue", { connection: e.platformConn });
    const [release] = helmReleaseValues(Testing.synth(e.platform));
    const config = parseYaml((release.values[0] as any).managerConfig.controllerManagerConfigYaml);
    expect(config).toMatchObject({ apiVersion: "config.kueue.x-k8s.io/v1beta2", kind: "Configuration", webhook: { port: 9443 } });
    expect(config.integrations.frameworks).toEqual(expect.arrayContaining(["batch/job", "jobset.x-k8s.io/jobset", "kubeflow.org/pytorchjob", "trainer.kubeflow.org/trainjob"]));
    for (const framework of ["pod", "deployment", "statefulset", "leaderworkerset.x-k8s.io/leaderworkerset"]) {
      expect(config.integrations.frameworks).not.toContain(framework);
    }
  });

  test("without a system pool (on-prem) there is no node selector; one replica gets no PDB", () => {
    const e = env();
    new Kueue(e.platform, "Kueue", { connection: e.platformConn, replicas: 1 });
    const [release] = helmReleaseValues(Testing.synth(e.platform));
    const cm = (release.values[0] as any).controllerManager;
    expect(cm.replicas).toBe(1);
    expect(cm.nodeSelector).toBeUndefined();
    expect(cm.tolerations).toBeUndefined();
    expect(cm.podDisruptionBudget).toBeUndefined();
    expect(cm.topologySpreadConstraints).toBeUndefined();
  });

  test("Prometheus metrics only when enabled, a named pool, release name and namespace", () => {
    const e = env({ system: true });
    new Kueue(e.platform, "Kueue", {
      connection: e.platformConn,
      enablePrometheus: true,
      prometheusNamespace: "observability",
      systemPoolName: "l40s",
      releaseName: "queues",
      namespace: "queueing",
      timeoutSeconds: 600,
    });
    const synth = Testing.synth(e.platform);
    expect(synth).toHaveResourceWithProperties(Release, { name: "queues", timeout: 600 });
    const values = helmReleaseValues(synth)[0].values[0] as any;
    expect(values.enablePrometheus).toBe(true);
    expect(values.metrics).toEqual({ prometheusNamespace: "observability" });
    expect(values.controllerManager.nodeSelector).toEqual({ "nvidia.com/gpu.product": "NVIDIA-L40S" });
    expect(values.controllerManager.tolerations).toEqual([{ key: "nvidia.com/gpu", operator: "Equal", value: "present", effect: "NoSchedule" }]);
    expect(values.controllerManager.topologySpreadConstraints[0].labelSelector.matchLabels["app.kubernetes.io/instance"]).toBe("queues");
  });

  test("rejects bad input", () => {
    const e = env();
    const make = (id: string, props: Partial<KueueProps>) => () => new Kueue(e.platform, id, { connection: e.platformConn, ...props });
    expect(make("A", { replicas: 0 })).toThrow("platform/A: invalid replicas 0: must be an integer from 1 to 10");
    expect(make("B", { replicas: 1.5 })).toThrow("platform/B: invalid replicas 1.5: must be an integer from 1 to 10");
    expect(make("C", { systemPoolName: "sys" })).toThrow('platform/C: invalid systemPoolName "sys": must name a node pool of cluster "dc1" (known: l40s, l40s-spot)');
    expect(make("D", { prometheusNamespace: "monitoring" })).toThrow(
      'platform/D: invalid prometheusNamespace "monitoring": only applies with enablePrometheus: true',
    );
    expect(make("E", { enablePrometheus: true, prometheusNamespace: "Monitoring" })).toThrow('platform/E: invalid prometheusNamespace "Monitoring"');
  });

  test("Kueue custom resources in the same stack as the chart fail synth, in either order", () => {
    const first = env();
    new Kueue(first.platform, "Kueue", { connection: first.platformConn });
    expect(() => new GpuQueueing(first.platform, "Queues", { connection: first.platformConn, teams: TEAMS })).toThrow(
      'platform/Queues/Flavor-l40s-spot/Resource: invalid manifest "kueue.x-k8s.io/v1beta2/ResourceFlavor": its CRD is installed by platform/Kueue/Chart in the same stack',
    );
    const second = env();
    KueueResourceFlavor.fromPool(second.platform, "Spot", second.platformConn, SPOT_POOL);
    expect(() => new Kueue(second.platform, "Kueue", { connection: second.platformConn })).toThrow(
      'platform/Kueue/Chart: invalid chart "kueue": installs the CRDs of API group "kueue.x-k8s.io", and platform/Spot/Resource is a custom resource of that group in the same stack',
    );
  });

  describeConformance("chart values", () => {
    test("every value key exists in the chart defaults (all options)", () => {
      const e = env({ system: true });
      new Kueue(e.platform, "Kueue", { connection: e.platformConn, enablePrometheus: true, prometheusNamespace: "observability" });
      expect(checkHelmReleases(Testing.synth(e.platform), PINNED_CHART_VALUES)).toEqual([]);
      const other = env({ system: true });
      new Kueue(other.platform, "Single", { connection: other.platformConn, replicas: 1, namespace: "kueue-single", releaseName: "single" });
      expect(checkHelmReleases(Testing.synth(other.platform), PINNED_CHART_VALUES)).toEqual([]);
    });

    test("the chart's defaults are what the namespace's restricted level and the image pin assume", () => {
      const file = path.join(conformanceRoot()!, "helm-values", PINNED_CHART_VALUES.kueue);
      const defaults = YAML.parse(fs.readFileSync(file, "utf8"));
      const manager = defaults.controllerManager.manager;
      // Pod Security "restricted": non-root, seccomp, no privilege escalation, all capabilities dropped, no host network.
      expect(manager.podSecurityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
      expect(manager.containerSecurityContext).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } });
      expect(defaults.controllerManager.hostNetwork).toBe(false);
      expect(defaults.enableKueueViz).toBe(false);
      // The default image is a moving staging tag pulled Always: the reason Kueue pins it.
      expect(manager.image).toEqual({ repository: expect.stringContaining("staging"), tag: "release-0.19", pullPolicy: "Always" });
    });
  });
});

// -------------------------------------------------------------------------------------------------
// ResourceFlavor
// -------------------------------------------------------------------------------------------------

describe("KueueResourceFlavor", () => {
  test("mirrors the pool: labels, taints, and tolerations that match every taint", () => {
    const e = env();
    const flavor = KueueResourceFlavor.fromPool(e.workloads, "Spot", e.conn, SPOT_POOL);
    expect(flavor.flavorName).toBe("l40s-spot");
    expect(flavor.capacityType).toBe(CapacityType.SPOT);
    expect(flavor.gpu).toBe(Gpu.NVIDIA_L40S);
    expect(flavor.gpusPerNode).toBe(4);
    expect(flavor.maxGpus).toBe(16);
    const m = byName(synthJson(e.workloads), "ResourceFlavor", "l40s-spot");
    expect(m).toEqual({
      apiVersion: "kueue.x-k8s.io/v1beta2",
      kind: "ResourceFlavor",
      metadata: { name: "l40s-spot", labels: { "app.kubernetes.io/managed-by": "strata", "strata.io/pool": "l40s-spot" } },
      spec: {
        nodeLabels: SPOT_POOL.labels,
        nodeTaints: [
          { key: "nvidia.com/gpu", value: "present", effect: "NoSchedule" },
          { key: "workload", value: "training", effect: "NoSchedule" },
        ],
        tolerations: [
          { key: "nvidia.com/gpu", operator: "Equal", value: "present", effect: "NoSchedule" },
          { key: "workload", operator: "Equal", value: "training", effect: "NoSchedule" },
        ],
      },
    });
    // Contract: every pool taint is tolerated, so admitted pods can land on the pool.
    for (const taint of SPOT_POOL.taints) {
      expect(m.spec.tolerations).toContainEqual(expect.objectContaining({ key: taint.key, value: taint.value, effect: taint.effect }));
    }
    expect(celErrors(m)).toEqual([]);
  });

  test("by pool name, a custom name, and without tolerations", () => {
    const e = env();
    const flavor = new KueueResourceFlavor(e.workloads, "OnDemand", { connection: e.conn, poolName: "l40s", flavorName: "l40s.on-demand", tolerateTaints: false });
    expect(flavor.capacityType).toBe(CapacityType.ON_DEMAND);
    expect(flavor.maxGpus).toBe(16);
    const m = byName(synthJson(e.workloads), "ResourceFlavor", "l40s.on-demand");
    expect(m.spec).toEqual({
      nodeLabels: { "nvidia.com/gpu.product": "NVIDIA-L40S" },
      nodeTaints: [{ key: "nvidia.com/gpu", value: "present", effect: "NoSchedule" }],
    });
  });

  test("a pool without taints emits neither nodeTaints nor tolerations", () => {
    const e = env({ gpuNodes: [{ ...ON_DEMAND_NODES, taints: undefined }] });
    KueueResourceFlavor.fromPool(e.workloads, "F", e.conn, e.cluster.nodePools[0]);
    expect(byName(synthJson(e.workloads), "ResourceFlavor", "l40s").spec).toEqual({ nodeLabels: { "nvidia.com/gpu.product": "NVIDIA-L40S" } });
  });

  test("rejects unknown pools and bad names", () => {
    const e = env();
    expect(() => new KueueResourceFlavor(e.workloads, "A", { connection: e.conn, poolName: "a100" })).toThrow(
      'workloads/A: invalid poolName "a100": must be a node pool of cluster "dc1" (known: l40s, l40s-spot)',
    );
    expect(() => KueueResourceFlavor.fromPool(e.workloads, "B", e.conn, { ...SPOT_POOL, name: "elsewhere" })).toThrow(
      'workloads/B: invalid pool "elsewhere": must be a node pool of cluster "dc1"',
    );
    expect(() => new KueueResourceFlavor(e.workloads, "C", { connection: e.conn })).toThrow("workloads/C: invalid pool undefined: give exactly one of pool and poolName");
    expect(() => new KueueResourceFlavor(e.workloads, "D", { connection: e.conn, pool: SPOT_POOL, poolName: "l40s" })).toThrow(
      'workloads/D: invalid pool "l40s-spot": give exactly one of pool and poolName',
    );
    expect(() => KueueResourceFlavor.fromPool(e.workloads, "E", e.conn, SPOT_POOL, { flavorName: "Spot_L40S" })).toThrow(
      'workloads/E: invalid flavorName "Spot_L40S": must be a DNS-1123 subdomain',
    );
  });

  test("rejects pools with more labels or taints than a ResourceFlavor holds", () => {
    const e = env();
    const labels: Record<string, string> = {};
    for (let i = 0; i < 9; i++) labels[`example.com/l${i}`] = "x";
    e.cluster.registerNodePool({ ...SPOT_POOL, name: "many-labels", labels });
    e.cluster.registerNodePool({ ...SPOT_POOL, name: "many-taints", taints: Array.from({ length: 9 }, (_, i) => ({ key: `t${i}`, effect: TaintEffect.NO_SCHEDULE })) });
    expect(() => new KueueResourceFlavor(e.workloads, "A", { connection: e.conn, poolName: "many-labels" })).toThrow(
      'workloads/A: invalid pool "many-labels" labels {"example.com/l0":"x",',
    );
    expect(() => new KueueResourceFlavor(e.workloads, "B", { connection: e.conn, poolName: "many-taints" })).toThrow(
      /workloads\/B: invalid pool "many-taints" taints .*: Kueue allows at most 8 nodeTaints on a ResourceFlavor/,
    );
  });

  test("warns when the pool has no labels to select its nodes", () => {
    const e = env();
    e.cluster.registerNodePool({ ...SPOT_POOL, name: "unlabelled", labels: {} });
    new KueueResourceFlavor(e.workloads, "F", { connection: e.conn, poolName: "unlabelled" });
    expect(annotations(e.workloads)).toEqual([
      'workloads/F: pool "unlabelled": has no node labels, so pods admitted on this flavor may run on any node of the cluster',
    ]);
  });
});

// -------------------------------------------------------------------------------------------------
// ClusterQueue, LocalQueue, WorkloadPriorityClass
// -------------------------------------------------------------------------------------------------

describe("KueueClusterQueue", () => {
  function flavors(e: Env) {
    return {
      onDemand: new KueueResourceFlavor(e.workloads, "OnDemand", { connection: e.conn, poolName: "l40s" }),
      spot: new KueueResourceFlavor(e.workloads, "Spot", { connection: e.conn, poolName: "l40s-spot" }),
    };
  }
  function queue(e: Env, props: Partial<KueueClusterQueueProps> = {}, id = "Queue"): KueueClusterQueue {
    const { onDemand, spot } = flavors(e);
    return new KueueClusterQueue(e.workloads, id, {
      connection: e.conn,
      queueName: "research",
      cohortName: "gpu",
      flavors: [
        { flavor: onDemand, gpus: 4, cpuCores: 32, memoryGiB: 256 },
        { flavor: spot, gpus: 8, cpuCores: 0.5, memoryGiB: 1.5, gpuBorrowingLimit: 8, gpuLendingLimit: 2, cpuBorrowingLimitCores: 16, memoryBorrowingLimitGiB: 128 },
      ],
      ...props,
    });
  }

  test("one resource group over cpu, memory and GPUs, spot first, in the cohortName field", () => {
    const e = env();
    const q = queue(e);
    expect(q.flavorNames).toEqual(["l40s-spot", "l40s"]);
    const m = byName(synthJson(e.workloads), "ClusterQueue", "research");
    expect(m.apiVersion).toBe("kueue.x-k8s.io/v1beta2");
    expect(m.spec.cohortName).toBe("gpu");
    expect(m.spec).not.toHaveProperty("cohort");
    expect(m.spec.resourceGroups).toEqual([
      {
        coveredResources: ["cpu", "memory", "nvidia.com/gpu"],
        flavors: [
          {
            name: "l40s-spot",
            resources: [
              { name: "cpu", nominalQuota: "500m", borrowingLimit: 16 },
              { name: "memory", nominalQuota: "1536Mi", borrowingLimit: "128Gi" },
              { name: "nvidia.com/gpu", nominalQuota: 8, borrowingLimit: 8, lendingLimit: 2 },
            ],
          },
          {
            name: "l40s",
            resources: [
              { name: "cpu", nominalQuota: 32 },
              { name: "memory", nominalQuota: "256Gi" },
              { name: "nvidia.com/gpu", nominalQuota: 4 },
            ],
          },
        ],
      },
    ]);
    expect(m.spec.preemption).toEqual({ reclaimWithinCohort: "Any", borrowWithinCohort: { policy: "Never" }, withinClusterQueue: "LowerPriority" });
    expect(m.spec.queueingStrategy).toBe("BestEffortFIFO");
    expect(m.spec.namespaceSelector).toEqual({ matchLabels: { "strata.io/team": "research" } });
    expect(m.spec).not.toHaveProperty("stopPolicy");
    expect([...celErrors(m), ...webhookErrors(m)]).toEqual([]);
  });

  test("flavorOrder AS_GIVEN, namespaces, preemption and queueing strategy", () => {
    const e = env();
    queue(e, {
      flavorOrder: KueueFlavorOrder.AS_GIVEN,
      namespaces: ["research", "research-batch"],
      queueingStrategy: KueueQueueingStrategy.STRICT_FIFO,
      preemption: {
        reclaimWithinCohort: KueueReclaimWithinCohort.LOWER_PRIORITY,
        borrowWithinCohort: KueueBorrowWithinCohort.LOWER_PRIORITY,
        borrowWithinCohortMaxPriority: 100,
        withinClusterQueue: KueueWithinClusterQueue.LOWER_OR_NEWER_EQUAL_PRIORITY,
      },
    });
    const m = byName(synthJson(e.workloads), "ClusterQueue", "research");
    expect(m.spec.resourceGroups[0].flavors.map((f: any) => f.name)).toEqual(["l40s", "l40s-spot"]);
    expect(m.spec.namespaceSelector).toEqual({
      matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "In", values: ["research", "research-batch"] }],
    });
    expect(m.spec.queueingStrategy).toBe("StrictFIFO");
    expect(m.spec.preemption).toEqual({
      reclaimWithinCohort: "LowerPriority",
      borrowWithinCohort: { policy: "LowerPriority", maxPriorityThreshold: 100 },
      withinClusterQueue: "LowerOrNewerEqualPriority",
    });
    expect(celErrors(m)).toEqual([]);
  });

  test("without a cohort, no limits are emitted and the CEL rule holds", () => {
    const e = env();
    const { spot } = flavors(e);
    new KueueClusterQueue(e.workloads, "Solo", { connection: e.conn, queueName: "solo", namespaceLabels: { team: "solo" }, flavors: [{ flavor: spot, gpus: 4, cpuCores: 16, memoryGiB: 64 }] });
    const m = byName(synthJson(e.workloads), "ClusterQueue", "solo");
    expect(m.spec).not.toHaveProperty("cohortName");
    expect(m.spec.namespaceSelector).toEqual({ matchLabels: { team: "solo" } });
    expect(celErrors(m)).toEqual([]);
  });

  test("the CEL re-implementation catches what the rules forbid", () => {
    const bad = {
      kind: "ClusterQueue",
      spec: {
        preemption: { reclaimWithinCohort: "Never", borrowWithinCohort: { policy: "LowerPriority" } },
        resourceGroups: [{ coveredResources: ["cpu", "memory"], flavors: [{ name: "a", resources: [{ name: "cpu", nominalQuota: 1, borrowingLimit: 1 }] }] }],
      },
    };
    expect(celErrors(bad)).toEqual([
      "borrowingLimit must be nil when cohort is empty",
      "flavors must have the same number of resources as the coveredResources",
      "reclaimWithinCohort=Never and borrowWithinCohort.Policy!=Never",
    ]);
  });

  test("warns when a flavor's GPU quota exceeds what its pool can provide", () => {
    const e = env();
    const { spot } = flavors(e);
    new KueueClusterQueue(e.workloads, "Big", { connection: e.conn, queueName: "big", flavors: [{ flavor: spot, gpus: 20, cpuCores: 1, memoryGiB: 1 }] });
    expect(annotations(e.workloads)).toEqual([
      'workloads/Big: flavors[0].gpus 20: exceeds the 16 GPUs pool "l40s-spot" can ever provide (maxNodes x gpusPerNode); admitted workloads beyond that wait for nodes that never come',
    ]);
  });

  test("addLocalQueue and KueueLocalQueue", () => {
    const e = env();
    const q = queue(e);
    const lq = q.addLocalQueue("research");
    const named = q.addLocalQueue("research", { queueName: "batch" });
    new KueueLocalQueue(e.workloads, "Direct", { connection: e.conn, namespace: "other", clusterQueueName: "research" });
    expect(lq.queueName).toBe("research");
    expect(named.queueName).toBe("batch");
    const json = synthJson(e.workloads);
    const key = (m: any) => `${m.metadata.namespace}/${m.metadata.name}`;
    expect(manifests(json, "LocalQueue").sort((a, b) => key(a).localeCompare(key(b)))).toEqual([
      { apiVersion: "kueue.x-k8s.io/v1beta2", kind: "LocalQueue", metadata: { name: "research", namespace: "other", labels: { "app.kubernetes.io/managed-by": "strata" } }, spec: { clusterQueue: "research" } },
      { apiVersion: "kueue.x-k8s.io/v1beta2", kind: "LocalQueue", metadata: { name: "batch", namespace: "research", labels: { "app.kubernetes.io/managed-by": "strata" } }, spec: { clusterQueue: "research" } },
      { apiVersion: "kueue.x-k8s.io/v1beta2", kind: "LocalQueue", metadata: { name: "research", namespace: "research", labels: { "app.kubernetes.io/managed-by": "strata" } }, spec: { clusterQueue: "research" } },
    ]);
  });

  test("rejects invalid quotas", () => {
    const e = env();
    const { spot, onDemand } = flavors(e);
    const make = (id: string, quota: Record<string, unknown>, props: Partial<KueueClusterQueueProps> = { cohortName: "gpu" }) => () =>
      new KueueClusterQueue(e.workloads, id, {
        connection: e.conn,
        queueName: "q",
        flavors: [{ flavor: spot, gpus: 1, cpuCores: 1, memoryGiB: 1, ...quota } as any],
        ...props,
      });
    expect(make("A", { gpus: -1 })).toThrow("workloads/A: invalid flavors[0].gpus -1: must be an integer >= 0");
    expect(make("B", { gpus: 0.5 })).toThrow("workloads/B: invalid flavors[0].gpus 0.5: must be an integer >= 0");
    expect(make("C", { cpuCores: -2 })).toThrow("workloads/C: invalid flavors[0].cpuCores -2: must be a non-negative number of cores in steps of 0.001 (1 millicore)");
    expect(make("D", { cpuCores: 0.0005 })).toThrow("workloads/D: invalid flavors[0].cpuCores 0.0005: must be a non-negative number of cores");
    expect(make("E", { memoryGiB: -1 })).toThrow("workloads/E: invalid flavors[0].memoryGiB -1: must be a non-negative number of GiB in steps of 1/1024 (1 MiB)");
    expect(make("F", { memoryGiB: 0.0001 })).toThrow("workloads/F: invalid flavors[0].memoryGiB 0.0001");
    expect(make("G", { gpuBorrowingLimit: -1 })).toThrow("workloads/G: invalid flavors[0].gpuBorrowingLimit -1: must be an integer >= 0");
    expect(make("H", { gpuLendingLimit: 2 })).toThrow("workloads/H: invalid flavors[0].gpuLendingLimit 2: must be at most the nominal quota gpus (1)");
    expect(make("I", { cpuBorrowingLimitCores: 1.00001 })).toThrow("workloads/I: invalid flavors[0].cpuBorrowingLimitCores 1.00001");
    // CEL: borrowingLimit must be nil when cohort is empty (and the webhook says the same of lendingLimit).
    expect(make("J", { gpuBorrowingLimit: 2 }, {})).toThrow(
      "workloads/J: invalid flavors[0].gpuBorrowingLimit 2: needs cohortName: a queue without a cohort neither borrows nor lends",
    );
    expect(make("K", { memoryBorrowingLimitGiB: 2 }, {})).toThrow("workloads/K: invalid flavors[0].memoryBorrowingLimitGiB 2: needs cohortName");
    expect(make("L", { gpuLendingLimit: 1 }, {})).toThrow("workloads/L: invalid flavors[0].gpuLendingLimit 1: needs cohortName");
    expect(
      () =>
        new KueueClusterQueue(e.workloads, "M", {
          connection: e.conn,
          queueName: "q",
          flavors: [
            { flavor: spot, gpus: 1, cpuCores: 1, memoryGiB: 1 },
            { flavor: onDemand, gpus: 1, cpuCores: 1, memoryGiB: 1 },
            { flavor: spot, gpus: 1, cpuCores: 1, memoryGiB: 1 },
          ],
        }),
    ).toThrow('workloads/M: invalid flavors[2].flavor "l40s-spot": appears twice; list each flavor once');
    expect(() => new KueueClusterQueue(e.workloads, "N", { connection: e.conn, queueName: "q", flavors: [] })).toThrow(
      "workloads/N: invalid flavors 0: must list 1 to 64 flavors",
    );
  });

  test("rejects bad names, selectors and preemption combinations", () => {
    const e = env();
    const { spot } = flavors(e);
    const make = (id: string, props: Partial<KueueClusterQueueProps>) => () =>
      new KueueClusterQueue(e.workloads, id, { connection: e.conn, queueName: "q", flavors: [{ flavor: spot, gpus: 1, cpuCores: 1, memoryGiB: 1 }], ...props });
    expect(make("A", { queueName: "Research" })).toThrow('workloads/A: invalid queueName "Research": must be a DNS-1123 label');
    expect(make("B", { cohortName: "GPU pool" })).toThrow('workloads/B: invalid cohortName "GPU pool": must be a DNS-1123 subdomain');
    expect(make("C", { namespaces: ["a"], namespaceLabels: { team: "a" } })).toThrow('workloads/C: invalid namespaces ["a"]: give namespaces or namespaceLabels, not both');
    expect(make("D", { namespaces: ["a", "a"] })).toThrow('workloads/D: invalid namespaces[1] "a": is listed twice');
    expect(make("E", { namespaces: ["A"] })).toThrow('workloads/E: invalid namespaces[0] "A": must be a DNS-1123 label');
    expect(make("F", { namespaces: [] })).toThrow("workloads/F: invalid namespaces []: must list at least one namespace");
    expect(make("G", { namespaceLabels: {} })).toThrow("workloads/G: invalid namespaceLabels {}: must not be empty (an empty selector admits workloads from every namespace)");
    expect(make("H", { preemption: { reclaimWithinCohort: KueueReclaimWithinCohort.NEVER, borrowWithinCohort: KueueBorrowWithinCohort.LOWER_PRIORITY } })).toThrow(
      'workloads/H: invalid preemption.borrowWithinCohort "LowerPriority": needs preemption.reclaimWithinCohort other than NEVER',
    );
    expect(make("I", { preemption: { borrowWithinCohortMaxPriority: 10 } })).toThrow(
      "workloads/I: invalid preemption.borrowWithinCohortMaxPriority 10: only applies with borrowWithinCohort LOWER_PRIORITY",
    );
    expect(make("J", { preemption: { borrowWithinCohort: KueueBorrowWithinCohort.LOWER_PRIORITY, borrowWithinCohortMaxPriority: 1.5 } })).toThrow(
      "workloads/J: invalid preemption.borrowWithinCohortMaxPriority 1.5: must be an integer from -2147483648 to 2147483647",
    );
  });

  test("LocalQueue and WorkloadPriorityClass reject bad input", () => {
    const e = env();
    expect(() => new KueueLocalQueue(e.workloads, "A", { connection: e.conn, namespace: "Research", clusterQueueName: "research" })).toThrow(
      'workloads/A: invalid namespace "Research": must be a DNS-1123 label',
    );
    expect(() => new KueueLocalQueue(e.workloads, "B", { connection: e.conn, namespace: "r", clusterQueueName: "research", queueName: "a".repeat(64) })).toThrow(
      /workloads\/B: invalid queueName "a{64}": must be 1 to 63 characters long/,
    );
    expect(() => new KueueLocalQueue(e.workloads, "C", { connection: e.conn, namespace: "r", clusterQueueName: "Research" })).toThrow(
      'workloads/C: invalid clusterQueueName "Research"',
    );
    expect(() => new KueueWorkloadPriorityClass(e.workloads, "D", { connection: e.conn, priorityClassName: "High", value: 1 })).toThrow(
      'workloads/D: invalid priorityClassName "High": must be a DNS-1123 label',
    );
    expect(() => new KueueWorkloadPriorityClass(e.workloads, "E", { connection: e.conn, priorityClassName: "high", value: 1.5 })).toThrow(
      "workloads/E: invalid value 1.5: must be an integer from -2147483648 to 2147483647",
    );
    expect(() => new KueueWorkloadPriorityClass(e.workloads, "F", { connection: e.conn, priorityClassName: "high", value: 2 ** 31 })).toThrow(
      "workloads/F: invalid value 2147483648",
    );
    expect(() => new KueueWorkloadPriorityClass(e.workloads, "G", { connection: e.conn, priorityClassName: "high", value: 1, description: "x".repeat(2049) })).toThrow(
      'workloads/G: invalid description "xxxxxxxxxxxxxxxxxxxx...": must be at most 2048 characters (got 2049)',
    );
  });
});

// -------------------------------------------------------------------------------------------------
// GpuQueueing
// -------------------------------------------------------------------------------------------------

describe("GpuQueueing", () => {
  test("one flavor per GPU pool, spot first, and the flavor contract with each pool", () => {
    const e = env();
    const q = queueing(e);
    expect(q.flavors.map((f) => [f.flavorName, f.capacityType, f.maxGpus])).toEqual([
      ["l40s-spot", CapacityType.SPOT, 16],
      ["l40s", CapacityType.ON_DEMAND, 16],
    ]);
    const json = synthJson(e.workloads);
    for (const pool of e.cluster.nodePools) {
      const flavor = byName(json, "ResourceFlavor", pool.name);
      expect(flavor.spec.nodeLabels).toEqual(pool.labels);
      expect(flavor.spec.nodeTaints).toEqual(pool.taints.map((t) => ({ key: t.key, value: t.value, effect: t.effect })));
      expect(flavor.spec.tolerations).toEqual(Scheduling.tolerationsFor(pool));
    }
    expect(annotations(e.workloads)).toEqual([]);
  });

  test("a ClusterQueue per team in one cohort, quota split spot first, LocalQueues per namespace", () => {
    const e = env();
    const q = queueing(e);
    expect(q.cohortName).toBe("gpu");
    const json = synthJson(e.workloads);
    const research = byName(json, "ClusterQueue", "research");
    const search = byName(json, "ClusterQueue", "search");
    for (const cq of [research, search]) {
      expect(cq.spec.cohortName).toBe("gpu");
      expect(cq.spec.resourceGroups[0].coveredResources).toEqual(["cpu", "memory", "nvidia.com/gpu"]);
      expect(cq.spec.resourceGroups[0].flavors.map((f: any) => f.name)).toEqual(["l40s-spot", "l40s"]);
      expect([...celErrors(cq), ...webhookErrors(cq)]).toEqual([]);
    }
    // 24 GPUs wanted, 16 on spot: spot shared 11/5 (largest remainder), the rest on-demand 5/3.
    expect(research.spec.resourceGroups[0].flavors).toEqual([
      {
        name: "l40s-spot",
        resources: [
          { name: "cpu", nominalQuota: 88 },
          { name: "memory", nominalQuota: "704Gi" },
          { name: "nvidia.com/gpu", nominalQuota: 11 },
        ],
      },
      {
        name: "l40s",
        resources: [
          { name: "cpu", nominalQuota: 40 },
          { name: "memory", nominalQuota: "320Gi" },
          { name: "nvidia.com/gpu", nominalQuota: 5 },
        ],
      },
    ]);
    expect(search.spec.resourceGroups[0].flavors.map((f: any) => f.resources[2])).toEqual([
      { name: "nvidia.com/gpu", nominalQuota: 5, borrowingLimit: 4 },
      { name: "nvidia.com/gpu", nominalQuota: 3, borrowingLimit: 4 },
    ]);
    expect(search.spec.namespaceSelector).toEqual({
      matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "In", values: ["search-dev", "search-prod"] }],
    });
    // No flavor is given more than its pool provides.
    for (const [i, cap] of [16, 16].entries()) {
      const sum = [research, search].reduce((a, cq) => a + cq.spec.resourceGroups[0].flavors[i].resources[2].nominalQuota, 0);
      expect(sum).toBeLessThanOrEqual(cap);
    }
    expect(manifests(json, "LocalQueue").map((m) => [m.metadata.namespace, m.metadata.name, m.spec.clusterQueue])).toEqual([
      ["research", "research", "research"],
      ["search-dev", "search", "search"],
      ["search-prod", "search", "search"],
    ]);
    expect(q.localQueues).toHaveLength(3);
    expect(q.clusterQueues.map((c) => c.queueName)).toEqual(["research", "search"]);
  });

  test("quota that fits on spot stays on spot; CPU and memory follow the GPU split as quantities", () => {
    const e = env();
    queueing(e, { teams: [{ name: "a", namespaces: ["a"], gpuQuota: 12, cpuQuota: 10, memoryGiBQuota: 100 }] });
    const a = byName(synthJson(e.workloads), "ClusterQueue", "a");
    expect(a.spec.resourceGroups[0].flavors.map((f: any) => f.resources.map((r: any) => r.nominalQuota))).toEqual([
      [10, "100Gi", 12],
      [0, 0, 0],
    ]);
    const e2 = env();
    queueing(e2, { teams: [{ name: "a", namespaces: ["a"], gpuQuota: 24, cpuQuota: 10, memoryGiBQuota: 100 }] });
    const a2 = byName(synthJson(e2.workloads), "ClusterQueue", "a");
    // 16 + 8 GPUs: cpu 10 cores -> 6667m + 3333m, memory 100 GiB -> 68267Mi + 34133Mi (remainders to the first flavor).
    expect(a2.spec.resourceGroups[0].flavors.map((f: any) => f.resources.map((r: any) => r.nominalQuota))).toEqual([
      ["6667m", "68267Mi", 16],
      ["3333m", "34133Mi", 8],
    ]);
    expect(webhookErrors(a2)).toEqual([]);
  });

  test("priority classes: production above experiment by default, or your own", () => {
    const e = env();
    const q = queueing(e);
    expect(q.priorityClasses.map((p) => [p.priorityClassName, p.value])).toEqual([
      ["production", 1000],
      ["experiment", 100],
    ]);
    const json = synthJson(e.workloads);
    expect(byName(json, "WorkloadPriorityClass", "production")).toEqual({
      apiVersion: "kueue.x-k8s.io/v1beta2",
      kind: "WorkloadPriorityClass",
      metadata: { name: "production", labels: { "app.kubernetes.io/managed-by": "strata" } },
      value: 1000,
      description: expect.stringContaining("preempts experiments"),
    });
    const e2 = env();
    queueing(e2, { priorityClasses: [{ priorityClassName: "urgent", value: 5000 }] });
    expect(manifests(synthJson(e2.workloads), "WorkloadPriorityClass")).toEqual([
      { apiVersion: "kueue.x-k8s.io/v1beta2", kind: "WorkloadPriorityClass", metadata: { name: "urgent", labels: { "app.kubernetes.io/managed-by": "strata" } }, value: 5000 },
    ]);
  });

  test("poolNames restricts the flavors; cohort name, preemption and strategy pass through", () => {
    const e = env();
    queueing(e, {
      poolNames: ["l40s"],
      cohortName: "ml",
      preemption: { withinClusterQueue: KueueWithinClusterQueue.NEVER },
      queueingStrategy: KueueQueueingStrategy.STRICT_FIFO,
      teams: [{ name: "a", namespaces: ["a"], gpuQuota: 4 }],
    });
    const json = synthJson(e.workloads);
    expect(manifests(json, "ResourceFlavor").map((m) => m.metadata.name)).toEqual(["l40s"]);
    const a = byName(json, "ClusterQueue", "a");
    expect(a.spec.cohortName).toBe("ml");
    expect(a.spec.preemption.withinClusterQueue).toBe("Never");
    expect(a.spec.queueingStrategy).toBe("StrictFIFO");
  });

  test("a team's quota beyond the default (training) pools is a warning and is left unassigned", () => {
    const e = env();
    queueing(e, { teams: [{ name: "a", namespaces: ["a"], gpuQuota: 40 }] });
    expect(annotations(e.workloads)).toEqual([
      "workloads/Queues: teams[0].gpuQuota 40: exceeds the 32 GPUs the pools can ever provide (l40s-spot: 16, l40s: 16); " +
        "the excess 8 GPU(s) are left unassigned: the nominal quota is capped at what the TRAINING pools provide (list poolNames to put the excess on the last flavor)",
    ]);
    const a = byName(synthJson(e.workloads), "ClusterQueue", "a");
    expect(a.spec.resourceGroups[0].flavors.map((f: any) => f.resources[2].nominalQuota)).toEqual([16, 16]);
    // CPU and memory follow the assigned GPUs: 8 cores and 64 GiB per GPU on these pools without
    // instance types; the unassigned excess gets none.
    expect(a.spec.resourceGroups[0].flavors.map((f: any) => f.resources[0].nominalQuota)).toEqual([128, 128]);
    expect(a.spec.resourceGroups[0].flavors.map((f: any) => f.resources[1].nominalQuota)).toEqual(["1024Gi", "1024Gi"]);
  });

  test("with poolNames, quota beyond the pools lands on the last listed flavor, with warnings", () => {
    const e = env();
    queueing(e, { poolNames: ["l40s", "l40s-spot"], teams: [{ name: "a", namespaces: ["a"], gpuQuota: 40 }] });
    expect(annotations(e.workloads)).toContain(
      "workloads/Queues: teams[0].gpuQuota 40: exceeds the 32 GPUs the pools can ever provide (l40s-spot: 16, l40s: 16); " +
        'the excess 8 GPU(s) go to flavor "l40s", the last of poolNames in queue order (spot first)',
    );
    // The overflow lands on the last (on-demand) flavor, which warns too.
    const a = byName(synthJson(e.workloads), "ClusterQueue", "a");
    expect(a.spec.resourceGroups[0].flavors.map((f: any) => f.resources[2].nominalQuota)).toEqual([16, 24]);
    expect(annotations(e.workloads)).toContain(
      'workloads/Queues/ClusterQueue-a: flavors[1].gpus 24: exceeds the 16 GPUs pool "l40s" can ever provide (maxNodes x gpusPerNode); admitted workloads beyond that wait for nodes that never come',
    );
  });

  test("warns when the teams together want more than the pools provide", () => {
    const e = env();
    queueing(e, {
      teams: [
        { name: "a", namespaces: ["a"], gpuQuota: 20 },
        { name: "b", namespaces: ["b"], gpuQuota: 20 },
      ],
    });
    expect(annotations(e.workloads)).toEqual([
      "workloads/Queues: teams gpuQuota (sum) 40: exceeds the 32 GPUs the pools can ever provide (l40s-spot: 16, l40s: 16); not every team's guaranteed quota can run at once; " +
        "the excess 8 GPU(s) are left unassigned: the nominal quota is capped at what the TRAINING pools provide (list poolNames to put the excess on the last flavor)",
    ]);
    const json = synthJson(e.workloads);
    const total = ["a", "b"].flatMap((t) => byName(json, "ClusterQueue", t).spec.resourceGroups[0].flavors.map((f: any) => f.resources[2].nominalQuota));
    expect(total.reduce((x: number, y: number) => x + y, 0)).toBe(32);
  });

  test("by default, serving (inference) GPU pools are not queued onto; listed, they are", () => {
    const e = env();
    e.cluster.registerNodePool(SERVING_POOL);
    const q = queueing(e);
    expect(q.flavors.map((f) => f.flavorName)).toEqual(["l40s-spot", "l40s"]);
    expect(manifests(synthJson(e.workloads), "ResourceFlavor").map((m) => m.metadata.name)).not.toContain("l40s-serving");

    const e2 = env();
    e2.cluster.registerNodePool(SERVING_POOL);
    const listed = queueingIn(e2, "Queues", { poolNames: ["l40s-spot", "l40s-serving"] });
    expect(listed.flavors.map((f) => [f.flavorName, f.pool.purpose])).toEqual([
      ["l40s-spot", NodePoolPurpose.TRAINING],
      ["l40s-serving", NodePoolPurpose.INFERENCE],
    ]);
  });

  test("a cluster with GPU pools but none for training needs poolNames", () => {
    const e = env({ gpuNodes: [{ ...ON_DEMAND_NODES, purpose: NodePoolPurpose.INFERENCE }], spot: false });
    expect(() => queueing(e)).toThrow(
      'workloads/Queues: invalid poolNames undefined: is required: cluster "dc1" has no GPU pool with purpose training ' +
        "(GPU pools: l40s (inference, on-demand)); list the pools to queue onto in poolNames, a serving pool only if batch jobs may compete with its endpoints",
    );
    const q = queueingIn(e, "Listed", { poolNames: ["l40s"] });
    expect(q.flavors.map((f) => f.flavorName)).toEqual(["l40s"]);
  });

  test("warns when two pools cannot be told apart by their flavors", () => {
    const e = env({ gpuNodes: [ON_DEMAND_NODES, { ...ON_DEMAND_NODES, name: "l40s-rack2" }], spot: false });
    queueing(e);
    expect(annotations(e.workloads)).toEqual([
      'workloads/Queues: flavor "l40s" {"nvidia.com/gpu.product":"NVIDIA-L40S"}: pods admitted on it may also run on the nodes of pool "l40s-rack2" (flavor "l40s-rack2"); give each pool a distinguishing label',
      'workloads/Queues: flavor "l40s-rack2" {"nvidia.com/gpu.product":"NVIDIA-L40S"}: pods admitted on it may also run on the nodes of pool "l40s" (flavor "l40s"); give each pool a distinguishing label',
    ]);
  });

  test("rejects bad teams", () => {
    const e = env();
    const make = (id: string, teams: GpuQueueingTeam[]) => () => new GpuQueueing(e.workloads, id, { connection: e.conn, teams });
    const t = (over: Partial<GpuQueueingTeam>): GpuQueueingTeam => ({ name: "a", namespaces: ["a"], gpuQuota: 1, ...over });
    expect(make("A", [])).toThrow("workloads/A: invalid teams []: must list at least one team");
    expect(make("B", [t({ name: "Team_A" })])).toThrow('workloads/B: invalid teams[0].name "Team_A": must be a DNS-1123 label');
    expect(make("C", [t({}), t({ namespaces: ["b"] })])).toThrow('workloads/C: invalid teams[1].name "a": is listed twice; team names must be unique');
    expect(make("D", [t({}), t({ name: "b" })])).toThrow('workloads/D: invalid teams[1].namespaces[0] "a": is already a namespace of team "a"; each namespace belongs to one team');
    expect(make("E", [t({ namespaces: ["a", "a"] })])).toThrow('workloads/E: invalid teams[0].namespaces[1] "a": is already a namespace of team "a"');
    expect(make("F", [t({ namespaces: [] })])).toThrow("workloads/F: invalid teams[0].namespaces []: must list at least one namespace");
    expect(make("G", [t({ namespaces: ["Ns"] })])).toThrow('workloads/G: invalid teams[0].namespaces[0] "Ns": must be a DNS-1123 label');
    expect(make("H", [t({ gpuQuota: -1 })])).toThrow("workloads/H: invalid teams[0].gpuQuota -1: must be an integer >= 0");
    expect(make("I", [t({ gpuQuota: 0.5 })])).toThrow("workloads/I: invalid teams[0].gpuQuota 0.5: must be an integer >= 0");
    expect(make("J", [t({ cpuQuota: -4 })])).toThrow("workloads/J: invalid teams[0].cpuQuota -4: must be a non-negative number of cores in steps of 0.001 (1 millicore)");
    expect(make("K", [t({ cpuQuota: 0.0001 })])).toThrow("workloads/K: invalid teams[0].cpuQuota 0.0001");
    expect(make("L", [t({ memoryGiBQuota: 1.5 })])).toThrow("workloads/L: invalid teams[0].memoryGiBQuota 1.5: must be an integer >= 0");
    expect(make("M", [t({ borrowingLimitGpus: -2 })])).toThrow("workloads/M: invalid teams[0].borrowingLimitGpus -2: must be an integer >= 0");
  });

  test("rejects unknown or non-GPU pools, a cluster without GPU pools, and bad names", () => {
    const e = env({ system: true });
    const make = (id: string, props: Partial<GpuQueueingProps>) => () => queueingIn(e, id, props);
    expect(make("A", { poolNames: ["a100"] })).toThrow('workloads/A: invalid poolNames[0] "a100": must be a node pool of cluster "dc1" (GPU pools: l40s, l40s-spot)');
    expect(make("B", { poolNames: ["system"] })).toThrow('workloads/B: invalid poolNames[0] "system": is not a GPU pool; GpuQueueing queues onto GPU pools only');
    expect(make("C", { poolNames: ["l40s", "l40s"] })).toThrow('workloads/C: invalid poolNames[1] "l40s": is listed twice');
    expect(make("D", { poolNames: [] })).toThrow("workloads/D: invalid poolNames []: must list at least one GPU pool");
    expect(make("E", { cohortName: "GPU" })).toThrow('workloads/E: invalid cohortName "GPU": must be a DNS-1123 subdomain');
    expect(
      make("F", {
        priorityClasses: [
          { priorityClassName: "p", value: 1 },
          { priorityClassName: "p", value: 2 },
        ],
      }),
    ).toThrow('workloads/F: invalid priorityClasses[1].priorityClassName "p": is listed twice');

    const cpuOnly = env({ gpuNodes: [], spot: false, system: true });
    expect(() => queueingIn(cpuOnly, "G", {})).toThrow(
      'workloads/G: invalid connection.cluster "dc1": has no GPU node pools; add GPU pools (or declare on-prem gpuNodes) before queueing onto them',
    );
  });

  describe("on EKS", () => {
    /** An EKS cluster with a spot training node group (0-4 nodes), a fixed L4 node group and Karpenter's two pools. */
    function eks() {
      const app = testApp();
      const infra = awsStack(app, "infra");
      const cluster = new EksCluster(infra, "Cluster", { clusterName: "ml", subnetIds: ["subnet-a", "subnet-b"], karpenter: true });
      cluster.addSpotTrainingPool("A10G", { gpu: Gpu.NVIDIA_A10G, maxNodes: 4 });
      cluster.addGpuNodePool("L4", { gpu: Gpu.NVIDIA_L4, minNodes: 2, maxNodes: 2 });
      const workloads = bareStack(app, "workloads");
      const conn = cluster.connect(workloads, "Ml");
      conn.addNamespace("a");
      new KarpenterGpuNodePools(workloads, "Pools", { connection: conn, cluster, infra: cluster.karpenter!, maxGpus: 8 });
      const make = (props: Partial<GpuQueueingProps> = {}) =>
        new GpuQueueing(workloads, "Queues", { connection: conn, teams: [{ name: "a", namespaces: ["a"], gpuQuota: 4 }], ...props });
      return { cluster, workloads, make };
    }
    const autoscalerWarning =
      'workloads/Queues: pool "nvidia-a10g-spot-training" {"minNodes":0,"maxNodes":4}: is an EKS managed node group, which grows beyond minNodes ' +
      "only when the Kubernetes Cluster Autoscaler runs in the cluster, and no ClusterAutoscaler is installed for it; until then jobs admitted on its flavor beyond " +
      "minNodes wait for nodes that never come. Install ClusterAutoscaler in the platform stack, make the pool fixed-size (minNodes = maxNodes), or queue onto KarpenterGpuNodePools";

    test("the default pools are the TRAINING ones: the managed spot node group and Karpenter's spot pool", () => {
      const e = eks();
      const q = e.make();
      expect(q.flavors.map((f) => f.flavorName)).toEqual(["nvidia-a10g-spot-training", "gpu-spot"]);
      Testing.synth(e.workloads, true);
      expect(annotations(e.workloads)).toEqual([autoscalerWarning]);
    });

    test("does not warn when a ClusterAutoscaler grows the managed node groups, even one created after the queues", () => {
      const e = eks();
      e.make();
      const platform = bareStack(e.cluster.node.root as App, "platform");
      new ClusterAutoscaler(platform, "ClusterAutoscaler", { connection: e.cluster.connect(platform, "Ml") });
      Testing.synth(e.workloads, true);
      expect(annotations(e.workloads)).toEqual([]);
    });

    test("warns for a queued managed node group that can grow, not for a fixed-size one or Karpenter pools", () => {
      const e = eks();
      e.make({ poolNames: ["gpu-spot", "gpu-on-demand", "nvidia-l4-inference"] });
      expect(annotations(e.workloads)).toEqual([]);
      expect(e.cluster.nodePools.filter((p) => KarpenterGpuNodePools.isKarpenterPool(p)).map((p) => p.name)).toEqual(["gpu-on-demand", "gpu-spot"]);
    });
  });

  function queueingIn(e: Env, id: string, props: Partial<GpuQueueingProps>): GpuQueueing {
    return new GpuQueueing(e.workloads, id, { connection: e.conn, teams: TEAMS, ...props });
  }

  test("synthesizes the same three stacks twice, byte for byte", () => {
    const build = () => {
      const e = env({ system: true });
      new Kueue(e.platform, "Kueue", { connection: e.platformConn });
      queueing(e);
      prepareApp(e.app);
      return [Testing.synth(e.platform), Testing.synth(e.workloads)];
    };
    expect(build()).toEqual(build());
  });

  describeConformance("custom resources", () => {
    test("every Kueue object passes the strict v1beta2 schema", () => {
      const e = env({ system: true });
      queueing(e, { preemption: { borrowWithinCohort: KueueBorrowWithinCohort.LOWER_PRIORITY, borrowWithinCohortMaxPriority: 100 } });
      new KueueClusterQueue(e.workloads, "Solo", {
        connection: e.conn,
        queueName: "solo",
        cohortName: "gpu",
        flavors: [
          {
            flavor: (e.workloads.node.findChild("Queues") as GpuQueueing).flavors[0],
            gpus: 2,
            cpuCores: 1.25,
            memoryGiB: 0.5,
            gpuLendingLimit: 1,
            cpuBorrowingLimitCores: 2,
            memoryBorrowingLimitGiB: 4,
          },
        ],
      });
      new KueueResourceFlavor(e.workloads, "Plain", { connection: e.conn, poolName: "system", flavorName: "system", tolerateTaints: false });
      const synth = Testing.synth(e.workloads);
      const results = validateStackManifests(synth);
      expect(results).toHaveLength(2 + 3 + 3 + 2 + 1); // flavors + queues + local queues + priority classes + plain flavor
      expect(results.filter((r) => r.errors.length > 0)).toEqual([]);
      for (const m of manifests(JSON.parse(synth))) expect([...celErrors(m), ...webhookErrors(m)]).toEqual([]);
    });

    test("the strict schema would catch the v1beta1 field name `cohort`", () => {
      const e = env();
      queueing(e);
      const json = synthJson(e.workloads);
      const cq = Object.values(resourcesOfType(json, "kubernetes_manifest")).find((r: any) => r.manifest.kind === "ClusterQueue") as any;
      cq.manifest.spec.cohort = cq.manifest.spec.cohortName;
      delete cq.manifest.spec.cohortName;
      expect(validateStackManifests(json).flatMap((r) => r.errors).join("\n")).toContain('unknown field "cohort"');
    });
  });
});

describe("issue 6: quotas from machine shapes, namespaces, system workloads, untyped input", () => {
  function eksEnv() {
    const app = testApp();
    const infra = awsStack(app, "infra");
    const cluster = new EksCluster(infra, "Cluster", { clusterName: "ml", subnetIds: ["subnet-a", "subnet-b"] });
    // g5.xlarge .. g5.16xlarge at 1 GPU: the smallest is g5.xlarge, 4 vCPUs and 16 GiB.
    cluster.addSpotTrainingPool("A10G", { gpu: Gpu.NVIDIA_A10G, minNodes: 4, maxNodes: 4 });
    // g6.12xlarge: 48 vCPUs and 192 GiB for 4 GPUs.
    cluster.addSpotTrainingPool("L4", { gpu: Gpu.NVIDIA_L4, gpusPerNode: 4, instanceTypes: ["g6.12xlarge"], minNodes: 2, maxNodes: 2 });
    const platform = bareStack(app, "platform");
    const workloads = bareStack(app, "workloads");
    const platformConn = cluster.connect(platform, "Ml");
    const conn = cluster.connect(workloads, "Ml");
    return { app, cluster, platform, workloads, platformConn, conn };
  }
  const quotas = (json: SynthJson, name: string) =>
    byName(json, "ClusterQueue", name).spec.resourceGroups[0].flavors.map((f: any) => [f.name, ...f.resources.map((r: any) => r.nominalQuota)]);

  test("CPU and memory quotas come from each pool's machine shape per GPU, not 8 cores and 64 GiB", () => {
    const e = eksEnv();
    new GpuQueueing(e.workloads, "Queues", { connection: e.conn, teams: [{ name: "a", namespaces: ["a"], gpuQuota: 8 }] });
    expect(quotas(synthJson(e.workloads), "a")).toEqual([
      ["nvidia-a10g-spot-training", 16, "64Gi", 4],
      ["nvidia-l4-spot-training", 48, "192Gi", 4],
    ]);
  });

  test("explicit cpuQuota and memoryGiBQuota still override, split like the GPUs", () => {
    const e = eksEnv();
    new GpuQueueing(e.workloads, "Queues", { connection: e.conn, teams: [{ name: "a", namespaces: ["a"], gpuQuota: 8, cpuQuota: 10, memoryGiBQuota: 100 }] });
    expect(quotas(synthJson(e.workloads), "a")).toEqual([
      ["nvidia-a10g-spot-training", 5, "50Gi", 4],
      ["nvidia-l4-spot-training", 5, "50Gi", 4],
    ]);
  });

  test("on-prem pools without instance types keep the documented 8 cores and 64 GiB per GPU", () => {
    const e = env({ spot: false });
    queueing(e, { teams: [{ name: "a", namespaces: ["a"], gpuQuota: 2 }] });
    expect(quotas(synthJson(e.workloads), "a")).toEqual([["l40s", 16, "128Gi", 2]]);
  });

  test("a queue namespace no connection creates is an error at synth; one created on the platform connection is not", () => {
    const e = eksEnv();
    e.platformConn.addNamespace("research");
    new GpuQueueing(e.workloads, "Queues", {
      connection: e.conn,
      teams: [{ name: "research", namespaces: ["research", "search"], gpuQuota: 8 }],
    });
    new KueueLocalQueue(e.workloads, "Default", { connection: e.conn, namespace: "default", clusterQueueName: "research" });
    expect(() => Testing.synth(e.workloads, true)).toThrow(
      'workloads/Queues/ClusterQueue-research/LocalQueue-search-research: invalid namespace "search": is not created by any connection to cluster "ml"; call addNamespace("search") on its connection (usually in the platform stack) so the namespace exists before its queues',
    );
    e.platformConn.addNamespace("search");
    expect(() => Testing.synth(e.workloads, true)).not.toThrow();
  });

  test("a namespace on a connection to another cluster does not count", () => {
    const e = eksEnv();
    const other = new ExistingCluster(bareStack(e.app, "dc"), "Dc", { clusterName: "dc1", kubeconfigContext: "dc1" });
    other.connect(e.platform, "Dc", { alias: "dc" }).addNamespace("team");
    new KueueLocalQueue(e.workloads, "Q", { connection: e.conn, namespace: "team", clusterQueueName: "team" });
    expect(() => Testing.synth(e.workloads, true)).toThrow('workloads/Q: invalid namespace "team": is not created by any connection to cluster "ml"');
  });

  test("Kueue's own namespace added again gives Strata's message, in either order", () => {
    const e = env({ system: true });
    e.platformConn.addNamespace("kueue-system");
    expect(() => new Kueue(e.platform, "Kueue", { connection: e.platformConn })).toThrow(
      'platform/Kueue: invalid namespace "kueue-system": is already created on connection platform/Conn (addNamespace); Kueue creates its own namespace: remove that addNamespace call or give Kueue another namespace',
    );
    const f = env({ system: true });
    new Kueue(f.platform, "Kueue", { connection: f.platformConn });
    expect(() => f.platformConn.addNamespace("kueue-system")).toThrow(
      'platform/Conn: invalid namespace name "kueue-system": is already created through this connection by platform/Kueue (Kueue); use that namespace (connection.namespaceResource(\"kueue-system\")) instead of adding it again, or choose another name',
    );
  });

  test("Kueue registers its controller's requests as a system workload, once per cluster", () => {
    const e = env({ system: true });
    new Kueue(e.platform, "Kueue", { connection: e.platformConn, replicas: 3 });
    expect(e.cluster.systemWorkloads).toEqual([{ name: "kueue-controller-manager", cpuMillis: 500, memoryMiB: 512, replicas: 3 }]);
    expect(() => new Kueue(e.platform, "Again", { connection: e.platformConn, namespace: "kueue-again", releaseName: "again" })).toThrow(
      'platform/Again: invalid connection.cluster "dc1": already has Kueue installed by Strata; install Kueue once per cluster',
    );
  });

  test("Kueue on a system pool too small for it warns at synth", () => {
    const app = testApp();
    const infra = awsStack(app, "infra");
    const cluster = new EksCluster(infra, "Cluster", { clusterName: "ml", subnetIds: ["subnet-a", "subnet-b"], systemInstanceTypes: ["t3.small"], systemMinNodes: 1, systemMaxNodes: 1 });
    const platform = bareStack(app, "platform");
    // t3.small: 2 vCPUs and 2 GiB, about 1475m and 888 MiB allocatable after the per-node DaemonSets; three
    // controllers (1536 MiB) plus the EKS add-ons' CoreDNS and EBS CSI controllers ask for more.
    new Kueue(platform, "Kueue", { connection: cluster.connect(platform, "Ml"), replicas: 3 });
    Testing.synth(infra, true);
    expect(annotations(cluster).filter((a) => a.includes("system capacity"))).toEqual([
      expect.stringContaining('infra/Cluster: system capacity {"cpuMillis":1475,"memoryMiB":888}: is below the requests: the pods Strata adds to system nodes request 1.82 vCPU and 2.1 GiB'),
    ]);
  });

  test("untyped callers: a string where a list is expected gets the standard error", () => {
    const e = env();
    let n = 0;
    const bad = (props: Record<string, unknown>) => () => new GpuQueueing(e.workloads, `Q${n++}`, { connection: e.conn, teams: TEAMS, ...props } as GpuQueueingProps);
    expect(bad({ teams: "research" })).toThrow('invalid teams "research": must be a list such as [{ name: "research", namespaces: ["research"], gpuQuota: 8 }], not a string');
    expect(bad({ teams: [{ name: "a", namespaces: "a", gpuQuota: 1 }] })).toThrow('invalid teams[0].namespaces "a": must be a list such as ["research"], not a string');
    expect(bad({ teams: ["research"] })).toThrow('invalid teams[0] "research": must be a team');
    expect(bad({ poolNames: "l40s" })).toThrow('invalid poolNames "l40s": must be a list such as ["gpu-spot"], not a string');
    expect(bad({ priorityClasses: "production" })).toThrow('invalid priorityClasses "production": must be a list');
  });

  test("untyped callers: enum strings in the wrong case are rejected", () => {
    const e = env();
    const spot = KueueResourceFlavor.fromPool(e.workloads, "Spot", e.conn, SPOT_POOL);
    const cq = (id: string, props: Record<string, unknown>) => () =>
      new KueueClusterQueue(e.workloads, id, { connection: e.conn, queueName: "q", flavors: [{ flavor: spot, gpus: 1, cpuCores: 1, memoryGiB: 1 }], ...props } as KueueClusterQueueProps);
    expect(cq("A", { queueingStrategy: "besteffortfifo" })).toThrow(
      'workloads/A: invalid queueingStrategy "besteffortfifo": must be one of KueueQueueingStrategy.BEST_EFFORT_FIFO ("BestEffortFIFO"), KueueQueueingStrategy.STRICT_FIFO ("StrictFIFO") (values are case-sensitive)',
    );
    expect(cq("B", { preemption: { reclaimWithinCohort: "any" } })).toThrow('workloads/B: invalid preemption.reclaimWithinCohort "any": must be one of KueueReclaimWithinCohort.NEVER ("Never")');
    expect(cq("C", { preemption: { withinClusterQueue: "LOWER_PRIORITY" } })).toThrow('invalid preemption.withinClusterQueue "LOWER_PRIORITY"');
    expect(cq("D", { flavorOrder: "SPOT_FIRST" })).toThrow('invalid flavorOrder "SPOT_FIRST": must be one of KueueFlavorOrder.SPOT_FIRST ("spot-first"), KueueFlavorOrder.AS_GIVEN ("as-given") ("SPOT_FIRST" names the member KueueFlavorOrder.SPOT_FIRST; give its value "spot-first")');
    expect(cq("E", { namespaces: "research" })).toThrow('workloads/E: invalid namespaces "research": must be a list such as ["research"], not a string');
    expect(cq("F", { flavors: "spot" })).toThrow('workloads/F: invalid flavors "spot": must be a list');
  });
});
