import { Construct } from "constructs";
import { NamespaceV1 } from "@cdktf/provider-kubernetes/lib/namespace-v1";
import { NodePoolInfo, NodePoolPurpose } from "../core/cluster";
import { ClusterConnection, NamespaceIsolation, PodSecurityLevel } from "../core/connection";
import { HelmChart, PinnedChart } from "../core/helm-chart";
import { Scheduling } from "../core/scheduling";
import {
  invalid,
  isUnresolved,
  validateInteger,
  validateNamespaceName,
  validateNonEmpty,
  validateStringList,
  validateUniqueList,
} from "../core/validation";

/**
 * Controller image tag. The chart's `image.tag` defaults to the chart's appVersion; Strata pins it.
 * The operator's release images are tagged without a leading "v" (`2.5.2`); if a registry mirror
 * uses another scheme, override nothing here: mirror the tag.
 */
const IMAGE_TAG = "2.5.2";
/** Built-in namespaces: used as job namespaces without being created. */
const BUILT_IN_NAMESPACES = ["default"];
/** Requests/limits of one controller pod (the chart sets none). */
const CONTROLLER_RESOURCES = { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "512Mi" } };
/** Requests/limits of one webhook pod (the chart sets none). */
const WEBHOOK_RESOURCES = { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "256Mi" } };
/** System-workload names registered on the cluster. */
const CONTROLLER_WORKLOAD = "spark-operator-controller";
const WEBHOOK_WORKLOAD = "spark-operator-webhook";

/** Props of `SparkOperator`. */
export interface SparkOperatorProps {
  /** The cluster connection of the platform stack. */
  readonly connection: ClusterConnection;
  /**
   * Namespaces that run Spark jobs (`spark.jobNamespaces`): the operator and its webhook act only
   * there. Each is created (restricted Pod Security, default-deny ingress from other namespaces)
   * unless it is `default` or already created through this connection.
   * @default ["spark-jobs"]
   */
  readonly jobNamespaces?: string[];
  /**
   * Replicas of the controller and of the webhook. With 2 or more, PodDisruptionBudgets
   * (`minAvailable: 1`) are added; leader election keeps one controller active.
   * @default 2
   */
  readonly replicas?: number;
  /**
   * Node pool the controller and webhook run on (its labels become the node selector, its taints
   * are tolerated).
   * @default - the cluster's first SYSTEM pool; no node selector when it has none (on-prem)
   */
  readonly systemPoolName?: string;
  /**
   * Namespace to create and install the operator into.
   * @default "spark-operator"
   */
  readonly namespace?: string;
  /**
   * Helm release name.
   * @default "spark-operator"
   */
  readonly releaseName?: string;
  /**
   * Seconds to wait for the release to become ready.
   * @default 900
   */
  readonly timeoutSeconds?: number;
}

/**
 * Installs the Kubeflow Spark operator 2.5.2 (chart `spark-operator`) in the platform stack: the
 * controller and its mutating/validating webhook (which applies the pods' security context, node
 * affinity and tolerations), both non-root with a read-only root filesystem, with resource
 * requests, on the system pool, pinned image `ghcr.io/kubeflow/spark-operator/controller:2.5.2`.
 * The chart's shared `spark` service account and Role are not created: every `SparkJob` brings
 * its own service account bound to a workload identity and a Role scoped to its namespace.
 *
 * The chart installs the SparkApplication CRDs, so `SparkJob`s go in a later (workloads) stack.
 *
 * @example
 * const platform = new TerraformStack(app, "platform");
 * new SparkOperator(platform, "Spark", { connection: cluster.connect(platform, "Conn"), jobNamespaces: ["etl"] });
 */
export class SparkOperator extends Construct {
  /** API version of the Spark custom resources. */
  public static readonly API_VERSION = "sparkoperator.k8s.io/v1beta2";
  /** The controller image the release runs. */
  public static readonly IMAGE = `ghcr.io/kubeflow/spark-operator/controller:${IMAGE_TAG}`;

  /** The Helm release. */
  public readonly chart: HelmChart;
  /** Namespace the operator runs in. */
  public readonly namespace: string;
  /** The namespace resource of the operator. */
  public readonly namespaceResource: NamespaceV1;
  /** Namespaces the operator watches for Spark jobs. */
  public readonly jobNamespaces: string[];
  /** The connection the operator is installed through. */
  public readonly connection: ClusterConnection;

