import { Construct } from "constructs";
import { TerraformStack } from "cdktf";
import { CronJobV1 } from "@cdktf/provider-kubernetes/lib/cron-job-v1";
import { SecretV1 } from "@cdktf/provider-kubernetes/lib/secret-v1";
import { TerraformResource } from "cdktf";
import { ICache } from "../core/cache";
import { TrustedCaMount, trustedCaMount } from "../core/ca-trust";
import { IWorkloadIdentity, WorkloadIdentityKind } from "../core/cluster";
import { ClusterConnection } from "../core/connection";
import { CustomResource } from "../core/custom-resource";
import { IDatabase, SecretKind } from "../core/database";
import { NamingRule, validateName } from "../core/naming";
import { ObjectStoreKind } from "../core/object-store";
import { invalid, isUnresolved, typeName, validateBoolean, validateNamespaceName, validateNonEmpty } from "../core/validation";
import { ElastiCacheOnlineStore } from "./elasticache-online-store";
import { FeastOperator } from "./feature-store-operator";
import { OfflineStore } from "./feast-offline-store";
import { bindOfflineStore, ENTITY_KEY_SERIALIZATION_VERSION, FeastCaMount, materializationJob } from "./feast-internal";
import { MemorystoreOnlineStore } from "./memorystore-online-store";
import { ValkeyOnlineStore } from "./valkey";

/** The `feastProject` pattern of the FeatureStore CRD (v0.66.0). */
const FEAST_PROJECT = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;
/** Five-field cron expression or a predefined schedule (`@hourly`, ...). */
const CRON = /^(@(yearly|annually|monthly|weekly|daily|midnight|hourly)|(\S+\s+){4}\S+)$/;

/** Environment variables the generated store configuration expands (Feast expands `${VAR}` in its store settings). */
const ONLINE_PASSWORD_ENV = "STRATA_ONLINE_STORE_PASSWORD";
const REGISTRY_USER_ENV = "STRATA_REGISTRY_DB_USER";
const REGISTRY_PASSWORD_ENV = "STRATA_REGISTRY_DB_PASSWORD";
/** Where the Feast containers see the CA certificates they verify the stores with. */
const OBJECT_STORE_CA_DIR = "/etc/strata/object-store-ca";
const ONLINE_STORE_CA_DIR = "/etc/strata/online-store-ca";

