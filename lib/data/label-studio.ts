import { Construct } from "constructs";
import { ServiceAccountV1 } from "@cdktf/provider-kubernetes/lib/service-account-v1";
import { trustedCaMount } from "../core/ca-trust";
import { IWorkloadIdentity, WorkloadIdentityKind } from "../core/cluster";
import { ClusterConnection } from "../core/connection";
import { DatabaseEngine, IDatabase, SecretKind } from "../core/database";
import { validateKubernetesSecret } from "../core/database-internal";
import { HelmChart, PinnedChart } from "../core/helm-chart";
import { NamingRule, validateName } from "../core/naming";
import { IObjectStore, ObjectStoreKind } from "../core/object-store";
import { invalid, isUnresolved, validateBoolean, validateNamespaceName, validateNonEmpty, warn } from "../core/validation";

/** Label Studio version the pinned chart (2.0.5) ships (its appVersion); pinned explicitly as the image tag. */
const LABEL_STUDIO_IMAGE_TAG = "1.23.0";
/** Kubernetes quantity (binary or decimal suffix, millicores), e.g. `1Gi` or `500m`. */
const QUANTITY = /^([1-9][0-9]*|[0-9]+\.[0-9]+)(m|Ki|Mi|Gi|Ti|k|M|G|T)?$/;
/** A key prefix: no leading '/', ends with '/', no wildcards or `..`. */
const PREFIX = /^(?!\/)(?!.*\/\/)(?!.*\.\.)[A-Za-z0-9_.=\/-]*\/$/;
/** Where the app container sees the object store's CA certificate (a private CA such as SeaweedFS's). */
const OBJECT_STORE_CA_DIR = "/etc/strata/object-store-ca";

/** Ingress for Label Studio: only with TLS. */
export interface LabelStudioIngress {
  /** Host name users reach Label Studio at, e.g. `labels.example.com`. */
  readonly host: string;
  /** Name of a `kubernetes.io/tls` Secret (in the namespace) with the certificate for `host`, e.g. from cert-manager. */
  readonly tlsSecretName: string;
  /**
   * IngressClass name.
   * @default - the cluster's default IngressClass
   */
  readonly className?: string;
}

/** Props of `LabelStudio`. */
export interface LabelStudioProps {
  /** The cluster connection (platform stack) to install the chart through. */
  readonly connection: ClusterConnection;
  /**
   * The workload identity Label Studio runs as (from `cluster.addWorkloadIdentity`); its namespace
   * is the namespace Label Studio is installed into (create it first with `ClusterConnection.addNamespace`;
   * its pods meet the default `PodSecurityLevel.RESTRICTED`). Its service account is created here.
   */
  readonly identity: IWorkloadIdentity;
  /**
   * Helm release name (DNS-1123 label, at most 53 characters).
   * @default "label-studio"
   */
  readonly releaseName?: string;
  /** The PostgreSQL database Label Studio stores projects, tasks and annotations in. */
  readonly database: IDatabase;
  /** Database user Label Studio logs in as. */
  readonly databaseUser: string;
  /**
   * Name of an existing Kubernetes Secret (in the identity's namespace) holding the database
   * password. The password never goes through Terraform: create the Secret with External Secrets,
   * sealed secrets or `kubectl`.
   * @default - `database.credentials.name` when the database's credentials are a Kubernetes Secret in the same namespace; otherwise required
   */
  readonly databasePasswordSecretName?: string;
  /**
   * Data key of the password in `databasePasswordSecretName`.
   * @default - `database.credentials.key` when the name is taken from the database, else "password"
   */
  readonly databasePasswordSecretKey?: string;
  /**
   * Name of a Secret (in the namespace) holding the CA certificate that signs the database server's
   * certificate, so that the TLS connection verifies the server. Required when the database requires
   * TLS, unless `allowUnverifiedDatabaseTls` is set.
   * @default - none
   */
  readonly databaseCaSecretName?: string;
  /**
   * Data key of the CA certificate in `databaseCaSecretName`.
   * @default "ca.crt"
   */
  readonly databaseCaSecretKey?: string;
  /**
   * Connect to a TLS database without verifying its certificate (`sslmode=require`): encrypted,
   * but open to a man in the middle. Only when no CA certificate can be given.
   * @default false
   */
  readonly allowUnverifiedDatabaseTls?: boolean;
  /**
   * The object store uploads and exports live in (typically a data-lake zone, e.g.
   * `lake.zone(LakeZone.RAW)`). The identity gets read-write (no delete unless `allowDelete`) on
   * `storagePrefix` only.
   */
  readonly store: IObjectStore;
  /**
   * Key prefix (relative to the store's root) for Label Studio's files.
   * @default "labels/"
   */
  readonly storagePrefix?: string;
  /**
   * Also let Label Studio delete objects under `storagePrefix` (deleting a task or project then
   * removes its uploads).
   * @default false
   */
  readonly allowDelete?: boolean;
  /**
   * AWS region of the bucket (S3 only; presigned URLs are signed for it).
   * @default - the SDK's region resolution
   */
  readonly region?: string;
  /**
   * Name of an existing Secret (in the namespace) with keys `username` and `password` for the first
   * administrator account, created at start-up. Without it, create the first user with
   * `label-studio user --username ... --password ...` in the pod (sign-up is closed).
   * @default - none
   */
  readonly adminSecretName?: string;
  /**
   * Expose Label Studio through an Ingress with TLS.
   * @default - no Ingress: a ClusterIP Service only (reach it with `kubectl port-forward` or your own gateway)
   */
  readonly ingress?: LabelStudioIngress;
  /**
   * CPU request of the Label Studio container.
   * @default "500m"
   */
  readonly cpuRequest?: string;
  /**
   * Memory request of the Label Studio container.
   * @default "1Gi"
   */
  readonly memoryRequest?: string;
  /**
   * Memory limit of the Label Studio container.
   * @default "4Gi"
   */
  readonly memoryLimit?: string;
}

