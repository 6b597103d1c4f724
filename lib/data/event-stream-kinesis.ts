import { Construct } from "constructs";
import { KinesisStream } from "@cdktf/provider-aws/lib/kinesis-stream";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { IWorkloadIdentity, WorkloadIdentityKind } from "../core/cluster";
import { attachRolePolicy, requireIdentity } from "../core/grants";
import { serviceKeyPolicy } from "../core/kms-key-policy";
import { invalid, isUnresolved, typeName, validateBoolean, validateEnum, validateInteger, validateKmsKeyArn } from "../core/validation";
import { EventStreamGrantOptions, IEventStream } from "./event-stream";
import { grantOptions } from "./event-stream-internal";

/** Capacity mode of a Kinesis data stream. */
export enum KinesisStreamMode {
  /** On-demand: capacity follows the traffic, billed per GB; no shards to size. */
  ON_DEMAND = "ON_DEMAND",
  /** Provisioned: a fixed number of shards (`shardCount`), billed per shard-hour. */
  PROVISIONED = "PROVISIONED",
}

/** Props of `KinesisEventStream`. */
export interface KinesisEventStreamProps {
  /** Stream name: 1 to 128 letters, digits, '_', '.' and '-'. */
  readonly streamName: string;
  /**
   * Capacity mode.
   * @default KinesisStreamMode.ON_DEMAND
   */
  readonly mode?: KinesisStreamMode;
  /**
   * Shards, with `mode: PROVISIONED` only (1 to 10000).
   * @default - none (required with PROVISIONED)
   */
  readonly shardCount?: number;
  /**
   * How long records stay readable, in hours (24 to 8760, i.e. 1 to 365 days).
   * @default 24
   */
  readonly retentionHours?: number;
  /**
   * ARN of an existing customer-managed KMS key to encrypt records with.
   * @default - a new customer-managed key with rotation on
   */
  readonly kmsKeyArn?: string;
  /**
   * Let `terraform destroy` delete the stream (and the records in it).
   * @default false (prevent_destroy)
   */
  readonly allowDestroy?: boolean;
}

/**
 * An Amazon Kinesis data stream, encrypted with a customer-managed KMS key, on-demand by default,
 * protected from destroy. Grants are inline policies on the workload identity's role, scoped to
 * this stream's ARN (and its enhanced fan-out consumers) and to its key.
 *
 * @example
 * const clicks = new KinesisEventStream(infra, "Clicks", { streamName: "clicks", retentionHours: 168 });
 * clicks.grantProduce(cluster.addWorkloadIdentity("Web", { namespace: "web", serviceAccountName: "web" }));
 */
export class KinesisEventStream extends Construct implements IEventStream {
  /** The aws_kinesis_stream resource. */
  public readonly stream: KinesisStream;
  /** The key Strata created (undefined when `kmsKeyArn` was given). */
  public readonly kmsKey?: KmsKey;
  /** ARN of the key the stream encrypts with. */
  public readonly kmsKeyArn: string;
  /** Stream name. */
  public readonly streamName: string;
  /** Stream ARN. */
  public readonly streamArn: string;

