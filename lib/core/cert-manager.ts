import { Construct, IConstruct } from "constructs";
import { TerraformResource, TerraformStack } from "cdktf";
import { NamespaceV1 } from "@cdktf/provider-kubernetes/lib/namespace-v1";
import { NodePoolInfo, NodePoolPurpose } from "./cluster";
import { ClusterConnection, NamespaceIsolation, PodSecurityLevel } from "./connection";
import { HelmChart, PinnedChart } from "./helm-chart";
import { Scheduling } from "./scheduling";
import { invalid, validateInteger, validateNamespaceName, validateNonEmpty } from "./validation";

/** Requests/limits of the controller (the chart sets none). */
const CONTROLLER_RESOURCES = { cpuMillis: 50, memoryMiB: 256 };
/** Requests/limits of the webhook. */
const WEBHOOK_RESOURCES = { cpuMillis: 20, memoryMiB: 64 };
/** Requests/limits of the CA injector. */
const CAINJECTOR_RESOURCES = { cpuMillis: 20, memoryMiB: 256 };
/** Requests/limits of the post-install API check Job. */
const STARTUP_CHECK_RESOURCES = { cpuMillis: 10, memoryMiB: 64 };
/** System-workload names registered on the cluster (unique per cluster). */
const CONTROLLER_WORKLOAD = "cert-manager-controller";
const WEBHOOK_WORKLOAD = "cert-manager-webhook";
const CAINJECTOR_WORKLOAD = "cert-manager-cainjector";

/** Props of `CertManager`. */
export interface CertManagerProps {
  /** The cluster connection of the platform stack. */
  readonly connection: ClusterConnection;
  /**
   * Namespace to create and install into.
   * @default "cert-manager"
   */
  readonly namespace?: string;
  /**
   * Helm release name.
   * @default "cert-manager"
   */
  readonly releaseName?: string;
  /**
   * Replicas of the controller, the webhook and the CA injector. With 2 or more, each gets a
   * PodDisruptionBudget (the chart's `minAvailable: 1`); leader election keeps one controller active.
   * @default 2
   */
  readonly replicas?: number;
  /**
   * Node pool the pods run on (its labels become the node selector, its taints are tolerated).
   * @default - the cluster's first SYSTEM pool; no node selector when it has none (on-prem)
   */
  readonly systemPoolName?: string;
  /**
   * Seconds to wait for the release to become ready.
   * @default 600
   */
  readonly timeoutSeconds?: number;
}

/** Something that needs cert-manager on a cluster (see `CertManager.require`). */
interface Requirement {
  readonly scope: IConstruct;
  readonly connection: ClusterConnection;
  readonly what: string;
  readonly dependent?: TerraformResource;
}

/** Requirements per app root, so a CertManager created after its users still orders them. */
const REQUIREMENTS = new WeakMap<IConstruct, Requirement[]>();

/**
 * cert-manager (chart `cert-manager` v1.21.1, images at the chart's appVersion v1.21.1) in the
 * platform stack: the controller, its webhook and the CA injector in a namespace of their own,
 * with the chart's CRDs (`crds.enabled: true`: the chart does not install them by default; kept
 * on uninstall, `crds.keep`). Pods run non-root under the restricted Pod Security profile (the
 * chart's defaults: `runAsNonRoot`, seccomp `RuntimeDefault`, all capabilities dropped, read-only
 * root filesystem), with requests and memory limits, on the system pool, and are registered as
 * system workloads of the cluster. Leader election uses the release's own namespace (the chart's
 * default is `kube-system`).
 *
 * Other constructs that need cert-manager (the SeaweedFS object store's certificates, later
 * KServe) call `CertManager.require`: synth fails with a clear error when no CertManager is
 * installed on that cluster through any connection, and their Helm release is ordered after
 * cert-manager's (`depends_on` in the same stack, a stack dependency otherwise).
 *
 * The chart installs the `cert-manager.io` CRDs, so `Certificate`s and `Issuer`s go in a later
 * (workloads) stack.
 *
 * @example
 * new CertManager(platform, "CertManager", { connection: cluster.connect(platform, "Conn") });
 */
export class CertManager extends Construct {
  /** The pinned chart (`cert-manager` v1.21.1 from https://charts.jetstack.io). */
  public static readonly CHART = PinnedChart.CERT_MANAGER;

  /**
   * Records that `scope` needs cert-manager on `connection`'s cluster. Synth fails (at validation)
   * unless a `CertManager` is installed on that cluster through some connection of the app;
   * `dependent` (a Helm release) is applied after cert-manager's release.
   */
  public static require(scope: Construct, connection: ClusterConnection, what: string, dependent?: TerraformResource): void {
    const root = scope.node.root;
    const list = REQUIREMENTS.get(root) ?? [];
    const requirement: Requirement = { scope, connection, what, dependent };
    list.push(requirement);
    REQUIREMENTS.set(root, list);
    for (const manager of CertManager.installedOn(scope, connection)) manager.order(requirement);
    scope.node.addValidation({
      validate: () =>
        CertManager.installedOn(scope, connection).length > 0
          ? []
          : [
              `${scope.node.path}: invalid connection ${JSON.stringify(connection.cluster.clusterName)}: ${what} needs cert-manager on cluster ` +
                `"${connection.cluster.clusterName}", and no CertManager is installed on it; add new CertManager(platformStack, "CertManager", { connection }) ` +
                "(from the core module) on a connection to that cluster",
            ],
    });
  }

  /** The CertManagers of the app installed on `connection`'s cluster. */
  public static installedOn(scope: IConstruct, connection: ClusterConnection): CertManager[] {
    return scope.node.root.node.findAll().filter((c): c is CertManager => c instanceof CertManager && c.connection.cluster === connection.cluster);
  }

