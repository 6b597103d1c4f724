import { App, TerraformStack, Testing, GcsBackend } from "cdktf";
import { GoogleProvider } from "@cdktf/provider-google/lib/provider";
import { CapacityType, NodePoolInfo, NodePoolPurpose } from "../../lib/core/cluster";
import { Gpu } from "../../lib/core/gpu";
import { Scheduling } from "../../lib/core/scheduling";
import { ClusterAutoscaler } from "../../lib/compute/cluster-autoscaler";
import { EksCluster } from "../../lib/compute/eks-cluster";
import { EksGpuNodePool } from "../../lib/compute/eks-gpu-node-pool";
import { EksWorkloadIdentity } from "../../lib/compute/eks-workload-identity";
import { ExistingCluster } from "../../lib/compute/existing-cluster";
import { GkeCluster } from "../../lib/compute/gke-cluster";
import { GkeGpuNodePool } from "../../lib/compute/gke-gpu-node-pool";
import { GkeWorkloadIdentity } from "../../lib/compute/gke-workload-identity";
import { GpuOperator } from "../../lib/compute/gpu-operator";
import { GpuQueueing } from "../../lib/compute/gpu-queueing";
import { KarpenterController, KarpenterGpuNodePools, KarpenterInfra } from "../../lib/compute/karpenter";
import { Kueue, KueueLocalQueue, KueueResourceFlavor, KueueWorkloadPriorityClass } from "../../lib/compute/kueue";
import { KueueClusterQueue } from "../../lib/compute/kueue-cluster-queue";
import { awsStack, bareStack, testApp } from "../support/synth";

/*
 * Values from untyped callers (JavaScript, JSON or YAML configs), for every public construct of
 * lib/compute in one place: each row feeds one wrong value (a string where a list, number, boolean
 * or enum value belongs, an enum value in the wrong case, a malformed Kubernetes name) and expects
 * the standard Strata error `<path>: invalid <prop> <value>: <allowed>`, never a TypeError.
 * The EksCluster, GkeCluster and AwsVpc props have their own tables in their test files.
 */

type Props = Record<string, any>;

/** An EKS cluster (infra), connections in the platform and workloads stacks. */
function eksEnv(cluster: Props = {}) {
  const app = testApp();
  const infra = awsStack(app, "infra");
  const eks = new EksCluster(infra, "Cluster", { clusterName: "ml-prod", ...cluster });
  const platform = bareStack(app, "platform");
  const workloads = bareStack(app, "workloads");
  return { app, infra, eks, platform, workloads, platformConn: eks.connect(platform, "Ml"), workloadsConn: eks.connect(workloads, "Ml") };
}

function gcpStack(app: App, id: string): TerraformStack {
  const stack = new TerraformStack(app, id);
  new GcsBackend(stack, { bucket: "strata-test-state", prefix: id });
  new GoogleProvider(stack, "google", { project: "acme-ml-prod", region: "us-central1" });
  return stack;
}

function gke(): GkeCluster {
  return new GkeCluster(gcpStack(Testing.app(), "infra"), "Cluster", { clusterName: "ml-prod", project: "acme-ml-prod", location: "us-central1" });
}

const SPOT_POOL: NodePoolInfo = {
  name: "l40s-spot",
  purpose: NodePoolPurpose.TRAINING,
  capacityType: CapacityType.SPOT,
  labels: { [Scheduling.POOL_LABEL]: "l40s-spot" },
  taints: [Scheduling.gpuTaint()],
  minNodes: 0,
  maxNodes: 4,
  gpu: Gpu.NVIDIA_L40S,
  gpusPerNode: 4,
};

/** An on-prem cluster with a GPU node group, and a flavor for it, in the workloads stack. */
function queueEnv() {
  const app = testApp();
  const infra = bareStack(app, "infra");
  const cluster = new ExistingCluster(infra, "OnPrem", {
    clusterName: "dc1",
    kubeconfigContext: "dc1",
    gpuNodes: [{ name: "l40s", gpu: Gpu.NVIDIA_L40S, nodeCount: 2, gpusPerNode: 8, taints: [Scheduling.gpuTaint()] }],
  });
  cluster.registerNodePool(SPOT_POOL);
  const workloads = bareStack(app, "workloads");
  const connection = cluster.connect(workloads, "Dc1");
  connection.addNamespace("research");
  const flavor = KueueResourceFlavor.fromPool(workloads, "Flavor", connection, SPOT_POOL);
  return { workloads, connection, flavor };
}

