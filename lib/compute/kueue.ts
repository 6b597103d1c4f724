import { Construct } from "constructs";
import { NamespaceV1 } from "@cdktf/provider-kubernetes/lib/namespace-v1";
import { CapacityType, NodePoolInfo, NodePoolPurpose } from "../core/cluster";
import { ClusterConnection, NamespaceIsolation, PodSecurityLevel } from "../core/connection";
import { CustomResource } from "../core/custom-resource";
import { Gpu } from "../core/gpu";
import { HelmChart, PinnedChart } from "../core/helm-chart";
import { MANAGED_BY_LABELS, POOL_LABEL } from "../core/labels";
import { NamingRule, validateName } from "../core/naming";
import { Scheduling } from "../core/scheduling";
import { WorkQueues } from "../core/work-queues";
import { invalid, isUnresolved, validateBoolean, validateInteger, validateNamespaceName, validateNonEmpty, warn } from "../core/validation";

/** The Kueue API version Strata emits: the stored version at Kueue v0.19 (v1beta1 is deprecated). */
const API_VERSION = "kueue.x-k8s.io/v1beta2";
/** Released controller image (the chart's default is a moving staging tag). */
const CONTROLLER_IMAGE = "registry.k8s.io/kueue/kueue";
/** Kueue caps `nodeLabels`, `nodeTaints` and `tolerations` of a ResourceFlavor at 8 entries each. */
const MAX_FLAVOR_ENTRIES = 8;
/**
 * Requests of one controller pod: the chart's defaults (`controllerManager.manager.resources`,
 * 500m and 512Mi in kueue v0.19.2), which Strata keeps.
 */
const CONTROLLER_CPU_MILLIS = 500;
const CONTROLLER_MEMORY_MIB = 512;
/** The name Kueue's controller registers as a system workload of its cluster. */
const KUEUE_WORKLOAD = "kueue-controller-manager";
/** Namespaces every cluster has; a LocalQueue may go there without `addNamespace`. */
const BUILT_IN_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease"];

// -------------------------------------------------------------------------------------------------
// Installation (platform stack)
// -------------------------------------------------------------------------------------------------

/**
 * Kueue's controller configuration. The chart's default also manages plain Pods, Deployments,
 * StatefulSets and LeaderWorkerSets, which registers their admission webhooks with
 * `failurePolicy: Fail` for every namespace but kube-system and kueue-system: with Kueue down,
 * no pod could start anywhere (GPU Operator daemonsets, serving). Strata queues batch workloads
 * only, so those four integrations are off and their webhooks fail open.
 */
const KUEUE_MANAGED_FRAMEWORKS = [
  "batch/job",
  "jobset.x-k8s.io/jobset",
  "kubeflow.org/mpijob",
  "kubeflow.org/pytorchjob",
  "trainer.kubeflow.org/trainjob",
  "ray.io/rayjob",
  "workload.codeflare.dev/appwrapper",
];
const KUEUE_MANAGER_CONFIG = [
  "apiVersion: config.kueue.x-k8s.io/v1beta2",
  "kind: Configuration",
  "health:",
  "  healthProbeBindAddress: :8081",
  "metrics:",
  "  bindAddress: :8443",
  "webhook:",
  "  port: 9443",
  "leaderElection:",
  "  leaderElect: true",
  "  resourceName: c1f6bfd2.kueue.x-k8s.io",
  "controller:",
  "  groupKindConcurrency:",
  "    Job.batch: 5",
  "    Workload.kueue.x-k8s.io: 10",
  "    LocalQueue.kueue.x-k8s.io: 5",
  "    ClusterQueue.kueue.x-k8s.io: 5",
  "    ResourceFlavor.kueue.x-k8s.io: 1",
  "clientConnection:",
  "  qps: 300",
  "  burst: 500",
  "integrations:",
  "  frameworks:",
  // Plain scalars: a double quote inside a yamlencode() string is not valid HCL as cdktf renders it.
  ...KUEUE_MANAGED_FRAMEWORKS.map((f) => `  - ${f}`),
].join("\n");

