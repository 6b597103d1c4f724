import { Construct, IConstruct } from "constructs";
import { Gpu } from "./gpu";

/** Which kind of Kubernetes cluster a construct runs on. */
export enum ClusterTarget {
  /** Amazon EKS. */
  AWS_EKS = "aws-eks",
  /** Google Kubernetes Engine. */
  GCP_GKE = "gcp-gke",
  /** An existing cluster reached by kubeconfig (on-prem or any other distribution). */
  ON_PREM = "on-prem",
}

/** Whether a node pool runs on interruptible (spot) or on-demand capacity. */
export enum CapacityType {
  /** On-demand (or owned, on-prem) capacity. */
  ON_DEMAND = "on-demand",
  /** Spot / preemptible capacity that the cloud may reclaim at short notice. */
  SPOT = "spot",
}

/** What a node pool is for; layer constructs pick pools by purpose. */
export enum NodePoolPurpose {
  /** Cluster add-ons and operators (CoreDNS, controllers, Helm-installed operators). */
  SYSTEM = "system",
  /** General CPU workloads. */
  GENERAL = "general",
  /** GPU inference (serving). */
  INFERENCE = "inference",
  /** GPU training (batch, usually spot). */
  TRAINING = "training",
}

/** Kubernetes taint effects. */
export enum TaintEffect {
  /** Pods that do not tolerate the taint are not scheduled. */
  NO_SCHEDULE = "NoSchedule",
  /** The scheduler avoids the node for pods that do not tolerate the taint. */
  PREFER_NO_SCHEDULE = "PreferNoSchedule",
  /** Running pods that do not tolerate the taint are evicted. */
  NO_EXECUTE = "NoExecute",
}

/** A Kubernetes node taint. */
export interface NodeTaint {
  /** Taint key, e.g. `nvidia.com/gpu`. */
  readonly key: string;
  /**
   * Taint value.
   * @default - no value
   */
  readonly value?: string;
  /** Taint effect. */
  readonly effect: TaintEffect;
}

/** A Kubernetes toleration, the pod-side match of a `NodeTaint`. */
export interface Toleration {
  /** Taint key to tolerate. */
  readonly key: string;
  /** `Equal` (key and value match) or `Exists` (key matches). */
  readonly operator: string;
  /**
   * Taint value to match with `Equal`.
   * @default - none (with `Exists`)
   */
  readonly value?: string;
  /** Effect to tolerate. */
  readonly effect: TaintEffect;
}

/**
 * What a cluster knows about one of its node pools. Layer constructs read this to place
 * workloads: node selectors from `labels`, tolerations from `taints`, quotas from GPU counts.
 */
export interface NodePoolInfo {
  /** Pool name, unique in its cluster. */
  readonly name: string;
  /** What the pool is for. */
  readonly purpose: NodePoolPurpose;
  /** Spot or on-demand. */
  readonly capacityType: CapacityType;
  /** Labels every node of the pool carries (use them as a node selector). */
  readonly labels: { [key: string]: string };
  /** Taints every node of the pool carries. */
  readonly taints: NodeTaint[];
  /** Minimum number of nodes. */
  readonly minNodes: number;
  /** Maximum number of nodes. */
  readonly maxNodes: number;
  /**
   * The GPU on each node.
   * @default - a CPU-only pool
   */
  readonly gpu?: Gpu;
  /**
   * GPUs per node.
   * @default 0
   */
  readonly gpusPerNode?: number;
  /**
   * Instance or machine types of the pool's nodes (empty on-prem).
   * @default - none declared
   */
  readonly instanceTypes?: string[];
}

/**
 * Resource requests of the pods a Strata construct adds to a cluster's system nodes (operators,
 * controllers, add-ons). Clusters add them up to size and check their system capacity: every GPU
 * node is tainted, so platform pods land on the system pool.
 */
export interface SystemWorkload {
  /** What the pods are, e.g. `kueue-controller-manager` (unique per cluster). */
  readonly name: string;
  /** CPU request of one pod, in millicores. */
  readonly cpuMillis: number;
  /** Memory request of one pod, in MiB. */
  readonly memoryMiB: number;
  /**
   * Number of pods. Ignored for a DaemonSet (`perNode`).
   * @default 1
   */
  readonly replicas?: number;
  /**
   * A DaemonSet: one pod on every system node.
   * @default false
   */
  readonly perNode?: boolean;
}

/** Which kind of identity a workload identity is. */
export enum WorkloadIdentityKind {
  /** An AWS IAM role assumed through EKS Pod Identity or IRSA. */
  AWS_IAM_ROLE = "aws-iam-role",
  /** A Google service account impersonated through GKE Workload Identity. */
  GCP_SERVICE_ACCOUNT = "gcp-service-account",
  /** A Kubernetes Secret holding credentials (on-prem, where there is no cloud identity). */
  KUBERNETES_SECRET = "kubernetes-secret",
}

/** Where a workload identity is used: a Kubernetes service account in a namespace. */
export interface WorkloadIdentityOptions {
  /** Namespace of the Kubernetes service account (a DNS-1123 label). */
  readonly namespace: string;
  /** Name of the Kubernetes service account (a DNS-1123 subdomain). */
  readonly serviceAccountName: string;
  /**
   * On-prem only: name of the Secret that holds the workload's credentials.
   * @default `${serviceAccountName}-credentials`
   */
  readonly credentialsSecretName?: string;
}

