import { Construct } from "constructs";
import { DataGoogleStorageProjectServiceAccount } from "@cdktf/provider-google/lib/data-google-storage-project-service-account";
import { KmsCryptoKey } from "@cdktf/provider-google/lib/kms-crypto-key";
import { KmsCryptoKeyIamMember } from "@cdktf/provider-google/lib/kms-crypto-key-iam-member";
import { KmsKeyRing } from "@cdktf/provider-google/lib/kms-key-ring";
import { StorageBucket, StorageBucketLifecycleRule } from "@cdktf/provider-google/lib/storage-bucket";
import { NamingRule, Naming } from "../core/naming";
import { GcsBucketReference, IObjectStore } from "../core/object-store";
import { invalid, isUnresolved, typeName, validateGcpProjectId, validateGcpRegion, validateInteger } from "../core/validation";
import { DataLakeProps, DataLakeZone, IDataLake, LakeLayout, LakeZone } from "./data-lake";
import { resolveLakeProps, validateBucketPrefix, zoneId } from "./lake-internal";

/** Automatic rotation period of the lake's Cloud KMS key (90 days). */
const KEY_ROTATION_PERIOD = "7776000s";
/** How long destroyed key versions stay recoverable (30 days). */
const KEY_DESTROY_SCHEDULED_DURATION = "2592000s";
const SECONDS_PER_DAY = 86400;
const KEY_RING_NAME = /^[A-Za-z0-9_-]{1,63}$/;

/** Props of `GcsDataLake`. */
export interface GcsDataLakeProps extends DataLakeProps {
  /** Project id of the buckets and the key ring. */
  readonly project: string;
  /**
   * Region of the buckets and of their Cloud KMS key (a CMEK key must be in the bucket's location),
   * e.g. `us-central1`.
   */
  readonly location: string;
  /**
   * Name of the Cloud KMS key ring (1-63 letters, digits, `-` and `_`). Key rings can never be
   * deleted in Google Cloud, so a lake re-created under the same name needs a new one.
   * @default "<bucketPrefix>-keys"
   */
  readonly keyRingName?: string;
  /**
   * Days deleted objects stay restorable (soft delete): 0 turns soft delete off, else 7-90.
   * @default 7
   */
  readonly softDeleteRetentionDays?: number;
}

/**
 * A data lake on Google Cloud Storage: one bucket per zone (or one bucket with a prefix per zone),
 * each an `IObjectStore`. Every bucket has uniform bucket-level access, public access prevention
 * enforced, object versioning, CMEK (a key ring and a key rotated every 90 days, usable only by
 * the project's Cloud Storage service agent), soft delete, lifecycle rules (cold zones to
 * NEARLINE, noncurrent-version expiry, abort of incomplete multipart uploads), and
 * `prevent_destroy` with `force_destroy` false unless `deletionProtection: false`. Cloud Storage
 * data access is recorded by Cloud Audit Logs (Data Access logs for Cloud Storage, enabled on the
 * project), not by a per-bucket access log.
 *
 * @example
 * const lake = new GcsDataLake(infra, "Lake", { bucketPrefix: "acme-ml-lake", project: "acme-ml-prod", location: "us-central1" });
 * lake.zone(LakeZone.RAW).grantWrite(cluster.addWorkloadIdentity("Ingest", { namespace: "data", serviceAccountName: "ingest" }));
 */
export class GcsDataLake extends Construct implements IDataLake {
  /** How zones map to buckets. */
  public readonly layout: LakeLayout;
  /** The zones the lake has. */
  public readonly zones: LakeZone[];
  /** Names of every bucket the lake created. */
  public readonly bucketNames: string[];
  /** The Cloud KMS key ring of the lake. */
  public readonly keyRing: KmsKeyRing;
  /** The key that encrypts the zone buckets (CMEK). */
  public readonly cryptoKey: KmsCryptoKey;
  private readonly zoneStores = new Map<LakeZone, DataLakeZone>();
  private readonly zoneBuckets = new Map<LakeZone, StorageBucket>();

