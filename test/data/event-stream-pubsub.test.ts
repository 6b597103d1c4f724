import { WorkloadIdentityKind } from "../../lib/core/cluster";
import { PubSubEventStream, PubSubSubscription } from "../../lib/data/event-stream-pubsub";
import { FakeIdentity } from "../support/fake-identity";
import { annotations, bareStack, resourcesOfType, synthJson } from "../support/synth";

const KEY = "projects/ml-prod/locations/us-central1/keyRings/data/cryptoKeys/pubsub";

function stream(props: any = {}) {
  const stack = bareStack();
  const s = new PubSubEventStream(stack, "Clicks", { project: "ml-prod", topicName: "clicks", kmsKeyName: KEY, ...props });
  return { stack, s };
}

const values = (json: any, type: string) => Object.values(resourcesOfType(json, type)) as any[];

describe("PubSubEventStream", () => {
  test("warns once per project that the Pub/Sub service agent may not exist yet, naming the gcloud command", () => {
    const { stack } = stream();
    new PubSubEventStream(stack, "Views", { project: "ml-prod", topicName: "views", kmsKeyName: KEY });
    new PubSubEventStream(stack, "Other", { project: "ml-dev", topicName: "clicks", kmsKeyName: KEY });
    const warnings = annotations(stack).filter((w) => w.includes("service agent"));
    expect(warnings).toEqual([
      expect.stringContaining("infra/Clicks: project \"ml-prod\": the pubsub.googleapis.com service agent is granted the CMEK key but may not exist yet"),
      expect.stringContaining("gcloud beta services identity create --service=pubsub.googleapis.com --project=ml-dev"),
    ]);
    expect(warnings[0]).toContain("gcloud beta services identity create --service=pubsub.googleapis.com --project=ml-prod");
  });

  test("topic and dead-letter topic: CMEK, retention, prevent_destroy; the agent may use the key first", () => {
    const { stack } = stream();
    const json = synthJson(stack);
    const topics = values(json, "google_pubsub_topic");
    expect(topics.map((t) => t.name).sort()).toEqual(["clicks", "clicks-dead-letter"]);
    for (const t of topics) {
      expect(t).toMatchObject({ project: "ml-prod", kms_key_name: KEY, message_retention_duration: "604800s", lifecycle: { prevent_destroy: true } });
      expect(t.depends_on).toEqual([expect.stringMatching(/^google_kms_crypto_key_iam_member\./)]);
    }
    const keyMember = values(json, "google_kms_crypto_key_iam_member")[0];
    expect(keyMember).toMatchObject({ crypto_key_id: KEY, role: "roles/cloudkms.cryptoKeyEncrypterDecrypter" });
    expect(keyMember.member).toMatch(/^serviceAccount:service-\$\{data\.google_project\..*\.number\}@gcp-sa-pubsub\.iam\.gserviceaccount\.com$/);
    // Dead letters are kept by a subscription on the dead-letter topic; the agent publishes to it.
    const dls = values(json, "google_pubsub_subscription");
    expect(dls).toHaveLength(1);
    expect(dls[0]).toMatchObject({ name: "clicks-dead-letter", expiration_policy: { ttl: "" } });
    expect(values(json, "google_pubsub_topic_iam_member")).toEqual([
      expect.objectContaining({ role: "roles/pubsub.publisher", member: keyMember.member, topic: expect.stringMatching(/DeadLetterTopic.*\.name\}$/) }),
    ]);
  });

  test("subscriptions: dead-letter policy, ack deadline, retention, never expire; the agent subscribes", () => {
    const { stack, s } = stream({ messageRetentionHours: 744, allowDestroy: true });
    s.addSubscription("Featurizer", { subscriptionName: "clicks-featurizer", ackDeadlineSeconds: 120, messageRetentionHours: 24, maxDeliveryAttempts: 5 });
    const json = synthJson(stack);
    const sub = values(json, "google_pubsub_subscription").find((x) => x.name === "clicks-featurizer");
    expect(sub).toMatchObject({
      ack_deadline_seconds: 120,
      message_retention_duration: "86400s",
      expiration_policy: { ttl: "" },
      dead_letter_policy: { max_delivery_attempts: 5, dead_letter_topic: expect.stringMatching(/DeadLetterTopic.*\.id\}$/) },
      lifecycle: { prevent_destroy: false },
    });
    expect(values(json, "google_pubsub_topic")[0].message_retention_duration).toBe("2678400s");
    const subMembers = values(json, "google_pubsub_subscription_iam_member");
    expect(subMembers).toEqual([expect.objectContaining({ role: "roles/pubsub.subscriber", member: expect.stringContaining("@gcp-sa-pubsub.iam.gserviceaccount.com") })]);
  });

  test("grants: publisher on the topic only, subscriber on one subscription only", () => {
    const { stack, s } = stream();
    const a = s.addSubscription("A", { subscriptionName: "clicks-a" });
    s.addSubscription("B", { subscriptionName: "clicks-b" });
    const web = new FakeIdentity(stack, "Web", WorkloadIdentityKind.GCP_SERVICE_ACCOUNT, "web", "web", "ml-prod");
    const feat = new FakeIdentity(stack, "Feat", WorkloadIdentityKind.GCP_SERVICE_ACCOUNT, "features", "featurizer", "ml-prod");
    s.grantProduce(web);
    s.grantProduce(web);
    s.grantConsume(feat, { subscription: "clicks-b" });
    a.grantConsume(feat);
    const json = synthJson(stack);
    const pub = values(json, "google_pubsub_topic_iam_member").filter((m) => m.member === "serviceAccount:web@ml-prod.iam.gserviceaccount.com");
    expect(pub).toEqual([expect.objectContaining({ role: "roles/pubsub.publisher", topic: expect.stringMatching(/google_pubsub_topic\.Clicks_[0-9A-F]+\.name\}$/) })]);
    const subs = values(json, "google_pubsub_subscription_iam_member").filter((m) => m.member === "serviceAccount:featurizer@ml-prod.iam.gserviceaccount.com");
    expect(subs).toHaveLength(2);
    expect(subs.every((m) => m.role === "roles/pubsub.subscriber")).toBe(true);
    expect(values(json, "google_pubsub_topic_iam_member").some((m) => m.member.includes("featurizer"))).toBe(false);
  });

  test("a subscription created directly", () => {
    const { stack, s } = stream();
    new PubSubSubscription(stack, "Direct", { stream: s, subscriptionName: "clicks-direct" });
    const feat = new FakeIdentity(stack, "Feat", WorkloadIdentityKind.GCP_SERVICE_ACCOUNT);
    s.grantConsume(feat); // the stream knows its only subscription
    const json = synthJson(stack);
    expect(values(json, "google_pubsub_subscription").map((x) => x.name)).toContain("clicks-direct");
    expect(values(json, "google_pubsub_subscription_iam_member").filter((m) => m.member.includes("trainer@"))).toHaveLength(1);
    expect(() => new PubSubSubscription(stack, "Again", { stream: s, subscriptionName: "clicks-direct" })).toThrow(
      'infra/Clicks: invalid subscriptionName "clicks-direct": is already used',
    );
    expect(() => new PubSubSubscription(stack, "NoStream", { stream: {} as any, subscriptionName: "x-sub" })).toThrow('infra/NoStream: invalid stream "an object": must be a PubSubEventStream');
  });

  describe("rejects", () => {
    test("bad topic names: short, long (with the dead-letter suffix), not starting with a letter, goog prefix, bad characters", () => {
      expect(() => stream({ topicName: "ab" })).toThrow('infra/Clicks: invalid topicName "ab": must be a Pub/Sub name: 3 to 243 letters');
      expect(() => stream({ topicName: "a".repeat(244) })).toThrow('(got 244 characters; 12 are kept for the "-dead-letter" suffix)');
      expect(() => stream({ topicName: "1clicks" })).toThrow('invalid topicName "1clicks": must be a Pub/Sub name');
      expect(() => stream({ topicName: "google-clicks" })).toThrow('infra/Clicks: invalid topicName "google-clicks": must not start with "goog" (reserved by Google)');
      expect(() => stream({ topicName: "Goog-x" })).toThrow('must not start with "goog"');
      expect(() => stream({ topicName: "clicks/raw" })).toThrow('invalid topicName "clicks/raw"');
      expect(() => stream({ topicName: 5 })).toThrow("invalid topicName 5: must be a Pub/Sub name: 3 to 243 letters, digits and '-', '_', '.', '~', '+', '%', starting with a letter, not a number");
    });
    test("a missing or malformed key, bad project, retention out of range", () => {
      expect(() => stream({ kmsKeyName: undefined })).toThrow("infra/Clicks: invalid kmsKeyName undefined: is required and must be a Cloud KMS key name");
      expect(() => stream({ kmsKeyName: "pubsub-key" })).toThrow('invalid kmsKeyName "pubsub-key"');
      expect(() => stream({ project: "ML Prod" })).toThrow('infra/Clicks: invalid project "ML Prod"');
      expect(() => stream({ messageRetentionHours: 0 })).toThrow("infra/Clicks: invalid messageRetentionHours 0: must be an integer from 1 to 744");
      expect(() => stream({ messageRetentionHours: 745 })).toThrow("must be an integer from 1 to 744");
    });
    test("bad subscriptions: name, duplicate, ack deadline, retention, delivery attempts", () => {
      const { s } = stream();
      s.addSubscription("A", { subscriptionName: "clicks-a" });
      expect(() => s.addSubscription("A2", { subscriptionName: "clicks-a" })).toThrow('infra/Clicks: invalid subscriptionName "clicks-a": is already used');
      expect(() => s.addSubscription("D", { subscriptionName: "clicks-dead-letter" })).toThrow("is already used by a subscription of this stream (the dead-letter subscription included)");
      expect(() => s.addSubscription("G", { subscriptionName: "goog-sub" })).toThrow('infra/Clicks/G: invalid subscriptionName "goog-sub": must not start with "goog"');
      expect(() => s.addSubscription("X1", { subscriptionName: "x1-sub", ackDeadlineSeconds: 5 })).toThrow("infra/Clicks/X1: invalid ackDeadlineSeconds 5: must be an integer from 10 to 600");
      expect(() => s.addSubscription("X2", { subscriptionName: "x2-sub", messageRetentionHours: 169 })).toThrow("invalid messageRetentionHours 169: must be an integer from 1 to 168");
      expect(() => s.addSubscription("X3", { subscriptionName: "x3-sub", maxDeliveryAttempts: 4 })).toThrow("invalid maxDeliveryAttempts 4: must be an integer from 5 to 100");
      expect(() => s.addSubscription("X4", { subscriptionName: "x4-sub", maxDeliveryAttempts: 101 })).toThrow("must be an integer from 5 to 100");
      expect(() => s.addSubscription("X5", "sub" as any)).toThrow('infra/Clicks: invalid options "sub": must be an object with subscriptionName, not a string');
    });
    test("grants: wrong identity kind, no or ambiguous subscription, unknown subscription, Kafka options", () => {
      const { stack, s } = stream();
      const gcp = new FakeIdentity(stack, "G", WorkloadIdentityKind.GCP_SERVICE_ACCOUNT);
      const aws = new FakeIdentity(stack, "A", WorkloadIdentityKind.AWS_IAM_ROLE);
      expect(() => s.grantProduce(aws)).toThrow('infra/Clicks: invalid identity "infra/A": is a aws-iam-role identity; a Pub/Sub topic can only be granted to a GCP service account identity');
      expect(() => s.grantConsume(gcp)).toThrow("infra/Clicks: invalid options.subscription undefined: has no subscription to grant: call addSubscription first");
      s.addSubscription("A", { subscriptionName: "clicks-a" });
      s.addSubscription("B", { subscriptionName: "clicks-b" });
      expect(() => s.grantConsume(gcp)).toThrow("is required when the stream has several subscriptions (clicks-a, clicks-b)");
      expect(() => s.grantConsume(gcp, { subscription: "clicks-c" })).toThrow('infra/Clicks: invalid options.subscription "clicks-c": must name a subscription of this stream (clicks-a, clicks-b)');
      expect(() => s.grantProduce(gcp, { topics: ["clicks"] })).toThrow("invalid options.topics");
      expect(() => s.grantConsume(aws, { subscription: "clicks-a" })).toThrow("a Pub/Sub subscription can only be granted to a GCP service account identity");
    });
  });
});
