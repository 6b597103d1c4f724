import { Construct } from "constructs";
import { Fn, ITerraformDependable, Lazy, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsEksClusterAuth } from "@cdktf/provider-aws/lib/data-aws-eks-cluster-auth";
import { DataAwsIamSessionContext } from "@cdktf/provider-aws/lib/data-aws-iam-session-context";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { DataAwsRegion } from "@cdktf/provider-aws/lib/data-aws-region";
import { EksAccessEntry } from "@cdktf/provider-aws/lib/eks-access-entry";
import { EksAccessPolicyAssociation } from "@cdktf/provider-aws/lib/eks-access-policy-association";
import { EksAddon } from "@cdktf/provider-aws/lib/eks-addon";
import { EksCluster as EksClusterResource } from "@cdktf/provider-aws/lib/eks-cluster";
import { EksNodeGroup } from "@cdktf/provider-aws/lib/eks-node-group";
import { IamOpenidConnectProvider } from "@cdktf/provider-aws/lib/iam-openid-connect-provider";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
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
  SystemWorkload,
  WorkloadIdentityOptions,
} from "../core/cluster";
import { ClusterConnection } from "../core/connection";
import { generatedName, iamPolicy } from "../core/generated-names";
import { KEY_ADMIN_ACTIONS, KEY_USER_ACTIONS } from "../core/kms-key-policy";
import { CAPACITY_LABEL, POOL_LABEL, PURPOSE_LABEL } from "../core/labels";
import { NamingRule, validateName } from "../core/naming";
import { assertNewWorkloadIdentity, defaultSystemMaxNodes, NodePoolRegistry } from "../core/node-pools";
import {
  invalid,
  isUnresolved,
  validateCidr,
  validateCidrList,
  validateEnum,
  validateIamPrincipalArn,
  validateInteger,
  validateMinMax,
  validateOneOf,
  validateStringList,
  validateUniqueList,
  warn,
} from "../core/validation";
import { validateAwsInstanceType } from "../core/machine-types";
import { AwsVpc, NatGatewayMode, VpcInterfaceEndpoint, VpcRoute } from "./aws-vpc";
import { cidrCovered } from "./aws-vpc-internal";
import { EksGpuNodePool, EksGpuNodePoolOptions } from "./eks-gpu-node-pool";
import {
  EKS_ADDON_CATALOG,
  EKS_ADDON_VERSION,
  EKS_ADDONS,
  EKS_SYSTEM_WORKLOADS,
  secureLaunchTemplate,
} from "./eks-internal";
import { EksWorkloadIdentity } from "./eks-workload-identity";
import { ClusterAutoscalerInfra } from "./cluster-autoscaler";
import { watchElasticNodeGroups } from "./cluster-autoscaler-internal";
import { KarpenterInfra } from "./karpenter";

/** How EKS workloads get AWS credentials. */
export enum EksIdentityMode {
  /** EKS Pod Identity: the eks-pod-identity-agent add-on and a pod identity association per service account. */
  POD_IDENTITY = "pod-identity",
  /** IAM Roles for Service Accounts: the cluster's OIDC provider and an annotated service account. */
  IRSA = "irsa",
}

/**
 * EKS control-plane log types sent to CloudWatch Logs. Each is billed by volume: `API`,
 * `CONTROLLER_MANAGER` and `SCHEDULER` are verbose and mostly useful for debugging.
 */
export enum EksControlPlaneLogType {
  /** API server logs (every request; verbose). */
  API = "api",
  /** Kubernetes audit logs: who did what. On by default. */
  AUDIT = "audit",
  /** The IAM authenticator's logs (which IAM principal became which Kubernetes user). On by default. */
  AUTHENTICATOR = "authenticator",
  /** Controller manager logs (verbose). */
  CONTROLLER_MANAGER = "controllerManager",
  /** Scheduler logs (verbose). */
  SCHEDULER = "scheduler",
}

/** Retention periods CloudWatch Logs accepts. */
const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

