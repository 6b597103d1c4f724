import { IConstruct } from "constructs";
import { IWorkloadIdentity } from "../core/cluster";

/** Options of an event-stream grant. */
export interface EventStreamGrantOptions {
  /**
   * Kafka (MSK, Strimzi): the topics the grant covers, by name. Required there: a grant never
   * covers every topic of a cluster. Not allowed on Kinesis and Pub/Sub (the stream is the topic).
   * @default - none (required on Kafka streams)
   */
  readonly topics?: string[];
  /**
   * Kafka consumers: the consumer group the identity reads as (`group.id`).
   * @default - the identity's service account name
   */
  readonly consumerGroup?: string;
  /**
   * Pub/Sub consumers: the subscription the grant covers (its name).
   * @default - the stream's only subscription (an error when it has several)
   */
  readonly subscription?: string;
}

/**
 * The streaming-ingestion contract: a stream (Kinesis stream, MSK cluster, Pub/Sub topic, Strimzi
 * Kafka cluster) that grants producers and consumers least-privilege access through their
 * workload identity. Implemented by `KinesisEventStream`, `MskServerlessEventStream`,
 * `PubSubEventStream` and `StrimziKafkaCluster`.
 */
export interface IEventStream extends IConstruct {
  /** Name of the stream (Kinesis stream, MSK cluster, Pub/Sub topic or Kafka cluster). */
  readonly streamName: string;
  /** Lets `identity` write events (and nothing else). */
  grantProduce(identity: IWorkloadIdentity, options?: EventStreamGrantOptions): void;
  /** Lets `identity` read events (and commit its consumer position). */
  grantConsume(identity: IWorkloadIdentity, options?: EventStreamGrantOptions): void;
}
