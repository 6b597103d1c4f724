import { TerraformStack, Testing } from "cdktf";
import { WorkloadIdentityKind } from "../../lib/core/cluster";
import { ObjectStoreKind } from "../../lib/core/object-store";
import { DataLakeZone, LakeLayout, LakeZone, S3DataLake } from "../../lib/data";
import { FakeIdentity } from "../support/fake-identity";
import { awsStack, resourcesOfType, synthJson, SynthJson } from "../support/synth";

const doc = (r: { policy: string }) => JSON.parse(r.policy);
const byName = (json: SynthJson, type: string, bucketId: string) =>
  Object.entries(resourcesOfType(json, type)).find(([, r]) => String(r.bucket).includes(`aws_s3_bucket.${bucketId}.`))?.[1];
const PARTITION = "${data.aws_partition.Lake_Partition_F159BDD4.partition}";

describe("S3DataLake (bucket per zone)", () => {
  let stack: TerraformStack;
  let lake: S3DataLake;
  let json: SynthJson;

  beforeAll(() => {
    stack = awsStack();
    lake = new S3DataLake(stack, "Lake", { bucketPrefix: "acme-ml-lake" });
    const trainer = new FakeIdentity(stack, "Trainer", WorkloadIdentityKind.AWS_IAM_ROLE);
    lake.zone(LakeZone.FEATURES).grantRead(trainer);
    lake.zone(LakeZone.CHECKPOINTS).grantReadWrite(trainer, { prefix: "runs/llm/" });
    json = synthJson(stack);
  });

  it("creates one bucket per zone and an access-log bucket, with pinned addresses", () => {
    expect(lake.bucketNames).toEqual([
      "acme-ml-lake-raw",
      "acme-ml-lake-curated",
      "acme-ml-lake-features",
      "acme-ml-lake-models",
      "acme-ml-lake-checkpoints",
      "acme-ml-lake-access-logs",
    ]);
    const buckets = resourcesOfType(json, "aws_s3_bucket");
    expect(Object.keys(buckets).sort()).toEqual([
      "Lake_AccessLogs_4431AB8D",
      "Lake_Checkpoints_1A7AF0B7",
      "Lake_Curated_8ED8635F",
      "Lake_Features_22ED2D8C",
      "Lake_Models_0AE35E72",
      "Lake_Raw_8A880B75",
    ].sort());
  });

  it("zones are IObjectStores on their own buckets", () => {
    const raw = lake.zone(LakeZone.RAW);
    expect(raw).toBeInstanceOf(DataLakeZone);
    expect(raw.kind).toBe(ObjectStoreKind.S3);
    expect(raw.bucketName).toBe("acme-ml-lake-raw");
    expect(raw.uri).toBe("s3://acme-ml-lake-raw");
    expect(lake.layout).toBe(LakeLayout.BUCKET_PER_ZONE);
  });

  it("encrypts zone buckets with the lake's rotating customer-managed key, bucket keys on", () => {
    const keys = Object.values(resourcesOfType(json, "aws_kms_key"));
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ enable_key_rotation: true, deletion_window_in_days: 30, lifecycle: { prevent_destroy: true } });
    const enc = byName(json, "aws_s3_bucket_server_side_encryption_configuration", "Lake_Raw_8A880B75");
    expect(enc.rule).toEqual([
      { apply_server_side_encryption_by_default: { sse_algorithm: "aws:kms", kms_master_key_id: "${aws_kms_key.Lake_Key_8B60BDDF.arn}" }, bucket_key_enabled: true },
    ]);
  });

  it("key policy: account administers without data use; use only through S3 in the account", () => {
    const policy = doc(Object.values(resourcesOfType(json, "aws_kms_key"))[0] as { policy: string });
    const admin = policy.Statement.find((s: any) => s.Sid === "AccountAdministers");
    expect(admin.Action).not.toContain("kms:*");
    expect(admin.Action).not.toContain("kms:Decrypt");
    const use = policy.Statement.find((s: any) => s.Sid === "UseThroughS3");
    expect(use.Condition.StringEquals["kms:ViaService"]).toMatch(/^s3\./);
    expect(use.Condition.StringEquals["kms:CallerAccount"]).toContain("aws_caller_identity");
    expect(policy.Statement.every((s: any) => s.Principal.AWS !== "*")).toBe(true);
  });

  it("versions, blocks public access and enforces bucket-owner ownership on every bucket", () => {
    expect(Object.keys(resourcesOfType(json, "aws_s3_bucket_versioning"))).toHaveLength(6);
    for (const v of Object.values(resourcesOfType(json, "aws_s3_bucket_versioning"))) expect(v.versioning_configuration).toEqual({ status: "Enabled" });
    const blocks = Object.values(resourcesOfType(json, "aws_s3_bucket_public_access_block"));
    expect(blocks).toHaveLength(6);
    for (const b of blocks) {
      expect(b).toMatchObject({ block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true });
    }
    const owners = Object.values(resourcesOfType(json, "aws_s3_bucket_ownership_controls"));
    expect(owners).toHaveLength(6);
    for (const o of owners) expect(o.rule).toEqual({ object_ownership: "BucketOwnerEnforced" });
  });

  it("denies requests without TLS on every bucket", () => {
    const policies = Object.values(resourcesOfType(json, "aws_s3_bucket_policy"));
    expect(policies).toHaveLength(6);
    for (const p of policies) {
      const tls = doc(p).Statement.find((s: any) => s.Sid === "DenyInsecureTransport");
      expect(tls).toMatchObject({ Effect: "Deny", Principal: "*", Action: "s3:*", Condition: { Bool: { "aws:SecureTransport": "false" } } });
      expect(tls.Resource).toHaveLength(2);
      expect(p.depends_on[0]).toContain("aws_s3_bucket_public_access_block");
    }
  });

  it("logs zone-bucket access to the log bucket, which only the S3 logging service of this account may write", () => {
    const logging = Object.values(resourcesOfType(json, "aws_s3_bucket_logging"));
    expect(logging).toHaveLength(5);
    for (const l of logging) expect(l.target_bucket).toBe("${aws_s3_bucket.Lake_AccessLogs_4431AB8D.id}");
    expect(logging.map((l) => l.target_prefix)).toContain("acme-ml-lake-raw/");
    const logPolicy = doc(byName(json, "aws_s3_bucket_policy", "Lake_AccessLogs_4431AB8D"));
    const delivery = logPolicy.Statement.find((s: any) => s.Sid === "S3ServerAccessLogs");
    expect(delivery.Principal).toEqual({ Service: "logging.s3.amazonaws.com" });
    expect(delivery.Action).toBe("s3:PutObject");
    expect(delivery.Condition.ArnLike["aws:SourceArn"]).toHaveLength(5);
    expect(delivery.Condition.StringEquals["aws:SourceAccount"]).toContain("aws_caller_identity");
    // S3 log delivery cannot write to SSE-KMS buckets: the log bucket uses SSE-S3.
    const enc = byName(json, "aws_s3_bucket_server_side_encryption_configuration", "Lake_AccessLogs_4431AB8D");
    expect(enc.rule).toEqual([{ apply_server_side_encryption_by_default: { sse_algorithm: "AES256" } }]);
  });

  it("lifecycle: cold zones to STANDARD_IA, noncurrent-version expiry and multipart abort everywhere, log expiry", () => {
    const rules = (id: string) => byName(json, "aws_s3_bucket_lifecycle_configuration", id).rule;
    const raw = rules("Lake_Raw_8A880B75");
    expect(raw.map((r: any) => r.id)).toEqual(["abort-incomplete-multipart-uploads", "expire-noncurrent-versions", "cold-raw"]);
    expect(raw[0].abort_incomplete_multipart_upload).toEqual([{ days_after_initiation: 7 }]);
    expect(raw[1].noncurrent_version_expiration).toEqual([{ noncurrent_days: 90 }]);
    expect(raw[2].transition).toEqual([{ days: 30, storage_class: "STANDARD_IA" }]);
    expect(rules("Lake_Checkpoints_1A7AF0B7").map((r: any) => r.id)).toContain("cold-checkpoints");
    expect(rules("Lake_Features_22ED2D8C").map((r: any) => r.id)).toEqual(["abort-incomplete-multipart-uploads", "expire-noncurrent-versions"]);
    const logs = rules("Lake_AccessLogs_4431AB8D");
    expect(logs.find((r: any) => r.id === "expire-access-logs").expiration).toEqual([{ days: 365 }]);
    for (const lc of Object.values(resourcesOfType(json, "aws_s3_bucket_lifecycle_configuration"))) {
      expect(lc.depends_on[0]).toContain("aws_s3_bucket_versioning");
    }
  });

  it("protects buckets from destroy by default", () => {
    for (const b of Object.values(resourcesOfType(json, "aws_s3_bucket"))) {
      expect(b).toMatchObject({ force_destroy: false, lifecycle: { prevent_destroy: true } });
    }
  });

  it("grants are least privilege and prefix-scoped, with the key for decrypt only when reading", () => {
    const policies = resourcesOfType(json, "aws_iam_role_policy");
    const all = Object.values(policies).map(doc);
    expect(all).toHaveLength(2);
    const read = all.find((p) => p.Statement.some((s: any) => String(s.Resource).includes("features")))!;
    expect(read.Statement.find((s: any) => s.Sid === "Objects").Action).toEqual(["s3:GetObject", "s3:GetObjectVersion"]);
    expect(read.Statement.find((s: any) => s.Sid === "BucketKey")).toEqual({
      Sid: "BucketKey",
      Effect: "Allow",
      Action: ["kms:Decrypt"],
      Resource: ["${aws_kms_key.Lake_Key_8B60BDDF.arn}"],
    });
    const rw = all.find((p) => p.Statement.some((s: any) => String(s.Resource).includes("checkpoints")))!;
    const objects = rw.Statement.find((s: any) => s.Sid === "Objects");
    expect(objects.Resource).toEqual([`arn:${PARTITION}:s3:::acme-ml-lake-checkpoints/runs/llm/*`]);
    expect(objects.Action).not.toContain("s3:DeleteObject");
    expect(rw.Statement.find((s: any) => s.Sid === "ListBucket").Condition).toEqual({ StringLike: { "s3:prefix": ["runs/llm/", "runs/llm/*"] } });
  });

  it("grants delete only when asked", () => {
    const s = awsStack();
    const l = new S3DataLake(s, "Lake", { bucketPrefix: "acme-ml-lake", zones: [LakeZone.MODELS] });
    l.zone(LakeZone.MODELS).grantWrite(new FakeIdentity(s, "Publisher", WorkloadIdentityKind.AWS_IAM_ROLE), { allowDelete: true });
    const p = doc(Object.values(resourcesOfType(synthJson(s), "aws_iam_role_policy"))[0] as { policy: string });
    expect(p.Statement.find((st: any) => st.Sid === "Objects").Action).toContain("s3:DeleteObject");
  });

  it("synthesizes deterministically", () => {
    const make = () => {
      const s = awsStack();
      new S3DataLake(s, "Lake", { bucketPrefix: "acme-ml-lake" });
      return Testing.synth(s);
    };
    expect(make()).toBe(make());
  });
});

