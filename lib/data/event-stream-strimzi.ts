import { Construct } from "constructs";
import { Lazy } from "cdktf";
import { NamespaceV1 } from "@cdktf/provider-kubernetes/lib/namespace-v1";
import { IWorkloadIdentity } from "../core/cluster";
import { ClusterConnection, PodSecurityLevel } from "../core/connection";
import { CustomResource } from "../core/custom-resource";
import { HelmChart, PinnedChart } from "../core/helm-chart";
import { NamingRule, validateName } from "../core/naming";
import {
  invalid,
  isUnresolved,
  validateEnum,
  validateInteger,
  validateNamespaceName,
  validateStringList,
  validateUniqueList,
  warn,
} from "../core/validation";
import { EventStreamGrantOptions, IEventStream } from "./event-stream";
import { grantOptions, validateKafkaTopicName } from "./event-stream-internal";
import { hash8 } from "../core/generated-names";

/** Kafka version the pinned Strimzi release runs (Strimzi 1.2.0's examples use 4.3.1 / 4.3-IV0). */
const KAFKA_VERSION = "4.3.1";
const KAFKA_METADATA_VERSION = "4.3-IV0";
const API_VERSION = "kafka.strimzi.io/v1";

/** Props of `StrimziKafkaOperator`. */
export interface StrimziKafkaOperatorProps {
  /** Connection to the cluster, in the platform stack. */
  readonly connection: ClusterConnection;
  /**
   * Namespaces whose `Kafka`, `KafkaNodePool`, `KafkaTopic` and `KafkaUser` resources the operator
   * manages (besides its own). Create them first (`connection.addNamespace`): the chart puts
   * RoleBindings in each. Watching every namespace is not offered (least privilege).
   */
  readonly watchNamespaces: string[];
  /**
   * Namespace the operator runs in (created here).
   * @default "strimzi"
   */
  readonly namespace?: string;
  /**
   * Operator replicas (leader election keeps one active).
   * @default 1
   */
  readonly replicas?: number;
}

/**
 * The Strimzi Kafka operator 1.2.0 (chart `strimzi-kafka-operator`), in the platform stack,
 * watching only the namespaces it is given. Its pods run non-root with a read-only root file
 * system under the "restricted" Pod Security level, and it creates Kafka pods that meet that level
 * too (`STRIMZI_POD_SECURITY_PROVIDER_CLASS=restricted`). Create `StrimziKafkaCluster`s in a later
 * (workloads) stack.
 *
 * @example
 * new StrimziKafkaOperator(platform, "Strimzi", { connection: platformConn, watchNamespaces: ["streaming"] });
 */
export class StrimziKafkaOperator extends Construct {
  /** The Helm release. */
  public readonly chart: HelmChart;
  /** The operator's namespace resource. */
  public readonly namespaceResource: NamespaceV1;
  /** Namespace the operator runs in. */
  public readonly namespace: string;

  constructor(scope: Construct, id: string, props: StrimziKafkaOperatorProps) {
    super(scope, id);
    const namespace = props.namespace ?? "strimzi";
    const replicas = props.replicas ?? 1;
    validateNamespaceName(this, "namespace", namespace);
    validateInteger(this, "replicas", replicas, 1, 5);
    validateStringList(this, "watchNamespaces", props.watchNamespaces, '["streaming"]');
    if (props.watchNamespaces === undefined || (!isUnresolved(props.watchNamespaces) && props.watchNamespaces.length === 0)) {
      invalid(this, "watchNamespaces", props.watchNamespaces, "must list the namespaces of your Kafka clusters (at least one)");
    }
    props.watchNamespaces.forEach((ns, i) => validateNamespaceName(this, `watchNamespaces[${i}]`, ns));
    validateUniqueList(this, "watchNamespaces", props.watchNamespaces, "namespace");
    this.namespace = namespace;
    this.namespaceResource = props.connection.addNamespace(namespace, { podSecurity: PodSecurityLevel.RESTRICTED });
    // The chart always watches its own namespace; the list holds the others.
    const watch = props.watchNamespaces.filter((ns) => ns !== namespace);
    this.chart = new HelmChart(this, "Chart", {
      connection: props.connection,
      chart: PinnedChart.STRIMZI_KAFKA_OPERATOR,
      releaseName: "strimzi",
      namespace,
      values: {
        replicas,
        watchNamespaces: watch,
        watchAnyNamespace: false,
        // Strimzi's "restricted" pod security provider makes the Kafka, controller and entity-operator
        // pods it creates meet the "restricted" Pod Security Standard (the default provider is "baseline").
        extraEnvs: [{ name: "STRIMZI_POD_SECURITY_PROVIDER_CLASS", value: "restricted" }],
      },
    });
    // The chart creates RoleBindings in the watched namespaces: create those first.
    const deps = watch.map((ns) => props.connection.namespaceResource(ns)).filter((r): r is NamespaceV1 => r !== undefined);
    if (deps.length > 0) this.chart.release.dependsOn = [...(this.chart.release.dependsOn ?? []), ...deps.map((r) => `${r.terraformResourceType}.${r.friendlyUniqueId}`)];
  }
}

