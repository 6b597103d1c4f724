import { Construct } from "constructs";
import { TerraformStack, dependable } from "cdktf";
import { CapacityType, IWorkloadIdentity, NodePoolInfo, NodePoolPurpose, WorkloadIdentityKind } from "../core/cluster";
import { ClusterConnection, NamespaceIsolation, PodSecurityLevel } from "../core/connection";
import { CustomResource } from "../core/custom-resource";
import { DatabaseEngine, IDatabase, SecretKind, SecretReference } from "../core/database";
import { TlsVerification, databaseUri, validateIdentifier, validatePattern } from "../core/database-internal";
import { NamingRule, validateName } from "../core/naming";
import { IObjectStore, ObjectStoreKind } from "../core/object-store";
import { Scheduling } from "../core/scheduling";
import {
  invalid,
  isUnresolved,
  typeName,
  validateBoolean,
  validateInteger,
  validateNamespaceName,
  validateNonEmpty,
} from "../core/validation";
import { CloudNativePgOperator } from "./cloudnative-pg-operator";

/**
 * Default PostgreSQL operand image. CloudNativePG publishes `ghcr.io/cloudnative-pg/postgresql:<major>.<minor>`
 * images; this tag is unverified against the registry (no network here): pin the tag (or digest) your mirror holds.
 */
const DEFAULT_IMAGE = "ghcr.io/cloudnative-pg/postgresql:17.5";
/** Cluster names: a DNS-1123 label short enough for `<name>-rw`, `<name>-<n>` and `<name>-app` to stay labels too. */
const CLUSTER_NAME = /^[a-z]([a-z0-9-]{0,48}[a-z0-9])?$/;
/** CloudNativePG schedules have six fields (seconds first), or a `@every`/`@daily`-style descriptor. */
const SCHEDULE = /^(@(yearly|annually|monthly|weekly|daily|midnight|hourly)|@every \d+[smh]|(\S+\s+){5}\S+)$/;

/** Props of `CloudNativePgDatabase`. */
export interface CloudNativePgDatabaseProps {
  /** The cluster connection of the workloads stack (a later stack than the operator's). */
  readonly connection: ClusterConnection;
  /** The operator installed on the same cluster (platform stack); this stack is applied after it. */
  readonly operator: CloudNativePgOperator;
  /**
   * Namespace of the database: created (restricted Pod Security) unless already created on the
   * connection. Workloads that connect must run in it: the credentials Secret lives there.
   */
  readonly namespace: string;
  /** Name of the `Cluster`: 1 to 50 lowercase letters, digits and '-', starting with a letter. */
  readonly name: string;
  /** Name of the application database (a PostgreSQL identifier, 1 to 63 characters). */
  readonly databaseName: string;
  /**
   * Owner of the application database, the user in Secret `<name>-app`.
   * @default - the database name
   */
  readonly owner?: string;
  /**
   * PostgreSQL instances (1 to 9): one primary, the rest streaming replicas on other nodes
   * (required pod anti-affinity on the host name). Fewer than 3 needs `allowFewerInstances: true`.
   * @default 3
   */
  readonly instances?: number;
  /**
   * Permit `instances` below 3 (1: no replica, no failover; 2: no quorum to fail over safely).
   * @default false
   */
  readonly allowFewerInstances?: boolean;
  /**
   * Storage class of the instances' persistent volumes.
   * @default - the cluster's default storage class
   */
  readonly storageClass?: string;
  /**
   * Size of each instance's data volume in GiB (1 to 65536).
   * @default 20
   */
  readonly storageSizeGiB?: number;
  /**
   * PostgreSQL operand image with a pinned tag or digest.
   * @default "ghcr.io/cloudnative-pg/postgresql:17.5"
   */
  readonly imageName?: string;
  /**
   * CPU request of each instance in millicores (100 to 64000).
   * @default 500
   */
  readonly cpuMillis?: number;
  /**
   * Memory request and limit of each instance in MiB (256 to 262144).
   * @default 1024
   */
  readonly memoryMiB?: number;
  /**
   * Node pool the instances run on (not a spot pool).
   * @default - the cluster's first on-demand GENERAL pool; no node selector when it has none
   */
  readonly nodePoolName?: string;
  /**
   * Object store (the data lake zone) that receives base backups and the WAL archive (barman-cloud).
   * Without one, `allowNoBackup: true` is required.
   * @default - none
   */
  readonly backupStore?: IObjectStore;
  /**
   * Identity that writes the backups. Cloud (S3, GCS): an identity for service account `<name>` in
   * `namespace` (CloudNativePG runs the instances as a service account named after the cluster);
   * it is annotated onto that account. On-prem (S3-compatible): a credentials-Secret identity in
   * `namespace` whose Secret holds `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`. It is granted
   * read, write and delete (retention) under `backupPrefix`.
   * @default - required with `backupStore`
   */
  readonly backupIdentity?: IWorkloadIdentity;
  /**
   * Key prefix of the backups in the store (ends with '/'); barman-cloud writes under `<prefix><name>/`.
   * @default "cnpg/<namespace>/"
   */
  readonly backupPrefix?: string;
  /**
   * Name of a Secret (in `namespace`, key `ca.crt`) with the CA bundle of an S3-compatible endpoint
   * that uses a private CA.
   * @default - the system trust store
   */
  readonly backupEndpointCaSecretName?: string;
  /**
   * Days backups and WAL are kept (7 to 365).
   * @default 30
   */
  readonly backupRetentionDays?: number;
  /**
   * Schedule of base backups: six cron fields with seconds first (`0 0 3 * * *` is 03:00 daily), or a descriptor such as `@daily`.
   * @default "0 0 3 * * *"
   */
  readonly backupSchedule?: string;
  /**
   * Permit a database without backups (no `backupStore`).
   * @default false
   */
  readonly allowNoBackup?: boolean;
}

