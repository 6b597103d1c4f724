import { Construct } from "constructs";
import { LaunchTemplate } from "@cdktf/provider-aws/lib/launch-template";

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
