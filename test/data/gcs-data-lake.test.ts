import { TerraformStack } from "cdktf";
import { GoogleProvider } from "@cdktf/provider-google/lib/provider";
import { WorkloadIdentityKind } from "../../lib/core/cluster";
import { ObjectStoreKind } from "../../lib/core/object-store";
import { DataLakeZone, GcsDataLake, GcsDataLakeProps, LakeLayout, LakeZone } from "../../lib/data";
import { FakeIdentity } from "../support/fake-identity";
import { bareStack, resolve, resourcesOfType, synthJson, SynthJson } from "../support/synth";

const BASE = { bucketPrefix: "acme-ml-lake", project: "acme-ml-prod", location: "us-central1" };
function gcpStack(): TerraformStack {
  const stack = bareStack();
  new GoogleProvider(stack, "google", { project: "acme-ml-prod", region: "us-central1" });
  return stack;
}

describe("GcsDataLake (bucket per zone)", () => {
  let lake: GcsDataLake;
  let json: SynthJson;
  beforeAll(() => {
    const stack = gcpStack();
    lake = new GcsDataLake(stack, "Lake", BASE);
    const trainer = new FakeIdentity(stack, "Trainer", WorkloadIdentityKind.GCP_SERVICE_ACCOUNT);
    lake.zone(LakeZone.FEATURES).grantRead(trainer);
    lake.zone(LakeZone.CHECKPOINTS).grantReadWrite(trainer, { prefix: "runs/llm/" });
    lake.zone(LakeZone.MODELS).grantWrite(trainer, { allowDelete: true });
    json = synthJson(stack);
  });

  it("creates one bucket per zone with pinned addresses", () => {
    expect(lake.bucketNames).toEqual(["acme-ml-lake-raw", "acme-ml-lake-curated", "acme-ml-lake-features", "acme-ml-lake-models", "acme-ml-lake-checkpoints"]);
    expect(Object.keys(resourcesOfType(json, "google_storage_bucket")).sort()).toEqual(
      ["Lake_Checkpoints_6C048D51", "Lake_Curated_0C1B59B1", "Lake_Features_4A7CBBB0", "Lake_Models_11DED7E7", "Lake_Raw_10C27962"].sort(),
    );
    const raw = lake.zone(LakeZone.RAW);
    expect(raw.kind).toBe(ObjectStoreKind.GCS);
    expect(resolve(raw, raw.uri)).toBe("gs://${google_storage_bucket.Lake_Raw_10C27962.name}");
  });

  it("every bucket: uniform access, public access prevention, versioning, CMEK, soft delete, destroy protection", () => {
    for (const b of Object.values(resourcesOfType(json, "google_storage_bucket"))) {
      expect(b).toMatchObject({
        uniform_bucket_level_access: true,
        public_access_prevention: "enforced",
        versioning: { enabled: true },
        encryption: { default_kms_key_name: "${google_kms_crypto_key.Lake_Key_8B60BDDF.id}" },
        soft_delete_policy: { retention_duration_seconds: 604800 },
        force_destroy: false,
        lifecycle: { prevent_destroy: true },
        location: "us-central1",
        project: "acme-ml-prod",
        depends_on: ["google_kms_crypto_key_iam_member.Lake_KeyStorageAgent_35A5F4A4"],
      });
    }
  });

  it("the CMEK key rotates, is protected, and only the Cloud Storage service agent may use it", () => {
    expect(Object.values(resourcesOfType(json, "google_kms_crypto_key"))[0]).toMatchObject({
      rotation_period: "7776000s",
      purpose: "ENCRYPT_DECRYPT",
      lifecycle: { prevent_destroy: true },
    });
    expect(Object.values(resourcesOfType(json, "google_kms_key_ring"))[0]).toMatchObject({
      name: "acme-ml-lake-keys",
      location: "us-central1",
      lifecycle: { prevent_destroy: true },
    });
    const members = Object.values(resourcesOfType(json, "google_kms_crypto_key_iam_member"));
    expect(members).toEqual([
      {
        crypto_key_id: "${google_kms_crypto_key.Lake_Key_8B60BDDF.id}",
        role: "roles/cloudkms.cryptoKeyEncrypterDecrypter",
        member: "serviceAccount:${data.google_storage_project_service_account.Lake_StorageAgent_6702462E.email_address}",
      },
    ]);
  });

  it("lifecycle: cold zones to NEARLINE, noncurrent-version expiry and multipart abort everywhere", () => {
    const rules = (id: string) => resourcesOfType(json, "google_storage_bucket")[id].lifecycle_rule;
    expect(rules("Lake_Raw_10C27962")).toEqual([
      { action: { type: "AbortIncompleteMultipartUpload" }, condition: { age: 7 } },
      { action: { type: "Delete" }, condition: { days_since_noncurrent_time: 90, with_state: "ARCHIVED" } },
      { action: { type: "SetStorageClass", storage_class: "NEARLINE" }, condition: { age: 30, matches_storage_class: ["STANDARD"] } },
    ]);
    expect(rules("Lake_Features_4A7CBBB0")).toHaveLength(2);
    expect(rules("Lake_Checkpoints_6C048D51")).toHaveLength(3);
  });

  it("grants: read is objectViewer, read-write creates without delete (prefix-scoped), delete only when asked", () => {
    const members = Object.values(resourcesOfType(json, "google_storage_bucket_iam_member"));
    const on = (bucketId: string) => members.filter((m) => m.bucket === `\${google_storage_bucket.${bucketId}.name}`);
    expect(on("Lake_Features_4A7CBBB0").map((m) => m.role)).toEqual(["roles/storage.objectViewer"]);
    expect(on("Lake_Features_4A7CBBB0")[0].condition).toBeUndefined();
    const ckpt = on("Lake_Checkpoints_6C048D51");
    expect(ckpt.map((m) => m.role).sort()).toEqual(["roles/storage.objectCreator", "roles/storage.objectViewer"]);
    for (const m of ckpt) expect(m.condition.expression).toContain("/objects/runs/llm/");
    expect(on("Lake_Models_11DED7E7").map((m) => m.role)).toEqual(["roles/storage.objectUser"]);
    expect(members.every((m) => m.member === "serviceAccount:trainer@proj.iam.gserviceaccount.com")).toBe(true);
  });
});