/** Props of `EksCluster`. */
export interface EksClusterProps {
  /** Cluster name (1-100 letters, digits, `-`, `_`). Also names the VPC, roles and log group. */
  readonly clusterName: string;
  /**
   * Kubernetes minor version.
   * @default "1.34"
   */
  readonly kubernetesVersion?: string;
  /**
   * Private subnets (two or more zones) of an existing VPC to run the control-plane ENIs and
   * nodes in. When set, no VPC is created.
   * @default - a new VPC (see `vpcCidr`, `zoneCount`, `natGateways`)
   */
  readonly subnetIds?: string[];
  /**
   * CIDR of the new VPC (/16 to /20). Ignored with `subnetIds`.
   * @default "10.0.0.0/16"
   */
  readonly vpcCidr?: string;
  /**
   * Availability zones of the new VPC (2-6). Ignored with `subnetIds`.
   * @default 3
   */
  readonly zoneCount?: number;
  /**
   * NAT gateways of the new VPC. Ignored with `subnetIds`.
   * @default NatGatewayMode.SINGLE
   */
  readonly natGateways?: NatGatewayMode;
  /**
   * Interface VPC endpoints of the new VPC (see `AwsVpc`); an S3 gateway endpoint is always
   * created. Ignored with `subnetIds`.
   * @default - none
   */
  readonly interfaceEndpoints?: VpcInterfaceEndpoint[];
  /**
   * CIDRs allowed to reach a public API endpoint. The endpoint is private-only unless this is set;
   * `0.0.0.0/0` is rejected (list your CI runners and VPN egress instead). Use it as a temporary
   * runner path; prefer `endpointAccessCidrs` over a VPN or peering.
   * @default - private endpoint only
   */
  readonly publicEndpointCidrs?: string[];
  /**
   * Networks that may reach the private API endpoint on TCP 443: CI runners in a peered VPC or
   * behind a transit gateway, a VPN's client range. Each CIDR gets an ingress rule on the cluster
   * security group (which otherwise admits only the cluster's own nodes), so later stacks can plan
   * from those runners. `0.0.0.0/0` is rejected. In the VPC Strata creates, give these networks a
   * route back (`privateRoutes`, `propagatingVpnGatewayId` or `vpc.addPrivateRoute`), or the
   * endpoint's replies leave through the NAT gateway (a synth warning says so); with `subnetIds`,
   * the routes are yours.
   * @default - only the cluster security group (runners must run inside the VPC)
   */
  readonly endpointAccessCidrs?: string[];
  /**
   * Routes in the new VPC's private route tables (see `AwsVpc`): the way back to the networks in
   * `endpointAccessCidrs` through a transit gateway, VPC peering connection or virtual private
   * gateway. The target must already be attached to the VPC; for an attachment created in the same
   * stack, use `cluster.vpc.addPrivateRoute` with the attachment's attribute. Ignored with
   * `subnetIds` (rejected).
   * @default - none
   */
  readonly privateRoutes?: VpcRoute[];
  /**
   * A virtual private gateway (`vgw-...`, attached to the new VPC) whose VPN routes propagate to
   * the private route tables (see `AwsVpc`). Rejected with `subnetIds`.
   * @default - no route propagation
   */
  readonly propagatingVpnGatewayId?: string;
  /**
   * How workloads get AWS credentials.
   * @default EksIdentityMode.POD_IDENTITY
   */
  readonly identityMode?: EksIdentityMode;
  /**
   * Instance types of the system node group (on-demand), all of one shape. Every GPU node is tainted,
   * so operators and controllers (Karpenter, Kueue, the GPU Operator, CoreDNS, CSI controllers, later
   * Prometheus, KServe, MLflow) run here.
   * @default ["m7i.xlarge"] (4 vCPU, 16 GiB)
   */
  readonly systemInstanceTypes?: string[];
  /**
   * Minimum nodes in the system node group (at least 1; 2 keeps CoreDNS and operators available).
   * @default 2
   */
  readonly systemMinNodes?: number;
  /**
   * Maximum nodes in the system node group. A managed node group grows beyond its minimum only
   * when the Kubernetes Cluster Autoscaler runs: install `ClusterAutoscaler` in the platform stack
   * (without it, a maximum above the minimum gets a synth warning). Set it equal to
   * `systemMinNodes` for a fixed-size group; a maximum below what the registered system workloads
   * request gets a synth warning.
   * @default - sized at synth from the system workloads Strata constructs register on the cluster
   * (`addSystemWorkload`): enough `systemInstanceTypes` nodes for their requests plus one spare, and
   * at least `systemMinNodes + 1`
   */
  readonly systemMaxNodes?: number;
  /**
   * Root volume size of system nodes, in GiB (20-16384).
   * @default 50
   */
  readonly systemDiskSizeGiB?: number;
  /**
   * Control-plane log types sent to CloudWatch Logs (billed by volume). Audit and authenticator
   * logs answer "who did what"; add `API`, `CONTROLLER_MANAGER`, `SCHEDULER` when debugging.
   * @default [EksControlPlaneLogType.AUDIT, EksControlPlaneLogType.AUTHENTICATOR]
   */
  readonly controlPlaneLogTypes?: EksControlPlaneLogType[];
  /**
   * Retention of the control-plane log group, in days (a value CloudWatch Logs accepts). Raise it
   * to 365 or more where an audit regime asks for it.
   * @default 90
   */
  readonly logRetentionDays?: number;
  /**
   * IAM role ARNs given cluster-admin through EKS access entries (in addition to the identity
   * that runs Terraform, see `creatorAdminAccess`). Do not list the role that runs Terraform
   * while `creatorAdminAccess` is on: EKS refuses a second access entry for one principal.
   * @default - only the identity that runs Terraform
   */
  readonly adminRoleArns?: string[];
  /**
   * Give the identity that runs Terraform (the IAM role of its assumed-role session, read from
   * `aws_iam_session_context`) cluster-admin through an explicit access entry, so the platform
   * and workloads stacks can reach the cluster. EKS's implicit creator admin
   * (`bootstrap_cluster_creator_admin_permissions`) is off either way. The entry keeps the first
   * identity that applied it (later runs by other identities do not replace it). Set to false
   * when the runner's role is in `adminRoleArns`.
   * @default true
   */
  readonly creatorAdminAccess?: boolean;
  /**
   * IAM principals (role or user ARNs, or an account root) that administer the cluster's three
   * KMS keys (manage, rotate, schedule deletion; no cryptographic use), as
   * terraform-aws-modules/eks's `kms_key_administrators`. The account root is always a key
   * administrator, so IAM policies in the account can grant key access as well. Every principal must exist when the key policy is written.
   * @default - the account root only
   */
  readonly keyAdministratorArns?: string[];
  /**
   * IAM principals (role or user ARNs) that may use the Kubernetes secrets key for cryptographic
   * operations (encrypt, decrypt, generate data keys), as terraform-aws-modules/eks's
   * `kms_key_users`. The cluster role gets its use through an IAM policy, not through this list.
   * @default - none
   */
  readonly keyUserArns?: string[];
  /**
   * EKS add-on versions by add-on name (`vpc-cni`, `coredns`, `kube-proxy`,
   * `aws-ebs-csi-driver`, `eks-pod-identity-agent`), each `v<major>.<minor>.<patch>-eksbuild.<n>`.
   * Overrides Strata's catalog for the Kubernetes version, add-on by add-on.
   * @default - the versions Strata's add-on catalog pins for `kubernetesVersion` (see docs/compute.md)
   */
  readonly addonVersions?: { [addon: string]: string };
  /**
   * Protect the cluster from deletion (EKS deletion protection and Terraform `prevent_destroy` on
   * the cluster and its KMS keys). Set to false only for throwaway clusters.
   * @default true
   */
  readonly deletionProtection?: boolean;
  /**
   * Set up Karpenter's AWS side for GPU autoscaling (`KarpenterInfra`: controller identity,
   * interruption queue and rules, node role). Install the controller with `KarpenterController`
   * in the platform stack and GPU NodePools with `KarpenterGpuNodePools` in the workloads stack.
   * @default false
   */
  readonly karpenter?: boolean;
  /**
   * Set up the Kubernetes Cluster Autoscaler's AWS side (`ClusterAutoscalerInfra`: the identity of
   * `kube-system/cluster-autoscaler` with a policy scoped to this cluster's node groups; no cost), so
   * that `ClusterAutoscaler` in the platform stack can grow managed node groups whose `minNodes` is below
   * their `maxNodes`. Set false only when every managed node group is fixed-size (elastic capacity from
   * Karpenter).
   * @default true
   */
  readonly clusterAutoscaler?: boolean;
}