/**
 * Label Studio (chart `label-studio` 2.0.5, app 1.23.0) for labeling data in the lake, in the
 * platform stack: its database on an `IDatabase` (password from an existing Kubernetes Secret, TLS
 * verified), its files on an `IObjectStore` under a prefix the workload identity may read and write,
 * the bundled Bitnami PostgreSQL and Redis subcharts off (their images are no longer freely
 * published), sign-up closed without an invitation link, SSRF protection on, analytics off, non-root,
 * requests and limits set, the image pinned, and only a ClusterIP Service unless an Ingress with TLS
 * is asked for.
 *
 * @example
 * const identity = cluster.addWorkloadIdentity("Labels", { namespace: "labeling", serviceAccountName: "label-studio" });
 * new LabelStudio(platform, "Labels", {
 *   connection, identity, database: labelsDb, databaseUser: "labelstudio",
 *   databasePasswordSecretName: "labels-db", databaseCaSecretName: "rds-ca",
 *   store: lake.zone(LakeZone.CURATED),
 * });
 */
export class LabelStudio extends Construct {
  /** The Helm release. */
  public readonly chart: HelmChart;
  /** The service account Label Studio runs as. */
  public readonly serviceAccount: ServiceAccountV1;
  /** Namespace of Label Studio (the identity's). */
  public readonly namespace: string;
  /** URI of Label Studio's files, `<store uri>/<storagePrefix>` (ends with '/'). */
  public readonly storageUri: string;