/** Props of `Kueue`. */
export interface KueueProps {
  /** The cluster connection of the platform stack. */
  readonly connection: ClusterConnection;
  /**
   * Controller replicas. With 2 or more, a PodDisruptionBudget (`minAvailable: 1`) and a
   * best-effort spread over nodes are added; one replica holds the leader lease.
   * @default 2
   */
  readonly replicas?: number;
  /**
   * Node pool the controller runs on (its labels become the node selector, its taints are tolerated).
   * @default - the cluster's first SYSTEM pool; no node selector when the cluster has none (on-prem)
   */
  readonly systemPoolName?: string;
  /**
   * Create the chart's ServiceMonitor and the Role that lets Prometheus scrape the controller.
   * The prometheus-operator CRDs must already exist when the release is installed.
   * @default false
   */
  readonly enablePrometheus?: boolean;
  /**
   * Namespace of the `prometheus-k8s` service account granted scrape access (with `enablePrometheus`).
   * @default - the chart's default, "monitoring"
   */
  readonly prometheusNamespace?: string;
  /**
   * Namespace to create and install into.
   * @default "kueue-system"
   */
  readonly namespace?: string;
  /**
   * Helm release name.
   * @default "kueue"
   */
  readonly releaseName?: string;
  /**
   * Seconds to wait for the release to become ready.
   * @default 900
   */
  readonly timeoutSeconds?: number;
}

/**
 * Installs Kueue v0.19.2 (job queueing, quotas and preemption) from its pinned Helm chart into a
 * new `kueue-system` namespace that enforces the restricted Pod Security Standard. The controller
 * image is pinned to the released `registry.k8s.io/kueue/kueue:v0.19.2` (pulled `IfNotPresent`),
 * runs with two replicas on the system pool, and exposes Prometheus metrics only when asked.
 *
 * The chart installs Kueue's CRDs, so queues, flavors and priority classes go in a later
 * (workloads) stack: see `GpuQueueing`, `KueueClusterQueue` and `KueueResourceFlavor`.
 *
 * @example
 * const platform = new TerraformStack(app, "platform");
 * new Kueue(platform, "Kueue", { connection: cluster.connect(platform, "Conn") });
 */
export class Kueue extends Construct {
  /** API version of the Kueue custom resources Strata emits. */
  public static readonly API_VERSION = API_VERSION;
  /** The controller image the release runs. */
  public static readonly IMAGE = `${CONTROLLER_IMAGE}:v${PinnedChart.KUEUE.version}`;

  /** The Helm release. */
  public readonly chart: HelmChart;
  /** The namespace resource. */
  public readonly namespaceResource: NamespaceV1;
  /** Namespace Kueue runs in. */
  public readonly namespace: string;

