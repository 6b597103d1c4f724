import { Testing } from "cdktf";
import { WorkloadIdentityKind } from "../../lib/core/cluster";
import { ExistingCluster } from "../../lib/compute/existing-cluster";
import { KafkaClientAuthentication, StrimziKafkaCluster, StrimziKafkaOperator } from "../../lib/data/event-stream-strimzi";
import { PINNED_CHART_VALUES } from "../support/charts";
import { checkHelmReleases, describeConformance, validateStackManifests } from "../support/conformance";
import { FakeIdentity } from "../support/fake-identity";
import { annotations, bareStack, onlyResource, resourcesOfType, synthJson, testApp } from "../support/synth";

function env() {
  const app = testApp();
  const infra = bareStack(app, "infra");
  const cluster = new ExistingCluster(infra, "Cluster", { clusterName: "dc1", kubeconfigContext: "dc1-admin" });
  const platform = bareStack(app, "platform");
  const workloads = bareStack(app, "workloads");
  const platformConn = cluster.connect(platform, "Conn");
  const conn = cluster.connect(workloads, "Conn");
  return { app, infra, cluster, platform, workloads, platformConn, conn };
}

function manifests(json: any, kind: string): any[] {
  return (Object.values(resourcesOfType(json, "kubernetes_manifest")) as any[]).map((r) => r.manifest).filter((m) => m.kind === kind);
}

function full() {
  const e = env();
  e.platformConn.addNamespace("streaming");
  const operator = new StrimziKafkaOperator(e.platform, "Strimzi", { connection: e.platformConn, watchNamespaces: ["streaming"] });
  const kafka = new StrimziKafkaCluster(e.workloads, "Kafka", { connection: e.conn, clusterName: "events", namespace: "streaming", storageClass: "fast-ssd" });
  kafka.addTopic("Clicks", { topicName: "clicks", partitions: 6, retentionHours: 24 });
  kafka.addTopic("Odd", { topicName: "Clicks_Raw", replicas: 2 });
  const ingest = new FakeIdentity(e.infra, "Ingest", WorkloadIdentityKind.KUBERNETES_SECRET, "ingest", "ingest");
  const feat = new FakeIdentity(e.infra, "Feat", WorkloadIdentityKind.KUBERNETES_SECRET, "features", "featurizer");
  kafka.grantProduce(ingest, { topics: ["clicks", "Clicks_Raw"] });
  kafka.grantConsume(feat, { topics: ["clicks"] });
  kafka.grantProduce(feat, { topics: ["clicks"] }); // merged into the same KafkaUser
  return { ...e, operator, kafka };
}

describe("StrimziKafkaOperator", () => {
  test("chart 1.2.0 in the platform stack, watching only the Kafka namespaces, after they exist", () => {
    const e = full();
    const json = synthJson(e.platform);
    const release = onlyResource(json, "helm_release");
    expect(release).toMatchObject({ chart: "strimzi-kafka-operator", version: "1.2.0", namespace: "strimzi", repository: "oci://quay.io/strimzi-helm" });
    expect(release.values[0]).toContain("watchNamespaces");
    expect(release.depends_on).toEqual(expect.arrayContaining([expect.stringMatching(/^kubernetes_namespace_v1\..*streaming/)]));
    expect(e.operator.chart.values).toEqual({
      replicas: 1,
      watchNamespaces: ["streaming"],
      watchAnyNamespace: false,
      extraEnvs: [{ name: "STRIMZI_POD_SECURITY_PROVIDER_CLASS", value: "restricted" }],
    });
    const ns = (Object.values(resourcesOfType(json, "kubernetes_namespace_v1")) as any[]).find((n) => n.metadata.name === "strimzi");
    expect(ns.metadata.labels["pod-security.kubernetes.io/enforce"]).toBe("restricted");
  });

  test("its own namespace is not repeated in watchNamespaces", () => {
    const e = env();
    const op = new StrimziKafkaOperator(e.platform, "Strimzi", { connection: e.platformConn, watchNamespaces: ["strimzi", "kafka"] });
    expect(op.chart.values.watchNamespaces).toEqual(["kafka"]);
  });

  test("rejects missing, empty or bad watch namespaces, bad replicas", () => {
    const make = (props: any) => () => {
      const e = env();
      new StrimziKafkaOperator(e.platform, "Strimzi", { connection: e.platformConn, watchNamespaces: ["streaming"], ...props });
    };
    expect(make({ watchNamespaces: undefined })).toThrow("platform/Strimzi: invalid watchNamespaces undefined: must list the namespaces of your Kafka clusters (at least one)");
    expect(make({ watchNamespaces: [] })).toThrow("platform/Strimzi: invalid watchNamespaces []: must list the namespaces");
    expect(make({ watchNamespaces: "streaming" })).toThrow('platform/Strimzi: invalid watchNamespaces "streaming"');
    expect(make({ watchNamespaces: ["Streaming"] })).toThrow('platform/Strimzi: invalid watchNamespaces[0] "Streaming": must be a namespace name');
    expect(make({ watchNamespaces: ["a", "a"] })).toThrow("platform/Strimzi: invalid watchNamespaces");
    expect(make({ replicas: 0 })).toThrow("platform/Strimzi: invalid replicas 0: must be an integer from 1 to 5");
  });
});

