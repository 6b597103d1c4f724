import { Construct } from "constructs";
import { DataGoogleProject } from "@cdktf/provider-google/lib/data-google-project";
import { KmsCryptoKeyIamMember } from "@cdktf/provider-google/lib/kms-crypto-key-iam-member";
import { PubsubSubscription } from "@cdktf/provider-google/lib/pubsub-subscription";
import { PubsubSubscriptionIamMember } from "@cdktf/provider-google/lib/pubsub-subscription-iam-member";
import { PubsubTopic } from "@cdktf/provider-google/lib/pubsub-topic";
import { PubsubTopicIamMember } from "@cdktf/provider-google/lib/pubsub-topic-iam-member";
import { IWorkloadIdentity, WorkloadIdentityKind } from "../core/cluster";
import { requireIdentity } from "../core/grants";
import { GcpServiceAgent, warnServiceAgentPrerequisite } from "./gcp-service-agents";
import { invalid, isUnresolved, typeName, validateBoolean, validateGcpProjectId, validateInteger } from "../core/validation";
import { EventStreamGrantOptions, IEventStream } from "./event-stream";
import { grantOptions, validatePubSubName } from "./event-stream-internal";

/** Suffix of the dead-letter topic and its subscription. */
const DEAD_LETTER_SUFFIX = "-dead-letter";

/** Options of `PubSubEventStream.addSubscription`. */
export interface PubSubSubscriptionOptions {
  /** Subscription name: 3 to 255 letters, digits and `-_.~+%`, starting with a letter, not `goog...`. */
  readonly subscriptionName: string;
  /**
   * Seconds a subscriber has to acknowledge a message before it is redelivered (10 to 600).
   * @default 60
   */
  readonly ackDeadlineSeconds?: number;
  /**
   * How long unacknowledged messages are kept, in hours (1 to 168).
   * @default 168 (7 days)
   */
  readonly messageRetentionHours?: number;
  /**
   * Deliveries of a message before it goes to the stream's dead-letter topic (5 to 100).
   * @default 10
   */
  readonly maxDeliveryAttempts?: number;
}

/** Props of `PubSubSubscription`. */
export interface PubSubSubscriptionProps extends PubSubSubscriptionOptions {
  /** The stream (topic) to subscribe to. */
  readonly stream: PubSubEventStream;
}

/** Props of `PubSubEventStream`. */
export interface PubSubEventStreamProps {
  /** Project id the topic lives in. */
  readonly project: string;
  /**
   * Topic name: 3 to 243 letters, digits and `-_.~+%`, starting with a letter, not `goog...`
   * (12 characters are kept for the `-dead-letter` topic).
   */
  readonly topicName: string;
  /**
   * Cloud KMS key (`projects/<p>/locations/<l>/keyRings/<r>/cryptoKeys/<k>`) the topics encrypt
   * messages with (CMEK). The Pub/Sub service agent is granted encrypt/decrypt on it.
   */
  readonly kmsKeyName: string;
  /**
   * How long the topic keeps messages (acknowledged or not), for replay with seek, in hours (1 to 744).
   * @default 168 (7 days)
   */
  readonly messageRetentionHours?: number;
  /**
   * Let `terraform destroy` delete the topics and subscriptions.
   * @default false (prevent_destroy)
   */
  readonly allowDestroy?: boolean;
}

/**
 * A subscription of a `PubSubEventStream`, with the stream's dead-letter topic, never expiring.
 * Usually created with `PubSubEventStream.addSubscription`.
 *
 * @example
 * new PubSubSubscription(infra, "Featurizer", { stream: clicks, subscriptionName: "clicks-featurizer" });
 */
export class PubSubSubscription extends Construct {
  /** The google_pubsub_subscription resource. */
  public readonly subscription: PubsubSubscription;
  /** Subscription name. */
  public readonly subscriptionName: string;
  private readonly project: string;

