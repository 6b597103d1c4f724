import { Construct } from "constructs";
import {
  CapacityType,
  ClusterAccess,
  ClusterAuthentication,
  ClusterTarget,
  ConnectOptions,
  IKubernetesCluster,
  IWorkloadIdentity,
  NodePoolInfo,
  NodePoolPurpose,
  NodeTaint,
  SystemWorkload,
  TaintEffect,
  WorkloadIdentityKind,
  WorkloadIdentityOptions,
} from "../core/cluster";
import { ClusterConnection } from "../core/connection";
import { Gpu } from "../core/gpu";
import { GPU_PRODUCT_LABEL } from "../core/labels";
import { NamingRule, validateName } from "../core/naming";
import { assertNewWorkloadIdentity, NodePoolRegistry } from "../core/node-pools";
import {
  invalid,
  isUnresolved,
  validateEnum,
  validateInteger,
  validateLabels,
  validateLabelValue,
  validateList,
  validateNonEmpty,
  validateTaintKey,
} from "../core/validation";

/** GPU nodes that already exist in an on-prem cluster, declared so later layers can schedule onto them. */
export interface ExistingGpuNodes {
  /** Name of this group of nodes (a DNS-1123 label, unique in the cluster). */
  readonly name: string;
  /** The GPU model on these nodes. */
  readonly gpu: Gpu;
  /** Number of nodes in the group. */
  readonly nodeCount: number;
  /** GPUs per node (1-16). */
  readonly gpusPerNode: number;
  /**
   * What the nodes are for.
   * @default NodePoolPurpose.INFERENCE
   */
  readonly purpose?: NodePoolPurpose;
  /**
   * Labels that select exactly these nodes. Must include `nvidia.com/gpu.product` when given.
   * @default { "nvidia.com/gpu.product": gpu.productLabel } (as set by GPU feature discovery)
   */
  readonly nodeSelector?: { [key: string]: string };
  /**
   * Taints the nodes carry (declare what exists; nothing is applied to the nodes).
   * @default - none
   */
  readonly taints?: NodeTaint[];
}

/** Props of `ExistingCluster`. */
export interface ExistingClusterProps {
  /** A name for the cluster (a DNS-1123 label), used in resource names and reports. */
  readonly clusterName: string;
  /** The kubeconfig context that reaches the cluster (required: the current context is never assumed). */
  readonly kubeconfigContext: string;
  /**
   * Path of the kubeconfig file on the machine that runs `cdktf deploy`.
   * @default "~/.kube/config"
   */
  readonly kubeconfigPath?: string;
  /**
   * The GPU nodes the cluster has.
   * @default - no GPU nodes
   */
  readonly gpuNodes?: ExistingGpuNodes[];
}

/** Props of `OnPremWorkloadIdentity`. */
export interface OnPremWorkloadIdentityProps extends WorkloadIdentityOptions {}

/**
 * The identity of a workload on an on-prem cluster: a Kubernetes service account and the
 * Secret that holds its credentials for on-prem services (an S3-compatible store, a database).
 * No cloud resources are created; the Secret is provisioned by the team that owns the store.
 *
 * @example
 * const id = onprem.addWorkloadIdentity("Trainer", { namespace: "training", serviceAccountName: "trainer" });
 * id.credentialsSecretName; // "trainer-credentials"
 */
export class OnPremWorkloadIdentity extends Construct implements IWorkloadIdentity {
  /** Always `WorkloadIdentityKind.KUBERNETES_SECRET`. */
  public readonly kind = WorkloadIdentityKind.KUBERNETES_SECRET;
  /** Namespace of the service account. */
  public readonly namespace: string;
  /** Name of the service account. */
  public readonly serviceAccountName: string;
  /** Name of the credentials Secret in the same namespace. */
  public readonly credentialsSecretName?: string;
  /** None: on-prem service accounts need no annotations. */
  public readonly serviceAccountAnnotations: { [key: string]: string } = {};

