import { Construct } from "constructs";
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { DataAwsRegion } from "@cdktf/provider-aws/lib/data-aws-region";
import { iamPolicy } from "./generated-names";

/**
 * Internal: KMS key management actions (no data-plane use) for key administrators. The one list
 * every Strata key policy uses (EKS cluster keys, data lake and data layer keys): the union of the
 * lists the compute and data layers used to keep apart.
 */
export const KEY_ADMIN_ACTIONS: string[] = [
  "kms:CancelKeyDeletion",
  "kms:Create*",
  "kms:Delete*",
  "kms:Describe*",
  "kms:Disable*",
  "kms:Enable*",
  "kms:Get*",
  "kms:ImportKeyMaterial",
  "kms:List*",
  "kms:Put*",
  "kms:ReplicateKey",
  "kms:Revoke*",
  "kms:RotateKeyOnDemand",
  "kms:ScheduleKeyDeletion",
  "kms:TagResource",
  "kms:UntagResource",
  "kms:Update*",
];

/** Internal: KMS data-plane actions of a key user. */
export const KEY_USER_ACTIONS: string[] = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"];

/** Internal: one AWS service a key is used through, with the actions it needs from the caller. */
export interface KeyServiceUse {
  /** Statement id, e.g. "UseThroughKinesis". */
  readonly sid: string;
  /** The service's endpoint prefix in `kms:ViaService` (`<prefix>.<region>.<dns suffix>`), e.g. "kinesis". */
  readonly service: string;
  /** Actions allowed through the service. @default KEY_USER_ACTIONS */
  readonly actions?: string[];
}

/**
 * Internal: the key policy of a customer-managed key the data layer creates for one service:
 * the account root administers the key (management actions only, as the S3 lake key), and
 * principals of this account whose IAM policies allow it use the key only through the named
 * services in this region (`kms:ViaService`, `kms:CallerAccount`). No principal outside the
 * account, and no direct (non-service) data-plane use. Creates the partition, region and
 * caller-identity data sources under `scope` (ids `KeyPartition`, `KeyRegion`, `KeyAccount`) unless given.
 */
export function serviceKeyPolicy(
  scope: Construct,
  uses: KeyServiceUse[],
  data?: { partition: DataAwsPartition; region: DataAwsRegion; account: DataAwsCallerIdentity },
): string {
  const partition = data?.partition ?? new DataAwsPartition(scope, "KeyPartition");
  const region = data?.region ?? new DataAwsRegion(scope, "KeyRegion");
  const account = data?.account ?? new DataAwsCallerIdentity(scope, "KeyAccount");
  const root = { AWS: `arn:${partition.partition}:iam::${account.accountId}:root` };
  return iamPolicy([
    { Sid: "AccountAdministers", Effect: "Allow", Principal: root, Action: KEY_ADMIN_ACTIONS, Resource: "*" },
    ...uses.map((use) => ({
      Sid: use.sid,
      Effect: "Allow",
      Principal: root,
      Action: use.actions ?? KEY_USER_ACTIONS,
      Resource: "*",
      Condition: {
        StringEquals: { "kms:CallerAccount": account.accountId, "kms:ViaService": `${use.service}.${region.region}.${partition.dnsSuffix}` },
      },
    })),
  ]);
}
