import { Construct } from "constructs";
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { DataAwsRegion } from "@cdktf/provider-aws/lib/data-aws-region";
import { MskServerlessCluster } from "@cdktf/provider-aws/lib/msk-serverless-cluster";
import { IWorkloadIdentity, WorkloadIdentityKind } from "../core/cluster";
import { attachRolePolicy, requireIdentity } from "../core/grants";
import { invalid, isUnresolved, typeName, validateBoolean, validateStringList, validateUniqueList } from "../core/validation";
import { EventStreamGrantOptions, IEventStream } from "./event-stream";
import { grantLabel, grantOptions } from "./event-stream-internal";

/** Props of `MskServerlessEventStream`. */
export interface MskServerlessEventStreamProps {
  /** Cluster name: 1 to 64 letters, digits and '-', starting with a letter. */
  readonly clusterName: string;
  /** Private subnets the cluster's endpoints go in (2 to 5, in different Availability Zones). */
  readonly subnetIds: string[];
  /**
   * Security groups of the endpoints (at most 5); let clients reach port 9098 (SASL/IAM over TLS).
   * @default - the VPC's default security group
   */
  readonly securityGroupIds?: string[];
  /**
   * Let `terraform destroy` delete the cluster (and its topics).
   * @default false (prevent_destroy)
   */
  readonly allowDestroy?: boolean;
}

/**
 * An Amazon MSK Serverless cluster: Kafka with IAM authentication (SASL/IAM) over TLS only,
 * private endpoints in your subnets, encrypted at rest (MSK Serverless encrypts with an
 * AWS-owned key; it has no customer-managed key option), protected from destroy. Grants are
 * inline policies on the workload identity's role, scoped to the named topics and consumer group
 * of this cluster (ARNs built from the partition, region and account data sources, so they hold in every partition).
 *
 * @example
 * const events = new MskServerlessEventStream(infra, "Events", { clusterName: "events", subnetIds: vpc.privateSubnetIds });
 * events.grantProduce(ingest, { topics: ["clicks"] });
 * events.grantConsume(featurizer, { topics: ["clicks"], consumerGroup: "featurizer" });
 */
export class MskServerlessEventStream extends Construct implements IEventStream {
  /** The aws_msk_serverless_cluster resource. */
  public readonly cluster: MskServerlessCluster;
  /** Cluster name. */
  public readonly streamName: string;
  /** Cluster ARN. */
  public readonly clusterArn: string;
  /** Bootstrap brokers for SASL/IAM clients (`host:9098`). */
  public readonly bootstrapBrokers: string;
  /** `arn:<partition>:kafka:<region>:<account>:` of the cluster, for topic and group ARNs. */
  private readonly arnPrefix: string;

  constructor(scope: Construct, id: string, props: MskServerlessEventStreamProps) {
    super(scope, id);
    const name = props.clusterName as unknown;
    if (!isUnresolved(name) && (typeof name !== "string" || !/^[a-zA-Z][a-zA-Z0-9-]{0,63}$/.test(name))) {
      invalid(this, "clusterName", name, `must be 1 to 64 letters, digits and '-', starting with a letter${typeof name === "string" ? "" : `, not ${typeName(name)}`}`);
    }
    validateStringList(this, "subnetIds", props.subnetIds, '["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"]');
    if (props.subnetIds === undefined) invalid(this, "subnetIds", undefined, "is required: 2 to 5 private subnets in different Availability Zones");
    if (!isUnresolved(props.subnetIds) && (props.subnetIds.length < 2 || props.subnetIds.length > 5)) {
      invalid(this, "subnetIds", props.subnetIds, "must list 2 to 5 subnets, in different Availability Zones");
    }
    validateUniqueList(this, "subnetIds", props.subnetIds, "subnet");
    validateStringList(this, "securityGroupIds", props.securityGroupIds, '["sg-0123456789abcdef0"]');
    if (props.securityGroupIds !== undefined && !isUnresolved(props.securityGroupIds) && (props.securityGroupIds.length < 1 || props.securityGroupIds.length > 5)) {
      invalid(this, "securityGroupIds", props.securityGroupIds, "must list 1 to 5 security groups (omit it for the VPC's default)");
    }
    validateBoolean(this, "allowDestroy", props.allowDestroy);

    this.cluster = new MskServerlessCluster(this, "Resource", {
      clusterName: props.clusterName,
      clientAuthentication: { sasl: { iam: { enabled: true } } },
      vpcConfig: [{ subnetIds: props.subnetIds, securityGroupIds: props.securityGroupIds }],
      lifecycle: { preventDestroy: props.allowDestroy !== true },
    });
    const partition = new DataAwsPartition(this, "Partition");
    const region = new DataAwsRegion(this, "Region");
    const account = new DataAwsCallerIdentity(this, "Account");
    this.arnPrefix = `arn:${partition.partition}:kafka:${region.region}:${account.accountId}:`;
    this.streamName = props.clusterName;
    this.clusterArn = this.cluster.arn;
    this.bootstrapBrokers = this.cluster.bootstrapBrokersSaslIam;
  }

