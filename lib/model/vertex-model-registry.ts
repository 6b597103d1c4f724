import { Construct } from "constructs";
import { DataGoogleProject } from "@cdktf/provider-google/lib/data-google-project";
import { KmsCryptoKeyIamMember } from "@cdktf/provider-google/lib/kms-crypto-key-iam-member";
import { ProjectIamMember } from "@cdktf/provider-google/lib/project-iam-member";
import { ServiceAccountIamMember } from "@cdktf/provider-google/lib/service-account-iam-member";
import { IWorkloadIdentity, WorkloadIdentityKind } from "../core/cluster";
import { ModelAlias } from "../core/model-registry";
import { IObjectStore, ObjectStoreKind } from "../core/object-store";
import { invalid, isUnresolved, validateBoolean, validateEnum, validateGcpProjectId, validateGcpRegion } from "../core/validation";
import { validateModelName } from "./registry-internal";

const KMS_KEY_NAME = /^projects\/[^/]+\/locations\/([^/]+)\/keyRings\/[^/]+\/cryptoKeys\/[^/]+$/;
const PREFIX = /^(?!\/)(?!.*\/\/)(?!.*\.\.)[A-Za-z0-9_.=\/-]*\/$/;
/** Vertex AI model ids are numeric, or user-chosen: letters, digits, '-' and '_' (believed from the API docs; not verified here). */
const MODEL_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

/** Props of `VertexModelRegistry`. */
export interface VertexModelRegistryProps {
  /** Project of the Vertex AI Model Registry. */
  readonly project: string;
  /** Region of the models and training jobs, e.g. `us-central1`. */
  readonly region: string;
  /**
   * The Google service account training jobs and pipelines run as (a GKE workload identity): it
   * uploads and registers models, runs custom training jobs as itself, and reads and writes the
   * artifact prefix.
   */
  readonly trainingIdentity: IWorkloadIdentity;
  /** The Cloud Storage store model artifacts live in (typically `lake.zone(LakeZone.MODELS)`). */
  readonly artifactStore: IObjectStore;
  /**
   * Key prefix (relative to the store's root) for model artifacts.
   * @default "vertex/"
   */
  readonly artifactPrefix?: string;
  /**
   * Let the training identity delete (and overwrite) objects under the prefix.
   * @default false
   */
  readonly allowDelete?: boolean;
  /**
   * Cloud KMS key (`projects/<p>/locations/<region>/keyRings/<r>/cryptoKeys/<k>`) for CMEK on
   * models and training jobs: the Vertex AI service agent is granted encrypt/decrypt on it.
   * @default - Google-managed encryption
   */
  readonly kmsKeyName?: string;
}

/**
 * The managed alternative to MLflow on GCP: access to the Vertex AI Model Registry for a training
 * identity. Vertex has no registry resource to create (models are registered by API calls; the
 * Google provider has no `vertex_ai_model`), so this construct grants:
 * - the training identity `roles/aiplatform.user` on the project (upload and version models, set
 *   version aliases, run custom training jobs) and `roles/iam.serviceAccountUser` on itself (custom
 *   jobs run as the training identity, not the default service agent);
 * - the training identity read-write on the artifact prefix;
 * - the Vertex AI service agent read on the prefix (it copies uploaded artifacts) and, with
 *   `kmsKeyName`, encrypt/decrypt on the key.
 *
 * Not an `IModelRegistry`: Vertex has no MLflow tracking URI (`clientEnvironment` could not give
 * one). Vertex versions do have aliases; `modelResourceName(modelId, alias)` gives
 * `projects/<p>/locations/<r>/models/<id>@<alias>` for the same promotion contract.
 *
 * @example
 * const trainer = gke.addWorkloadIdentity("Trainer", { namespace: "training", serviceAccountName: "trainer" });
 * new VertexModelRegistry(infra, "Registry", {
 *   project: "acme-ml", region: "us-central1", trainingIdentity: trainer, artifactStore: lake.zone(LakeZone.MODELS),
 * });
 */
export class VertexModelRegistry extends Construct {
  /** Project of the registry. */
  public readonly project: string;
  /** Region of the registry. */
  public readonly region: string;
  /** Email of the Vertex AI service agent (`service-<project number>@gcp-sa-aiplatform.iam.gserviceaccount.com`). */
  public readonly serviceAgentEmail: string;
  /** URI of the artifact prefix, `<store uri>/<artifactPrefix>`. */
  public readonly artifactUri: string;

