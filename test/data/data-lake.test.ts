import { WorkloadIdentityKind } from "../../lib/core/cluster";
import { S3BucketReference, S3CompatibleBucket } from "../../lib/core/object-store";
import { DataLakeZone, LakeLayout, LakeZone, S3DataLake } from "../../lib/data";
import { FakeIdentity } from "../support/fake-identity";
import { awsStack, bareStack, resourcesOfType, synthJson } from "../support/synth";

/** Props shared by every lake (DataLakeProps), checked through S3DataLake. */
describe("DataLakeProps validation", () => {
  const make = (props: any) => () => new S3DataLake(awsStack(), "Lake", { bucketPrefix: "lake", ...props });
  it("props that are not an object", () => {
    expect(() => new S3DataLake(awsStack(), "Lake", null as any)).toThrow("Lake: invalid props null: must be a props object, not null");
  });
  it.each([
    [{ layout: "buckets" }, 'Lake: invalid layout "buckets": must be a LakeLayout value: "bucket-per-zone", "prefix-per-zone"'],
    [{ layout: "BUCKET_PER_ZONE" }, 'invalid layout "BUCKET_PER_ZONE": must be a LakeLayout value'],
    [{ zones: "raw" }, 'Lake: invalid zones "raw": must be a list of LakeZone values ("raw", "curated", "features", "models", "checkpoints"), not a string'],
    [{ zones: [] }, "Lake: invalid zones []: must be a list of LakeZone values (\"raw\", \"curated\", \"features\", \"models\", \"checkpoints\"), with at least one zone"],
    [{ zones: ["RAW"] }, 'Lake: invalid zones ["RAW"]: must be a list of LakeZone values ("raw", "curated", "features", "models", "checkpoints"); "RAW" is not one'],
    [{ zones: ["raw", "raw"] }, 'Lake: invalid zones ["raw","raw"]: must be a list of LakeZone values ("raw", "curated", "features", "models", "checkpoints"), each at most once'],
    [{ coldZones: "raw" }, 'Lake: invalid coldZones "raw": must be a list of LakeZone values'],
    [{ coldZones: ["gold"] }, 'Lake: invalid coldZones ["gold"]: must be a list of LakeZone values ("raw", "curated", "features", "models", "checkpoints"); "gold" is not one'],
    [{ zones: ["raw"], coldZones: ["checkpoints"] }, 'Lake: invalid coldZones ["checkpoints"]: names zones the lake does not have (checkpoints); zones: raw'],
    [{ coldTransitionDays: 29 }, "Lake: invalid coldTransitionDays 29: must be an integer from 30 to 36500"],
    [{ coldTransitionDays: "30" }, 'Lake: invalid coldTransitionDays "30": must be an integer from 30 to 36500, not a string'],
    [{ noncurrentVersionExpirationDays: 0 }, "Lake: invalid noncurrentVersionExpirationDays 0: must be an integer from 1 to 36500"],
    [{ noncurrentVersionExpirationDays: 1.5 }, "Lake: invalid noncurrentVersionExpirationDays 1.5: must be an integer from 1 to 36500"],
    [{ abortIncompleteMultipartUploadDays: 0 }, "Lake: invalid abortIncompleteMultipartUploadDays 0: must be an integer from 1 to 365"],
    [{ abortIncompleteMultipartUploadDays: 366 }, "Lake: invalid abortIncompleteMultipartUploadDays 366: must be an integer from 1 to 365"],
    [{ deletionProtection: "false" }, 'Lake: invalid deletionProtection "false"'],
    [{ forceDestroy: 1 }, "Lake: invalid forceDestroy 1"],
    [{ forceDestroy: true }, "Lake: invalid forceDestroy true: needs deletionProtection: false"],
  ])("%j", (props, message) => {
    expect(make(props)).toThrow(message);
  });

  it("an empty coldZones list turns the transition off", () => {
    const stack = awsStack();
    new S3DataLake(stack, "Lake", { bucketPrefix: "lake", coldZones: [] });
    expect(JSON.stringify(resourcesOfType(synthJson(stack), "aws_s3_bucket_lifecycle_configuration"))).not.toContain("STANDARD_IA");
  });

  it("default cold zones are dropped when the lake does not have them", () => {
    const stack = awsStack();
    new S3DataLake(stack, "Lake", { bucketPrefix: "lake", zones: [LakeZone.FEATURES], layout: LakeLayout.PREFIX_PER_ZONE });
    expect(JSON.stringify(resourcesOfType(synthJson(stack), "aws_s3_bucket_lifecycle_configuration"))).not.toContain("cold-");
  });
});

