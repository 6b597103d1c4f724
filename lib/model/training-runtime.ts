import { Construct } from "constructs";
import { NamespaceV1 } from "@cdktf/provider-kubernetes/lib/namespace-v1";
import { ClusterConnection, NamespaceIsolation, PodSecurityLevel } from "../core/connection";
import { HelmChart, PinnedChart } from "../core/helm-chart";
import { MANAGED_BY_LABELS } from "../core/labels";
import { Scheduling } from "../core/scheduling";
import { TorchDistributedRuntime, TorchDistributedRuntimeOptions } from "./torch-distributed-runtime";
import { invalid, validateInteger, validateNamespaceName, validateNonEmpty } from "../core/validation";
import { systemPool } from "./operator-internal";

/**
 * Controller image tag. The chart's `image.tag` defaults to "the chart version formatted for the
 * image tag"; Strata pins it. Kubeflow Trainer release images are tagged `v<version>`
 * (`ghcr.io/kubeflow/trainer/trainer-controller-manager:v2.3.0`): taken from the chart's comment
 * and the upstream release naming, not pulled here (no registry access).
 */
const IMAGE_TAG = `v${PinnedChart.KUBEFLOW_TRAINER.version}`;
/** Requests/limits of the controller (the chart sets none; its commented example is 100m / 300Mi). */
const MANAGER_RESOURCES = { requests: { cpu: "100m", memory: "300Mi" }, limits: { memory: "600Mi" } };
/** System-workload names registered on the cluster. */
const MANAGER_WORKLOAD = "kubeflow-trainer-controller-manager";
/**
 * The JobSet controller the chart installs as a dependency (`jobset.install: true`). Its requests
 * are the JobSet chart's defaults (500m CPU, 128Mi); the Trainer chart's values expose no keys for
 * its placement, so it is scheduled on any node it tolerates (GPU pools are tainted, so not there).
 */
const JOBSET_WORKLOAD = "jobset-controller-manager";

/** Props of `TrainingRuntime`. */
export interface TrainingRuntimeProps {
  /** The cluster connection of the platform stack. */
  readonly connection: ClusterConnection;
  /**
   * Install JobSet (which TrainJobs run as) with the chart. Set false only when JobSet is already
   * installed on the cluster by other means: two JobSet controllers conflict.
   * @default true
   */
  readonly installJobSet?: boolean;
  /**
   * Node pool the Trainer controller runs on (its labels become the node selector, its taints are tolerated).
   * @default - the cluster's first SYSTEM pool; no node selector when it has none (on-prem)
   */
  readonly systemPoolName?: string;
  /**
   * Namespace to create and install into.
   * @default "kubeflow-system"
   */
  readonly namespace?: string;
  /**
   * Helm release name.
   * @default "kubeflow-trainer"
   */
  readonly releaseName?: string;
  /**
   * Seconds to wait for the release to become ready.
   * @default 900
   */
  readonly timeoutSeconds?: number;
}

/**
 * Installs Kubeflow Trainer v2.3.0 (chart `kubeflow-trainer` 2.3.0) in the platform stack: the
 * controller with its admission webhook (certificates managed by the controller itself,
 * `manager.config.certManagement.enable`, so cert-manager is not needed), and JobSet as the chart's
 * dependency. The controller image is pinned (`ghcr.io/kubeflow/trainer/trainer-controller-manager:v2.3.0`),
 * runs non-root with resource requests on the system pool, in a namespace that enforces the
 * restricted Pod Security Standard.
 *
 * The chart's built-in ClusterTrainingRuntimes stay off (`runtimes.defaultEnabled: false`, the
 * default): they would be applied by a post-install hook Job that installs `kubectl` from the
 * network at run time. Strata emits its own runtime instead, in the workloads stack:
 * `addTorchDistributedRuntime` (PyTorch distributed with torchrun, with Strata's pod defaults).
 *
 * @example
 * const trainer = new TrainingRuntime(platform, "Trainer", { connection: cluster.connect(platform, "Conn") });
 * const torch = trainer.addTorchDistributedRuntime(workloads, "Torch", { connection: cluster.connect(workloads, "Conn") });
 */
export class TrainingRuntime extends Construct {
  /** API version of the Trainer custom resources. */
  public static readonly API_VERSION = "trainer.kubeflow.org/v1alpha1";
  /** The controller image the release runs. */
  public static readonly IMAGE = `ghcr.io/kubeflow/trainer/trainer-controller-manager:${IMAGE_TAG}`;