  constructor(scope: Construct, id: string, props: LabelStudioProps) {
    super(scope, id);
    if (props === undefined || props === null || typeof props !== "object") invalid(this, "props", props, "must be a LabelStudioProps object");
    const identity = props.identity;
    if (identity === undefined || identity === null || typeof identity !== "object" || typeof identity.namespace !== "string") {
      invalid(this, "identity", identity, "must be an IWorkloadIdentity (cluster.addWorkloadIdentity(...))");
    }
    const namespace = identity.namespace;
    validateNamespaceName(this, "identity.namespace", namespace);
    const releaseName = props.releaseName ?? "label-studio";
    validateName(this, "releaseName", releaseName, NamingRule.DNS1123_LABEL);

    // ---- database ----
    const db = props.database;
    if (db === undefined || db === null || typeof db !== "object" || typeof db.connectionUri !== "function") {
      invalid(this, "database", db, "must be an IDatabase (PostgreSQL)");
    }
    if (db.engine !== DatabaseEngine.POSTGRES) {
      invalid(this, "database", db.engine, "must be a PostgreSQL database: Label Studio supports PostgreSQL (and SQLite, which is not for production)");
    }
    validateNonEmpty(this, "databaseUser", props.databaseUser);
    if (!isUnresolved(props.databaseUser) && (typeof props.databaseUser !== "string" || !/^[A-Za-z_][A-Za-z0-9_$]{0,62}$/.test(props.databaseUser))) {
      invalid(this, "databaseUser", props.databaseUser, "must be a PostgreSQL user name: a letter or '_', then up to 62 letters, digits, '_' or '$'");
    }
    const fromDb = db.credentials?.kind === SecretKind.KUBERNETES_SECRET && (db.credentials.namespace === undefined || db.credentials.namespace === namespace);
    const passwordSecret = props.databasePasswordSecretName ?? (fromDb ? db.credentials.name : undefined);
    if (passwordSecret === undefined) {
      invalid(
        this,
        "databasePasswordSecretName",
        undefined,
        `is required: the database's credentials are in ${db.credentials?.kind ?? "an unknown place"} ("${db.credentials?.name}"), and Label Studio reads its password from a Kubernetes Secret in namespace "${namespace}" ` +
          "(sync it there with External Secrets; the password never goes through Terraform)",
      );
    }
    const passwordKey = props.databasePasswordSecretKey ?? (props.databasePasswordSecretName === undefined ? db.credentials.key : undefined) ?? "password";
    validateKubernetesSecret(this, "databasePasswordSecret", passwordSecret, passwordKey, undefined);
    validateBoolean(this, "allowUnverifiedDatabaseTls", props.allowUnverifiedDatabaseTls);
    if (props.databaseCaSecretKey !== undefined && props.databaseCaSecretName === undefined) {
      invalid(this, "databaseCaSecretKey", props.databaseCaSecretKey, "needs databaseCaSecretName");
    }
    if (props.databaseCaSecretName !== undefined) {
      validateKubernetesSecret(this, "databaseCaSecret", props.databaseCaSecretName, props.databaseCaSecretKey, undefined);
    }
    let ssl: { [key: string]: string };
    if (!db.tlsRequired) {
      // The database reference already needed allowPlaintext for this.
      ssl = { pgSslMode: "disable" };
    } else if (props.databaseCaSecretName !== undefined) {
      if (props.allowUnverifiedDatabaseTls === true) invalid(this, "allowUnverifiedDatabaseTls", true, "contradicts databaseCaSecretName: remove one of them");
      ssl = {
        // verify-full, or verify-ca where the database's own URI says so (Cloud SQL certificates name the instance, not the IP).
        pgSslMode: /sslmode=verify-ca/.test(db.connectionUri()) ? "verify-ca" : "verify-full",
        pgSslSecretName: props.databaseCaSecretName,
        pgSslRootCertSecretKey: props.databaseCaSecretKey ?? "ca.crt",
      };
    } else if (props.allowUnverifiedDatabaseTls === true) {
      warn(this, "allowUnverifiedDatabaseTls", true, "the database connection is encrypted but the server certificate is not verified");
      ssl = { pgSslMode: "require" };
    } else {
      invalid(
        this,
        "databaseCaSecretName",
        undefined,
        "is required: the database requires TLS and Label Studio verifies the server only with its CA certificate from a Secret; or set allowUnverifiedDatabaseTls: true",
      );
    }

    // ---- object store ----
    const store = props.store;
    if (store === undefined || store === null || typeof store !== "object" || typeof store.grantReadWrite !== "function") {
      invalid(this, "store", store, "must be an IObjectStore (a DataLake zone or a bucket reference)");
    }
    const prefix = props.storagePrefix ?? "labels/";
    if (!isUnresolved(prefix) && (typeof prefix !== "string" || !PREFIX.test(prefix) || prefix === "/")) {
      invalid(this, "storagePrefix", prefix, "must be a key prefix such as \"labels/\": ends with '/', no leading '/', no '//', '..' or wildcards");
    }
    validateBoolean(this, "allowDelete", props.allowDelete);
    if (props.region !== undefined && store.kind !== ObjectStoreKind.S3) {
      invalid(this, "region", props.region, "applies to Amazon S3 stores only");
    }
    store.grantReadWrite(identity, { prefix, ...(props.allowDelete === true ? { allowDelete: true } : {}) });
    const folder = `${storeBasePath(store)}${prefix}`.replace(/\/$/, "");
    const persistence = storageConfig(this, store, identity, folder, props.region);

    // ---- admin, ingress, resources ----
    if (props.adminSecretName !== undefined) validateName(this, "adminSecretName", props.adminSecretName, NamingRule.DNS1123_SUBDOMAIN);
    const ingress = props.ingress;
    if (ingress !== undefined) {
      if (ingress === null || typeof ingress !== "object") invalid(this, "ingress", ingress, "must be a LabelStudioIngress object");
      validateName(this, "ingress.host", ingress.host, NamingRule.DNS1123_SUBDOMAIN);
      if (ingress.tlsSecretName === undefined) {
        invalid(this, "ingress.tlsSecretName", undefined, "is required: Label Studio is exposed only over TLS");
      }
      validateName(this, "ingress.tlsSecretName", ingress.tlsSecretName, NamingRule.DNS1123_SUBDOMAIN);
      if (ingress.className !== undefined) validateName(this, "ingress.className", ingress.className, NamingRule.DNS1123_SUBDOMAIN);
    }
    const cpuRequest = quantity(this, "cpuRequest", props.cpuRequest ?? "500m");
    const memoryRequest = quantity(this, "memoryRequest", props.memoryRequest ?? "1Gi");
    const memoryLimit = quantity(this, "memoryLimit", props.memoryLimit ?? "4Gi");

    const env: { [key: string]: string } = {
      // Nobody signs up without an invitation link from an existing user.
      LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK: "true",
      // Refuse imports from URLs that resolve to private addresses (cluster services, metadata endpoints).
      SSRF_PROTECTION_ENABLED: "true",
      // No serving of files from the pod's own disk.
      LOCAL_FILES_SERVING_ENABLED: "false",
      collect_analytics: "false",
      ...(ingress === undefined
        ? {}
        : { LABEL_STUDIO_HOST: `https://${ingress.host}`, SESSION_COOKIE_SECURE: "true", CSRF_COOKIE_SECURE: "true" }),
    };
    const envSecrets: { [key: string]: { secretName: string; secretKey: string } } =
      props.adminSecretName === undefined
        ? {}
        : {
            LABEL_STUDIO_USERNAME: { secretName: props.adminSecretName, secretKey: "username" },
            LABEL_STUDIO_PASSWORD: { secretName: props.adminSecretName, secretKey: "password" },
          };

    this.namespace = namespace;
    this.storageUri = `${store.uri}/${prefix}`;
    // A store signed by a private CA: a copy of its certificate in this namespace, mounted in the app
    // container; boto3 (Label Studio's S3 storage) verifies the endpoint with AWS_CA_BUNDLE.
    const ca = store.kind === ObjectStoreKind.S3_COMPATIBLE && store.caCertificate !== undefined ? trustedCaMount(this, props.connection, store.caCertificate, namespace) : undefined;
    const caValues =
      ca === undefined
        ? {}
        : {
            extraVolumes: [{ name: "strata-object-store-ca", secret: { secretName: ca.secretName, items: [{ key: ca.key, path: "ca.crt" }] } }],
            extraVolumeMounts: [{ name: "strata-object-store-ca", mountPath: OBJECT_STORE_CA_DIR, readOnly: true }],
            extraEnvironmentVars: { AWS_CA_BUNDLE: `${OBJECT_STORE_CA_DIR}/ca.crt` },
          };
    this.serviceAccount = props.connection.addServiceAccount(identity, { automountToken: false });
    // The "restricted" Pod Security level: non-root, no privilege escalation, every capability
    // dropped, the runtime's default seccomp profile. The chart's defaults list only `enabled`,
    // `runAsUser`, `runAsNonRoot` and `allowPrivilegeEscalation`, but its templates render the whole
    // map (`securityContext: {{- omit .Values.app.containerSecurityContext "enabled" | toYaml }}` on
    // the app, nginx and init containers, the same for `app.podSecurityContext` on the pod:
    // templates/app-deployment.yaml of HumanSignal/charts at chart 2.0.5), so `capabilities` and
    // `seccompProfile` reach the pods. Nothing in the image needs a capability (nginx listens on 8085).
    const seccompProfile = { type: "RuntimeDefault" };
    const securityContext = {
      enabled: true,
      runAsUser: 1001,
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
      seccompProfile,
    };
    this.chart = new HelmChart(this, "Chart", {
      connection: props.connection,
      chart: PinnedChart.LABEL_STUDIO,
      releaseName,
      namespace,
      values: {
        global: {
          image: { repository: "heartexlabs/label-studio", tag: LABEL_STUDIO_IMAGE_TAG, pullPolicy: "IfNotPresent" },
          pgConfig: {
            host: db.host,
            port: db.port,
            dbName: db.databaseName,
            userName: props.databaseUser,
            password: { secretName: passwordSecret, secretKey: passwordKey },
            ssl,
          },
          persistence,
          extraEnvironmentVars: env,
          ...(Object.keys(envSecrets).length > 0 ? { extraEnvironmentSecrets: envSecrets } : {}),
        },
        app: {
          replicas: 1,
          resources: { requests: { cpu: cpuRequest, memory: memoryRequest }, limits: { memory: memoryLimit } },
          nginx: { resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "256Mi" } } },
          initContainer: { resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "1Gi" } } },
          automountServiceAccountToken: false,
          serviceAccount: { create: false, name: identity.serviceAccountName },
          podSecurityContext: { enabled: true, fsGroup: 1001, seccompProfile },
          containerSecurityContext: securityContext,
          rbac: { create: false },
          ...caValues,
          service: { type: "ClusterIP" },
          ingress:
            ingress === undefined
              ? { enabled: false }
              : {
                  enabled: true,
                  host: ingress.host,
                  ...(ingress.className === undefined ? {} : { className: ingress.className }),
                  tls: [{ secretName: ingress.tlsSecretName, hosts: [ingress.host] }],
                },
        },
        // The rq workers serve Label Studio Enterprise's Redis queues; with Redis off they have nothing to do.
        rqworker: { enabled: false },
        enterprise: { enabled: false },
        // Bitnami's PostgreSQL and Redis images are no longer freely published: both subcharts off.
        postgresql: { enabled: false },
        redis: { enabled: false },
      },
    });
    this.chart.release.dependsOn = [...(this.chart.release.dependsOn ?? []), this.serviceAccount.fqn, ...(ca?.ready ? [ca.ready.fqn] : [])];
  }
}