/** Props of `FeatureStore`. */
export interface FeatureStoreProps {
  /** The cluster connection (workloads stack). */
  readonly connection: ClusterConnection;
  /** The Feast operator (platform stack) whose CRD this resource needs; this stack is applied after it. */
  readonly operator: FeastOperator;
  /** Namespace of the FeatureStore and its services (created beforehand, e.g. with `addNamespace`). */
  readonly namespace: string;
  /** Name of the FeatureStore resource (a DNS-1123 label); the operator names its objects `feast-<name>`. */
  readonly name: string;
  /**
   * The Feast project id (`project` in feature_store.yaml): a letter or digit, then letters,
   * digits, `_` or `-` (the CRD's pattern).
   */
  readonly feastProject: string;
  /**
   * The workload identity of the Feast servers: namespace `namespace`, service account
   * `feast-<name>` (the account the operator creates and runs every Feast pod as). It is granted
   * read on the offline store (plus the temporary writes of training retrieval on BigQuery and
   * Redshift), read-write on the registry prefix (object-store registry) and connect on the
   * online store and registry database.
   */
  readonly identity: IWorkloadIdentity;
  /**
   * The workload identity of the scheduled materialization job (a CronJob Strata emits, since the
   * operator's CronJob cannot take its own service account): namespace `namespace`, any service
   * account other than `feast-<name>`. It is granted read on the offline store (never write),
   * connect on the online store (its password Secret) and on the registry (SQL, or read-write on
   * the registry prefix, since materialization records its progress there).
   */
  readonly materializationIdentity: IWorkloadIdentity;
  /**
   * Offline store: `OfflineStore.lake(bucket)` (parquet files read by the feature views'
   * `FileSource`s), `OfflineStore.bigQuery({...})` or `OfflineStore.redshift({...})`.
   */
  readonly offlineStore: OfflineStore;
  /** Online store: a Redis-compatible cache (Valkey in the cluster, ElastiCache, Memorystore). */
  readonly onlineStore: ICache;
  /**
   * Kubernetes Secret (in `namespace`) holding the online store's password, for caches whose AUTH
   * secret lives in a cloud secret manager (sync it with External Secrets). Not needed when the
   * cache's `authSecret` is a Kubernetes Secret.
   * @default - the cache's own Kubernetes Secret
   */
  readonly onlineStorePasswordSecretName?: string;
  /**
   * Data key of the password in `onlineStorePasswordSecretName`.
   * @default "password"
   */
  readonly onlineStorePasswordSecretKey?: string;
  /**
   * Registry in SQL (PostgreSQL or MySQL). Without it the registry is a file in the lake offline
   * store under `registry/`; required with a BigQuery or Redshift offline store.
   * @default - `registry/registry.db` in the lake offline store
   */
  readonly registryDatabase?: IDatabase;
  /**
   * Kubernetes Secret (in `namespace`, keys `username` and `password`) with the registry database's
   * credentials, for databases whose credentials live in a cloud secret manager.
   * @default - the database's own Kubernetes Secret
   */
  readonly registryCredentialsSecretName?: string;
  /**
   * Schedule of the materialization job (offline to online), in cron syntax.
   * @default "0 * * * *" (hourly)
   */
  readonly materializationSchedule?: string;
  /**
   * HTTPS URL of the Git repository holding the Feast feature repository (feature views, entities,
   * sources), cloned by the operator and applied (`feast apply`) when the pods start.
   * @default - the operator's `feast init` skeleton (register definitions with `feast apply` from CI instead)
   */
  readonly featureRepoGitUrl?: string;
  /**
   * Commit (or tag) of `featureRepoGitUrl` to check out: pin a commit so training and serving read
   * the same definitions. Required with `featureRepoGitUrl`.
   * @default - none
   */
  readonly featureRepoGitRef?: string;
  /**
   * Directory of `feature_store.yaml` inside the repository (relative, no leading '/').
   * @default - the repository root
   */
  readonly featureRepoPath?: string;
  /**
   * Prometheus metrics of the online feature server (port 8000), including the feature freshness
   * gauges (`categories.freshness`), which upstream notes can be expensive with many feature views.
   * @default true
   */
  readonly freshnessMetrics?: boolean;
  /**
   * Name of a `kubernetes.io/tls` Secret (`tls.crt`, `tls.key`) the Feast servers serve TLS with.
   * Required unless `allowPlaintext: true`.
   * @default - none: `allowPlaintext` must be set
   */
  readonly tlsSecretName?: string;
  /**
   * Permit the Feast servers without TLS (no `tlsSecretName`).
   * @default false
   */
  readonly allowPlaintext?: boolean;
}

/**
 * A self-managed Feast feature store (`FeatureStore` `feast.dev/v1`, Feast operator v0.66.0) in
 * the workloads stack: the offline store on the lake (file/parquet), BigQuery or Redshift
 * (`OfflineStore`), a Redis-type online store on an `ICache`, the registry in SQL on an
 * `IDatabase` or in the lake, the online feature server, registry and offline servers in the
 * cluster with TLS and Kubernetes authorization, and an hourly materialization CronJob of its own
 * with its own identity. The construct grants both identities what they need (read on the
 * offline store, and so on; the job never writes the offline store) and fails synth when an
 * identity cannot be granted the offline store. Store settings go to Secrets with `${VAR}`
 * placeholders; passwords come from Secrets at run time.
 *
 * @example
 * const features = new FeatureStore(workloads, "Features", {
 *   connection, operator: feast, namespace: "feast", name: "ml", feastProject: "ml_features",
 *   identity, materializationIdentity, offlineStore: OfflineStore.lake(lake),
 *   onlineStore: valkey, tlsSecretName: "feast-tls",
 * });
 */
