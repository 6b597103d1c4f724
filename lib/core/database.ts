import { Construct, IConstruct } from "constructs";
import { IWorkloadIdentity, WorkloadIdentityKind } from "./cluster";
import {
  awsPartitionOfRegion,
  invalid,
  isUnresolved,
  validateAwsPartition,
  validateAwsRegion,
  validateGcpRegion,
  validateNonEmpty,
  warning,
} from "./validation";
import {
  AWS_ACCOUNT,
  CLOUD_SQL_CONNECTION_NAME,
  DBI_RESOURCE_ID,
  TlsVerification,
  databaseUri,
  endpoint,
  gcpSecretName,
  grantProjectRole,
  grantSecretAccessor,
  parseSecretsManagerArn,
  secretsManagerStatements,
  validateDatabaseConnection,
  validateGcpProject,
  validateIdentifier,
  validateKmsKeyArn,
  validateKubernetesSecret,
  validatePattern,
  validateSecretsManagerArn,
} from "./database-internal";
import { attachRolePolicy, requireIdentity } from "./grants";

/** Where a secret lives. */
export enum SecretKind {
  /** AWS Secrets Manager; the name is the secret's ARN. */
  AWS_SECRETS_MANAGER = "aws-secrets-manager",
  /** Google Secret Manager; the name is the secret's resource id `projects/<project>/secrets/<id>`. */
  GCP_SECRET_MANAGER = "gcp-secret-manager",
  /** A Kubernetes Secret; the name is the Secret's name. */
  KUBERNETES_SECRET = "kubernetes-secret",
}

/**
 * Where credentials live, without putting them in code or in Terraform state. Workloads read the
 * secret at run time through their workload identity.
 */
export interface SecretReference {
  /** Where the secret lives. */
  readonly kind: SecretKind;
  /** Secrets Manager ARN, Secret Manager resource id (`projects/<p>/secrets/<id>`), or Kubernetes Secret name. */
  readonly name: string;
  /**
   * JSON key inside a cloud secret, or data key of a Kubernetes Secret.
   * @default - the whole value (cloud secrets hold JSON with `username` and `password`; Kubernetes Secrets hold `username` and `password` keys)
   */
  readonly key?: string;
  /**
   * Kubernetes only: namespace of the Secret.
   * @default - the namespace of the workload that reads it
   */
  readonly namespace?: string;
}

/** Database engines. */
export enum DatabaseEngine {
  /** PostgreSQL (default port 5432). */
  POSTGRES = "postgres",
  /** MySQL (default port 3306). */
  MYSQL = "mysql",
}

/**
 * The database contract: a relational database that data and model constructs (MLflow's backend
 * store, feature registries) connect to through a workload identity, whatever cloud (or none) it
 * lives on. The password never appears in code, URIs or state: it stays in `credentials`.
 */
export interface IDatabase extends IConstruct {
  /** Database engine. */
  readonly engine: DatabaseEngine;
  /** Host name or IP address clients connect to. */
  readonly host: string;
  /** TCP port. */
  readonly port: number;
  /** Name of the database (schema) on the server. */
  readonly databaseName: string;
  /** Where the credentials (user name and password) live. */
  readonly credentials: SecretReference;
  /** Whether clients must connect with TLS and verify the server. */
  readonly tlsRequired: boolean;
  /** Connection URI without user or password, e.g. `postgresql://<host>:5432/<db>?sslmode=verify-full`. */
  connectionUri(): string;
  /** Allows a workload identity to read the credentials and connect. */
  grantConnect(identity: IWorkloadIdentity): void;
}

