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
