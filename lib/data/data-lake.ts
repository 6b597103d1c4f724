import { Construct, IConstruct } from "constructs";
import { IWorkloadIdentity } from "../core/cluster";
import { grantOptions } from "../core/grants";
import { CaCertificateSecret, IObjectStore, ObjectStoreAccess, ObjectStoreGrantOptions, ObjectStoreKind } from "../core/object-store";
import { invalid } from "../core/validation";

/** The zones of a data lake. Each is its own bucket or a prefix of one bucket (`LakeLayout`). */
export enum LakeZone {
  /** Data as it arrived (`raw`): immutable, the source of every rebuild; cold after a while. */
  RAW = "raw",
  /** Cleaned, validated, deduplicated data (`curated`). */
  CURATED = "curated",
  /** Feature tables: the offline store of the feature store (`features`). */
  FEATURES = "features",
  /** Trained model artifacts that serving loads (`models`). */
  MODELS = "models",
  /** Training checkpoints (`checkpoints`): written often, read on resume; cold after a while. */
  CHECKPOINTS = "checkpoints",
}

/** How the zones of a data lake map to buckets. */
export enum LakeLayout {
  /** One bucket per zone, `<bucketPrefix>-<zone>`: per-zone policies, lifecycle and replication. */
  BUCKET_PER_ZONE = "bucket-per-zone",
  /** One bucket, `<bucketPrefix>`, with a key prefix per zone (`raw/`, `curated/`, ...). */
  PREFIX_PER_ZONE = "prefix-per-zone",
}

/**
 * A data lake: zones that are each an `IObjectStore` a workload identity can be granted on.
 * Implemented by `S3DataLake` (AWS) and `GcsDataLake` (GCP).
 */
export interface IDataLake extends IConstruct {
  /** How zones map to buckets. */
  readonly layout: LakeLayout;
  /** The zones the lake has. */
  readonly zones: LakeZone[];
  /** Names of every bucket the lake created (zone buckets and, on AWS, the access-log bucket). */
  readonly bucketNames: string[];
  /** The object store of one zone (throws the standard error when the lake has no such zone). */
  zone(zone: LakeZone): IObjectStore;
}

/** Props shared by every data lake. */
export interface DataLakeProps {
  /**
   * Bucket name prefix: zone buckets are `<bucketPrefix>-<zone>` (or `<bucketPrefix>` alone with
   * `PREFIX_PER_ZONE`); every generated name is checked against the target's bucket naming rules.
   */
  readonly bucketPrefix: string;
  /**
   * Zones as separate buckets or as prefixes of one bucket.
   * @default LakeLayout.BUCKET_PER_ZONE
   */
  readonly layout?: LakeLayout;
  /**
   * The zones to create.
   * @default - all five: raw, curated, features, models, checkpoints
   */
  readonly zones?: LakeZone[];
  /**
   * Zones whose objects move to a cheaper, infrequent-access storage class after
   * `coldTransitionDays` (S3: STANDARD_IA; Cloud Storage: NEARLINE). An empty list disables it.
   * @default [LakeZone.RAW, LakeZone.CHECKPOINTS]
   */
  readonly coldZones?: LakeZone[];
  /**
   * Age in days after which objects of the cold zones change storage class (30-36500; both
   * S3 STANDARD_IA and Cloud Storage NEARLINE charge for at least 30 days).
   * @default 30
   */
  readonly coldTransitionDays?: number;
  /**
   * Days a replaced or deleted object version is kept before it expires (1-36500). This is the
   * window in which a dataset version cited by a training run can still be read by version id.
   * @default 90
   */
  readonly noncurrentVersionExpirationDays?: number;
  /**
   * Days after which incomplete multipart uploads are aborted and their parts deleted (1-365).
   * @default 7
   */
  readonly abortIncompleteMultipartUploadDays?: number;
  /**
   * Protect the buckets and keys from destroy (Terraform `prevent_destroy`). Set to false only
   * for throwaway lakes.
   * @default true
   */
  readonly deletionProtection?: boolean;
  /**
   * Let `terraform destroy` delete non-empty buckets with all their objects (`force_destroy`).
   * Needs `deletionProtection: false`.
   * @default false
   */
  readonly forceDestroy?: boolean;
}