/** How Kafka clients authenticate on the TLS listener. */
export enum KafkaClientAuthentication {
  /** Mutual TLS: each `KafkaUser` gets a client certificate in a Secret named after it. */
  TLS = "tls",
  /** SCRAM-SHA-512 over TLS: each `KafkaUser` gets a generated password in a Secret named after it. */
  SCRAM_SHA_512 = "scram-sha-512",
}

/** Props of `StrimziKafkaCluster`. */
export interface StrimziKafkaClusterProps {
  /** Connection to the cluster, in the workloads stack. */
  readonly connection: ClusterConnection;
  /** Name of the `Kafka` resource (a DNS-1123 label of at most 40 characters: Strimzi derives pod and service names from it). */
  readonly clusterName: string;
  /** Namespace of the Kafka cluster (watched by the `StrimziKafkaOperator`). */
  readonly namespace: string;
  /**
   * Broker nodes (1 to 100). Fewer than 3 leaves no room for a broker failure.
   * @default 3
   */
  readonly brokerReplicas?: number;
  /**
   * KRaft controller nodes: 1, 3 or 5 (a majority must stay up).
   * @default 3
   */
  readonly controllerReplicas?: number;
  /**
   * Size of each broker's persistent volume, in GiB.
   * @default 100
   */
  readonly brokerStorageGiB?: number;
  /**
   * Size of each controller's persistent volume (KRaft metadata), in GiB.
   * @default 20
   */
  readonly controllerStorageGiB?: number;
  /**
   * StorageClass of the volumes.
   * @default - the cluster's default StorageClass
   */
  readonly storageClass?: string;
  /**
   * How clients authenticate on the TLS listener (port 9093).
   * @default KafkaClientAuthentication.TLS
   */
  readonly authentication?: KafkaClientAuthentication;
}

/** Options of `StrimziKafkaCluster.addTopic`. */
export interface StrimziKafkaTopicOptions {
  /** Topic name: 1 to 249 letters, digits, '.', '_' and '-'. */
  readonly topicName: string;
  /**
   * Partitions (1 to 10000); can grow later, never shrink.
   * @default 3
   */
  readonly partitions?: number;
  /**
   * Replicas of each partition (1 to the broker count).
   * @default - 3, or the broker count when smaller
   */
  readonly replicas?: number;
  /**
   * How long messages are kept, in hours (1 to 87600).
   * @default 168 (7 days)
   */
  readonly retentionHours?: number;
}

interface Acl {
  resource: { type: string; name: string; patternType: string };
  operations: string[];
  host: string;
}

/**
 * A Kafka cluster run by Strimzi 1.2.0 in KRaft mode (`kafka.strimzi.io/v1`): a `Kafka` with a
 * controller and a broker `KafkaNodePool` on persistent volumes (kept when the cluster is
 * deleted), one internal TLS listener with client authentication (mutual TLS or SCRAM-SHA-512)
 * and simple ACL authorization, `KafkaTopic`s, and a `KafkaUser` per granted identity whose ACLs
 * allow exactly the granted topics and consumer group. The user operator writes each user's
 * credentials into a Secret named after the identity's service account, in the Kafka namespace.
 *
 * @example
 * const kafka = new StrimziKafkaCluster(workloads, "Kafka", { connection, clusterName: "events", namespace: "streaming" });
 * kafka.addTopic("Clicks", { topicName: "clicks", partitions: 6 });
 * kafka.grantProduce(ingest, { topics: ["clicks"] });
 */