/**
 * A PostgreSQL cluster run by CloudNativePG (`Cluster` `postgresql.cnpg.io/v1`) as an `IDatabase`:
 * 3 instances on different nodes with persistent volumes, TLS served by the operator's own CA
 * (clients verify `<name>-rw.<namespace>.svc` against Secret `<name>-ca`, key `ca.crt`), the
 * application user and its password generated by the operator into Secret `<name>-app` (never in
 * code or state), superuser access off, and base backups plus the WAL archive in the data lake
 * (barman-cloud, `spec.backup.barmanObjectStore`) with a daily `ScheduledBackup`.
 *
 * @example
 * const db = new CloudNativePgDatabase(workloads, "MlflowDb", {
 *   connection: workloadsConnection, operator: cnpg, namespace: "mlflow", name: "mlflow-db", databaseName: "mlflow",
 *   backupStore: lake.zone(LakeZone.MODELS), backupIdentity: backupWriter,
 * });
 */
export class CloudNativePgDatabase extends Construct implements IDatabase {
  /** The `Cluster` custom resource. */
  public readonly cluster: CustomResource;
  /** The `ScheduledBackup` custom resource (undefined without `backupStore`). */
  public readonly scheduledBackup?: CustomResource;
  /** Always `DatabaseEngine.POSTGRES`. */
  public readonly engine: DatabaseEngine;
  /** `<name>-rw.<namespace>.svc`: the read-write service (always the primary). */
  public readonly host: string;
  /** TCP port (5432). */
  public readonly port: number;
  /** Database name. */
  public readonly databaseName: string;
  /** Secret `<name>-app` in the namespace (keys `username`, `password`, `uri`, ...), made by the operator. */
  public readonly credentials: SecretReference;
  /** Always true: CloudNativePG serves TLS and the URI verifies the server (`verify-full`). */
  public readonly tlsRequired: boolean;
  /** Namespace of the database and of its Secrets. */
  public readonly namespace: string;
  /** Name of the `Cluster`. */
  public readonly name: string;
  /** Secret holding the CA that signs the server certificate (`<name>-ca`, key `ca.crt`): mount it and point `sslrootcert` at it. */
  public readonly caSecretName: string;
  /** `s3://...` / `gs://...` destination of the backups (undefined without `backupStore`). */
  public readonly backupDestination?: string;