describe("DataLakeZone", () => {
  const setup = () => {
    const stack = bareStack();
    const store = new S3BucketReference(stack, "Bucket", { bucketName: "acme-lake", partition: "aws" });
    const zone = new DataLakeZone(stack, "Raw", { store, zone: LakeZone.RAW, prefix: "raw/" });
    const identity = new FakeIdentity(stack, "Id", WorkloadIdentityKind.AWS_IAM_ROLE);
    return { stack, zone, identity };
  };

  it("carries the underlying store's endpoint and private CA certificate", () => {
    const stack = bareStack();
    const caCertificate = { secretName: "seaweedfs-ca-cert", namespace: "seaweedfs" };
    const store = new S3CompatibleBucket(stack, "Bucket", { bucketName: "lake", endpoint: "https://seaweedfs-s3.seaweedfs.svc:8443", caCertificate });
    const zone = new DataLakeZone(stack, "Raw", { store, zone: LakeZone.RAW, prefix: "raw/" });
    expect(zone.endpoint).toBe("https://seaweedfs-s3.seaweedfs.svc:8443");
    expect(zone.caCertificate).toBe(caCertificate);
    expect(setup().zone.caCertificate).toBeUndefined();
  });

  it("joins the zone prefix and the grant prefix; delete only when asked", () => {
    const { stack, zone, identity } = setup();
    zone.grantReadWrite(identity, { prefix: "a/", allowDelete: true });
    zone.grantWrite(identity);
    const docs = Object.values(resourcesOfType(synthJson(stack), "aws_iam_role_policy")).map((p) => JSON.parse(p.policy));
    const rw = docs.find((d) => d.Statement.length === 2)!;
    expect(rw.Statement[1]).toEqual({
      Sid: "Objects",
      Effect: "Allow",
      Action: ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts", "s3:DeleteObject"],
      Resource: ["arn:aws:s3:::acme-lake/raw/a/*"],
    });
    const w = docs.find((d) => d.Statement.length === 1)!;
    expect(w.Statement[0].Resource).toEqual(["arn:aws:s3:::acme-lake/raw/*"]);
    expect(w.Statement[0].Action).not.toContain("s3:DeleteObject");
    expect(zone.uri).toBe("s3://acme-lake/raw");
  });

  it.each([
    ["grantRead", { allowDelete: false }, 'infra/Raw: invalid allowDelete false: does not apply to grantRead'],
    ["grantRead", "a/", 'infra/Raw: invalid options "a/": must be an ObjectStoreGrantOptions object ({ prefix, allowDelete }), not a string'],
    ["grantWrite", { prefix: "/a/" }, 'infra/Raw: invalid prefix "/a/": must be an object key prefix'],
    ["grantWrite", { prefix: "a" }, 'infra/Raw: invalid prefix "a": must be an object key prefix'],
    ["grantReadWrite", { prefix: "a/*/" }, 'infra/Raw: invalid prefix "a/*/": must be an object key prefix'],
    ["grantReadWrite", { allowDelete: "yes" }, 'infra/Raw: invalid allowDelete "yes"'],
  ])("%s(%j) is rejected at the zone, with the user's prefix", (method, options, message) => {
    const { zone, identity } = setup();
    expect(() => (zone as any)[method](identity, options)).toThrow(message);
  });

  it("rejects a missing store", () => {
    expect(() => new DataLakeZone(bareStack(), "Raw", { zone: LakeZone.RAW } as any)).toThrow(
      "infra/Raw: invalid store undefined: is required: the IObjectStore (bucket) the zone lives in",
    );
  });

  it("rejects a zone prefix that is not a string", () => {
    const stack = bareStack();
    const store = new S3BucketReference(stack, "Bucket", { bucketName: "acme-lake", partition: "aws" });
    expect(() => new DataLakeZone(stack, "Raw", { store, zone: LakeZone.RAW, prefix: 3 as any })).toThrow(
      "infra/Raw: invalid prefix 3: must be a key prefix ending with '/' and not starting with '/'",
    );
  });

  it("rejects a zone prefix that does not end with '/'", () => {
    const stack = bareStack();
    const store = new S3BucketReference(stack, "Bucket", { bucketName: "acme-lake", partition: "aws" });
    expect(() => new DataLakeZone(stack, "Raw", { store, zone: LakeZone.RAW, prefix: "raw" })).toThrow(
      "infra/Raw: invalid prefix \"raw\": must be a key prefix ending with '/' and not starting with '/'",
    );
  });
});