const TEAM = { name: "research", namespaces: ["research"], gpuQuota: 8 };

/** Builds a construct with `props` merged over valid ones; `path` is the construct path in errors. */
interface Subject {
  path: string;
  build: (props: Props) => unknown;
}

const SUBJECTS: Record<string, Subject> = {
  Kueue: {
    path: "platform/Kueue",
    build: (p) => {
      const e = eksEnv();
      return new Kueue(e.platform, "Kueue", { connection: e.platformConn, ...p } as any);
    },
  },
  KueueResourceFlavor: {
    path: "workloads/F",
    build: (p) => {
      const e = queueEnv();
      return new KueueResourceFlavor(e.workloads, "F", { connection: e.connection, pool: SPOT_POOL, ...p } as any);
    },
  },
  KueueClusterQueue: {
    path: "workloads/Q",
    build: (p) => {
      const e = queueEnv();
      const flavors = p.flavors ?? [{ flavor: e.flavor, gpus: 8, cpuCores: 32, memoryGiB: 128, ...p.flavor0 }];
      const rest = { ...p };
      delete rest.flavor0;
      return new KueueClusterQueue(e.workloads, "Q", { connection: e.connection, queueName: "research", ...rest, flavors } as any);
    },
  },
  KueueLocalQueue: {
    path: "workloads/L",
    build: (p) => {
      const e = queueEnv();
      return new KueueLocalQueue(e.workloads, "L", { connection: e.connection, namespace: "research", clusterQueueName: "research", ...p } as any);
    },
  },
  KueueWorkloadPriorityClass: {
    path: "workloads/P",
    build: (p) => {
      const e = queueEnv();
      return new KueueWorkloadPriorityClass(e.workloads, "P", { connection: e.connection, priorityClassName: "production", value: 1000, ...p } as any);
    },
  },
  GpuQueueing: {
    path: "workloads/Queues",
    build: (p) => {
      const e = queueEnv();
      const teams = p.teams ?? [{ ...TEAM, ...p.team0 }];
      const rest = { ...p };
      delete rest.team0;
      return new GpuQueueing(e.workloads, "Queues", { connection: e.connection, poolNames: ["l40s-spot"], ...rest, teams } as any);
    },
  },
  GpuOperator: {
    path: "platform/Gpu",
    build: (p) => {
      const e = eksEnv();
      return new GpuOperator(e.platform, "Gpu", { connection: e.platformConn, ...p } as any);
    },
  },
  KarpenterController: {
    path: "platform/Karpenter",
    build: (p) => {
      const e = eksEnv();
      const infra = new KarpenterInfra(e.infra, "Karpenter", { cluster: e.eks });
      return new KarpenterController(e.platform, "Karpenter", { connection: e.platformConn, infra, ...p } as any);
    },
  },
  KarpenterGpuNodePools: {
    path: "workloads/GpuPools",
    build: (p) => {
      const e = eksEnv();
      const infra = new KarpenterInfra(e.infra, "Karpenter", { cluster: e.eks });
      return new KarpenterGpuNodePools(e.workloads, "GpuPools", { connection: e.workloadsConn, cluster: e.eks, infra, maxGpus: 8, ...p } as any);
    },
  },
  ClusterAutoscaler: {
    path: "platform/Ca",
    build: (p) => {
      const e = eksEnv();
      return new ClusterAutoscaler(e.platform, "Ca", { connection: e.platformConn, ...p } as any);
    },
  },
  ExistingCluster: {
    path: "infra/OnPrem",
    build: (p) => {
      const gpuNodes = p.gpuNodes ?? [{ name: "l4", gpu: Gpu.NVIDIA_L4, nodeCount: 2, gpusPerNode: 1, ...p.node0 }];
      const rest = { ...p };
      delete rest.node0;
      return new ExistingCluster(bareStack(testApp(), "infra"), "OnPrem", { clusterName: "dc1", kubeconfigContext: "dc1", ...rest, gpuNodes } as any);
    },
  },
  EksGpuNodePool: {
    path: "infra/Cluster/L4",
    build: (p) => {
      const e = eksEnv();
      return new EksGpuNodePool(e.eks, "L4", { cluster: e.eks, gpu: Gpu.NVIDIA_L4, maxNodes: 2, ...p } as any);
    },
  },
  GkeGpuNodePool: {
    path: "infra/Cluster/L4",
    build: (p) => {
      const cluster = gke();
      return new GkeGpuNodePool(cluster, "L4", { cluster, gpu: Gpu.NVIDIA_L4, maxNodes: 2, ...p } as any);
    },
  },
  EksWorkloadIdentity: {
    path: "infra/Cluster/Id",
    build: (p) => {
      const e = eksEnv();
      return new EksWorkloadIdentity(e.eks, "Id", { cluster: e.eks, namespace: "training", serviceAccountName: "trainer", ...p } as any);
    },
  },
  GkeWorkloadIdentity: {
    path: "infra/Cluster/Id",
    build: (p) => {
      const cluster = gke();
      return new GkeWorkloadIdentity(cluster, "Id", { cluster, namespace: "training", serviceAccountName: "trainer", ...p } as any);
    },
  },
};

