import { Construct, IConstruct } from "constructs";
import { StorageBucketIamMember } from "@cdktf/provider-google/lib/storage-bucket-iam-member";
import { IWorkloadIdentity, WorkloadIdentityKind } from "./cluster";
import { attachRolePolicy, requireIdentity } from "./grants";
import { NamingRule, validateName } from "./naming";
import { invalid, isUnresolved, validateNonEmpty, warning } from "./validation";

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
  /** List, read, write and delete objects. */
  READ_WRITE = "read-write",
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
  /** Grants list and read access to a workload identity. */
  grantRead(identity: IWorkloadIdentity): void;
  /** Grants list, read, write and delete access to a workload identity. */
  grantReadWrite(identity: IWorkloadIdentity): void;
}

/** Props of `S3BucketReference`. */
export interface S3BucketReferenceProps {
  /** Name of the existing S3 bucket. */
  readonly bucketName: string;
  /**
   * ARN of the KMS key the bucket encrypts with; grants then include use of the key.
   * @default - the bucket uses S3-managed keys
   */
  readonly kmsKeyArn?: string;
  /**
   * AWS partition of the bucket ARN.
   * @default "aws"
   */
  readonly partition?: string;
}

/**
 * An existing Amazon S3 bucket as an `IObjectStore`: grants become inline policies on the
 * workload identity's IAM role.
 *
 * @example
 * const lake = new S3BucketReference(infra, "Lake", { bucketName: "acme-ml-lake" });
 * lake.grantRead(cluster.addWorkloadIdentity("Trainer", { namespace: "training", serviceAccountName: "trainer" }));
 */
export class S3BucketReference extends Construct implements IObjectStore {
  /** Always `ObjectStoreKind.S3`. */
  public readonly kind = ObjectStoreKind.S3;
  /** Bucket name. */
  public readonly bucketName: string;
  /** `s3://<bucket>`. */
  public readonly uri: string;
  /** ARN of the bucket. */
  public readonly bucketArn: string;
  private readonly kmsKeyArn?: string;

  constructor(scope: Construct, id: string, props: S3BucketReferenceProps) {
    super(scope, id);
    validateName(this, "bucketName", props.bucketName, NamingRule.S3_BUCKET);
    this.bucketName = props.bucketName;
    this.uri = `s3://${props.bucketName}`;
    this.bucketArn = `arn:${props.partition ?? "aws"}:s3:::${props.bucketName}`;
    this.kmsKeyArn = props.kmsKeyArn;
  }

  /** Grants list and read access (s3:GetObject, s3:ListBucket, and kms:Decrypt when encrypted with KMS). */
  public grantRead(identity: IWorkloadIdentity): void {
    this.grant(identity, ObjectStoreAccess.READ);
  }

  /** Grants list, read, write and delete access. */
  public grantReadWrite(identity: IWorkloadIdentity): void {
    this.grant(identity, ObjectStoreAccess.READ_WRITE);
  }

  private grant(identity: IWorkloadIdentity, access: ObjectStoreAccess): void {
    requireIdentity(this, identity, WorkloadIdentityKind.AWS_IAM_ROLE, "an S3 bucket");
    const objectActions =
      access === ObjectStoreAccess.READ
        ? ["s3:GetObject", "s3:GetObjectVersion"]
        : ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"];
    const statements: object[] = [
      { Sid: "ListBucket", Effect: "Allow", Action: ["s3:ListBucket", "s3:GetBucketLocation"], Resource: [this.bucketArn] },
      { Sid: "Objects", Effect: "Allow", Action: objectActions, Resource: [`${this.bucketArn}/*`] },
    ];
    if (this.kmsKeyArn !== undefined) {
      statements.push({
        Sid: "BucketKey",
        Effect: "Allow",
        Action: access === ObjectStoreAccess.READ ? ["kms:Decrypt"] : ["kms:Decrypt", "kms:GenerateDataKey"],
        Resource: [this.kmsKeyArn],
      });
    }
    attachRolePolicy(this, identity, `S3-${access}`, statements);
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

  /** Grants `roles/storage.objectViewer` on the bucket. */
  public grantRead(identity: IWorkloadIdentity): void {
    this.grant(identity, "roles/storage.objectViewer");
  }

  /** Grants `roles/storage.objectUser` on the bucket (read, write, delete; no IAM changes). */
  public grantReadWrite(identity: IWorkloadIdentity): void {
    this.grant(identity, "roles/storage.objectUser");
  }

  private grant(identity: IWorkloadIdentity, role: string): void {
    requireIdentity(this, identity, WorkloadIdentityKind.GCP_SERVICE_ACCOUNT, "a Cloud Storage bucket");
    const id = `Grant-${role.split(".").pop()}-${identity.node.addr.slice(0, 8)}`;
    if (this.node.tryFindChild(id)) return; // already granted
    new StorageBucketIamMember(this, id, {
      bucket: this.bucketName,
      role,
      member: `serviceAccount:${identity.gcpServiceAccountEmail}`,
    });
  }
}

/** Props of `S3CompatibleBucket`. */
export interface S3CompatibleBucketProps {
  /** Name of the existing bucket. */
  readonly bucketName: string;
  /** HTTPS endpoint of the S3 API, e.g. `https://minio.storage.svc:9000`. */
  readonly endpoint: string;
  /**
   * Allow a plain `http://` endpoint. Credentials and data then cross the network unencrypted.
   * @default false
   */
  readonly allowInsecureHttp?: boolean;
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

  constructor(scope: Construct, id: string, props: S3CompatibleBucketProps) {
    super(scope, id);
    validateName(this, "bucketName", props.bucketName, NamingRule.S3_BUCKET);
    validateNonEmpty(this, "endpoint", props.endpoint);
    if (!isUnresolved(props.endpoint)) {
      const scheme = /^(https?):\/\/[^\s/]+/.exec(props.endpoint)?.[1];
      if (scheme === undefined) {
        invalid(this, "endpoint", props.endpoint, "must be an http(s) URL such as https://minio.storage.svc:9000");
      }
      if (scheme === "http" && !props.allowInsecureHttp) {
        invalid(this, "endpoint", props.endpoint, "must use https; set allowInsecureHttp: true to accept plain http");
      }
    }
    this.bucketName = props.bucketName;
    this.endpoint = props.endpoint;
    this.uri = `s3://${props.bucketName}`;
  }

  /** Records that the identity's credentials must allow reading the bucket. */
  public grantRead(identity: IWorkloadIdentity): void {
    this.grant(identity, ObjectStoreAccess.READ);
  }

  /** Records that the identity's credentials must allow reading and writing the bucket. */
  public grantReadWrite(identity: IWorkloadIdentity): void {
    this.grant(identity, ObjectStoreAccess.READ_WRITE);
  }

  private grant(identity: IWorkloadIdentity, access: ObjectStoreAccess): void {
    requireIdentity(this, identity, WorkloadIdentityKind.KUBERNETES_SECRET, "an S3-compatible bucket");
    warning(
      this,
      `${this.node.path}: grant ${access} on bucket "${this.bucketName}" to ${identity.namespace}/${identity.serviceAccountName} ` +
        `is not enforced by Terraform: give the keys in Secret "${identity.credentialsSecretName}" ${access} access in the store's own policy`,
    );
  }
}
