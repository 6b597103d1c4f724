import { Construct } from "constructs";
import { DataAwsSecretsmanagerSecretVersion } from "@cdktf/provider-aws/lib/data-aws-secretsmanager-secret-version";
import { ElasticacheReplicationGroup } from "@cdktf/provider-aws/lib/elasticache-replication-group";
import { ElasticacheSubnetGroup } from "@cdktf/provider-aws/lib/elasticache-subnet-group";
import { ElasticacheUser } from "@cdktf/provider-aws/lib/elasticache-user";
import { ElasticacheUserGroup } from "@cdktf/provider-aws/lib/elasticache-user-group";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { KEY_USER_ACTIONS, serviceKeyPolicy } from "../core/kms-key-policy";
import { IWorkloadIdentity } from "../core/cluster";
import { ElastiCacheReference, ICache } from "../core/cache";
import { SecretReference } from "../core/database";
import { validatePattern } from "../core/database-internal";
import {
  invalid,
  isUnresolved,
  validateBoolean,
  validateCidrList,
  validateEnum,
  validateInteger,
  validateKmsKeyArn,
  validateNonEmpty,
  validateStringList,
  warning,
} from "../core/validation";

/** Engine of an ElastiCache online store. */
export enum ElastiCacheEngine {
  /** Valkey (the open-source Redis fork; Feast's `type: redis` client speaks to it). */
  VALKEY = "valkey",
  /** Redis OSS. */
  REDIS = "redis",
}

/** How clients authenticate to an ElastiCache online store. */
export enum ElastiCacheAuthentication {
  /**
   * RBAC with IAM authentication: an `aws_elasticache_user` with `authentication_mode { type = "iam" }`
   * in a user group whose `default` user is disabled. No password exists anywhere (code, state,
   * secrets); clients sign a short-lived token with the workload identity's role (the client
   * library must support ElastiCache IAM authentication).
   */
  IAM = "iam",
  /**
   * An AUTH token read from an existing Secrets Manager secret (`authTokenSecretArn`). Works with
   * every Redis client (Feast's included), but Terraform stores the token, marked sensitive, in the
   * replication group's state: protect the state backend.
   */
  AUTH_TOKEN = "auth-token",
}

/** Props of `ElastiCacheOnlineStore`. */
export interface ElastiCacheOnlineStoreProps {
  /** Replication group id: 1 to 40 lowercase letters, digits and '-', starting with a letter, no '--', not ending in '-'. */
  readonly replicationGroupId: string;
  /** VPC of the security group. */
  readonly vpcId: string;
  /** Private subnets of the subnet group (at least 2, in different Availability Zones for Multi-AZ). */
  readonly subnetIds: string[];
  /**
   * IPv4 CIDR blocks admitted on the cache port (6379). With `allowedSecurityGroupIds`, at least one source is required.
   * @default []
   */
  readonly allowedCidrs?: string[];
  /**
   * Security groups admitted on the cache port (6379), e.g. the cluster's node security group.
   * @default []
   */
  readonly allowedSecurityGroupIds?: string[];
  /**
   * Engine.
   * @default ElastiCacheEngine.VALKEY
   */
  readonly engine?: ElastiCacheEngine;
  /**
   * Pinned engine version (`major.minor`, e.g. "8.0" for Valkey, "7.1" for Redis OSS). IAM
   * authentication needs Valkey 7.2+ or Redis OSS 7+.
   * @default "8.0"
   */
  readonly engineVersion?: string;
  /**
   * Node type.
   * @default "cache.r7g.large"
   */
  readonly nodeType?: string;
  /**
   * Cache nodes (primary + replicas), 1 to 6. Fewer than 2 turns Multi-AZ and automatic failover off
   * and needs `allowSingleNode: true`.
   * @default 2
   */
  readonly numCacheClusters?: number;
  /**
   * Permit `numCacheClusters: 1` (no replica, no automatic failover).
   * @default false
   */
  readonly allowSingleNode?: boolean;
  /**
   * Authentication.
   * @default ElastiCacheAuthentication.IAM
   */
  readonly authentication?: ElastiCacheAuthentication;
  /**
   * Full ARN of the Secrets Manager secret whose string is the AUTH token (16 to 128 printable
   * characters). Required with `ElastiCacheAuthentication.AUTH_TOKEN`, not allowed otherwise.
   * @default - none
   */
  readonly authTokenSecretArn?: string;
  /**
   * Key ARN of the customer-managed KMS key that encrypts `authTokenSecretArn` (grants then include
   * a scoped kms:Decrypt).
   * @default - the secret uses the AWS-managed key
   */
  readonly authTokenKmsKeyArn?: string;
  /**
   * ARN of an existing customer-managed KMS key for encryption at rest.
   * @default - a new customer-managed key with rotation on
   */
  readonly kmsKeyArn?: string;
  /**
   * Days automatic snapshots are kept (1 to 35).
   * @default 7
   */
  readonly snapshotRetentionDays?: number;
  /**
   * Let `terraform destroy` delete the cache (and its key).
   * @default false (prevent_destroy)
   */
  readonly allowDestroy?: boolean;
}

