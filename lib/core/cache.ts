import { Construct, IConstruct } from "constructs";
import { IWorkloadIdentity, WorkloadIdentityKind } from "./cluster";
import { SecretKind, SecretReference } from "./database";
import {
  endpoint,
  gcpSecretName,
  grantProjectRole,
  grantSecretAccessor,
  resolveTls,
  secretsManagerStatements,
  validateGcpProject,
  validateHost,
  validateKmsKeyArn,
  validateKubernetesSecret,
  validatePattern,
  validateSecretsManagerArn,
} from "./database-internal";
import { attachRolePolicy, requireIdentity } from "./grants";
import { invalid, isUnresolved, validateBoolean, validateEnum, validateInteger, validateStringList, warning } from "./validation";

/**
 * The cache contract: a Redis-compatible in-memory store (Feast's online store, session and
 * rate-limit state) that workloads reach through a workload identity, whatever cloud (or none) it
 * lives on. The password or AUTH token never appears in code, URIs or state.
 */
export interface ICache extends IConstruct {
  /** Host name or IP address clients connect to (primary or configuration endpoint). */
  readonly host: string;
  /** TCP port. */
  readonly port: number;
  /** Whether clients connect with TLS. */
  readonly tlsEnabled: boolean;
  /**
   * Where the AUTH token or password lives.
   * @default - no password (IAM authentication, or no authentication)
   */
  readonly authSecret?: SecretReference;
  /** Connection URI without credentials: `rediss://<host>:<port>` with TLS, `redis://<host>:<port>` without. */
  connectionUri(): string;
  /** Allows a workload identity to read the AUTH secret and connect. */
  grantConnect(identity: IWorkloadIdentity): void;
}

/** Connection props shared by every cache reference. */
export interface CacheConnectionProps {
  /** Host name or IP address (no scheme, port or path). */
  readonly host: string;
  /**
   * TCP port.
   * @default 6379
   */
  readonly port?: number;
  /**
   * Connect with TLS. Setting `false` also needs `allowPlaintext: true`.
   * @default true
   */
  readonly tlsEnabled?: boolean;
  /**
   * Permit `tlsEnabled: false`. The AUTH token and data then cross the network unencrypted.
   * @default false
   */
  readonly allowPlaintext?: boolean;
}

/** Props of `ElastiCacheReference`. */
export interface ElastiCacheReferenceProps extends CacheConnectionProps {
  /**
   * Full ARN of the Secrets Manager secret holding the AUTH token, ending in the `-` and 6 random
   * characters Secrets Manager appends to the name (IAM never matches a partial ARN).
   * @default - no AUTH token
   */
  readonly authTokenSecretArn?: string;
  /**
   * Key ARN (`arn:<partition>:kms:<region>:<account>:key/<id>`, not an alias) of the customer-managed
   * KMS key that encrypts the AUTH token secret; grants then include kms:Decrypt, only through
   * Secrets Manager in the secret's region and only for this secret's encryption context.
   * @default - the secret uses the AWS-managed key
   */
  readonly kmsKeyArn?: string;
  /**
   * ARN of the replication group (or serverless cache), for IAM authentication: grants then allow
   * `elasticache:Connect` on it and on `userArns` (IAM authentication needs both). Needs at least one `userArns` entry.
   * @default - no IAM authentication
   */
  readonly replicationGroupArn?: string;
  /**
   * ARNs of the ElastiCache users IAM authentication connects as. At least one is required with
   * `replicationGroupArn`, and they are only allowed with it.
   * @default []
   */
  readonly userArns?: string[];
}

/**
 * An existing Amazon ElastiCache (Redis OSS or Valkey) cache as an `ICache`: grants become an
 * inline policy on the workload identity's IAM role that reads the AUTH token secret and, with
 * `replicationGroupArn`, allows IAM authentication.
 *
 * @example
 * const online = new ElastiCacheReference(infra, "OnlineStore", {
 *   host: "master.feast.abc.use1.cache.amazonaws.com",
 *   authTokenSecretArn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:feast-redis-AbCdEf",
 * });
 * online.grantConnect(feastIdentity);
 */
