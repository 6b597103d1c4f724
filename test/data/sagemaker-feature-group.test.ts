import { WorkloadIdentityKind } from "../../lib/core/cluster";
import { S3BucketReference, S3CompatibleBucket } from "../../lib/core/object-store";
import { SageMakerFeatureGroup, SageMakerFeatureType, SageMakerTtlUnit } from "../../lib/data/sagemaker-feature-group";
import { FakeIdentity } from "../support/fake-identity";
import { awsStack, onlyResource, resourcesOfType, synthJson } from "../support/synth";

const KEY = "arn:aws:kms:us-east-1:123456789012:key/0123abcd-0123-4567-89ab-0123456789ab";
const FEATURES = [
  { name: "customer_id", featureType: SageMakerFeatureType.STRING },
  { name: "event_time", featureType: SageMakerFeatureType.FRACTIONAL },
  { name: "orders_30d", featureType: SageMakerFeatureType.INTEGRAL },
];

function group(props: any = {}, withStore = true) {
  const stack = awsStack();
  const lake = new S3BucketReference(stack, "Lake", { bucketName: "acme-lake-features", partition: "aws" });
  const g = new SageMakerFeatureGroup(stack, "Customers", {
    featureGroupName: "customers",
    recordIdentifierFeatureName: "customer_id",
    eventTimeFeatureName: "event_time",
    features: FEATURES,
    ...(withStore ? { offlineStore: lake } : {}),
    ...props,
  });
  return { stack, g, lake };
}

const values = (json: any, type: string) => Object.values(resourcesOfType(json, type)) as any[];

/** The statements of a synthesized key policy, by Sid. */
const keyStatements = (policy: string): Record<string, any> => Object.fromEntries((JSON.parse(policy).Statement as any[]).map((s) => [s.Sid, s]));

