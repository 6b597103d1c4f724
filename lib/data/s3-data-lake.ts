import { Construct } from "constructs";
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { DataAwsRegion } from "@cdktf/provider-aws/lib/data-aws-region";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLifecycleConfiguration, S3BucketLifecycleConfigurationRule } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketLoggingA } from "@cdktf/provider-aws/lib/s3-bucket-logging";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { iamPolicy } from "../core/generated-names";
import { serviceKeyPolicy } from "../core/kms-key-policy";
import { NamingRule, Naming } from "../core/naming";
import { IObjectStore, S3BucketReference } from "../core/object-store";
import { invalid, isUnresolved, validateInteger } from "../core/validation";
import { DataLakeProps, DataLakeZone, IDataLake, LakeLayout, LakeZone } from "./data-lake";
import { resolveLakeProps, validateBucketPrefix, zoneId } from "./lake-internal";


/** Props of `S3DataLake`. */
export interface S3DataLakeProps extends DataLakeProps {
  /**
   * Days the server access logs are kept in the access-log bucket (1-36500).
   * @default 365
   */
  readonly accessLogRetentionDays?: number;
}

/**
 * A data lake on Amazon S3: one bucket per zone (or one bucket with a prefix per zone), each an
 * `IObjectStore`. Every bucket is encrypted with the lake's customer-managed KMS key (rotation on;
 * usable only through S3 in this account, bucket keys on), versioned, with all public access
 * blocked, ACLs disabled (BucketOwnerEnforced), a bucket policy that denies requests without TLS,
 * server access logging to an access-log bucket (itself versioned, private, TLS-only, SSE-S3
 * since S3 log delivery does not support SSE-KMS targets), lifecycle rules (cold zones to
 * STANDARD_IA, noncurrent-version expiry, abort of incomplete multipart uploads), and
 * `prevent_destroy` with `force_destroy` false unless `deletionProtection: false`.
 *
 * @example
 * const lake = new S3DataLake(infra, "Lake", { bucketPrefix: "acme-ml-lake" });
 * const trainer = cluster.addWorkloadIdentity("Trainer", { namespace: "training", serviceAccountName: "trainer" });
 * lake.zone(LakeZone.FEATURES).grantRead(trainer);
 * lake.zone(LakeZone.CHECKPOINTS).grantReadWrite(trainer, { prefix: "runs/llm/" });
 */
export class S3DataLake extends Construct implements IDataLake {
  /** How zones map to buckets. */
  public readonly layout: LakeLayout;
  /** The zones the lake has. */
  public readonly zones: LakeZone[];
  /** Names of every bucket the lake created (zone buckets, then the access-log bucket). */
  public readonly bucketNames: string[];
  /** The customer-managed KMS key of the zone buckets. */
  public readonly kmsKey: KmsKey;
  /** The bucket that receives the server access logs of the zone buckets. */
  public readonly accessLogBucket: S3Bucket;
  private readonly zoneStores = new Map<LakeZone, DataLakeZone>();
  private readonly zoneBuckets = new Map<LakeZone, S3Bucket>();