  constructor(scope: Construct, id: string, props: VertexModelRegistryProps) {
    super(scope, id);
    if (props === undefined || props === null || typeof props !== "object") invalid(this, "props", props, "must be a VertexModelRegistryProps object");
    validateGcpProjectId(this, "project", props.project);
    validateGcpRegion(this, "region", props.region);
    const identity = props.trainingIdentity;
    if (identity === undefined || identity === null || typeof identity !== "object" || typeof identity.kind !== "string") {
      invalid(this, "trainingIdentity", identity, "must be an IWorkloadIdentity (GkeCluster.addWorkloadIdentity(...))");
    }
    if (identity.kind !== WorkloadIdentityKind.GCP_SERVICE_ACCOUNT || identity.gcpServiceAccountEmail === undefined) {
      invalid(this, "trainingIdentity", identity.node.path, `is a ${identity.kind} identity; Vertex AI access can only be granted to a GCP service account identity (GkeCluster.addWorkloadIdentity)`);
    }
    const store = props.artifactStore;
    if (store === undefined || store === null || typeof store !== "object" || typeof store.grantReadWrite !== "function") {
      invalid(this, "artifactStore", store, "must be an IObjectStore (a Cloud Storage data-lake zone or bucket reference)");
    }
    if (store.kind !== ObjectStoreKind.GCS) invalid(this, "artifactStore", store.kind, "must be a Cloud Storage store: Vertex AI reads model artifacts from gs:// URIs");
    const prefix = props.artifactPrefix ?? "vertex/";
    if (!isUnresolved(prefix) && (typeof prefix !== "string" || !PREFIX.test(prefix) || prefix === "/")) {
      invalid(this, "artifactPrefix", prefix, "must be a key prefix such as \"vertex/\": ends with '/', no leading '/', no '//', '..' or wildcards");
    }
    validateBoolean(this, "allowDelete", props.allowDelete);
    const key = props.kmsKeyName;
    if (key !== undefined && !isUnresolved(key)) {
      const m = typeof key === "string" ? KMS_KEY_NAME.exec(key) : null;
      if (m === null) invalid(this, "kmsKeyName", key, "must be a Cloud KMS key name: projects/<project>/locations/<region>/keyRings/<ring>/cryptoKeys/<key>");
      if (!isUnresolved(props.region) && m[1] !== props.region) {
        invalid(this, "kmsKeyName", key, `must be in region ${JSON.stringify(props.region)} (Vertex AI CMEK keys must be in the resource's region), not ${JSON.stringify(m[1])}`);
      }
    }
    this.project = props.project;
    this.region = props.region;
    this.artifactUri = `${store.uri}/${prefix}`;

    const member = `serviceAccount:${identity.gcpServiceAccountEmail}`;
    new ProjectIamMember(this, "TrainingAiplatformUser", { project: props.project, role: "roles/aiplatform.user", member });
    new ServiceAccountIamMember(this, "TrainingActAsSelf", {
      serviceAccountId: `projects/${props.project}/serviceAccounts/${identity.gcpServiceAccountEmail}`,
      role: "roles/iam.serviceAccountUser",
      member,
    });
    store.grantReadWrite(identity, { prefix, ...(props.allowDelete === true ? { allowDelete: true } : {}) });

    const number = new DataGoogleProject(this, "Project", { projectId: props.project }).number;
    this.serviceAgentEmail = `service-${number}@gcp-sa-aiplatform.iam.gserviceaccount.com`;
    store.grantRead(new ServiceAgentIdentity(this, "ServiceAgent", this.serviceAgentEmail), { prefix });
    if (key !== undefined) {
      new KmsCryptoKeyIamMember(this, "ServiceAgentCmek", {
        cryptoKeyId: key,
        role: "roles/cloudkms.cryptoKeyEncrypterDecrypter",
        member: `serviceAccount:${this.serviceAgentEmail}`,
      });
    }
  }

  /** `projects/<project>/locations/<region>/models/<modelId>@<alias>`: the model version an alias points at. */
  public modelResourceName(modelId: string, alias: ModelAlias): string {
    validateModelName(this, "modelId", modelId);
    if (!isUnresolved(modelId) && !MODEL_ID.test(modelId)) invalid(this, "modelId", modelId, "must be a Vertex AI model id: letters, digits, '-' and '_' (at most 128)");
    if (alias === undefined) invalid(this, "alias", alias, "is required (ModelAlias.STAGING or ModelAlias.PRODUCTION)");
    validateEnum(this, "alias", alias, ModelAlias, "ModelAlias");
    return `projects/${this.project}/locations/${this.region}/models/${modelId}@${alias}`;
  }
}

/** Internal: the Vertex AI service agent as a grantee of object-store grants (never a Kubernetes service account). */
class ServiceAgentIdentity extends Construct implements IWorkloadIdentity {
  public readonly kind = WorkloadIdentityKind.GCP_SERVICE_ACCOUNT;
  public readonly namespace = "";
  public readonly serviceAccountName = "vertex-ai-service-agent";
  public readonly serviceAccountAnnotations: { [key: string]: string } = {};

  constructor(scope: Construct, id: string, public readonly gcpServiceAccountEmail: string) {
    super(scope, id);
  }
}