  /** ARN of a topic or group of this cluster: `arn:<partition>:kafka:<region>:<account>:<kind>/<cluster>/<uuid>/<name>`. */
  private arnOf(kind: "topic" | "group", name: string): string {
    return `${this.arnPrefix}${kind}/${this.cluster.clusterName}/${this.cluster.clusterUuid}/${name}`;
  }

  /**
   * Lets `identity` write to the named topics (`options.topics`, required):
   * `kafka-cluster:Connect`, `DescribeCluster` and `WriteDataIdempotently` (idempotent producers,
   * the Kafka client default) on the cluster, `DescribeTopic` and `WriteData` on each topic.
   */
  public grantProduce(identity: IWorkloadIdentity, options?: EventStreamGrantOptions): void {
    const opts = grantOptions(this, options, ["topics"], true);
    requireIdentity(this, identity, WorkloadIdentityKind.AWS_IAM_ROLE, "an MSK cluster");
    const topics = [...opts.topics!].sort();
    attachRolePolicy(this, identity, grantLabel("Msk-produce", topics), [
      {
        Effect: "Allow",
        Action: ["kafka-cluster:Connect", "kafka-cluster:DescribeCluster", "kafka-cluster:WriteDataIdempotently"],
        Resource: this.clusterArn,
      },
      { Effect: "Allow", Action: ["kafka-cluster:DescribeTopic", "kafka-cluster:WriteData"], Resource: topics.map((t) => this.arnOf("topic", t)) },
    ]);
  }

  /**
   * Lets `identity` read the named topics (`options.topics`, required) as one consumer group
   * (`options.consumerGroup`, default the service account name): `Connect` and `DescribeCluster`
   * on the cluster, `DescribeTopic` and `ReadData` on each topic, `DescribeGroup` and `AlterGroup`
   * on the group.
   */
  public grantConsume(identity: IWorkloadIdentity, options?: EventStreamGrantOptions): void {
    const opts = grantOptions(this, options, ["topics", "consumerGroup"], true);
    requireIdentity(this, identity, WorkloadIdentityKind.AWS_IAM_ROLE, "an MSK cluster");
    const topics = [...opts.topics!].sort();
    const group = opts.consumerGroup ?? identity.serviceAccountName;
    attachRolePolicy(this, identity, grantLabel("Msk-consume", [group, ...topics]), [
      { Effect: "Allow", Action: ["kafka-cluster:Connect", "kafka-cluster:DescribeCluster"], Resource: this.clusterArn },
      { Effect: "Allow", Action: ["kafka-cluster:DescribeTopic", "kafka-cluster:ReadData"], Resource: topics.map((t) => this.arnOf("topic", t)) },
      { Effect: "Allow", Action: ["kafka-cluster:DescribeGroup", "kafka-cluster:AlterGroup"], Resource: this.arnOf("group", group) },
    ]);
  }
}