  /** The Helm release. */
  public readonly chart: HelmChart;
  /** Namespace cert-manager runs in. */
  public readonly namespace: string;
  /** The namespace resource. */
  public readonly namespaceResource: NamespaceV1;
  /** The connection cert-manager is installed through. */
  public readonly connection: ClusterConnection;

  constructor(scope: Construct, id: string, props: CertManagerProps) {
    super(scope, id);
    if (props === undefined || props === null || typeof props !== "object") invalid(this, "props", props, "must be a CertManagerProps object");
    if (!(props.connection instanceof ClusterConnection)) {
      invalid(this, "connection", props.connection, "must be a ClusterConnection (cluster.connect(platformStack, ...))");
    }
    const namespace = props.namespace ?? "cert-manager";
    const releaseName = props.releaseName ?? "cert-manager";
    const replicas = props.replicas ?? 2;
    validateNamespaceName(this, "namespace", namespace);
    validateNonEmpty(this, "releaseName", releaseName);
    validateInteger(this, "replicas", replicas, 1, 10);
    validateInteger(this, "timeoutSeconds", props.timeoutSeconds, 1, 86400);
    const cluster = props.connection.cluster;
    let pool: NodePoolInfo | undefined;
    if (props.systemPoolName !== undefined) {
      validateNonEmpty(this, "systemPoolName", props.systemPoolName);
      pool = cluster.nodePools.find((p) => p.name === props.systemPoolName);
      if (!pool) {
        const names = cluster.nodePools.map((p) => p.name).join(", ") || "none";
        invalid(this, "systemPoolName", props.systemPoolName, `must name a node pool of cluster "${cluster.clusterName}" (pools: ${names})`);
      }
    } else {
      pool = cluster.nodePools.find((p) => p.purpose === NodePoolPurpose.SYSTEM);
    }
    if (cluster.systemWorkloads.some((w) => w.name === CONTROLLER_WORKLOAD)) {
      invalid(this, "connection.cluster", cluster.clusterName, "already has cert-manager installed by Strata; install it once per cluster (its CRDs and webhook are cluster-wide)");
    }
    if (props.connection.namespaceResource(namespace)) {
      invalid(this, "namespace", namespace, `is already created on connection ${props.connection.node.path}; CertManager creates its own namespace: remove that addNamespace call or choose another namespace`);
    }
    // The chart's pods meet the restricted profile. No default-deny policy: the API server must
    // reach the webhook (port 10250), from addresses a namespace selector cannot match.
    this.namespaceResource = props.connection.addNamespace(namespace, { podSecurity: PodSecurityLevel.RESTRICTED, isolation: NamespaceIsolation.NONE });
    this.namespace = namespace;
    this.connection = props.connection;

    const placement: Record<string, any> = {};
    if (pool) {
      placement.nodeSelector = { "kubernetes.io/os": "linux", ...Scheduling.nodeSelectorFor(pool) };
      const tolerations = Scheduling.tolerationsFor(pool);
      if (tolerations.length > 0) placement.tolerations = tolerations;
    }
    // `minAvailable` is only documented in comments of the chart's values; its template defaults to
    // `minAvailable: 1` when neither it nor `maxUnavailable` is set (read from the chart, not run here).
    const pdb = replicas >= 2 ? { podDisruptionBudget: { enabled: true } } : {};
    const resources = (r: { cpuMillis: number; memoryMiB: number }) => ({
      requests: { cpu: `${r.cpuMillis}m`, memory: `${r.memoryMiB}Mi` },
      limits: { memory: `${r.memoryMiB}Mi` },
    });
    const values = {
      crds: { enabled: true, keep: true },
      global: { leaderElection: { namespace } },
      replicaCount: replicas,
      resources: resources(CONTROLLER_RESOURCES),
      ...pdb,
      ...placement,
      webhook: { replicaCount: replicas, resources: resources(WEBHOOK_RESOURCES), ...pdb, ...placement },
      cainjector: { enabled: true, replicaCount: replicas, resources: resources(CAINJECTOR_RESOURCES), ...pdb, ...placement },
      startupapicheck: { enabled: true, resources: resources(STARTUP_CHECK_RESOURCES), ...placement },
    };

    cluster.addSystemWorkload({ name: CONTROLLER_WORKLOAD, ...CONTROLLER_RESOURCES, replicas });
    cluster.addSystemWorkload({ name: WEBHOOK_WORKLOAD, ...WEBHOOK_RESOURCES, replicas });
    cluster.addSystemWorkload({ name: CAINJECTOR_WORKLOAD, ...CAINJECTOR_RESOURCES, replicas });

    this.chart = new HelmChart(this, "Chart", {
      connection: props.connection,
      chart: CertManager.CHART,
      releaseName,
      namespace: this.namespaceResource.metadata.name,
      values,
      timeoutSeconds: props.timeoutSeconds ?? 600,
    });

    // Users recorded before this construct existed.
    for (const requirement of REQUIREMENTS.get(this.node.root) ?? []) {
      if (requirement.connection.cluster === cluster) this.order(requirement);
    }
  }

  /** Applies `requirement.dependent` after this release: `depends_on` in one stack, a stack dependency across stacks. */
  private order(requirement: Requirement): void {
    const own = TerraformStack.of(this);
    const theirs = TerraformStack.of(requirement.scope);
    if (own !== theirs) {
      theirs.addDependency(own);
      return;
    }
    const dependent = requirement.dependent;
    if (dependent === undefined) return;
    const fqn = this.chart.release.fqn;
    if (!(dependent.dependsOn ?? []).includes(fqn)) {
      dependent.dependsOn = [...(dependent.dependsOn ?? []), fqn];
    }
  }
}