export class ElastiCacheReference extends Construct implements ICache {
  /** Primary or configuration endpoint. */
  public readonly host: string;
  /** TCP port. */
  public readonly port: number;
  /** Whether clients connect with TLS. */
  public readonly tlsEnabled: boolean;
  /** The Secrets Manager secret holding the AUTH token. */
  public readonly authSecret?: SecretReference;
  private readonly kmsKeyArn?: string;
  private readonly connectResources: string[];

  constructor(scope: Construct, id: string, props: ElastiCacheReferenceProps) {
    super(scope, id);
    const connection = validateCacheConnection(this, props);
    validateStringList(this, "userArns", props.userArns);
    const userArns = props.userArns ?? [];
    if (props.authTokenSecretArn !== undefined) validateSecretsManagerArn(this, "authTokenSecretArn", props.authTokenSecretArn);
    validateKmsKeyArn(this, "kmsKeyArn", props.kmsKeyArn);
    validatePattern(
      this,
      "replicationGroupArn",
      props.replicationGroupArn,
      /^arn:aws(-[a-z]+)*:elasticache:[a-z]{2}(-[a-z]+)+-\d+:\d{12}:(replicationgroup|serverlesscache):[A-Za-z0-9-]+$/,
      "must be an ElastiCache replication group or serverless cache ARN: arn:<partition>:elasticache:<region>:<account>:replicationgroup:<id>",
    );
    userArns.forEach((arn, i) =>
      validatePattern(
        this,
        `userArns[${i}]`,
        arn,
        /^arn:aws(-[a-z]+)*:elasticache:[a-z]{2}(-[a-z]+)+-\d+:\d{12}:user:[A-Za-z0-9-]+$/,
        "must be an ElastiCache user ARN: arn:<partition>:elasticache:<region>:<account>:user:<user-id>",
      ),
    );
    if (userArns.length > 0 && props.replicationGroupArn === undefined) {
      invalid(this, "userArns", userArns, "need replicationGroupArn: IAM authentication must allow elasticache:Connect on the cache and the user");
    }
    if (props.replicationGroupArn !== undefined && userArns.length === 0) {
      invalid(
        this,
        "userArns",
        props.userArns,
        "needs at least one ElastiCache user ARN with replicationGroupArn: IAM authentication must allow elasticache:Connect on the cache and the user",
      );
    }
    const authenticated = props.authTokenSecretArn !== undefined || props.replicationGroupArn !== undefined;
    if (!connection.tlsEnabled && authenticated) {
      invalid(this, "tlsEnabled", false, "ElastiCache AUTH tokens and IAM authentication need in-transit encryption (TLS)");
    }
    if (!authenticated) warnNoAuth(this, connection.address, "authTokenSecretArn or replicationGroupArn (IAM authentication)");
    this.host = props.host;
    this.port = connection.port;
    this.tlsEnabled = connection.tlsEnabled;
    this.authSecret =
      props.authTokenSecretArn === undefined ? undefined : { kind: SecretKind.AWS_SECRETS_MANAGER, name: props.authTokenSecretArn };
    this.kmsKeyArn = props.kmsKeyArn;
    this.connectResources = props.replicationGroupArn === undefined ? [] : [props.replicationGroupArn, ...userArns];
  }

  /** `rediss://<host>:<port>` (`redis://` without TLS). */
  public connectionUri(): string {
    return cacheUri(this.host, this.port, this.tlsEnabled);
  }

