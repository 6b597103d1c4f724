import { WorkloadIdentityKind } from "../../lib/core/cluster";
import { GcsBucketReference, S3BucketReference } from "../../lib/core/object-store";
import { DataLakeZone, LakeZone } from "../../lib/data/data-lake";
import { SageMakerModelRegistry, SageMakerModelRegistryProps } from "../../lib/model/sagemaker-model-registry";
import { FakeIdentity } from "../support/fake-identity";
import { awsStack, resolve, resourcesOfType, synthJson, testApp } from "../support/synth";

const KMS = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";

function setup(overrides: Partial<SageMakerModelRegistryProps> = {}) {
  const app = testApp();
  const infra = awsStack(app, "infra");
  const bucket = new S3BucketReference(infra, "Lake", { bucketName: "acme-lake", partition: "aws" });
  const zone = new DataLakeZone(infra, "Models", { store: bucket, zone: LakeZone.MODELS, prefix: "models/" });
  const registry = new SageMakerModelRegistry(infra, "Registry", {
    modelPackageGroupNames: ["churn", "Fraud-Detector"], artifactStore: zone, kmsKeyArn: KMS, ...overrides,
  } as SageMakerModelRegistryProps);
  return { app, infra, registry, bucket, zone };
}

function policyOf(json: any, name: string): any[] {
  const p = Object.values(resourcesOfType(json, "aws_iam_role_policy")).find((x: any) => x.name === name || String(x.name).startsWith(name)) as any;
  return JSON.parse(p.policy).Statement;
}

describe("SageMakerModelRegistry", () => {
  test("one model package group per name; no resource policy without cross-account ids", () => {
    const e = setup();
    const json = synthJson(e.infra);
    const groups = Object.values(resourcesOfType(json, "aws_sagemaker_model_package_group")) as any[];
    expect(groups.map((g) => g.model_package_group_name).sort()).toEqual(["Fraud-Detector", "churn"]);
    expect(resourcesOfType(json, "aws_sagemaker_model_package_group_policy")).toEqual({});
  });

  test("execution role trusted by SageMaker for this account only, least privilege on the prefix and the key", () => {
    const e = setup();
    const json = synthJson(e.infra);
    const role = Object.values(resourcesOfType(json, "aws_iam_role"))[0] as any;
    const trust = JSON.parse(role.assume_role_policy).Statement[0];
    expect(trust.Principal).toEqual({ Service: "sagemaker.amazonaws.com" });
    expect(trust.Condition.StringEquals["aws:SourceAccount"]).toMatch(/data\.aws_caller_identity/);
    const stmts = policyOf(json, "strata-sagemaker-execution");
    expect(stmts.find((s) => s.Sid === "Artifacts").Resource[0]).toMatch(/:s3:::acme-lake\/models\/sagemaker\/\*$/);
    expect(stmts.find((s) => s.Sid === "Artifacts").Action).not.toContain("s3:DeleteObject");
    expect(stmts.find((s) => s.Sid === "ListPrefix").Condition.StringLike["s3:prefix"]).toEqual(["models/sagemaker/", "models/sagemaker/*"]);
    expect(stmts.find((s) => s.Sid === "ArtifactKey").Resource).toEqual([KMS]);
    expect(stmts.find((s) => s.Sid === "VolumeKeyGrants").Condition).toEqual({ Bool: { "kms:GrantIsForAWSResource": "true" } });
    const noKey = policyOf(synthJson(setup({ kmsKeyArn: undefined }).infra), "strata-sagemaker-execution");
    expect(noKey.some((s) => s.Sid === "ArtifactKey")).toBe(false);
  });

  test("cross-account ids get a read-only resource policy on each group", () => {
    const e = setup({ crossAccountIds: ["210987654321"] });
    const policies = Object.values(resourcesOfType(synthJson(e.infra), "aws_sagemaker_model_package_group_policy")) as any[];
    expect(policies).toHaveLength(2);
    const stmt = JSON.parse(policies[0].resource_policy).Statement[0];
    expect(stmt.Principal.AWS[0]).toMatch(/:iam::210987654321:root$/);
    expect(stmt.Action).toEqual(["sagemaker:DescribeModelPackageGroup", "sagemaker:DescribeModelPackage", "sagemaker:ListModelPackages"]);
  });

  test("grantRegister and grantStartTraining on an IAM role identity", () => {
    const e = setup();
    const trainer = new FakeIdentity(e.infra, "Trainer", WorkloadIdentityKind.AWS_IAM_ROLE);
    e.registry.grantRegister(trainer);
    e.registry.grantStartTraining(trainer);
    const json = synthJson(e.infra);
    const reg = policyOf(json, "strata-sagemaker-register");
    expect(reg.find((s) => s.Sid === "Packages").Action).toEqual(["sagemaker:CreateModelPackage", "sagemaker:DescribeModelPackage", "sagemaker:UpdateModelPackage", "sagemaker:AddTags"]);
    expect(reg.find((s) => s.Sid === "Packages").Resource.some((r: string) => r.endsWith(":model-package/fraud-detector/*"))).toBe(true);
    const train = policyOf(json, "strata-sagemaker-training");
    expect(train.find((s) => s.Sid === "PassExecutionRole").Condition).toEqual({ StringEquals: { "iam:PassedToService": "sagemaker.amazonaws.com" } });
    expect(resolve(e.infra, e.registry.groupArn("churn"))).toMatch(/aws_sagemaker_model_package_group/);
  });

  describe("rejected input", () => {
    test("group names", () => {
      expect(() => setup({ modelPackageGroupNames: [] })).toThrow(/invalid modelPackageGroupNames \[\]: must list at least one/);
      expect(() => setup({ modelPackageGroupNames: ["churn_v2"] })).toThrow(/invalid modelPackageGroupNames "churn_v2": must be a model package group name/);
      expect(() => setup({ modelPackageGroupNames: ["-churn"] })).toThrow(/invalid modelPackageGroupNames "-churn"/);
      expect(() => setup({ modelPackageGroupNames: ["a".repeat(64)] })).toThrow(/invalid modelPackageGroupNames/);
      expect(() => setup({ modelPackageGroupNames: "churn" as any })).toThrow(/invalid modelPackageGroupNames "churn"/);
      expect(() => setup({ modelPackageGroupNames: ["a", "a"] })).toThrow(/invalid modelPackageGroupNames/);
      expect(() => setup().registry.groupArn("nope")).toThrow(/invalid name "nope": must be one of the registry's groups/);
    });

    test("store, prefix, key, accounts, identity kind", () => {
      const app = testApp();
      const infra = awsStack(app, "infra");
      const gcs = new GcsBucketReference(infra, "Gcs", { bucketName: "acme-lake" });
      expect(() => new SageMakerModelRegistry(infra, "R", { modelPackageGroupNames: ["churn"], artifactStore: gcs })).toThrow(/invalid artifactStore "gcs": must be an Amazon S3 store/);
      expect(() => setup({ artifactPrefix: "models" })).toThrow(/invalid artifactPrefix "models"/);
      expect(() => setup({ kmsKeyArn: "alias/lake" })).toThrow(/invalid kmsKeyArn "alias\/lake"/);
      expect(() => setup({ crossAccountIds: ["12345"] })).toThrow(/invalid crossAccountIds "12345": must be a 12-digit AWS account id/);
      const e = setup();
      expect(() => e.registry.grantRegister(new FakeIdentity(e.infra, "G", WorkloadIdentityKind.GCP_SERVICE_ACCOUNT))).toThrow(/invalid identity .*can only be granted to an AWS IAM role identity/);
    });
  });
});
