import { Construct } from "constructs";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IWorkloadIdentity, NodePoolPurpose } from "../core/cluster";
import { ClusterConnection } from "../core/connection";
import { iamPolicy } from "../core/generated-names";
import { HelmChart, PinnedChart } from "../core/helm-chart";
import { invalid, isUnresolved, validateEnum, validateInteger, warn } from "../core/validation";
import { EksCluster } from "./eks-cluster";

/** Namespace the Cluster Autoscaler runs in. */
const NAMESPACE = "kube-system";
/** Service account of the Cluster Autoscaler (the chart's `rbac.serviceAccount.name`). */
const SERVICE_ACCOUNT = "cluster-autoscaler";
/** The autoscaler's image repository (the chart's default). */
const IMAGE_REPOSITORY = "registry.k8s.io/autoscaling/cluster-autoscaler";
/** The image tag of chart 9.59.0's appVersion (1.35.0): the default for a cluster minor the catalog lacks. */
const CHART_APP_IMAGE_TAG = "v1.35.0";
/**
 * The autoscaler release per Kubernetes minor (EKS versions Strata supports). The autoscaler ships one
 * release series per Kubernetes minor and asks that the two match (kubernetes/autoscaler README,
 * "Releases": "Kubernetes Version 1.34.x - CA Version 1.34.x", chart 9.51.0+ for 1.34). Patch releases as
 * the AWS EKS Blueprints add-ons module pins them: v1.31.2 and v1.32.1 in its `cluster_autoscaler_image_tag`
 * map (aws-ia/terraform-aws-eks-blueprints-addons main.tf), v1.33.5 and v1.34.4 from its PR #516 ("per the
 * autoscaler releases page", merged 2026-07). Not checked against the registry from here (no network):
 * `crane ls registry.k8s.io/autoscaling/cluster-autoscaler` confirms them, and `imageTag` overrides.
 */
const IMAGE_TAGS: { [kubernetesMinor: string]: string } = {
  "1.31": "v1.31.2",
  "1.32": "v1.32.1",
  "1.33": "v1.33.5",
  "1.34": "v1.34.4",
};
/** A cluster-autoscaler release tag: `v<major>.<minor>.<patch>`. */
const IMAGE_TAG_FORM = /^v(\d+\.\d+)\.\d+$/;
/** Requests (and limits) of the one autoscaler pod. */
const CPU_MILLIS = 100;
const MEMORY_MIB = 600;

/** How the Cluster Autoscaler picks a node group to grow when several fit the pending pods. */
export enum ClusterAutoscalerExpander {
  /** The group that leaves the least CPU and memory idle after the pods are placed (ties: random). */
  LEAST_WASTE = "least-waste",
  /** The group that schedules the most pending pods. */
  MOST_PODS = "most-pods",
  /** A random fitting group. */
  RANDOM = "random",
}

/** Props of `ClusterAutoscalerInfra`. */
export interface ClusterAutoscalerInfraProps {
  /** The EKS cluster whose managed node groups the autoscaler resizes (in the same, infra, stack). */
  readonly cluster: EksCluster;
}

/**
 * The AWS side of the Kubernetes Cluster Autoscaler for an EKS cluster (infra stack): the workload
 * identity of `kube-system/cluster-autoscaler` (EKS Pod Identity or IRSA, per the cluster's identity mode)
 * with a least-privilege inline policy. `EksCluster` creates it by default (`clusterAutoscaler: true`);
 * install the autoscaler itself with `ClusterAutoscaler` in the platform stack.
 *
 * The policy (after the "full features" policy of the autoscaler's AWS README and the IAM policy of the EKS
 * Best Practices Guide): reads that IAM cannot scope to a resource (`autoscaling:Describe*` of groups,
 * instances, launch configurations and scaling activities; `ec2:DescribeImages`, `DescribeInstanceTypes`,
 * `DescribeLaunchTemplateVersions`, `GetInstanceTypesFromInstanceRequirements`) on `*` in the cluster's
 * region; `autoscaling:SetDesiredCapacity` and `TerminateInstanceInAutoScalingGroup` only on Auto Scaling
 * groups tagged `k8s.io/cluster-autoscaler/enabled=true` and `k8s.io/cluster-autoscaler/<cluster>=owned`,
 * the tags EKS puts on the group of every managed node group; and `eks:DescribeNodegroup` on the
 * cluster's node groups (the labels and taints of a group that has never had a node).
 *
 * @example
 * const cluster = new EksCluster(infra, "Cluster", { clusterName: "ml" }); // creates cluster.clusterAutoscaler
 * new ClusterAutoscaler(platform, "ClusterAutoscaler", { connection: cluster.connect(platform, "Ml") });
 */