describe("GcsDataLake (prefix per zone)", () => {
  it("one bucket; cold rules and grants stay inside zone prefixes", () => {
    const stack = gcpStack();
    const lake = new GcsDataLake(stack, "Lake", { ...BASE, layout: LakeLayout.PREFIX_PER_ZONE, coldZones: [LakeZone.RAW] });
    lake.zone(LakeZone.CURATED).grantRead(new FakeIdentity(stack, "Reader", WorkloadIdentityKind.GCP_SERVICE_ACCOUNT), { prefix: "sales/" });
    const json = synthJson(stack);
    expect(lake.bucketNames).toEqual(["acme-ml-lake"]);
    const bucket = Object.values(resourcesOfType(json, "google_storage_bucket"));
    expect(bucket).toHaveLength(1);
    expect(bucket[0].lifecycle_rule[2]).toEqual({
      action: { type: "SetStorageClass", storage_class: "NEARLINE" },
      condition: { age: 30, matches_prefix: ["raw/"], matches_storage_class: ["STANDARD"] },
    });
    expect(bucket[0].lifecycle_rule).toHaveLength(3);
    const zone = lake.zone(LakeZone.CURATED) as DataLakeZone;
    expect(zone.prefix).toBe("curated/");
    expect(resolve(zone, zone.uri)).toBe("gs://${google_storage_bucket.Lake_01C54AA4.name}/curated");
    const [member] = Object.values(resourcesOfType(json, "google_storage_bucket_iam_member"));
    expect(member.condition.expression).toContain("/objects/curated/sales/");
  });
});

