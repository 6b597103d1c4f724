import { WorkloadIdentityKind } from "../../lib/core/cluster";
import { BigQueryDataset, BigQueryDatasetProps, BigQueryDatasetReference } from "../../lib/data/bigquery-dataset";
import { FakeIdentity } from "../support/fake-identity";
import { bareStack, onlyResource, resourcesOfType, synthJson, testApp } from "../support/synth";

const KEY = "projects/acme-ml/locations/us-central1/keyRings/ml/cryptoKeys/bigquery";

function dataset(overrides: Partial<BigQueryDatasetProps> = {}) {
  const app = testApp();
  const stack = bareStack(app, "infra");
  const ds = new BigQueryDataset(stack, "Dataset", { projectId: "acme-ml", datasetId: "feast_ml", location: "us-central1", kmsKeyName: KEY, ...overrides } as BigQueryDatasetProps);
  return { app, stack, ds };
}

describe("BigQueryDataset", () => {
  test("CMEK, delete protection, a default table lifetime, and the BigQuery service agent on the key before the dataset", () => {
    const { stack } = dataset();
    const json = synthJson(stack);
    const ds = onlyResource(json, "google_bigquery_dataset");
    expect(ds).toMatchObject({
      project: "acme-ml",
      dataset_id: "feast_ml",
      location: "us-central1",
      default_encryption_configuration: { kms_key_name: KEY },
      default_table_expiration_ms: 7 * 24 * 3600 * 1000,
      delete_contents_on_destroy: false,
      lifecycle: { prevent_destroy: true },
    });
    const key = onlyResource(json, "google_kms_crypto_key_iam_member");
    expect(key).toMatchObject({ crypto_key_id: KEY, role: "roles/cloudkms.cryptoKeyEncrypterDecrypter" });
    expect(key.member).toContain("data.google_bigquery_default_service_account");
    expect(ds.depends_on[0]).toContain("google_kms_crypto_key_iam_member");
  });

  test("delete protection off only when asked", () => {
    expect(onlyResource(synthJson(dataset({ deletionProtection: false }).stack), "google_bigquery_dataset").lifecycle).toEqual({ prevent_destroy: false });
  });

  test("grants wait for the dataset; granting twice is a no-op", () => {
    const { stack, ds } = dataset();
    const id = new FakeIdentity(stack, "Id", WorkloadIdentityKind.GCP_SERVICE_ACCOUNT, "feast", "feast-ml");
    ds.grantRead(id);
    ds.grantRead(id);
    const members = Object.values(resourcesOfType(synthJson(stack), "google_bigquery_dataset_iam_member")) as any[];
    expect(members).toHaveLength(1);
    expect(members[0]).toMatchObject({ role: "roles/bigquery.dataViewer", dataset_id: "feast_ml", member: "serviceAccount:feast-ml@proj.iam.gserviceaccount.com" });
    expect(members[0].depends_on[0]).toContain("google_bigquery_dataset.");
  });

  test("grants need a Google service account", () => {
    const { stack, ds } = dataset();
    expect(() => ds.grantReadWrite(new FakeIdentity(stack, "Aws", WorkloadIdentityKind.AWS_IAM_ROLE))).toThrow(
      /infra\/Dataset: invalid identity "infra\/Aws": is a aws-iam-role identity; a BigQuery dataset can only be granted to a GCP service account identity/,
    );
  });

  describe("bad input", () => {
    test.each([["feast-ml"], ["feast.ml"], [""], [7]])("datasetId %j", (id) => {
      expect(() => dataset({ datasetId: id as any })).toThrow(/infra\/Dataset: invalid datasetId .*: must be a BigQuery dataset id: 1 to 1024 letters, digits or '_'/);
    });
    test("locations", () => {
      expect(() => dataset({ location: "us", kmsKeyName: "projects/acme-ml/locations/us/keyRings/ml/cryptoKeys/bigquery" })).toThrow(/invalid location "us": must be written "US"/);
      expect(() => dataset({ location: "us-central1-a" })).toThrow(/invalid location "us-central1-a": is a zone/);
      expect(() => dataset({ location: "mars-north1" })).toThrow(/invalid location "mars-north1": is not a Google Cloud region Strata knows/);
      expect(() => dataset({ location: 5 as any })).toThrow(/invalid location 5: must be "US", "EU" or a Google Cloud region/);
    });
    test("KMS key missing, malformed, or in another location", () => {
      expect(() => dataset({ kmsKeyName: undefined as any })).toThrow(/invalid kmsKeyName undefined: is required: a Cloud KMS key name/);
      expect(() => dataset({ kmsKeyName: "bigquery" })).toThrow(/invalid kmsKeyName "bigquery"/);
      expect(() => dataset({ kmsKeyName: "projects/acme-ml/locations/europe-west4/keyRings/ml/cryptoKeys/bq" })).toThrow(
        /invalid kmsKeyName ".*": is in location "europe-west4"; BigQuery needs a key in the dataset's location "us-central1"/,
      );
    });
    test("project id, table lifetime, deletionProtection", () => {
      expect(() => dataset({ projectId: "Acme ML" })).toThrow(/invalid projectId "Acme ML": looks like a project display name/);
      expect(() => dataset({ defaultTableExpirationDays: 0 })).toThrow(/invalid defaultTableExpirationDays 0: must be a whole number of days from 1 to 3650/);
      expect(() => dataset({ deletionProtection: "no" as any })).toThrow(/invalid deletionProtection "no"/);
    });
    test("a reference validates the same names", () => {
      const stack = bareStack(testApp(), "infra");
      expect(() => new BigQueryDatasetReference(stack, "Ref", { projectId: "acme-ml", datasetId: "a-b", location: "US" })).toThrow(/infra\/Ref: invalid datasetId "a-b"/);
      expect(() => new BigQueryDatasetReference(stack, "Ref2", undefined as any)).toThrow(/infra\/Ref2: invalid props undefined: must be an object/);
    });
  });
});
