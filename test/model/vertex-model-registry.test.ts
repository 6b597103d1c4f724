import { WorkloadIdentityKind } from "../../lib/core/cluster";
import { ModelAlias } from "../../lib/core/model-registry";
import { GcsBucketReference, S3BucketReference } from "../../lib/core/object-store";
import { VertexModelRegistry, VertexModelRegistryProps } from "../../lib/model/vertex-model-registry";
import { FakeIdentity } from "../support/fake-identity";
import { bareStack, resolve, resourcesOfType, synthJson, testApp } from "../support/synth";

const KEY = "projects/acme-ml/locations/us-central1/keyRings/ml/cryptoKeys/models";

function setup(overrides: Partial<VertexModelRegistryProps> = {}) {
  const app = testApp();
  const infra = bareStack(app, "infra");
  const trainer = new FakeIdentity(infra, "Trainer", WorkloadIdentityKind.GCP_SERVICE_ACCOUNT, "training", "trainer", "acme-ml");
  const bucket = new GcsBucketReference(infra, "Lake", { bucketName: "acme-models" });
  const registry = new VertexModelRegistry(infra, "Registry", {
    project: "acme-ml", region: "us-central1", trainingIdentity: trainer, artifactStore: bucket, kmsKeyName: KEY, ...overrides,
  } as VertexModelRegistryProps);
  return { app, infra, trainer, bucket, registry };
}

describe("VertexModelRegistry", () => {
  test("training identity: aiplatform.user on the project, serviceAccountUser on itself, read-write on the prefix", () => {
    const e = setup();
    const json = synthJson(e.infra);
    const project = Object.values(resourcesOfType(json, "google_project_iam_member")) as any[];
    expect(project).toEqual([expect.objectContaining({ project: "acme-ml", role: "roles/aiplatform.user", member: "serviceAccount:trainer@acme-ml.iam.gserviceaccount.com" })]);
    const sa = Object.values(resourcesOfType(json, "google_service_account_iam_member")) as any[];
    expect(sa).toEqual([expect.objectContaining({ service_account_id: "projects/acme-ml/serviceAccounts/trainer@acme-ml.iam.gserviceaccount.com", role: "roles/iam.serviceAccountUser" })]);
    const bucket = Object.values(resourcesOfType(json, "google_storage_bucket_iam_member")) as any[];
    const trainer = bucket.filter((m) => m.member === "serviceAccount:trainer@acme-ml.iam.gserviceaccount.com").map((m) => m.role).sort();
    expect(trainer).toEqual(["roles/storage.objectCreator", "roles/storage.objectViewer"]);
    for (const m of bucket) expect(m.condition.expression).toContain("objects/vertex/");
  });

  test("the Vertex AI service agent reads the prefix and uses the CMEK key", () => {
    const e = setup();
    const json = synthJson(e.infra);
    expect(resolve(e.infra, e.registry.serviceAgentEmail)).toMatch(/^service-\$\{data\.google_project\..*\.number\}@gcp-sa-aiplatform\.iam\.gserviceaccount\.com$/);
    const agent = (Object.values(resourcesOfType(json, "google_storage_bucket_iam_member")) as any[]).filter((m) => String(m.member).includes("gcp-sa-aiplatform"));
    expect(agent.map((m) => m.role)).toEqual(["roles/storage.objectViewer"]);
    const kms = Object.values(resourcesOfType(json, "google_kms_crypto_key_iam_member")) as any[];
    expect(kms).toEqual([expect.objectContaining({ crypto_key_id: KEY, role: "roles/cloudkms.cryptoKeyEncrypterDecrypter" })]);
    expect(resourcesOfType(synthJson(setup({ kmsKeyName: undefined }).infra), "google_kms_crypto_key_iam_member")).toEqual({});
  });

  test("allowDelete binds objectUser; modelResourceName follows the alias contract", () => {
    const e = setup({ allowDelete: true });
    const roles = (Object.values(resourcesOfType(synthJson(e.infra), "google_storage_bucket_iam_member")) as any[]).filter((m) => m.member.includes("trainer@")).map((m) => m.role);
    expect(roles).toEqual(["roles/storage.objectUser"]);
    expect(e.registry.modelResourceName("churn", ModelAlias.PRODUCTION)).toBe("projects/acme-ml/locations/us-central1/models/churn@production");
  });

  describe("rejected input", () => {
    test("identity kind, store kind, prefix, key, region, project", () => {
      const app = testApp();
      const infra = bareStack(app, "infra");
      const aws = new FakeIdentity(infra, "Aws", WorkloadIdentityKind.AWS_IAM_ROLE);
      const gcs = new GcsBucketReference(infra, "Lake", { bucketName: "acme-models" });
      expect(() => new VertexModelRegistry(infra, "R1", { project: "acme-ml", region: "us-central1", trainingIdentity: aws, artifactStore: gcs })).toThrow(
        /invalid trainingIdentity "infra\/Aws": is a aws-iam-role identity; Vertex AI access can only be granted to a GCP service account identity/,
      );
      const s3 = new S3BucketReference(infra, "S3", { bucketName: "acme-s3", partition: "aws" });
      const gsa = new FakeIdentity(infra, "Gsa", WorkloadIdentityKind.GCP_SERVICE_ACCOUNT);
      expect(() => new VertexModelRegistry(infra, "R2", { project: "acme-ml", region: "us-central1", trainingIdentity: gsa, artifactStore: s3 })).toThrow(/invalid artifactStore "s3": must be a Cloud Storage store/);
      expect(() => setup({ artifactPrefix: "/x/" })).toThrow(/invalid artifactPrefix "\/x\/"/);
      expect(() => setup({ kmsKeyName: "models" })).toThrow(/invalid kmsKeyName "models": must be a Cloud KMS key name/);
      expect(() => setup({ kmsKeyName: "projects/acme-ml/locations/europe-west4/keyRings/ml/cryptoKeys/models" })).toThrow(/must be in region "us-central1"/);
      expect(() => setup({ region: "us-central1-a" })).toThrow(/invalid region "us-central1-a"/);
      expect(() => setup({ project: "Acme" })).toThrow(/invalid project "Acme"/);
      expect(() => setup({ allowDelete: "no" as any })).toThrow(/invalid allowDelete "no"/);
      expect(() => setup({ trainingIdentity: undefined as any })).toThrow(/invalid trainingIdentity undefined/);
    });

    test("model ids and aliases", () => {
      const e = setup();
      expect(() => e.registry.modelResourceName("churn/1", ModelAlias.PRODUCTION)).toThrow(/invalid modelId "churn\/1"/);
      expect(() => e.registry.modelResourceName("churn.v1", ModelAlias.PRODUCTION)).toThrow(/invalid modelId "churn.v1": must be a Vertex AI model id/);
      expect(() => e.registry.modelResourceName("churn", "prod" as any)).toThrow(/invalid alias "prod"/);
    });
  });
});