export class FeatureStore extends Construct {
  /** The FeatureStore custom resource. */
  public readonly resource: CustomResource;
  /** The Secret with the online store and registry settings (no passwords). */
  public readonly storeConfig: SecretV1;
  /** Name of the service account the operator runs Feast as (`feast-<name>`). */
  public readonly serviceAccountName: string;
  /** The materialization CronJob (`feast-<name>-materialize`), run as `materializationIdentity`. */
  public readonly materialization: CronJobV1;

  constructor(scope: Construct, id: string, props: FeatureStoreProps) {
    super(scope, id);
    validateNamespaceName(this, "namespace", props.namespace);
    validateName(this, "name", props.name, NamingRule.DNS1123_LABEL);
    if (props.feastProject === undefined || (!isUnresolved(props.feastProject) && (typeof props.feastProject !== "string" || !FEAST_PROJECT.test(props.feastProject)))) {
      invalid(this, "feastProject", props.feastProject, "must be a letter or digit, then letters, digits, '_' or '-' (the FeatureStore CRD's pattern ^[A-Za-z0-9][A-Za-z0-9_-]*$)");
    }
    if (!(props.operator instanceof FeastOperator)) invalid(this, "operator", props.operator, "must be a FeastOperator (platform stack)");
    if (props.operator.connection.cluster !== props.connection.cluster) {
      invalid(this, "operator", props.operator.node.path, "checks another cluster than this FeatureStore's connection");
    }
    validateBoolean(this, "allowPlaintext", props.allowPlaintext);
    if (props.tlsSecretName !== undefined) {
      validateName(this, "tlsSecretName", props.tlsSecretName, NamingRule.DNS1123_SUBDOMAIN);
      if (props.allowPlaintext === true) invalid(this, "allowPlaintext", true, "contradicts tlsSecretName: remove one of them");
    } else if (props.allowPlaintext !== true) {
      invalid(this, "tlsSecretName", undefined, "is required: give a TLS Secret (tls.crt, tls.key) for the Feast servers, or set allowPlaintext: true");
    }
    validateBoolean(this, "freshnessMetrics", props.freshnessMetrics);
    let projectDir: object | undefined;
    if (props.featureRepoGitUrl !== undefined) {
      const url: unknown = props.featureRepoGitUrl;
      if (!isUnresolved(url) && (typeof url !== "string" || !/^https:\/\/[A-Za-z0-9.-]+(:\d{1,5})?\/[^\s@]+$/.test(url))) {
        invalid(this, "featureRepoGitUrl", props.featureRepoGitUrl, "must be an https:// repository URL without credentials (a token goes in a Secret, not the URL)");
      }
      if (props.featureRepoGitRef === undefined) {
        invalid(this, "featureRepoGitRef", undefined, "is required with featureRepoGitUrl: pin a commit or tag so every pod and job reads the same feature definitions");
      }
      validateNonEmpty(this, "featureRepoGitRef", props.featureRepoGitRef);
      if (props.featureRepoPath !== undefined && !isUnresolved(props.featureRepoPath)) {
        if (typeof props.featureRepoPath !== "string" || props.featureRepoPath === "" || props.featureRepoPath.startsWith("/") || props.featureRepoPath.split("/").includes("..")) {
          invalid(this, "featureRepoPath", props.featureRepoPath, "must be a relative directory inside the repository (no leading '/', no '..')");
        }
      }
      projectDir = { git: { url: props.featureRepoGitUrl, ref: props.featureRepoGitRef, featureRepoPath: props.featureRepoPath } };
    } else if (props.featureRepoGitRef !== undefined || props.featureRepoPath !== undefined) {
      invalid(this, "featureRepoGitUrl", undefined, "is required with featureRepoGitRef or featureRepoPath");
    }
    const schedule = props.materializationSchedule ?? "0 * * * *";
    if (!isUnresolved(schedule) && (typeof schedule !== "string" || !CRON.test(schedule.trim()))) {
      invalid(this, "materializationSchedule", schedule, 'must be a cron schedule such as "0 * * * *" or "@hourly"');
    }

    // The identity: the operator's service account, able to read the offline store.
    const identity = props.identity;
    this.serviceAccountName = `feast-${props.name}`;
    if (identity === undefined || identity === null || typeof identity !== "object") {
      invalid(this, "identity", identity, "is required: the workload identity of service account feast-<name>");
    }
    if (!isUnresolved(identity.namespace) && identity.namespace !== props.namespace) {
      invalid(this, "identity", identity.node.path, `is for namespace "${identity.namespace}"; the Feast pods run in "${props.namespace}"`);
    }
    if (!isUnresolved(identity.serviceAccountName) && identity.serviceAccountName !== this.serviceAccountName) {
      invalid(
        this,
        "identity",
        identity.node.path,
        `is for service account "${identity.serviceAccountName}"; the Feast operator runs every Feast pod as "${this.serviceAccountName}" (feast-<name>)`,
      );
    }
    const job = this.validateMaterializationIdentity(props.materializationIdentity, props.namespace, identity);
    const storesSecret = `${this.serviceAccountName}-stores`;
    const offlineBinding = bindOfflineStore(this, props.offlineStore, identity, job, storesSecret);
    const offline = offlineBinding.lake;

    // Online store: Redis type, password from a Secret at run time.
    const online = props.onlineStore;
    if (online === undefined || online === null || typeof online !== "object" || typeof online.connectionUri !== "function") {
      invalid(this, "onlineStore", online, `must be an ICache, not ${typeName(online)}`);
    }
    // Feast's Redis client logs in with a password; an ElastiCache store with IAM authentication has none.
    if (online instanceof ElastiCacheOnlineStore && online.iamUser !== undefined) {
      invalid(
        this,
        "onlineStore",
        online.node.path,
        "uses IAM authentication, which Feast's Redis client cannot use (it logs in with a password): create the ElastiCacheOnlineStore with authentication: ElastiCacheAuthentication.AUTH_TOKEN",
      );
    }
    online.grantConnect(identity);
    online.grantConnect(job);
    const env: object[] = [];
    const onlinePassword = this.secretKey(
      "onlineStorePasswordSecretName",
      props.onlineStorePasswordSecretName,
      props.onlineStorePasswordSecretKey ?? "password",
      online.authSecret,
      props.namespace,
      "the online store's AUTH secret",
    );
    if (onlinePassword !== undefined) env.push({ name: ONLINE_PASSWORD_ENV, valueFrom: { secretKeyRef: onlinePassword } });
    // TLS verification of the online store. Feast passes every `key=value` of the connection string to
    // redis-py's client (RedisOnlineStore._parse_connection_string, read in Feast's source; not run here):
    // `ssl_cert_reqs=required` verifies the chain, `ssl_ca_certs` names the CA file, and
    // `ssl_check_hostname=true` checks the server name where the certificate carries it.
    const volumes: object[] = [];
    const volumeMounts: object[] = [];
    const ready: TerraformResource[] = [];
    const caMounts: FeastCaMount[] = [];
    const tlsParams: string[] = [];
    if (online.tlsEnabled) {
      tlsParams.push("ssl=true", "ssl_cert_reqs=required");
      let onlineCa: TrustedCaMount | undefined;
      if (online instanceof MemorystoreOnlineStore) {
        // Google-managed server CA: a public certificate (fine in state), in a Secret of the Feast namespace.
        const caSecret = new SecretV1(this, "OnlineStoreCa", {
          provider: props.connection.kubernetesProvider,
          metadata: { name: `${this.serviceAccountName}-online-store-ca`, namespace: props.namespace, labels: { "app.kubernetes.io/managed-by": "strata" } },
          data: { "ca.crt": online.serverCaCert },
        });
        onlineCa = { secretName: `${this.serviceAccountName}-online-store-ca`, key: "ca.crt", ready: caSecret };
        // No ssl_check_hostname: clients reach Memorystore by IP address, and whether its server
        // certificate names that address is not verified here; the chain is checked against the CA.
      } else if (online instanceof ValkeyOnlineStore && online.caCertificate !== undefined) {
        onlineCa = trustedCaMount(this, props.connection, online.caCertificate, props.namespace);
        tlsParams.push("ssl_check_hostname=true");
      } else {
        // ElastiCache (Amazon's certificates chain to public roots in the image's CA bundle) and other caches.
        tlsParams.push("ssl_check_hostname=true");
      }
      if (onlineCa !== undefined) {
        volumes.push({ name: "strata-online-store-ca", secret: { secretName: onlineCa.secretName, items: [{ key: onlineCa.key, path: "ca.crt" }] } });
        volumeMounts.push({ name: "strata-online-store-ca", mountPath: ONLINE_STORE_CA_DIR, readOnly: true });
        caMounts.push({ volumeName: "strata-online-store-ca", secretName: onlineCa.secretName, key: onlineCa.key, mountPath: ONLINE_STORE_CA_DIR });
        tlsParams.push(`ssl_ca_certs=${ONLINE_STORE_CA_DIR}/ca.crt`);
        if (onlineCa.ready !== undefined) ready.push(onlineCa.ready);
      }
    }
    // `$${...}` is Terraform's escape: the Secret holds `${VAR}` literally, which Feast expands at run time.
    const redis = [`${online.host}:${online.port}`, ...(onlinePassword ? [`password=$\${${ONLINE_PASSWORD_ENV}}`] : []), ...tlsParams];
    const storeConfig: Record<string, string> = { redis: `redis_type: redis\nconnection_string: "${redis.join(",")}"\n` };
    if (offlineBinding.secretEntry !== undefined) storeConfig[offlineBinding.secretEntry.key] = offlineBinding.secretEntry.yaml;
    let jobRegistry: string;

    // Registry: SQL on an IDatabase, or a file in the object store.
    let registryPersistence: object;
    const db = props.registryDatabase;
    if (db !== undefined) {
      db.grantConnect(identity);
      db.grantConnect(job);
      const user = this.secretKey("registryCredentialsSecretName", props.registryCredentialsSecretName, "username", db.credentials, props.namespace, "the registry database's credentials", true);
      const password = this.secretKey("registryCredentialsSecretName", props.registryCredentialsSecretName, "password", db.credentials, props.namespace, "the registry database's credentials", true);
      env.push({ name: REGISTRY_USER_ENV, valueFrom: { secretKeyRef: user } }, { name: REGISTRY_PASSWORD_ENV, valueFrom: { secretKeyRef: password } });
      const uri = db.connectionUri(); // no credentials; scheme://host:port/db?tls
      const sqlUri = uri.replace(/^(postgresql|mysql):\/\//, (_m, scheme: string) =>
        `${scheme === "postgresql" ? "postgresql+psycopg" : "mysql+pymysql"}://$\${${REGISTRY_USER_ENV}}:$\${${REGISTRY_PASSWORD_ENV}}@`,
      );
      storeConfig.sql = `path: ${sqlUri}\ncache_ttl_seconds: 60\n`;
      registryPersistence = { store: { type: "sql", secretRef: { name: storesSecret } } };
      jobRegistry = `registry:\n  registry_type: sql\n  path: ${sqlUri}\n  cache_ttl_seconds: 60\n`;
    } else {
      if (offline === undefined) {
        invalid(this, "registryDatabase", undefined, `is required with a ${props.offlineStore.kind} offline store: the file registry lives in a lake offline store's bucket`);
      }
      // The registry file is overwritten on every apply, and materialization records its progress in it.
      offline.grantReadWrite(identity, { prefix: "registry/", allowDelete: true });
      offline.grantReadWrite(job, { prefix: "registry/", allowDelete: true });
      registryPersistence = { file: { path: `${offline.uri}/registry/registry.db`, cache_ttl_seconds: 60 } };
      jobRegistry = `registry:\n  path: ${offline.uri}/registry/registry.db\n  cache_ttl_seconds: 60\n`;
    }
    if (offline !== undefined && offline.kind === ObjectStoreKind.S3_COMPATIBLE && offline.endpoint !== undefined) {
      // boto3 and pyarrow read the endpoint from AWS_ENDPOINT_URL (recent releases: an assumption, see docs/data.md).
      env.push({ name: "AWS_ENDPOINT_URL", value: offline.endpoint });
    }
    if (offline !== undefined && offline.kind === ObjectStoreKind.S3_COMPATIBLE && offline.caCertificate !== undefined) {
      // The store's private CA (SeaweedFS): a copy of its certificate in the Feast namespace. boto3
      // reads AWS_CA_BUNDLE; whether pyarrow's S3 filesystem honours it too is not verified (docs/data.md).
      const ca = trustedCaMount(this, props.connection, offline.caCertificate, props.namespace);
      volumes.push({ name: "strata-object-store-ca", secret: { secretName: ca.secretName, items: [{ key: ca.key, path: "ca.crt" }] } });
      volumeMounts.push({ name: "strata-object-store-ca", mountPath: OBJECT_STORE_CA_DIR, readOnly: true });
      caMounts.push({ volumeName: "strata-object-store-ca", secretName: ca.secretName, key: ca.key, mountPath: OBJECT_STORE_CA_DIR });
      env.push({ name: "AWS_CA_BUNDLE", value: `${OBJECT_STORE_CA_DIR}/ca.crt` });
      if (ca.ready !== undefined) ready.push(ca.ready);
    }
    const envFrom = identity.kind === WorkloadIdentityKind.KUBERNETES_SECRET ? [{ secretRef: { name: identity.credentialsSecretName } }] : undefined;

    this.storeConfig = new SecretV1(this, "StoreConfig", {
      provider: props.connection.kubernetesProvider,
      metadata: { name: storesSecret, namespace: props.namespace, labels: { "app.kubernetes.io/managed-by": "strata" } },
      data: storeConfig,
    });
    // The operator adopts a service account of its name; creating it here carries the identity's annotations.
    // Token mounted: with `authz.kubernetes` the Feast servers review callers' tokens and read
    // RoleBindings with their own, and the CRD has no per-pod automount field, so the account's
    // setting decides. (The materialization job talks to the stores directly: no token.)
    props.connection.addServiceAccount(identity, { automountToken: true });
    // Scheduled materialization: Strata's own CronJob with its own identity and config.
    const jobYaml =
      `project: ${props.feastProject}\nprovider: local\n${jobRegistry}` +
      `online_store:\n  type: redis\n  redis_type: redis\n  connection_string: "${redis.join(",")}"\n` +
      `${offlineBinding.jobSection}entity_key_serialization_version: ${ENTITY_KEY_SERIALIZATION_VERSION}\n`;
    this.materialization = materializationJob(this, {
      connection: props.connection,
      namespace: props.namespace,
      name: props.name,
      identity: job,
      schedule,
      featureStoreYaml: jobYaml,
      env: env as any[],
      // The job talks to the same stores as the servers: it trusts the same CAs.
      caMounts,
      dependsOn: ready,
    }).cronJob;

    const tls = props.tlsSecretName === undefined ? { disable: true } : { secretRef: { name: props.tlsSecretName } };
    // The materialization CronJob runs its commands in these server containers, so it sees the same mounts.
    const server = { env: env.length > 0 ? env : undefined, envFrom, tls, volumeMounts: volumeMounts.length > 0 ? volumeMounts : undefined };
    this.resource = new CustomResource(this, "Resource", {
      connection: props.connection,
      manifest: {
        apiVersion: "feast.dev/v1",
        kind: "FeatureStore",
        metadata: { name: props.name, namespace: props.namespace },
        spec: {
          feastProject: props.feastProject,
          feastProjectDir: projectDir,
          authz: { kubernetes: { roles: ["feast-reader", "feast-writer"] } },
          // The operator's CronJob runs `kubectl exec` into the servers (their identity): kept suspended, Strata's job materializes.
          cronJob: { suspend: true },
          services: {
            securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
            volumes: volumes.length > 0 ? volumes : undefined,
            offlineStore: { persistence: offlineBinding.persistence, server },
            onlineStore: {
              persistence: { store: { type: "redis", secretRef: { name: `${this.serviceAccountName}-stores` } } },
              server: { ...server, metrics: props.freshnessMetrics === false ? undefined : true },
              serving:
                props.freshnessMetrics === false
                  ? undefined
                  : { metrics: { enabled: true, categories: { materialization: true, freshness: true } } },
            },
            registry: { local: { persistence: registryPersistence, server } },
          },
        },
      },
    });
    // depends_on (construct-tree dependencies do not reach Terraform): the settings Secret and the CA copies first.
    this.resource.resource.dependsOn = [...(this.resource.resource.dependsOn ?? []), this.storeConfig.fqn, ...ready.map((r) => r.fqn)];
    // Apply after the stack that checks the operator's CRD.
    const stack = TerraformStack.of(this);
    const operatorStack = TerraformStack.of(props.operator);
    if (operatorStack === stack) {
      invalid(this, "operator", props.operator.node.path, "is in the same stack: create the FeatureStore in a later (workloads) stack than the FeastOperator");
    }
    stack.addDependency(operatorStack);
  }