  constructor(scope: Construct, id: string, props: KueueProps) {
    super(scope, id);
    const replicas = props.replicas ?? 2;
    const namespace = props.namespace ?? "kueue-system";
    const releaseName = props.releaseName ?? "kueue";
    validateInteger(this, "replicas", replicas, 1, 10);
    validateBoolean(this, "enablePrometheus", props.enablePrometheus);
    validateNamespaceName(this, "namespace", namespace);
    validateNonEmpty(this, "releaseName", releaseName);
    validateInteger(this, "timeoutSeconds", props.timeoutSeconds, 1, 86400);
    if (props.systemPoolName !== undefined) validateNonEmpty(this, "systemPoolName", props.systemPoolName);
    if (props.prometheusNamespace !== undefined) {
      validateName(this, "prometheusNamespace", props.prometheusNamespace, NamingRule.DNS1123_LABEL);
      if (props.enablePrometheus !== true) {
        invalid(this, "prometheusNamespace", props.prometheusNamespace, "only applies with enablePrometheus: true");
      }
    }

    const cluster = props.connection.cluster;
    let pool: NodePoolInfo | undefined;
    if (props.systemPoolName !== undefined) {
      pool = cluster.nodePools.find((p) => p.name === props.systemPoolName);
      if (!pool) {
        invalid(this, "systemPoolName", props.systemPoolName, `must name a node pool of cluster "${cluster.clusterName}" (${poolList(cluster.nodePools)})`);
      }
    } else {
      pool = cluster.nodePools.find((p) => p.purpose === NodePoolPurpose.SYSTEM);
    }

    const existing = props.connection.namespaceResource(namespace);
    if (existing) {
      invalid(
        this,
        "namespace",
        namespace,
        `is already created on connection ${props.connection.node.path} (addNamespace); Kueue creates its own namespace: remove that addNamespace call or give Kueue another namespace`,
      );
    }
    // Every pod of the chart sets runAsNonRoot, seccomp RuntimeDefault, no privilege escalation and
    // drops all capabilities, with no host namespaces or host paths: it runs under "restricted".
    // No default-deny NetworkPolicy: the API server must reach the admission webhook on 9443.
    this.namespaceResource = props.connection.addNamespace(namespace, {
      podSecurity: PodSecurityLevel.RESTRICTED,
      isolation: NamespaceIsolation.NONE,
    });
    this.namespace = namespace;

    const controllerManager: Record<string, any> = {
      replicas,
      manager: { image: { repository: CONTROLLER_IMAGE, tag: `v${PinnedChart.KUEUE.version}`, pullPolicy: "IfNotPresent" } },
    };
    if (pool) {
      controllerManager.nodeSelector = Scheduling.nodeSelectorFor(pool);
      const tolerations = Scheduling.tolerationsFor(pool);
      if (tolerations.length > 0) controllerManager.tolerations = tolerations;
    }
    if (replicas >= 2) {
      controllerManager.podDisruptionBudget = { enabled: true, minAvailable: 1 };
      controllerManager.topologySpreadConstraints = [
        {
          maxSkew: 1,
          topologyKey: "kubernetes.io/hostname",
          whenUnsatisfiable: "ScheduleAnyway",
          // The chart's selector labels for the controller pods.
          labelSelector: {
            matchLabels: { "app.kubernetes.io/name": "kueue", "app.kubernetes.io/instance": releaseName, "control-plane": "controller-manager" },
          },
        },
      ];
    }
    const values: Record<string, any> = {
      enablePrometheus: props.enablePrometheus ?? false,
      controllerManager,
      managerConfig: { controllerManagerConfigYaml: KUEUE_MANAGER_CONFIG },
    };
    if (props.prometheusNamespace !== undefined) values.metrics = { prometheusNamespace: props.prometheusNamespace };

    // The controller pods run on the system nodes: the cluster sizes and checks its system capacity from this.
    if (cluster.systemWorkloads.some((w) => w.name === KUEUE_WORKLOAD)) {
      invalid(this, "connection.cluster", cluster.clusterName, "already has Kueue installed by Strata; install Kueue once per cluster (its CRDs and admission webhooks are cluster-wide)");
    }
    cluster.addSystemWorkload({ name: KUEUE_WORKLOAD, cpuMillis: CONTROLLER_CPU_MILLIS, memoryMiB: CONTROLLER_MEMORY_MIB, replicas });

    this.chart = new HelmChart(this, "Chart", {
      connection: props.connection,
      chart: PinnedChart.KUEUE,
      releaseName,
      namespace: this.namespaceResource.metadata.name,
      values,
      timeoutSeconds: props.timeoutSeconds,
    });
  }
}

// -------------------------------------------------------------------------------------------------
// ResourceFlavor
// -------------------------------------------------------------------------------------------------

/** Options of a `KueueResourceFlavor`. */
export interface KueueResourceFlavorOptions {
  /**
   * Name of the ResourceFlavor (a DNS-1123 subdomain).
   * @default - the pool name
   */
  readonly flavorName?: string;
  /**
   * Add tolerations for the pool's taints to every pod admitted on this flavor, so that jobs need
   * no tolerations of their own. Without them, only workloads that already tolerate the taints
   * are admitted on the flavor.
   * @default true
   */
  readonly tolerateTaints?: boolean;
}