export class StrimziKafkaCluster extends Construct implements IEventStream {
  /** The `Kafka` resource. */
  public readonly kafka: CustomResource;
  /** The controller `KafkaNodePool`. */
  public readonly controllerPool: CustomResource;
  /** The broker `KafkaNodePool`. */
  public readonly brokerPool: CustomResource;
  /** Name of the `Kafka` resource. */
  public readonly streamName: string;
  /** Namespace of the cluster. */
  public readonly namespace: string;
  /** Bootstrap address of the TLS listener (`<name>-kafka-bootstrap.<namespace>.svc:9093`). */
  public readonly bootstrapServers: string;
  /** The cluster CA certificate Secret clients trust (`<name>-cluster-ca-cert`). */
  public readonly clusterCaSecretName: string;
  private readonly connection: ClusterConnection;
  private readonly brokers: number;
  private readonly users = new Map<string, Acl[]>();

  constructor(scope: Construct, id: string, props: StrimziKafkaClusterProps) {
    super(scope, id);
    const brokers = props.brokerReplicas ?? 3;
    const controllers = props.controllerReplicas ?? 3;
    const authentication = props.authentication ?? KafkaClientAuthentication.TLS;
    validateName(this, "clusterName", props.clusterName, NamingRule.DNS1123_LABEL);
    if (!isUnresolved(props.clusterName) && props.clusterName.length > 40) {
      invalid(this, "clusterName", props.clusterName, "must be at most 40 characters (Strimzi derives pod, service and Secret names from it)");
    }
    validateNamespaceName(this, "namespace", props.namespace);
    validateInteger(this, "brokerReplicas", brokers, 1, 100);
    validateInteger(this, "controllerReplicas", controllers, 1, 5);
    if (![1, 3, 5].includes(controllers)) invalid(this, "controllerReplicas", controllers, "must be 1, 3 or 5 (a KRaft quorum needs a majority)");
    validateInteger(this, "brokerStorageGiB", props.brokerStorageGiB, 1, 65536);
    validateInteger(this, "controllerStorageGiB", props.controllerStorageGiB, 1, 65536);
    if (props.storageClass !== undefined) validateName(this, "storageClass", props.storageClass, NamingRule.DNS1123_SUBDOMAIN);
    validateEnum(this, "authentication", authentication, KafkaClientAuthentication, "KafkaClientAuthentication");
    if (brokers < 3) warn(this, "brokerReplicas", brokers, "fewer than 3 brokers: a broker failure makes partitions unavailable (min.insync.replicas cannot be met)");
    if (controllers === 1) warn(this, "controllerReplicas", controllers, "one KRaft controller: its failure stops the cluster's metadata changes");

    this.connection = props.connection;
    this.brokers = brokers;
    this.streamName = props.clusterName;
    this.namespace = props.namespace;
    this.bootstrapServers = `${props.clusterName}-kafka-bootstrap.${props.namespace}.svc:9093`;
    this.clusterCaSecretName = `${props.clusterName}-cluster-ca-cert`;
    const labels = { "strimzi.io/cluster": props.clusterName };
    const pool = (poolId: string, name: string, role: string, replicas: number, sizeGiB: number) =>
      new CustomResource(this, poolId, {
        connection: props.connection,
        manifest: {
          apiVersion: API_VERSION,
          kind: "KafkaNodePool",
          metadata: { name, namespace: props.namespace, labels },
          spec: {
            replicas,
            roles: [role],
            storage: {
              type: "jbod",
              volumes: [{ id: 0, type: "persistent-claim", size: `${sizeGiB}Gi`, class: props.storageClass, deleteClaim: false, kraftMetadata: "shared" }],
            },
          },
        },
      });
    this.controllerPool = pool("ControllerPool", "controller", "controller", controllers, props.controllerStorageGiB ?? 20);
    this.brokerPool = pool("BrokerPool", "broker", "broker", brokers, props.brokerStorageGiB ?? 100);
    const rf = Math.min(3, brokers);
    this.kafka = new CustomResource(this, "Resource", {
      connection: props.connection,
      manifest: {
        apiVersion: API_VERSION,
        kind: "Kafka",
        metadata: { name: props.clusterName, namespace: props.namespace },
        spec: {
          kafka: {
            version: KAFKA_VERSION,
            metadataVersion: KAFKA_METADATA_VERSION,
            listeners: [{ name: "tls", port: 9093, type: "internal", tls: true, authentication: { type: authentication } }],
            authorization: { type: "simple" },
            config: {
              "offsets.topic.replication.factor": rf,
              "transaction.state.log.replication.factor": rf,
              "transaction.state.log.min.isr": Math.max(1, rf - 1),
              "default.replication.factor": rf,
              "min.insync.replicas": Math.max(1, rf - 1),
              "auto.create.topics.enable": false,
            },
          },
          entityOperator: { topicOperator: {}, userOperator: {} },
        },
      },
    });
  }