const GROUP_ID = /^[a-z](?!.*--)[a-z0-9-]{0,39}$/;

/**
 * An Amazon ElastiCache (Valkey or Redis OSS) replication group as an `ICache`: TLS only
 * (`transit_encryption_mode = "required"`), encrypted at rest with a customer-managed KMS key,
 * Multi-AZ with automatic failover over 2 nodes, reachable on 6379 only from the given CIDRs and
 * security groups, snapshots kept 7 days, a final snapshot on delete, protected from destroy.
 * Authentication is IAM (RBAC user group, default user disabled) or an AUTH token from Secrets
 * Manager. Grants go through `ElastiCacheReference` (child `Reference`).
 *
 * @example
 * const online = new ElastiCacheOnlineStore(infra, "OnlineStore", {
 *   replicationGroupId: "feast-online", vpcId: vpc.vpcId, subnetIds: vpc.privateSubnetIds,
 *   allowedSecurityGroupIds: [cluster.nodeSecurityGroupId],
 * });
 * online.grantConnect(feastIdentity);
 */
export class ElastiCacheOnlineStore extends Construct implements ICache {
  /** The aws_elasticache_replication_group resource. */
  public readonly replicationGroup: ElasticacheReplicationGroup;
  /** The security group of the cache. */
  public readonly securityGroup: SecurityGroup;
  /** The key Strata created (undefined when `kmsKeyArn` was given). */
  public readonly kmsKey?: KmsKey;
  /** The IAM-authenticated user (IAM authentication only); clients connect as its user name. */
  public readonly iamUser?: ElasticacheUser;
  /** Primary endpoint. */
  public readonly host: string;
  /** TCP port (6379). */
  public readonly port: number;
  /** Always true: the replication group requires TLS. */
  public readonly tlsEnabled: boolean;
  /** The Secrets Manager secret holding the AUTH token (AUTH_TOKEN authentication only). */
  public readonly authSecret?: SecretReference;
  /** The reference that implements the grants. */
  private readonly reference: ElastiCacheReference;

