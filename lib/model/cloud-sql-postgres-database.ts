import { Construct } from "constructs";
import { Fn, ITerraformDependable, dependable } from "cdktf";
import { DataGoogleProject } from "@cdktf/provider-google/lib/data-google-project";
import { KmsCryptoKeyIamMember } from "@cdktf/provider-google/lib/kms-crypto-key-iam-member";
import { SecretManagerSecret } from "@cdktf/provider-google/lib/secret-manager-secret";
import { SecretManagerSecretIamMember } from "@cdktf/provider-google/lib/secret-manager-secret-iam-member";
import { SqlDatabase } from "@cdktf/provider-google/lib/sql-database";
import { SqlDatabaseInstance } from "@cdktf/provider-google/lib/sql-database-instance";
import { SqlUser } from "@cdktf/provider-google/lib/sql-user";
import { IWorkloadIdentity, WorkloadIdentityKind } from "../core/cluster";
import { CloudSqlDatabaseReference, DatabaseEngine, IDatabase, SecretReference } from "../core/database";
import { GCP_SECRET_ID, grantProjectRole, validateIdentifier, validatePattern } from "../core/database-internal";
import { requireIdentity } from "../core/grants";
import {
  invalid,
  isUnresolved,
  typeName,
  validateBoolean,
  validateEnum,
  validateGcpProjectId,
  validateGcpRegion,
  validateInteger,
  validateNonEmpty,
} from "../core/validation";

/** How strictly Cloud SQL requires TLS (`ip_configuration.ssl_mode`). */
export enum CloudSqlSslMode {
  /** Every connection must use TLS (`ENCRYPTED_ONLY`); clients verify the server against the instance's CA. */
  ENCRYPTED_ONLY = "ENCRYPTED_ONLY",
  /**
   * TLS with a client certificate issued by the instance (`TRUSTED_CLIENT_CERTIFICATE_REQUIRED`).
   * Connections through the Cloud SQL Auth Proxy or a connector satisfy it; plain PostgreSQL clients need a client certificate.
   */
  TRUSTED_CLIENT_CERTIFICATE_REQUIRED = "TRUSTED_CLIENT_CERTIFICATE_REQUIRED",
}

/** PostgreSQL major versions `CloudSqlPostgresDatabase` accepts. */
const MIN_MAJOR = 14;
const MAX_MAJOR = 17;
/**
 * Instance ids: lowercase letters, digits and '-', starting with a letter, not ending in '-'. Cloud
 * SQL allows longer ids (the limit counts the project id too); Strata keeps them to a DNS label (63).
 */