/**
 * An Amazon EKS cluster, secure by default: private API endpoint (reachable from the networks in
 * `endpointAccessCidrs`), separate customer-managed KMS keys (rotation on) for Kubernetes secrets,
 * control-plane logs and node volumes, audit and authenticator logs in an encrypted log group,
 * admins through access entries only (the identity that runs Terraform among them), EKS Pod
 * Identity (or IRSA), the core add-ons as managed add-ons at pinned versions, a system node group
 * on a launch template with IMDSv2 (hop limit 1) and encrypted gp3 volumes, and deletion protection.
 *
 * @example
 * const infra = new TerraformStack(app, "infra");
 * new AwsProvider(infra, "aws", { region: "us-east-1" });
 * const cluster = new EksCluster(infra, "Cluster", { clusterName: "ml-prod" });
 * const platform = new TerraformStack(app, "platform");
 * const conn = cluster.connect(platform, "Ml");
 */
export class EksCluster extends Construct implements IKubernetesCluster {
  /** Always `ClusterTarget.AWS_EKS`. */
  public readonly target = ClusterTarget.AWS_EKS;
  /** Cluster name. */
  public readonly clusterName: string;
  /** The EKS cluster resource. */
  public readonly resource: EksClusterResource;
  /**
   * The customer-managed KMS key that encrypts Kubernetes secrets (construct id `Key`, alias
   * `alias/eks/<clusterName>`). Earlier releases also used it for logs and node volumes; those
   * now have `logsKey` and `volumesKey`.
   */
  public readonly kmsKey: KmsKey;
  /** The customer-managed KMS key of the control-plane log group (alias `alias/eks/<clusterName>/logs`). */
  public readonly logsKey: KmsKey;
  /**
   * The customer-managed KMS key of node volumes (alias `alias/eks/<clusterName>/volumes`): use it
   * for every launch template and EC2NodeClass of the cluster.
   */
  public readonly volumesKey: KmsKey;
  /** The access entry of the identity that runs Terraform, with `creatorAdminAccess`. */
  public readonly creatorAccessEntry?: EksAccessEntry;
  /** The VPC, when the cluster created one. */
  public readonly vpc?: AwsVpc;
  /** The private subnets nodes run in. */
  public readonly subnetIds: string[];
  /** The IAM role of the cluster's nodes. */
  public readonly nodeRole: IamRole;
  /** The system node group. */
  public readonly systemNodeGroup: EksNodeGroup;
  /** The IAM OIDC provider, in IRSA mode. */
  public readonly oidcProvider?: IamOpenidConnectProvider;
  /** How workloads get AWS credentials. */
  public readonly identityMode: EksIdentityMode;
  /** API server endpoint. */
  public readonly endpoint: string;
  /** Base64-encoded cluster CA certificate. */
  public readonly certificateAuthorityData: string;
  /** The region the cluster is in. */
  public readonly region: string;
  /** The AWS account ID. */
  public readonly accountId: string;
  /** The AWS partition (`aws`, `aws-cn`, `aws-us-gov`). */
  public readonly partition: string;
  /** The partition's DNS suffix for service endpoints (`amazonaws.com`, `amazonaws.com.cn`). */
  public readonly dnsSuffix: string;
  /** Kubernetes minor version of the control plane, e.g. `1.34`. */
  public readonly kubernetesVersion: string;
  /** Karpenter's AWS side, when `karpenter` is set. */
  public readonly karpenter?: KarpenterInfra;
  /** The Cluster Autoscaler's AWS side, unless `clusterAutoscaler` is false. */
  public readonly clusterAutoscaler?: ClusterAutoscalerInfra;

  private readonly pools: NodePoolRegistry;

