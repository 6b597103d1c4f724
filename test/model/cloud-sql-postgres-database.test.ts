import { WorkloadIdentityKind } from "../../lib/core/cluster";
import { DatabaseEngine, SecretKind } from "../../lib/core/database";
import { ServiceNetworkingConnection } from "@cdktf/provider-google/lib/service-networking-connection";
import { CloudSqlPostgresDatabase, CloudSqlSslMode } from "../../lib/model/cloud-sql-postgres-database";
import { GkeCluster } from "../../lib/compute/gke-cluster";
import { KmsCryptoKey } from "@cdktf/provider-google/lib/kms-crypto-key";
import { FakeIdentity } from "../support/fake-identity";
import { bareStack, onlyResource, resolve, resourcesOfType, synthJson } from "../support/synth";

const KEY = "projects/ml-prod/locations/us-central1/keyRings/data/cryptoKeys/sql";
const NETWORK = "projects/ml-prod/global/networks/ml";
const BASE = { project: "ml-prod", region: "us-central1", instanceName: "mlflow", databaseName: "mlflow", privateNetwork: NETWORK, kmsKeyName: KEY };

function db(props: any = {}) {
  const stack = bareStack();
  const d = new CloudSqlPostgresDatabase(stack, "MlflowDb", { ...BASE, ...props });
  return { stack, d };
}
const values = (json: any, type: string) => Object.values(resourcesOfType(json, type)) as any[];