  constructor(scope: Construct, id: string, props: CloudNativePgDatabaseProps) {
    super(scope, id);
    if (!(props.connection instanceof ClusterConnection)) {
      invalid(this, "connection", props.connection, "must be a ClusterConnection (cluster.connect(workloadsStack, ...))");
    }
    if (!(props.operator instanceof CloudNativePgOperator)) {
      invalid(this, "operator", props.operator, "must be a CloudNativePgOperator (platform stack) on the same cluster: without the operator nothing runs a Cluster");
    }
    if (props.operator.connection.cluster !== props.connection.cluster) {
      invalid(this, "operator", props.operator.node.path, "is installed on another cluster than this database's connection");
    }
    const stack = TerraformStack.of(this);
    const operatorStack = TerraformStack.of(props.operator);
    if (operatorStack === stack) {
      invalid(this, "operator", props.operator.node.path, "is in the same stack: create the database in a later (workloads) stack than the CloudNativePgOperator (its CRDs must exist when Terraform plans the Cluster)");
    }
    validateNamespaceName(this, "namespace", props.namespace);
    const clusterName = props.name as unknown;
    if (!isUnresolved(clusterName) && (typeof clusterName !== "string" || !CLUSTER_NAME.test(clusterName))) {
      invalid(
        this,
        "name",
        clusterName,
        `must be 1 to 50 lowercase letters, digits and '-', starting with a letter and ending with a letter or digit (the operator derives Service, Pod and Secret names from it)${typeof clusterName === "string" ? "" : `, not ${typeName(clusterName)}`}`,
      );
    }
    validateIdentifier(this, "databaseName", props.databaseName, DatabaseEngine.POSTGRES, 63);
    const owner = props.owner ?? props.databaseName;
    validateIdentifier(this, "owner", owner, DatabaseEngine.POSTGRES, 63);
    if (!isUnresolved(owner) && (owner === "postgres" || owner === "streaming_replica")) {
      invalid(this, "owner", owner, "is reserved by CloudNativePG (superuser and replication user); choose another name");
    }
    const instances = props.instances ?? 3;
    validateInteger(this, "instances", instances, 1, 9);
    validateBoolean(this, "allowFewerInstances", props.allowFewerInstances);
    if (!isUnresolved(instances) && instances < 3 && props.allowFewerInstances !== true) {
      invalid(this, "instances", instances, "must be at least 3 (a primary and two replicas on different nodes); set allowFewerInstances: true to accept less");
    }
    if (props.storageClass !== undefined) validateName(this, "storageClass", props.storageClass, NamingRule.DNS1123_SUBDOMAIN);
    const size = props.storageSizeGiB ?? 20;
    validateInteger(this, "storageSizeGiB", size, 1, 65536);
    const image = props.imageName ?? DEFAULT_IMAGE;
    validateNonEmpty(this, "imageName", image);
    if (!isUnresolved(image)) {
      const tagged = /@sha256:[a-f0-9]{64}$/.test(image) || /:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(image.split("/").pop() ?? "");
      if (!tagged || /:latest$/.test(image)) {
        invalid(this, "imageName", image, 'must pin a tag or digest (not "latest"), e.g. "ghcr.io/cloudnative-pg/postgresql:17.5"');
      }
    }
    const cpu = props.cpuMillis ?? 500;
    validateInteger(this, "cpuMillis", cpu, 100, 64000);
    const memory = props.memoryMiB ?? 1024;
    validateInteger(this, "memoryMiB", memory, 256, 262144);
    const pool = this.pickPool(props);

    // Backups.
    validateBoolean(this, "allowNoBackup", props.allowNoBackup);
    const retention = props.backupRetentionDays ?? 30;
    validateInteger(this, "backupRetentionDays", retention, 7, 365);
    const schedule = props.backupSchedule ?? "0 0 3 * * *";
    validateNonEmpty(this, "backupSchedule", schedule);
    if (!isUnresolved(schedule) && !SCHEDULE.test(schedule.trim())) {
      const fields = schedule.trim().split(/\s+/).length;
      invalid(
        this,
        "backupSchedule",
        schedule,
        `must have six cron fields with seconds first (e.g. "0 0 3 * * *" for 03:00 daily) or a descriptor such as "@daily"${fields === 5 ? "; this looks like a five-field Kubernetes CronJob schedule: prepend the seconds field" : ""}`,
      );
    }
    const prefix = props.backupPrefix ?? `cnpg/${props.namespace}/`;
    if (props.backupPrefix !== undefined) {
      validatePattern(this, "backupPrefix", props.backupPrefix, /^(?!\/)(?!.*\/\/)[A-Za-z0-9!_.*'()/-]+\/$/, 'must be an object key prefix such as "backups/postgres/": no leading \'/\', ending with \'/\', no \'//\'');
    }
    if (props.backupEndpointCaSecretName !== undefined) validateName(this, "backupEndpointCaSecretName", props.backupEndpointCaSecretName, NamingRule.DNS1123_SUBDOMAIN);
    const store = props.backupStore;
    const identity = props.backupIdentity;
    if (store === undefined) {
      if (props.allowNoBackup !== true) {
        invalid(this, "backupStore", undefined, "is required: base backups and the WAL archive go to the data lake; set allowNoBackup: true to run without backups");
      }
      for (const [prop, value] of [["backupIdentity", identity], ["backupPrefix", props.backupPrefix], ["backupEndpointCaSecretName", props.backupEndpointCaSecretName], ["backupRetentionDays", props.backupRetentionDays], ["backupSchedule", props.backupSchedule]] as const) {
        if (value !== undefined) invalid(this, prop, typeof value === "object" ? (value as IWorkloadIdentity).node.path : value, "only applies with backupStore");
      }
    } else if (identity === undefined) {
      invalid(this, "backupIdentity", undefined, "is required with backupStore: the identity the instances write backups with");
    }

    this.namespace = props.namespace;
    this.name = props.name;
    this.engine = DatabaseEngine.POSTGRES;
    this.host = `${props.name}-rw.${props.namespace}.svc`;
    this.port = 5432;
    this.databaseName = props.databaseName;
    this.tlsRequired = true;
    this.caSecretName = `${props.name}-ca`;
    this.credentials = { kind: SecretKind.KUBERNETES_SECRET, name: `${props.name}-app`, namespace: props.namespace };

    let backup: Record<string, any> | undefined;
    let serviceAccountTemplate: Record<string, any> | undefined;
    if (store !== undefined && identity !== undefined) {
      const b = this.backupConfiguration(store, identity, prefix, props.backupEndpointCaSecretName);
      backup = { barmanObjectStore: b.barmanObjectStore, retentionPolicy: `${retention}d` };
      serviceAccountTemplate = b.serviceAccountTemplate;
      this.backupDestination = b.barmanObjectStore.destinationPath;
      // Retention deletes old backups, so the writer needs delete within its prefix.
      store.grantReadWrite(identity, { prefix, allowDelete: true });
    }

    const namespaceResource = props.connection.namespaceResource(props.namespace);
    if (!namespaceResource) {
      // CloudNativePG instance pods run non-root with a RuntimeDefault seccomp profile and no capabilities.
      // No default-deny policy: the operator (another namespace) reaches each instance's status port.
      props.connection.addNamespace(props.namespace, { podSecurity: PodSecurityLevel.RESTRICTED, isolation: NamespaceIsolation.NONE });
    }

    const affinity: Record<string, any> = {
      enablePodAntiAffinity: true,
      topologyKey: "kubernetes.io/hostname",
      podAntiAffinityType: "required",
    };
    if (pool) {
      affinity.nodeSelector = Scheduling.nodeSelectorFor(pool);
      const tolerations = Scheduling.tolerationsFor(pool);
      if (tolerations.length > 0) affinity.tolerations = tolerations;
    }
    this.cluster = new CustomResource(this, "Resource", {
      connection: props.connection,
      manifest: {
        apiVersion: CloudNativePgOperator.API_VERSION,
        kind: "Cluster",
        metadata: { name: props.name, namespace: props.namespace, labels: { "app.kubernetes.io/managed-by": "strata" } },
        spec: {
          instances,
          imageName: image,
          primaryUpdateStrategy: "unsupervised",
          enableSuperuserAccess: false,
          enablePDB: true,
          bootstrap: { initdb: { database: props.databaseName, owner, dataChecksums: true } },
          storage: { size: `${size}Gi`, storageClass: props.storageClass, resizeInUseVolumes: true },
          resources: { requests: { cpu: `${cpu}m`, memory: `${memory}Mi` }, limits: { memory: `${memory}Mi` } },
          affinity,
          serviceAccountTemplate,
          backup,
        },
      },
    });
    if (store !== undefined) {
      this.scheduledBackup = new CustomResource(this, "ScheduledBackup", {
        connection: props.connection,
        manifest: {
          apiVersion: CloudNativePgOperator.API_VERSION,
          kind: "ScheduledBackup",
          metadata: { name: `${props.name}-daily`, namespace: props.namespace, labels: { "app.kubernetes.io/managed-by": "strata" } },
          spec: {
            cluster: { name: props.name },
            schedule,
            method: "barmanObjectStore",
            immediate: true,
            backupOwnerReference: "self",
            target: "prefer-standby",
          },
        },
      });
      this.scheduledBackup.resource.dependsOn = [dependable(this.cluster.resource)];
    }
    stack.addDependency(operatorStack);
  }

  /**
   * `postgresql://<name>-rw.<namespace>.svc:5432/<db>?sslmode=verify-full`; clients set
   * `sslrootcert` to `ca.crt` of Secret `caSecretName`.
   */
  public connectionUri(): string {
    return databaseUri(this.engine, this.host, this.port, this.databaseName, TlsVerification.FULL);
  }

  /**
   * Checks that the identity's workloads can read the credentials: the operator-made Secret
   * `<name>-app` can only be mounted by pods in the database's namespace. Nothing else to grant: the
   * Secret's user owns the database.
   */
  public grantConnect(identity: IWorkloadIdentity): void {
    if (identity.namespace !== this.namespace) {
      invalid(
        this,
        "identity",
        identity.node.path,
        `runs in namespace "${identity.namespace}", but the credentials Secret "${this.credentials.name}" is in "${this.namespace}": run the workload in "${this.namespace}" (a pod mounts Secrets of its own namespace only), or create the database in the workload's namespace`,
      );
    }
  }

  private pickPool(props: CloudNativePgDatabaseProps): NodePoolInfo | undefined {
    const cluster = props.connection.cluster;
    if (props.nodePoolName === undefined) {
      return cluster.nodePools.find((p) => p.purpose === NodePoolPurpose.GENERAL && p.capacityType !== CapacityType.SPOT);
    }
    validateNonEmpty(this, "nodePoolName", props.nodePoolName);
    const pool = cluster.nodePools.find((p) => p.name === props.nodePoolName);
    if (!pool) {
      const names = cluster.nodePools.map((p) => p.name).join(", ") || "none";
      invalid(this, "nodePoolName", props.nodePoolName, `must name a node pool of cluster "${cluster.clusterName}" (pools: ${names})`);
    }
    if (pool.capacityType === CapacityType.SPOT) {
      invalid(this, "nodePoolName", props.nodePoolName, "is a spot pool: a database instance must not be reclaimed with two minutes' notice; choose an on-demand pool");
    }
    return pool;
  }

  private backupConfiguration(
    store: IObjectStore,
    identity: IWorkloadIdentity,
    prefix: string,
    caSecret: string | undefined,
  ): { barmanObjectStore: Record<string, any>; serviceAccountTemplate?: Record<string, any> } {
    const destinationPath = `${store.uri}/${prefix.replace(/\/$/, "")}`;
    const common = { destinationPath, wal: { compression: "gzip" }, data: { compression: "gzip" } };
    if (store.kind === ObjectStoreKind.S3_COMPATIBLE) {
      if (identity.kind !== WorkloadIdentityKind.KUBERNETES_SECRET || identity.credentialsSecretName === undefined) {
        invalid(this, "backupIdentity", identity.node.path, `is a ${identity.kind} identity; an S3-compatible store needs a credentials-Secret identity (ExistingCluster.addWorkloadIdentity)`);
      }
      if (identity.namespace !== this.namespace) {
        invalid(this, "backupIdentity", identity.node.path, `has its credentials Secret in namespace "${identity.namespace}"; the instances read it from "${this.namespace}": create the identity in the database's namespace`);
      }
      if (store.endpoint === undefined) invalid(this, "backupStore", store.node.path, "is S3-compatible but has no endpoint");
      const secret = identity.credentialsSecretName;
      return {
        barmanObjectStore: {
          ...common,
          endpointURL: store.endpoint,
          endpointCA: caSecret !== undefined ? { name: caSecret, key: "ca.crt" } : undefined,
          s3Credentials: {
            accessKeyId: { name: secret, key: "AWS_ACCESS_KEY_ID" },
            secretAccessKey: { name: secret, key: "AWS_SECRET_ACCESS_KEY" },
          },
        },
      };
    }
    if (caSecret !== undefined) invalid(this, "backupEndpointCaSecretName", caSecret, "only applies to an S3-compatible store (cloud stores use public CAs)");
    // Cloud stores: the instances run as service account <name>; the identity's annotations bind it to the cloud identity.
    if (identity.namespace !== this.namespace || identity.serviceAccountName !== this.name) {
      invalid(
        this,
        "backupIdentity",
        identity.node.path,
        `is for service account "${identity.namespace}/${identity.serviceAccountName}"; CloudNativePG runs the instances as "${this.namespace}/${this.name}" (named after the cluster): create the identity for that account`,
      );
    }
    const serviceAccountTemplate = { metadata: { annotations: { ...identity.serviceAccountAnnotations } } };
    if (store.kind === ObjectStoreKind.S3) {
      return { barmanObjectStore: { ...common, s3Credentials: { inheritFromIAMRole: true } }, serviceAccountTemplate };
    }
    return { barmanObjectStore: { ...common, googleCredentials: { gkeEnvironment: true } }, serviceAccountTemplate };
  }
}