  /** The Helm release. */
  public readonly chart: HelmChart;
  /** Namespace the controller runs in. */
  public readonly namespace: string;
  /** The namespace resource. */
  public readonly namespaceResource: NamespaceV1;
  /** The connection the chart is installed through. */
  public readonly connection: ClusterConnection;

  constructor(scope: Construct, id: string, props: TrainingRuntimeProps) {
    super(scope, id);
    if (!(props.connection instanceof ClusterConnection)) {
      invalid(this, "connection", props.connection, "must be a ClusterConnection (cluster.connect(platformStack, ...))");
    }
    const namespace = props.namespace ?? "kubeflow-system";
    const releaseName = props.releaseName ?? "kubeflow-trainer";
    validateNamespaceName(this, "namespace", namespace);
    validateNonEmpty(this, "releaseName", releaseName);
    validateInteger(this, "timeoutSeconds", props.timeoutSeconds, 1, 86400);
    if (props.installJobSet !== undefined && typeof props.installJobSet !== "boolean") {
      invalid(this, "installJobSet", props.installJobSet, "must be a boolean");
    }
    const installJobSet = props.installJobSet ?? true;

    const cluster = props.connection.cluster;
    const pool = systemPool(this, cluster, props.systemPoolName);
    if (cluster.systemWorkloads.some((w) => w.name === MANAGER_WORKLOAD)) {
      invalid(this, "connection.cluster", cluster.clusterName, "already has Kubeflow Trainer installed by Strata; install it once per cluster (its CRDs and webhooks are cluster-wide)");
    }
    if (props.connection.namespaceResource(namespace)) {
      invalid(this, "namespace", namespace, `is already created on connection ${props.connection.node.path}; the Trainer creates its own namespace: remove that addNamespace call or choose another namespace`);
    }
    // The controller runs non-root, no escalation, all capabilities dropped, seccomp RuntimeDefault
    // (the chart's securityContext); the JobSet chart's pods do the same. No default-deny policy: the
    // API server must reach both webhooks.
    this.namespaceResource = props.connection.addNamespace(namespace, { podSecurity: PodSecurityLevel.RESTRICTED, isolation: NamespaceIsolation.NONE });
    this.namespace = namespace;
    this.connection = props.connection;

    const manager: Record<string, any> = { replicas: 1, resources: MANAGER_RESOURCES };
    if (pool) {
      manager.nodeSelector = Scheduling.nodeSelectorFor(pool);
      const tolerations = Scheduling.tolerationsFor(pool);
      if (tolerations.length > 0) manager.tolerations = tolerations;
    }
    const values = {
      image: { tag: IMAGE_TAG, pullPolicy: "IfNotPresent" },
      crds: { enabled: true },
      jobset: { install: installJobSet },
      commonLabels: { ...MANAGED_BY_LABELS },
      manager,
      // Off (the chart's default, set explicitly): see the class comment.
      runtimes: { defaultEnabled: false },
      dataCache: { enabled: false },
    };

    cluster.addSystemWorkload({ name: MANAGER_WORKLOAD, cpuMillis: 100, memoryMiB: 300, replicas: 1 });
    if (installJobSet) cluster.addSystemWorkload({ name: JOBSET_WORKLOAD, cpuMillis: 500, memoryMiB: 128, replicas: 1 });

    this.chart = new HelmChart(this, "Chart", {
      connection: props.connection,
      chart: PinnedChart.KUBEFLOW_TRAINER,
      releaseName,
      namespace: this.namespaceResource.metadata.name,
      values,
      timeoutSeconds: props.timeoutSeconds,
    });
  }

  /**
   * Adds Strata's PyTorch distributed (torchrun) `ClusterTrainingRuntime` through `options.connection`,
   * a connection of a later (workloads) stack; `scope` should be in that stack.
   */
  public addTorchDistributedRuntime(scope: Construct, id: string, options: TorchDistributedRuntimeOptions): TorchDistributedRuntime {
    if (options?.connection?.cluster !== undefined && options.connection.cluster !== this.connection.cluster) {
      invalid(this, "connection", options.connection.node.path, `must connect to the cluster the Trainer is installed on ("${this.connection.cluster.clusterName}")`);
    }
    return new TorchDistributedRuntime(scope, id, options);
  }
}
