import { WorkloadIdentityKind } from "../../lib/core/cluster";
import { MskServerlessEventStream } from "../../lib/data/event-stream-msk";
import { FakeIdentity } from "../support/fake-identity";
import { awsStack, onlyResource, resourcesOfType, synthJson } from "../support/synth";

const SUBNETS = ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"];

describe("MskServerlessEventStream", () => {
  test("IAM auth only, private subnets, security groups, prevent_destroy", () => {
    const stack = awsStack();
    new MskServerlessEventStream(stack, "Events", { clusterName: "events", subnetIds: SUBNETS, securityGroupIds: ["sg-0123456789abcdef0"] });
    const cluster = onlyResource(synthJson(stack), "aws_msk_serverless_cluster");
    expect(cluster).toMatchObject({
      cluster_name: "events",
      client_authentication: { sasl: { iam: { enabled: true } } },
      vpc_config: [{ subnet_ids: SUBNETS, security_group_ids: ["sg-0123456789abcdef0"] }],
      lifecycle: { prevent_destroy: true },
    });
  });

  test("allowDestroy lifts prevent_destroy", () => {
    const stack = awsStack();
    new MskServerlessEventStream(stack, "Events", { clusterName: "events", subnetIds: SUBNETS, allowDestroy: true });
    expect(onlyResource(synthJson(stack), "aws_msk_serverless_cluster").lifecycle).toEqual({ prevent_destroy: false });
  });

  test("grants are scoped to named topics and the consumer group, with partition-aware ARNs", () => {
    const stack = awsStack();
    const s = new MskServerlessEventStream(stack, "Events", { clusterName: "events", subnetIds: SUBNETS });
    const ingest = new FakeIdentity(stack, "P", WorkloadIdentityKind.AWS_IAM_ROLE, "ingest", "ingest");
    const feat = new FakeIdentity(stack, "C", WorkloadIdentityKind.AWS_IAM_ROLE, "features", "featurizer");
    s.grantProduce(ingest, { topics: ["clicks", "views"] });
    s.grantProduce(ingest, { topics: ["views", "clicks"] }); // same set: no-op
    s.grantProduce(ingest, { topics: ["orders"] }); // another set: a second policy
    s.grantConsume(feat, { topics: ["clicks"] });
    s.grantConsume(feat, { topics: ["clicks"], consumerGroup: "backfill" });
    const all = Object.values(resourcesOfType(synthJson(stack), "aws_iam_role_policy")) as any[];
    expect(all).toHaveLength(4);
    const ingestPolicies = all.filter((p) => p.role === "ingest").map((p) => JSON.parse(p.policy).Statement);
    const first = ingestPolicies.find((st) => st[1].Resource.length === 2);
    expect(first[0]).toEqual({
      Effect: "Allow",
      Action: ["kafka-cluster:Connect", "kafka-cluster:DescribeCluster", "kafka-cluster:WriteDataIdempotently"],
      Resource: expect.stringMatching(/^\$\{aws_msk_serverless_cluster\..*\.arn\}$/),
    });
    expect(first[1].Action).toEqual(["kafka-cluster:DescribeTopic", "kafka-cluster:WriteData"]);
    expect(first[1].Resource[0]).toMatch(
      /^arn:\$\{data\.aws_partition\..*\.partition\}:kafka:\$\{data\.aws_region\..*\.region\}:\$\{data\.aws_caller_identity\..*\.account_id\}:topic\/\$\{aws_msk_serverless_cluster\..*\.cluster_name\}\/\$\{aws_msk_serverless_cluster\..*\.cluster_uuid\}\/clicks$/,
    );
    expect(first[1].Resource[1]).toMatch(/\/views$/);
    const featPolicies = all.filter((p) => p.role === "featurizer").map((p) => JSON.parse(p.policy).Statement);
    const groups = featPolicies.map((st) => st[2].Resource);
    expect(groups.some((g: string) => /:group\/.*\.cluster_uuid\}\/featurizer$/.test(g))).toBe(true);
    expect(groups.some((g: string) => /:group\/.*\.cluster_uuid\}\/backfill$/.test(g))).toBe(true);
    expect(featPolicies[0][1].Action).toEqual(["kafka-cluster:DescribeTopic", "kafka-cluster:ReadData"]);
    expect(featPolicies[0][2].Action).toEqual(["kafka-cluster:DescribeGroup", "kafka-cluster:AlterGroup"]);
    expect(JSON.stringify(all.map((p) => p.policy))).not.toMatch(/kafka-cluster:\*|"\*"/);
  });

  describe("rejects", () => {
    const make = (props: any) => () => new MskServerlessEventStream(awsStack(), "S", { clusterName: "events", subnetIds: SUBNETS, ...props });
    test("a bad cluster name", () => {
      expect(make({ clusterName: "1events" })).toThrow("infra/S: invalid clusterName \"1events\": must be 1 to 64 letters, digits and '-', starting with a letter");
      expect(make({ clusterName: "e".repeat(65) })).toThrow("must be 1 to 64 letters");
    });
    test("subnets: missing, one, six, a string, duplicates", () => {
      expect(make({ subnetIds: undefined })).toThrow("infra/S: invalid subnetIds undefined: is required: 2 to 5 private subnets in different Availability Zones");
      expect(make({ subnetIds: [SUBNETS[0]] })).toThrow("must list 2 to 5 subnets, in different Availability Zones");
      expect(make({ subnetIds: ["a", "b", "c", "d", "e", "f"] })).toThrow("must list 2 to 5 subnets");
      expect(make({ subnetIds: "subnet-1" })).toThrow('infra/S: invalid subnetIds "subnet-1"');
      expect(make({ subnetIds: [SUBNETS[0], SUBNETS[0]] })).toThrow("infra/S: invalid subnetIds");
    });
    test("security groups: empty or too many", () => {
      expect(make({ securityGroupIds: [] })).toThrow("infra/S: invalid securityGroupIds []: must list 1 to 5 security groups");
    });
    test("grants without topics, with bad topic names, bad groups, Pub/Sub options, or to a non-AWS identity", () => {
      const stack = awsStack();
      const s = new MskServerlessEventStream(stack, "S", { clusterName: "events", subnetIds: SUBNETS });
      const id = new FakeIdentity(stack, "A", WorkloadIdentityKind.AWS_IAM_ROLE);
      expect(() => s.grantProduce(id)).toThrow("infra/S: invalid options.topics undefined: is required: a Kafka grant names the topics it covers");
      expect(() => s.grantProduce(id, { topics: [] })).toThrow("infra/S: invalid options.topics []: must name at least one topic");
      expect(() => s.grantProduce(id, { topics: ["a b"] })).toThrow("infra/S: invalid options.topics[0] \"a b\": must be a Kafka topic name");
      expect(() => s.grantProduce(id, { topics: ["x".repeat(250)] })).toThrow("(got 250 characters)");
      expect(() => s.grantProduce(id, { topics: [".."] })).toThrow('invalid options.topics[0] "..": must be a Kafka topic name');
      expect(() => s.grantProduce(id, { topics: "clicks" } as any)).toThrow('infra/S: invalid options.topics "clicks"');
      expect(() => s.grantProduce(id, { topics: ["clicks"], consumerGroup: "g" })).toThrow('infra/S: invalid options.consumerGroup "g": does not apply here; allowed: topics');
      expect(() => s.grantConsume(id, { topics: ["clicks"], consumerGroup: "a/b" })).toThrow('infra/S: invalid options.consumerGroup "a/b": must be a consumer group id');
      expect(() => s.grantConsume(id, { topics: ["clicks"], subscription: "sub" })).toThrow("invalid options.subscription");
      const onPrem = new FakeIdentity(stack, "K", WorkloadIdentityKind.KUBERNETES_SECRET);
      expect(() => s.grantConsume(onPrem, { topics: ["clicks"] })).toThrow("an MSK cluster can only be granted to an AWS IAM role identity");
    });
  });
});