describe("StrimziKafkaCluster", () => {
  test("KRaft Kafka: controller and broker node pools on kept persistent claims, TLS listener with mTLS, simple ACLs", () => {
    const e = full();
    const json = synthJson(e.workloads);
    const [kafka] = manifests(json, "Kafka");
    expect(kafka.apiVersion).toBe("kafka.strimzi.io/v1");
    expect(kafka.spec.kafka.listeners).toEqual([{ name: "tls", port: 9093, type: "internal", tls: true, authentication: { type: "tls" } }]);
    expect(kafka.spec.kafka.authorization).toEqual({ type: "simple" });
    expect(kafka.spec.kafka.config).toMatchObject({ "min.insync.replicas": 2, "default.replication.factor": 3, "auto.create.topics.enable": false });
    const pools = manifests(json, "KafkaNodePool").sort((a, b) => b.metadata.name.localeCompare(a.metadata.name));
    expect(pools.map((p) => [p.metadata.name, p.spec.roles, p.spec.replicas])).toEqual([
      ["controller", ["controller"], 3],
      ["broker", ["broker"], 3],
    ]);
    for (const p of pools) {
      expect(p.metadata.labels).toEqual({ "strimzi.io/cluster": "events" });
      expect(p.spec.storage.volumes[0]).toMatchObject({ type: "persistent-claim", class: "fast-ssd", deleteClaim: false });
    }
    expect(e.kafka.bootstrapServers).toBe("events-kafka-bootstrap.streaming.svc:9093");
  });

  test("SCRAM-SHA-512 authentication on the listener and the users", () => {
    const e = env();
    const k = new StrimziKafkaCluster(e.workloads, "Kafka", { connection: e.conn, clusterName: "events", namespace: "streaming", authentication: KafkaClientAuthentication.SCRAM_SHA_512 });
    k.grantProduce(new FakeIdentity(e.infra, "I", WorkloadIdentityKind.KUBERNETES_SECRET), { topics: ["clicks"] });
    const json = synthJson(e.workloads);
    expect(manifests(json, "Kafka")[0].spec.kafka.listeners[0].authentication).toEqual({ type: "scram-sha-512" });
    expect(manifests(json, "KafkaUser")[0].spec.authentication).toEqual({ type: "scram-sha-512" });
  });

  test("topics: partitions, replicas, retention; names that are not Kubernetes names go in spec.topicName", () => {
    const json = synthJson(full().workloads);
    const topics = manifests(json, "KafkaTopic");
    expect(topics[0]).toMatchObject({ metadata: { name: "clicks", labels: { "strimzi.io/cluster": "events" } }, spec: { partitions: 6, replicas: 3, config: { "retention.ms": 86400000 } } });
    expect(topics[0].spec.topicName).toBeUndefined();
    expect(topics[1].metadata.name).toMatch(/^clicks-raw-[0-9a-f]{8}$/);
    expect(topics[1].spec).toMatchObject({ topicName: "Clicks_Raw", partitions: 3, replicas: 2, config: { "retention.ms": 604800000 } });
  });

  test("grants: one KafkaUser per identity with exactly the granted ACLs", () => {
    const json = synthJson(full().workloads);
    const users = manifests(json, "KafkaUser");
    expect(users.map((u) => u.metadata.name).sort()).toEqual(["featurizer", "ingest"]);
    const ingest = users.find((u) => u.metadata.name === "ingest");
    expect(ingest.spec.authorization.acls).toEqual([
      { resource: { type: "topic", name: "clicks", patternType: "literal" }, operations: ["Describe", "Write"], host: "*" },
      { resource: { type: "topic", name: "Clicks_Raw", patternType: "literal" }, operations: ["Describe", "Write"], host: "*" },
    ]);
    const feat = users.find((u) => u.metadata.name === "featurizer");
    expect(feat.spec.authorization.acls).toEqual([
      { resource: { type: "topic", name: "clicks", patternType: "literal" }, operations: ["Describe", "Read", "Write"], host: "*" },
      { resource: { type: "group", name: "featurizer", patternType: "literal" }, operations: ["Read"], host: "*" },
    ]);
  });

  test("warns about fewer than 3 brokers and a single controller", () => {
    const e = env();
    const k = new StrimziKafkaCluster(e.workloads, "Kafka", { connection: e.conn, clusterName: "dev", namespace: "streaming", brokerReplicas: 1, controllerReplicas: 1 });
    expect(annotations(k)).toEqual([
      "workloads/Kafka: brokerReplicas 1: fewer than 3 brokers: a broker failure makes partitions unavailable (min.insync.replicas cannot be met)",
      "workloads/Kafka: controllerReplicas 1: one KRaft controller: its failure stops the cluster's metadata changes",
    ]);
    expect(manifests(synthJson(e.workloads), "Kafka")[0].spec.kafka.config).toMatchObject({ "min.insync.replicas": 1, "default.replication.factor": 1 });
  });

  test("the workloads stack depends on the platform stack that installs the CRDs", () => {
    const e = full();
    expect(e.workloads.dependencies).toContain(e.platform);
  });

  test("a custom resource in the same stack as the operator fails", () => {
    const e = env();
    new StrimziKafkaOperator(e.platform, "Strimzi", { connection: e.platformConn, watchNamespaces: ["streaming"] });
    expect(() => new StrimziKafkaCluster(e.platform, "Kafka", { connection: e.platformConn, clusterName: "events", namespace: "streaming" })).toThrow(
      "its CRD is installed by platform/Strimzi/Chart in the same stack",
    );
  });

  describe("rejects", () => {
    const make = (props: any) => () => {
      const e = env();
      return new StrimziKafkaCluster(e.workloads, "Kafka", { connection: e.conn, clusterName: "events", namespace: "streaming", ...props });
    };
    test("bad cluster names and namespaces", () => {
      expect(make({ clusterName: "Events" })).toThrow('workloads/Kafka: invalid clusterName "Events": must be a DNS-1123 label');
      expect(make({ clusterName: "e".repeat(41) })).toThrow("must be at most 40 characters (Strimzi derives pod, service and Secret names from it)");
      expect(make({ namespace: "Streaming" })).toThrow('workloads/Kafka: invalid namespace "Streaming"');
    });
    test("replicas and storage", () => {
      expect(make({ brokerReplicas: 0 })).toThrow("workloads/Kafka: invalid brokerReplicas 0: must be an integer from 1 to 100");
      expect(make({ controllerReplicas: 2 })).toThrow("workloads/Kafka: invalid controllerReplicas 2: must be 1, 3 or 5 (a KRaft quorum needs a majority)");
      expect(make({ controllerReplicas: "3" })).toThrow('invalid controllerReplicas "3": must be an integer from 1 to 5, not a string');
      expect(make({ brokerStorageGiB: 0 })).toThrow("workloads/Kafka: invalid brokerStorageGiB 0");
      expect(make({ storageClass: "Fast SSD" })).toThrow('workloads/Kafka: invalid storageClass "Fast SSD"');
      expect(make({ authentication: "SCRAM-SHA-512" })).toThrow('workloads/Kafka: invalid authentication "SCRAM-SHA-512"');
    });
    test("topics: names, partitions, replicas beyond the brokers, retention", () => {
      const k = make({ brokerReplicas: 3 })();
      expect(() => k.addTopic("A", { topicName: "clicks raw" })).toThrow("workloads/Kafka: invalid topicName \"clicks raw\": must be a Kafka topic name: 1 to 249 characters of letters, digits, '.', '_' and '-'");
      expect(() => k.addTopic("B", { topicName: "t".repeat(250) })).toThrow("(got 250 characters)");
      expect(() => k.addTopic("C", { topicName: "." })).toThrow('invalid topicName "."');
      expect(() => k.addTopic("D", { topicName: "clicks", partitions: 0 })).toThrow("workloads/Kafka: invalid partitions 0: must be an integer from 1 to 10000");
      expect(() => k.addTopic("E", { topicName: "clicks", replicas: 4 })).toThrow("workloads/Kafka: invalid replicas 4: must be an integer from 1 to 3");
      expect(() => k.addTopic("F", { topicName: "clicks", retentionHours: 0 })).toThrow("workloads/Kafka: invalid retentionHours 0: must be an integer from 1 to 87600");
      expect(() => k.addTopic("G", { topicName: "clicks", partitions: "6" } as any)).toThrow('invalid partitions "6"');
    });
    test("grants without topics, with a bad group, or for a service account name too long for a KafkaUser", () => {
      const e = env();
      const k = new StrimziKafkaCluster(e.workloads, "Kafka", { connection: e.conn, clusterName: "events", namespace: "streaming" });
      const id = new FakeIdentity(e.infra, "I", WorkloadIdentityKind.KUBERNETES_SECRET);
      expect(() => k.grantConsume(id)).toThrow("workloads/Kafka: invalid options.topics undefined: is required");
      expect(() => k.grantConsume(id, { topics: ["clicks"], consumerGroup: "a b" })).toThrow('invalid options.consumerGroup "a b"');
      const long = new FakeIdentity(e.infra, "L", WorkloadIdentityKind.KUBERNETES_SECRET, "ns", "s".repeat(65));
      expect(() => k.grantProduce(long, { topics: ["clicks"] })).toThrow("a KafkaUser name is at most 64 characters");
    });
  });
});