/** Props of `KueueResourceFlavor`. */
export interface KueueResourceFlavorProps extends KueueResourceFlavorOptions {
  /** The cluster connection of the workloads stack. */
  readonly connection: ClusterConnection;
  /**
   * The node pool the flavor stands for (one of the connection's cluster's pools). Give `pool` or `poolName`.
   * @default - the pool named `poolName`
   */
  readonly pool?: NodePoolInfo;
  /**
   * Name of the node pool the flavor stands for. Give `pool` or `poolName`.
   * @default - `pool.name`
   */
  readonly poolName?: string;
}

/**
 * A Kueue ResourceFlavor (`kueue.x-k8s.io/v1beta2`) for one node pool: its `nodeLabels` are the
 * pool's labels (Kueue adds them as a node selector to admitted pods), its `nodeTaints` the pool's
 * taints, and its `tolerations` match those taints so admitted pods land on the pool. Records the
 * pool's capacity type and GPU for quota planning. Belongs in the workloads stack.
 *
 * @example
 * const spot = KueueResourceFlavor.fromPool(workloads, "Spot", connection, cluster.nodePools[1]);
 */
export class KueueResourceFlavor extends Construct {
  /** A flavor for `pool` with default options. */
  public static fromPool(
    scope: Construct,
    id: string,
    connection: ClusterConnection,
    pool: NodePoolInfo,
    options: KueueResourceFlavorOptions = {},
  ): KueueResourceFlavor {
    return new KueueResourceFlavor(scope, id, { ...options, connection, pool });
  }

  /** ResourceFlavor name. */
  public readonly flavorName: string;
  /** The node pool. */
  public readonly pool: NodePoolInfo;
  /** Spot or on-demand (from the pool). */
  public readonly capacityType: CapacityType;
  /** The GPU of the pool's nodes, undefined for a CPU pool. */
  public readonly gpu?: Gpu;
  /** GPUs per node (0 for a CPU pool). */
  public readonly gpusPerNode: number;
  /** GPUs the pool can provide at most (`maxNodes * gpusPerNode`); undefined when the pool size is a token. */
  public readonly maxGpus?: number;
  /** The custom resource. */
  public readonly resource: CustomResource;

  constructor(scope: Construct, id: string, props: KueueResourceFlavorProps) {
    super(scope, id);
    const cluster = props.connection.cluster;
    if ((props.pool === undefined) === (props.poolName === undefined)) {
      invalid(this, "pool", props.pool?.name ?? props.poolName, "give exactly one of pool and poolName");
    }
    if (props.pool !== undefined && (props.pool === null || typeof props.pool !== "object")) {
      invalid(this, "pool", props.pool, "must be a NodePoolInfo (a pool of the cluster, e.g. cluster.nodePools[0]); give a pool's name as poolName");
    }
    if (props.poolName !== undefined) validateNonEmpty(this, "poolName", props.poolName);
    validateBoolean(this, "tolerateTaints", props.tolerateTaints);
    const wanted = props.pool?.name ?? props.poolName!;
    const pool = cluster.nodePools.find((p) => p.name === wanted);
    if (!pool) {
      invalid(this, props.pool ? "pool" : "poolName", wanted, `must be a node pool of cluster "${cluster.clusterName}" (${poolList(cluster.nodePools)})`);
    }
    const flavorName = props.flavorName ?? pool.name;
    validateName(this, "flavorName", flavorName, NamingRule.DNS1123_SUBDOMAIN);
    const labels = Scheduling.nodeSelectorFor(pool);
    const tolerations = props.tolerateTaints === false ? [] : Scheduling.tolerationsFor(pool);
    if (Object.keys(labels).length > MAX_FLAVOR_ENTRIES) {
      invalid(this, `pool "${pool.name}" labels`, labels, `Kueue allows at most ${MAX_FLAVOR_ENTRIES} nodeLabels on a ResourceFlavor`);
    }
    if (pool.taints.length > MAX_FLAVOR_ENTRIES) {
      invalid(this, `pool "${pool.name}" taints`, pool.taints, `Kueue allows at most ${MAX_FLAVOR_ENTRIES} nodeTaints on a ResourceFlavor`);
    }
    if (Object.keys(labels).length === 0) {
      warn(this, "pool", pool.name, "has no node labels, so pods admitted on this flavor may run on any node of the cluster");
    }

    this.flavorName = flavorName;
    this.pool = pool;
    this.capacityType = pool.capacityType;
    this.gpu = pool.gpu;
    this.gpusPerNode = pool.gpusPerNode ?? 0;
    this.maxGpus = isUnresolved(pool.maxNodes) || isUnresolved(this.gpusPerNode) ? undefined : pool.maxNodes * this.gpusPerNode;

    this.resource = new CustomResource(this, "Resource", {
      connection: props.connection,
      manifest: {
        apiVersion: API_VERSION,
        kind: "ResourceFlavor",
        metadata: { name: flavorName, labels: { ...MANAGED_BY_LABELS, [POOL_LABEL]: pool.name } },
        spec: {
          nodeLabels: Object.keys(labels).length > 0 ? labels : undefined,
          nodeTaints: pool.taints.length > 0 ? pool.taints.map((t) => ({ key: t.key, value: t.value, effect: t.effect })) : undefined,
          tolerations: tolerations.length > 0 ? tolerations : undefined,
        },
      },
    });
  }
}

