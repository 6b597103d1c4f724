import { Construct, IConstruct } from "constructs";
import { TerraformResource } from "cdktf";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { StorageBucketIamMember } from "@cdktf/provider-google/lib/storage-bucket-iam-member";
import { IWorkloadIdentity, WorkloadIdentityKind } from "./cluster";
import { attachRolePolicy, grantOptions, requireIdentity } from "./grants";
import { NamingRule, validateName } from "./naming";
import {
  invalid,
  isUnresolved,
  validateAwsPartition,
  validateBoolean,
  validateKmsKeyArn,
  validateNonEmpty,
  validateUrlWithoutPath,
  warning,
} from "./validation";
import { hash8 } from "./generated-names";

/** The kind of object store behind an `IObjectStore`. */
export enum ObjectStoreKind {
  /** Amazon S3 (`s3://`). */
  S3 = "s3",
  /** Google Cloud Storage (`gs://`). */
  GCS = "gcs",
  /** An S3-compatible store such as MinIO or Ceph RGW (`s3://` with a custom endpoint). */
  S3_COMPATIBLE = "s3-compatible",
}

/** Access levels an object store can grant. */
export enum ObjectStoreAccess {
  /** List and read objects. */
  READ = "read",
  /** Write new objects (no read; delete only with `allowDelete`). */
  WRITE = "write",
  /** List, read and write objects (delete only with `allowDelete`). */
  READ_WRITE = "read-write",
}

/** Options of an object-store grant. */
export interface ObjectStoreGrantOptions {
  /**
   * Limit the grant to objects under this key prefix, e.g. `runs/trainer/` (no leading '/', ends
   * with '/', no wildcards). Give each training job write access to its own output prefix only.
   * @default - the whole bucket
   */
  readonly prefix?: string;
  /**
   * Also allow deleting objects (and, on Cloud Storage, overwriting them, which needs delete).
   * Not allowed on `grantRead`.
   * @default false
   */
  readonly allowDelete?: boolean;
}

/**
 * Where the CA certificate that signs an in-cluster store's TLS certificate lives: a Secret in
 * the store's namespace. The Secret may also hold the CA's private key (cert-manager's CA
 * Secrets do): consumers never read it through Terraform (no `data "kubernetes_secret"`, so no
 * key reaches Terraform state); `CaCertificateCopy` copies only `key` into the consumer's
 * namespace from inside the cluster, and pods mount only that copy.
 */
export interface CaCertificateSecret {
  /** Name of the Secret holding the PEM CA certificate. */
  readonly secretName: string;
  /** Namespace of the Secret (usually the store's). */
  readonly namespace: string;
  /**
   * Data key of the PEM CA certificate in the Secret.
   * @default "ca.crt"
   */
  readonly key?: string;
  /**
   * A resource after which the Secret exists (the store's Helm release, whose certificates
   * cert-manager issues while the release waits for its pods); copies are applied after it.
   * @default - the Secret exists before any apply
   */
  readonly readyAfter?: TerraformResource;
}

/**
 * The object-store contract: a bucket that data, model and serving constructs read and write
 * through a workload identity, whatever cloud (or none) it lives on.
 */
export interface IObjectStore extends IConstruct {
  /** The kind of store. */
  readonly kind: ObjectStoreKind;
  /** Bucket name. */
  readonly bucketName: string;
  /** URI of the bucket root, e.g. `s3://my-bucket` or `gs://my-bucket`. */
  readonly uri: string;
  /**
   * S3 API endpoint for S3-compatible stores.
   * @default - the cloud's own endpoint
   */
  readonly endpoint?: string;
  /**
   * The CA certificate clients must trust to verify the store's TLS certificate, for in-cluster
   * stores whose certificate comes from a private CA (SeaweedFS's cert-manager CA, your own CA).
   * @default - the store's certificate is publicly trusted (cloud stores)
   */
  readonly caCertificate?: CaCertificateSecret;
  /** Grants list and read access (optionally under a prefix) to a workload identity. */
  grantRead(identity: IWorkloadIdentity, options?: ObjectStoreGrantOptions): void;
  /** Grants write access (optionally under a prefix; delete only with `allowDelete`) to a workload identity. */
  grantWrite(identity: IWorkloadIdentity, options?: ObjectStoreGrantOptions): void;
  /** Grants list, read and write access (optionally under a prefix; delete only with `allowDelete`) to a workload identity. */
  grantReadWrite(identity: IWorkloadIdentity, options?: ObjectStoreGrantOptions): void;
}


