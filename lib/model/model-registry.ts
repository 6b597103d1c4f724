import { Construct } from "constructs";
import { Lazy } from "cdktf";
import { NetworkPolicyV1 } from "@cdktf/provider-kubernetes/lib/network-policy-v1";
import { ServiceAccountV1 } from "@cdktf/provider-kubernetes/lib/service-account-v1";
import { IWorkloadIdentity, NodePoolInfo, NodePoolPurpose, WorkloadIdentityKind } from "../core/cluster";
import { ClusterConnection, PodSecurityLevel } from "../core/connection";
import { DatabaseEngine, IDatabase, SecretKind } from "../core/database";
import { validateKubernetesSecret } from "../core/database-internal";
import { HelmChart, PinnedChart } from "../core/helm-chart";
import { MANAGED_BY_LABELS } from "../core/labels";
import { IModelRegistry, ModelAlias, RegistryClientEnvVar, RegistryClientOptions } from "../core/model-registry";
import { NamingRule, validateName } from "../core/naming";
import { IObjectStore, ObjectStoreKind } from "../core/object-store";
import { Scheduling } from "../core/scheduling";
import { storeBasePath, validateModelName } from "./registry-internal";
import {
  invalid,
  isUnresolved,
  validateBoolean,
  validateEnum,
  validateInteger,
  validateNamespaceName,
  validateNonEmpty,
  validateStringList,
  validateUniqueList,
  warn,
} from "../core/validation";

/** MLflow version of the pinned chart (1.11.5, appVersion 3.15.1); pinned explicitly as the image tag. */
const MLFLOW_IMAGE_TAG = "3.15.1";
/** The image the chart runs (`burakince/mlflow`: MLflow with psycopg2, boto3 and google-cloud-storage). */
const MLFLOW_IMAGE = "burakince/mlflow";
/** Port the MLflow container listens on (the chart's `service.containerPort`). */
const CONTAINER_PORT = 5000;
/** Port of the ClusterIP Service (the chart's `service.port`). */
const SERVICE_PORT = 80;
/** Where the database CA certificate is mounted. */
const DB_CA_DIR = "/etc/strata/db-ca";
const QUANTITY = /^([1-9][0-9]*|[0-9]+\.[0-9]+)(m|Ki|Mi|Gi|Ti|k|M|G|T)?$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;
/** A key prefix: no leading '/', ends with '/', no wildcards, '//' or '..'. */
const PREFIX = /^(?!\/)(?!.*\/\/)(?!.*\.\.)[A-Za-z0-9_.=\/-]*\/$/;
/** One DNS label of a host name (lowercase; the Host header is compared as sent). */
const HOST_LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
/** A host name, optionally with a leading `*.` wildcard and a `:port` (or `:*`). */
const ALLOWED_HOST = new RegExp(`^(\\*\\.)?${HOST_LABEL}(\\.${HOST_LABEL})*(:([1-9][0-9]{0,4}|\\*))?$`);
/** PostgreSQL identifier (unquoted). */
const PG_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$]{0,62}$/;

/** How MLflow clients reach the artifact store. */
export enum ArtifactAccess {
  /**
   * The tracking server proxies artifact uploads and downloads (`--serve-artifacts`, artifact URIs
   * `mlflow-artifacts:/...`): only the server's identity has bucket access; clients need only an
   * MLflow login. The default.
   */
  PROXIED = "proxied",
  /**
   * Clients read and write the bucket themselves (`--default-artifact-root=<bucket>/<prefix>`):
   * `grantClient` grants each client identity read-write on the artifact prefix. Large artifacts
   * then skip the server, at the price of bucket access for every client.
   */
  DIRECT = "direct",
}

/** Default permission MLflow's basic-auth app gives every user on resources it has no explicit permission for. */
export enum MlflowPermission {
  /** Read experiments, runs and registered models. The default. */
  READ = "READ",
  /** Read and update. */
  EDIT = "EDIT",
  /** Read, update, delete and manage permissions. */
  MANAGE = "MANAGE",
  /** Nothing without an explicit permission. */
  NO_PERMISSIONS = "NO_PERMISSIONS",
}

/** Ingress for the MLflow UI and API: only with TLS. */
export interface ModelRegistryIngress {
  /** Host name users reach MLflow at, e.g. `mlflow.example.com` (added to the allowed hosts). */
  readonly host: string;
  /** Name of a `kubernetes.io/tls` Secret (in the namespace) with the certificate for `host`, e.g. from cert-manager. */
  readonly tlsSecretName: string;
  /**
   * IngressClass name.
   * @default - the cluster's default IngressClass
   */
  readonly className?: string;
  /**
   * Namespace of the ingress controller, admitted to the MLflow pods by the namespace's NetworkPolicy.
   * @default - none: only same-namespace pods and `clientNamespaces` may reach MLflow
   */
  readonly controllerNamespace?: string;
}