export class ClusterAutoscalerInfra extends Construct {
  /** The cluster. */
  public readonly cluster: EksCluster;
  /** The autoscaler's workload identity (`kube-system/cluster-autoscaler`). */
  public readonly identity: IWorkloadIdentity;
  /** The inline policy of the identity's role. */
  public readonly policy: IamRolePolicy;

  constructor(scope: Construct, id: string, props: ClusterAutoscalerInfraProps) {
    super(scope, id);
    const cluster = props.cluster;
    if (!(cluster instanceof EksCluster)) {
      invalid(this, "cluster", (cluster as any)?.node?.path ?? cluster, "must be an EksCluster: this is the AWS side of the Cluster Autoscaler for EKS managed node groups");
    }
    const other = cluster.node.findAll().find((c) => c instanceof ClusterAutoscalerInfra && c !== this);
    if (other) {
      invalid(this, "cluster", cluster.node.path, `already has the Cluster Autoscaler's AWS side (${other.node.path}); use cluster.clusterAutoscaler`);
    }
    this.cluster = cluster;
    this.identity = cluster.addWorkloadIdentity("ClusterAutoscalerIdentity", { namespace: NAMESPACE, serviceAccountName: SERVICE_ACCOUNT });
    this.policy = new IamRolePolicy(this, "Policy", {
      name: "cluster-autoscaler",
      role: this.identity.awsRoleName!,
      policy: iamPolicy(clusterAutoscalerStatements(cluster)),
    });
  }
}

/** The autoscaler's permissions; see `ClusterAutoscalerInfra`. */
function clusterAutoscalerStatements(cluster: EksCluster): object[] {
  const partition = cluster.partition;
  const region = cluster.region;
  const account = cluster.accountId;
  const name = cluster.clusterName;
  return [
    {
      // IAM does not scope these reads to resources.
      Sid: "RegionalReads",
      Effect: "Allow",
      Action: [
        "autoscaling:DescribeAutoScalingGroups",
        "autoscaling:DescribeAutoScalingInstances",
        "autoscaling:DescribeLaunchConfigurations",
        "autoscaling:DescribeScalingActivities",
        "ec2:DescribeImages",
        "ec2:DescribeInstanceTypes",
        "ec2:DescribeLaunchTemplateVersions",
        "ec2:GetInstanceTypesFromInstanceRequirements",
      ],
      Resource: "*",
      Condition: { StringEquals: { "aws:RequestedRegion": region } },
    },
    {
      // EKS tags the Auto Scaling group of every managed node group for the autoscaler's discovery
      // (`k8s.io/cluster-autoscaler/enabled=true`, `k8s.io/cluster-autoscaler/<cluster>=owned`; EKS user guide,
      // "managed node groups"; the EKS Best Practices Guide's autoscaler policy uses the same condition).
      Sid: "ScaleClusterNodeGroups",
      Effect: "Allow",
      Action: ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"],
      Resource: `arn:${partition}:autoscaling:${region}:${account}:autoScalingGroup:*:autoScalingGroupName/*`,
      Condition: {
        StringEquals: {
          "aws:ResourceTag/k8s.io/cluster-autoscaler/enabled": "true",
          [`aws:ResourceTag/k8s.io/cluster-autoscaler/${name}`]: "owned",
        },
      },
    },
    {
      // Labels and taints of a managed node group that has never had a node (scale from zero).
      Sid: "DescribeClusterNodeGroups",
      Effect: "Allow",
      Action: "eks:DescribeNodegroup",
      Resource: `arn:${partition}:eks:${region}:${account}:nodegroup/${name}/*/*`,
    },
  ];
}

