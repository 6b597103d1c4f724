import { Construct } from "constructs";
import { NamespaceV1 } from "@cdktf/provider-kubernetes/lib/namespace-v1";
import { ClusterConnection, NamespaceIsolation, PodSecurityLevel } from "../core/connection";
import { HelmChart, PinnedChart } from "../core/helm-chart";
import { Scheduling } from "../core/scheduling";
import { invalid, validateInteger, validateNamespaceName, validateNonEmpty } from "../core/validation";
import { systemPool } from "./operator-internal";

/** Operator image tag (the chart's appVersion, pinned here so a chart default change is visible). */
const IMAGE_TAG = "1.30.0";
/** System-workload name registered on the cluster. */
const WORKLOAD = "cloudnative-pg-operator";
/** Requests/limits of one operator pod (the chart sets none). */
const RESOURCES = { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "512Mi" } };

/** Props of `CloudNativePgOperator`. */
export interface CloudNativePgOperatorProps {
  /** The cluster connection of the platform stack. */
  readonly connection: ClusterConnection;
  /**
   * Operator replicas (1 to 3; leader election keeps one active).
   * @default 1
   */
  readonly replicas?: number;
  /**
   * Node pool the operator runs on (its labels become the node selector, its taints are tolerated).
   * @default - the cluster's first SYSTEM pool; no node selector when it has none (on-prem)
   */
  readonly systemPoolName?: string;
  /**
   * Namespace to create and install the operator into.
   * @default "cnpg-system"
   */
  readonly namespace?: string;
  /**
   * Helm release name.
   * @default "cnpg"
   */
  readonly releaseName?: string;
  /**
   * Seconds to wait for the release to become ready.
   * @default 900
   */
  readonly timeoutSeconds?: number;
}

/**
 * Installs the CloudNativePG operator 1.30.0 (chart `cloudnative-pg` 0.29.0) in the platform
 * stack: its CRDs (Cluster, ScheduledBackup, Backup, ...), the controller and its webhooks, non-root
 * with a read-only root filesystem (the chart's defaults), with resource requests, on the system
 * pool, watching every namespace. `CloudNativePgDatabase`s go in a later (workloads) stack.
 *
 * @example
 * const cnpg = new CloudNativePgOperator(platform, "Cnpg", { connection: platformConnection });
 */
export class CloudNativePgOperator extends Construct {
  /** API version of the CloudNativePG custom resources. */
  public static readonly API_VERSION = "postgresql.cnpg.io/v1";
  /** The operator image the release runs. */
  public static readonly IMAGE = `ghcr.io/cloudnative-pg/cloudnative-pg:${IMAGE_TAG}`;

  /** The Helm release. */
  public readonly chart: HelmChart;
  /** Namespace the operator runs in. */
  public readonly namespace: string;
  /** The namespace resource of the operator. */
  public readonly namespaceResource: NamespaceV1;
  /** The connection the operator is installed through. */
  public readonly connection: ClusterConnection;

  constructor(scope: Construct, id: string, props: CloudNativePgOperatorProps) {
    super(scope, id);
    if (!(props.connection instanceof ClusterConnection)) {
      invalid(this, "connection", props.connection, "must be a ClusterConnection (cluster.connect(platformStack, ...))");
    }
    const replicas = props.replicas ?? 1;
    const namespace = props.namespace ?? "cnpg-system";
    const releaseName = props.releaseName ?? "cnpg";
    validateInteger(this, "replicas", replicas, 1, 3);
    validateNamespaceName(this, "namespace", namespace);
    validateNonEmpty(this, "releaseName", releaseName);
    validateInteger(this, "timeoutSeconds", props.timeoutSeconds, 1, 86400);

    const cluster = props.connection.cluster;
    const pool = systemPool(this, cluster, props.systemPoolName);
    if (cluster.systemWorkloads.some((w) => w.name === WORKLOAD)) {
      invalid(this, "connection.cluster", cluster.clusterName, "already has the CloudNativePG operator installed by Strata; install it once per cluster (its CRDs and webhooks are cluster-wide)");
    }
    if (props.connection.namespaceResource(namespace)) {
      invalid(this, "namespace", namespace, `is already created on connection ${props.connection.node.path}; the CloudNativePG operator creates its own namespace: choose another namespace`);
    }
    // The chart's pod is non-root, all capabilities dropped, seccomp RuntimeDefault: restricted.
    // No default-deny policy: the API server must reach the webhook, and the operator reaches instance pods.
    this.namespaceResource = props.connection.addNamespace(namespace, { podSecurity: PodSecurityLevel.RESTRICTED, isolation: NamespaceIsolation.NONE });
    this.namespace = namespace;
    this.connection = props.connection;

    const placement: Record<string, any> = {};
    if (pool) {
      placement.nodeSelector = Scheduling.nodeSelectorFor(pool);
      const tolerations = Scheduling.tolerationsFor(pool);
      if (tolerations.length > 0) placement.tolerations = tolerations;
    }
    cluster.addSystemWorkload({ name: WORKLOAD, cpuMillis: 100, memoryMiB: 256, replicas });

    this.chart = new HelmChart(this, "Chart", {
      connection: props.connection,
      chart: PinnedChart.CLOUDNATIVE_PG,
      releaseName,
      namespace: this.namespaceResource.metadata.name,
      values: {
        replicaCount: replicas,
        image: { tag: IMAGE_TAG },
        crds: { create: true },
        config: { clusterWide: true },
        resources: RESOURCES,
        ...placement,
      },
      timeoutSeconds: props.timeoutSeconds,
    });
  }
}