/**
 * A Kubernetes service account bound to cloud permissions. Data, model and serving
 * constructs grant access to an identity, never to static keys.
 */
export interface IWorkloadIdentity extends IConstruct {
  /** The kind of identity. */
  readonly kind: WorkloadIdentityKind;
  /** Namespace of the Kubernetes service account. */
  readonly namespace: string;
  /** Name of the Kubernetes service account. */
  readonly serviceAccountName: string;
  /** Annotations the Kubernetes service account needs (e.g. `iam.gke.io/gcp-service-account`). */
  readonly serviceAccountAnnotations: { [key: string]: string };
  /** AWS: ARN of the IAM role; undefined for other kinds. */
  readonly awsRoleArn?: string;
  /** AWS: name of the IAM role; undefined for other kinds. */
  readonly awsRoleName?: string;
  /** GCP: email of the Google service account; undefined for other kinds. */
  readonly gcpServiceAccountEmail?: string;
  /** On-prem: name of the Secret holding the credentials; undefined for other kinds. */
  readonly credentialsSecretName?: string;
}

/** How a later stack authenticates to the cluster's API server. */
export enum ClusterAuthentication {
  /**
   * An exec credential plugin run by Terraform on every call (`aws eks get-token`,
   * `gke-gcloud-auth-plugin`): tokens never expire mid-apply. Needs the CLI where
   * `cdktf deploy` runs. Ignored on-prem (kubeconfig).
   */
  EXEC_PLUGIN = "exec-plugin",
  /**
   * A short-lived token read by a data source in the later stack (`aws_eks_cluster_auth`,
   * `google_client_config`); needs the cloud provider configured in that stack. Tokens last
   * about 15 minutes on EKS.
   */
  DATA_SOURCE_TOKEN = "data-source-token",
}

/** Options for `IKubernetesCluster.connect`. */
export interface ConnectOptions {
  /**
   * Provider alias, needed when one stack talks to more than one cluster. Constructs that
   * take the connection set `provider` on every resource, so aliased connections work everywhere.
   * @default - the stack's default kubernetes and helm providers
   */
  readonly alias?: string;
  /**
   * How Terraform authenticates to the API server.
   * @default ClusterAuthentication.EXEC_PLUGIN
   */
  readonly authentication?: ClusterAuthentication;
}

/**
 * How to reach a cluster's API server: what a kubernetes or helm provider needs.
 * Produced by a cluster for a given later stack.
 */
export interface ClusterAccess {
  /**
   * API server URL.
   * @default - taken from the kubeconfig
   */
  readonly host?: string;
  /**
   * PEM-encoded cluster CA certificate (not base64).
   * @default - taken from the kubeconfig
   */
  readonly clusterCaCertificate?: string;
  /**
   * Bearer token.
   * @default - none
   */
  readonly token?: string;
  /**
   * Exec plugin command.
   * @default - no exec plugin
   */
  readonly execCommand?: string;
  /**
   * Exec plugin arguments.
   * @default []
   */
  readonly execArgs?: string[];
  /**
   * Kubeconfig path.
   * @default - none
   */
  readonly configPath?: string;
  /**
   * Kubeconfig context.
   * @default - none
   */
  readonly configContext?: string;
}

/**
 * The Kubernetes-cluster contract: what layer constructs may use of a cluster, whatever
 * cloud (or none) it runs on. Implemented by `EksCluster`, `GkeCluster` and `ExistingCluster`.
 */
export interface IKubernetesCluster extends IConstruct {
  /** Cluster name. */
  readonly clusterName: string;
  /** Which kind of cluster this is. */
  readonly target: ClusterTarget;
  /** The node pools the cluster has (system pool, GPU pools, declared on-prem GPU nodes). */
  readonly nodePools: NodePoolInfo[];

  /**
   * Registers a node pool created outside the cluster construct (for example by a compute-layer
   * construct) so that later layers can schedule onto it. Pool names must be unique.
   */
  registerNodePool(pool: NodePoolInfo): void;

  /**
   * The system workloads Strata constructs registered (see `addSystemWorkload`), in order.
   */
  readonly systemWorkloads: SystemWorkload[];

  /**
   * Records the requests of pods that a construct adds to the system nodes, so the cluster can
   * size its system pool and warn when its declared system capacity is below them. Names are
   * unique per cluster.
   */
  addSystemWorkload(workload: SystemWorkload): void;

  /**
   * Binds a Kubernetes service account to a cloud identity (EKS Pod Identity or IRSA role,
   * GKE Workload Identity service account, or an on-prem credentials Secret). The cloud side is
   * created in the cluster's stack; create the service account itself with
   * `ClusterConnection.addServiceAccount` in a later stack.
   */
  addWorkloadIdentity(id: string, options: WorkloadIdentityOptions): IWorkloadIdentity;

  /**
   * How a provider in `scope`'s stack reaches the API server. Values from the cluster's own
   * stack become cross-stack references.
   */
  accessFor(scope: Construct, authentication: ClusterAuthentication): ClusterAccess;
}