  constructor(scope: Construct, id: string, props: SparkOperatorProps) {
    super(scope, id);
    const replicas = props.replicas ?? 2;
    const namespace = props.namespace ?? "spark-operator";
    const releaseName = props.releaseName ?? "spark-operator";
    const jobNamespaces = props.jobNamespaces ?? ["spark-jobs"];
    validateInteger(this, "replicas", replicas, 1, 10);
    validateNamespaceName(this, "namespace", namespace);
    validateNonEmpty(this, "releaseName", releaseName);
    validateInteger(this, "timeoutSeconds", props.timeoutSeconds, 1, 86400);
    validateStringList(this, "jobNamespaces", jobNamespaces, '["spark-jobs"]');
    if (!isUnresolved(jobNamespaces)) {
      if (jobNamespaces.length === 0) invalid(this, "jobNamespaces", jobNamespaces, "must name at least one namespace (the operator watches only these)");
      jobNamespaces.forEach((ns, i) => {
        validateNamespaceName(this, `jobNamespaces[${i}]`, ns);
        if (ns === namespace) invalid(this, `jobNamespaces[${i}]`, ns, "must not be the operator's own namespace: run jobs in a namespace of their own");
      });
      validateUniqueList(this, "jobNamespaces", jobNamespaces, "namespace");
    }
    if (props.systemPoolName !== undefined) validateNonEmpty(this, "systemPoolName", props.systemPoolName);

    const cluster = props.connection.cluster;
    let pool: NodePoolInfo | undefined;
    if (props.systemPoolName !== undefined) {
      pool = cluster.nodePools.find((p) => p.name === props.systemPoolName);
      if (!pool) {
        const names = cluster.nodePools.map((p) => p.name).join(", ") || "none";
        invalid(this, "systemPoolName", props.systemPoolName, `must name a node pool of cluster "${cluster.clusterName}" (pools: ${names})`);
      }
    } else {
      pool = cluster.nodePools.find((p) => p.purpose === NodePoolPurpose.SYSTEM);
    }
    if (cluster.systemWorkloads.some((w) => w.name === CONTROLLER_WORKLOAD)) {
      invalid(this, "connection.cluster", cluster.clusterName, "already has the Spark operator installed by Strata; install it once per cluster (its CRDs and webhooks are cluster-wide)");
    }
    if (props.connection.namespaceResource(namespace)) {
      invalid(this, "namespace", namespace, `is already created on connection ${props.connection.node.path}; the Spark operator creates its own namespace: remove that addNamespace call or choose another namespace`);
    }
    // The chart's pods are non-root with all capabilities dropped and seccomp RuntimeDefault: restricted.
    // No default-deny policy: the API server must reach the webhook on 9443.
    this.namespaceResource = props.connection.addNamespace(namespace, { podSecurity: PodSecurityLevel.RESTRICTED, isolation: NamespaceIsolation.NONE });
    this.namespace = namespace;
    this.connection = props.connection;

    // Job namespaces must exist before the chart creates its webhook configuration for them; their
    // names are read from the namespace resources so that Terraform orders the release after them.
    const jobNamespaceNames = jobNamespaces.map((ns) => {
      if (BUILT_IN_NAMESPACES.includes(ns)) return ns;
      const resource = props.connection.namespaceResource(ns) ?? props.connection.addNamespace(ns);
      return resource.metadata.name;
    });
    this.jobNamespaces = [...jobNamespaces];

    const placement: Record<string, any> = {};
    if (pool) {
      placement.nodeSelector = Scheduling.nodeSelectorFor(pool);
      const tolerations = Scheduling.tolerationsFor(pool);
      if (tolerations.length > 0) placement.tolerations = tolerations;
    }
    const pdb = replicas >= 2 ? { podDisruptionBudget: { enable: true, minAvailable: 1 } } : {};
    const values = {
      image: { tag: IMAGE_TAG },
      controller: { replicas, resources: CONTROLLER_RESOURCES, ...placement, ...pdb },
      webhook: { enable: true, replicas, resources: WEBHOOK_RESOURCES, ...placement, ...pdb },
      spark: {
        jobNamespaces: jobNamespaceNames,
        serviceAccount: { create: false },
        rbac: { create: false },
      },
    };

    cluster.addSystemWorkload({ name: CONTROLLER_WORKLOAD, cpuMillis: 100, memoryMiB: 256, replicas });
    cluster.addSystemWorkload({ name: WEBHOOK_WORKLOAD, cpuMillis: 50, memoryMiB: 128, replicas });

    this.chart = new HelmChart(this, "Chart", {
      connection: props.connection,
      chart: PinnedChart.SPARK_OPERATOR,
      releaseName,
      namespace: this.namespaceResource.metadata.name,
      values,
      timeoutSeconds: props.timeoutSeconds,
    });
  }
}