  /**
   * Inline policy on the identity's IAM role: secretsmanager:GetSecretValue and DescribeSecret on the
   * AUTH token secret (+ kms:Decrypt with `kmsKeyArn`), elasticache:Connect on the cache and users.
   * Creates nothing when the cache has neither.
   */
  public grantConnect(identity: IWorkloadIdentity): void {
    requireIdentity(this, identity, WorkloadIdentityKind.AWS_IAM_ROLE, "an ElastiCache cache");
    const statements = this.authSecret === undefined ? [] : secretsManagerStatements(this.authSecret.name, this.kmsKeyArn);
    if (this.connectResources.length > 0) {
      statements.push({ Sid: "IamAuthentication", Effect: "Allow", Action: ["elasticache:Connect"], Resource: this.connectResources });
    }
    if (statements.length > 0) attachRolePolicy(this, identity, "elasticache-connect", statements);
  }
}

/**
 * The Memorystore product an instance belongs to. Each authenticates clients differently, so the
 * product decides whether IAM authentication is possible and which role it needs.
 */
export enum MemorystoreProduct {
  /** Memorystore for Redis (standalone instances): AUTH string only, no IAM authentication. */
  REDIS = "redis",
  /** Memorystore for Redis Cluster: IAM authentication through `roles/redis.dbConnectionUser`. */
  REDIS_CLUSTER = "redis-cluster",
  /** Memorystore for Valkey: IAM authentication through `roles/memorystore.dbConnectionUser`. */
  VALKEY = "valkey",
}

/** The project role and construct-id label IAM authentication binds, per product that has it. */
const IAM_AUTHENTICATION_ROLE: Partial<Record<MemorystoreProduct, { label: string; role: string }>> = {
  [MemorystoreProduct.REDIS_CLUSTER]: { label: "RedisDbConnectionUser", role: "roles/redis.dbConnectionUser" },
  [MemorystoreProduct.VALKEY]: { label: "MemorystoreDbConnectionUser", role: "roles/memorystore.dbConnectionUser" },
};

/** Props of `MemorystoreReference`. */
export interface MemorystoreReferenceProps extends CacheConnectionProps {
  /**
   * The Memorystore product of the instance. Required, with no default: the products differ in
   * whether IAM authentication exists and which role it needs, and a guessed product would bind a
   * role that lets nobody connect (found only at run time).
   */
  readonly product: MemorystoreProduct;
  /**
   * Project of the instance (where the IAM authentication role is granted). With `iamAuthentication`,
   * `grantConnect` needs a literal project id: the binding is keyed on it.
   */
  readonly project: string;
  /**
   * Secret Manager secret holding the AUTH string: an id in `project`, or `projects/<project>/secrets/<id>`.
   * `grantConnect` needs a literal secret (and, for an id, a literal `project`): the binding is keyed on its name.
   * @default - no AUTH string
   */
  readonly authSecret?: string;
  /**
   * The instance uses IAM authentication: grants then bind the product's role on the project,
   * `roles/redis.dbConnectionUser` (REDIS_CLUSTER) or `roles/memorystore.dbConnectionUser` (VALKEY).
   * Not available for REDIS, which only has an AUTH string.
   * @default false
   */
  readonly iamAuthentication?: boolean;
}

/**
 * An existing Memorystore instance (Redis, Redis Cluster or Valkey) as an `ICache`: grants bind
 * `roles/secretmanager.secretAccessor` on the AUTH secret and, with IAM authentication, the
 * product's connection role on the project to the workload identity's Google service account.
 * Memorystore for Redis (`MemorystoreProduct.REDIS`) listens on 6378 with in-transit encryption and on
 * 6379 without: `port` defaults to match `tlsEnabled`, and a port that contradicts it is rejected.
 *
 * @example
 * const online = new MemorystoreReference(infra, "OnlineStore", {
 *   product: MemorystoreProduct.VALKEY, project: "acme-ml", host: "10.30.0.5", iamAuthentication: true,
 * });
 */
export class MemorystoreReference extends Construct implements ICache {
  /** Private IP address (discovery endpoint for clusters). */
  public readonly host: string;
  /** TCP port. */
  public readonly port: number;
  /** Whether clients connect with TLS. */
  public readonly tlsEnabled: boolean;
  /** The Secret Manager secret holding the AUTH string (`projects/<project>/secrets/<id>`). */
  public readonly authSecret?: SecretReference;
  /** Project of the instance. */
  public readonly project: string;
  /** The Memorystore product of the instance. */
  public readonly product: MemorystoreProduct;
  /** Whether the instance uses IAM authentication. */
  public readonly iamAuthentication: boolean;