/** Props of `ClusterAutoscaler`. */
export interface ClusterAutoscalerProps {
  /** Connection to the EKS cluster in the platform stack. */
  readonly connection: ClusterConnection;
  /**
   * How to pick the node group to grow when several fit.
   * @default ClusterAutoscalerExpander.LEAST_WASTE
   */
  readonly expander?: ClusterAutoscalerExpander;
  /**
   * Minutes a node must be unneeded before the autoscaler removes it (1-1440; the autoscaler's
   * `--scale-down-unneeded-time`).
   * @default 10
   */
  readonly scaleDownUnneededMinutes?: number;
  /**
   * Tag of the autoscaler image (`registry.k8s.io/autoscaling/cluster-autoscaler`), `v<major>.<minor>.<patch>`
   * such as `"v1.34.4"`. Keep its minor at the cluster's Kubernetes minor (the autoscaler project tests only
   * matching minors); a different minor is a synth warning.
   * @default - the catalog's release for the cluster's `kubernetesVersion` (1.31: v1.31.2, 1.32: v1.32.1,
   * 1.33: v1.33.5, 1.34: v1.34.4); the chart's appVersion tag (v1.35.0) for a version the catalog lacks, with a
   * warning when its minor is not the cluster's
   */
  readonly imageTag?: string;
}

/**
 * The Kubernetes Cluster Autoscaler (platform stack): the pinned `cluster-autoscaler` chart 9.59.0 in
 * `kube-system` with the autoscaler image of the cluster's Kubernetes minor (v1.34.4 on a 1.34 cluster; the
 * chart's own v1.35.0 would be a minor ahead), discovering the cluster's managed node groups by the tags EKS gives
 * their Auto Scaling groups, running as the `cluster-autoscaler` service account bound to the identity of
 * `ClusterAutoscalerInfra` (`cluster.clusterAutoscaler`). It is what grows an EKS managed node group whose
 * `minNodes` is below its `maxNodes` (system, GPU and spot training groups; Karpenter's NodePools are
 * Karpenter's). One replica (the autoscaler is a single leader) on the system node pool, non-root with a
 * read-only root file system and no capabilities, requests and limits of 100m CPU and 600 MiB (registered as a
 * system workload of the cluster). Arguments: `--expander` (least-waste by default),
 * `--balance-similar-node-groups`, `--scale-down-unneeded-time`; nodes running kube-system pods are not
 * scaled down (the autoscaler's default).
 *
 * @example
 * const cluster = new EksCluster(infra, "Cluster", { clusterName: "ml", systemMaxNodes: 4 });
 * cluster.addSpotTrainingPool("A10G", { gpu: Gpu.NVIDIA_A10G, maxGpus: 8 });
 * new ClusterAutoscaler(platform, "ClusterAutoscaler", { connection: cluster.connect(platform, "Ml") });
 */
export class ClusterAutoscaler extends Construct {
  /** The cluster whose node groups this autoscaler resizes. */
  public readonly cluster: EksCluster;
  /** The Helm release. */
  public readonly chart: HelmChart;
  /** The autoscaler image tag in use (`imageTag`, or the one picked for the cluster's Kubernetes minor). */
  public readonly imageTag: string;