describe("S3DataLake (prefix per zone)", () => {
  let lake: S3DataLake;
  let json: SynthJson;
  beforeAll(() => {
    const stack = awsStack();
    lake = new S3DataLake(stack, "Lake", { bucketPrefix: "acme-ml-lake", layout: LakeLayout.PREFIX_PER_ZONE, coldZones: [LakeZone.RAW] });
    lake.zone(LakeZone.RAW).grantRead(new FakeIdentity(stack, "Spark", WorkloadIdentityKind.AWS_IAM_ROLE), { prefix: "events/" });
    lake.zone(LakeZone.CURATED).grantWrite(new FakeIdentity(stack, "Writer", WorkloadIdentityKind.AWS_IAM_ROLE, "data", "writer"));
    json = synthJson(stack);
  });

  it("creates one zone bucket and the log bucket; zones are prefixes", () => {
    expect(lake.bucketNames).toEqual(["acme-ml-lake", "acme-ml-lake-access-logs"]);
    expect(Object.keys(resourcesOfType(json, "aws_s3_bucket"))).toHaveLength(2);
    const raw = lake.zone(LakeZone.RAW) as DataLakeZone;
    expect(raw.prefix).toBe("raw/");
    expect(raw.uri).toBe("s3://acme-ml-lake/raw");
    expect(lake.bucket(LakeZone.RAW)).toBe(lake.bucket(LakeZone.MODELS));
  });

  it("transitions only the cold zones' prefixes", () => {
    const lc = Object.values(resourcesOfType(json, "aws_s3_bucket_lifecycle_configuration")).find((r) =>
      r.rule.some((x: any) => x.id === "cold-raw"),
    );
    const cold = lc.rule.filter((x: any) => x.id.startsWith("cold-"));
    expect(cold).toEqual([{ id: "cold-raw", status: "Enabled", filter: [{ prefix: "raw/" }], transition: [{ days: 30, storage_class: "STANDARD_IA" }] }]);
  });

  it("keeps grants inside the zone prefix", () => {
    const all = Object.values(resourcesOfType(json, "aws_iam_role_policy")).map(doc);
    const read = all.find((p) => p.Statement.some((s: any) => s.Sid === "ListBucket"))!;
    expect(read.Statement[0].Condition).toEqual({ StringLike: { "s3:prefix": ["raw/events/", "raw/events/*"] } });
    expect(read.Statement[1].Resource).toEqual([`arn:${PARTITION}:s3:::acme-ml-lake/raw/events/*`]);
    const write = all.find((p) => !p.Statement.some((s: any) => s.Sid === "ListBucket"))!;
    expect(write.Statement[0].Resource).toEqual([`arn:${PARTITION}:s3:::acme-ml-lake/curated/*`]);
    expect(write.Statement[0].Action).not.toContain("s3:DeleteObject");
  });
});