/** Props of `ModelRegistry`. */
export interface ModelRegistryProps {
  /** The cluster connection (platform stack) to install the chart through. */
  readonly connection: ClusterConnection;
  /**
   * The workload identity the tracking server runs as (from `cluster.addWorkloadIdentity`). Its
   * namespace is MLflow's namespace (created here with restricted Pod Security and default-deny
   * ingress unless the connection already has it); its service account is created here. It gets
   * read-write on the artifact prefix of `artifactStore`.
   */
  readonly identity: IWorkloadIdentity;
  /**
   * Helm release name (DNS-1123 label). The Service is named after it (`<release>` when it contains
   * "mlflow", else `<release>-mlflow`).
   * @default "mlflow"
   */
  readonly releaseName?: string;
  /** The backend store: a PostgreSQL `IDatabase` (runs, experiments, registered models). */
  readonly database: IDatabase;
  /**
   * Kubernetes Secret (in MLflow's namespace) with the database user name and password. The
   * password never goes through Terraform: for a database whose credentials are in AWS Secrets
   * Manager or Google Secret Manager, sync them into this Secret with External Secrets.
   * @default - `database.credentials.name` when the credentials are a Kubernetes Secret in MLflow's namespace (CloudNativePG `<cluster>-app`); otherwise required
   */
  readonly databaseSecretName?: string;
  /**
   * Data key of the user name in the database Secret.
   * @default "username"
   */
  readonly databaseUsernameKey?: string;
  /**
   * Data key of the password in the database Secret.
   * @default - `database.credentials.key` when the Secret is the database's own, else "password"
   */
  readonly databasePasswordKey?: string;
  /**
   * Secret (in MLflow's namespace) with the CA certificate that signs the database server's
   * certificate; the connection then verifies the server (`sslmode=verify-full`, or `verify-ca` for
   * Cloud SQL). Required when the database requires TLS, unless `allowUnverifiedDatabaseTls`.
   * @default - none
   */
  readonly databaseCaSecretName?: string;
  /**
   * Data key of the CA certificate in `databaseCaSecretName`.
   * @default "ca.crt"
   */
  readonly databaseCaSecretKey?: string;
  /**
   * Connect to a TLS database without verifying its certificate (`sslmode=require`): encrypted but
   * open to a man in the middle.
   * @default false
   */
  readonly allowUnverifiedDatabaseTls?: boolean;
  /**
   * Database (same server and user) for the basic-auth app's users and permissions. It must exist
   * before MLflow starts; MLflow creates its tables.
   * @default - `<databaseName>_auth`
   */
  readonly authDatabaseName?: string;
  /** The artifact store (typically the lake's models zone, `lake.zone(LakeZone.MODELS)`). */
  readonly artifactStore: IObjectStore;
  /**
   * Key prefix (relative to the store's root) for MLflow's artifacts.
   * @default "mlflow/"
   */
  readonly artifactPrefix?: string;
  /**
   * Also allow deleting artifacts under the prefix (needed by `mlflow gc` to purge deleted runs).
   * @default false
   */
  readonly allowArtifactDelete?: boolean;
  /**
   * Whether clients go through the server for artifacts or to the bucket directly.
   * @default ArtifactAccess.PROXIED
   */
  readonly artifactAccess?: ArtifactAccess;
  /**
   * AWS region of the bucket (S3 only), set as `AWS_DEFAULT_REGION`.
   * @default - the SDK's region resolution (EKS Pod Identity and IRSA set it)
   */
  readonly region?: string;
  /**
   * Existing Secret (in MLflow's namespace) with keys `username` and `password` for the MLflow
   * administrator that the basic-auth app creates. Authentication is always on.
   */
  readonly adminSecretName: string;
  /**
   * Permission every authenticated user has on resources without an explicit permission.
   * @default MlflowPermission.READ
   */
  readonly defaultPermission?: MlflowPermission;
  /**
   * Expose MLflow through an Ingress with TLS.
   * @default - no Ingress: a ClusterIP Service only
   */
  readonly ingress?: ModelRegistryIngress;
  /**
   * Extra values accepted in the `Host` header (MLflow 3.5+ rejects others): host names with an
   * optional `:port` or `:*`, or `*.domain` wildcards. The Service's in-cluster names, localhost
   * (for `kubectl port-forward`) and the ingress host are always allowed.
   * @default []
   */
  readonly allowedHosts?: string[];
  /**
   * Namespaces whose pods may reach MLflow (admitted by a NetworkPolicy). `grantClient` adds the
   * identity's namespace.
   * @default []
   */
  readonly clientNamespaces?: string[];
  /**
   * Number of tracking-server replicas (the backend and auth stores are shared, so replicas agree).
   * @default 2
   */
  readonly replicas?: number;
  /**
   * Node pool the server runs on: a SYSTEM or GENERAL pool (its labels become the node selector,
   * its taints are tolerated).
   * @default - the cluster's first SYSTEM pool, else its first GENERAL pool, else no node selector
   */
  readonly nodePoolName?: string;
  /**
   * Image digest (`sha256:<64 hex>`) of `burakince/mlflow:3.15.1`, for immutable pulls.
   * @default - the tag only
   */
  readonly imageDigest?: string;
  /**
   * CPU request of the server container.
   * @default "500m"
   */
  readonly cpuRequest?: string;
  /**
   * Memory request of the server container.
   * @default "1Gi"
   */
  readonly memoryRequest?: string;
  /**
   * Memory limit of the server container.
   * @default "2Gi"
   */
  readonly memoryLimit?: string;
}