describe("GcsDataLake options", () => {
  it("opts out of destroy protection, forces destroy, turns soft delete off, names the key ring", () => {
    const stack = gcpStack();
    new GcsDataLake(stack, "Lake", { ...BASE, deletionProtection: false, forceDestroy: true, softDeleteRetentionDays: 0, keyRingName: "lake_keys-2" });
    const json = synthJson(stack);
    for (const b of Object.values(resourcesOfType(json, "google_storage_bucket"))) {
      expect(b).toMatchObject({ force_destroy: true, lifecycle: { prevent_destroy: false }, soft_delete_policy: { retention_duration_seconds: 0 } });
    }
    expect(Object.values(resourcesOfType(json, "google_kms_key_ring"))[0]).toMatchObject({ name: "lake_keys-2", lifecycle: { prevent_destroy: false } });
  });
});

describe("GcsDataLake rejects", () => {
  const make = (props: Partial<GcsDataLakeProps> | any) => () => new GcsDataLake(gcpStack(), "Lake", { ...BASE, ...props });
  it.each([
    [{ bucketPrefix: "goog-lake" }, 'Lake: invalid bucketPrefix "goog-lake": gives the Cloud Storage bucket name "goog-lake-raw", which must not start with "goog"'],
    [{ bucketPrefix: "my-google-lake" }, 'gives the Cloud Storage bucket name "my-google-lake-raw", which must not contain "google" or a close misspelling of it'],
    [{ bucketPrefix: "g00gle" }, 'which must not contain "google" or a close misspelling of it'],
    [{ bucketPrefix: "Lake" }, 'gives the Cloud Storage bucket name "Lake-raw", which must contain only lowercase letters'],
    [{ bucketPrefix: "192.168.5.4", layout: LakeLayout.PREFIX_PER_ZONE }, "which must not be formatted as an IP address"],
    [{ bucketPrefix: "a".repeat(52) }, "which must be 3 to 63 characters long (got 64)"],
    [{ bucketPrefix: "a".repeat(60) + ".b", layout: LakeLayout.PREFIX_PER_ZONE }, `gives the key ring name "${"a".repeat(60)}.b-keys", which must be a Cloud KMS key ring name: 1 to 63 letters, digits, '-' and '_' (set keyRingName)`],
    [{ project: "Acme ML" }, 'Lake: invalid project "Acme ML": looks like a project display name'],
    [{ location: undefined }, "Lake: invalid location undefined: is required"],
    [{ location: "us-central1-a" }, 'Lake: invalid location "us-central1-a": is a zone; give its region ("us-central1")'],
    [{ keyRingName: "bad name" }, "Lake: invalid keyRingName \"bad name\": must be a Cloud KMS key ring name: 1 to 63 letters, digits, '-' and '_'"],
    [{ keyRingName: 7 }, "Lake: invalid keyRingName 7: must be a Cloud KMS key ring name: 1 to 63 letters, digits, '-' and '_', not a number"],
    [{ softDeleteRetentionDays: 3 }, "Lake: invalid softDeleteRetentionDays 3: must be 0 (soft delete off) or from 7 to 90"],
    [{ softDeleteRetentionDays: 91 }, "Lake: invalid softDeleteRetentionDays 91: must be an integer from 0 to 90"],
  ])("%j", (props, message) => {
    expect(make(props)).toThrow(message);
  });

  it("grants to a non-GCP identity", () => {
    const stack = gcpStack();
    const lake = new GcsDataLake(stack, "Lake", BASE);
    const aws = new FakeIdentity(stack, "A", WorkloadIdentityKind.AWS_IAM_ROLE);
    expect(() => lake.zone(LakeZone.RAW).grantRead(aws)).toThrow(
      'infra/Lake/RawStore: invalid identity "infra/A": is a aws-iam-role identity; a Cloud Storage bucket can only be granted to a GCP service account identity',
    );
  });

  it("a zone the lake does not have", () => {
    const lake = new GcsDataLake(gcpStack(), "Lake", { ...BASE, zones: [LakeZone.FEATURES] });
    expect(() => lake.zone(LakeZone.RAW)).toThrow('Lake: invalid zone "raw": is not a zone of this lake; zones: features');
    expect(() => lake.bucket(LakeZone.RAW)).toThrow('Lake: invalid zone "raw": is not a zone of this lake; zones: features');
  });
});