describe("S3DataLake options", () => {
  it("opts out of destroy protection and forces destroy only when asked", () => {
    const stack = awsStack();
    new S3DataLake(stack, "Lake", { bucketPrefix: "scratch-lake", deletionProtection: false, forceDestroy: true });
    const json = synthJson(stack);
    for (const b of Object.values(resourcesOfType(json, "aws_s3_bucket"))) expect(b).toMatchObject({ force_destroy: true, lifecycle: { prevent_destroy: false } });
    expect(Object.values(resourcesOfType(json, "aws_kms_key"))[0].lifecycle).toEqual({ prevent_destroy: false });
  });

  it("takes lifecycle days from props", () => {
    const stack = awsStack();
    new S3DataLake(stack, "Lake", {
      bucketPrefix: "acme",
      zones: [LakeZone.RAW],
      coldTransitionDays: 60,
      noncurrentVersionExpirationDays: 30,
      abortIncompleteMultipartUploadDays: 2,
      accessLogRetentionDays: 90,
    });
    const text = JSON.stringify(resourcesOfType(synthJson(stack), "aws_s3_bucket_lifecycle_configuration"));
    expect(text).toContain('"days":60,"storage_class":"STANDARD_IA"');
    expect(text).toContain('"noncurrent_days":30');
    expect(text).toContain('"days_after_initiation":2');
    expect(text).toContain('"expiration":[{"days":90}]');
  });
});