/**
 * MLflow tracking server and model registry (chart `mlflow` 1.11.5 from community-charts, app
 * 3.15.1) in the platform stack, implementing `IModelRegistry`:
 * - backend store on a PostgreSQL `IDatabase`, user and password from an existing Kubernetes Secret
 *   (never in values or state), TLS verified with the database's CA;
 * - artifacts on an `IObjectStore` prefix, reached with the server's workload identity (S3: IAM role,
 *   GCS: Google service account, S3-compatible: the identity's credentials Secret), proxied to clients
 *   by default;
 * - basic-auth on (admin from an existing Secret, users and permissions in a PostgreSQL database),
 *   `MLFLOW_SERVER_ALLOWED_HOSTS` set to the Service's names, localhost and the ingress host;
 * - a ClusterIP Service, an optional Ingress with TLS, non-root pods with a read-only root file
 *   system, requests and limits, placement on a system or general pool, and a NetworkPolicy that
 *   admits only the client namespaces.
 *
 * @example
 * const identity = cluster.addWorkloadIdentity("Mlflow", { namespace: "mlflow", serviceAccountName: "mlflow" });
 * const registry = new ModelRegistry(platform, "Registry", {
 *   connection, identity, database: mlflowDb, databaseSecretName: "mlflow-db", databaseCaSecretName: "db-ca",
 *   artifactStore: lake.zone(LakeZone.MODELS), adminSecretName: "mlflow-admin", clientNamespaces: ["training"],
 * });
 * registry.modelUri("churn", ModelAlias.PRODUCTION); // "models:/churn@production"
 */
export class ModelRegistry extends Construct implements IModelRegistry {
  /** Name of the Secret clients read their MLflow login from when `clientEnvironment` is not given one. */
  public static readonly DEFAULT_CLIENT_SECRET_NAME = "mlflow-client-credentials";

  /** In-cluster tracking URI, `http://<service>.<namespace>.svc.cluster.local:80`. */
  public readonly trackingUri: string;
  /** The Helm release. */
  public readonly chart: HelmChart;
  /** The service account the server runs as. */
  public readonly serviceAccount: ServiceAccountV1;
  /** MLflow's namespace (the identity's). */
  public readonly namespace: string;
  /** Name of the ClusterIP Service. */
  public readonly serviceName: string;
  /** URI of the artifact location, `<store uri>/<artifactPrefix>` (ends with '/'). */
  public readonly artifactUri: string;
  /** How clients reach artifacts. */
  public readonly artifactAccess: ArtifactAccess;
  /** The values of `MLFLOW_SERVER_ALLOWED_HOSTS`. */
  public readonly allowedHosts: string[];
  /** The NetworkPolicy admitting client namespaces to the MLflow pods. */
  public readonly networkPolicy: NetworkPolicyV1;

  private readonly store: IObjectStore;
  private readonly artifactPrefix: string;
  private readonly allowDelete: boolean;
  private readonly clientNamespaceSet: string[] = [];
  private readonly connection: ClusterConnection;