const INT = (range: string, type: string) => `must be ${range}, not ${type}`;
const BOOL = (type: string) => `must be true or false, not ${type}`;
const NAMESPACE =
  "must be a namespace name: a DNS-1123 label of 1 to 63 lowercase letters, digits and '-', starting and ending with a letter or digit";
const DNS_LABEL = "must be a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit";
const QUALIFIED =
  "must be an optional DNS subdomain prefix (at most 253 characters) and '/', then a name of 1 to 63 characters " +
  "that starts and ends with a letter or digit and has only letters, digits, '-', '_' and '.' inside (e.g. \"example.com/team\")";

/** [construct, props, prop in the message, value in the message, allowed]. */
const ROWS: Array<[string, Props, string, unknown, string]> = [
  // Kueue
  ["Kueue", { replicas: "3" }, "replicas", "3", INT("an integer from 1 to 10", "a string")],
  ["Kueue", { enablePrometheus: "true" }, "enablePrometheus", "true", BOOL("a string")],
  ["Kueue", { namespace: "Kueue-System" }, "namespace", "Kueue-System", NAMESPACE],
  ["Kueue", { namespace: ["kueue-system"] }, "namespace", ["kueue-system"], "is required and must be a namespace name (a string), not a list"],
  ["Kueue", { timeoutSeconds: "600" }, "timeoutSeconds", "600", INT("an integer from 1 to 86400", "a string")],
  ["Kueue", { systemPoolName: 3 }, "systemPoolName", 3, "must be a non-empty string, not a number"],
  // KueueResourceFlavor
  ["KueueResourceFlavor", { tolerateTaints: "false" }, "tolerateTaints", "false", BOOL("a string")],
  ["KueueResourceFlavor", { pool: undefined, poolName: ["l40s-spot"] }, "poolName", ["l40s-spot"], "must be a non-empty string, not a list"],
  // KueueClusterQueue
  ["KueueClusterQueue", { flavors: "spot" }, "flavors", "spot", 'must be a list such as [{ flavor, gpus: 8, cpuCores: 64, memoryGiB: 512 }], not a string'],
  // a non-object entry reached f.flavor.flavorName (a TypeError) before the entry check
  ["KueueClusterQueue", { flavors: ["spot"] }, "flavors[0]", "spot", "must be a flavor quota such as { flavor, gpus: 8, cpuCores: 64, memoryGiB: 512 } (flavor a KueueResourceFlavor)"],
  ["KueueClusterQueue", { flavor0: { cpuCores: "32" } }, "flavors[0].cpuCores", "32", "must be a number, not a string"],
  ["KueueClusterQueue", { flavor0: { gpus: "8" } }, "flavors[0].gpus", "8", INT("an integer >= 0", "a string")],
  ["KueueClusterQueue", { namespaces: "research" }, "namespaces", "research", 'must be a list such as ["research"], not a string'],
  ["KueueClusterQueue", { namespaces: ["Research"] }, "namespaces[0]", "Research", DNS_LABEL],
  ["KueueClusterQueue", { namespaceLabels: "team=research" }, "namespaceLabels", "team=research", "must be an object of string keys and string values, not a string"],
  ["KueueClusterQueue", { namespaceLabels: { "team name": "research" } }, "namespaceLabels key", "team name", QUALIFIED],
  ["KueueClusterQueue", { preemption: "Never" }, "preemption", "Never", "must be an object such as { reclaimWithinCohort: KueueReclaimWithinCohort.ANY }, not a string"],
  [
    "KueueClusterQueue",
    { queueingStrategy: "strictfifo" },
    "queueingStrategy",
    "strictfifo",
    'must be one of KueueQueueingStrategy.BEST_EFFORT_FIFO ("BestEffortFIFO"), KueueQueueingStrategy.STRICT_FIFO ("StrictFIFO") (values are case-sensitive)',
  ],
  ["KueueClusterQueue", { preemption: { borrowWithinCohortMaxPriority: "5" } }, "preemption.borrowWithinCohortMaxPriority", "5", INT("an integer from -2147483648 to 2147483647", "a string")],
  // KueueLocalQueue
  ["KueueLocalQueue", { namespace: ["research"] }, "namespace", ["research"], "must be a string, not a list"],
  ["KueueLocalQueue", { namespace: "Research" }, "namespace", "Research", DNS_LABEL],
  // KueueWorkloadPriorityClass
  ["KueueWorkloadPriorityClass", { value: "1000" }, "value", "1000", INT("an integer from -2147483648 to 2147483647", "a string")],
  ["KueueWorkloadPriorityClass", { description: 5 }, "description", 5, "must be a non-empty string, not a number"],
  // GpuQueueing
  ["GpuQueueing", { team0: { gpuQuota: "8" } }, "teams[0].gpuQuota", "8", INT("an integer >= 0", "a string")],
  ["GpuQueueing", { team0: { namespaces: ["Research"] } }, "teams[0].namespaces[0]", "Research", DNS_LABEL],
  ["GpuQueueing", { team0: { cpuQuota: "4" } }, "teams[0].cpuQuota", "4", "must be a number, not a string"],
  ["GpuQueueing", { poolNames: [5] }, "poolNames[0]", 5, "must be a string, not a number"],
  ["GpuQueueing", { cohortName: 5 }, "cohortName", 5, "must be a string, not a number"],
  // GpuOperator
  ["GpuOperator", { dcgmExporter: "yes" }, "dcgmExporter", "yes", BOOL("a string")],
  ["GpuOperator", { serviceMonitor: "true" }, "serviceMonitor", "true", BOOL("a string")],
  ["GpuOperator", { gkeDriverInstaller: 1 }, "gkeDriverInstaller", 1, BOOL("a number")],
  ["GpuOperator", { namespace: "GPU-Operator" }, "namespace", "GPU-Operator", DNS_LABEL],
  // KarpenterController
  ["KarpenterController", { replicas: "2" }, "replicas", "2", INT("an integer from 1 to 10", "a string")],
  // KarpenterGpuNodePools
  ["KarpenterGpuNodePools", { maxGpus: "8" }, "maxGpus", "8", INT("an integer >= 1", "a string")],
  ["KarpenterGpuNodePools", { gpusPerNode: "4" }, "gpusPerNode", "4", INT("an integer from 1 to 16", "a string")],
  ["KarpenterGpuNodePools", { onDemand: "true" }, "onDemand", "true", BOOL("a string")],
  ["KarpenterGpuNodePools", { spot: 0 }, "spot", 0, BOOL("a number")],
  ["KarpenterGpuNodePools", { diskSizeGiB: "200" }, "diskSizeGiB", "200", INT("an integer from 20 to 16384", "a string")],
  ["KarpenterGpuNodePools", { tags: "team=ml" }, "tags", "team=ml", "must be an object of string keys and string values, not a string"],
  ["KarpenterGpuNodePools", { consolidateAfterMinutes: "5" }, "consolidateAfterMinutes", "5", INT("an integer from 0 to 1440", "a string")],
  ["KarpenterGpuNodePools", { expireAfterHours: "720" }, "expireAfterHours", "720", INT("an integer from 1 to 8760", "a string")],
  // ClusterAutoscaler
  ["ClusterAutoscaler", { scaleDownUnneededMinutes: "10" }, "scaleDownUnneededMinutes", "10", INT("an integer from 1 to 1440", "a string")],
  // ExistingCluster
  // entries that are not node groups, and (next row but two) a string for the list, ended in TypeErrors before these checks
  ["ExistingCluster", { gpuNodes: ["l4"] }, "gpuNodes[0]", "l4", 'must be a GPU node group such as { name: "l4", gpu: Gpu.NVIDIA_L4, nodeCount: 2, gpusPerNode: 1 }'],
  ["ExistingCluster", { node0: { gpu: "nvidia-l4" } }, "gpuNodes[0].gpu", "nvidia-l4", "must be a Gpu of the catalog, such as Gpu.NVIDIA_L4 (or Gpu.fromProductLabel(...))"],
  ["ExistingCluster", { gpuNodes: "l4" }, "gpuNodes", "l4", 'must be a list such as [{ name: "l4", gpu: Gpu.NVIDIA_L4, nodeCount: 2, gpusPerNode: 1 }], not a string'],
  ["ExistingCluster", { node0: { nodeCount: "2" } }, "gpuNodes[0].nodeCount", "2", INT("an integer >= 1", "a string")],
  ["ExistingCluster", { node0: { nodeSelector: { "node type": "gpu" } } }, "gpuNodes[0].nodeSelector key", "node type", QUALIFIED],
  ["ExistingCluster", { node0: { nodeSelector: "gpu=true" } }, "gpuNodes[0].nodeSelector", "gpu=true", "must be an object of string keys and string values, not a string"],
  ["ExistingCluster", { node0: { taints: "nvidia.com/gpu" } }, "gpuNodes[0].taints", "nvidia.com/gpu", 'must be a list such as [Scheduling.gpuTaint()], not a string'],
  ["ExistingCluster", { node0: { taints: [{ key: "gpu only", effect: "NoSchedule" }] } }, "gpuNodes[0].taints[0].key", "gpu only", QUALIFIED],
  [
    "ExistingCluster",
    { node0: { taints: [{ key: "nvidia.com/gpu", effect: "noschedule" }] } },
    "gpuNodes[0].taints[0].effect",
    "noschedule",
    'must be one of TaintEffect.NO_SCHEDULE ("NoSchedule"), TaintEffect.PREFER_NO_SCHEDULE ("PreferNoSchedule"), TaintEffect.NO_EXECUTE ("NoExecute") (values are case-sensitive)',
  ],
  [
    "ExistingCluster",
    { node0: { purpose: "TRAINING" } },
    "gpuNodes[0].purpose",
    "TRAINING",
    'must be one of NodePoolPurpose.SYSTEM ("system"), NodePoolPurpose.GENERAL ("general"), NodePoolPurpose.INFERENCE ("inference"), NodePoolPurpose.TRAINING ("training") (values are case-sensitive)',
  ],
  ["ExistingCluster", { kubeconfigContext: 5 }, "kubeconfigContext", 5, "must be a non-empty string, not a number"],
  // EksGpuNodePool
  ["EksGpuNodePool", { gpusPerNode: "1" }, "gpusPerNode", "1", INT("an integer from 1 to 16", "a string")],
  ["EksGpuNodePool", { maxNodes: "2" }, "maxNodes", "2", INT("an integer >= 1", "a string")],
  ["EksGpuNodePool", { spotTraining: "true" }, "spotTraining", "true", BOOL("a string")],
  ["EksGpuNodePool", { instanceTypes: "g6.xlarge" }, "instanceTypes", "g6.xlarge", 'must be a list such as ["g6.xlarge"], not a string'],
  // GkeGpuNodePool
  ["GkeGpuNodePool", { gpusPerNode: "1" }, "gpusPerNode", "1", INT("an integer from 1 to 16", "a string")],
  ["GkeGpuNodePool", { diskSizeGiB: "100" }, "diskSizeGiB", "100", INT("an integer from 20 to 16384", "a string")],
  ["GkeGpuNodePool", { spotTraining: "yes" }, "spotTraining", "yes", BOOL("a string")],
  ["GkeGpuNodePool", { zones: ["us-central1"] }, "zones[0]", "us-central1", "must be a zone of the cluster's region us-central1"],
  ["GkeGpuNodePool", { zones: "us-central1-a" }, "zones", "us-central1-a", 'must be a list such as ["us-central1-a"], not a string'],
  // EksWorkloadIdentity / GkeWorkloadIdentity
  ["EksWorkloadIdentity", { namespace: "Team A" }, "namespace", "Team A", DNS_LABEL],
  ["EksWorkloadIdentity", { managedByAddon: "true" }, "managedByAddon", "true", BOOL("a string")],
  ["GkeWorkloadIdentity", { namespace: ["training"] }, "namespace", ["training"], "must be a string, not a list"],
];

describe("untyped input to every compute construct gets the standard error", () => {
  test.each(ROWS)("%s %p", (subject, props, prop, value, allowed) => {
    const { path, build } = SUBJECTS[subject];
    let error: unknown;
    try {
      build(props);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(TypeError);
    expect((error as Error).message).toBe(`${path}: invalid ${prop} ${JSON.stringify(value)}: ${allowed}`);
  });

  test("every construct of the table builds with its valid props (the rows fail for the reason they name)", () => {
    for (const [name, subject] of Object.entries(SUBJECTS)) {
      expect(() => subject.build({})).not.toThrow();
      expect(name).toBeTruthy();
    }
  });
});
