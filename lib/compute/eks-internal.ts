import { Construct, IConstruct } from "constructs";
import { TerraformStack } from "cdktf";
import { LaunchTemplate } from "@cdktf/provider-aws/lib/launch-template";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { Gpu, GpuAvailability } from "../core/gpu";
import { invalid, isUnresolved, warn } from "../core/validation";

/*
 * Internal (not exported from the package): pieces shared by the EKS cluster and its node pools.
 */

/** Options of `secureLaunchTemplate`. */
export interface SecureLaunchTemplateOptions {
  /** Launch template name. */
  readonly name: string;
  /** Root volume size in GiB. */
  readonly diskSizeGiB: number;
  /** KMS key ARN that encrypts the volumes. */
  readonly kmsKeyArn: string;
  /** Bottlerocket: a small encrypted OS volume on /dev/xvda and the data volume on /dev/xvdb. */
  readonly bottlerocket?: boolean;
}

/**
 * A launch template for EKS managed nodes: IMDSv2 only with a hop limit of 1 (pods cannot reach
 * the node's credentials), no instance tags in metadata, gp3 volumes encrypted with the
 * cluster's customer-managed key.
 */
export function secureLaunchTemplate(scope: Construct, id: string, options: SecureLaunchTemplateOptions): LaunchTemplate {
  const volume = (deviceName: string, size: number) => ({
    deviceName,
    ebs: {
      volumeSize: size,
      volumeType: "gp3",
      encrypted: "true",
      kmsKeyId: options.kmsKeyArn,
      deleteOnTermination: "true",
    },
  });
  return new LaunchTemplate(scope, id, {
    name: options.name,
    updateDefaultVersion: true,
    metadataOptions: {
      httpEndpoint: "enabled",
      httpTokens: "required",
      httpPutResponseHopLimit: 1,
      instanceMetadataTags: "disabled",
    },
    blockDeviceMappings: options.bottlerocket
      ? [volume("/dev/xvda", 4), volume("/dev/xvdb", options.diskSizeGiB)]
      : [volume("/dev/xvda", options.diskSizeGiB)],
    tagSpecifications: [
      { resourceType: "instance", tags: { Name: options.name } },
      { resourceType: "volume", tags: { Name: options.name } },
    ],
  });
}

/**
 * Rejects a GPU the catalog knows is not offered in the AWS region of the cluster's stack (its
 * default AwsProvider's literal region), and warns for regions the catalog does not cover.
 * Does nothing when the region is a token or there is no default provider.
 */
export function checkAwsRegionOffers(scope: IConstruct, cluster: IConstruct, prop: string, gpu: Gpu): void {
  const provider = TerraformStack.of(cluster)
    .node.findAll()
    .find((c): c is AwsProvider => c instanceof AwsProvider && c.alias === undefined);
  const region = provider?.region;
  if (region === undefined || isUnresolved(region)) return;
  const answer = gpu.awsAvailability(region);
  if (answer === GpuAvailability.NOT_OFFERED) {
    invalid(scope, prop, gpu.displayName, `is not offered in AWS region ${region} (per the GPU catalog); choose another GPU or region`);
  }
  if (answer === GpuAvailability.UNKNOWN) {
    warn(scope, prop, gpu.displayName, `the GPU catalog has no data for AWS region ${region}; check that its instance types are offered there`);
  }
}

/** The EKS add-ons the cluster installs, in the order `addonVersions` documents them. */
export const EKS_ADDONS = ["vpc-cni", "coredns", "kube-proxy", "aws-ebs-csi-driver", "eks-pod-identity-agent"];

/**
 * Pinned EKS add-on versions per Kubernetes minor version: the Kubernetes versions listed here are
 * the ones `EksCluster` accepts (EKS standard support when read). Pinning keeps an apply from
 * picking up whatever EKS defaults to that day; raise these with the Kubernetes version.
 *
 * Sources, read 2026 through the project's documentation search (no AWS API access here):
 * - coredns: AWS EKS User Guide "Manage CoreDNS" version table (1.34 and 1.33: v1.12.4-eksbuild.1;
 *   1.32 and 1.31: v1.11.4-eksbuild.24).
 * - kube-proxy: AWS EKS User Guide "Manage kube-proxy" version table (v1.34.1-eksbuild.2,
 *   v1.33.5-eksbuild.2, v1.32.9-eksbuild.2, v1.31.13-eksbuild.2).
 * - vpc-cni: v1.20.4-eksbuild.2, seen pinned in public Terraform configurations of 1.32-1.34 clusters;
 *   the User Guide table read listed v1.20.1-eksbuild.3 for 1.27-1.33. NOT verified against
 *   `aws eks describe-addon-versions` for each Kubernetes version.
 * - aws-ebs-csi-driver: v1.52.1-eksbuild.1 and eks-pod-identity-agent: v1.3.8-eksbuild.2, seen pinned
 *   in public configurations; the driver and the agent are built for every supported Kubernetes
 *   version, but these pairings are NOT verified against `describe-addon-versions`.
 * Check before relying on them: `aws eks describe-addon-versions --kubernetes-version 1.34
 * --addon-name vpc-cni --query 'addons[].addonVersions[].addonVersion'`, and override with
 * `addonVersions`.
 */