  constructor(scope: Construct, id: string, props: MemorystoreReferenceProps) {
    super(scope, id);
    if (props.product === undefined) {
      invalid(this, "product", props.product, "is required: MemorystoreProduct.REDIS, REDIS_CLUSTER or VALKEY (IAM authentication and its role depend on it)");
    }
    validateEnum(this, "product", props.product, MemorystoreProduct, "MemorystoreProduct");
    const redis = props.product === MemorystoreProduct.REDIS;
    const connection = validateCacheConnection(this, props, (tls) => (redis && tls ? 6378 : 6379));
    if (redis) memorystoreRedisPort(this, props.port, connection.tlsEnabled);
    validateBoolean(this, "iamAuthentication", props.iamAuthentication);
    validateGcpProject(this, "project", props.project);
    this.product = props.product;
    this.iamAuthentication = props.iamAuthentication ?? false;
    if (this.iamAuthentication && props.product === MemorystoreProduct.REDIS) {
      invalid(
        this,
        "iamAuthentication",
        true,
        "Memorystore for Redis (MemorystoreProduct.REDIS) has no IAM authentication, only an AUTH string: set authSecret instead (IAM authentication is for REDIS_CLUSTER and VALKEY)",
      );
    }
    if (props.authSecret === undefined && !this.iamAuthentication) {
      warnNoAuth(this, connection.address, props.product === MemorystoreProduct.REDIS ? "authSecret" : "authSecret or iamAuthentication");
    }
    this.host = props.host;
    this.port = connection.port;
    this.tlsEnabled = connection.tlsEnabled;
    this.project = props.project;
    this.authSecret =
      props.authSecret === undefined
        ? undefined
        : { kind: SecretKind.GCP_SECRET_MANAGER, name: gcpSecretName(this, "authSecret", props.authSecret, props.project) };
  }

  /** `rediss://<host>:<port>` (`redis://` without TLS). */
  public connectionUri(): string {
    return cacheUri(this.host, this.port, this.tlsEnabled);
  }

  /**
   * Binds the product's IAM authentication role on the project (with `iamAuthentication`) and
   * `roles/secretmanager.secretAccessor` on the AUTH secret, each once per identity (under the
   * identity, keyed on the project / secret name). Fails on a token project or secret it keys on.
   */
  public grantConnect(identity: IWorkloadIdentity): void {
    requireIdentity(this, identity, WorkloadIdentityKind.GCP_SERVICE_ACCOUNT, "a Memorystore instance");
    const iam = IAM_AUTHENTICATION_ROLE[this.product];
    if (this.iamAuthentication && iam !== undefined) grantProjectRole(this, identity, iam.label, this.project, iam.role);
    if (this.authSecret !== undefined) grantSecretAccessor(this, identity, "authSecret", this.authSecret.name);
  }
}

/** Props of `ExistingRedis`. */
export interface ExistingRedisProps extends CacheConnectionProps {
  /**
   * Name of the Kubernetes Secret holding the password.
   * @default - no password
   */
  readonly authSecretName?: string;
  /**
   * Data key of the password in the Secret.
   * @default - the Secret's `password` key
   */
  readonly authSecretKey?: string;
  /**
   * Namespace of the Secret.
   * @default - the namespace of the workload that reads it
   */
  readonly authSecretNamespace?: string;
}

/**
 * A Redis-compatible server that Strata does not manage (on-prem, or any Redis reachable from the
 * cluster) as an `ICache`. Its ACLs are outside Terraform's reach, so each grant records a warning.
 *
 * @example
 * const online = new ExistingRedis(infra, "OnlineStore", { host: "redis.dc1.example.com", authSecretName: "feast-redis" });
 */