/** Label suffix that keeps grants of different prefixes / delete settings apart (empty for the defaults). */
function grantSuffix(prefix: string, allowDelete: boolean): string {
  return `${prefix === "" ? "" : `-${hash8(prefix)}`}${allowDelete ? "-delete" : ""}`;
}

/** Props of `S3BucketReference`. */
export interface S3BucketReferenceProps {
  /** Name of the existing S3 bucket. */
  readonly bucketName: string;
  /**
   * Key ARN (`arn:<partition>:kms:<region>:<account>:key/<id>`, not an alias or a bare key id) of
   * the KMS key the bucket encrypts with; grants then include use of the key.
   * @default - the bucket uses S3-managed keys
   */
  readonly kmsKeyArn?: string;
  /**
   * AWS partition of the bucket ARN (`aws`, `aws-cn`, `aws-us-gov`, ...).
   * @default - the partition of the stack's AWS provider (an `aws_partition` data source)
   */
  readonly partition?: string;
}

/**
 * An existing Amazon S3 bucket as an `IObjectStore`: grants become inline policies on the
 * workload identity's IAM role, optionally limited to a key prefix; delete only when asked.
 *
 * @example
 * const lake = new S3BucketReference(infra, "Lake", { bucketName: "acme-ml-lake" });
 * const trainer = cluster.addWorkloadIdentity("Trainer", { namespace: "training", serviceAccountName: "trainer" });
 * lake.grantRead(trainer, { prefix: "datasets/" });
 * lake.grantWrite(trainer, { prefix: "runs/trainer/" });
 */
export class S3BucketReference extends Construct implements IObjectStore {
  /** Always `ObjectStoreKind.S3`. */
  public readonly kind = ObjectStoreKind.S3;
  /** Bucket name. */
  public readonly bucketName: string;
  /** `s3://<bucket>`. */
  public readonly uri: string;
  /** ARN of the bucket (`arn:<partition>:s3:::<bucket>`; the partition is a token unless given). */
  public readonly bucketArn: string;
  private readonly kmsKeyArn?: string;

  constructor(scope: Construct, id: string, props: S3BucketReferenceProps) {
    super(scope, id);
    validateName(this, "bucketName", props.bucketName, NamingRule.S3_BUCKET);
    validateKmsKeyArn(this, "kmsKeyArn", props.kmsKeyArn);
    validateAwsPartition(this, "partition", props.partition);
    const kmsPartition = props.kmsKeyArn === undefined || isUnresolved(props.kmsKeyArn) ? undefined : props.kmsKeyArn.split(":")[1];
    if (props.partition !== undefined && kmsPartition !== undefined && !isUnresolved(props.partition) && kmsPartition !== props.partition) {
      invalid(this, "kmsKeyArn", props.kmsKeyArn, `is in partition ${JSON.stringify(kmsPartition)}, not the bucket's ${JSON.stringify(props.partition)}`);
    }
    this.bucketName = props.bucketName;
    this.uri = `s3://${props.bucketName}`;
    const partition = props.partition ?? new DataAwsPartition(this, "Partition").partition;
    this.bucketArn = `arn:${partition}:s3:::${props.bucketName}`;
    this.kmsKeyArn = props.kmsKeyArn;
  }

  /**
   * Lists the bucket (only under `prefix` when given) and reads objects (s3:GetObject,
   * s3:GetObjectVersion; kms:Decrypt with a bucket key).
   */
  public grantRead(identity: IWorkloadIdentity, options?: ObjectStoreGrantOptions): void {
    this.grant(identity, ObjectStoreAccess.READ, options);
  }