/** Connection props shared by every database reference. */
export interface DatabaseConnectionProps {
  /** Database engine. */
  readonly engine: DatabaseEngine;
  /** Host name or IP address (no scheme, port or path). */
  readonly host: string;
  /**
   * TCP port.
   * @default 5432 for PostgreSQL, 3306 for MySQL
   */
  readonly port?: number;
  /** Name of the database on the server (PostgreSQL: 1-63 characters; MySQL: 1-64). */
  readonly databaseName: string;
  /**
   * Require TLS with server verification. Setting `false` also needs `allowPlaintext: true`.
   * @default true
   */
  readonly tlsRequired?: boolean;
  /**
   * Permit `tlsRequired: false`. Credentials and data then cross the network unencrypted.
   * @default false
   */
  readonly allowPlaintext?: boolean;
}

/** Props of `RdsDatabaseReference`. */
export interface RdsDatabaseReferenceProps extends DatabaseConnectionProps {
  /**
   * Full ARN of the Secrets Manager secret holding the credentials, ending in the `-` and 6 random
   * characters Secrets Manager appends to the name (IAM never matches a partial ARN). RDS-managed
   * master secrets (`secret:rds!db-...-AbCdEf`) are accepted.
   */
  readonly credentialsSecretArn: string;
  /**
   * Key ARN (`arn:<partition>:kms:<region>:<account>:key/<id>`, not an alias) of the customer-managed
   * KMS key that encrypts the secret; grants then include kms:Decrypt, only through Secrets Manager
   * in the secret's region and only for this secret's encryption context.
   * @default - the secret uses the AWS-managed key
   */
  readonly kmsKeyArn?: string;
  /**
   * `DbiResourceId` of the instance (`db-...`) or Aurora cluster (`cluster-...`), for IAM authentication.
   * @default - no IAM authentication
   */
  readonly dbiResourceId?: string;
  /**
   * Database user that IAM authentication logs in as; grants then include `rds-db:connect`. Needs `dbiResourceId`.
   * @default - no IAM authentication
   */
  readonly iamUser?: string;
  /**
   * Region of the database (for the `rds-db:connect` ARN).
   * @default - the region of `credentialsSecretArn`
   */
  readonly region?: string;
  /**
   * AWS account id of the database (for the `rds-db:connect` ARN).
   * @default - the account of `credentialsSecretArn`
   */
  readonly account?: string;
  /**
   * AWS partition (for the `rds-db:connect` ARN).
   * @default - the partition of `credentialsSecretArn`, else "aws"
   */
  readonly partition?: string;
}

/**
 * An existing Amazon RDS or Aurora database (PostgreSQL or MySQL) as an `IDatabase`: grants become
 * an inline policy on the workload identity's IAM role that reads the credentials secret (and, with
 * `iamUser`, allows IAM authentication).
 *
 * @example
 * const db = new RdsDatabaseReference(infra, "MlflowDb", {
 *   engine: DatabaseEngine.POSTGRES, host: "mlflow.abc.us-east-1.rds.amazonaws.com", databaseName: "mlflow",
 *   credentialsSecretArn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:mlflow-db-AbCdEf",
 * });
 * db.grantConnect(mlflowIdentity);
 */
export class RdsDatabaseReference extends Construct implements IDatabase {
  /** Database engine. */
  public readonly engine: DatabaseEngine;
  /** Endpoint host name. */
  public readonly host: string;
  /** TCP port. */
  public readonly port: number;
  /** Database name. */
  public readonly databaseName: string;
  /** The Secrets Manager secret holding the credentials. */
  public readonly credentials: SecretReference;
  /** Whether clients must use TLS (`sslmode=verify-full` / `ssl-mode=VERIFY_IDENTITY`). */
  public readonly tlsRequired: boolean;
  /**
   * ARN of the `rds-db:connect` resource IAM authentication uses.
   * @default - undefined without `iamUser`
   */
  public readonly iamUserArn?: string;
  private readonly kmsKeyArn?: string;