  constructor(scope: Construct, id: string, props: ElastiCacheOnlineStoreProps) {
    super(scope, id);
    const groupId = props.replicationGroupId as unknown;
    if (!isUnresolved(groupId) && (typeof groupId !== "string" || !GROUP_ID.test(groupId) || groupId.endsWith("-"))) {
      invalid(this, "replicationGroupId", groupId, "must be 1 to 40 lowercase letters, digits and '-', starting with a letter, without '--' and not ending in '-'");
    }
    validateNonEmpty(this, "vpcId", props.vpcId);
    validateStringList(this, "subnetIds", props.subnetIds, '["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"]');
    if (props.subnetIds === undefined) invalid(this, "subnetIds", undefined, "is required: private subnets in at least 2 Availability Zones");
    validateStringList(this, "allowedSecurityGroupIds", props.allowedSecurityGroupIds, '["sg-0123456789abcdef0"]');
    validateCidrList(this, "allowedCidrs", props.allowedCidrs, {
      allowAnywhere: false,
      anywhereHint: "must not be 0.0.0.0/0: the cache is private (list the client subnets or security groups)",
    });
    const cidrs = props.allowedCidrs ?? [];
    const sgs = props.allowedSecurityGroupIds ?? [];
    if (!isUnresolved(cidrs) && !isUnresolved(sgs) && cidrs.length === 0 && sgs.length === 0) {
      invalid(this, "allowedCidrs", undefined, "or allowedSecurityGroupIds is required: nothing could reach the cache");
    }
    const engine = props.engine ?? ElastiCacheEngine.VALKEY;
    validateEnum(this, "engine", engine, ElastiCacheEngine, "ElastiCacheEngine");
    const engineVersion = props.engineVersion ?? "8.0";
    validatePattern(this, "engineVersion", engineVersion, /^\d+\.\d+$/, 'must be a pinned major.minor engine version, e.g. "8.0"');
    if (props.nodeType !== undefined) validateNonEmpty(this, "nodeType", props.nodeType);
    validatePattern(this, "nodeType", props.nodeType, /^cache\.[a-z0-9]+\.[a-z0-9]+$/, 'must be an ElastiCache node type, e.g. "cache.r7g.large"');
    const nodes = props.numCacheClusters ?? 2;
    validateInteger(this, "numCacheClusters", nodes, 1, 6);
    validateBoolean(this, "allowSingleNode", props.allowSingleNode);
    if (!isUnresolved(props.subnetIds) && !isUnresolved(nodes) && nodes >= 2 && props.subnetIds.length < 2) {
      invalid(this, "subnetIds", props.subnetIds, "must list at least 2 subnets (in different Availability Zones) for Multi-AZ");
    }
    if (!isUnresolved(nodes) && nodes < 2 && props.allowSingleNode !== true) {
      invalid(this, "numCacheClusters", nodes, "must be at least 2 for Multi-AZ with automatic failover; set allowSingleNode: true to accept a single node");
    }
    const auth = props.authentication ?? ElastiCacheAuthentication.IAM;
    validateEnum(this, "authentication", auth, ElastiCacheAuthentication, "ElastiCacheAuthentication");
    if (auth === ElastiCacheAuthentication.AUTH_TOKEN && props.authTokenSecretArn === undefined) {
      invalid(this, "authTokenSecretArn", undefined, "is required with authentication: ElastiCacheAuthentication.AUTH_TOKEN");
    }
    if (auth === ElastiCacheAuthentication.IAM && (props.authTokenSecretArn !== undefined || props.authTokenKmsKeyArn !== undefined)) {
      invalid(
        this,
        props.authTokenSecretArn !== undefined ? "authTokenSecretArn" : "authTokenKmsKeyArn",
        props.authTokenSecretArn ?? props.authTokenKmsKeyArn,
        "only applies with authentication: ElastiCacheAuthentication.AUTH_TOKEN (IAM authentication has no token)",
      );
    }
    if (auth === ElastiCacheAuthentication.IAM && !isUnresolved(engineVersion)) {
      const major = Number(engineVersion.split(".")[0]);
      if (engine === ElastiCacheEngine.REDIS && major < 7) {
        invalid(this, "engineVersion", engineVersion, "must be 7.0 or later for IAM authentication with Redis OSS");
      }
    }
    validateKmsKeyArn(this, "kmsKeyArn", props.kmsKeyArn);
    const retention = props.snapshotRetentionDays ?? 7;
    validateInteger(this, "snapshotRetentionDays", retention, 1, 35);
    validateBoolean(this, "allowDestroy", props.allowDestroy);
    const protect = props.allowDestroy !== true;
    const lifecycle = { preventDestroy: protect };
    const name = props.replicationGroupId;

    if (props.kmsKeyArn === undefined) {
      this.kmsKey = new KmsKey(this, "Key", {
        description: `ElastiCache ${name} (Strata)`,
        enableKeyRotation: true,
        deletionWindowInDays: 30,
        // Administered by the account root; used only through ElastiCache in this region by
        // principals of this account (kms:ViaService, kms:CallerAccount). ElastiCache keeps a KMS
        // grant on the key for the cluster's lifetime, hence CreateGrant/ListGrants (the pattern of
        // the ElastiCache at-rest-encryption docs; the exact action list is unverified here).
        policy: serviceKeyPolicy(this, [
          { sid: "UseThroughElastiCache", service: "elasticache", actions: [...KEY_USER_ACTIONS, "kms:CreateGrant", "kms:ListGrants"] },
        ]),
        lifecycle,
      });
    }
    const kmsKeyArn = props.kmsKeyArn ?? this.kmsKey!.arn;
    const subnetGroup = new ElasticacheSubnetGroup(this, "SubnetGroup", { name, subnetIds: props.subnetIds });
    this.securityGroup = new SecurityGroup(this, "SecurityGroup", {
      name: `${name}-cache`,
      description: `ElastiCache ${name}: port 6379 from allowed sources only (Strata)`,
      vpcId: props.vpcId,
      ingress: [
        ...(cidrs.length > 0 ? [{ description: "Cache clients (CIDRs)", protocol: "tcp", fromPort: 6379, toPort: 6379, cidrBlocks: cidrs }] : []),
        ...sgs.map((sg) => ({ description: "Cache clients (security group)", protocol: "tcp", fromPort: 6379, toPort: 6379, securityGroups: [sg] })),
      ],
      egress: [],
    });

    let userGroupIds: string[] | undefined;
    let userArns: string[] = [];
    if (auth === ElastiCacheAuthentication.IAM) {
      // A user group must contain a user named "default"; this one is switched off.
      const defaultUser = new ElasticacheUser(this, "DefaultUser", {
        userId: `${name}-default`,
        userName: "default",
        engine,
        accessString: "off -@all",
        authenticationMode: { type: "no-password-required" },
      });
      // IAM authentication needs user_id == user_name.
      this.iamUser = new ElasticacheUser(this, "IamUser", {
        userId: `${name}-iam`,
        userName: `${name}-iam`,
        engine,
        accessString: "on ~* +@all -@dangerous",
        authenticationMode: { type: "iam" },
      });
      const userGroup = new ElasticacheUserGroup(this, "UserGroup", {
        userGroupId: `${name}-users`,
        engine,
        userIds: [defaultUser.userId, this.iamUser.userId],
      });
      userGroupIds = [userGroup.userGroupId];
      userArns = [this.iamUser.arn];
    }
    const token =
      auth === ElastiCacheAuthentication.AUTH_TOKEN
        ? new DataAwsSecretsmanagerSecretVersion(this, "AuthToken", { secretId: props.authTokenSecretArn! })
        : undefined;

    this.replicationGroup = new ElasticacheReplicationGroup(this, "Resource", {
      replicationGroupId: name,
      description: `Online store ${name} (Strata)`,
      engine,
      engineVersion,
      nodeType: props.nodeType ?? "cache.r7g.large",
      numCacheClusters: nodes,
      port: 6379,
      multiAzEnabled: nodes >= 2,
      automaticFailoverEnabled: nodes >= 2,
      subnetGroupName: subnetGroup.name,
      securityGroupIds: [this.securityGroup.id],
      atRestEncryptionEnabled: "true",
      kmsKeyId: kmsKeyArn,
      transitEncryptionEnabled: true,
      transitEncryptionMode: "required",
      userGroupIds,
      authToken: token?.secretString,
      authTokenUpdateStrategy: token ? "ROTATE" : undefined,
      snapshotRetentionLimit: retention,
      finalSnapshotIdentifier: `${name}-final`,
      autoMinorVersionUpgrade: "true",
      applyImmediately: false,
      lifecycle,
    });
    this.reference = new ElastiCacheReference(this, "Reference", {
      host: this.replicationGroup.primaryEndpointAddress,
      port: 6379,
      authTokenSecretArn: props.authTokenSecretArn,
      kmsKeyArn: props.authTokenKmsKeyArn,
      replicationGroupArn: auth === ElastiCacheAuthentication.IAM ? this.replicationGroup.arn : undefined,
      userArns: auth === ElastiCacheAuthentication.IAM ? userArns : undefined,
    });
    if (auth === ElastiCacheAuthentication.AUTH_TOKEN) {
      warning(
        this,
        `${this.node.path}: the AUTH token from ${props.authTokenSecretArn} is stored (marked sensitive) in Terraform state; encrypt and restrict the state backend, or use ElastiCacheAuthentication.IAM where every client supports it (Feast does not)`,
      );
    }
    this.host = this.reference.host;
    this.port = this.reference.port;
    this.tlsEnabled = this.reference.tlsEnabled;
    this.authSecret = this.reference.authSecret;
  }

  /** `rediss://<host>:6379`. */
  public connectionUri(): string {
    return this.reference.connectionUri();
  }

  /**
   * Inline policy on the identity's IAM role: `elasticache:Connect` on the replication group and the
   * IAM user (IAM authentication), or read access to the AUTH token secret (AUTH_TOKEN).
   */
  public grantConnect(identity: IWorkloadIdentity): void {
    this.reference.grantConnect(identity);
  }
}
