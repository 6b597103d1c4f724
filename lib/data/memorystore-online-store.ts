import { Construct } from "constructs";
import { dependable } from "cdktf";
import { DataGoogleProject } from "@cdktf/provider-google/lib/data-google-project";
import { KmsCryptoKeyIamMember } from "@cdktf/provider-google/lib/kms-crypto-key-iam-member";
import { RedisInstance } from "@cdktf/provider-google/lib/redis-instance";
import { SecretManagerSecret } from "@cdktf/provider-google/lib/secret-manager-secret";
import { SecretManagerSecretIamMember } from "@cdktf/provider-google/lib/secret-manager-secret-iam-member";
import { SecretManagerSecretVersion } from "@cdktf/provider-google/lib/secret-manager-secret-version";
import { IWorkloadIdentity } from "../core/cluster";
import { ICache, MemorystoreProduct, MemorystoreReference } from "../core/cache";
import { SecretReference } from "../core/database";
import { GCP_SECRET_ID, validatePattern } from "../core/database-internal";
import {
  invalid,
  isUnresolved,
  typeName,
  validateBoolean,
  validateGcpProjectId,
  validateGcpRegion,
  validateInteger,
  validateNonEmpty,
} from "../core/validation";
import { GcpServiceAgent, warnServiceAgentPrerequisite } from "./gcp-service-agents";

/** Props of `MemorystoreOnlineStore`. */
export interface MemorystoreOnlineStoreProps {
  /** Project id of the instance (a literal: grants are keyed on it). */
  readonly project: string;
  /** Region of the instance, e.g. "us-central1". */
  readonly region: string;
  /** Instance name: 1 to 40 lowercase letters, digits and '-', starting with a letter, ending with a letter or digit. */
  readonly instanceName: string;
  /**
   * VPC network clients reach the instance from: `projects/<project>/global/networks/<name>` (or its self link).
   * With private service access the network needs a private services connection.
   */
  readonly authorizedNetwork: string;
  /**
   * Cloud KMS key (CMEK) for data at rest and for the AUTH string secret, in `region`:
   * `projects/<project>/locations/<region>/keyRings/<ring>/cryptoKeys/<key>`. The Redis and Secret
   * Manager service agents are granted `roles/cloudkms.cryptoKeyEncrypterDecrypter` on it.
   */
  readonly kmsKeyName: string;
  /**
   * Connect through private service access (`PRIVATE_SERVICE_ACCESS`) rather than VPC peering (`DIRECT_PEERING`).
   * @default true
   */
  readonly privateServiceAccess?: boolean;
  /**
   * Memory in GiB (5 to 300 for STANDARD_HA, 1 to 300 for BASIC).
   * @default 5
   */
  readonly memorySizeGb?: number;
  /**
   * Pinned Redis version (`REDIS_<major>_<minor>`).
   * @default "REDIS_7_2"
   */
  readonly redisVersion?: string;
  /**
   * Use the BASIC tier (one node, no replica, no failover) instead of STANDARD_HA.
   * @default false
   */
  readonly allowBasicTier?: boolean;
  /**
   * Secret Manager secret id (in `project`) Strata creates for the AUTH string.
   * @default "<instanceName>-auth"
   */
  readonly authSecretId?: string;
  /**
   * Let `terraform destroy` delete the instance and the AUTH secret.
   * @default false (prevent_destroy)
   */
  readonly allowDestroy?: boolean;
}

const INSTANCE_NAME = /^[a-z]([a-z0-9-]{0,38}[a-z0-9])?$/;
const KMS_KEY_NAME = /^projects\/[^/]+\/locations\/([^/]+)\/keyRings\/[^/]+\/cryptoKeys\/[^/]+$/;