describe("SageMakerFeatureGroup key policy", () => {
  test("the created key has an explicit policy: account root administers, use only through SageMaker and S3 in this account", () => {
    const { stack } = group();
    const policy = keyStatements(onlyResource(synthJson(stack), "aws_kms_key").policy);
    expect(Object.keys(policy)).toEqual(["AccountAdministers", "UseThroughSageMaker", "UseThroughS3"]);
    expect(policy.AccountAdministers.Principal.AWS).toMatch(/:root$/);
    expect(policy.UseThroughSageMaker.Condition.StringEquals["kms:ViaService"]).toMatch(/^sagemaker\.\$\{data\.aws_region\./);
    expect(policy.UseThroughS3.Condition.StringEquals["kms:ViaService"]).toMatch(/^s3\.\$\{data\.aws_region\./);
    for (const s of [policy.UseThroughSageMaker, policy.UseThroughS3]) expect(s.Condition.StringEquals["kms:CallerAccount"]).toMatch(/account_id\}$/);
  });
});

describe("SageMakerFeatureGroup", () => {
  test("defaults: a rotating CMK on both stores, offline store under its prefix, prevent_destroy", () => {
    const { stack, g } = group();
    const json = synthJson(stack);
    const fg = onlyResource(json, "aws_sagemaker_feature_group");
    expect(fg).toMatchObject({
      feature_group_name: "customers",
      record_identifier_feature_name: "customer_id",
      event_time_feature_name: "event_time",
      feature_definition: [
        { feature_name: "customer_id", feature_type: "String" },
        { feature_name: "event_time", feature_type: "Fractional" },
        { feature_name: "orders_30d", feature_type: "Integral" },
      ],
      online_store_config: { enable_online_store: true },
      offline_store_config: {
        disable_glue_table_creation: true,
        s3_storage_config: { s3_uri: "s3://acme-lake-features/features/sagemaker/customers/" },
      },
      lifecycle: { prevent_destroy: true },
    });
    expect(fg.online_store_config.security_config.kms_key_id).toMatch(/^\$\{aws_kms_key\..*\.arn\}$/);
    expect(fg.offline_store_config.s3_storage_config.kms_key_id).toBe(fg.online_store_config.security_config.kms_key_id);
    expect(fg.online_store_config.ttl_duration).toBeUndefined();
    expect(fg.role_arn).toMatch(/^\$\{aws_iam_role\..*\.arn\}$/);
    expect(onlyResource(json, "aws_kms_key")).toMatchObject({ enable_key_rotation: true, lifecycle: { prevent_destroy: true } });
    expect(g.offlineStoreUri).toBe("s3://acme-lake-features/features/sagemaker/customers/");
  });

  test("offline-store role: trusted by SageMaker only, writes only its prefix, uses only its key", () => {
    const { stack } = group({ kmsKeyArn: KEY, offlineStorePrefix: "fs/customers/" });
    const json = synthJson(stack);
    const role = onlyResource(json, "aws_iam_role");
    expect(JSON.parse(role.assume_role_policy).Statement).toEqual([
      { Effect: "Allow", Principal: { Service: "sagemaker.amazonaws.com" }, Action: "sts:AssumeRole" },
    ]);
    const policies = values(json, "aws_iam_role_policy");
    const PARTITION = "${data.aws_partition.Customers_Partition_C358E15A.partition}";
    expect(policies).toHaveLength(1);
    expect(JSON.parse(policies[0].policy).Statement).toEqual([
      { Effect: "Allow", Action: ["s3:PutObject", "s3:PutObjectAcl"], Resource: `arn:${PARTITION}:s3:::acme-lake-features/fs/customers/*` },
      { Effect: "Allow", Action: ["s3:GetBucketAcl"], Resource: `arn:${PARTITION}:s3:::acme-lake-features` },
      { Effect: "Allow", Action: ["kms:GenerateDataKey", "kms:Decrypt", "kms:DescribeKey"], Resource: KEY },
    ]);
    expect(resourcesOfType(json, "aws_kms_key")).toEqual({});
    expect(onlyResource(json, "aws_sagemaker_feature_group").offline_store_config.s3_storage_config).toEqual({ s3_uri: "s3://acme-lake-features/fs/customers/", kms_key_id: KEY });
  });

  test("TTL, online-only, allowDestroy", () => {
    const { stack } = group({ ttlValue: 12, ttlUnit: SageMakerTtlUnit.HOURS, allowDestroy: true }, false);
    const json = synthJson(stack);
    const fg = onlyResource(json, "aws_sagemaker_feature_group");
    expect(fg.online_store_config.ttl_duration).toEqual({ value: 12, unit: "Hours" });
    expect(fg.offline_store_config).toBeUndefined();
    expect(fg.lifecycle).toEqual({ prevent_destroy: false });
    expect(values(json, "aws_iam_role_policy")).toHaveLength(0);
    expect(onlyResource(json, "aws_kms_key").lifecycle).toEqual({ prevent_destroy: false });
  });

  test("offline-only store has no online config", () => {
    const { stack } = group({ disableOnlineStore: true });
    expect(onlyResource(synthJson(stack), "aws_sagemaker_feature_group").online_store_config).toBeUndefined();
  });

  test("grants: read GetRecord/BatchGetRecord + decrypt; write PutRecord (DeleteRecord only when asked), on this group and key", () => {
    const { stack, g } = group({ kmsKeyArn: KEY });
    const reader = new FakeIdentity(stack, "R", WorkloadIdentityKind.AWS_IAM_ROLE, "serving", "ranker");
    const writer = new FakeIdentity(stack, "W", WorkloadIdentityKind.AWS_IAM_ROLE, "features", "ingest");
    const deleter = new FakeIdentity(stack, "D", WorkloadIdentityKind.AWS_IAM_ROLE, "features", "gdpr");
    g.grantRead(reader);
    g.grantRead(reader); // no-op
    g.grantWrite(writer);
    g.grantWrite(deleter, { allowDelete: true });
    const json = synthJson(stack);
    const byRole = Object.fromEntries(values(json, "aws_iam_role_policy").filter((p) => !p.role.startsWith("${")).map((p) => [p.role, JSON.parse(p.policy)]));
    expect(Object.keys(byRole).sort()).toEqual(["gdpr", "ingest", "ranker"]);
    const arn = expect.stringMatching(/^\$\{aws_sagemaker_feature_group\..*\.arn\}$/);
    expect(byRole.ranker.Statement).toEqual([
      { Effect: "Allow", Action: ["sagemaker:GetRecord", "sagemaker:BatchGetRecord"], Resource: arn },
      { Effect: "Allow", Action: ["kms:Decrypt", "kms:DescribeKey"], Resource: KEY },
    ]);
    expect(byRole.ingest.Statement[0]).toEqual({ Effect: "Allow", Action: ["sagemaker:PutRecord"], Resource: arn });
    expect(byRole.ingest.Statement[1]).toEqual({ Effect: "Allow", Action: ["kms:GenerateDataKey", "kms:Encrypt", "kms:Decrypt", "kms:DescribeKey"], Resource: KEY });
    expect(byRole.gdpr.Statement[0].Action).toEqual(["sagemaker:PutRecord", "sagemaker:DeleteRecord"]);
  });

  test("grants reject other identity kinds, bad options, and reads of an offline-only group", () => {
    const { stack, g } = group();
    const gcp = new FakeIdentity(stack, "G", WorkloadIdentityKind.GCP_SERVICE_ACCOUNT);
    const aws = new FakeIdentity(stack, "A", WorkloadIdentityKind.AWS_IAM_ROLE);
    expect(() => g.grantRead(gcp)).toThrow(/invalid identity .*a SageMaker feature group can only be granted to an AWS IAM role identity/);
    expect(() => g.grantWrite(aws, { allowDelete: "yes" } as any)).toThrow(/invalid allowDelete "yes": must be true or false/);
    expect(() => g.grantWrite(aws, "x" as any)).toThrow(/invalid options "x": must be a SageMakerFeatureGroupGrantOptions object/);
    expect(() => g.grantRead(aws, { allowDelete: true })).toThrow(/invalid options .*grantRead takes no options/);
    const off = group({ disableOnlineStore: true }).g;
    const id2 = new FakeIdentity(off, "A2", WorkloadIdentityKind.AWS_IAM_ROLE);
    expect(() => off.grantRead(id2)).toThrow(/invalid disableOnlineStore true: grantRead reads the online store, which is off/);
  });

  test.each([
    [{ featureGroupName: "-bad" }, /invalid featureGroupName "-bad": must be 1 to 64 letters, digits and '-'/],
    [{ featureGroupName: "a".repeat(65) }, /invalid featureGroupName "a{65}": must be 1 to 64/],
    [{ featureGroupName: "under_score" }, /invalid featureGroupName "under_score"/],
    [{ featureGroupName: 7 }, /invalid featureGroupName 7: .*not a number/],
    [{ features: "customer_id" }, /invalid features "customer_id": must be a list/],
    [{ features: [] }, /invalid features 0: must have 1 to 2500 features/],
    [{ features: [...FEATURES, { name: "bad name", featureType: SageMakerFeatureType.STRING }] }, /invalid features\[3\]\.name "bad name": must be 1 to 64 letters and digits/],
    [{ features: [...FEATURES, { name: "Write_Time", featureType: SageMakerFeatureType.STRING }] }, /invalid features\[3\]\.name "Write_Time": is reserved by SageMaker/],
    [{ features: [...FEATURES, { name: "x", featureType: "string" }] }, /invalid features\[3\]\.featureType "string": must be one of SageMakerFeatureType.*case-sensitive/],
    [{ features: [...FEATURES, { name: "Orders_30d", featureType: SageMakerFeatureType.INTEGRAL }] }, /invalid features\[3\] "orders_30d": is a duplicate of features\[2\]/],
    [{ recordIdentifierFeatureName: "nope" }, /invalid recordIdentifierFeatureName "nope": must be the name of one of the features \(customer_id, event_time, orders_30d\)/],
    [{ recordIdentifierFeatureName: "event_time" }, /invalid recordIdentifierFeatureName "event_time": is a Fractional feature; it must be String or Integral/],
    [{ eventTimeFeatureName: "orders_30d" }, /invalid eventTimeFeatureName "orders_30d": is a Integral feature; it must be String or Fractional/],
    [{ kmsKeyArn: "alias/mine" }, /invalid kmsKeyArn "alias\/mine"/],
    [{ ttlValue: 0 }, /invalid ttlValue 0/],
    [{ ttlValue: "5" }, /invalid ttlValue "5"/],
    [{ ttlValue: 5, ttlUnit: "days" }, /invalid ttlUnit "days": must be one of SageMakerTtlUnit/],
    [{ ttlUnit: SageMakerTtlUnit.DAYS }, /invalid ttlUnit "Days": needs ttlValue/],
    [{ disableOnlineStore: true, ttlValue: 3 }, /invalid ttlValue 3: applies to the online store, which disableOnlineStore turns off/],
    [{ allowDestroy: "no" }, /invalid allowDestroy "no": must be true or false/],
    [{ offlineStorePrefix: "/abs/" }, /invalid offlineStorePrefix "\/abs\/": must be a key prefix/],
    [{ offlineStorePrefix: "no-slash" }, /invalid offlineStorePrefix "no-slash": must be a key prefix/],
  ])("rejects %j", (props, message) => {
    expect(() => group(props)).toThrow(message);
  });

  test("rejects a non-S3 offline store, a prefix or offline-only without a store", () => {
    expect(() => group({ offlineStorePrefix: "fs/" }, false)).toThrow(/invalid offlineStorePrefix "fs\/": needs offlineStore/);
    expect(() => group({ disableOnlineStore: true }, false)).toThrow(/invalid disableOnlineStore true: needs offlineStore/);
    const stack = awsStack();
    const minio = new S3CompatibleBucket(stack, "Minio", { bucketName: "lake", endpoint: "https://s3.local" } as any);
    expect(
      () =>
        new SageMakerFeatureGroup(stack, "G", {
          featureGroupName: "g",
          recordIdentifierFeatureName: "customer_id",
          eventTimeFeatureName: "event_time",
          features: FEATURES,
          offlineStore: minio,
        }),
    ).toThrow(/G: invalid offlineStore "infra\/Minio": must be an Amazon S3 IObjectStore/);
  });
});