describe("S3DataLake rejects", () => {
  const make = (props: any) => () => new S3DataLake(awsStack(), "Lake", props);
  it.each([
    [{}, 'Lake: invalid bucketPrefix undefined: is required'],
    [{ bucketPrefix: 42 }, "Lake: invalid bucketPrefix 42: must be a string, not a number"],
    [{ bucketPrefix: "Acme" }, 'Lake: invalid bucketPrefix "Acme": gives the S3 bucket name "Acme-raw", which must contain only lowercase letters'],
    [{ bucketPrefix: "a..b" }, 'invalid bucketPrefix "a..b": gives the S3 bucket name "a..b-raw", which must not contain two adjacent dots'],
    [{ bucketPrefix: "xn--lake" }, 'which must not start with the reserved prefix "xn--"'],
    [{ bucketPrefix: "sthree-lake" }, 'which must not start with the reserved prefix "sthree-"'],
    [{ bucketPrefix: "amzn-s3-demo-lake" }, 'which must not start with the reserved prefix "amzn-s3-demo-"'],
    [{ bucketPrefix: "10.0.0.1", layout: LakeLayout.PREFIX_PER_ZONE }, 'gives the S3 bucket name "10.0.0.1", which must not be formatted as an IP address'],
    [{ bucketPrefix: "lake-s3alias", layout: LakeLayout.PREFIX_PER_ZONE }, 'must not end with the reserved suffix "-s3alias"'],
    [{ bucketPrefix: "lake--ol-s3", layout: LakeLayout.PREFIX_PER_ZONE }, 'must not end with the reserved suffix "--ol-s3"'],
    [{ bucketPrefix: "lake--x-s3", layout: LakeLayout.PREFIX_PER_ZONE }, 'must not end with the reserved suffix "--x-s3"'],
    [{ bucketPrefix: "a".repeat(53) }, `gives the S3 bucket name "${"a".repeat(53)}-checkpoints", which must be 3 to 63 characters long (got 65)`],
    [{ bucketPrefix: "a".repeat(52), zones: [LakeZone.RAW] }, `gives the S3 bucket name "${"a".repeat(52)}-access-logs", which must be 3 to 63 characters long (got 64)`],
    [{ bucketPrefix: "lake", accessLogRetentionDays: 0 }, "Lake: invalid accessLogRetentionDays 0: must be an integer from 1 to 36500"],
  ])("%j", (props, message) => {
    expect(make(props)).toThrow(message);
  });

  it("a zone the lake does not have", () => {
    const lake = new S3DataLake(awsStack(), "Lake", { bucketPrefix: "lake", zones: [LakeZone.RAW] });
    expect(() => lake.zone(LakeZone.MODELS)).toThrow('Lake: invalid zone "models": is not a zone of this lake; zones: raw');
    expect(() => lake.bucket(LakeZone.MODELS)).toThrow('Lake: invalid zone "models": is not a zone of this lake; zones: raw');
  });

  it("grants to a non-AWS identity", () => {
    const stack = awsStack();
    const lake = new S3DataLake(stack, "Lake", { bucketPrefix: "lake" });
    const gcp = new FakeIdentity(stack, "G", WorkloadIdentityKind.GCP_SERVICE_ACCOUNT);
    expect(() => lake.zone(LakeZone.RAW).grantRead(gcp)).toThrow("infra/Lake/Raw/Store: invalid identity \"infra/G\": is a gcp-service-account identity; an S3 bucket can only be granted to an AWS IAM role identity");
  });
});