  constructor(scope: Construct, id: string, props: RdsDatabaseReferenceProps) {
    super(scope, id);
    const connection = validateDatabaseConnection(this, props);
    validateSecretsManagerArn(this, "credentialsSecretArn", props.credentialsSecretArn);
    validateKmsKeyArn(this, "kmsKeyArn", props.kmsKeyArn);
    const fromSecret = parseSecretsManagerArn(props.credentialsSecretArn);
    const partition = props.partition ?? fromSecret?.partition ?? "aws";
    const region = props.region ?? fromSecret?.region;
    const account = props.account ?? fromSecret?.account;
    validateAwsPartition(this, "partition", props.partition);
    validateAwsRegion(this, "region", props.region);
    if (region !== undefined && !isUnresolved(region) && !isUnresolved(partition) && awsPartitionOfRegion(region) !== partition) {
      invalid(this, "region", region, `is in partition ${JSON.stringify(awsPartitionOfRegion(region))}, not ${JSON.stringify(partition)} (the partition of the database)`);
    }
    validatePattern(this, "account", props.account, AWS_ACCOUNT, "must be a 12-digit AWS account id");
    validatePattern(
      this,
      "dbiResourceId",
      props.dbiResourceId,
      DBI_RESOURCE_ID,
      'must be an RDS DbiResourceId such as "db-ABCDEFGHIJKLMNOPQRSTUVWXY1" or an Aurora cluster resource id such as "cluster-ABCDEFGHIJKLMNOPQRSTUVWXY1"',
    );
    if (props.iamUser !== undefined) {
      validateIdentifier(this, "iamUser", props.iamUser, props.engine, props.engine === DatabaseEngine.MYSQL ? 32 : 63);
      if (props.dbiResourceId === undefined) {
        invalid(this, "iamUser", props.iamUser, "needs dbiResourceId: IAM authentication grants rds-db:connect on dbuser:<dbiResourceId>/<iamUser>");
      }
      if (region === undefined) {
        invalid(this, "region", region, "is required with iamUser when credentialsSecretArn is unresolved (its region cannot be read)");
      }
      if (account === undefined) {
        invalid(this, "account", account, "is required with iamUser when credentialsSecretArn is unresolved (its account cannot be read)");
      }
      this.iamUserArn = `arn:${partition}:rds-db:${region}:${account}:dbuser:${props.dbiResourceId}/${props.iamUser}`;
    }
    this.engine = props.engine;
    this.host = props.host;
    this.port = connection.port;
    this.databaseName = props.databaseName;
    this.tlsRequired = connection.tlsRequired;
    this.credentials = { kind: SecretKind.AWS_SECRETS_MANAGER, name: props.credentialsSecretArn };
    this.kmsKeyArn = props.kmsKeyArn;
  }

  /** `postgresql://<host>:<port>/<db>?sslmode=verify-full` (or `mysql://...?ssl-mode=VERIFY_IDENTITY`). */
  public connectionUri(): string {
    return databaseUri(this.engine, this.host, this.port, this.databaseName, this.tlsRequired ? TlsVerification.FULL : TlsVerification.NONE);
  }

  /**
   * Inline policy on the identity's IAM role: secretsmanager:GetSecretValue and DescribeSecret on the
   * credentials secret, kms:Decrypt on its key (with `kmsKeyArn`; only via Secrets Manager, only for
   * this secret), rds-db:connect (with `iamUser`).
   */
  public grantConnect(identity: IWorkloadIdentity): void {
    requireIdentity(this, identity, WorkloadIdentityKind.AWS_IAM_ROLE, "an RDS database");
    const statements = secretsManagerStatements(this.credentials.name, this.kmsKeyArn);
    if (this.iamUserArn !== undefined) {
      statements.push({ Sid: "IamAuthentication", Effect: "Allow", Action: ["rds-db:connect"], Resource: [this.iamUserArn] });
    }
    attachRolePolicy(this, identity, "rds-connect", statements);
  }
}

/** Props of `CloudSqlDatabaseReference`. */
export interface CloudSqlDatabaseReferenceProps extends DatabaseConnectionProps {
  /**
   * Project of the Cloud SQL instance (where `roles/cloudsql.client` is granted). `grantConnect`
   * needs a literal project id: the binding is keyed on it.
   */
  readonly project: string;
  /** Instance connection name, `<project>:<region>:<instance>`. */
  readonly instanceConnectionName: string;
  /**
   * Secret Manager secret holding the credentials: an id in `project`, or `projects/<project>/secrets/<id>`.
   * `grantConnect` needs a literal secret (and, for an id, a literal `project`): the binding is keyed on its name.
   */
  readonly credentialsSecret: string;
}