/**
 * A Memorystore for Redis instance as an `ICache`: STANDARD_HA (replica and automatic failover),
 * AUTH on, in-transit encryption with server authentication (clients use TLS on port 6378 and
 * trust `serverCaCert`), CMEK at rest, reachable only from `authorizedNetwork` through private
 * service access, RDB snapshots every 24 hours, protected from destroy. The AUTH string, which
 * Memorystore generates and keeps in the instance, is copied into a CMEK-encrypted Secret Manager
 * secret; grants go through `MemorystoreReference` (child `Reference`).
 *
 * @example
 * const online = new MemorystoreOnlineStore(infra, "OnlineStore", {
 *   project: "acme-ml", region: "us-central1", instanceName: "feast-online",
 *   authorizedNetwork: "projects/acme-ml/global/networks/ml", kmsKeyName: key.id,
 * });
 * online.grantConnect(feastIdentity);
 */
export class MemorystoreOnlineStore extends Construct implements ICache {
  /** The google_redis_instance resource. */
  public readonly instance: RedisInstance;
  /** The Secret Manager secret holding the AUTH string. */
  public readonly authStringSecret: SecretManagerSecret;
  /** Private IP address of the instance. */
  public readonly host: string;
  /** TCP port (6378: in-transit encryption). */
  public readonly port: number;
  /** Always true. */
  public readonly tlsEnabled: boolean;
  /** The Secret Manager secret holding the AUTH string. */
  public readonly authSecret?: SecretReference;
  /** PEM of the instance's server CA certificate, for clients to verify the server. */
  public readonly serverCaCert: string;
  private readonly reference: MemorystoreReference;