  constructor(scope: Construct, id: string, props: GcsDataLakeProps) {
    super(scope, id);
    const lake = resolveLakeProps(this, props);
    validateBucketPrefix(this, props.bucketPrefix);
    validateGcpProjectId(this, "project", props.project);
    if (props.location === undefined) invalid(this, "location", props.location, 'is required: a Google Cloud region such as "us-central1"');
    validateGcpRegion(this, "location", props.location);
    validateInteger(this, "softDeleteRetentionDays", props.softDeleteRetentionDays, 0, 90);
    const softDeleteDays = props.softDeleteRetentionDays ?? 7;
    if (!isUnresolved(softDeleteDays) && softDeleteDays > 0 && softDeleteDays < 7) {
      invalid(this, "softDeleteRetentionDays", props.softDeleteRetentionDays, "must be 0 (soft delete off) or from 7 to 90");
    }
    const prefix = props.bucketPrefix;
    this.layout = lake.layout;
    this.zones = lake.zones;
    const perZone = lake.layout === LakeLayout.BUCKET_PER_ZONE;
    this.bucketNames = perZone ? lake.zones.map((z) => `${prefix}-${z}`) : [prefix];
    for (const name of this.bucketNames) {
      const problem = Naming.problem(NamingRule.GCS_BUCKET, name);
      if (problem && !isUnresolved(prefix)) invalid(this, "bucketPrefix", prefix, `gives the Cloud Storage bucket name ${JSON.stringify(name)}, which ${problem}`);
    }
    const keyRingName = props.keyRingName ?? `${prefix}-keys`;
    const keyRingAllowed = "must be a Cloud KMS key ring name: 1 to 63 letters, digits, '-' and '_'";
    if (props.keyRingName !== undefined && !isUnresolved(props.keyRingName)) {
      if (typeof props.keyRingName !== "string") invalid(this, "keyRingName", props.keyRingName, `${keyRingAllowed}, not ${typeName(props.keyRingName)}`);
      if (!KEY_RING_NAME.test(props.keyRingName)) invalid(this, "keyRingName", props.keyRingName, keyRingAllowed);
    } else if (props.keyRingName === undefined && !isUnresolved(keyRingName) && !KEY_RING_NAME.test(keyRingName)) {
      invalid(this, "bucketPrefix", prefix, `gives the key ring name ${JSON.stringify(keyRingName)}, which ${keyRingAllowed} (set keyRingName)`);
    }

    const lifecycle = { preventDestroy: lake.protect };
    this.keyRing = new KmsKeyRing(this, "KeyRing", { name: keyRingName, project: props.project, location: props.location, lifecycle });
    this.cryptoKey = new KmsCryptoKey(this, "Key", {
      name: "lake",
      keyRing: this.keyRing.id,
      purpose: "ENCRYPT_DECRYPT",
      rotationPeriod: KEY_ROTATION_PERIOD,
      destroyScheduledDuration: KEY_DESTROY_SCHEDULED_DURATION,
      lifecycle,
    });
    // Only the project's Cloud Storage service agent encrypts and decrypts with the key; readers
    // and writers need no key permission (Cloud Storage does the cryptography for them).
    const agent = new DataGoogleStorageProjectServiceAccount(this, "StorageAgent", { project: props.project });
    const keyGrant = new KmsCryptoKeyIamMember(this, "KeyStorageAgent", {
      cryptoKeyId: this.cryptoKey.id,
      role: "roles/cloudkms.cryptoKeyEncrypterDecrypter",
      member: `serviceAccount:${agent.emailAddress}`,
    });

    const baseRules = (): StorageBucketLifecycleRule[] => [
      { action: { type: "AbortIncompleteMultipartUpload" }, condition: { age: lake.abortIncompleteMultipartUploadDays } },
      { action: { type: "Delete" }, condition: { daysSinceNoncurrentTime: lake.noncurrentVersionExpirationDays, withState: "ARCHIVED" } },
    ];
    const coldRule = (keyPrefix: string): StorageBucketLifecycleRule => ({
      action: { type: "SetStorageClass", storageClass: "NEARLINE" },
      condition: { age: lake.coldTransitionDays, matchesStorageClass: ["STANDARD"], ...(keyPrefix === "" ? {} : { matchesPrefix: [keyPrefix] }) },
    });
    const secureBucket = (bucketId: string, name: string, rules: StorageBucketLifecycleRule[]) =>
      new StorageBucket(this, bucketId, {
        name,
        project: props.project,
        location: props.location,
        storageClass: "STANDARD",
        uniformBucketLevelAccess: true,
        publicAccessPrevention: "enforced",
        versioning: { enabled: true },
        encryption: { defaultKmsKeyName: this.cryptoKey.id },
        softDeletePolicy: { retentionDurationSeconds: softDeleteDays * SECONDS_PER_DAY },
        lifecycleRule: rules,
        forceDestroy: lake.forceDestroy,
        labels: { "managed-by": "strata", "strata-component": "data-lake" },
        dependsOn: [keyGrant],
        lifecycle,
      });

    if (perZone) {
      for (const zone of lake.zones) {
        const name = `${prefix}-${zone}`;
        const bucket = secureBucket(zoneId(zone), name, [...baseRules(), ...(lake.coldZones.includes(zone) ? [coldRule("")] : [])]);
        this.zoneBuckets.set(zone, bucket);
        // The bucket's name attribute (a token), so that grants' IAM members wait for the bucket.
        const store = new GcsBucketReference(this, `${zoneId(zone)}Store`, { bucketName: bucket.name });
        this.zoneStores.set(zone, new DataLakeZone(this, `${zoneId(zone)}Zone`, { store, zone }));
      }
    } else {
      const bucket = secureBucket("Lake", prefix, [...baseRules(), ...lake.coldZones.map((z) => coldRule(`${z}/`))]);
      const store = new GcsBucketReference(this, "LakeStore", { bucketName: bucket.name });
      for (const zone of lake.zones) {
        this.zoneBuckets.set(zone, bucket);
        this.zoneStores.set(zone, new DataLakeZone(this, `${zoneId(zone)}Zone`, { store, zone, prefix: `${zone}/` }));
      }
    }
  }

  /** The object store of one zone. */
  public zone(zone: LakeZone): IObjectStore {
    const store = this.zoneStores.get(zone);
    if (!store) invalid(this, "zone", zone, `is not a zone of this lake; zones: ${this.zones.join(", ")}`);
    return store;
  }

  /** The Cloud Storage bucket resource of one zone (the lake's one bucket with `PREFIX_PER_ZONE`). */
  public bucket(zone: LakeZone): StorageBucket {
    const bucket = this.zoneBuckets.get(zone);
    if (!bucket) invalid(this, "zone", zone, `is not a zone of this lake; zones: ${this.zones.join(", ")}`);
    return bucket;
  }
}