  /** Adds a `KafkaTopic` and returns it. */
  public addTopic(id: string, options: StrimziKafkaTopicOptions): CustomResource {
    if (options === null || typeof options !== "object") invalid(this, "options", options, "must be an object with topicName");
    validateKafkaTopicName(this, "topicName", options.topicName);
    validateInteger(this, "partitions", options.partitions, 1, 10000);
    validateInteger(this, "replicas", options.replicas, 1, this.brokers);
    validateInteger(this, "retentionHours", options.retentionHours, 1, 87600);
    const name = options.topicName;
    // metadata.name must be a DNS-1123 subdomain; other topic names go in spec.topicName.
    const k8sName = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name) && name.length <= 253 && !name.includes("..")
      ? name
      : `${name.toLowerCase().replace(/[^a-z0-9.-]+/g, "-").replace(/^[-.]+|[-.]+$/g, "") || "topic"}-${hash8(name)}`;
    return new CustomResource(this, id, {
      connection: this.connection,
      manifest: {
        apiVersion: API_VERSION,
        kind: "KafkaTopic",
        metadata: { name: k8sName, namespace: this.namespace, labels: { "strimzi.io/cluster": this.streamName } },
        spec: {
          topicName: k8sName === name ? undefined : name,
          partitions: options.partitions ?? 3,
          replicas: options.replicas ?? Math.min(3, this.brokers),
          config: { "retention.ms": (options.retentionHours ?? 168) * 3600 * 1000 },
        },
      },
    });
  }

  /**
   * Lets `identity` write to the named topics (`options.topics`, required): ACLs `Describe` and
   * `Write` on each topic for the identity's `KafkaUser`.
   */
  public grantProduce(identity: IWorkloadIdentity, options?: EventStreamGrantOptions): void {
    const opts = grantOptions(this, options, ["topics"], true);
    this.addAcls(identity, opts.topics!.map((t) => acl("topic", t, ["Describe", "Write"])));
  }

  /**
   * Lets `identity` read the named topics (`options.topics`, required) as one consumer group
   * (`options.consumerGroup`, default the service account name): ACLs `Describe` and `Read` on
   * each topic and `Read` on the group.
   */
  public grantConsume(identity: IWorkloadIdentity, options?: EventStreamGrantOptions): void {
    const opts = grantOptions(this, options, ["topics", "consumerGroup"], true);
    const group = opts.consumerGroup ?? identity.serviceAccountName;
    this.addAcls(identity, [...opts.topics!.map((t) => acl("topic", t, ["Describe", "Read"])), acl("group", group, ["Read"])]);
  }

  /** Name of the `KafkaUser` (and of its credentials Secret) for `identity`. */
  public userNameFor(identity: IWorkloadIdentity): string {
    return identity.serviceAccountName;
  }

  private addAcls(identity: IWorkloadIdentity, acls: Acl[]): void {
    const user = this.userNameFor(identity);
    if (!isUnresolved(user) && user.length > 64) {
      invalid(this, "identity", identity.node.path, `has the service account name "${user}" (${user.length} characters); a KafkaUser name is at most 64 characters (the TLS certificate's CN)`);
    }
    let list = this.users.get(user);
    if (!list) {
      const created: Acl[] = [];
      list = created;
      this.users.set(user, created);
      new CustomResource(this, `User-${identity.node.addr.slice(0, 8)}`, {
        connection: this.connection,
        manifest: {
          apiVersion: API_VERSION,
          kind: "KafkaUser",
          metadata: { name: user, namespace: this.namespace, labels: { "strimzi.io/cluster": this.streamName } },
          spec: {
            authentication: { type: this.authenticationType() },
            authorization: { type: "simple", acls: Lazy.anyValue({ produce: () => created }) },
          },
        },
      });
    }
    for (const a of acls) {
      const same = list.find((x) => x.resource.type === a.resource.type && x.resource.name === a.resource.name);
      if (same) same.operations = [...new Set([...same.operations, ...a.operations])].sort();
      else list.push(a);
    }
  }

  private authenticationType(): string {
    const listeners = this.kafka.manifest.spec.kafka.listeners as { authentication: { type: string } }[];
    return listeners[0].authentication.type;
  }
}

function acl(type: string, name: string, operations: string[]): Acl {
  return { resource: { type, name, patternType: "literal" }, operations: [...operations].sort(), host: "*" };
}

