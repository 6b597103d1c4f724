import { Construct, IConstruct } from "constructs";
import { BigqueryDataset } from "@cdktf/provider-google/lib/bigquery-dataset";
import { BigqueryDatasetIamMember } from "@cdktf/provider-google/lib/bigquery-dataset-iam-member";
import { DataGoogleBigqueryDefaultServiceAccount } from "@cdktf/provider-google/lib/data-google-bigquery-default-service-account";
import { KmsCryptoKeyIamMember } from "@cdktf/provider-google/lib/kms-crypto-key-iam-member";
import { ProjectIamMember } from "@cdktf/provider-google/lib/project-iam-member";
import { IWorkloadIdentity, WorkloadIdentityKind } from "../core/cluster";
import { requireIdentity } from "../core/grants";
import { invalid, isUnresolved, typeName, validateBoolean, validateGcpProjectId, validateGcpRegion } from "../core/validation";

/** BigQuery dataset ids: letters, digits and underscores, at most 1,024 characters. */
const DATASET_ID = /^[A-Za-z0-9_]{1,1024}$/;
/** A Cloud KMS key: projects/<p>/locations/<l>/keyRings/<r>/cryptoKeys/<k>. */
const KMS_KEY = /^projects\/[^/]+\/locations\/[^/]+\/keyRings\/[^/]+\/cryptoKeys\/[^/]+$/;

/**
 * A BigQuery dataset the data layer can grant on: the Feast BigQuery offline store's working
 * dataset (temporary tables of training retrieval) or a dataset its feature views read.
 */
export interface IBigQueryDataset extends IConstruct {
  /** Project id of the dataset. */
  readonly projectId: string;
  /** Dataset id (letters, digits, `_`). */
  readonly datasetId: string;
  /** Location (`US`, `EU` or a region such as `us-central1`). */
  readonly location: string;
  /** Read tables (roles/bigquery.dataViewer on the dataset) and run query jobs in the project (roles/bigquery.jobUser). */
  grantRead(identity: IWorkloadIdentity): void;
  /** Create, write and delete tables (roles/bigquery.dataEditor on the dataset) and run query jobs (roles/bigquery.jobUser). */
  grantReadWrite(identity: IWorkloadIdentity): void;
}

/** Props of `BigQueryDatasetReference`. */
export interface BigQueryDatasetReferenceProps {
  /** Project id of the existing dataset. */
  readonly projectId: string;
  /** Id of the existing dataset (letters, digits, `_`). */
  readonly datasetId: string;
  /** Location of the dataset: `US`, `EU` or a Google Cloud region. */
  readonly location: string;
}

/** Props of `BigQueryDataset`. */
export interface BigQueryDatasetProps extends BigQueryDatasetReferenceProps {
  /**
   * Cloud KMS key (`projects/<p>/locations/<l>/keyRings/<r>/cryptoKeys/<k>`, in the dataset's
   * location) the dataset's tables are encrypted with by default. BigQuery's service agent is
   * granted encrypt/decrypt on it.
   */
  readonly kmsKeyName: string;
  /**
   * Default lifetime of new tables in days (Feast's temporary entity tables).
   * @default 7
   */
  readonly defaultTableExpirationDays?: number;
  /**
   * Protect the dataset from `terraform destroy` (`prevent_destroy`, `delete_contents_on_destroy` false).
   * @default true
   */
  readonly deletionProtection?: boolean;
}

function validateReference(scope: IConstruct, props: BigQueryDatasetReferenceProps): void {
  if (props === undefined || props === null || typeof props !== "object") invalid(scope, "props", props, `must be an object, not ${typeName(props)}`);
  validateGcpProjectId(scope, "projectId", props.projectId);
  const id: unknown = props.datasetId;
  if (!isUnresolved(id) && (typeof id !== "string" || !DATASET_ID.test(id))) {
    invalid(scope, "datasetId", id, "must be a BigQuery dataset id: 1 to 1024 letters, digits or '_' (no '-' or '.')");
  }
  const location: unknown = props.location;
  if (isUnresolved(location)) return;
  if (typeof location !== "string" || location === "") invalid(scope, "location", location, 'must be "US", "EU" or a Google Cloud region such as "us-central1"');
  if (location.toUpperCase() === "US" || location.toUpperCase() === "EU") {
    if (location !== location.toUpperCase()) invalid(scope, "location", location, `must be written "${location.toUpperCase()}" (multi-regions are upper case)`);
    return;
  }
  validateGcpRegion(scope, "location", location);
}

/** The dataset-level and project-level IAM members a grant makes (shared by both classes). */
function grantDataset(dataset: IBigQueryDataset, identity: IWorkloadIdentity, write: boolean): void {
  requireIdentity(dataset, identity, WorkloadIdentityKind.GCP_SERVICE_ACCOUNT, "a BigQuery dataset");
  const member = `serviceAccount:${identity.gcpServiceAccountEmail}`;
  const role = write ? "roles/bigquery.dataEditor" : "roles/bigquery.dataViewer";
  const id = `${write ? "Editor" : "Viewer"}-${identity.node.addr.slice(0, 8)}`;
  if (dataset.node.tryFindChild(id) === undefined) {
    // A dataset Strata creates must exist before its IAM members.
    const dependsOn = dataset instanceof BigQueryDataset ? [dataset.resource] : undefined;
    new BigqueryDatasetIamMember(dataset, id, { project: dataset.projectId, datasetId: dataset.datasetId, role, member, dependsOn });
  }
  // Running queries (jobs) is a project-level permission; roles/bigquery.jobUser is the narrowest predefined role.
  const jobs = `JobUser-${identity.node.addr.slice(0, 8)}`;
  if (dataset.node.tryFindChild(jobs) === undefined) {
    new ProjectIamMember(dataset, jobs, { project: dataset.projectId, role: "roles/bigquery.jobUser", member });
  }
}