export class ExistingRedis extends Construct implements ICache {
  /** Host name or IP address. */
  public readonly host: string;
  /** TCP port. */
  public readonly port: number;
  /** Whether clients connect with TLS. */
  public readonly tlsEnabled: boolean;
  /** The Kubernetes Secret holding the password. */
  public readonly authSecret?: SecretReference;

  constructor(scope: Construct, id: string, props: ExistingRedisProps) {
    super(scope, id);
    const connection = validateCacheConnection(this, props);
    if (props.authSecretName === undefined) {
      if (props.authSecretKey !== undefined || props.authSecretNamespace !== undefined) {
        invalid(this, "authSecretName", undefined, "is required with authSecretKey or authSecretNamespace");
      }
      warnNoAuth(this, connection.address, "authSecretName");
    } else {
      validateKubernetesSecret(this, "authSecret", props.authSecretName, props.authSecretKey, props.authSecretNamespace);
      this.authSecret = {
        kind: SecretKind.KUBERNETES_SECRET,
        name: props.authSecretName,
        key: props.authSecretKey,
        namespace: props.authSecretNamespace,
      };
    }
    this.host = props.host;
    this.port = connection.port;
    this.tlsEnabled = connection.tlsEnabled;
  }

  /** `rediss://<host>:<port>` (`redis://` without TLS). */
  public connectionUri(): string {
    return cacheUri(this.host, this.port, this.tlsEnabled);
  }

  /** Records that the server's own ACLs must let the password in the Secret connect. */
  public grantConnect(identity: IWorkloadIdentity): void {
    requireIdentity(this, identity, WorkloadIdentityKind.KUBERNETES_SECRET, "an existing Redis");
    const address = endpoint(this.host, this.port);
    const who = `${identity.namespace}/${identity.serviceAccountName}`;
    warning(
      this,
      this.authSecret === undefined
        ? `${this.node.path}: grant connect on Redis at ${address} to ${who} is not enforced by Terraform: the server has no password, so restrict who reaches it with network policies`
        : `${this.node.path}: grant connect on Redis at ${address} to ${who} is not enforced by Terraform: the password in Secret ` +
            `"${this.authSecret.namespace ?? identity.namespace}/${this.authSecret.name}" must be allowed by the server's own ACLs`,
    );
  }
}

function validateCacheConnection(
  scope: IConstruct,
  props: CacheConnectionProps,
  defaultPort: (tls: boolean) => number = () => 6379,
): { port: number; tlsEnabled: boolean; address: string } {
  validateHost(scope, "host", props.host);
  const tlsEnabled = resolveTls(scope, "tlsEnabled", props.tlsEnabled, props.allowPlaintext);
  const port = props.port ?? defaultPort(tlsEnabled);
  validateInteger(scope, "port", port, 1, 65535);
  return { port, tlsEnabled, address: endpoint(props.host, port) };
}

/**
 * Memorystore for Redis (standalone) listens on 6378 with in-transit encryption (server
 * authentication) and on 6379 without; the other products listen on 6379 either way.
 */
function memorystoreRedisPort(scope: IConstruct, port: number | undefined, tls: boolean): void {
  if (port === undefined || isUnresolved(port)) return;
  const expected = tls ? 6378 : 6379;
  if (port !== expected) {
    invalid(
      scope,
      "port",
      port,
      `contradicts tlsEnabled: ${tls}: Memorystore for Redis listens on ${expected} ${tls ? "with in-transit encryption (TLS)" : "without TLS"}; ` +
        `omit port (it defaults to ${expected}) or set tlsEnabled to match the instance`,
    );
  }
}

function warnNoAuth(scope: IConstruct, address: string, fix: string): void {
  warning(scope, `${scope.node.path}: the cache at ${address} has no authentication configured: any client that reaches it can read and write; set ${fix}`);
}

function cacheUri(host: string, port: number, tls: boolean): string {
  return `${tls ? "rediss" : "redis"}://${endpoint(host, port)}`;
}