export const EKS_ADDON_CATALOG: { [kubernetesVersion: string]: { [addon: string]: string } } = {
  "1.31": {
    "vpc-cni": "v1.20.4-eksbuild.2",
    coredns: "v1.11.4-eksbuild.24",
    "kube-proxy": "v1.31.13-eksbuild.2",
    "aws-ebs-csi-driver": "v1.52.1-eksbuild.1",
    "eks-pod-identity-agent": "v1.3.8-eksbuild.2",
  },
  "1.32": {
    "vpc-cni": "v1.20.4-eksbuild.2",
    coredns: "v1.11.4-eksbuild.24",
    "kube-proxy": "v1.32.9-eksbuild.2",
    "aws-ebs-csi-driver": "v1.52.1-eksbuild.1",
    "eks-pod-identity-agent": "v1.3.8-eksbuild.2",
  },
  "1.33": {
    "vpc-cni": "v1.20.4-eksbuild.2",
    coredns: "v1.12.4-eksbuild.1",
    "kube-proxy": "v1.33.5-eksbuild.2",
    "aws-ebs-csi-driver": "v1.52.1-eksbuild.1",
    "eks-pod-identity-agent": "v1.3.8-eksbuild.2",
  },
  "1.34": {
    "vpc-cni": "v1.20.4-eksbuild.2",
    coredns: "v1.12.4-eksbuild.1",
    "kube-proxy": "v1.34.1-eksbuild.2",
    "aws-ebs-csi-driver": "v1.52.1-eksbuild.1",
    "eks-pod-identity-agent": "v1.3.8-eksbuild.2",
  },
};

/** An EKS add-on version: `v<major>.<minor>.<patch>-eksbuild.<n>` (kube-proxy may carry `-minimal`). */
export const EKS_ADDON_VERSION = /^v\d+\.\d+\.\d+(-minimal)?-eksbuild\.\d+$/;

/**
 * Requests of the pods the cluster's own add-ons run on system nodes, per pod (CPU millicores,
 * memory MiB). Sources, read 2026 from the upstream charts and manifests the add-ons are built from:
 * - coredns: 100m / 70Mi, 2 replicas (the CoreDNS Deployment Kubernetes and EKS ship; EKS runs
 *   two replicas by default, per the EKS User Guide).
 * - aws-ebs-csi-driver controller: 6 containers (ebs-plugin, csi-provisioner, csi-attacher,
 *   csi-snapshotter, csi-resizer, liveness-probe) at 10m / 40Mi each (chart defaults), 2 replicas;
 *   node DaemonSet: 3 containers (ebs-plugin, node-driver-registrar, liveness-probe) at 10m / 40Mi.
 * - aws-node (vpc-cni): 25m CPU for aws-node and 25m for the network policy agent (chart
 *   defaults); upstream sets no memory request: counted as 64Mi, an ESTIMATE of its usage so
 *   sizing keeps room for it.
 * - kube-proxy: 100m CPU (the EKS kube-proxy DaemonSet); no memory request upstream: counted as
 *   32Mi, an ESTIMATE.
 * - eks-pod-identity-agent: the chart sets no requests as far as could be read; counted as
 *   25m / 32Mi, an ESTIMATE, not an upstream value.
 */
export const EKS_SYSTEM_WORKLOADS = {
  coredns: { name: "coredns", cpuMillis: 100, memoryMiB: 70, replicas: 2 },
  ebsCsiController: { name: "ebs-csi-controller", cpuMillis: 60, memoryMiB: 240, replicas: 2 },
  ebsCsiNode: { name: "ebs-csi-node", cpuMillis: 30, memoryMiB: 120, perNode: true },
  awsNode: { name: "aws-node", cpuMillis: 50, memoryMiB: 64, perNode: true },
  kubeProxy: { name: "kube-proxy", cpuMillis: 100, memoryMiB: 32, perNode: true },
  podIdentityAgent: { name: "eks-pod-identity-agent", cpuMillis: 25, memoryMiB: 32, perNode: true },
};
