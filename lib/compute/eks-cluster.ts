import { Construct } from "constructs";
import { Fn, ITerraformDependable, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsEksClusterAuth } from "@cdktf/provider-aws/lib/data-aws-eks-cluster-auth";
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
import { CAPACITY_LABEL, POOL_LABEL, PURPOSE_LABEL } from "../core/labels";
import { NamingRule, validateName } from "../core/naming";
import { assertNewWorkloadIdentity, NodePoolRegistry } from "../core/node-pools";
import {
  invalid,
  isUnresolved,
  validateCidr,
  validateCidrList,
  validateInteger,
  validateMinMax,
  validateNonEmpty,
  validateOneOf,
} from "../core/validation";
import { AwsVpc, NatGatewayMode } from "./aws-vpc";
import { EksGpuNodePool, EksGpuNodePoolOptions } from "./eks-gpu-node-pool";
import { secureLaunchTemplate } from "./eks-internal";
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

/** The five EKS control-plane log types. */
const CONTROL_PLANE_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"];
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
   * CIDRs allowed to reach a public API endpoint. The endpoint is private-only unless this is set;
   * `0.0.0.0/0` is rejected (list your CI runners and VPN egress instead).
   * @default - private endpoint only
   */
  readonly publicEndpointCidrs?: string[];
  /**
   * How workloads get AWS credentials.
   * @default EksIdentityMode.POD_IDENTITY
   */
  readonly identityMode?: EksIdentityMode;
  /**
   * Instance types of the system node group (on-demand).
   * @default ["m7i.large"]
   */
  readonly systemInstanceTypes?: string[];
  /**
   * Minimum nodes in the system node group (at least 1; 2 keeps CoreDNS and operators available).
   * @default 2
   */
  readonly systemMinNodes?: number;
  /**
   * Maximum nodes in the system node group. A managed node group grows beyond its minimum only
   * when the Kubernetes Cluster Autoscaler runs (`ClusterAutoscaler`): a maximum above the minimum
   * without one installed for the cluster gets a synth warning.
   * @default - `systemMinNodes` (a fixed-size group)
   */
  readonly systemMaxNodes?: number;
  /**
   * Root volume size of system nodes, in GiB (20-16384).
   * @default 50
   */
  readonly systemDiskSizeGiB?: number;
  /**
   * Retention of the control-plane log group, in days (a value CloudWatch Logs accepts).
   * @default 365
   */
  readonly logRetentionDays?: number;
  /**
   * IAM role ARNs given cluster-admin through EKS access entries (in addition to the identity
   * that creates the cluster).
   * @default - only the creating identity
   */
  readonly adminRoleArns?: string[];
  /**
   * Pinned EKS add-on versions by add-on name (`vpc-cni`, `coredns`, `kube-proxy`,
   * `aws-ebs-csi-driver`, `eks-pod-identity-agent`).
   * @default - the default version EKS picks for the Kubernetes version
   */
  readonly addonVersions?: { [addon: string]: string };
  /**
   * Protect the cluster from deletion (EKS deletion protection and Terraform `prevent_destroy` on
   * the cluster and its KMS key). Set to false only for throwaway clusters.
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
 * An Amazon EKS cluster, secure by default: private API endpoint, Kubernetes secrets encrypted
 * with a customer-managed KMS key (rotation on), all five control-plane log types in an
 * encrypted log group, EKS Pod Identity (or IRSA), the core add-ons as managed add-ons, a system
 * node group on a launch template with IMDSv2 (hop limit 1) and encrypted gp3 volumes, and
 * deletion protection.
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
  /** The customer-managed KMS key for secrets, logs and node volumes. */
  public readonly kmsKey: KmsKey;
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
    const systemInstanceTypes = props.systemInstanceTypes ?? ["m7i.large"];
    const systemMin = props.systemMinNodes ?? 2;
    const systemMax = props.systemMaxNodes ?? systemMin;
    const diskSize = props.systemDiskSizeGiB ?? 50;
    const retention = props.logRetentionDays ?? 365;
    const protect = props.deletionProtection ?? true;

    validateName(this, "clusterName", props.clusterName, NamingRule.EKS_CLUSTER);
    if (!isUnresolved(version) && !/^1\.\d{2}$/.test(version)) {
      invalid(this, "kubernetesVersion", version, 'must be a Kubernetes minor version such as "1.34"');
    }
    validateCidrList(this, "publicEndpointCidrs", props.publicEndpointCidrs, {
      allowAnywhere: false,
      anywhereHint: "must not be 0.0.0.0/0: list the CIDRs of your CI runners and VPN egress, or keep the endpoint private",
    });
    if (props.publicEndpointCidrs !== undefined && !isUnresolved(props.publicEndpointCidrs) && props.publicEndpointCidrs.length === 0) {
      invalid(this, "publicEndpointCidrs", props.publicEndpointCidrs, "must list at least one CIDR; omit it for a private-only endpoint");
    }
    if (props.subnetIds !== undefined) {
      for (const [prop, value] of [["vpcCidr", props.vpcCidr], ["zoneCount", props.zoneCount], ["natGateways", props.natGateways]] as const) {
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
    systemInstanceTypes.forEach((t, i) => validateNonEmpty(this, `systemInstanceTypes[${i}]`, t));
    validateInteger(this, "systemMinNodes", systemMin, 1, 450);
    validateInteger(this, "systemMaxNodes", systemMax, 1, 450);
    validateMinMax(this, "systemMinNodes", systemMin, "systemMaxNodes", systemMax);
    validateInteger(this, "systemDiskSizeGiB", diskSize, 20, 16384);
    if (!isUnresolved(retention) && !LOG_RETENTION_DAYS.includes(retention)) {
      invalid(this, "logRetentionDays", retention, `must be one of ${LOG_RETENTION_DAYS.join(", ")}`);
    }
    (props.adminRoleArns ?? []).forEach((arn, i) => {
      if (!isUnresolved(arn) && !/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/.test(arn)) {
        invalid(this, `adminRoleArns[${i}]`, arn, "must be an IAM role ARN such as arn:aws:iam::123456789012:role/platform-admins");
      }
    });
    for (const addon of Object.keys(props.addonVersions ?? {})) {
      validateOneOf(this, "addonVersions key", addon, ["vpc-cni", "coredns", "kube-proxy", "aws-ebs-csi-driver", "eks-pod-identity-agent"]);
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
      });
      this.subnetIds = this.vpc.privateSubnetIds;
    } else {
      this.subnetIds = props.subnetIds;
    }

    // Encryption key for secrets, control-plane logs and node volumes.
    const logGroupName = `/aws/eks/${props.clusterName}/cluster`;
    this.kmsKey = new KmsKey(this, "Key", {
      description: `EKS cluster ${props.clusterName}: secrets, control-plane logs and node volumes`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      policy: iamPolicy([
        {
          Sid: "AccountAdministers",
          Effect: "Allow",
          Principal: { AWS: `${arnPrefix}:iam::${account.accountId}:root` },
          Action: "kms:*",
          Resource: "*",
        },
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
      ]),
      lifecycle: { preventDestroy: protect },
    });
    new KmsAlias(this, "KeyAlias", { name: `alias/eks/${props.clusterName}`, targetKeyId: this.kmsKey.keyId });

    const logGroup = new CloudwatchLogGroup(this, "ControlPlaneLogs", {
      name: logGroupName,
      retentionInDays: retention,
      kmsKeyId: this.kmsKey.arn,
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
      enabledClusterLogTypes: CONTROL_PLANE_LOG_TYPES,
      vpcConfig: {
        subnetIds: this.subnetIds,
        endpointPrivateAccess: true,
        endpointPublicAccess: publicCidrs !== undefined,
        publicAccessCidrs: publicCidrs,
      },
      encryptionConfig: { resources: ["secrets"], provider: { keyArn: this.kmsKey.arn } },
      accessConfig: { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: true },
      upgradePolicy: { supportType: "STANDARD" },
      dependsOn: [clusterPolicy, clusterKeyPolicy, logGroup],
      lifecycle: { preventDestroy: protect },
    });
    this.endpoint = this.resource.endpoint;
    this.certificateAuthorityData = this.resource.certificateAuthority.get(0).data;

    (props.adminRoleArns ?? []).forEach((arn, i) => {
      const entry = new EksAccessEntry(this, `Admin${i}`, { clusterName: this.resource.name, principalArn: arn, type: "STANDARD" });
      new EksAccessPolicyAssociation(this, `Admin${i}Policy`, {
        clusterName: this.resource.name,
        principalArn: entry.principalArn,
        policyArn: `${arnPrefix}:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy`,
        accessScope: { type: "cluster" },
      });
    });

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
    const addonVersions = props.addonVersions ?? {};
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
      kmsKeyArn: this.kmsKey.arn,
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
      maxNodes: systemMax,
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