describe("CloudSqlPostgresDatabase", () => {
  test("defaults: PostgreSQL 17, private IP only, TLS required, CMEK, regional HA, backups 7 days with PITR, deletion protection in Terraform and API", () => {
    const { stack } = db();
    const json = synthJson(stack);
    const instance = onlyResource(json, "google_sql_database_instance");
    expect(instance).toMatchObject({
      project: "ml-prod",
      region: "us-central1",
      name: "mlflow",
      database_version: "POSTGRES_17",
      encryption_key_name: KEY,
      deletion_protection: true,
      lifecycle: { prevent_destroy: true },
      settings: {
        edition: "ENTERPRISE",
        tier: "db-custom-2-7680",
        availability_type: "REGIONAL",
        disk_autoresize: true,
        disk_size: 20,
        deletion_protection_enabled: true,
        retain_backups_on_delete: true,
        ip_configuration: { ipv4_enabled: false, private_network: NETWORK, ssl_mode: "ENCRYPTED_ONLY", enable_private_path_for_google_cloud_services: false },
        backup_configuration: {
          enabled: true,
          point_in_time_recovery_enabled: true,
          transaction_log_retention_days: 7,
          backup_retention_settings: { retained_backups: 7, retention_unit: "COUNT" },
        },
      },
    });
    expect(instance.root_password).toBeUndefined();
    expect(instance.settings.ip_configuration.authorized_networks).toBeUndefined();
    expect(instance.settings.database_flags).toBeUndefined();
    expect(onlyResource(json, "google_sql_database")).toMatchObject({ name: "mlflow", lifecycle: { prevent_destroy: true } });
    expect(resourcesOfType(json, "google_sql_user")).toEqual({});
    expect(resourcesOfType(json, "google_secret_manager_secret_version")).toEqual({});
  });

  test("pins the addresses of the stateful resources", () => {
    const json = synthJson(db().stack);
    expect(Object.keys(resourcesOfType(json, "google_sql_database_instance"))).toEqual(["MlflowDb_A079D7F0"]);
    expect(Object.keys(resourcesOfType(json, "google_sql_database"))).toEqual(["MlflowDb_Database_D06DE0C7"]);
    expect(Object.keys(resourcesOfType(json, "google_secret_manager_secret"))).toEqual(["MlflowDb_CredentialsSecret_E916C165"]);
  });

  test("CMEK: the Cloud SQL and Secret Manager agents may use the key; the instance waits for its grant", () => {
    const { stack } = db();
    const json = synthJson(stack);
    const members = values(json, "google_kms_crypto_key_iam_member").map((m) => m.member);
    expect(members).toEqual([
      expect.stringMatching(/^serviceAccount:service-\$\{data\.google_project\..*\.number\}@gcp-sa-cloud-sql\.iam\.gserviceaccount\.com$/),
      expect.stringMatching(/@gcp-sa-secretmanager\.iam\.gserviceaccount\.com$/),
    ]);
    const instance = onlyResource(json, "google_sql_database_instance");
    expect(instance.depends_on).toEqual([expect.stringMatching(/^google_kms_crypto_key_iam_member\.MlflowDb_CloudSqlAgentKey_/)]);
    const secret = onlyResource(json, "google_secret_manager_secret");
    expect(secret).toMatchObject({
      secret_id: "mlflow-credentials",
      replication: { user_managed: { replicas: [{ location: "us-central1", customer_managed_encryption: { kms_key_name: KEY } }] } },
      lifecycle: { prevent_destroy: true },
    });
  });

  test("wired to a GkeCluster: its network, a key in its key ring, grant to its workload identity", () => {
    const stack = bareStack();
    const cluster = new GkeCluster(stack, "Cluster", { clusterName: "ml-prod", project: "ml-prod", location: "us-central1" });
    const key = new KmsCryptoKey(stack, "SqlKey", { name: "cloudsql", keyRing: cluster.keyRing.id, rotationPeriod: "7776000s" });
    const d = new CloudSqlPostgresDatabase(stack, "MlflowDb", { ...BASE, privateNetwork: cluster.network!.network.id, kmsKeyName: key.id });
    d.grantConnect(cluster.addWorkloadIdentity("Mlflow", { namespace: "mlflow", serviceAccountName: "mlflow" }));
    const json = synthJson(stack);
    const instance = onlyResource(json, "google_sql_database_instance");
    expect(instance.settings.ip_configuration.private_network).toMatch(/^\$\{google_compute_network\..*\.id\}$/);
    expect(instance.encryption_key_name).toMatch(/^\$\{google_kms_crypto_key\.SqlKey\.id\}$/);
    const roles = values(json, "google_project_iam_member").map((m) => m.role);
    expect(roles).toContain("roles/cloudsql.client");
    expect(values(json, "google_secret_manager_secret_iam_member").map((m) => m.secret_id)).toEqual(["projects/ml-prod/secrets/mlflow-credentials"]);
  });

  test("waits for the private services connection when given", () => {
    const stack = bareStack();
    const psa = new ServiceNetworkingConnection(stack, "Psa", { network: NETWORK, service: "servicenetworking.googleapis.com", reservedPeeringRanges: ["psa"] });
    new CloudSqlPostgresDatabase(stack, "MlflowDb", { ...BASE, privateServiceConnection: psa, allocatedIpRange: "psa" });
    const instance = onlyResource(synthJson(stack), "google_sql_database_instance");
    expect(instance.depends_on).toContain("google_service_networking_connection.Psa");
    expect(instance.settings.ip_configuration.allocated_ip_range).toBe("psa");
  });

  test("IDatabase: private IP host, verify-ca URI, credentials in the Secret Manager secret, setup commands keep the password out of Terraform", () => {
    const { d } = db();
    expect(d.engine).toBe(DatabaseEngine.POSTGRES);
    expect(d.tlsRequired).toBe(true);
    expect(d.credentials).toEqual({ kind: SecretKind.GCP_SECRET_MANAGER, name: "projects/ml-prod/secrets/mlflow-credentials" });
    expect(resolve(d, d.connectionUri())).toMatch(/^postgresql:\/\/\$\{google_sql_database_instance\..*\.private_ip_address\}:5432\/mlflow\?sslmode=verify-ca$/);
    expect(resolve(d, d.instanceConnectionName)).toMatch(/connection_name/);
    expect(d.passwordSetupCommands.join("\n")).toContain("gcloud sql users create app --project=ml-prod --instance=mlflow");
    expect(d.passwordSetupCommands.join("\n")).toContain("gcloud secrets versions add mlflow-credentials --project=ml-prod --data-file=-");
  });

  test("grantConnect (password): cloudsql.client on the project and secretAccessor on the secret, ordered after the secret", () => {
    const { stack, d } = db();
    d.grantConnect(new FakeIdentity(stack, "Mlflow", WorkloadIdentityKind.GCP_SERVICE_ACCOUNT, "mlflow", "mlflow", "ml-prod"));
    const json = synthJson(stack);
    expect(values(json, "google_project_iam_member").map((m) => m.role)).toEqual(["roles/cloudsql.client"]);
    const accessor = onlyResource(json, "google_secret_manager_secret_iam_member");
    expect(accessor).toMatchObject({ secret_id: "projects/ml-prod/secrets/mlflow-credentials", role: "roles/secretmanager.secretAccessor", member: "serviceAccount:mlflow@ml-prod.iam.gserviceaccount.com" });
    expect(accessor.depends_on).toEqual([expect.stringMatching(/^google_secret_manager_secret\.MlflowDb_CredentialsSecret_/)]);
    expect(resourcesOfType(json, "google_sql_user")).toEqual({});
  });

  test("grantConnect (IAM auth): flag on, instanceUser role and a CLOUD_IAM_SERVICE_ACCOUNT user named after the email", () => {
    const { stack, d } = db({ iamAuthentication: true });
    const id = new FakeIdentity(stack, "Mlflow", WorkloadIdentityKind.GCP_SERVICE_ACCOUNT, "mlflow", "mlflow", "ml-prod");
    d.grantConnect(id);
    d.grantConnect(id); // idempotent
    const json = synthJson(stack);
    expect(onlyResource(json, "google_sql_database_instance").settings.database_flags).toEqual([{ name: "cloudsql.iam_authentication", value: "on" }]);
    expect(values(json, "google_project_iam_member").map((m) => m.role).sort()).toEqual(["roles/cloudsql.client", "roles/cloudsql.instanceUser"]);
    const user = onlyResource(json, "google_sql_user");
    expect(user).toMatchObject({ name: "mlflow@ml-prod.iam", type: "CLOUD_IAM_SERVICE_ACCOUNT", project: "ml-prod" });
    expect(user.password).toBeUndefined();
  });

  test("grants to an AWS identity are rejected", () => {
    const { stack, d } = db();
    expect(() => d.grantConnect(new FakeIdentity(stack, "A", WorkloadIdentityKind.AWS_IAM_ROLE))).toThrow(/a Cloud SQL database can only be granted to a GCP service account identity/);
  });

  test("options: stricter SSL, zonal with allowZonal, retention, allowDestroy lifts every protection", () => {
    const { stack } = db({
      sslMode: CloudSqlSslMode.TRUSTED_CLIENT_CERTIFICATE_REQUIRED,
      highAvailability: false,
      allowZonal: true,
      backupRetentionDays: 30,
      pointInTimeRecoveryDays: 3,
      allowDestroy: true,
    });
    const json = synthJson(stack);
    const instance = onlyResource(json, "google_sql_database_instance");
    expect(instance).toMatchObject({
      deletion_protection: false,
      lifecycle: { prevent_destroy: false },
      settings: {
        availability_type: "ZONAL",
        deletion_protection_enabled: false,
        ip_configuration: { ssl_mode: "TRUSTED_CLIENT_CERTIFICATE_REQUIRED" },
        backup_configuration: { transaction_log_retention_days: 3, backup_retention_settings: { retained_backups: 30 } },
      },
    });
    expect(onlyResource(json, "google_secret_manager_secret").lifecycle).toEqual({ prevent_destroy: false });
  });

  describe("rejects bad input", () => {
    test.each([
      ["project number", { project: "123456789" }, 'invalid project "123456789": is a project number'],
      ["region zone", { region: "us-central1-a" }, 'invalid region "us-central1-a": is a zone'],
      ["instanceName uppercase", { instanceName: "MLflow" }, 'invalid instanceName "MLflow": must be 1 to 63 lowercase letters'],
      ["instanceName trailing -", { instanceName: "mlflow-" }, 'invalid instanceName "mlflow-"'],
      ["instanceName number", { instanceName: 7 }, "invalid instanceName 7: must be 1 to 63 lowercase letters, digits and '-', starting with a letter and ending with a letter or digit, not a number"],
      ["databaseName", { databaseName: "ml flow" }, 'invalid databaseName "ml flow": must be a PostgreSQL identifier'],
      ["privateNetwork", { privateNetwork: "ml" }, 'invalid privateNetwork "ml": must be a VPC network'],
      ["allocatedIpRange", { allocatedIpRange: "PSA_range" }, 'invalid allocatedIpRange "PSA_range"'],
      ["kmsKeyName missing", { kmsKeyName: undefined }, "invalid kmsKeyName undefined: is required and must be a Cloud KMS key name"],
      ["kmsKeyName region", { kmsKeyName: "projects/ml-prod/locations/europe-west1/keyRings/data/cryptoKeys/sql" }, 'must be in the instance\'s region "us-central1"'],
      ["databaseVersion syntax", { databaseVersion: "POSTGRES_17_4" }, 'invalid databaseVersion "POSTGRES_17_4": must be a PostgreSQL major version "POSTGRES_<major>"'],
      ["databaseVersion MySQL", { databaseVersion: "MYSQL_8_0" }, 'invalid databaseVersion "MYSQL_8_0"'],
      ["databaseVersion old", { databaseVersion: "POSTGRES_13" }, 'invalid databaseVersion "POSTGRES_13": must have a major version from 14 to 17'],
      ["databaseVersion number", { databaseVersion: 17 }, "invalid databaseVersion 17"],
      ["tier shared core", { tier: "db-f1-micro" }, 'invalid tier "db-f1-micro": must be an Enterprise edition machine tier'],
      ["diskSizeGiB small", { diskSizeGiB: 5 }, "invalid diskSizeGiB 5"],
      ["diskSizeGiB string", { diskSizeGiB: "20" }, 'invalid diskSizeGiB "20"'],
      ["zonal without opt-in", { highAvailability: false }, "invalid highAvailability false: is required for a standby in another zone; set allowZonal: true"],
      ["backupRetentionDays short", { backupRetentionDays: 6 }, "invalid backupRetentionDays 6"],
      ["backupRetentionDays long", { backupRetentionDays: 366 }, "invalid backupRetentionDays 366"],
      ["pointInTimeRecoveryDays", { pointInTimeRecoveryDays: 8 }, "invalid pointInTimeRecoveryDays 8"],
      ["sslMode lax", { sslMode: "ALLOW_UNENCRYPTED_AND_ENCRYPTED" }, 'invalid sslMode "ALLOW_UNENCRYPTED_AND_ENCRYPTED": must be one of CloudSqlSslMode.ENCRYPTED_ONLY'],
      ["sslMode case", { sslMode: "encrypted_only" }, "(values are case-sensitive)"],
      ["username reserved", { username: "postgres" }, 'invalid username "postgres": is reserved by Cloud SQL'],
      ["credentialsSecretId", { credentialsSecretId: "a/b" }, 'invalid credentialsSecretId "a/b"'],
      ["iamAuthentication string", { iamAuthentication: "yes" }, 'invalid iamAuthentication "yes"'],
    ])("%s", (_name, props, message) => {
      expect(() => db(props)).toThrow(message);
    });
  });
});