  constructor(scope: Construct, id: string, props: ModelRegistryProps) {
    super(scope, id);
    if (props === undefined || props === null || typeof props !== "object") invalid(this, "props", props, "must be a ModelRegistryProps object");
    if (!(props.connection instanceof ClusterConnection)) invalid(this, "connection", props.connection, "must be a ClusterConnection (cluster.connect(platformStack, ...))");
    const identity = props.identity;
    if (identity === undefined || identity === null || typeof identity !== "object" || typeof identity.namespace !== "string") {
      invalid(this, "identity", identity, "must be an IWorkloadIdentity (cluster.addWorkloadIdentity(...))");
    }
    const namespace = identity.namespace;
    validateNamespaceName(this, "identity.namespace", namespace);
    const releaseName = props.releaseName ?? "mlflow";
    validateName(this, "releaseName", releaseName, NamingRule.DNS1123_LABEL);
    if (!isUnresolved(releaseName) && releaseName.length > 53) invalid(this, "releaseName", releaseName, "must be at most 53 characters (Helm's release name limit)");
    this.connection = props.connection;
    this.namespace = namespace;
    this.serviceName = releaseName.includes("mlflow") ? releaseName : `${releaseName}-mlflow`.slice(0, 63).replace(/-+$/, "");

    // ---- backend store ----
    const db = props.database;
    if (db === undefined || db === null || typeof db !== "object" || typeof db.connectionUri !== "function") {
      invalid(this, "database", db, "must be an IDatabase (a PostgreSQL database construct or reference)");
    }
    if (db.engine !== DatabaseEngine.POSTGRES) {
      invalid(
        this,
        "database",
        db.engine,
        "must be a PostgreSQL database: the chart keeps the basic-auth users only in PostgreSQL and passes TLS settings to PostgreSQL only (libpq PGSSLMODE); MySQL is not supported by ModelRegistry",
      );
    }
    const credentials = db.credentials;
    const ownSecret = credentials?.kind === SecretKind.KUBERNETES_SECRET && (credentials.namespace === undefined || credentials.namespace === namespace);
    if (props.databaseSecretName === undefined && !ownSecret) {
      const where =
        credentials?.kind === SecretKind.KUBERNETES_SECRET
          ? `Kubernetes Secret "${credentials.namespace}/${credentials.name}", and MLflow's pods in "${namespace}" can only read Secrets of their own namespace`
          : `${credentials?.kind ?? "an unknown place"} ("${credentials?.name}"), which pods cannot read as a Secret`;
      invalid(
        this,
        "databaseSecretName",
        undefined,
        `is required: the database's credentials are in ${where}; sync them (keys username and password) into a Kubernetes Secret in "${namespace}" ` +
          "with External Secrets and name it here (the password never goes through Terraform)",
      );
    }
    const dbSecret = props.databaseSecretName ?? credentials.name;
    const usernameKey = props.databaseUsernameKey ?? "username";
    const passwordKey = props.databasePasswordKey ?? (props.databaseSecretName === undefined ? credentials.key : undefined) ?? "password";
    validateKubernetesSecret(this, "databaseSecret", dbSecret, passwordKey, undefined);
    validateKubernetesSecret(this, "databaseSecret", dbSecret, usernameKey, undefined);
    const authDatabase = props.authDatabaseName ?? `${db.databaseName}_auth`;
    if (props.authDatabaseName !== undefined) {
      validateNonEmpty(this, "authDatabaseName", props.authDatabaseName);
      if (!isUnresolved(props.authDatabaseName) && !PG_IDENTIFIER.test(props.authDatabaseName)) {
        invalid(this, "authDatabaseName", props.authDatabaseName, "must be a PostgreSQL database name: a letter or '_', then up to 62 letters, digits, '_' or '$'");
      }
    }
    const dbEnv = this.databaseTls(db, props);
    const dbVolumes =
      props.databaseCaSecretName === undefined || !db.tlsRequired
        ? {}
        : {
            extraVolumes: [{ name: "db-ca", secret: { secretName: props.databaseCaSecretName, items: [{ key: props.databaseCaSecretKey ?? "ca.crt", path: "ca.crt" }] } }],
            extraVolumeMounts: [{ name: "db-ca", mountPath: DB_CA_DIR, readOnly: true }],
          };

    // ---- artifact store ----
    const store = props.artifactStore;
    if (store === undefined || store === null || typeof store !== "object" || typeof store.grantReadWrite !== "function") {
      invalid(this, "artifactStore", store, "must be an IObjectStore (a data-lake zone or a bucket reference)");
    }
    const needed = IDENTITY_FOR_STORE[store.kind];
    if (needed === undefined) invalid(this, "artifactStore", store.kind, "must be an s3, gcs or s3-compatible store");
    if (identity.kind !== needed) {
      invalid(
        this,
        "artifactStore",
        store.node.path,
        `is a ${store.kind} store, which can be granted only to a ${needed} identity, and identity ${identity.node.path} is a ${identity.kind} identity ` +
          "(S3: EksCluster.addWorkloadIdentity; GCS: GkeCluster.addWorkloadIdentity; S3-compatible: ExistingCluster.addWorkloadIdentity)",
      );
    }
    const prefix = props.artifactPrefix ?? "mlflow/";
    if (!isUnresolved(prefix) && (typeof prefix !== "string" || !PREFIX.test(prefix) || prefix === "/")) {
      invalid(this, "artifactPrefix", prefix, "must be a key prefix such as \"mlflow/\": ends with '/', no leading '/', no '//', '..' or wildcards");
    }
    validateBoolean(this, "allowArtifactDelete", props.allowArtifactDelete);
    validateEnum(this, "artifactAccess", props.artifactAccess, ArtifactAccess, "ArtifactAccess");
    const access = props.artifactAccess ?? ArtifactAccess.PROXIED;
    if (props.region !== undefined) {
      validateNonEmpty(this, "region", props.region);
      if (store.kind !== ObjectStoreKind.S3) invalid(this, "region", props.region, "applies to Amazon S3 stores only");
    }
    this.store = store;
    this.artifactPrefix = prefix;
    this.allowDelete = props.allowArtifactDelete === true;
    this.artifactAccess = access;
    store.grantReadWrite(identity, { prefix, ...(this.allowDelete ? { allowDelete: true } : {}) });
    const path = `${storeBasePath(store)}${prefix}`.replace(/\/$/, "");
    this.artifactUri = `${store.uri}/${prefix}`;
    const artifactRoot: Record<string, any> = { proxiedArtifactStorage: access === ArtifactAccess.PROXIED };
    const storeEnv: Record<string, string> = {};
    if (store.kind === ObjectStoreKind.GCS) {
      // GKE Workload Identity: no key file; google-cloud-storage uses the metadata server.
      artifactRoot.gcs = { enabled: true, bucket: store.bucketName, path };
    } else {
      artifactRoot.s3 = { enabled: true, bucket: store.bucketName, path };
      if (store.kind === ObjectStoreKind.S3_COMPATIBLE) {
        // The on-prem identity's credentials Secret (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY).
        artifactRoot.s3.existingSecret = { name: identity.credentialsSecretName, keyOfAccessKeyId: "AWS_ACCESS_KEY_ID", keyOfSecretAccessKey: "AWS_SECRET_ACCESS_KEY" };
        if (store.endpoint !== undefined) storeEnv.MLFLOW_S3_ENDPOINT_URL = store.endpoint;
      } else if (props.region !== undefined) {
        // S3 on EKS: Pod Identity / IRSA; boto3's default chain finds the credentials, never keys.
        storeEnv.AWS_DEFAULT_REGION = props.region;
      }
    }

    // ---- auth, hosts, ingress ----
    validateName(this, "adminSecretName", props.adminSecretName, NamingRule.DNS1123_SUBDOMAIN);
    validateEnum(this, "defaultPermission", props.defaultPermission, MlflowPermission, "MlflowPermission");
    const ingress = props.ingress;
    if (ingress !== undefined) {
      if (ingress === null || typeof ingress !== "object") invalid(this, "ingress", ingress, "must be a ModelRegistryIngress object");
      validateName(this, "ingress.host", ingress.host, NamingRule.DNS1123_SUBDOMAIN);
      if (ingress.tlsSecretName === undefined) invalid(this, "ingress.tlsSecretName", undefined, "is required: MLflow is exposed only over TLS");
      validateName(this, "ingress.tlsSecretName", ingress.tlsSecretName, NamingRule.DNS1123_SUBDOMAIN);
      if (ingress.className !== undefined) validateName(this, "ingress.className", ingress.className, NamingRule.DNS1123_SUBDOMAIN);
      if (ingress.controllerNamespace !== undefined) validateNamespaceName(this, "ingress.controllerNamespace", ingress.controllerNamespace);
    }
    const extraHosts = props.allowedHosts ?? [];
    validateStringList(this, "allowedHosts", extraHosts, '["mlflow.internal.example.com", "*.example.com"]');
    for (const host of extraHosts) {
      if (isUnresolved(host)) continue;
      if (host === "*") {
        invalid(this, "allowedHosts", host, "must not be \"*\": it turns off MLflow's Host-header check (DNS-rebinding protection); list the host names clients use");
      }
      if (!ALLOWED_HOST.test(host) || host.length > 253) {
        invalid(
          this,
          "allowedHosts",
          host,
          'must be a lowercase host name with an optional ":port" or ":*", or a "*.domain" wildcard, e.g. "mlflow.example.com" or "*.example.com:8443" (no scheme, path, comma or whitespace)',
        );
      }
    }
    validateUniqueList(this, "allowedHosts", extraHosts, "host");
    const svc = this.serviceName;
    const inCluster = [svc, `${svc}.${namespace}`, `${svc}.${namespace}.svc`, `${svc}.${namespace}.svc.cluster.local`];
    const hosts = [
      ...inCluster.flatMap((h) => [h, `${h}:${SERVICE_PORT}`]),
      // kubectl port-forward
      "localhost",
      "localhost:*",
      "127.0.0.1",
      "127.0.0.1:*",
      ...(ingress === undefined ? [] : [ingress.host]),
      ...extraHosts,
    ];
    this.allowedHosts = [...new Set(hosts)];
    this.trackingUri = `http://${svc}.${namespace}.svc.cluster.local:${SERVICE_PORT}`;

    // ---- clients, placement, resources ----
    const clientNamespaces = props.clientNamespaces ?? [];
    validateStringList(this, "clientNamespaces", clientNamespaces, '["training", "pipelines"]');
    for (const ns of clientNamespaces) validateNamespaceName(this, "clientNamespaces", ns);
    validateUniqueList(this, "clientNamespaces", clientNamespaces, "namespace");
    this.clientNamespaceSet.push(...clientNamespaces.filter((n) => n !== namespace));
    validateInteger(this, "replicas", props.replicas, 1, 10);
    const replicas = props.replicas ?? 2;
    if (props.imageDigest !== undefined && !isUnresolved(props.imageDigest) && (typeof props.imageDigest !== "string" || !DIGEST.test(props.imageDigest))) {
      invalid(this, "imageDigest", props.imageDigest, 'must be an image digest "sha256:<64 lowercase hex digits>"');
    }
    const cpuRequest = quantity(this, "cpuRequest", props.cpuRequest ?? "500m");
    const memoryRequest = quantity(this, "memoryRequest", props.memoryRequest ?? "1Gi");
    const memoryLimit = quantity(this, "memoryLimit", props.memoryLimit ?? "2Gi");
    const pool = this.pickPool(props.nodePoolName);
    const placement: Record<string, any> = {};
    if (pool !== undefined) {
      placement.nodeSelector = Scheduling.nodeSelectorFor(pool);
      const tolerations = Scheduling.tolerationsFor(pool);
      if (tolerations.length > 0) placement.tolerations = tolerations;
      if (pool.purpose === NodePoolPurpose.SYSTEM) {
        props.connection.cluster.addSystemWorkload({ name: `mlflow-${namespace}-${releaseName}`, cpuMillis: millicores(cpuRequest), memoryMiB: mebibytes(memoryRequest), replicas });
      }
    }

    // ---- Kubernetes objects ----
    const namespaceResource = props.connection.namespaceResource(namespace) ?? props.connection.addNamespace(namespace, { podSecurity: PodSecurityLevel.RESTRICTED });
    this.serviceAccount = props.connection.addServiceAccount(identity, { automountToken: false });
    // MLflow's own namespace is always listed, so the `In` list is never empty (the API server rejects an empty one).
    const fromNamespaces = Lazy.listValue({ produce: () => [namespace, ...[...this.clientNamespaceSet].sort()] });
    this.networkPolicy = new NetworkPolicyV1(this, "ClientAccess", {
      provider: props.connection.kubernetesProvider,
      metadata: { name: `${this.serviceName}-clients`.slice(0, 63), namespace: namespaceResource.metadata.name, labels: { ...MANAGED_BY_LABELS } },
      spec: {
        podSelector: { matchLabels: { "app.kubernetes.io/name": "mlflow", "app.kubernetes.io/instance": releaseName } },
        policyTypes: ["Ingress"],
        ingress: [
          {
            from: [
              { namespaceSelector: { matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "In", values: fromNamespaces }] } },
              ...(ingress?.controllerNamespace === undefined
                ? []
                : [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": ingress.controllerNamespace } } }]),
            ],
            ports: [{ port: String(CONTAINER_PORT), protocol: "TCP" }],
          },
        ],
      },
    });

    const securityContext = {
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      privileged: false,
      runAsUser: 1001,
      runAsGroup: 1001,
      seccompProfile: { type: "RuntimeDefault" },
    };
    this.chart = new HelmChart(this, "Chart", {
      connection: props.connection,
      chart: PinnedChart.MLFLOW,
      releaseName,
      namespace,
      values: {
        replicaCount: replicas,
        image: { repository: MLFLOW_IMAGE, tag: MLFLOW_IMAGE_TAG, pullPolicy: "IfNotPresent", ...(props.imageDigest === undefined ? {} : { digest: props.imageDigest }) },
        serviceAccount: { create: false, automount: false, name: identity.serviceAccountName },
        podSecurityContext: { fsGroup: 1001, fsGroupChangePolicy: "OnRootMismatch", runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
        securityContext,
        service: { enabled: true, type: "ClusterIP", port: SERVICE_PORT, containerPort: CONTAINER_PORT },
        telemetry: { enabled: false },
        backendStore: {
          // `mlflow server` creates the schema of an empty database; upgrades need `mlflow db upgrade` (docs).
          databaseMigration: false,
          databaseConnectionCheck: false,
          postgres: { enabled: true, host: db.host, port: db.port, database: db.databaseName },
          existingDatabaseSecret: { name: dbSecret, usernameKey, passwordKey },
        },
        postgresql: { enabled: false },
        mysql: { enabled: false },
        minio: { enabled: false },
        artifactRoot,
        auth: {
          enabled: true,
          existingAdminSecret: { name: props.adminSecretName, usernameKey: "username", passwordKey: "password" },
          defaultPermission: props.defaultPermission ?? MlflowPermission.READ,
          postgres: {
            enabled: true,
            host: db.host,
            port: db.port,
            database: authDatabase,
            existingSecret: { name: dbSecret, usernameKey, passwordKey },
          },
        },
        serverAllowedHosts: this.allowedHosts,
        extraEnvVars: { ...dbEnv, ...storeEnv },
        ...dbVolumes,
        resources: { requests: { cpu: cpuRequest, memory: memoryRequest }, limits: { memory: memoryLimit } },
        ...placement,
        ingress:
          ingress === undefined
            ? { enabled: false }
            : {
                enabled: true,
                ...(ingress.className === undefined ? {} : { className: ingress.className }),
                hosts: [{ host: ingress.host, paths: [{ path: "/", pathType: "Prefix" }] }],
                tls: [{ secretName: ingress.tlsSecretName, hosts: [ingress.host] }],
              },
      },
    });
    this.chart.release.dependsOn = [...(this.chart.release.dependsOn ?? []), this.serviceAccount.fqn];
  }

  /** `models:/<name>@<alias>`, the URI MLflow clients and the serving layer load a model version by. */
  public modelUri(modelName: string, alias: ModelAlias): string {
    validateModelName(this, "modelName", modelName);
    validateEnum(this, "alias", alias, ModelAlias, "ModelAlias");
    if (alias === undefined) invalid(this, "alias", alias, "is required (ModelAlias.STAGING or ModelAlias.PRODUCTION)");
    return `models:/${modelName}@${alias}`;
  }

  /**
   * `MLFLOW_TRACKING_URI`, and `MLFLOW_TRACKING_USERNAME` / `MLFLOW_TRACKING_PASSWORD` from the keys
   * `username` and `password` of the client's credentials Secret (an MLflow user the administrator
   * created; see the docs). With `ArtifactAccess.DIRECT` on an S3-compatible store, also
   * `MLFLOW_S3_ENDPOINT_URL`.
   */
  public clientEnvironment(options: RegistryClientOptions): RegistryClientEnvVar[] {
    if (options === undefined || options === null || typeof options !== "object") invalid(this, "options", options, "must be a RegistryClientOptions object ({ namespace, credentialsSecretName })");
    validateNamespaceName(this, "options.namespace", options.namespace);
    const secret = options.credentialsSecretName ?? ModelRegistry.DEFAULT_CLIENT_SECRET_NAME;
    validateName(this, "options.credentialsSecretName", secret, NamingRule.DNS1123_SUBDOMAIN);
    const env: RegistryClientEnvVar[] = [
      { name: "MLFLOW_TRACKING_URI", value: this.trackingUri },
      { name: "MLFLOW_TRACKING_USERNAME", secretName: secret, secretKey: "username" },
      { name: "MLFLOW_TRACKING_PASSWORD", secretName: secret, secretKey: "password" },
    ];
    if (this.artifactAccess === ArtifactAccess.DIRECT && this.store.kind === ObjectStoreKind.S3_COMPATIBLE && this.store.endpoint !== undefined) {
      env.push({ name: "MLFLOW_S3_ENDPOINT_URL", value: this.store.endpoint });
    }
    return env;
  }

  /**
   * Admits the identity's namespace to the MLflow pods (NetworkPolicy); with `ArtifactAccess.DIRECT`
   * also grants it read-write on the artifact prefix (delete only with `allowArtifactDelete`). MLflow
   * permissions themselves belong to the MLflow user in the client's credentials Secret.
   */
  public grantClient(identity: IWorkloadIdentity): void {
    if (identity === undefined || identity === null || typeof identity !== "object" || typeof identity.namespace !== "string") {
      invalid(this, "identity", identity, "must be an IWorkloadIdentity (cluster.addWorkloadIdentity(...))");
    }
    validateNamespaceName(this, "identity.namespace", identity.namespace);
    if (identity.namespace !== this.namespace && !this.clientNamespaceSet.includes(identity.namespace)) this.clientNamespaceSet.push(identity.namespace);
    if (this.artifactAccess === ArtifactAccess.DIRECT) {
      this.store.grantReadWrite(identity, { prefix: this.artifactPrefix, ...(this.allowDelete ? { allowDelete: true } : {}) });
    }
  }

  /** Namespaces admitted to the MLflow pods, sorted. */
  public get clientNamespaces(): string[] {
    return [...this.clientNamespaceSet].sort();
  }

  /** PGSSLMODE (and PGSSLROOTCERT) for libpq: applies to the backend store and to the auth database. */
  private databaseTls(db: IDatabase, props: ModelRegistryProps): Record<string, string> {
    validateBoolean(this, "allowUnverifiedDatabaseTls", props.allowUnverifiedDatabaseTls);
    if (props.databaseCaSecretKey !== undefined && props.databaseCaSecretName === undefined) {
      invalid(this, "databaseCaSecretKey", props.databaseCaSecretKey, "needs databaseCaSecretName");
    }
    if (props.databaseCaSecretName !== undefined) {
      validateKubernetesSecret(this, "databaseCaSecret", props.databaseCaSecretName, props.databaseCaSecretKey, undefined);
    }
    if (!db.tlsRequired) {
      // The database itself needed allowPlaintext for this.
      if (props.databaseCaSecretName !== undefined) warn(this, "databaseCaSecretName", props.databaseCaSecretName, "is ignored: the database does not use TLS");
      return { PGSSLMODE: "disable" };
    }
    if (props.databaseCaSecretName !== undefined) {
      if (props.allowUnverifiedDatabaseTls === true) invalid(this, "allowUnverifiedDatabaseTls", true, "contradicts databaseCaSecretName: remove one of them");
      // verify-full, or verify-ca where the database's own URI says so (Cloud SQL certificates name the instance, not the IP).
      const mode = /sslmode=verify-ca/.test(db.connectionUri()) ? "verify-ca" : "verify-full";
      return { PGSSLMODE: mode, PGSSLROOTCERT: `${DB_CA_DIR}/ca.crt` };
    }
    if (props.allowUnverifiedDatabaseTls === true) {
      warn(this, "allowUnverifiedDatabaseTls", true, "the database connection is encrypted but the server certificate is not verified");
      return { PGSSLMODE: "require" };
    }
    return invalid(
      this,
      "databaseCaSecretName",
      undefined,
      "is required: the database requires TLS and MLflow verifies the server only with its CA certificate from a Secret (sslmode=verify-full); or set allowUnverifiedDatabaseTls: true",
    );
  }

  private pickPool(name: string | undefined): NodePoolInfo | undefined {
    const cluster = this.connection.cluster;
    if (name === undefined) {
      return cluster.nodePools.find((p) => p.purpose === NodePoolPurpose.SYSTEM) ?? cluster.nodePools.find((p) => p.purpose === NodePoolPurpose.GENERAL);
    }
    validateNonEmpty(this, "nodePoolName", name);
    const pool = cluster.nodePools.find((p) => p.name === name);
    if (pool === undefined) {
      invalid(this, "nodePoolName", name, `must name a node pool of cluster "${cluster.clusterName}" (pools: ${cluster.nodePools.map((p) => p.name).join(", ") || "none"})`);
    }
    if (pool.purpose !== NodePoolPurpose.SYSTEM && pool.purpose !== NodePoolPurpose.GENERAL) {
      invalid(this, "nodePoolName", name, `is a ${pool.purpose} pool; the tracking server runs on a SYSTEM or GENERAL pool, never on GPU capacity`);
    }
    return pool;
  }
}

/** The identity kind each store kind can grant to. */
const IDENTITY_FOR_STORE: Record<string, WorkloadIdentityKind> = {
  [ObjectStoreKind.S3]: WorkloadIdentityKind.AWS_IAM_ROLE,
  [ObjectStoreKind.GCS]: WorkloadIdentityKind.GCP_SERVICE_ACCOUNT,
  [ObjectStoreKind.S3_COMPATIBLE]: WorkloadIdentityKind.KUBERNETES_SECRET,
};

function quantity(scope: Construct, prop: string, value: string): string {
  if (!isUnresolved(value) && (typeof value !== "string" || !QUANTITY.test(value))) {
    invalid(scope, prop, value, 'must be a Kubernetes quantity such as "500m" or "1Gi"');
  }
  return value;
}

function millicores(q: string): number {
  if (isUnresolved(q)) return 500;
  return q.endsWith("m") ? Math.ceil(parseFloat(q)) : Math.ceil(parseFloat(q) * 1000);
}

function mebibytes(q: string): number {
  if (isUnresolved(q)) return 1024;
  const m = /^([0-9.]+)(Ki|Mi|Gi|Ti|k|M|G|T|m)?$/.exec(q);
  if (!m) return 1024;
  const n = parseFloat(m[1]);
  const factor: Record<string, number> = { Ki: 1 / 1024, Mi: 1, Gi: 1024, Ti: 1024 * 1024, k: 1000 / 1048576, M: 1e6 / 1048576, G: 1e9 / 1048576, T: 1e12 / 1048576, m: 0.001 / 1048576 };
  return Math.ceil(n * (m[2] === undefined ? 1 / 1048576 : factor[m[2]]));
}