  constructor(scope: Construct, id: string, props: PubSubSubscriptionProps) {
    super(scope, id);
    const options = props;
    const stream = props.stream;
    if (!(stream instanceof PubSubEventStream)) invalid(this, "stream", typeName(stream), "must be a PubSubEventStream");
    const protect = !stream.allowDestroy;
    validatePubSubName(this, "subscriptionName", options.subscriptionName);
    validateInteger(this, "ackDeadlineSeconds", options.ackDeadlineSeconds, 10, 600);
    validateInteger(this, "messageRetentionHours", options.messageRetentionHours, 1, 168);
    validateInteger(this, "maxDeliveryAttempts", options.maxDeliveryAttempts, 5, 100);
    this.project = stream.project;
    this.subscriptionName = options.subscriptionName;
    stream._registerSubscription(this);
    this.subscription = new PubsubSubscription(this, "Resource", {
      project: stream.project,
      name: options.subscriptionName,
      topic: stream.topic.id,
      ackDeadlineSeconds: options.ackDeadlineSeconds ?? 60,
      messageRetentionDuration: `${(options.messageRetentionHours ?? 168) * 3600}s`,
      expirationPolicy: { ttl: "" },
      deadLetterPolicy: { deadLetterTopic: stream.deadLetterTopic.id, maxDeliveryAttempts: options.maxDeliveryAttempts ?? 10 },
      retryPolicy: { minimumBackoff: "10s", maximumBackoff: "600s" },
      lifecycle: { preventDestroy: protect },
    });
    // The service agent acknowledges what it forwards to the dead-letter topic.
    new PubsubSubscriptionIamMember(this, "ServiceAgentSubscriber", {
      project: stream.project,
      subscription: this.subscription.name,
      role: "roles/pubsub.subscriber",
      member: `serviceAccount:${stream.serviceAgentEmail}`,
    });
  }

  /** Binds `roles/pubsub.subscriber` on this subscription (only) to a GCP workload identity. */
  public grantConsume(identity: IWorkloadIdentity): void {
    requireIdentity(this, identity, WorkloadIdentityKind.GCP_SERVICE_ACCOUNT, "a Pub/Sub subscription");
    const id = `Subscriber-${identity.node.addr.slice(0, 8)}`;
    if (this.node.tryFindChild(id)) return;
    new PubsubSubscriptionIamMember(this, id, {
      project: this.project,
      subscription: this.subscription.name,
      role: "roles/pubsub.subscriber",
      member: `serviceAccount:${identity.gcpServiceAccountEmail}`,
    });
  }
}

/**
 * A Google Cloud Pub/Sub topic encrypted with a customer-managed key, with message retention for
 * replay, a dead-letter topic (and a subscription on it, so dead letters are kept) and
 * subscriptions that forward a message there after `maxDeliveryAttempts`. The Pub/Sub service
 * agent gets what dead-lettering needs: publisher on the dead-letter topic, subscriber on each
 * subscription, and encrypt/decrypt on the key. Grants bind `roles/pubsub.publisher` on the topic
 * and `roles/pubsub.subscriber` on one subscription to a GCP workload identity.
 *
 * @example
 * const clicks = new PubSubEventStream(infra, "Clicks", { project: "ml-prod", topicName: "clicks", kmsKeyName: key.id });
 * clicks.addSubscription("Featurizer", { subscriptionName: "clicks-featurizer" });
 * clicks.grantProduce(web);
 * clicks.grantConsume(featurizer);
 */
export class PubSubEventStream extends Construct implements IEventStream {
  /** The google_pubsub_topic resource. */
  public readonly topic: PubsubTopic;
  /** The dead-letter topic. */
  public readonly deadLetterTopic: PubsubTopic;
  /** The subscription on the dead-letter topic that keeps dead letters. */
  public readonly deadLetterSubscription: PubsubSubscription;
  /** Topic name. */
  public readonly streamName: string;
  /** Project id. */
  public readonly project: string;
  /** Whether `terraform destroy` may delete the topics and subscriptions. */
  public readonly allowDestroy: boolean;
  /** Email of the project's Pub/Sub service agent. */
  public readonly serviceAgentEmail: string;
  private readonly protect: boolean;
  private readonly subscriptions: PubSubSubscription[] = [];

