import { Construct } from "constructs";
import { dependable } from "cdktf";
import { CloudwatchEventRule } from "@cdktf/provider-aws/lib/cloudwatch-event-rule";
import { CloudwatchEventTarget } from "@cdktf/provider-aws/lib/cloudwatch-event-target";
import { EksAccessEntry } from "@cdktf/provider-aws/lib/eks-access-entry";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { SqsQueuePolicy } from "@cdktf/provider-aws/lib/sqs-queue-policy";
import { IKubernetesCluster, IWorkloadIdentity, NodePoolPurpose } from "../core/cluster";
import { ClusterConnection } from "../core/connection";
import { generatedName, iamPolicy } from "../core/generated-names";
import { HelmChart, PinnedChart } from "../core/helm-chart";
import { invalid, validateInteger } from "../core/validation";
import { EksCluster } from "./eks-cluster";
import { EksWorkloadIdentity } from "./eks-workload-identity";

/** Namespace the Karpenter controller runs in. */
const KARPENTER_NAMESPACE = "kube-system";
/** Service account of the Karpenter controller. */
const KARPENTER_SERVICE_ACCOUNT = "karpenter";
/** Requests (and limits) of one controller pod. */
const CONTROLLER_CPU_MILLIS = 1000;
const CONTROLLER_MEMORY_MIB = 1024;
const CONTROLLER_RESOURCES = { cpu: "1", memory: "1Gi" };

/**
 * The EC2 events Karpenter handles from its interruption queue (the `Source()`/`DetailType()` of each
 * message parser in karpenter-provider-aws v1.14.1 `pkg/controllers/interruption/messages`). Patterns are
 * narrowed to what the parsers accept, so the queue does not fill with events Karpenter drops.
 */
const INTERRUPTION_EVENTS: { id: string; name: string; description: string; pattern: object }[] = [
  {
    id: "SpotInterruption",
    name: "spot-interruption",
    description: "two-minute spot interruption warnings",
    pattern: { source: ["aws.ec2"], "detail-type": ["EC2 Spot Instance Interruption Warning"] },
  },
  {
    id: "Rebalance",
    name: "rebalance",
    description: "spot rebalance recommendations",
    pattern: { source: ["aws.ec2"], "detail-type": ["EC2 Instance Rebalance Recommendation"] },
  },
  {
    id: "InstanceStateChange",
    name: "state-change",
    description: "instances stopping or terminating",
    pattern: {
      source: ["aws.ec2"],
      "detail-type": ["EC2 Instance State-change Notification"],
      detail: { state: ["stopping", "stopped", "shutting-down", "terminated"] },
    },
  },
  {
    id: "ScheduledChange",
    name: "scheduled-change",
    description: "AWS Health scheduled changes (maintenance, retirement) of EC2 instances",
    pattern: {
      source: ["aws.health"],
      "detail-type": ["AWS Health Event"],
      detail: { service: ["EC2"], eventTypeCategory: ["scheduledChange"] },
    },
  },
  {
    id: "CapacityReservationInterruption",
    name: "reservation-interruption",
    description: "interruptions of instances in interruptible capacity reservations",
    pattern: { source: ["aws.ec2"], "detail-type": ["EC2 Capacity Reservation Instance Interruption Warning"] },
  },
];

/** The cluster as an `EksCluster`, or the standard validation error. */
function requireEks(scope: Construct, prop: string, cluster: IKubernetesCluster | undefined): EksCluster {
  if (!(cluster instanceof EksCluster)) {
    invalid(
      scope,
      prop,
      cluster?.node.path,
      `must be an EksCluster (got target ${JSON.stringify(cluster?.target)}): Karpenter launches EC2 instances for Amazon EKS only`,
    );
  }
  return cluster;
}

/**
 * The `infra` prop of a Karpenter construct, or the standard error. JavaScript callers pass
 * `cluster.karpenter`, which is undefined on a cluster created without `karpenter: true`.
 */