  /**
   * Writes objects (s3:PutObject and multipart upload; kms:GenerateDataKey and kms:Decrypt with a
   * bucket key), under `prefix` when given; s3:DeleteObject only with `allowDelete`.
   */
  public grantWrite(identity: IWorkloadIdentity, options?: ObjectStoreGrantOptions): void {
    this.grant(identity, ObjectStoreAccess.WRITE, options);
  }

  /**
   * `grantRead` and `grantWrite` in one policy. Deleting objects needs `allowDelete: true` (before
   * issue #6 this grant included s3:DeleteObject).
   */
  public grantReadWrite(identity: IWorkloadIdentity, options?: ObjectStoreGrantOptions): void {
    this.grant(identity, ObjectStoreAccess.READ_WRITE, options);
  }

  private grant(identity: IWorkloadIdentity, access: ObjectStoreAccess, options: ObjectStoreGrantOptions | undefined): void {
    const { prefix, allowDelete } = grantOptions(this, access, options);
    requireIdentity(this, identity, WorkloadIdentityKind.AWS_IAM_ROLE, "an S3 bucket");
    const read = access !== ObjectStoreAccess.WRITE;
    const write = access !== ObjectStoreAccess.READ;
    const objectActions = [
      ...(read ? ["s3:GetObject", "s3:GetObjectVersion"] : []),
      ...(write ? ["s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"] : []),
      ...(allowDelete ? ["s3:DeleteObject"] : []),
    ];
    const statements: object[] = [];
    if (read) {
      statements.push({
        Sid: "ListBucket",
        Effect: "Allow",
        Action: ["s3:ListBucket", "s3:GetBucketLocation"],
        Resource: [this.bucketArn],
        ...(prefix === "" ? {} : { Condition: { StringLike: { "s3:prefix": [prefix, `${prefix}*`] } } }),
      });
    }
    statements.push({ Sid: "Objects", Effect: "Allow", Action: objectActions, Resource: [`${this.bucketArn}/${prefix}*`] });
    if (this.kmsKeyArn !== undefined) {
      statements.push({
        Sid: "BucketKey",
        Effect: "Allow",
        // Multipart uploads decrypt the parts they assemble, so writers need kms:Decrypt too.
        Action: write ? ["kms:Decrypt", "kms:GenerateDataKey"] : ["kms:Decrypt"],
        Resource: [this.kmsKeyArn],
      });
    }
    attachRolePolicy(this, identity, `S3-${access}${grantSuffix(prefix, allowDelete)}`, statements);
  }
}

/** Props of `GcsBucketReference`. */
export interface GcsBucketReferenceProps {
  /** Name of the existing Cloud Storage bucket. */
  readonly bucketName: string;
}

/**
 * An existing Google Cloud Storage bucket as an `IObjectStore`: grants become bucket IAM
 * members for the workload identity's Google service account.
 *
 * @example
 * const lake = new GcsBucketReference(infra, "Lake", { bucketName: "acme-ml-lake" });
 * lake.grantReadWrite(cluster.addWorkloadIdentity("Trainer", { namespace: "training", serviceAccountName: "trainer" }));
 */
export class GcsBucketReference extends Construct implements IObjectStore {
  /** Always `ObjectStoreKind.GCS`. */
  public readonly kind = ObjectStoreKind.GCS;
  /** Bucket name. */
  public readonly bucketName: string;
  /** `gs://<bucket>`. */
  public readonly uri: string;

  constructor(scope: Construct, id: string, props: GcsBucketReferenceProps) {
    super(scope, id);
    validateName(this, "bucketName", props.bucketName, NamingRule.GCS_BUCKET);
    this.bucketName = props.bucketName;
    this.uri = `gs://${props.bucketName}`;
  }

  /** Binds `roles/storage.objectViewer` on the bucket (with an IAM condition on `prefix` when given). */
  public grantRead(identity: IWorkloadIdentity, options?: ObjectStoreGrantOptions): void {
    this.grant(identity, ObjectStoreAccess.READ, options);
  }