  constructor(scope: Construct, id: string, props: OnPremWorkloadIdentityProps) {
    super(scope, id);
    validateName(this, "namespace", props.namespace, NamingRule.DNS1123_LABEL);
    validateName(this, "serviceAccountName", props.serviceAccountName, NamingRule.DNS1123_SUBDOMAIN);
    const secret = props.credentialsSecretName ?? `${props.serviceAccountName}-credentials`;
    validateName(this, "credentialsSecretName", secret, NamingRule.DNS1123_SUBDOMAIN);
    this.namespace = props.namespace;
    this.serviceAccountName = props.serviceAccountName;
    this.credentialsSecretName = secret;
  }
}

/**
 * An existing Kubernetes cluster (on-prem, or any distribution) reached by kubeconfig path and
 * context. Creates no resources and needs no cloud account: it declares the GPU nodes the
 * cluster has so later layers can schedule onto them by label, and wires the kubernetes and helm
 * providers of later stacks to the kubeconfig.
 *
 * @example
 * const onprem = new ExistingCluster(infra, "OnPrem", {
 *   clusterName: "dc1",
 *   kubeconfigContext: "dc1-admin",
 *   gpuNodes: [{ name: "l40s", gpu: Gpu.NVIDIA_L40S, nodeCount: 4, gpusPerNode: 8 }],
 * });
 */
export class ExistingCluster extends Construct implements IKubernetesCluster {
  /** Always `ClusterTarget.ON_PREM`. */
  public readonly target = ClusterTarget.ON_PREM;
  /** Cluster name. */
  public readonly clusterName: string;
  /** Kubeconfig path. */
  public readonly kubeconfigPath: string;
  /** Kubeconfig context. */
  public readonly kubeconfigContext: string;
  private readonly pools: NodePoolRegistry;

  constructor(scope: Construct, id: string, props: ExistingClusterProps) {
    super(scope, id);
    validateName(this, "clusterName", props.clusterName, NamingRule.DNS1123_LABEL);
    if (props.kubeconfigContext === undefined) {
      invalid(this, "kubeconfigContext", undefined, "is required: name the kubeconfig context that reaches the cluster (the current context is never assumed)");
    }
    validateNonEmpty(this, "kubeconfigContext", props.kubeconfigContext);
    const path = props.kubeconfigPath ?? "~/.kube/config";
    validateNonEmpty(this, "kubeconfigPath", path);
    this.clusterName = props.clusterName;
    this.kubeconfigPath = path;
    this.kubeconfigContext = props.kubeconfigContext;
    this.pools = new NodePoolRegistry(this);

    validateList(this, "gpuNodes", props.gpuNodes, '[{ name: "l4", gpu: Gpu.NVIDIA_L4, nodeCount: 2, gpusPerNode: 1 }]');
    (props.gpuNodes ?? []).forEach((group, i) => this.declareGpuNodes(group, `gpuNodes[${i}]`));
  }

  /** The declared node pools (one per GPU node group). */
  public get nodePools(): NodePoolInfo[] {
    return this.pools.all();
  }

  /** Declares another group of existing GPU nodes. */
  public addGpuNodes(group: ExistingGpuNodes): void {
    this.declareGpuNodes(group, `gpuNodes["${group.name}"]`);
  }

  /** The system workloads Strata constructs registered on this cluster. */
  public get systemWorkloads(): SystemWorkload[] {
    return this.pools.systemWorkloads();
  }

  /** Records the requests of pods a construct adds to the cluster's nodes (names must be unique). */
  public addSystemWorkload(workload: SystemWorkload): void {
    this.pools.addSystemWorkload(workload);
  }

  /** Registers a node pool declared by another construct (names must be unique). */
  public registerNodePool(pool: NodePoolInfo): void {
    this.pools.register(pool);
  }

  /**
   * Declares the identity of a workload: a service account and its credentials Secret
   * (`credentialsSecretName`, default `<serviceAccountName>-credentials`).
   */
  public addWorkloadIdentity(id: string, options: WorkloadIdentityOptions): IWorkloadIdentity {
    assertNewWorkloadIdentity(this, options.namespace, options.serviceAccountName);
    return new OnPremWorkloadIdentity(this, id, options);
  }