function requireInfra(scope: Construct, infra: KarpenterInfra | undefined): KarpenterInfra {
  if (!(infra instanceof KarpenterInfra)) {
    invalid(
      scope,
      "infra",
      (infra as any)?.node?.path ?? infra,
      "must be a KarpenterInfra: create the EksCluster with karpenter: true and pass KarpenterInfra.of(cluster) (or cluster.karpenter), " +
        "or create one with new KarpenterInfra(infra, id, { cluster })",
    );
  }
  return infra;
}

/** Props of `KarpenterInfra`. */
export interface KarpenterInfraProps {
  /** The EKS cluster whose nodes Karpenter manages (in the same, infra, stack). */
  readonly cluster: EksCluster;
}

/**
 * The AWS side of Karpenter for an EKS cluster (infra stack): the controller's IAM role (Pod Identity or
 * IRSA for `kube-system/karpenter`) with a least-privilege inline policy, a node role for the instances
 * Karpenter launches with an `EC2_LINUX` access entry, and the interruption queue (SQS, SSE on, 5-minute
 * retention, TLS only) fed by EventBridge rules for spot interruption warnings, rebalance recommendations,
 * instance state changes, AWS Health scheduled changes and capacity-reservation interruptions.
 *
 * The controller's EC2 permissions only reach resources tagged `kubernetes.io/cluster/<name>=owned` with a
 * `karpenter.sh/nodepool` tag, and `iam:PassRole` only the node role.
 *
 * @example
 * const cluster = new EksCluster(infra, "Cluster", { clusterName: "ml" });
 * const karpenter = new KarpenterInfra(infra, "Karpenter", { cluster });
 * new KarpenterController(platform, "Karpenter", { connection: cluster.connect(platform, "Ml"), infra: karpenter });
 */
export class KarpenterInfra extends Construct {
  /**
   * The Karpenter AWS side of `cluster` (created by `karpenter: true`); an error naming the fix when the
   * cluster has none. Unlike `cluster.karpenter`, never undefined.
   */
  public static of(cluster: EksCluster): KarpenterInfra {
    const infra = cluster instanceof EksCluster ? cluster.karpenter : undefined;
    if (infra === undefined) {
      invalid(
        cluster?.node ? cluster : ({ node: { path: "<unknown>" } } as any),
        "karpenter",
        undefined,
        "the cluster has no Karpenter AWS side: create the EksCluster with karpenter: true (or create a KarpenterInfra for it and pass that)",
      );
    }
    return infra;
  }

  /** The cluster. */
  public readonly cluster: EksCluster;
  /** Name of the interruption queue (Karpenter's `settings.interruptionQueue`). */
  public readonly queueName: string;
  /** The interruption queue. */
  public readonly queue: SqsQueue;
  /** The controller's workload identity (`kube-system/karpenter`). */
  public readonly controllerIdentity: IWorkloadIdentity;
  /** The controller's IAM role. */
  public readonly controllerRole: IamRole;
  /** The IAM role of the nodes Karpenter launches (Karpenter creates their instance profile). */
  public readonly nodeRole: IamRole;
  /** Name of the node role (`spec.role` of an EC2NodeClass). */
  public readonly nodeRoleName: string;