// -------------------------------------------------------------------------------------------------
// LocalQueue and WorkloadPriorityClass
// -------------------------------------------------------------------------------------------------

/** Props of `KueueLocalQueue`. */
export interface KueueLocalQueueProps {
  /** The cluster connection of the workloads stack. */
  readonly connection: ClusterConnection;
  /** Namespace of the LocalQueue (must exist, e.g. created in the platform stack). */
  readonly namespace: string;
  /** Name of the ClusterQueue it submits to (immutable once created). */
  readonly clusterQueueName: string;
  /**
   * LocalQueue name, the value jobs put in their `kueue.x-k8s.io/queue-name` label (a DNS-1123 label).
   * @default - the ClusterQueue name
   */
  readonly queueName?: string;
}

/**
 * A Kueue LocalQueue (`kueue.x-k8s.io/v1beta2`): the namespaced queue that jobs name in their
 * `kueue.x-k8s.io/queue-name` label, submitting to a ClusterQueue. Belongs in the workloads stack.
 *
 * @example
 * new KueueLocalQueue(workloads, "Queue", { connection, namespace: "research", clusterQueueName: "research" });
 */
export class KueueLocalQueue extends Construct {
  /** LocalQueue name. */
  public readonly queueName: string;
  /** Namespace. */
  public readonly namespace: string;
  /** The ClusterQueue it submits to. */
  public readonly clusterQueueName: string;
  /** The custom resource. */
  public readonly resource: CustomResource;

  constructor(scope: Construct, id: string, props: KueueLocalQueueProps) {
    super(scope, id);
    const name = props.queueName ?? props.clusterQueueName;
    validateName(this, "namespace", props.namespace, NamingRule.DNS1123_LABEL);
    validateName(this, "clusterQueueName", props.clusterQueueName, NamingRule.DNS1123_SUBDOMAIN);
    // The name is used as a label value (kueue.x-k8s.io/queue-name): at most 63 characters.
    validateName(this, "queueName", name, NamingRule.DNS1123_LABEL);
    this.queueName = name;
    this.namespace = props.namespace;
    this.clusterQueueName = props.clusterQueueName;
    const connection = props.connection;
    WorkQueues.register(connection.cluster, props.namespace, name);
    // Lazy: the namespace may be added after the queue, on any connection to the same cluster
    // (usually the platform stack's).
    this.node.addValidation({
      validate: () => (namespaceCreated(this, connection, props.namespace) ? [] : [missingNamespace(this, connection, props.namespace)]),
    });
    this.resource = new CustomResource(this, "Resource", {
      connection: props.connection,
      manifest: {
        apiVersion: API_VERSION,
        kind: "LocalQueue",
        metadata: { name, namespace: props.namespace, labels: { ...MANAGED_BY_LABELS } },
        spec: { clusterQueue: props.clusterQueueName },
      },
    });
  }
}