/**
 * An existing BigQuery dataset (not managed by Strata) as an `IBigQueryDataset`: grants become
 * dataset IAM members for the identity's Google service account.
 *
 * @example
 * const sources = new BigQueryDatasetReference(infra, "Sources", { projectId: "acme-ml", datasetId: "events", location: "US" });
 */
export class BigQueryDatasetReference extends Construct implements IBigQueryDataset {
  /** Project id. */
  public readonly projectId: string;
  /** Dataset id. */
  public readonly datasetId: string;
  /** Location. */
  public readonly location: string;

  constructor(scope: Construct, id: string, props: BigQueryDatasetReferenceProps) {
    super(scope, id);
    validateReference(this, props);
    this.projectId = props.projectId;
    this.datasetId = props.datasetId;
    this.location = props.location;
  }

  /** roles/bigquery.dataViewer on the dataset and roles/bigquery.jobUser on its project. */
  public grantRead(identity: IWorkloadIdentity): void {
    grantDataset(this, identity, false);
  }

  /** roles/bigquery.dataEditor on the dataset and roles/bigquery.jobUser on its project. */
  public grantReadWrite(identity: IWorkloadIdentity): void {
    grantDataset(this, identity, true);
  }
}

/**
 * A BigQuery dataset (infra stack) encrypted with a customer-managed Cloud KMS key, protected
 * from destroy, with a default table lifetime: the working dataset of a Feast BigQuery offline
 * store (`OfflineStore.bigQuery`).
 *
 * @example
 * const dataset = new BigQueryDataset(infra, "FeastDataset", {
 *   projectId: "acme-ml", datasetId: "feast_ml", location: "us-central1",
 *   kmsKeyName: "projects/acme-ml/locations/us-central1/keyRings/ml/cryptoKeys/bigquery",
 * });
 */
export class BigQueryDataset extends Construct implements IBigQueryDataset {
  /** Project id. */
  public readonly projectId: string;
  /** Dataset id. */
  public readonly datasetId: string;
  /** Location. */
  public readonly location: string;
  /** The dataset resource. */
  public readonly resource: BigqueryDataset;

  constructor(scope: Construct, id: string, props: BigQueryDatasetProps) {
    super(scope, id);
    validateReference(this, props);
    const key: unknown = props.kmsKeyName;
    if (!isUnresolved(key) && (typeof key !== "string" || !KMS_KEY.test(key))) {
      invalid(this, "kmsKeyName", key, "is required: a Cloud KMS key name projects/<p>/locations/<l>/keyRings/<r>/cryptoKeys/<k> (CMEK for the dataset's tables)");
    }
    if (typeof key === "string" && !isUnresolved(key) && !isUnresolved(props.location)) {
      const keyLocation = key.split("/")[3];
      if (keyLocation.toLowerCase() !== props.location.toLowerCase()) {
        invalid(this, "kmsKeyName", key, `is in location "${keyLocation}"; BigQuery needs a key in the dataset's location "${props.location}"`);
      }
    }
    validateBoolean(this, "deletionProtection", props.deletionProtection);
    const days: unknown = props.defaultTableExpirationDays ?? 7;
    if (!isUnresolved(days) && (typeof days !== "number" || !Number.isInteger(days) || days < 1 || days > 3650)) {
      invalid(this, "defaultTableExpirationDays", days, "must be a whole number of days from 1 to 3650");
    }
    const protect = props.deletionProtection ?? true;
    this.projectId = props.projectId;
    this.datasetId = props.datasetId;
    this.location = props.location;

    // BigQuery encrypts with its service agent; it needs the key before the dataset exists.
    const agent = new DataGoogleBigqueryDefaultServiceAccount(this, "ServiceAgent", { project: props.projectId });
    const keyGrant = new KmsCryptoKeyIamMember(this, "ServiceAgentKey", {
      cryptoKeyId: props.kmsKeyName,
      role: "roles/cloudkms.cryptoKeyEncrypterDecrypter",
      member: `serviceAccount:${agent.email}`,
    });
    this.resource = new BigqueryDataset(this, "Resource", {
      project: props.projectId,
      datasetId: props.datasetId,
      location: props.location,
      defaultEncryptionConfiguration: { kmsKeyName: props.kmsKeyName },
      defaultTableExpirationMs: (days as number) * 24 * 3600 * 1000,
      deleteContentsOnDestroy: false,
      labels: { "managed-by": "strata" },
      lifecycle: { preventDestroy: protect },
      dependsOn: [keyGrant],
    });
  }

  /** roles/bigquery.dataViewer on the dataset and roles/bigquery.jobUser on its project. */
  public grantRead(identity: IWorkloadIdentity): void {
    grantDataset(this, identity, false);
  }

  /** roles/bigquery.dataEditor on the dataset and roles/bigquery.jobUser on its project. */
  public grantReadWrite(identity: IWorkloadIdentity): void {
    grantDataset(this, identity, true);
  }
}