  constructor(scope: Construct, id: string, props: KarpenterInfraProps) {
    super(scope, id);
    const cluster = requireEks(this, "cluster", props.cluster);
    this.cluster = cluster;
    const arnPrefix = `arn:${cluster.partition}`;

    // Nodes get their own role: the system node group's role already has the EC2_LINUX access entry EKS
    // creates for managed node groups, and a principal can be in only one access entry.
    this.nodeRoleName = generatedName([cluster.clusterName, "karpenter-node"], 64);
    this.nodeRole = new IamRole(this, "NodeRole", {
      name: this.nodeRoleName,
      description: `Nodes that Karpenter launches for EKS cluster ${cluster.clusterName}`,
      assumeRolePolicy: iamPolicy([{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }]),
    });
    for (const policy of ["AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryPullOnly"]) {
      new IamRolePolicyAttachment(this, `NodeRole${policy}`, {
        role: this.nodeRole.name,
        policyArn: `${arnPrefix}:iam::aws:policy/${policy}`,
      });
    }
    new EksAccessEntry(this, "NodeAccessEntry", {
      clusterName: cluster.resource.name,
      principalArn: this.nodeRole.arn,
      type: "EC2_LINUX",
    });

    // Interruption queue and the rules that feed it.
    this.queueName = generatedName([cluster.clusterName, "karpenter"], 80);
    this.queue = new SqsQueue(this, "InterruptionQueue", {
      name: this.queueName,
      messageRetentionSeconds: 300,
      sqsManagedSseEnabled: true,
    });
    const rules = INTERRUPTION_EVENTS.map((event) => {
      const rule = new CloudwatchEventRule(this, `${event.id}Rule`, {
        name: generatedName([cluster.clusterName, "karpenter", event.name], 64),
        description: `Karpenter (${cluster.clusterName}): ${event.description}`,
        eventPattern: JSON.stringify(event.pattern),
      });
      new CloudwatchEventTarget(this, `${event.id}Target`, {
        rule: rule.name,
        targetId: "karpenter-interruption-queue",
        arn: this.queue.arn,
      });
      return rule;
    });
    new SqsQueuePolicy(this, "InterruptionQueuePolicy", {
      queueUrl: this.queue.url,
      policy: iamPolicy([
        {
          Sid: "EventBridgeRules",
          Effect: "Allow",
          Principal: { Service: "events.amazonaws.com" },
          Action: "sqs:SendMessage",
          Resource: this.queue.arn,
          Condition: { ArnEquals: { "aws:SourceArn": rules.map((r) => r.arn) } },
        },
        {
          Sid: "SqsService",
          Effect: "Allow",
          Principal: { Service: "sqs.amazonaws.com" },
          Action: "sqs:SendMessage",
          Resource: this.queue.arn,
        },
        {
          Sid: "DenyNonTls",
          Effect: "Deny",
          Principal: "*",
          Action: "sqs:*",
          Resource: this.queue.arn,
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
      ]),
    });

    // Controller identity and its policy.
    this.controllerIdentity = cluster.addWorkloadIdentity("KarpenterController", {
      namespace: KARPENTER_NAMESPACE,
      serviceAccountName: KARPENTER_SERVICE_ACCOUNT,
    });
    this.controllerRole = (this.controllerIdentity as EksWorkloadIdentity).role;
    new IamRolePolicy(this, "ControllerPolicy", {
      name: "karpenter-controller",
      role: this.controllerRole.name,
      policy: iamPolicy(controllerStatements(cluster, this.queue.arn, this.nodeRole.arn)),
    });
  }
}

/**
 * The controller's permissions, written from the permissions Karpenter v1.14 documents for its controller
 * (website `reference/cloudformation`): launches and deletions scoped by cluster tags, instance profiles
 * scoped by tags, reads limited to the region, plus KMS use through EC2 for the encrypted root volumes.
 */
function controllerStatements(cluster: EksCluster, queueArn: string, nodeRoleArn: string): object[] {
  const partition = cluster.partition;
  const region = cluster.region;
  const account = cluster.accountId;
  const name = cluster.clusterName;
  const ec2 = `arn:${partition}:ec2:${region}`;
  const own = (type: string) => `${ec2}:${account}:${type}/*`;
  const instanceProfiles = `arn:${partition}:iam::${account}:instance-profile/*`;
  const created = ["fleet", "instance", "volume", "network-interface", "launch-template", "spot-instances-request"].map(own);
  const clusterTag = `kubernetes.io/cluster/${name}`;
  const ownedResource = {
    StringEquals: { [`aws:ResourceTag/${clusterTag}`]: "owned" },
    StringLike: { "aws:ResourceTag/karpenter.sh/nodepool": "*" },
  };
  const ownedRequest = {
    [`aws:RequestTag/${clusterTag}`]: "owned",
    "aws:RequestTag/eks:eks-cluster-name": name,
  };
  const profileTags = {
    [`aws:RequestTag/${clusterTag}`]: "owned",
    "aws:RequestTag/eks:eks-cluster-name": name,
    "aws:RequestTag/topology.kubernetes.io/region": region,
  };
  const ownedProfile = {
    [`aws:ResourceTag/${clusterTag}`]: "owned",
    "aws:ResourceTag/topology.kubernetes.io/region": region,
  };
  const viaEc2 = { "kms:ViaService": `ec2.${region}.${cluster.dnsSuffix}`, "kms:CallerAccount": account };
  return [
    {
      Sid: "LaunchFromSharedResources",
      Effect: "Allow",
      Action: ["ec2:RunInstances", "ec2:CreateFleet"],
      Resource: [
        `${ec2}::image/*`,
        `${ec2}::snapshot/*`,
        `${ec2}:*:security-group/*`,
        `${ec2}:*:subnet/*`,
        `${ec2}:*:capacity-reservation/*`,
        `${ec2}:*:placement-group/*`,
      ],
    },
    {
      Sid: "LaunchFromClusterLaunchTemplates",
      Effect: "Allow",
      Action: ["ec2:RunInstances", "ec2:CreateFleet"],
      Resource: own("launch-template"),
      Condition: ownedResource,
    },
    {
      Sid: "CreateClusterTaggedResources",
      Effect: "Allow",
      Action: ["ec2:RunInstances", "ec2:CreateFleet", "ec2:CreateLaunchTemplate"],
      Resource: created,
      Condition: { StringEquals: ownedRequest, StringLike: { "aws:RequestTag/karpenter.sh/nodepool": "*" } },
    },
    {
      Sid: "TagOnCreate",
      Effect: "Allow",
      Action: "ec2:CreateTags",
      Resource: created,
      Condition: {
        StringEquals: { ...ownedRequest, "ec2:CreateAction": ["RunInstances", "CreateFleet", "CreateLaunchTemplate"] },
        StringLike: { "aws:RequestTag/karpenter.sh/nodepool": "*" },
      },
    },
    {
      Sid: "TagClusterInstances",
      Effect: "Allow",
      Action: "ec2:CreateTags",
      Resource: own("instance"),
      Condition: {
        ...ownedResource,
        StringEqualsIfExists: { "aws:RequestTag/eks:eks-cluster-name": name },
        "ForAllValues:StringEquals": { "aws:TagKeys": ["eks:eks-cluster-name", "karpenter.sh/nodeclaim", "Name"] },
      },
    },
    {
      Sid: "DeleteClusterResources",
      Effect: "Allow",
      Action: ["ec2:TerminateInstances", "ec2:DeleteLaunchTemplate"],
      Resource: [own("instance"), own("launch-template")],
      Condition: ownedResource,
    },
    {
      Sid: "RegionalReads",
      Effect: "Allow",
      Action: [
        "ec2:DescribeCapacityReservations",
        "ec2:DescribeImages",
        "ec2:DescribeInstances",
        "ec2:DescribeInstanceStatus",
        "ec2:DescribeInstanceTypeOfferings",
        "ec2:DescribeInstanceTypes",
        "ec2:DescribeLaunchTemplates",
        "ec2:DescribePlacementGroups",
        "ec2:DescribeSecurityGroups",
        "ec2:DescribeSpotPriceHistory",
        "ec2:DescribeSubnets",
      ],
      Resource: "*",
      Condition: { StringEquals: { "aws:RequestedRegion": region } },
    },
    {
      Sid: "PassNodeRole",
      Effect: "Allow",
      Action: "iam:PassRole",
      Resource: nodeRoleArn,
      Condition: { StringEquals: { "iam:PassedToService": ["ec2.amazonaws.com", "ec2.amazonaws.com.cn"] } },
    },
    {
      Sid: "CreateInstanceProfiles",
      Effect: "Allow",
      Action: "iam:CreateInstanceProfile",
      Resource: instanceProfiles,
      Condition: { StringEquals: profileTags, StringLike: { "aws:RequestTag/karpenter.k8s.aws/ec2nodeclass": "*" } },
    },
    {
      Sid: "TagInstanceProfiles",
      Effect: "Allow",
      Action: "iam:TagInstanceProfile",
      Resource: instanceProfiles,
      Condition: {
        StringEquals: { ...ownedProfile, ...profileTags },
        StringLike: { "aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass": "*", "aws:RequestTag/karpenter.k8s.aws/ec2nodeclass": "*" },
      },
    },
    {
      Sid: "ManageInstanceProfiles",
      Effect: "Allow",
      Action: ["iam:AddRoleToInstanceProfile", "iam:RemoveRoleFromInstanceProfile", "iam:DeleteInstanceProfile"],
      Resource: instanceProfiles,
      Condition: { StringEquals: ownedProfile, StringLike: { "aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass": "*" } },
    },
    { Sid: "ReadInstanceProfiles", Effect: "Allow", Action: "iam:GetInstanceProfile", Resource: instanceProfiles },
    { Sid: "ListInstanceProfiles", Effect: "Allow", Action: "iam:ListInstanceProfiles", Resource: "*" },
    { Sid: "DescribeCluster", Effect: "Allow", Action: "eks:DescribeCluster", Resource: cluster.resource.arn },
    {
      Sid: "InterruptionQueue",
      Effect: "Allow",
      Action: ["sqs:DeleteMessage", "sqs:GetQueueUrl", "sqs:ReceiveMessage"],
      Resource: queueArn,
    },
    {
      Sid: "ReadAmiParameters",
      Effect: "Allow",
      Action: "ssm:GetParameter",
      Resource: `arn:${partition}:ssm:${region}::parameter/aws/service/*`,
    },
    { Sid: "ReadPrices", Effect: "Allow", Action: "pricing:GetProducts", Resource: "*" },
    {
      // The first spot launch in an account creates EC2's spot service-linked role.
      Sid: "CreateSpotServiceLinkedRole",
      Effect: "Allow",
      Action: "iam:CreateServiceLinkedRole",
      Resource: `arn:${partition}:iam::${account}:role/aws-service-role/spot.amazonaws.com/AWSServiceRoleForEC2Spot`,
      Condition: { StringEquals: { "iam:AWSServiceName": "spot.amazonaws.com" } },
    },
    {
      Sid: "EncryptNodeVolumes",
      Effect: "Allow",
      Action: ["kms:GenerateDataKeyWithoutPlaintext", "kms:Decrypt", "kms:ReEncrypt*", "kms:DescribeKey"],
      Resource: cluster.volumesKey.arn,
      Condition: { StringEquals: viaEc2 },
    },
    {
      Sid: "GrantNodeVolumeKey",
      Effect: "Allow",
      Action: "kms:CreateGrant",
      Resource: cluster.volumesKey.arn,
      Condition: { StringEquals: viaEc2, Bool: { "kms:GrantIsForAWSResource": "true" } },
    },
  ];
}

/** Props of `KarpenterController`. */
export interface KarpenterControllerProps {
  /** Connection to the EKS cluster in the platform stack. */
  readonly connection: ClusterConnection;
  /** The AWS side of Karpenter (infra stack): `KarpenterInfra.of(cluster)` for a cluster created with `karpenter: true`. */
  readonly infra: KarpenterInfra;
  /**
   * Controller replicas (1-10; with 2 or more, one is leader and the others stand by).
   * @default 2
   */
  readonly replicas?: number;
}

/**
 * The Karpenter controller (platform stack): Karpenter's CRDs (NodePool, NodeClaim, EC2NodeClass) from the
 * pinned `karpenter-crd` chart, so that they upgrade with Karpenter, then the pinned Karpenter chart in
 * `kube-system` with its own copy of the CRDs skipped (`skip_crds`), the cluster name, the interruption
 * queue and the `karpenter` service account of `KarpenterInfra`, the cluster's region as `AWS_REGION` (Karpenter
 * does not depend on the instance metadata service, which the nodes' hop limit of 1 keeps from pods), two
 * replicas with CPU and memory requests
 * and limits (registered as system workloads of the cluster), pinned to the cluster's system node pool so that
 * Karpenter never runs on nodes it manages. The chart's default affinity puts the replicas on different nodes
 * spread over zones: the system pool needs as many nodes (in as many zones) as there are replicas. Create node
 * pools (`KarpenterGpuNodePools`) in a later (workloads) stack.
 *
 * Upgrading from a Strata release whose Karpenter chart installed the CRDs itself: Helm adopts the existing
 * CRDs into the `karpenter-crd` release only when they carry its ownership metadata; label and annotate them
 * first (`app.kubernetes.io/managed-by=Helm`, `meta.helm.sh/release-name=karpenter-crd`,
 * `meta.helm.sh/release-namespace=kube-system`), as Karpenter's upgrade guide describes.
 *
 * @example
 * new KarpenterController(platform, "Karpenter", { connection: cluster.connect(platform, "Ml"), infra: KarpenterInfra.of(cluster) });
 */
export class KarpenterController extends Construct {
  /** The Helm release of the controller. */
  public readonly chart: HelmChart;
  /** The Helm release of Karpenter's CRDs (`karpenter-crd`), installed before the controller. */
  public readonly crdChart: HelmChart;