/** Props of `DataLakeZone`. */
export interface DataLakeZoneProps {
  /** The bucket the zone lives in. */
  readonly store: IObjectStore;
  /** The zone. */
  readonly zone: LakeZone;
  /**
   * Key prefix of the zone in the bucket (ends with '/').
   * @default - the whole bucket
   */
  readonly prefix?: string;
}

/**
 * One zone of a data lake as an `IObjectStore`: a whole bucket, or a key prefix of the lake's
 * one bucket. Grants stay inside the zone: a grant's `prefix` is taken relative to the zone.
 *
 * @example
 * const raw = lake.zone(LakeZone.RAW);
 * raw.grantWrite(ingest, { prefix: "events/" }); // s3://<bucket>/raw/events/* in the prefix layout
 */
export class DataLakeZone extends Construct implements IObjectStore {
  /** The kind of the underlying store. */
  public readonly kind: ObjectStoreKind;
  /** Name of the bucket the zone lives in. */
  public readonly bucketName: string;
  /** URI of the zone root: `s3://<bucket>` for a zone bucket, `s3://<bucket>/<zone>` for a prefix zone (no trailing '/'). */
  public readonly uri: string;
  /** S3 API endpoint of the underlying store, when it has one. */
  public readonly endpoint?: string;
  /** The CA certificate of the underlying store, when its TLS certificate comes from a private CA. */
  public readonly caCertificate?: CaCertificateSecret;
  /** The zone. */
  public readonly zone: LakeZone;
  /** Key prefix of the zone in its bucket (`""` for a zone bucket). */
  public readonly prefix: string;
  private readonly store: IObjectStore;

  constructor(scope: Construct, id: string, props: DataLakeZoneProps) {
    super(scope, id);
    if (props?.store === undefined || props.store === null || typeof props.store.grantRead !== "function") {
      invalid(this, "store", props?.store, "is required: the IObjectStore (bucket) the zone lives in");
    }
    this.store = props.store;
    this.zone = props.zone;
    this.prefix = props.prefix ?? "";
    if (typeof this.prefix !== "string" || (this.prefix !== "" && (!this.prefix.endsWith("/") || this.prefix.startsWith("/")))) {
      invalid(this, "prefix", props.prefix, "must be a key prefix ending with '/' and not starting with '/'");
    }
    this.kind = props.store.kind;
    this.bucketName = props.store.bucketName;
    this.endpoint = props.store.endpoint;
    this.caCertificate = props.store.caCertificate;
    this.uri = this.prefix === "" ? props.store.uri : `${props.store.uri}/${this.prefix.slice(0, -1)}`;
  }

  /** Lists and reads the zone (under `prefix`, relative to the zone, when given). */
  public grantRead(identity: IWorkloadIdentity, options?: ObjectStoreGrantOptions): void {
    this.store.grantRead(identity, this.scoped(ObjectStoreAccess.READ, options));
  }

  /** Writes objects in the zone (under `prefix`, relative to the zone; delete only with `allowDelete`). */
  public grantWrite(identity: IWorkloadIdentity, options?: ObjectStoreGrantOptions): void {
    this.store.grantWrite(identity, this.scoped(ObjectStoreAccess.WRITE, options));
  }

  /** Lists, reads and writes the zone (under `prefix`, relative to the zone; delete only with `allowDelete`). */
  public grantReadWrite(identity: IWorkloadIdentity, options?: ObjectStoreGrantOptions): void {
    this.store.grantReadWrite(identity, this.scoped(ObjectStoreAccess.READ_WRITE, options));
  }

  /** The options for the underlying store: the zone prefix joined with the grant's. */
  private scoped(access: ObjectStoreAccess, options: ObjectStoreGrantOptions | undefined): ObjectStoreGrantOptions | undefined {
    const { prefix, allowDelete } = grantOptions(this, access, options);
    const full = `${this.prefix}${prefix}`;
    if (full === "" && !allowDelete) return undefined;
    return { ...(full === "" ? {} : { prefix: full }), ...(allowDelete ? { allowDelete: true } : {}) };
  }
}