  constructor(scope: Construct, id: string, props: KinesisEventStreamProps) {
    super(scope, id);
    const mode = props.mode ?? KinesisStreamMode.ON_DEMAND;
    const retentionHours = props.retentionHours ?? 24;
    const name = props.streamName as unknown;
    if (!isUnresolved(name)) {
      if (typeof name !== "string" || !/^[a-zA-Z0-9_.-]{1,128}$/.test(name)) {
        invalid(this, "streamName", name, `must be 1 to 128 letters, digits, '_', '.' and '-'${typeof name === "string" ? "" : `, not ${typeName(name)}`}`);
      }
    }
    validateEnum(this, "mode", mode, KinesisStreamMode, "KinesisStreamMode");
    validateInteger(this, "retentionHours", retentionHours, 24, 8760);
    validateInteger(this, "shardCount", props.shardCount, 1, 10000);
    if (mode === KinesisStreamMode.PROVISIONED && props.shardCount === undefined) {
      invalid(this, "shardCount", undefined, "is required with mode: KinesisStreamMode.PROVISIONED");
    }
    if (mode === KinesisStreamMode.ON_DEMAND && props.shardCount !== undefined) {
      invalid(this, "shardCount", props.shardCount, "only applies with mode: KinesisStreamMode.PROVISIONED (on-demand streams size themselves)");
    }
    validateKmsKeyArn(this, "kmsKeyArn", props.kmsKeyArn);
    validateBoolean(this, "allowDestroy", props.allowDestroy);
    const protect = props.allowDestroy !== true;

    if (props.kmsKeyArn === undefined) {
      this.kmsKey = new KmsKey(this, "Key", {
        description: `Kinesis stream ${props.streamName} (Strata)`,
        enableKeyRotation: true,
        deletionWindowInDays: 30,
        // Administered by the account root; used only through Kinesis in this region by principals
        // of this account whose IAM policies allow it (producers GenerateDataKey, consumers Decrypt:
        // the grants add exactly that). Kinesis server-side encryption calls KMS with the caller's
        // credentials, hence kms:ViaService "kinesis.<region>.<dns suffix>" (AWS Kinesis SSE docs;
        // the exact action set Kinesis asks for on CreateStream/StartStreamEncryption is unverified here).
        policy: serviceKeyPolicy(this, [{ sid: "UseThroughKinesis", service: "kinesis" }]),
        lifecycle: { preventDestroy: protect },
      });
    }
    this.kmsKeyArn = props.kmsKeyArn ?? this.kmsKey!.arn;
    this.stream = new KinesisStream(this, "Resource", {
      name: props.streamName,
      retentionPeriod: retentionHours,
      streamModeDetails: { streamMode: mode },
      shardCount: mode === KinesisStreamMode.PROVISIONED ? props.shardCount : undefined,
      encryptionType: "KMS",
      kmsKeyId: this.kmsKeyArn,
      enforceConsumerDeletion: false,
      lifecycle: { preventDestroy: protect },
    });
    this.streamName = props.streamName;
    this.streamArn = this.stream.arn;
  }

  /**
   * Lets `identity` put records: `kinesis:PutRecord(s)`, `DescribeStreamSummary`, `ListShards` on
   * this stream and `kms:GenerateDataKey` on its key. Takes no options.
   */
  public grantProduce(identity: IWorkloadIdentity, options?: EventStreamGrantOptions): void {
    grantOptions(this, options, [], false);
    requireIdentity(this, identity, WorkloadIdentityKind.AWS_IAM_ROLE, "a Kinesis stream");
    attachRolePolicy(this, identity, "Kinesis-produce", [
      {
        Effect: "Allow",
        Action: ["kinesis:PutRecord", "kinesis:PutRecords", "kinesis:DescribeStreamSummary", "kinesis:ListShards"],
        Resource: this.streamArn,
      },
      { Effect: "Allow", Action: ["kms:GenerateDataKey"], Resource: this.kmsKeyArn },
    ]);
  }

  /**
   * Lets `identity` read records (shared throughput and enhanced fan-out): `GetRecords`,
   * `GetShardIterator`, `DescribeStream(Summary)`, `ListShards`, `RegisterStreamConsumer` and
   * `ListStreamConsumers` on this stream, `SubscribeToShard` and `DescribeStreamConsumer` on its
   * consumers, `kms:Decrypt` on its key. Takes no options.
   */
  public grantConsume(identity: IWorkloadIdentity, options?: EventStreamGrantOptions): void {
    grantOptions(this, options, [], false);
    requireIdentity(this, identity, WorkloadIdentityKind.AWS_IAM_ROLE, "a Kinesis stream");
    attachRolePolicy(this, identity, "Kinesis-consume", [
      {
        Effect: "Allow",
        Action: [
          "kinesis:GetRecords",
          "kinesis:GetShardIterator",
          "kinesis:DescribeStream",
          "kinesis:DescribeStreamSummary",
          "kinesis:ListShards",
          "kinesis:RegisterStreamConsumer",
          "kinesis:ListStreamConsumers",
        ],
        Resource: this.streamArn,
      },
      {
        Effect: "Allow",
        Action: ["kinesis:SubscribeToShard", "kinesis:DescribeStreamConsumer"],
        Resource: `${this.streamArn}/consumer/*`,
      },
      { Effect: "Allow", Action: ["kms:Decrypt"], Resource: this.kmsKeyArn },
    ]);
  }
}