  constructor(scope: Construct, id: string, props: KarpenterControllerProps) {
    super(scope, id);
    const replicas = props.replicas ?? 2;
    const infra = requireInfra(this, props.infra);
    const cluster = requireEks(this, "infra.cluster", infra.cluster);
    if (props.connection.cluster !== cluster) {
      invalid(this, "connection", props.connection.node.path, `must connect to the cluster of infra (${cluster.node.path})`);
    }
    validateInteger(this, "replicas", replicas, 1, 10);
    const system = cluster.nodePools.find((p) => p.purpose === NodePoolPurpose.SYSTEM);
    if (!system) {
      invalid(this, "infra.cluster", cluster.node.path, "must have a system node pool for the controller (Karpenter must not run on nodes it manages)");
    }
    const identity = infra.controllerIdentity;
    const annotations = identity.serviceAccountAnnotations;

    this.crdChart = new HelmChart(this, "Crds", {
      connection: props.connection,
      chart: PinnedChart.KARPENTER_CRD,
      releaseName: "karpenter-crd",
      namespace: KARPENTER_NAMESPACE,
    });
    this.chart = new HelmChart(this, "Chart", {
      connection: props.connection,
      chart: PinnedChart.KARPENTER,
      releaseName: "karpenter",
      namespace: KARPENTER_NAMESPACE,
      values: {
        settings: { clusterName: cluster.clusterName, interruptionQueue: infra.queueName },
        serviceAccount: {
          name: identity.serviceAccountName,
          ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
        },
        replicas,
        controller: {
          // The region, so that Karpenter never asks the instance metadata service for it: pods reach IMDS only
          // through the host network or a hop limit above 1, and the system nodes' launch template keeps the hop
          // limit at 1 (Karpenter v1 without a region panics at start: karpenter-provider-aws #6295, #8219). The
          // chart's values declare `controller.env` as a list of name/value pairs, with AWS_REGION as the
          // example. The value is the cluster's region, a cross-stack reference when this stack is not the
          // cluster's.
          env: [{ name: "AWS_REGION", value: cluster.region }],
          // No `controller.image` here: Karpenter's release script (hack/release/common.sh, `buildImages`) writes
          // the release's image tag and digest into the chart's values before packaging it, so the pinned OCI
          // chart version pins the controller image by digest. (The chart's values.yaml at the git tag still
          // names the previous release's image; only the published chart carries the new digest.)
          resources: { requests: { ...CONTROLLER_RESOURCES }, limits: { ...CONTROLLER_RESOURCES } },
        },
        nodeSelector: { ...system.labels },
      },
    });
    // The CRDs come from the karpenter-crd release, which Helm upgrades (it never upgrades a chart's crds/).
    this.chart.release.skipCrds = true;
    this.chart.release.dependsOn = [...(this.chart.release.dependsOn ?? []), dependable(this.crdChart.release)];
    cluster.addSystemWorkload({ name: "karpenter", cpuMillis: CONTROLLER_CPU_MILLIS, memoryMiB: CONTROLLER_MEMORY_MIB, replicas });
  }
}

export * from "./karpenter-node-pools";