/** The key path of the store's root inside its bucket (`""` for a bucket root, `raw/` for a prefix zone). */
function storeBasePath(store: IObjectStore): string {
  if (isUnresolved(store.uri) || isUnresolved(store.bucketName)) return "";
  const match = /^[a-z0-9]+:\/\/([^/]+)(\/.*)?$/.exec(store.uri);
  if (match === null || match[1] !== store.bucketName || match[2] === undefined) return "";
  const path = match[2].replace(/^\/+/, "").replace(/\/+$/, "");
  return path === "" ? "" : `${path}/`;
}

/** The chart's `global.persistence` for the store, credentials from the workload identity. */
function storageConfig(scope: Construct, store: IObjectStore, identity: IWorkloadIdentity, folder: string, region: string | undefined): object {
  switch (store.kind) {
    case ObjectStoreKind.S3:
      // IRSA / Pod Identity: no keys; boto3's default chain picks up the web identity token.
      return { enabled: true, type: "s3", config: { s3: { bucket: store.bucketName, folder, ...(region === undefined ? {} : { region }) } } };
    case ObjectStoreKind.S3_COMPATIBLE: {
      const s3: { [key: string]: string } = { bucket: store.bucketName, folder };
      if (store.endpoint !== undefined) s3.endpointUrl = store.endpoint;
      if (identity.kind === WorkloadIdentityKind.KUBERNETES_SECRET && identity.credentialsSecretName !== undefined) {
        // The on-prem identity's credentials Secret (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, as Spark jobs read it).
        s3.accessKeyExistingSecret = identity.credentialsSecretName;
        s3.accessKeyExistingSecretKey = "AWS_ACCESS_KEY_ID";
        s3.secretKeyExistingSecret = identity.credentialsSecretName;
        s3.secretKeyExistingSecretKey = "AWS_SECRET_ACCESS_KEY";
      }
      return { enabled: true, type: "s3", config: { s3 } };
    }
    case ObjectStoreKind.GCS:
      // GKE Workload Identity: no key file; the client library uses the metadata server.
      return { enabled: true, type: "gcs", config: { gcs: { bucket: store.bucketName, folder } } };
    default:
      return invalid(scope, "store.kind", store.kind, "must be s3, gcs or s3-compatible");
  }
}

function quantity(scope: Construct, prop: string, value: string): string {
  if (!isUnresolved(value) && (typeof value !== "string" || !QUANTITY.test(value))) {
    invalid(scope, prop, value, 'must be a Kubernetes quantity such as "500m" or "1Gi"');
  }
  return value;
}