  constructor(scope: Construct, id: string, props: MemorystoreOnlineStoreProps) {
    super(scope, id);
    validateGcpProjectId(this, "project", props.project);
    if (isUnresolved(props.project)) {
      invalid(this, "project", props.project, "must be a literal project id: the AUTH secret grant is keyed on it");
    }
    validateNonEmpty(this, "region", props.region);
    validateGcpRegion(this, "region", props.region);
    const name = props.instanceName as unknown;
    if (!isUnresolved(name) && (typeof name !== "string" || !INSTANCE_NAME.test(name))) {
      invalid(
        this,
        "instanceName",
        name,
        `must be 1 to 40 lowercase letters, digits and '-', starting with a letter and ending with a letter or digit${typeof name === "string" ? "" : `, not ${typeName(name)}`}`,
      );
    }
    validateNonEmpty(this, "authorizedNetwork", props.authorizedNetwork);
    validatePattern(
      this,
      "authorizedNetwork",
      props.authorizedNetwork,
      /^(https:\/\/www\.googleapis\.com\/compute\/v1\/)?projects\/[^/]+\/global\/networks\/[a-z]([-a-z0-9]*[a-z0-9])?$/,
      "must be a VPC network: projects/<project>/global/networks/<name> (or its self link)",
    );
    const key = props.kmsKeyName as unknown;
    if (!isUnresolved(key)) {
      const match = typeof key === "string" ? KMS_KEY_NAME.exec(key) : null;
      if (!match) invalid(this, "kmsKeyName", key, "is required and must be a Cloud KMS key name: projects/<project>/locations/<region>/keyRings/<ring>/cryptoKeys/<key>");
      if (!isUnresolved(props.region) && match[1] !== props.region) {
        invalid(this, "kmsKeyName", key, `must be in the instance's region ${JSON.stringify(props.region)} (Memorystore needs a key in the same region), not ${JSON.stringify(match[1])}`);
      }
    }
    validateBoolean(this, "privateServiceAccess", props.privateServiceAccess);
    validateBoolean(this, "allowBasicTier", props.allowBasicTier);
    validateBoolean(this, "allowDestroy", props.allowDestroy);
    const basic = props.allowBasicTier === true;
    const memory = props.memorySizeGb ?? 5;
    validateInteger(this, "memorySizeGb", memory, basic ? 1 : 5, 300);
    const version = props.redisVersion ?? "REDIS_7_2";
    validatePattern(this, "redisVersion", version, /^REDIS_\d+_\d+$/, 'must be a pinned Redis version such as "REDIS_7_2"');
    const secretId = props.authSecretId ?? `${props.instanceName}-auth`;
    validatePattern(this, "authSecretId", secretId, GCP_SECRET_ID, "must be a Secret Manager secret id: 1 to 255 letters, digits, '_' and '-'");
    if (isUnresolved(secretId)) {
      invalid(this, "authSecretId", secretId, "must be literal (with a literal instanceName for the default): the AUTH secret grant is keyed on it");
    }
    const protect = props.allowDestroy !== true;
    const lifecycle = { preventDestroy: protect };

    // Both service agents encrypt with the key: Memorystore for data at rest, Secret Manager for the AUTH string secret.
    const project = new DataGoogleProject(this, "Project", { projectId: props.project });
    warnServiceAgentPrerequisite(this, props.project, GcpServiceAgent.MEMORYSTORE_REDIS);
    warnServiceAgentPrerequisite(this, props.project, GcpServiceAgent.SECRET_MANAGER);
    const redisKey = new KmsCryptoKeyIamMember(this, "RedisAgentKey", {
      cryptoKeyId: props.kmsKeyName,
      role: "roles/cloudkms.cryptoKeyEncrypterDecrypter",
      member: `serviceAccount:service-${project.number}@cloud-redis.iam.gserviceaccount.com`,
    });
    const secretKey = new KmsCryptoKeyIamMember(this, "SecretManagerAgentKey", {
      cryptoKeyId: props.kmsKeyName,
      role: "roles/cloudkms.cryptoKeyEncrypterDecrypter",
      member: `serviceAccount:service-${project.number}@gcp-sa-secretmanager.iam.gserviceaccount.com`,
    });

    this.instance = new RedisInstance(this, "Resource", {
      project: props.project,
      region: props.region,
      name: props.instanceName,
      tier: basic ? "BASIC" : "STANDARD_HA",
      memorySizeGb: memory,
      redisVersion: version,
      authorizedNetwork: props.authorizedNetwork,
      connectMode: props.privateServiceAccess === false ? "DIRECT_PEERING" : "PRIVATE_SERVICE_ACCESS",
      authEnabled: true,
      transitEncryptionMode: "SERVER_AUTHENTICATION",
      customerManagedKey: props.kmsKeyName,
      persistenceConfig: { persistenceMode: "RDB", rdbSnapshotPeriod: "TWENTY_FOUR_HOURS" },
      dependsOn: [redisKey],
      lifecycle,
    });
    this.authStringSecret = new SecretManagerSecret(this, "AuthSecret", {
      project: props.project,
      secretId,
      replication: {
        userManaged: { replicas: [{ location: props.region, customerManagedEncryption: { kmsKeyName: props.kmsKeyName } }] },
      },
      dependsOn: [secretKey],
      lifecycle,
    });
    // The AUTH string is already in the instance's state (Memorystore returns it); the secret
    // version copies it so workloads read it from Secret Manager, never from code or URIs.
    new SecretManagerSecretVersion(this, "AuthSecretVersion", {
      secret: this.authStringSecret.id,
      secretData: this.instance.authString,
    });

    this.reference = new MemorystoreReference(this, "Reference", {
      product: MemorystoreProduct.REDIS,
      project: props.project,
      host: this.instance.host,
      port: 6378,
      authSecret: `projects/${props.project}/secrets/${secretId}`,
    });
    this.host = this.reference.host;
    this.port = this.reference.port;
    this.tlsEnabled = this.reference.tlsEnabled;
    this.authSecret = this.reference.authSecret;
    this.serverCaCert = this.instance.serverCaCerts.get(0).cert;
  }

  /** `rediss://<host>:6378`. */
  public connectionUri(): string {
    return this.reference.connectionUri();
  }

  private readonly orderedBindings = new Set<SecretManagerSecretIamMember>();

  /** Binds `roles/secretmanager.secretAccessor` on the AUTH string secret to the identity's service account. */
  public grantConnect(identity: IWorkloadIdentity): void {
    this.reference.grantConnect(identity);
    // The binding names the secret by its literal path (a stable key): order it after the secret, or
    // the first apply may bind a secret that does not exist yet.
    for (const c of identity.node.children) {
      if (c instanceof SecretManagerSecretIamMember && c.secretIdInput === this.authSecret?.name && !this.orderedBindings.has(c)) {
        this.orderedBindings.add(c);
        c.dependsOn = [...(c.dependsOn ?? []), dependable(this.authStringSecret)];
      }
    }
  }
}