  /** Provider wiring from the kubeconfig; `authentication` does not apply on-prem. */
  public accessFor(_scope: Construct, _authentication: ClusterAuthentication): ClusterAccess {
    return { configPath: this.kubeconfigPath, configContext: this.kubeconfigContext };
  }

  /** Creates a `ClusterConnection` in `scope`: kubernetes and helm providers using the kubeconfig. */
  public connect(scope: Construct, id: string, options: ConnectOptions = {}): ClusterConnection {
    return new ClusterConnection(scope, id, { cluster: this, ...options });
  }

  private declareGpuNodes(group: ExistingGpuNodes, prop: string): void {
    if (group === null || typeof group !== "object" || Array.isArray(group)) {
      invalid(this, prop, group, 'must be a GPU node group such as { name: "l4", gpu: Gpu.NVIDIA_L4, nodeCount: 2, gpusPerNode: 1 }');
    }
    if (!(group.gpu instanceof Gpu)) {
      invalid(this, `${prop}.gpu`, group.gpu, "must be a Gpu of the catalog, such as Gpu.NVIDIA_L4 (or Gpu.fromProductLabel(...))");
    }
    validateInteger(this, `${prop}.nodeCount`, group.nodeCount, 1);
    validateInteger(this, `${prop}.gpusPerNode`, group.gpusPerNode, 1, 16);
    validateEnum(this, `${prop}.purpose`, group.purpose, NodePoolPurpose, "NodePoolPurpose");
    validateLabels(this, `${prop}.nodeSelector`, group.nodeSelector);
    validateList(this, `${prop}.taints`, group.taints, "[Scheduling.gpuTaint()]");
    (group.taints ?? []).forEach((taint, j) => {
      const at = `${prop}.taints[${j}]`;
      if (taint === null || typeof taint !== "object" || Array.isArray(taint)) {
        invalid(this, at, taint, 'must be a taint such as { key: "nvidia.com/gpu", value: "present", effect: TaintEffect.NO_SCHEDULE }');
      }
      validateTaintKey(this, `${at}.key`, taint.key);
      if (taint.key === undefined) invalid(this, `${at}.key`, taint.key, "is required: a taint key such as \"nvidia.com/gpu\"");
      validateLabelValue(this, `${at}.value`, taint.value);
      validateEnum(this, `${at}.effect`, taint.effect, TaintEffect, "TaintEffect");
      if (taint.effect === undefined) invalid(this, `${at}.effect`, taint.effect, "is required: TaintEffect.NO_SCHEDULE, PREFER_NO_SCHEDULE or NO_EXECUTE");
    });
    const selector = group.nodeSelector ?? { [GPU_PRODUCT_LABEL]: group.gpu.productLabel };
    const product = selector[GPU_PRODUCT_LABEL];
    if (product === undefined) {
      invalid(this, `${prop}.nodeSelector`, selector, `must include the "${GPU_PRODUCT_LABEL}" label`);
    }
    if (!isUnresolved(product) && !group.gpu.productLabels.includes(product)) {
      invalid(
        this,
        `${prop}.nodeSelector["${GPU_PRODUCT_LABEL}"]`,
        product,
        `does not match the GPU ${group.gpu.displayName}, whose nodes carry ${group.gpu.productLabels.map((l) => `"${l}"`).join(" or ")}`,
      );
    }
    this.pools.register({
      name: group.name,
      purpose: group.purpose ?? NodePoolPurpose.INFERENCE,
      capacityType: CapacityType.ON_DEMAND,
      labels: selector,
      taints: group.taints ?? [],
      minNodes: group.nodeCount,
      maxNodes: group.nodeCount,
      gpu: group.gpu,
      gpusPerNode: group.gpusPerNode,
      instanceTypes: [],
    });
  }
}