/**
 * An existing Cloud SQL database (PostgreSQL or MySQL, private IP) as an `IDatabase`: grants bind
 * `roles/cloudsql.client` on the project and `roles/secretmanager.secretAccessor` on the credentials
 * secret to the workload identity's Google service account.
 *
 * Cloud SQL server certificates name the instance, not its IP address, so the URI verifies the CA
 * (`sslmode=verify-ca`), not the host name.
 *
 * @example
 * const db = new CloudSqlDatabaseReference(infra, "MlflowDb", {
 *   engine: DatabaseEngine.POSTGRES, project: "acme-ml", instanceConnectionName: "acme-ml:us-central1:mlflow",
 *   host: "10.20.0.3", databaseName: "mlflow", credentialsSecret: "mlflow-db",
 * });
 */
export class CloudSqlDatabaseReference extends Construct implements IDatabase {
  /** Database engine. */
  public readonly engine: DatabaseEngine;
  /** Private IP address of the instance. */
  public readonly host: string;
  /** TCP port. */
  public readonly port: number;
  /** Database name. */
  public readonly databaseName: string;
  /** The Secret Manager secret holding the credentials (`projects/<project>/secrets/<id>`). */
  public readonly credentials: SecretReference;
  /** Whether clients must use TLS (`sslmode=verify-ca` / `ssl-mode=VERIFY_CA`). */
  public readonly tlsRequired: boolean;
  /** Project of the instance. */
  public readonly project: string;
  /** `<project>:<region>:<instance>`, for the Cloud SQL Auth Proxy and connectors. */
  public readonly instanceConnectionName: string;

  constructor(scope: Construct, id: string, props: CloudSqlDatabaseReferenceProps) {
    super(scope, id);
    const connection = validateDatabaseConnection(this, props);
    validateGcpProject(this, "project", props.project);
    validateNonEmpty(this, "instanceConnectionName", props.instanceConnectionName);
    if (!isUnresolved(props.instanceConnectionName)) {
      const parts = String(props.instanceConnectionName).split(":");
      // The region part is checked on its own so that a zone or an unknown region gets its own message.
      if (parts.length === 3 || (parts.length === 4 && parts[0].includes("."))) validateGcpRegion(this, "instanceConnectionName region", parts[parts.length - 2]);
      const m = CLOUD_SQL_CONNECTION_NAME.exec(props.instanceConnectionName);
      if (!m) {
        invalid(this, "instanceConnectionName", props.instanceConnectionName, 'must be "<project>:<region>:<instance>", e.g. "acme-ml:us-central1:mlflow"');
      }
      if (!isUnresolved(props.project) && m[1] !== props.project) {
        invalid(this, "instanceConnectionName", props.instanceConnectionName, `must be in project ${JSON.stringify(props.project)} (the project prop)`);
      }
    }
    this.engine = props.engine;
    this.host = props.host;
    this.port = connection.port;
    this.databaseName = props.databaseName;
    this.tlsRequired = connection.tlsRequired;
    this.project = props.project;
    this.instanceConnectionName = props.instanceConnectionName;
    this.credentials = { kind: SecretKind.GCP_SECRET_MANAGER, name: gcpSecretName(this, "credentialsSecret", props.credentialsSecret, props.project) };
  }

  /** `postgresql://<ip>:<port>/<db>?sslmode=verify-ca` (or `mysql://...?ssl-mode=VERIFY_CA`). */
  public connectionUri(): string {
    return databaseUri(this.engine, this.host, this.port, this.databaseName, this.tlsRequired ? TlsVerification.CA : TlsVerification.NONE);
  }