const INSTANCE_NAME = /^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/;
const KMS_KEY_NAME = /^projects\/[^/]+\/locations\/([^/]+)\/keyRings\/[^/]+\/cryptoKeys\/[^/]+$/;
const NETWORK = /^(https:\/\/www\.googleapis\.com\/compute\/v1\/)?projects\/[^/]+\/global\/networks\/[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** Props of `CloudSqlPostgresDatabase`. */
export interface CloudSqlPostgresDatabaseProps {
  /** Project id of the instance (a literal: grants are keyed on it). */
  readonly project: string;
  /** Region of the instance, e.g. "us-central1". */
  readonly region: string;
  /** Instance id: 1 to 63 lowercase letters, digits and '-', starting with a letter, not ending in '-'. */
  readonly instanceName: string;
  /** Name of the database to create (a PostgreSQL identifier, 1 to 63 characters). */
  readonly databaseName: string;
  /**
   * VPC network the instance gets its private IP in: `projects/<project>/global/networks/<name>`
   * (or its self link). The network needs Private Service Access: a global address range with
   * `purpose = "VPC_PEERING"` and a `google_service_networking_connection` to
   * `servicenetworking.googleapis.com` (see `privateServiceConnection`).
   */
  readonly privateNetwork: string;
  /**
   * The `google_service_networking_connection` of `privateNetwork`, when it is created in the same
   * stack: the instance is then created after it (creating the instance first fails).
   * @default - none: the network's private services connection must already exist
   */
  readonly privateServiceConnection?: ITerraformDependable;
  /**
   * Name of the Private Service Access range to take the IP from.
   * @default - any range of the network's private services connection
   */
  readonly allocatedIpRange?: string;
  /**
   * Cloud KMS key (CMEK) for the instance, its backups and the credentials secret, in `region`:
   * `projects/<project>/locations/<region>/keyRings/<ring>/cryptoKeys/<key>`. The Cloud SQL and
   * Secret Manager service agents are granted `roles/cloudkms.cryptoKeyEncrypterDecrypter` on it;
   * the Cloud SQL agent must exist first (`gcloud beta services identity create --service=sqladmin.googleapis.com`).
   */
  readonly kmsKeyName: string;
  /**
   * Pinned database version `POSTGRES_<major>` (14 to 17). Minor versions are applied by Cloud SQL in the maintenance window.
   * @default "POSTGRES_17"
   */
  readonly databaseVersion?: string;
  /**
   * Machine tier (Enterprise edition), e.g. "db-custom-2-7680" (2 vCPUs, 7.5 GiB).
   * @default "db-custom-2-7680"
   */
  readonly tier?: string;
  /**
   * SSD size in GiB (10 to 65536); grows automatically.
   * @default 20
   */
  readonly diskSizeGiB?: number;
  /**
   * Regional availability (a standby in another zone, automatic failover). Turning it off needs `allowZonal: true`.
   * @default true
   */
  readonly highAvailability?: boolean;
  /**
   * Permit `highAvailability: false` (a zone outage stops the database).
   * @default false
   */
  readonly allowZonal?: boolean;
  /**
   * Days of daily backups kept (7 to 365).
   * @default 7
   */
  readonly backupRetentionDays?: number;
  /**
   * Days of write-ahead log kept for point-in-time recovery (1 to 7, Enterprise edition).
   * @default 7
   */
  readonly pointInTimeRecoveryDays?: number;
  /**
   * TLS requirement.
   * @default CloudSqlSslMode.ENCRYPTED_ONLY
   */
  readonly sslMode?: CloudSqlSslMode;
  /**
   * IAM database authentication (`cloudsql.iam_authentication` on): `grantConnect` then also
   * creates a `CLOUD_IAM_SERVICE_ACCOUNT` database user for the identity's service account and binds
   * `roles/cloudsql.instanceUser`. Clients log in with a short-lived token (Cloud SQL Auth Proxy
   * `--auto-iam-authn` or a connector); no password exists.
   * @default false
   */
  readonly iamAuthentication?: boolean;
  /**
   * Secret Manager secret id (in `project`) Strata creates, CMEK-encrypted and empty, for the
   * password user's credentials (`{"username": ..., "password": ...}`, added out of Terraform: see `passwordSetupCommands`).
   * @default "<instanceName>-credentials"
   */
  readonly credentialsSecretId?: string;
  /**
   * Name of the built-in (password) user whose credentials the secret holds.
   * @default "app"
   */
  readonly username?: string;
  /**
   * Let `terraform destroy` delete the instance, its database and the secret: turns off
   * `deletion_protection` (Terraform and API) and `prevent_destroy`. Backups are kept after delete.
   * @default false
   */
  readonly allowDestroy?: boolean;
}

/**
 * A Cloud SQL for PostgreSQL instance and database as an `IDatabase`: private IP only (no public
 * IPv4) on a network with Private Service Access, TLS required (`ENCRYPTED_ONLY` or stricter),
 * CMEK at rest, regional high availability, daily backups kept 7 days with point-in-time recovery,
 * backups retained after delete, and protected from destroy three times over (`prevent_destroy`,
 * the provider's `deletion_protection` and the API's `deletion_protection_enabled`).
 *
 * Credentials. Terraform never sees a password: cdktf 0.21 cannot declare ephemeral resources or
 * variables, so the write-only `password_wo` of `google_sql_user` could only be fed from a
 * resource or data source that Terraform stores in state. Strata therefore creates the
 * CMEK-encrypted secret (`credentials`) empty, and the password user is created once, outside
 * Terraform, by the commands in `passwordSetupCommands` (they generate the password and write it
 * to Cloud SQL and to the secret, nowhere else). With `iamAuthentication` workloads can instead log
 * in as their own service account, with no password at all (through the Cloud SQL Auth Proxy).
 *
 * @example
 * const db = new CloudSqlPostgresDatabase(infra, "MlflowDb", {
 *   project: "acme-ml", region: "us-central1", instanceName: "mlflow", databaseName: "mlflow",
 *   privateNetwork: cluster.network!.network.id, privateServiceConnection: psaConnection, kmsKeyName: key.id,
 * });
 * db.grantConnect(mlflowIdentity);
 */
export class CloudSqlPostgresDatabase extends Construct implements IDatabase {
  /** The google_sql_database_instance resource. */
  public readonly instance: SqlDatabaseInstance;
  /** The google_sql_database resource. */
  public readonly database: SqlDatabase;
  /** The (empty) Secret Manager secret for the password user's credentials. */
  public readonly credentialsSecret: SecretManagerSecret;
  /** Always `DatabaseEngine.POSTGRES`. */
  public readonly engine: DatabaseEngine;
  /** Private IP address of the instance. */
  public readonly host: string;
  /** TCP port (5432). */
  public readonly port: number;
  /** Database name. */
  public readonly databaseName: string;
  /** The Secret Manager secret `projects/<project>/secrets/<id>` holding `{"username", "password"}`. */
  public readonly credentials: SecretReference;
  /** Always true: the instance rejects connections without TLS. */
  public readonly tlsRequired: boolean;
  /** `<project>:<region>:<instance>`, for the Cloud SQL Auth Proxy and connectors. */
  public readonly instanceConnectionName: string;
  /** Whether IAM database authentication is on. */
  public readonly iamAuthentication: boolean;
  /** PEM of the instance's server CA certificate, for clients to verify the server (`sslrootcert`). */
  public readonly serverCaCert: string;
  /**
   * Shell commands, run once after the first apply by someone allowed to manage the instance and
   * add secret versions, that create the password user with a generated password and store the
   * credentials in the secret (the password exists only in that shell, Cloud SQL and Secret Manager).
   */
  public readonly passwordSetupCommands: string[];
  private readonly project: string;
  private readonly reference: CloudSqlDatabaseReference;
  private readonly orderedBindings = new Set<SecretManagerSecretIamMember>();

  constructor(scope: Construct, id: string, props: CloudSqlPostgresDatabaseProps) {
    super(scope, id);
    validateGcpProjectId(this, "project", props.project);
    if (isUnresolved(props.project)) {
      invalid(this, "project", props.project, "must be a literal project id: the grants are keyed on it");
    }
    validateNonEmpty(this, "region", props.region);
    validateGcpRegion(this, "region", props.region);
    const name = props.instanceName as unknown;
    if (!isUnresolved(name) && (typeof name !== "string" || !INSTANCE_NAME.test(name))) {
      invalid(
        this,
        "instanceName",
        name,
        `must be 1 to 63 lowercase letters, digits and '-', starting with a letter and ending with a letter or digit${typeof name === "string" ? "" : `, not ${typeName(name)}`}`,
      );
    }
    validateIdentifier(this, "databaseName", props.databaseName, DatabaseEngine.POSTGRES, 63);
    validateNonEmpty(this, "privateNetwork", props.privateNetwork);
    validatePattern(this, "privateNetwork", props.privateNetwork, NETWORK, "must be a VPC network: projects/<project>/global/networks/<name> (or its self link)");
    if (props.allocatedIpRange !== undefined) {
      validatePattern(this, "allocatedIpRange", props.allocatedIpRange, /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/, "must be the name of a Private Service Access address range (RFC 1035)");
    }
    const key = props.kmsKeyName as unknown;
    if (!isUnresolved(key)) {
      const match = typeof key === "string" ? KMS_KEY_NAME.exec(key) : null;
      if (!match) invalid(this, "kmsKeyName", key, "is required and must be a Cloud KMS key name: projects/<project>/locations/<region>/keyRings/<ring>/cryptoKeys/<key>");
      if (!isUnresolved(props.region) && match[1] !== props.region) {
        invalid(this, "kmsKeyName", key, `must be in the instance's region ${JSON.stringify(props.region)} (Cloud SQL needs a key in the same region), not ${JSON.stringify(match[1])}`);
      }
    }
    const version = props.databaseVersion ?? "POSTGRES_17";
    if (!isUnresolved(version)) {
      const m = typeof version === "string" ? /^POSTGRES_(\d+)$/.exec(version) : null;
      if (!m) invalid(this, "databaseVersion", version, 'must be a PostgreSQL major version "POSTGRES_<major>", e.g. "POSTGRES_17"');
      const major = Number(m[1]);
      if (major < MIN_MAJOR || major > MAX_MAJOR) invalid(this, "databaseVersion", version, `must have a major version from ${MIN_MAJOR} to ${MAX_MAJOR}`);
    }
    const tier = props.tier ?? "db-custom-2-7680";
    validatePattern(this, "tier", tier, /^db-(custom-\d+-\d+|n1-(standard|highmem)-\d+)$/, 'must be an Enterprise edition machine tier such as "db-custom-2-7680" (shared-core tiers have no SLA)');
    const disk = props.diskSizeGiB ?? 20;
    validateInteger(this, "diskSizeGiB", disk, 10, 65536);
    validateBoolean(this, "highAvailability", props.highAvailability);
    validateBoolean(this, "allowZonal", props.allowZonal);
    if (props.highAvailability === false && props.allowZonal !== true) {
      invalid(this, "highAvailability", false, "is required for a standby in another zone; set allowZonal: true to accept a zonal instance");
    }
    const retention = props.backupRetentionDays ?? 7;
    validateInteger(this, "backupRetentionDays", retention, 7, 365);
    const logDays = props.pointInTimeRecoveryDays ?? 7;
    validateInteger(this, "pointInTimeRecoveryDays", logDays, 1, 7);
    const sslMode = props.sslMode ?? CloudSqlSslMode.ENCRYPTED_ONLY;
    validateEnum(this, "sslMode", sslMode, CloudSqlSslMode, "CloudSqlSslMode");
    validateBoolean(this, "iamAuthentication", props.iamAuthentication);
    const username = props.username ?? "app";
    validateIdentifier(this, "username", username, DatabaseEngine.POSTGRES, 63);
    if (!isUnresolved(username) && (username === "postgres" || username.startsWith("cloudsql"))) {
      invalid(this, "username", username, "is reserved by Cloud SQL; choose another name");
    }
    const secretId = props.credentialsSecretId ?? `${props.instanceName}-credentials`;
    validatePattern(this, "credentialsSecretId", secretId, GCP_SECRET_ID, "must be a Secret Manager secret id: 1 to 255 letters, digits, '_' and '-'");
    if (isUnresolved(secretId)) {
      invalid(this, "credentialsSecretId", secretId, "must be literal (with a literal instanceName for the default): the secret grant is keyed on it");
    }
    validateBoolean(this, "allowDestroy", props.allowDestroy);
    const protect = props.allowDestroy !== true;
    const lifecycle = { preventDestroy: protect };
    const iam = props.iamAuthentication === true;

    // Both service agents encrypt with the key: Cloud SQL for the instance and backups, Secret Manager for the secret.
    const project = new DataGoogleProject(this, "Project", { projectId: props.project });
    const sqlKey = new KmsCryptoKeyIamMember(this, "CloudSqlAgentKey", {
      cryptoKeyId: props.kmsKeyName,
      role: "roles/cloudkms.cryptoKeyEncrypterDecrypter",
      member: `serviceAccount:service-${project.number}@gcp-sa-cloud-sql.iam.gserviceaccount.com`,
    });
    const secretKey = new KmsCryptoKeyIamMember(this, "SecretManagerAgentKey", {
      cryptoKeyId: props.kmsKeyName,
      role: "roles/cloudkms.cryptoKeyEncrypterDecrypter",
      member: `serviceAccount:service-${project.number}@gcp-sa-secretmanager.iam.gserviceaccount.com`,
    });

    this.instance = new SqlDatabaseInstance(this, "Resource", {
      project: props.project,
      region: props.region,
      name: props.instanceName,
      databaseVersion: version,
      encryptionKeyName: props.kmsKeyName,
      deletionProtection: protect,
      settings: {
        edition: "ENTERPRISE",
        tier,
        availabilityType: props.highAvailability === false ? "ZONAL" : "REGIONAL",
        diskType: "PD_SSD",
        diskSize: disk,
        diskAutoresize: true,
        deletionProtectionEnabled: protect,
        retainBackupsOnDelete: true,
        ipConfiguration: {
          ipv4Enabled: false,
          privateNetwork: props.privateNetwork,
          allocatedIpRange: props.allocatedIpRange,
          sslMode,
          enablePrivatePathForGoogleCloudServices: false,
        },
        backupConfiguration: {
          enabled: true,
          pointInTimeRecoveryEnabled: true,
          transactionLogRetentionDays: logDays,
          backupRetentionSettings: { retainedBackups: retention, retentionUnit: "COUNT" },
        },
        databaseFlags: iam ? [{ name: "cloudsql.iam_authentication", value: "on" }] : undefined,
        userLabels: { "managed-by": "strata" },
      },
      dependsOn: [sqlKey, ...(props.privateServiceConnection ? [props.privateServiceConnection] : [])],
      lifecycle,
    });
    this.database = new SqlDatabase(this, "Database", {
      project: props.project,
      instance: this.instance.name,
      name: props.databaseName,
      lifecycle,
    });
    this.credentialsSecret = new SecretManagerSecret(this, "CredentialsSecret", {
      project: props.project,
      secretId,
      replication: {
        userManaged: { replicas: [{ location: props.region, customerManagedEncryption: { kmsKeyName: props.kmsKeyName } }] },
      },
      dependsOn: [secretKey],
      lifecycle,
    });

    this.reference = new CloudSqlDatabaseReference(this, "Reference", {
      engine: DatabaseEngine.POSTGRES,
      project: props.project,
      instanceConnectionName: this.instance.connectionName,
      host: this.instance.privateIpAddress,
      port: 5432,
      databaseName: props.databaseName,
      credentialsSecret: `projects/${props.project}/secrets/${secretId}`,
    });
    this.project = props.project;
    this.engine = this.reference.engine;
    this.host = this.reference.host;
    this.port = this.reference.port;
    this.databaseName = this.reference.databaseName;
    this.credentials = this.reference.credentials;
    this.tlsRequired = true;
    this.instanceConnectionName = this.reference.instanceConnectionName;
    this.iamAuthentication = iam;
    this.serverCaCert = this.instance.serverCaCert.get(0).cert;
    this.passwordSetupCommands = [
      `PASSWORD="$(openssl rand -base64 33 | tr -d '\\n/+=')"`,
      `gcloud sql users create ${username} --project=${props.project} --instance=${props.instanceName} --password="$PASSWORD"`,
      `printf '{"username":"${username}","password":"%s"}' "$PASSWORD" | gcloud secrets versions add ${secretId} --project=${props.project} --data-file=-`,
      "unset PASSWORD",
    ];
  }

  /** `postgresql://<private ip>:5432/<db>?sslmode=verify-ca` (the server certificate names the instance, not its IP). */
  public connectionUri(): string {
    return this.reference.connectionUri();
  }

  /**
   * Binds `roles/cloudsql.client` on the project and `roles/secretmanager.secretAccessor` on the
   * credentials secret; with IAM authentication also `roles/cloudsql.instanceUser` and a
   * `CLOUD_IAM_SERVICE_ACCOUNT` database user for the identity's service account (the user then
   * needs privileges on the database: `GRANT ALL ON DATABASE <db> TO "<sa>@<project>.iam"` as the
   * password user, or ownership of the schema it writes).
   */
  public grantConnect(identity: IWorkloadIdentity): void {
    requireIdentity(this, identity, WorkloadIdentityKind.GCP_SERVICE_ACCOUNT, "a Cloud SQL database");
    this.reference.grantConnect(identity);
    // The binding names the secret by its literal path (a stable key): order it after the secret.
    for (const c of identity.node.children) {
      if (c instanceof SecretManagerSecretIamMember && c.secretIdInput === this.credentials.name && !this.orderedBindings.has(c)) {
        this.orderedBindings.add(c);
        c.dependsOn = [...(c.dependsOn ?? []), dependable(this.credentialsSecret)];
      }
    }
    if (!this.iamAuthentication) return;
    grantProjectRole(this, identity, "CloudSqlInstanceUser", this.project, "roles/cloudsql.instanceUser");
    const userId = `IamUser-${identity.node.addr.slice(0, 8)}`;
    if (this.node.tryFindChild(userId)) return;
    const email = identity.gcpServiceAccountEmail!;
    // PostgreSQL IAM service-account users are named after the email without ".gserviceaccount.com".
    const userName = isUnresolved(email) ? Fn.replace(email, ".gserviceaccount.com", "") : email.replace(/\.gserviceaccount\.com$/, "");
    new SqlUser(this, userId, {
      project: this.project,
      instance: this.instance.name,
      name: userName,
      type: "CLOUD_IAM_SERVICE_ACCOUNT",
    });
  }
}