  constructor(scope: Construct, id: string, props: ClusterAutoscalerProps) {
    super(scope, id);
    const expander = props.expander ?? ClusterAutoscalerExpander.LEAST_WASTE;
    const unneededMinutes = props.scaleDownUnneededMinutes ?? 10;
    const cluster = props.connection?.cluster;
    if (!(cluster instanceof EksCluster)) {
      invalid(
        this,
        "connection",
        props.connection?.node.path,
        `must connect to an EksCluster (got target ${JSON.stringify(cluster?.target)}): this Cluster Autoscaler resizes EKS managed node groups; GKE scales its pools itself`,
      );
    }
    const infra = cluster.clusterAutoscaler;
    if (infra === undefined) {
      invalid(
        this,
        "connection",
        props.connection.node.path,
        `connects to ${cluster.node.path}, which was created with clusterAutoscaler: false; set clusterAutoscaler: true (the default) on the EksCluster for the autoscaler's identity`,
      );
    }
    validateEnum(this, "expander", expander, ClusterAutoscalerExpander, "ClusterAutoscalerExpander");
    validateInteger(this, "scaleDownUnneededMinutes", unneededMinutes, 1, 1440);
    const twin = this.node.root.node.findAll().find((c) => c instanceof ClusterAutoscaler && c !== this && c.cluster === cluster);
    if (twin) {
      invalid(this, "connection", props.connection.node.path, `is the cluster of ${twin.node.path}, which already installs the Cluster Autoscaler; install it once per cluster`);
    }
    const system = cluster.nodePools.find((p) => p.purpose === NodePoolPurpose.SYSTEM);
    if (!system) {
      invalid(this, "connection", props.connection.node.path, "must reach a cluster with a system node pool for the autoscaler");
    }
    this.cluster = cluster;
    this.imageTag = this.resolveImageTag(props.imageTag, cluster.kubernetesVersion);

    const identity = infra.identity;
    const annotations = identity.serviceAccountAnnotations;
    const resources = { cpu: `${CPU_MILLIS}m`, memory: `${MEMORY_MIB}Mi` };
    this.chart = new HelmChart(this, "Chart", {
      connection: props.connection,
      chart: PinnedChart.CLUSTER_AUTOSCALER,
      releaseName: "cluster-autoscaler",
      namespace: NAMESPACE,
      values: {
        cloudProvider: "aws",
        // AWS_REGION for the autoscaler: it need not ask the instance metadata service, which the nodes'
        // hop limit of 1 keeps from pods anyway.
        awsRegion: cluster.region,
        autoDiscovery: { clusterName: cluster.clusterName },
        image: { repository: IMAGE_REPOSITORY, tag: this.imageTag },
        rbac: {
          serviceAccount: {
            create: true,
            name: identity.serviceAccountName,
            ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
          },
        },
        replicaCount: 1,
        // customArgs (a list in the chart) rather than new extraArgs keys, which the chart only documents in comments.
        customArgs: [`--expander=${expander}`, "--balance-similar-node-groups=true", `--scale-down-unneeded-time=${unneededMinutes}m`],
        resources: { requests: { ...resources }, limits: { ...resources } },
        // The non-root settings the chart suggests in its values' comments.
        securityContext: { runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, seccompProfile: { type: "RuntimeDefault" } },
        containerSecurityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, readOnlyRootFilesystem: true },
        nodeSelector: { ...system.labels },
      },
    });
    cluster.addSystemWorkload({ name: "cluster-autoscaler", cpuMillis: CPU_MILLIS, memoryMiB: MEMORY_MIB, replicas: 1 });
  }

  /** `imageTag` validated, or the catalog's tag for the cluster's minor (warning where none matches it). */
  private resolveImageTag(imageTag: unknown, kubernetesVersion: string): string {
    const clusterMinor = isUnresolved(kubernetesVersion) ? undefined : kubernetesVersion;
    if (imageTag !== undefined) {
      if (isUnresolved(imageTag)) return imageTag as string;
      const match = typeof imageTag === "string" ? IMAGE_TAG_FORM.exec(imageTag) : null;
      if (!match) {
        invalid(
          this,
          "imageTag",
          imageTag,
          `must be a cluster-autoscaler release tag v<major>.<minor>.<patch>, such as "${IMAGE_TAGS[clusterMinor ?? ""] ?? CHART_APP_IMAGE_TAG}" (no "latest": the image is pinned)`,
        );
      }
      if (clusterMinor !== undefined && match[1] !== clusterMinor) {
        warn(
          this,
          "imageTag",
          imageTag,
          `is a ${match[1]} release on a Kubernetes ${clusterMinor} cluster; the Cluster Autoscaler project tests only matching minors: use a v${clusterMinor}.x tag`,
        );
      }
      return imageTag as string;
    }
    const fromCatalog = clusterMinor === undefined ? undefined : IMAGE_TAGS[clusterMinor];
    if (fromCatalog !== undefined) return fromCatalog;
    const chartMinor = IMAGE_TAG_FORM.exec(CHART_APP_IMAGE_TAG)![1];
    if (clusterMinor !== chartMinor) {
      warn(
        this,
        "kubernetesVersion",
        kubernetesVersion,
        `has no entry in Strata's Cluster Autoscaler image catalog (${Object.keys(IMAGE_TAGS).join(", ")}), so the image is the chart's ${CHART_APP_IMAGE_TAG}, ` +
          `which may not match the cluster's minor; set imageTag to a release of the cluster's minor (v<minor>.x)`,
      );
    }
    return CHART_APP_IMAGE_TAG;
  }
}