  /**
   * Binds `roles/storage.objectCreator` (create objects; no read, no overwrite, no delete), or
   * `roles/storage.objectUser` with `allowDelete` (read, write, overwrite, delete; no IAM changes).
   */
  public grantWrite(identity: IWorkloadIdentity, options?: ObjectStoreGrantOptions): void {
    this.grant(identity, ObjectStoreAccess.WRITE, options);
  }

  /**
   * Binds `roles/storage.objectViewer` and `roles/storage.objectCreator` (read and create; an
   * existing object cannot be overwritten, since that needs delete), or `roles/storage.objectUser`
   * with `allowDelete`. Before issue #6 this grant bound `objectUser` (with delete) by default.
   */
  public grantReadWrite(identity: IWorkloadIdentity, options?: ObjectStoreGrantOptions): void {
    this.grant(identity, ObjectStoreAccess.READ_WRITE, options);
  }

  private grant(identity: IWorkloadIdentity, access: ObjectStoreAccess, options: ObjectStoreGrantOptions | undefined): void {
    const { prefix, allowDelete } = grantOptions(this, access, options);
    requireIdentity(this, identity, WorkloadIdentityKind.GCP_SERVICE_ACCOUNT, "a Cloud Storage bucket");
    const roles = allowDelete
      ? ["roles/storage.objectUser"]
      : access === ObjectStoreAccess.READ
        ? ["roles/storage.objectViewer"]
        : access === ObjectStoreAccess.WRITE
          ? ["roles/storage.objectCreator"]
          : ["roles/storage.objectViewer", "roles/storage.objectCreator"];
    for (const role of roles) this.bind(identity, role, prefix);
  }

  private bind(identity: IWorkloadIdentity, role: string, prefix: string): void {
    const id = `Grant-${role.split(".").pop()}-${identity.node.addr.slice(0, 8)}${prefix === "" ? "" : `-${hash8(prefix)}`}`;
    if (this.node.tryFindChild(id)) return; // already granted
    const bucket = `projects/_/buckets/${this.bucketName}`;
    new StorageBucketIamMember(this, id, {
      bucket: this.bucketName,
      role,
      member: `serviceAccount:${identity.gcpServiceAccountEmail}`,
      // Objects under the prefix; listing is checked on the bucket itself, so the bucket is admitted
      // too (object names outside the prefix can be listed, not read). Needs uniform bucket-level access.
      condition:
        prefix === ""
          ? undefined
          : {
              title: `strata-prefix-${hash8(prefix)}`,
              description: `Objects under ${prefix}`,
              expression: `resource.name == "${bucket}" || resource.name.startsWith("${bucket}/objects/${prefix}")`,
            },
    });
  }
}

/** Props of `S3CompatibleBucket`. */
export interface S3CompatibleBucketProps {
  /** Name of the existing bucket. */
  readonly bucketName: string;
  /** HTTPS endpoint of the S3 API with no path, e.g. `https://minio.storage.svc:9000`. */
  readonly endpoint: string;
  /**
   * Allow a plain `http://` endpoint. Credentials and data then cross the network unencrypted.
   * @default false
   */
  readonly allowInsecureHttp?: boolean;
  /**
   * The Secret holding the CA certificate that signs the store's TLS certificate, when it comes
   * from a private CA; consumers (Spark jobs, Feast, Label Studio) then mount a copy of its
   * `ca.crt` and verify the store with it. Not with `allowInsecureHttp`.
   * @default - the store's certificate is trusted by the clients' default CA bundle
   */
  readonly caCertificate?: CaCertificateSecret;
}

/**
 * An existing bucket in an S3-compatible store (MinIO, Ceph RGW) as an `IObjectStore`, for
 * on-prem clusters. Workloads reach it with the keys in their identity's credentials Secret;
 * Strata cannot change the store's own access policies, so each grant records a warning that
 * names the access the Secret's keys must have.
 *
 * @example
 * const lake = new S3CompatibleBucket(infra, "Lake", { bucketName: "ml-lake", endpoint: "https://minio.storage.svc:9000" });
 */