  constructor(scope: Construct, id: string, props: PubSubEventStreamProps) {
    super(scope, id);
    validateGcpProjectId(this, "project", props.project);
    validatePubSubName(this, "topicName", props.topicName, DEAD_LETTER_SUFFIX.length);
    const key = props.kmsKeyName as unknown;
    if (!isUnresolved(key) && (typeof key !== "string" || !/^projects\/[^/]+\/locations\/[^/]+\/keyRings\/[^/]+\/cryptoKeys\/[^/]+$/.test(key))) {
      invalid(this, "kmsKeyName", key, "is required and must be a Cloud KMS key name: projects/<project>/locations/<location>/keyRings/<ring>/cryptoKeys/<key>");
    }
    const retentionHours = props.messageRetentionHours ?? 168;
    validateInteger(this, "messageRetentionHours", retentionHours, 1, 744);
    validateBoolean(this, "allowDestroy", props.allowDestroy);
    this.protect = props.allowDestroy !== true;
    this.allowDestroy = !this.protect;
    this.project = props.project;
    this.streamName = props.topicName;

    const project = new DataGoogleProject(this, "Project", { projectId: props.project });
    warnServiceAgentPrerequisite(this, props.project, GcpServiceAgent.PUBSUB);
    this.serviceAgentEmail = `service-${project.number}@gcp-sa-pubsub.iam.gserviceaccount.com`;
    const keyAccess = new KmsCryptoKeyIamMember(this, "ServiceAgentKey", {
      cryptoKeyId: props.kmsKeyName,
      role: "roles/cloudkms.cryptoKeyEncrypterDecrypter",
      member: `serviceAccount:${this.serviceAgentEmail}`,
    });
    const topicOf = (topicId: string, name: string) =>
      new PubsubTopic(this, topicId, {
        project: props.project,
        name,
        kmsKeyName: props.kmsKeyName,
        messageRetentionDuration: `${retentionHours * 3600}s`,
        dependsOn: [keyAccess],
        lifecycle: { preventDestroy: this.protect },
      });
    this.topic = topicOf("Resource", props.topicName);
    this.deadLetterTopic = topicOf("DeadLetterTopic", `${props.topicName}${DEAD_LETTER_SUFFIX}`);
    new PubsubTopicIamMember(this, "ServiceAgentDeadLetterPublisher", {
      project: props.project,
      topic: this.deadLetterTopic.name,
      role: "roles/pubsub.publisher",
      member: `serviceAccount:${this.serviceAgentEmail}`,
    });
    this.deadLetterSubscription = new PubsubSubscription(this, "DeadLetterSubscription", {
      project: props.project,
      name: `${props.topicName}${DEAD_LETTER_SUFFIX}`,
      topic: this.deadLetterTopic.id,
      messageRetentionDuration: `${7 * 24 * 3600}s`,
      expirationPolicy: { ttl: "" },
      lifecycle: { preventDestroy: this.protect },
    });
  }

  /** Adds a subscription (with the dead-letter policy) and returns it. */
  public addSubscription(id: string, options: PubSubSubscriptionOptions): PubSubSubscription {
    if (options === null || typeof options !== "object") invalid(this, "options", options, `must be an object with subscriptionName, not ${typeName(options)}`);
    return new PubSubSubscription(this, id, { ...options, stream: this });
  }

  /** @internal Records a subscription of this stream; its name must be unused. */
  public _registerSubscription(sub: PubSubSubscription): void {
    const name = sub.subscriptionName;
    if (this.subscriptions.some((s) => s.subscriptionName === name) || name === `${this.streamName}${DEAD_LETTER_SUFFIX}`) {
      invalid(this, "subscriptionName", name, "is already used by a subscription of this stream (the dead-letter subscription included)");
    }
    this.subscriptions.push(sub);
  }

  /** Binds `roles/pubsub.publisher` on this topic (only) to a GCP workload identity. Takes no options. */
  public grantProduce(identity: IWorkloadIdentity, options?: EventStreamGrantOptions): void {
    grantOptions(this, options, [], false);
    requireIdentity(this, identity, WorkloadIdentityKind.GCP_SERVICE_ACCOUNT, "a Pub/Sub topic");
    const id = `Publisher-${identity.node.addr.slice(0, 8)}`;
    if (this.node.tryFindChild(id)) return;
    new PubsubTopicIamMember(this, id, {
      project: this.project,
      topic: this.topic.name,
      role: "roles/pubsub.publisher",
      member: `serviceAccount:${identity.gcpServiceAccountEmail}`,
    });
  }

  /**
   * Binds `roles/pubsub.subscriber` on one subscription (`options.subscription`, or the only
   * one) to a GCP workload identity.
   */
  public grantConsume(identity: IWorkloadIdentity, options?: EventStreamGrantOptions): void {
    const opts = grantOptions(this, options, ["subscription"], false);
    const names = this.subscriptions.map((s) => s.subscriptionName);
    let sub: PubSubSubscription | undefined;
    if (opts.subscription === undefined) {
      if (this.subscriptions.length !== 1) {
        invalid(
          this,
          "options.subscription",
          undefined,
          this.subscriptions.length === 0
            ? "has no subscription to grant: call addSubscription first"
            : `is required when the stream has several subscriptions (${names.join(", ")})`,
        );
      }
      sub = this.subscriptions[0];
    } else {
      sub = this.subscriptions.find((s) => s.subscriptionName === opts.subscription);
      if (!sub) invalid(this, "options.subscription", opts.subscription, `must name a subscription of this stream (${names.join(", ") || "none yet"})`);
    }
    sub.grantConsume(identity);
  }
}