  constructor(scope: Construct, id: string, props: EksClusterProps) {
    super(scope, id);
    const version = props.kubernetesVersion ?? "1.34";
    const identityMode = props.identityMode ?? EksIdentityMode.POD_IDENTITY;
    const systemInstanceTypes = props.systemInstanceTypes ?? ["m7i.xlarge"];
    const systemMin = props.systemMinNodes ?? 2;
    // The default maximum follows what the platform installs: read when the stack synthesizes, after
    // every construct registered its system workloads. A token minimum leaves a fixed-size group.
    const systemMaxAtSynth = (): number =>
      props.systemMaxNodes ??
      (isUnresolved(systemMin) ? systemMin : defaultSystemMaxNodes(this.systemWorkloads, systemInstanceTypes, systemMin, 1));
    const systemMax = props.systemMaxNodes ?? (isUnresolved(systemMin) ? systemMin : Lazy.numberValue({ produce: systemMaxAtSynth }));
    const diskSize = props.systemDiskSizeGiB ?? 50;
    const retention = props.logRetentionDays ?? 90;
    const protect = props.deletionProtection ?? true;
    const logTypes = props.controlPlaneLogTypes ?? [EksControlPlaneLogType.AUDIT, EksControlPlaneLogType.AUTHENTICATOR];

    // Shapes first: JavaScript, JSON and YAML callers may pass a string where a list belongs.
    const lists: Array<[string, unknown, string]> = [
      ["subnetIds", props.subnetIds, '["subnet-0123456789abcdef0"]'],
      ["systemInstanceTypes", props.systemInstanceTypes, '["m7i.large"]'],
      ["publicEndpointCidrs", props.publicEndpointCidrs, '["203.0.113.0/24"]'],
      ["endpointAccessCidrs", props.endpointAccessCidrs, '["10.100.0.0/16"]'],
      ["adminRoleArns", props.adminRoleArns, '["arn:aws:iam::123456789012:role/platform-admins"]'],
      ["keyAdministratorArns", props.keyAdministratorArns, '["arn:aws:iam::123456789012:role/key-admins"]'],
      ["keyUserArns", props.keyUserArns, '["arn:aws:iam::123456789012:role/backup"]'],
      ["controlPlaneLogTypes", props.controlPlaneLogTypes, '["audit"]'],
      ["interfaceEndpoints", props.interfaceEndpoints, '["ecr.api"]'],
    ];
    for (const [prop, value, example] of lists) validateStringList(this, prop, value, example);
    validateEnum(this, "identityMode", props.identityMode, EksIdentityMode, "EksIdentityMode");
    validateEnum(this, "natGateways", props.natGateways, NatGatewayMode, "NatGatewayMode");
    const addonVersionsProp: unknown = props.addonVersions;
    if (addonVersionsProp !== undefined && !isUnresolved(addonVersionsProp) && (typeof addonVersionsProp !== "object" || Array.isArray(addonVersionsProp) || addonVersionsProp === null)) {
      invalid(this, "addonVersions", addonVersionsProp, 'must be a map from add-on name to version, such as {"coredns": "v1.12.4-eksbuild.1"}');
    }

    validateName(this, "clusterName", props.clusterName, NamingRule.EKS_CLUSTER);
    const supported = Object.keys(EKS_ADDON_CATALOG);
    if (!isUnresolved(version) && !/^1\.\d{2}$/.test(version)) {
      invalid(this, "kubernetesVersion", version, `must be a Kubernetes minor version such as "1.34" (EKS versions Strata supports: ${supported.join(", ")})`);
    }
    if (!isUnresolved(version) && !supported.includes(version)) {
      invalid(
        this,
        "kubernetesVersion",
        version,
        `is not an EKS version Strata supports: ${supported.join(", ")} (versions in EKS standard support with a pinned add-on catalog)`,
      );
    }
    validateCidrList(this, "endpointAccessCidrs", props.endpointAccessCidrs, {
      allowAnywhere: false,
      anywhereHint: "must not be 0.0.0.0/0: list the CIDRs of your CI runners' network and VPN clients",
    });
    if (props.endpointAccessCidrs !== undefined && !isUnresolved(props.endpointAccessCidrs) && props.endpointAccessCidrs.length === 0) {
      invalid(this, "endpointAccessCidrs", props.endpointAccessCidrs, "must list at least one CIDR; omit it to admit only the cluster security group");
    }
    validateUniqueList(this, "endpointAccessCidrs", props.endpointAccessCidrs);
    validateUniqueList(this, "publicEndpointCidrs", props.publicEndpointCidrs);
    validateUniqueList(this, "subnetIds", props.subnetIds);
    validateCidrList(this, "publicEndpointCidrs", props.publicEndpointCidrs, {
      allowAnywhere: false,
      anywhereHint: "must not be 0.0.0.0/0: list the CIDRs of your CI runners and VPN egress, or keep the endpoint private",
    });
    if (props.publicEndpointCidrs !== undefined && !isUnresolved(props.publicEndpointCidrs) && props.publicEndpointCidrs.length === 0) {
      invalid(this, "publicEndpointCidrs", props.publicEndpointCidrs, "must list at least one CIDR; omit it for a private-only endpoint");
    }
    if (props.subnetIds !== undefined) {
      for (const [prop, value] of [
        ["vpcCidr", props.vpcCidr],
        ["zoneCount", props.zoneCount],
        ["natGateways", props.natGateways],
        ["interfaceEndpoints", props.interfaceEndpoints],
        ["privateRoutes", props.privateRoutes],
        ["propagatingVpnGatewayId", props.propagatingVpnGatewayId],
      ] as const) {
        if (value !== undefined) {
          invalid(this, prop, value, "applies only to the VPC Strata creates; omit it with subnetIds (your VPC is yours to lay out)");
        }
      }
    }
    if (props.subnetIds !== undefined && !isUnresolved(props.subnetIds) && props.subnetIds.length < 2) {
      invalid(this, "subnetIds", props.subnetIds, "must list at least two private subnets in different availability zones");
    }
    if (systemInstanceTypes.length === 0) {
      invalid(this, "systemInstanceTypes", systemInstanceTypes, "must list at least one instance type");
    }
    systemInstanceTypes.forEach((t, i) => validateAwsInstanceType(this, `systemInstanceTypes[${i}]`, t));
    validateInteger(this, "systemMinNodes", systemMin, 1, 450);
    validateInteger(this, "systemMaxNodes", systemMax, 1, 450);
    validateMinMax(this, "systemMinNodes", systemMin, "systemMaxNodes", systemMax);
    validateInteger(this, "systemDiskSizeGiB", diskSize, 20, 16384);
    if (!isUnresolved(retention) && !LOG_RETENTION_DAYS.includes(retention)) {
      invalid(this, "logRetentionDays", retention, `must be one of ${LOG_RETENTION_DAYS.join(", ")}`);
    }
    if (!isUnresolved(logTypes)) {
      if (logTypes.length === 0) {
        invalid(this, "controlPlaneLogTypes", logTypes, "must list at least one log type (audit logs are the record of who did what); the default is audit and authenticator");
      }
      logTypes.forEach((t, i) => validateEnum(this, `controlPlaneLogTypes[${i}]`, t, EksControlPlaneLogType, "EksControlPlaneLogType"));
      validateUniqueList(this, "controlPlaneLogTypes", logTypes);
      if (!logTypes.includes(EksControlPlaneLogType.AUDIT)) {
        warn(this, "controlPlaneLogTypes", logTypes, "has no audit logs: nothing records who changed what in the cluster");
      }
    }
    (props.adminRoleArns ?? []).forEach((arn, i) => validateIamPrincipalArn(this, `adminRoleArns[${i}]`, arn, ["role"]));
    validateUniqueList(this, "adminRoleArns", props.adminRoleArns);
    (props.keyAdministratorArns ?? []).forEach((arn, i) => validateIamPrincipalArn(this, `keyAdministratorArns[${i}]`, arn, ["role", "user", "root"]));
    validateUniqueList(this, "keyAdministratorArns", props.keyAdministratorArns);
    (props.keyUserArns ?? []).forEach((arn, i) => validateIamPrincipalArn(this, `keyUserArns[${i}]`, arn, ["role", "user"]));
    validateUniqueList(this, "keyUserArns", props.keyUserArns);
    for (const [addon, addonVersion] of Object.entries(props.addonVersions ?? {})) {
      validateOneOf(this, "addonVersions key", addon, EKS_ADDONS);
      if (isUnresolved(addonVersion)) continue;
      if (typeof addonVersion === "string" && addonVersion.trim().toLowerCase() === "latest") {
        invalid(this, `addonVersions["${addon}"]`, addonVersion, "must be a pinned version such as \"v1.12.4-eksbuild.1\", not latest: list them with aws eks describe-addon-versions");
      }
      if (typeof addonVersion !== "string" || !EKS_ADDON_VERSION.test(addonVersion)) {
        invalid(this, `addonVersions["${addon}"]`, addonVersion, "must be an EKS add-on version: v<major>.<minor>.<patch>-eksbuild.<n>, such as \"v1.12.4-eksbuild.1\"");
      }
    }

    // IAM role names derive from the cluster name and are global to the account.
    const twin = this.node.root.node
      .findAll()
      .find((c): c is EksCluster => c instanceof EksCluster && c !== this && c.clusterName === props.clusterName);
    if (twin && !isUnresolved(props.clusterName)) {
      invalid(
        this,
        "clusterName",
        props.clusterName,
        `is already used by ${twin.node.path}; IAM role names derive from it and are global to the account, so give each cluster its own name (e.g. with the region in it)`,
      );
    }
    this.clusterName = props.clusterName;
    this.kubernetesVersion = version;
    this.identityMode = identityMode;
    this.pools = new NodePoolRegistry(this);

    const region = new DataAwsRegion(this, "Region");
    const account = new DataAwsCallerIdentity(this, "Account");
    const partition = new DataAwsPartition(this, "Partition");
    this.region = region.region;
    this.accountId = account.accountId;
    this.partition = partition.partition;
    this.dnsSuffix = partition.dnsSuffix;
    const arnPrefix = `arn:${partition.partition}`;

    // Network
    if (props.subnetIds === undefined) {
      for (const [prop, value] of [["vpcCidr", props.vpcCidr], ["zoneCount", props.zoneCount]] as const) {
        if (isUnresolved(value)) invalid(this, prop, "<token>", "must be a literal value: subnets are laid out at synth time");
      }
      validateCidr(this, "vpcCidr", props.vpcCidr, 16, 20);
      validateInteger(this, "zoneCount", props.zoneCount, 2, 6);
      this.vpc = new AwsVpc(this, "Vpc", {
        name: props.clusterName,
        cidr: props.vpcCidr,
        zoneCount: props.zoneCount,
        natGateways: props.natGateways,
        interfaceEndpoints: props.interfaceEndpoints,
        privateRoutes: props.privateRoutes,
        propagatingVpnGatewayId: props.propagatingVpnGatewayId,
      });
      this.subnetIds = this.vpc.privateSubnetIds;
    } else {
      this.subnetIds = props.subnetIds;
    }

    // Three customer-managed keys: Kubernetes secrets (the original `Key`, so existing clusters keep
    // their encryption key, which EKS cannot change), control-plane logs and node volumes. None
    // grants anything to "*" except the volumes key, and that only through EC2 for this account.
    const logGroupName = `/aws/eks/${props.clusterName}/cluster`;
    const accountRoot = {
      Sid: "AccountAdministers",
      Effect: "Allow",
      Principal: { AWS: `${arnPrefix}:iam::${account.accountId}:root` },
      Action: "kms:*",
      Resource: "*",
    };
    const keyAdmins = props.keyAdministratorArns ?? [];
    const adminStatements =
      keyAdmins.length > 0
        ? [{ Sid: "KeyAdministrators", Effect: "Allow", Principal: { AWS: keyAdmins }, Action: KEY_ADMIN_ACTIONS, Resource: "*" }]
        : [];
    const keyUsers = props.keyUserArns ?? [];
    const userStatements =
      keyUsers.length > 0 ? [{ Sid: "KeyUsers", Effect: "Allow", Principal: { AWS: keyUsers }, Action: KEY_USER_ACTIONS, Resource: "*" }] : [];
    const key = (id: string, aliasSuffix: string, description: string, statements: object[]) => {
      const created = new KmsKey(this, id, {
        description: `EKS cluster ${props.clusterName}: ${description}`,
        enableKeyRotation: true,
        deletionWindowInDays: 30,
        policy: iamPolicy([accountRoot, ...adminStatements, ...statements]),
        lifecycle: { preventDestroy: protect },
      });
      new KmsAlias(this, `${id}Alias`, { name: `alias/eks/${props.clusterName}${aliasSuffix}`, targetKeyId: created.keyId });
      return created;
    };
    // The cluster role uses the secrets key through its IAM policy (ClusterRoleKey), which the
    // account-root statement makes effective.
    this.kmsKey = key("Key", "", "Kubernetes secrets", userStatements);
    this.logsKey = key("LogsKey", "/logs", "control-plane logs", [
      {
        Sid: "ControlPlaneLogs",
        Effect: "Allow",
        Principal: { Service: `logs.${region.region}.${partition.dnsSuffix}` },
        Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
        Resource: "*",
        Condition: {
          ArnEquals: {
            "kms:EncryptionContext:aws:logs:arn": `${arnPrefix}:logs:${region.region}:${account.accountId}:log-group:${logGroupName}`,
          },
        },
      },
    ]);
    this.volumesKey = key("VolumesKey", "/volumes", "node volumes", [
      {
        // Node volumes: any principal of this account, only through EC2 (launch templates, the Auto
        // Scaling service-linked role, Karpenter). The pattern of the AWS-managed aws/ebs key; it does
        // not name the Auto Scaling service-linked role, which a fresh account may not have yet.
        Sid: "NodeVolumesThroughEc2",
        Effect: "Allow",
        Principal: { AWS: "*" },
        Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey", "kms:CreateGrant"],
        Resource: "*",
        Condition: {
          StringEquals: {
            "kms:CallerAccount": account.accountId,
            "kms:ViaService": `ec2.${region.region}.${partition.dnsSuffix}`,
          },
        },
      },
    ]);

    const logGroup = new CloudwatchLogGroup(this, "ControlPlaneLogs", {
      name: logGroupName,
      retentionInDays: retention,
      kmsKeyId: this.logsKey.arn,
    });

    // Cluster role
    const clusterRole = new IamRole(this, "ClusterRole", {
      name: generatedName([props.clusterName, "cluster"], 64),
      assumeRolePolicy: iamPolicy([
        { Effect: "Allow", Principal: { Service: "eks.amazonaws.com" }, Action: ["sts:AssumeRole", "sts:TagSession"] },
      ]),
    });
    const clusterPolicy = new IamRolePolicyAttachment(this, "ClusterRolePolicy", {
      role: clusterRole.name,
      policyArn: `${arnPrefix}:iam::aws:policy/AmazonEKSClusterPolicy`,
    });

    // The control plane uses the key for envelope encryption of secrets.
    const clusterKeyPolicy = new IamRolePolicy(this, "ClusterRoleKey", {
      name: "secrets-encryption",
      role: clusterRole.name,
      policy: iamPolicy([
        {
          Effect: "Allow",
          Action: ["kms:Encrypt", "kms:Decrypt", "kms:ListGrants", "kms:DescribeKey"],
          Resource: [this.kmsKey.arn],
        },
      ]),
    });

    const publicCidrs = props.publicEndpointCidrs;
    this.resource = new EksClusterResource(this, "Resource", {
      name: props.clusterName,
      version,
      roleArn: clusterRole.arn,
      bootstrapSelfManagedAddons: false,
      deletionProtection: protect,
      enabledClusterLogTypes: logTypes,
      vpcConfig: {
        subnetIds: this.subnetIds,
        endpointPrivateAccess: true,
        endpointPublicAccess: publicCidrs !== undefined,
        publicAccessCidrs: publicCidrs,
      },
      encryptionConfig: { resources: ["secrets"], provider: { keyArn: this.kmsKey.arn } },
      // No implicit creator admin: admins come from access entries below. Changing this flag
      // replaces a cluster, so clusters created with it on keep it (ignore_changes).
      accessConfig: { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: false },
      upgradePolicy: { supportType: "STANDARD" },
      dependsOn: [clusterPolicy, clusterKeyPolicy, logGroup],
      lifecycle: { preventDestroy: protect, ignoreChanges: ["access_config[0].bootstrap_cluster_creator_admin_permissions"] },
    });
    this.endpoint = this.resource.endpoint;
    this.certificateAuthorityData = this.resource.certificateAuthority.get(0).data;

    // Private endpoint reachability: the cluster security group admits only the cluster itself
    // unless runner and VPN networks are listed.
    (props.endpointAccessCidrs ?? []).forEach((cidr, i) => {
      new VpcSecurityGroupIngressRule(this, `EndpointAccess${i}`, {
        securityGroupId: this.resource.vpcConfig.clusterSecurityGroupId,
        description: `Kubernetes API (private endpoint) from ${cidr}`,
        ipProtocol: "tcp",
        fromPort: 443,
        toPort: 443,
        cidrIpv4: cidr,
      });
    });
    // The way back: the control-plane ENIs answer through the private route tables. In the VPC
    // Strata creates, a runner network without a route there gets its replies sent to the NAT
    // gateway. Checked at synth, after routes added with vpc.addPrivateRoute.
    const vpc = this.vpc;
    const accessCidrs = props.endpointAccessCidrs;
    if (vpc !== undefined && accessCidrs !== undefined && !isUnresolved(accessCidrs)) {
      this.node.addValidation({
        validate: () => {
          const routes = vpc.privateRoutes.map((r) => r.destinationCidr);
          if (vpc.propagatingVpnGatewayIds.length > 0 || routes.some((c) => isUnresolved(c))) return [];
          const unrouted = accessCidrs.filter((c) => !isUnresolved(c) && !cidrCovered(c, [vpc.cidr, ...routes]));
          if (unrouted.length > 0) {
            warn(
              this,
              "endpointAccessCidrs",
              unrouted,
              `no private route leads back to ${unrouted.length === 1 ? "this network" : "these networks"}: the private endpoint's replies would leave through the NAT gateway ` +
                "and never reach the runners; add privateRoutes (transitGatewayId, vpcPeeringConnectionId or vpnGatewayId), propagatingVpnGatewayId, or cluster.vpc.addPrivateRoute",
            );
          }
          return [];
        },
      });
    }

    const clusterAdmin = (id: string, principalArn: string, ignorePrincipalChanges = false) => {
      const entry = new EksAccessEntry(this, id, {
        clusterName: this.resource.name,
        principalArn,
        type: "STANDARD",
        lifecycle: ignorePrincipalChanges ? { ignoreChanges: ["principal_arn"] } : undefined,
      });
      new EksAccessPolicyAssociation(this, `${id}Policy`, {
        clusterName: this.resource.name,
        principalArn: entry.principalArn,
        policyArn: `${arnPrefix}:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy`,
        accessScope: { type: "cluster" },
      });
      return entry;
    };
    if (props.creatorAdminAccess ?? true) {
      // The identity running Terraform: for an assumed-role session, issuer_arn is the role's ARN
      // (an access entry cannot name a session). ignore_changes keeps the first identity, so a run
      // by another identity does not swap the entry (and lock the first one out).
      const session = new DataAwsIamSessionContext(this, "CreatorSession", { arn: account.arn });
      this.creatorAccessEntry = clusterAdmin("CreatorAdmin", session.issuerArn, true);
    }
    (props.adminRoleArns ?? []).forEach((arn, i) => clusterAdmin(`Admin${i}`, arn));

    if (identityMode === EksIdentityMode.IRSA) {
      this.oidcProvider = new IamOpenidConnectProvider(this, "OidcProvider", {
        url: this.resource.identity.get(0).oidc.get(0).issuer,
        clientIdList: ["sts.amazonaws.com"],
      });
    }

    // Node role: no CNI or EBS permissions here; those add-ons get their own identities.
    this.nodeRole = new IamRole(this, "NodeRole", {
      name: generatedName([props.clusterName, "node"], 64),
      assumeRolePolicy: iamPolicy([{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }]),
    });
    const nodePolicies = ["AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryPullOnly"].map(
      (policy) =>
        new IamRolePolicyAttachment(this, `NodeRole${policy}`, {
          role: this.nodeRole.name,
          policyArn: `${arnPrefix}:iam::aws:policy/${policy}`,
        }),
    );

    // Add-ons that nodes need before they become Ready.
    if (isUnresolved(version) && EKS_ADDONS.some((a) => props.addonVersions?.[a] === undefined)) {
      warn(
        this,
        "kubernetesVersion",
        "<token>",
        "is a token, so Strata's add-on catalog cannot pin the add-on versions; EKS picks its default for every add-on not in addonVersions",
      );
    }
    const addonVersions: { [addon: string]: string } = { ...(isUnresolved(version) ? {} : EKS_ADDON_CATALOG[version]), ...props.addonVersions };
    const addon = (
      name: string,
      extra: { identity?: EksWorkloadIdentity; dependsOn?: ITerraformDependable[]; configuration?: object } = {},
    ) =>
      new EksAddon(this, `Addon-${name}`, {
        clusterName: this.resource.name,
        addonName: name,
        addonVersion: addonVersions[name],
        resolveConflictsOnCreate: "OVERWRITE",
        resolveConflictsOnUpdate: "PRESERVE",
        serviceAccountRoleArn: identityMode === EksIdentityMode.IRSA ? extra.identity?.role.arn : undefined,
        podIdentityAssociation:
          identityMode === EksIdentityMode.POD_IDENTITY && extra.identity
            ? [{ roleArn: extra.identity.role.arn, serviceAccount: extra.identity.serviceAccountName }]
            : undefined,
        configurationValues: extra.configuration ? JSON.stringify(extra.configuration) : undefined,
        dependsOn: extra.dependsOn,
      });
    const cniIdentity = new EksWorkloadIdentity(this, "VpcCniIdentity", {
      cluster: this,
      namespace: "kube-system",
      serviceAccountName: "aws-node",
      managedByAddon: true,
    });
    new IamRolePolicyAttachment(cniIdentity, "CniPolicy", {
      role: cniIdentity.role.name,
      policyArn: `${arnPrefix}:iam::aws:policy/AmazonEKS_CNI_Policy`,
    });
    const bootAddons = [
      ...(identityMode === EksIdentityMode.POD_IDENTITY ? [addon("eks-pod-identity-agent")] : []),
      // The VPC CNI enforces NetworkPolicies only when asked; Strata's namespaces rely on them.
      addon("vpc-cni", { identity: cniIdentity, configuration: { enableNetworkPolicy: "true" } }),
      addon("kube-proxy"),
    ];

    // System node group on a launch template: IMDSv2 with hop limit 1, encrypted gp3 root volume.
    const launchTemplate = secureLaunchTemplate(this, "SystemLaunchTemplate", {
      name: generatedName([props.clusterName, "system"], 128),
      diskSizeGiB: diskSize,
      kmsKeyArn: this.volumesKey.arn,
    });
    const systemLabels = {
      [POOL_LABEL]: "system",
      [PURPOSE_LABEL]: NodePoolPurpose.SYSTEM,
      [CAPACITY_LABEL]: CapacityType.ON_DEMAND,
    };
    this.systemNodeGroup = new EksNodeGroup(this, "SystemNodeGroup", {
      clusterName: this.resource.name,
      nodeGroupName: "system",
      nodeRoleArn: this.nodeRole.arn,
      subnetIds: this.subnetIds,
      amiType: "AL2023_x86_64_STANDARD",
      capacityType: "ON_DEMAND",
      instanceTypes: systemInstanceTypes,
      scalingConfig: { minSize: systemMin, maxSize: systemMax, desiredSize: systemMin },
      updateConfig: { maxUnavailable: 1 },
      labels: systemLabels,
      launchTemplate: { id: launchTemplate.id, version: `${launchTemplate.latestVersion}` },
      lifecycle: { ignoreChanges: ["scaling_config[0].desired_size"] },
      dependsOn: [...nodePolicies, ...bootAddons],
    });
    this.pools.register({
      name: "system",
      purpose: NodePoolPurpose.SYSTEM,
      capacityType: CapacityType.ON_DEMAND,
      labels: systemLabels,
      taints: [],
      minNodes: systemMin,
      get maxNodes(): number {
        return systemMaxAtSynth();
      },
      instanceTypes: systemInstanceTypes,
    });

    // Add-ons that need running nodes.
    addon("coredns", { dependsOn: [this.systemNodeGroup] });
    const ebsIdentity = new EksWorkloadIdentity(this, "EbsCsiIdentity", {
      cluster: this,
      namespace: "kube-system",
      serviceAccountName: "ebs-csi-controller-sa",
      managedByAddon: true,
    });
    new IamRolePolicyAttachment(ebsIdentity, "EbsCsiPolicy", {
      role: ebsIdentity.role.name,
      policyArn: `${arnPrefix}:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy`,
    });
    addon("aws-ebs-csi-driver", { identity: ebsIdentity, dependsOn: [this.systemNodeGroup] });

    // The pods these add-ons run on the system nodes (every GPU node is tainted).
    const w = EKS_SYSTEM_WORKLOADS;
    for (const workload of [w.coredns, w.ebsCsiController, w.awsNode, w.kubeProxy, w.ebsCsiNode]) this.addSystemWorkload(workload);
    if (identityMode === EksIdentityMode.POD_IDENTITY) this.addSystemWorkload(w.podIdentityAgent);

    if (props.karpenter) {
      this.karpenter = new KarpenterInfra(this, "Karpenter", { cluster: this });
    }
    const clusterAutoscaler = props.clusterAutoscaler ?? true;
    if (typeof clusterAutoscaler !== "boolean") invalid(this, "clusterAutoscaler", clusterAutoscaler, "must be true or false");
    if (clusterAutoscaler) this.clusterAutoscaler = new ClusterAutoscalerInfra(this, "ClusterAutoscaler", { cluster: this });
    // Warns at synth when a managed node group could grow and no ClusterAutoscaler is installed for it.
    watchElasticNodeGroups(this);
  }