describeConformance("Strimzi conformance", () => {
  test("every Kafka, KafkaNodePool, KafkaTopic and KafkaUser passes the strict schema", () => {
    const e = full();
    const results = validateStackManifests(Testing.synth(e.workloads));
    expect(results).toHaveLength(1 + 2 + 2 + 2);
    expect(results.filter((r) => r.errors.length > 0)).toEqual([]);
  });
  test("the SCRAM variant passes too", () => {
    const e = env();
    const k = new StrimziKafkaCluster(e.workloads, "Kafka", { connection: e.conn, clusterName: "events", namespace: "streaming", authentication: KafkaClientAuthentication.SCRAM_SHA_512 });
    k.grantConsume(new FakeIdentity(e.infra, "I", WorkloadIdentityKind.KUBERNETES_SECRET), { topics: ["clicks"], consumerGroup: "g1" });
    expect(validateStackManifests(Testing.synth(e.workloads)).flatMap((r) => r.errors)).toEqual([]);
  });
  test("every Helm value key exists in the chart's defaults", () => {
    expect(checkHelmReleases(Testing.synth(full().platform), PINNED_CHART_VALUES)).toEqual([]);
  });
  test("the strict schema would catch a misspelt field", () => {
    const json = synthJson(full().workloads);
    const kafka = (Object.values(resourcesOfType(json, "kubernetes_manifest")) as any[]).find((r) => r.manifest.kind === "Kafka");
    kafka.manifest.spec.kafka.listener = kafka.manifest.spec.kafka.listeners;
    expect(validateStackManifests(json).flatMap((r) => r.errors).join("\n")).toMatch(/listener/);
  });
});