  constructor(scope: Construct, id: string, props: S3DataLakeProps) {
    super(scope, id);
    const lake = resolveLakeProps(this, props);
    validateBucketPrefix(this, props.bucketPrefix);
    validateInteger(this, "accessLogRetentionDays", props.accessLogRetentionDays, 1, 36500);
    this.layout = lake.layout;
    this.zones = lake.zones;
    const prefix = props.bucketPrefix;
    const perZone = lake.layout === LakeLayout.BUCKET_PER_ZONE;
    const zoneBucketNames = perZone ? lake.zones.map((z) => `${prefix}-${z}`) : [prefix];
    const logBucketName = `${prefix}-access-logs`;
    for (const name of [...zoneBucketNames, logBucketName]) {
      const problem = Naming.problem(NamingRule.S3_BUCKET, name);
      if (problem && !isUnresolved(prefix)) invalid(this, "bucketPrefix", prefix, `gives the S3 bucket name ${JSON.stringify(name)}, which ${problem}`);
    }
    this.bucketNames = [...zoneBucketNames, logBucketName];

    const partition = new DataAwsPartition(this, "Partition");
    const region = new DataAwsRegion(this, "Region");
    const account = new DataAwsCallerIdentity(this, "Account");
    const arn = (name: string) => `arn:${partition.partition}:s3:::${name}`;
    const lifecycle = { preventDestroy: lake.protect };

    // The key: administered by the account (management actions only), used only through S3 by
    // principals of this account whose IAM policies allow it (the grants add exactly that).
    this.kmsKey = new KmsKey(this, "Key", {
      description: `Data lake ${prefix}: S3 bucket encryption`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      policy: serviceKeyPolicy(this, [{ sid: "UseThroughS3", service: "s3" }], { partition, region, account }),
      lifecycle,
    });
    new KmsAlias(this, "KeyAlias", { name: `alias/strata/lake/${prefix}`, targetKeyId: this.kmsKey.keyId });

    const tlsOnly = (name: string) => ({
      Sid: "DenyInsecureTransport",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: [arn(name), `${arn(name)}/*`],
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    });
    const baseRules = (): S3BucketLifecycleConfigurationRule[] => [
      {
        id: "abort-incomplete-multipart-uploads",
        status: "Enabled",
        filter: [{ prefix: "" }],
        abortIncompleteMultipartUpload: [{ daysAfterInitiation: lake.abortIncompleteMultipartUploadDays }],
      },
      {
        id: "expire-noncurrent-versions",
        status: "Enabled",
        filter: [{ prefix: "" }],
        noncurrentVersionExpiration: [{ noncurrentDays: lake.noncurrentVersionExpirationDays }],
      },
    ];
    const coldRule = (zone: LakeZone, keyPrefix: string): S3BucketLifecycleConfigurationRule => ({
      id: `cold-${zone}`,
      status: "Enabled",
      filter: [{ prefix: keyPrefix }],
      transition: [{ days: lake.coldTransitionDays, storageClass: "STANDARD_IA" }],
    });

    /** One secure bucket (construct `<id>`, its bucket resource `<id>/Resource`). */
    const secureBucket = (id: string, name: string, rules: S3BucketLifecycleConfigurationRule[], kms: boolean, extraStatements: object[]) => {
      const group = new Construct(this, id);
      const bucket = new S3Bucket(group, "Resource", { bucket: name, forceDestroy: lake.forceDestroy, lifecycle });
      const publicAccess = new S3BucketPublicAccessBlock(group, "PublicAccessBlock", {
        bucket: bucket.id,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      });
      new S3BucketOwnershipControls(group, "Ownership", { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } });
      const versioning = new S3BucketVersioningA(group, "Versioning", { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } });
      new S3BucketServerSideEncryptionConfigurationA(group, "Encryption", {
        bucket: bucket.id,
        rule: [
          kms
            ? { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: this.kmsKey.arn }, bucketKeyEnabled: true }
            : { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
        ],
      });
      new S3BucketPolicy(group, "Policy", {
        bucket: bucket.id,
        policy: iamPolicy([tlsOnly(name), ...extraStatements]),
        dependsOn: [publicAccess],
      });
      new S3BucketLifecycleConfiguration(group, "Lifecycle", { bucket: bucket.id, rule: rules, dependsOn: [versioning] });
      return { group, bucket };
    };

    // Zone buckets first (their ARNs go into the access-log bucket's policy), logging last.
    const zoneGroups: { group: Construct; bucket: S3Bucket; name: string }[] = [];
    if (perZone) {
      for (const zone of lake.zones) {
        const name = `${prefix}-${zone}`;
        const rules = [...baseRules(), ...(lake.coldZones.includes(zone) ? [coldRule(zone, "")] : [])];
        const { group, bucket } = secureBucket(zoneId(zone), name, rules, true, []);
        zoneGroups.push({ group, bucket, name });
        this.zoneBuckets.set(zone, bucket);
        const store = new S3BucketReference(group, "Store", { bucketName: name, kmsKeyArn: this.kmsKey.arn, partition: partition.partition });
        this.zoneStores.set(zone, new DataLakeZone(this, `${zoneId(zone)}Zone`, { store, zone }));
      }
    } else {
      const rules = [...baseRules(), ...lake.coldZones.map((z) => coldRule(z, `${z}/`))];
      const { group, bucket } = secureBucket("Lake", prefix, rules, true, []);
      zoneGroups.push({ group, bucket, name: prefix });
      const store = new S3BucketReference(group, "Store", { bucketName: prefix, kmsKeyArn: this.kmsKey.arn, partition: partition.partition });
      for (const zone of lake.zones) {
        this.zoneBuckets.set(zone, bucket);
        this.zoneStores.set(zone, new DataLakeZone(this, `${zoneId(zone)}Zone`, { store, zone, prefix: `${zone}/` }));
      }
    }

    // Access logs: delivered by the S3 logging service principal, only for this account's zone buckets.
    const logs = secureBucket(
      "AccessLogs",
      logBucketName,
      [
        ...baseRules(),
        { id: "expire-access-logs", status: "Enabled", filter: [{ prefix: "" }], expiration: [{ days: props.accessLogRetentionDays ?? 365 }] },
      ],
      false,
      [
        {
          Sid: "S3ServerAccessLogs",
          Effect: "Allow",
          Principal: { Service: "logging.s3.amazonaws.com" },
          Action: "s3:PutObject",
          Resource: `${arn(logBucketName)}/*`,
          Condition: {
            ArnLike: { "aws:SourceArn": zoneGroups.map((g) => arn(g.name)) },
            StringEquals: { "aws:SourceAccount": account.accountId },
          },
        },
      ],
    );
    this.accessLogBucket = logs.bucket;
    for (const { group, bucket, name } of zoneGroups) {
      new S3BucketLoggingA(group, "Logging", { bucket: bucket.id, targetBucket: logs.bucket.id, targetPrefix: `${name}/` });
    }
  }

  /** The object store of one zone. */
  public zone(zone: LakeZone): IObjectStore {
    const store = this.zoneStores.get(zone);
    if (!store) invalid(this, "zone", zone, `is not a zone of this lake; zones: ${this.zones.join(", ")}`);
    return store;
  }

  /** The S3 bucket resource of one zone (the lake's one bucket with `PREFIX_PER_ZONE`). */
  public bucket(zone: LakeZone): S3Bucket {
    const bucket = this.zoneBuckets.get(zone);
    if (!bucket) invalid(this, "zone", zone, `is not a zone of this lake; zones: ${this.zones.join(", ")}`);
    return bucket;
  }
}
