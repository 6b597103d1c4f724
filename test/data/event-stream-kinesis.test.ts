import { WorkloadIdentityKind } from "../../lib/core/cluster";
import { KinesisEventStream, KinesisStreamMode } from "../../lib/data/event-stream-kinesis";
import { FakeIdentity } from "../support/fake-identity";
import { awsStack, onlyResource, resourcesOfType, synthJson } from "../support/synth";

const KEY = "arn:aws:kms:us-east-1:123456789012:key/0123abcd-0123-4567-89ab-0123456789ab";

/** The statements of a synthesized key policy, by Sid. */
const keyStatements = (policy: string): Record<string, any> => Object.fromEntries((JSON.parse(policy).Statement as any[]).map((s) => [s.Sid, s]));

describe("KinesisEventStream", () => {
  test("the created key has an explicit policy: account root administers, use only through Kinesis in this account", () => {
    const stack = awsStack();
    new KinesisEventStream(stack, "Clicks", { streamName: "clicks" });
    const policy = keyStatements(onlyResource(synthJson(stack), "aws_kms_key").policy);
    expect(Object.keys(policy)).toEqual(["AccountAdministers", "UseThroughKinesis"]);
    expect(policy.AccountAdministers.Principal.AWS).toMatch(/:root$/);
    expect(policy.AccountAdministers.Action).not.toContain("kms:Decrypt");
    expect(policy.UseThroughKinesis.Condition.StringEquals["kms:ViaService"]).toMatch(/^kinesis\.\$\{data\.aws_region\..*\}\.\$\{data\.aws_partition\..*\.dns_suffix\}$/);
    expect(policy.UseThroughKinesis.Condition.StringEquals["kms:CallerAccount"]).toMatch(/^\$\{data\.aws_caller_identity\..*\.account_id\}$/);
  });

  test("defaults: on-demand, 24 h, a new rotating CMK, prevent_destroy on stream and key", () => {
    const stack = awsStack();
    new KinesisEventStream(stack, "Clicks", { streamName: "clicks" });
    const json = synthJson(stack);
    const stream = onlyResource(json, "aws_kinesis_stream");
    expect(stream).toMatchObject({
      name: "clicks",
      retention_period: 24,
      stream_mode_details: { stream_mode: "ON_DEMAND" },
      encryption_type: "KMS",
      lifecycle: { prevent_destroy: true },
    });
    expect(stream.shard_count).toBeUndefined();
    expect(stream.kms_key_id).toMatch(/^\$\{aws_kms_key\..*\.arn\}$/);
    expect(onlyResource(json, "aws_kms_key")).toMatchObject({ enable_key_rotation: true, lifecycle: { prevent_destroy: true } });
  });

  test("provisioned mode, a given key, retention and allowDestroy", () => {
    const stack = awsStack();
    new KinesisEventStream(stack, "Clicks", {
      streamName: "clicks",
      mode: KinesisStreamMode.PROVISIONED,
      shardCount: 4,
      retentionHours: 8760,
      kmsKeyArn: KEY,
      allowDestroy: true,
    });
    const json = synthJson(stack);
    expect(onlyResource(json, "aws_kinesis_stream")).toMatchObject({
      shard_count: 4,
      retention_period: 8760,
      kms_key_id: KEY,
      stream_mode_details: { stream_mode: "PROVISIONED" },
      lifecycle: { prevent_destroy: false },
    });
    expect(resourcesOfType(json, "aws_kms_key")).toEqual({});
  });

  test("grants: producer puts records and generates data keys; consumer reads, decrypts, uses its consumers", () => {
    const stack = awsStack();
    const s = new KinesisEventStream(stack, "Clicks", { streamName: "clicks", kmsKeyArn: KEY });
    const producer = new FakeIdentity(stack, "P", WorkloadIdentityKind.AWS_IAM_ROLE, "web", "web");
    const consumer = new FakeIdentity(stack, "C", WorkloadIdentityKind.AWS_IAM_ROLE, "features", "featurizer");
    s.grantProduce(producer);
    s.grantProduce(producer); // no-op
    s.grantConsume(consumer);
    const json = synthJson(stack);
    const all = Object.values(resourcesOfType(json, "aws_iam_role_policy")) as any[];
    expect(all).toHaveLength(2);
    const byRole = Object.fromEntries(all.map((p) => [p.role, JSON.parse(p.policy)]));
    expect(byRole.web.Statement).toEqual([
      {
        Effect: "Allow",
        Action: ["kinesis:PutRecord", "kinesis:PutRecords", "kinesis:DescribeStreamSummary", "kinesis:ListShards"],
        Resource: expect.stringMatching(/^\$\{aws_kinesis_stream\..*\.arn\}$/),
      },
      { Effect: "Allow", Action: ["kms:GenerateDataKey"], Resource: KEY },
    ]);
    const c = byRole.featurizer.Statement;
    expect(c[0].Action).toContain("kinesis:GetRecords");
    expect(c[0].Action).not.toContain("kinesis:PutRecord");
    expect(c[1].Resource).toMatch(/\.arn\}\/consumer\/\*$/);
    expect(c[2]).toEqual({ Effect: "Allow", Action: ["kms:Decrypt"], Resource: KEY });
    expect(JSON.stringify(byRole)).not.toContain('"*"');
  });

  describe("rejects", () => {
    const make = (props: any) => () => new KinesisEventStream(awsStack(), "S", { streamName: "clicks", ...props });
    test("a bad stream name", () => {
      expect(make({ streamName: "clicks stream" })).toThrow("S: invalid streamName \"clicks stream\": must be 1 to 128 letters, digits, '_', '.' and '-'");
      expect(make({ streamName: "x".repeat(129) })).toThrow("must be 1 to 128");
      expect(make({ streamName: 42 })).toThrow("S: invalid streamName 42: must be 1 to 128 letters, digits, '_', '.' and '-', not a number");
    });
    test("retention outside 24-8760 hours", () => {
      expect(make({ retentionHours: 23 })).toThrow("S: invalid retentionHours 23: must be an integer from 24 to 8760");
      expect(make({ retentionHours: 8761 })).toThrow("S: invalid retentionHours 8761: must be an integer from 24 to 8760");
      expect(make({ retentionHours: "48" })).toThrow('S: invalid retentionHours "48": must be an integer from 24 to 8760, not a string');
    });
    test("shard count with the wrong mode, missing, or out of range", () => {
      expect(make({ shardCount: 2 })).toThrow("S: invalid shardCount 2: only applies with mode: KinesisStreamMode.PROVISIONED");
      expect(make({ mode: KinesisStreamMode.PROVISIONED })).toThrow("S: invalid shardCount undefined: is required with mode: KinesisStreamMode.PROVISIONED");
      expect(make({ mode: KinesisStreamMode.PROVISIONED, shardCount: 0 })).toThrow("S: invalid shardCount 0: must be an integer from 1 to 10000");
    });
    test("a mode in the wrong case, a key alias, a non-boolean allowDestroy", () => {
      expect(make({ mode: "on_demand" })).toThrow("S: invalid mode \"on_demand\"");
      expect(make({ kmsKeyArn: "alias/kinesis" })).toThrow('S: invalid kmsKeyArn "alias/kinesis": is a KMS alias');
      expect(make({ allowDestroy: "yes" })).toThrow('S: invalid allowDestroy "yes"');
    });
    test("a grant to a GCP identity, or with options", () => {
      const stack = awsStack();
      const s = new KinesisEventStream(stack, "S", { streamName: "clicks" });
      const gcp = new FakeIdentity(stack, "G", WorkloadIdentityKind.GCP_SERVICE_ACCOUNT);
      expect(() => s.grantProduce(gcp)).toThrow("infra/S: invalid identity \"infra/G\": is a gcp-service-account identity; a Kinesis stream can only be granted to an AWS IAM role identity");
      const aws = new FakeIdentity(stack, "A", WorkloadIdentityKind.AWS_IAM_ROLE);
      expect(() => s.grantConsume(aws, { topics: ["x"] })).toThrow('S: invalid options.topics ["x"]: does not apply here: this stream takes no grant options');
    });
  });
});
