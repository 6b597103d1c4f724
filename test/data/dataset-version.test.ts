import { Construct } from "constructs";
import { WorkloadIdentityKind } from "../../lib/core/cluster";
import { GcsBucketReference, S3BucketReference } from "../../lib/core/object-store";
import { LakeLayout, LakeZone } from "../../lib/data/data-lake";
import { DatasetVersion } from "../../lib/data/dataset-version";
import { S3DataLake } from "../../lib/data/s3-data-lake";
import { FakeIdentity } from "../support/fake-identity";
import { awsStack, bareStack, resolve, resourcesOfType, synthJson } from "../support/synth";

describe("DatasetVersion", () => {
  test("a zone bucket: the snapshot prefix, URIs and MLflow tags", () => {
    const stack = awsStack();
    const store = new S3BucketReference(stack, "Curated", { bucketName: "acme-curated", partition: "aws" });
    const v = DatasetVersion.of(stack, { store, dataset: "clicks", version: "20260501", manifestVersionId: "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY" });
    expect(v.prefix).toBe("clicks/v=20260501/");
    expect(v.uri).toBe("s3://acme-curated/clicks/v=20260501/");
    expect(v.manifestUri).toBe("s3://acme-curated/clicks/v=20260501/_manifest.json");
    expect(v.mlflowTags).toEqual({
      "dataset.name": "clicks",
      "dataset.version": "20260501",
      "dataset.uri": "s3://acme-curated/clicks/v=20260501/",
      "dataset.manifest": "s3://acme-curated/clicks/v=20260501/_manifest.json",
      "dataset.manifest_version": "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY",
    });
  });

  test("a prefix zone of a lake: the zone prefix is in the URI, and grants on the zone take the snapshot prefix", () => {
    const stack = awsStack();
    const lake = new S3DataLake(stack, "Lake", { bucketPrefix: "acme-ml-lake", layout: LakeLayout.PREFIX_PER_ZONE });
    const curated = lake.zone(LakeZone.CURATED);
    const v = DatasetVersion.of(stack, { store: curated, dataset: "clicks", version: "20260501-2" });
    expect(resolve(stack, v.uri)).toMatch(/^s3:\/\/.*\/curated\/clicks\/v=20260501-2\/$/);
    expect(v.mlflowTags["dataset.manifest_version"]).toBeUndefined();
    const trainer = new FakeIdentity(stack, "Trainer", WorkloadIdentityKind.AWS_IAM_ROLE);
    curated.grantRead(trainer, { prefix: v.prefix });
    const statements = (Object.values(resourcesOfType(synthJson(stack), "aws_iam_role_policy")) as any[]).flatMap((p) => JSON.parse(p.policy).Statement);
    const objects = statements.filter((s) => ([] as string[]).concat(s.Action).includes("s3:GetObject"));
    expect(objects.flatMap((s) => [].concat(s.Resource))).toEqual([expect.stringMatching(/\/curated\/clicks\/v=20260501-2\/\*$/)]);
  });

  test("Cloud Storage: gs:// URIs", () => {
    const stack = bareStack();
    const store = new GcsBucketReference(stack, "Features", { bucketName: "acme-features" });
    expect(DatasetVersion.of(stack, { store, dataset: "customers.daily", version: "20261231" }).uri).toBe("gs://acme-features/customers.daily/v=20261231/");
  });

  describe("bad input", () => {
    const stack = bareStack();
    const scope = new Construct(stack, "Train");
    const store = new GcsBucketReference(stack, "Lake", { bucketName: "acme-lake" });
    const p = "infra/Train";
    test.each([
      ["store", { store: "gs://acme-lake" }, `${p}: invalid store "gs://acme-lake": must be an IObjectStore (a lake zone or a bucket), not a string`],
      ["dataset with a slash", { dataset: "clicks/raw" }, `${p}: invalid dataset "clicks/raw": must be 1 to 63 lowercase letters`],
      ["dataset uppercase", { dataset: "Clicks" }, `${p}: invalid dataset "Clicks"`],
      ["dataset not a string", { dataset: 7 }, `${p}: invalid dataset 7`],
      ["version with dashes", { version: "2026-05-01" }, `${p}: invalid version "2026-05-01": must be a snapshot date yyyymmdd`],
      ["version not a date", { version: "20260230" }, `${p}: invalid version "20260230"`],
      ["version latest", { version: "latest" }, `${p}: invalid version "latest"`],
      ["version suffix 0", { version: "20260501-0" }, `${p}: invalid version "20260501-0"`],
      ["empty manifest version id", { manifestVersionId: " " }, `${p}: invalid manifestVersionId " ": must be the manifest object's version id`],
    ])("%s", (_name, override, message) => {
      expect(() => DatasetVersion.of(scope, { store, dataset: "clicks", version: "20260501", ...(override as any) })).toThrow(message);
    });
  });
});