export class S3CompatibleBucket extends Construct implements IObjectStore {
  /** Always `ObjectStoreKind.S3_COMPATIBLE`. */
  public readonly kind = ObjectStoreKind.S3_COMPATIBLE;
  /** Bucket name. */
  public readonly bucketName: string;
  /** `s3://<bucket>`. */
  public readonly uri: string;
  /** The S3 API endpoint. */
  public readonly endpoint?: string;
  /** The CA certificate that signs the store's TLS certificate, when it is private. */
  public readonly caCertificate?: CaCertificateSecret;

  constructor(scope: Construct, id: string, props: S3CompatibleBucketProps) {
    super(scope, id);
    validateName(this, "bucketName", props.bucketName, NamingRule.S3_BUCKET);
    validateNonEmpty(this, "endpoint", props.endpoint);
    validateBoolean(this, "allowInsecureHttp", props.allowInsecureHttp);
    validateUrlWithoutPath(this, "endpoint", props.endpoint, props.allowInsecureHttp === true);
    if (props.caCertificate !== undefined) {
      validateCaCertificateSecret(this, "caCertificate", props.caCertificate);
      if (!isUnresolved(props.endpoint) && props.endpoint.startsWith("http://")) {
        invalid(this, "caCertificate", props.caCertificate.secretName, "does not apply to a plain http:// endpoint (nothing to verify)");
      }
    }
    this.bucketName = props.bucketName;
    this.endpoint = props.endpoint;
    this.caCertificate = props.caCertificate;
    this.uri = `s3://${props.bucketName}`;
  }

  /** Records that the identity's credentials must allow reading the bucket (under `prefix` when given). */
  public grantRead(identity: IWorkloadIdentity, options?: ObjectStoreGrantOptions): void {
    this.grant(identity, ObjectStoreAccess.READ, options);
  }

  /** Records that the identity's credentials must allow writing the bucket (delete only with `allowDelete`). */
  public grantWrite(identity: IWorkloadIdentity, options?: ObjectStoreGrantOptions): void {
    this.grant(identity, ObjectStoreAccess.WRITE, options);
  }

  /** Records that the identity's credentials must allow reading and writing the bucket (delete only with `allowDelete`). */
  public grantReadWrite(identity: IWorkloadIdentity, options?: ObjectStoreGrantOptions): void {
    this.grant(identity, ObjectStoreAccess.READ_WRITE, options);
  }

  private grant(identity: IWorkloadIdentity, access: ObjectStoreAccess, options: ObjectStoreGrantOptions | undefined): void {
    const { prefix, allowDelete } = grantOptions(this, access, options);
    requireIdentity(this, identity, WorkloadIdentityKind.KUBERNETES_SECRET, "an S3-compatible bucket");
    const what = `${access}${allowDelete ? " and delete" : ""}`;
    const where = prefix === "" ? `bucket "${this.bucketName}"` : `prefix "${prefix}" of bucket "${this.bucketName}"`;
    warning(
      this,
      `${this.node.path}: grant ${what} on ${where} to ${identity.namespace}/${identity.serviceAccountName} ` +
        `is not enforced by Terraform: give the keys in Secret "${identity.credentialsSecretName}" ${what} access${prefix === "" ? "" : ` to ${prefix}*`} in the store's own policy`,
    );
  }
}

/**
 * Internal: checks a `CaCertificateSecret` (JavaScript callers may pass anything): Secret name,
 * namespace and key syntax.
 */
export function validateCaCertificateSecret(scope: IConstruct, prop: string, value: CaCertificateSecret): void {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    invalid(scope, prop, value, "must be a CaCertificateSecret ({ secretName, namespace, key? })");
  }
  validateName(scope, `${prop}.secretName`, value.secretName, NamingRule.DNS1123_SUBDOMAIN);
  validateName(scope, `${prop}.namespace`, value.namespace, NamingRule.DNS1123_LABEL);
  const key: unknown = value.key;
  if (key !== undefined && !isUnresolved(key) && (typeof key !== "string" || !/^[-._a-zA-Z0-9]{1,253}$/.test(key))) {
    invalid(scope, `${prop}.key`, key, "must be a Secret data key: letters, digits, '-', '_' or '.'");
  }
}