  /** The materialization job's identity: in the Feast namespace, not the servers' service account. */
  private validateMaterializationIdentity(job: IWorkloadIdentity, namespace: string, servers: IWorkloadIdentity): IWorkloadIdentity {
    if (job === undefined || job === null || typeof job !== "object") {
      invalid(this, "materializationIdentity", job, "is required: the workload identity of the materialization job (e.g. cluster.addWorkloadIdentity(..., { serviceAccountName: \"feast-<name>-materialize\" }))");
    }
    if (job === servers || (!isUnresolved(job.serviceAccountName) && job.serviceAccountName === this.serviceAccountName)) {
      invalid(this, "materializationIdentity", job.node.path, `is the Feast servers' identity (service account "${this.serviceAccountName}"); the job needs its own service account`);
    }
    if (!isUnresolved(job.namespace) && job.namespace !== namespace) {
      invalid(this, "materializationIdentity", job.node.path, `is for namespace "${job.namespace}"; the job runs in "${namespace}", where the store Secrets are`);
    }
    return job;
  }

  /** A `secretKeyRef` for a password: the given Kubernetes Secret, or the store's own one. */
  private secretKey(
    prop: string,
    name: string | undefined,
    key: string,
    secret: { kind: SecretKind; name: string; key?: string; namespace?: string } | undefined,
    namespace: string,
    what: string,
    fixedKey = false,
  ): { name: string; key: string } | undefined {
    if (name !== undefined) {
      validateName(this, prop, name, NamingRule.DNS1123_SUBDOMAIN);
      return { name, key };
    }
    if (secret === undefined) return undefined;
    if (secret.kind !== SecretKind.KUBERNETES_SECRET) {
      invalid(this, prop, undefined, `is required: ${what} is in ${secret.kind}, which pods cannot read as a Secret; sync it into a Kubernetes Secret in "${namespace}" and name it here`);
    }
    if (secret.namespace !== undefined && secret.namespace !== namespace) {
      invalid(this, prop, undefined, `is required: ${what} (Secret "${secret.name}") is in namespace "${secret.namespace}", and the Feast pods in "${namespace}" can only read Secrets of their own namespace`);
    }
    return { name: secret.name, key: fixedKey ? key : secret.key ?? key };
  }
}