/** What a Kueue WorkloadPriorityClass is. */
export interface KueueWorkloadPriorityClassOptions {
  /** Name, the value jobs put in their `kueue.x-k8s.io/priority-class` label (a DNS-1123 label). */
  readonly priorityClassName: string;
  /** Priority (a 32-bit integer); higher values are admitted first and may preempt lower ones. */
  readonly value: number;
  /**
   * When to use the class (at most 2048 characters).
   * @default - no description
   */
  readonly description?: string;
}

/** Props of `KueueWorkloadPriorityClass`. */
export interface KueueWorkloadPriorityClassProps extends KueueWorkloadPriorityClassOptions {
  /** The cluster connection of the workloads stack. */
  readonly connection: ClusterConnection;
}

/**
 * A Kueue WorkloadPriorityClass (`kueue.x-k8s.io/v1beta2`): a priority for queueing and preemption
 * that jobs pick with the `kueue.x-k8s.io/priority-class` label, independent of pod priority.
 * Belongs in the workloads stack.
 *
 * @example
 * new KueueWorkloadPriorityClass(workloads, "Production", { connection, priorityClassName: "production", value: 1000 });
 */
export class KueueWorkloadPriorityClass extends Construct {
  /** Name. */
  public readonly priorityClassName: string;
  /** Priority value. */
  public readonly value: number;
  /** The custom resource. */
  public readonly resource: CustomResource;

  constructor(scope: Construct, id: string, props: KueueWorkloadPriorityClassProps) {
    super(scope, id);
    validateName(this, "priorityClassName", props.priorityClassName, NamingRule.DNS1123_LABEL);
    validateInteger(this, "value", props.value, -2147483648, 2147483647);
    if (props.description !== undefined) validateNonEmpty(this, "description", props.description);
    if (props.description !== undefined && !isUnresolved(props.description) && props.description.length > 2048) {
      invalid(this, "description", `${props.description.slice(0, 20)}...`, `must be at most 2048 characters (got ${props.description.length})`);
    }
    this.priorityClassName = props.priorityClassName;
    this.value = props.value;
    this.resource = new CustomResource(this, "Resource", {
      connection: props.connection,
      manifest: {
        apiVersion: API_VERSION,
        kind: "WorkloadPriorityClass",
        metadata: { name: props.priorityClassName, labels: { ...MANAGED_BY_LABELS } },
        value: props.value,
        description: props.description,
      },
    });
  }
}

// -------------------------------------------------------------------------------------------------
// Helpers
// -------------------------------------------------------------------------------------------------

/**
 * True when a connection to `connection`'s cluster anywhere in the app created `namespace` with
 * `addNamespace` (or it is one of the namespaces every cluster has). Unresolved names pass.
 */
function namespaceCreated(scope: Construct, connection: ClusterConnection, namespace: string): boolean {
  if (isUnresolved(namespace) || BUILT_IN_NAMESPACES.includes(namespace)) return true;
  return scope.node.root.node
    .findAll()
    .some((c) => c instanceof ClusterConnection && c.cluster === connection.cluster && c.namespaceResource(namespace) !== undefined);
}

/** The standard error text for a queue namespace no connection creates. */
function missingNamespace(scope: Construct, connection: ClusterConnection, namespace: string): string {
  return (
    `${scope.node.path}: invalid namespace ${JSON.stringify(namespace)}: is not created by any connection to cluster "${connection.cluster.clusterName}"; ` +
    `call addNamespace("${namespace}") on its connection (usually in the platform stack) so the namespace exists before its queues`
  );
}

function poolList(pools: NodePoolInfo[]): string {
  return pools.length === 0 ? "it has none" : `known: ${pools.map((p) => p.name).join(", ")}`;
}