  /** The node pools of this cluster. */
  public get nodePools(): NodePoolInfo[] {
    return this.pools.all();
  }

  /** The system workloads Strata constructs registered on this cluster. */
  public get systemWorkloads(): SystemWorkload[] {
    return this.pools.systemWorkloads();
  }

  /** Records the requests of pods a construct adds to the system nodes (names must be unique). */
  public addSystemWorkload(workload: SystemWorkload): void {
    this.pools.addSystemWorkload(workload);
  }

  /** Registers a node pool created by another construct (names must be unique). */
  public registerNodePool(pool: NodePoolInfo): void {
    this.pools.register(pool);
  }

  /**
   * Adds an on-demand GPU node group for inference (min 1 node unless `minNodes: 0`), tainted
   * `nvidia.com/gpu=present:NoSchedule`.
   */
  public addGpuNodePool(id: string, options: EksGpuNodePoolOptions): EksGpuNodePool {
    return new EksGpuNodePool(this, id, { ...options, cluster: this });
  }

  /**
   * Adds a spot training node group: spot capacity over the GPU's instance types of one shape (see
   * `EksGpuNodePool`), tainted `workload=training:NoSchedule` as well, min 0 so idle training costs nothing
   * (growing from zero needs `ClusterAutoscaler` in the platform stack).
   */
  public addSpotTrainingPool(id: string, options: EksGpuNodePoolOptions): EksGpuNodePool {
    return new EksGpuNodePool(this, id, { ...options, cluster: this, spotTraining: true });
  }