  /**
   * Binds `roles/cloudsql.client` on the project and `roles/secretmanager.secretAccessor` on the
   * credentials secret, each once per identity (under the identity, keyed on the project / secret
   * name, so references sharing them share the binding). Fails on a token project or secret.
   */
  public grantConnect(identity: IWorkloadIdentity): void {
    requireIdentity(this, identity, WorkloadIdentityKind.GCP_SERVICE_ACCOUNT, "a Cloud SQL database");
    grantProjectRole(this, identity, "CloudSqlClient", this.project, "roles/cloudsql.client");
    grantSecretAccessor(this, identity, "credentialsSecret", this.credentials.name);
  }
}

/** Props of `ExistingDatabase`. */
export interface ExistingDatabaseProps extends DatabaseConnectionProps {
  /** Name of the Kubernetes Secret holding the credentials. */
  readonly credentialsSecretName: string;
  /**
   * Data key of the password in the Secret.
   * @default - the Secret's `username` and `password` keys
   */
  readonly credentialsSecretKey?: string;
  /**
   * Namespace of the Secret.
   * @default - the namespace of the workload that reads it
   */
  readonly credentialsSecretNamespace?: string;
}

/**
 * A database that Strata does not manage (on-prem, or any PostgreSQL/MySQL reachable from the
 * cluster) as an `IDatabase`. Its users and privileges are outside Terraform's reach, so each grant
 * records a warning naming what the database's own roles must allow.
 *
 * @example
 * const db = new ExistingDatabase(infra, "MlflowDb", {
 *   engine: DatabaseEngine.POSTGRES, host: "pg.dc1.example.com", databaseName: "mlflow", credentialsSecretName: "mlflow-db",
 * });
 */
export class ExistingDatabase extends Construct implements IDatabase {
  /** Database engine. */
  public readonly engine: DatabaseEngine;
  /** Host name or IP address. */
  public readonly host: string;
  /** TCP port. */
  public readonly port: number;
  /** Database name. */
  public readonly databaseName: string;
  /** The Kubernetes Secret holding the credentials. */
  public readonly credentials: SecretReference;
  /** Whether clients must use TLS (`sslmode=verify-full` / `ssl-mode=VERIFY_IDENTITY`). */
  public readonly tlsRequired: boolean;

  constructor(scope: Construct, id: string, props: ExistingDatabaseProps) {
    super(scope, id);
    const connection = validateDatabaseConnection(this, props);
    validateKubernetesSecret(this, "credentialsSecret", props.credentialsSecretName, props.credentialsSecretKey, props.credentialsSecretNamespace);
    this.engine = props.engine;
    this.host = props.host;
    this.port = connection.port;
    this.databaseName = props.databaseName;
    this.tlsRequired = connection.tlsRequired;
    this.credentials = {
      kind: SecretKind.KUBERNETES_SECRET,
      name: props.credentialsSecretName,
      key: props.credentialsSecretKey,
      namespace: props.credentialsSecretNamespace,
    };
  }

  /** `postgresql://<host>:<port>/<db>?sslmode=verify-full` (or `mysql://...?ssl-mode=VERIFY_IDENTITY`). */
  public connectionUri(): string {
    return databaseUri(this.engine, this.host, this.port, this.databaseName, this.tlsRequired ? TlsVerification.FULL : TlsVerification.NONE);
  }

  /** Records that the database's own roles must let the credentials in the Secret connect. */
  public grantConnect(identity: IWorkloadIdentity): void {
    requireIdentity(this, identity, WorkloadIdentityKind.KUBERNETES_SECRET, "an existing database");
    warning(
      this,
      `${this.node.path}: grant connect on ${this.engine} database "${this.databaseName}" at ${endpoint(this.host, this.port)} ` +
        `to ${identity.namespace}/${identity.serviceAccountName} is not enforced by Terraform: the user in Secret ` +
        `"${this.credentials.namespace ?? identity.namespace}/${this.credentials.name}" must be granted access to "${this.databaseName}" by the database's own roles`,
    );
  }
}