  /**
   * Creates an IAM role that the Kubernetes service account `namespace/serviceAccountName`
   * assumes through Pod Identity (an association) or IRSA (a trust on the OIDC provider).
   * Attach permissions to `awsRoleName`, or grant through an `IObjectStore`.
   */
  public addWorkloadIdentity(id: string, options: WorkloadIdentityOptions): IWorkloadIdentity {
    assertNewWorkloadIdentity(this, options.namespace, options.serviceAccountName);
    return new EksWorkloadIdentity(this, id, { cluster: this, ...options });
  }

  /** Provider wiring for a later stack (endpoint and CA as cross-stack references). */
  public accessFor(scope: Construct, authentication: ClusterAuthentication): ClusterAccess {
    const base = { host: this.endpoint, clusterCaCertificate: Fn.base64decode(this.certificateAuthorityData) };
    if (authentication === ClusterAuthentication.DATA_SOURCE_TOKEN) {
      const stack = TerraformStack.of(scope);
      if (!stack.node.findAll().some((c) => c instanceof AwsProvider && c.alias === undefined)) {
        invalid(
          scope,
          "authentication",
          authentication,
          `DATA_SOURCE_TOKEN needs a default (non-aliased) AWS provider in stack "${stack.node.id}" to read aws_eks_cluster_auth; add one or use EXEC_PLUGIN`,
        );
      }
      const auth = new DataAwsEksClusterAuth(scope, "EksAuth", { name: this.clusterName });
      return { ...base, token: auth.token };
    }
    return {
      ...base,
      execCommand: "aws",
      execArgs: ["eks", "get-token", "--cluster-name", this.clusterName, "--region", this.region],
    };
  }

  /**
   * Creates a `ClusterConnection` in `scope` (a later stack): kubernetes and helm providers
   * configured for this cluster.
   */
  public connect(scope: Construct, id: string, options: ConnectOptions = {}): ClusterConnection {
    return new ClusterConnection(scope, id, { cluster: this, ...options });
  }
}
