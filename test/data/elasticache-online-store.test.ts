import { WorkloadIdentityKind } from "../../lib/core/cluster";
import { SecretKind } from "../../lib/core/database";
import { ElastiCacheAuthentication, ElastiCacheEngine, ElastiCacheOnlineStore } from "../../lib/data/elasticache-online-store";
import { FakeIdentity } from "../support/fake-identity";
import { annotations, awsStack, resolve, dataSourcesOfType, onlyResource, resourcesOfType, synthJson } from "../support/synth";

const KEY = "arn:aws:kms:us-east-1:123456789012:key/0123abcd-0123-4567-89ab-0123456789ab";
const SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:feast-redis-AbCdEf";
const BASE = { replicationGroupId: "feast-online", vpcId: "vpc-123", subnetIds: ["subnet-a", "subnet-b"], allowedSecurityGroupIds: ["sg-nodes"] };

function store(props: any = {}) {
  const stack = awsStack();
  const s = new ElastiCacheOnlineStore(stack, "Online", { ...BASE, ...props });
  return { stack, s };
}
const values = (json: any, type: string) => Object.values(resourcesOfType(json, type)) as any[];

/** The statements of a synthesized key policy, by Sid. */
const keyStatements = (policy: string): Record<string, any> => Object.fromEntries((JSON.parse(policy).Statement as any[]).map((s) => [s.Sid, s]));

describe("ElastiCacheOnlineStore", () => {
  test("the created key has an explicit policy: account root administers, use (and grants) only through ElastiCache in this account", () => {
    const { stack } = store();
    const policy = keyStatements(onlyResource(synthJson(stack), "aws_kms_key").policy);
    expect(Object.keys(policy)).toEqual(["AccountAdministers", "UseThroughElastiCache"]);
    expect(policy.AccountAdministers.Principal.AWS).toMatch(/:root$/);
    expect(policy.UseThroughElastiCache.Action).toEqual(expect.arrayContaining(["kms:Decrypt", "kms:GenerateDataKey*", "kms:CreateGrant"]));
    expect(policy.UseThroughElastiCache.Condition.StringEquals["kms:ViaService"]).toMatch(/^elasticache\.\$\{data\.aws_region\./);
    expect(policy.UseThroughElastiCache.Condition.StringEquals["kms:CallerAccount"]).toMatch(/account_id\}$/);
  });

  test("defaults: Valkey 8.0, TLS required, CMK at rest with rotation, Multi-AZ failover over 2 nodes, snapshots, prevent_destroy", () => {
    const { stack, s } = store();
    const json = synthJson(stack);
    const rg = onlyResource(json, "aws_elasticache_replication_group");
    expect(rg).toMatchObject({
      replication_group_id: "feast-online",
      engine: "valkey",
      engine_version: "8.0",
      num_cache_clusters: 2,
      port: 6379,
      multi_az_enabled: true,
      automatic_failover_enabled: true,
      at_rest_encryption_enabled: "true",
      transit_encryption_enabled: true,
      transit_encryption_mode: "required",
      snapshot_retention_limit: 7,
      final_snapshot_identifier: "feast-online-final",
      lifecycle: { prevent_destroy: true },
    });
    expect(rg.kms_key_id).toMatch(/^\$\{aws_kms_key\..*\.arn\}$/);
    expect(rg.auth_token).toBeUndefined();
    expect(onlyResource(json, "aws_kms_key")).toMatchObject({ enable_key_rotation: true, lifecycle: { prevent_destroy: true } });
    expect(onlyResource(json, "aws_elasticache_subnet_group")).toMatchObject({ subnet_ids: ["subnet-a", "subnet-b"] });
    expect(s.tlsEnabled).toBe(true);
    expect(s.port).toBe(6379);
    expect(s.authSecret).toBeUndefined();
    expect(resolve(s, s.connectionUri())).toMatch(/^rediss:\/\/\$\{.*primary_endpoint_address\}:6379$/);
  });

  test("IAM authentication: disabled default user, an IAM user, a user group on the replication group", () => {
    const { stack } = store();
    const json = synthJson(stack);
    const users = values(json, "aws_elasticache_user");
    const byName = Object.fromEntries(users.map((u) => [u.user_name, u]));
    expect(byName.default).toMatchObject({ access_string: "off -@all", authentication_mode: { type: "no-password-required" }, engine: "valkey" });
    expect(byName["feast-online-iam"]).toMatchObject({ user_id: "feast-online-iam", authentication_mode: { type: "iam" } });
    expect(byName["feast-online-iam"].access_string).toContain("-@dangerous");
    const group = onlyResource(json, "aws_elasticache_user_group");
    expect(group.user_ids).toHaveLength(2);
    expect(onlyResource(json, "aws_elasticache_replication_group").user_group_ids).toEqual([expect.stringMatching(/aws_elasticache_user_group\..*\.user_group_id/)]);
  });

  test("network exposure: port 6379 only, from the given CIDRs and security groups, no egress", () => {
    const { stack } = store({ allowedCidrs: ["10.0.0.0/16"] });
    const sg = onlyResource(synthJson(stack), "aws_security_group");
    expect(sg.egress).toEqual([]);
    expect(sg.ingress).toHaveLength(2);
    for (const rule of sg.ingress) expect(rule).toMatchObject({ protocol: "tcp", from_port: 6379, to_port: 6379 });
    expect(sg.ingress[0].cidr_blocks).toEqual(["10.0.0.0/16"]);
    expect(sg.ingress[1].security_groups).toEqual(["sg-nodes"]);
  });

  test("grants (IAM): elasticache:Connect on the replication group and the IAM user only", () => {
    const { stack, s } = store();
    const id = new FakeIdentity(stack, "Feast", WorkloadIdentityKind.AWS_IAM_ROLE, "feast", "feast");
    s.grantConnect(id);
    const policy = JSON.parse(onlyResource(synthJson(stack), "aws_iam_role_policy").policy);
    expect(policy.Statement).toEqual([
      {
        Sid: "IamAuthentication",
        Effect: "Allow",
        Action: ["elasticache:Connect"],
        Resource: [expect.stringMatching(/aws_elasticache_replication_group\..*\.arn/), expect.stringMatching(/aws_elasticache_user\..*IamUser.*\.arn/)],
      },
    ]);
    expect(() => s.grantConnect(new FakeIdentity(stack, "G", WorkloadIdentityKind.GCP_SERVICE_ACCOUNT))).toThrow(/ElastiCache/);
  });

  test("AUTH token: read from Secrets Manager, no RBAC users, grant reads the secret; warns about state", () => {
    const { stack, s } = store({ authentication: ElastiCacheAuthentication.AUTH_TOKEN, authTokenSecretArn: SECRET, authTokenKmsKeyArn: KEY, kmsKeyArn: KEY, engine: ElastiCacheEngine.REDIS, engineVersion: "7.1" });
    const id = new FakeIdentity(stack, "Feast", WorkloadIdentityKind.AWS_IAM_ROLE, "feast", "feast");
    s.grantConnect(id);
    const json = synthJson(stack);
    const rg = onlyResource(json, "aws_elasticache_replication_group");
    expect(rg).toMatchObject({ engine: "redis", engine_version: "7.1", kms_key_id: KEY, auth_token_update_strategy: "ROTATE" });
    expect(rg.auth_token).toMatch(/data\.aws_secretsmanager_secret_version\..*\.secret_string/);
    expect(rg.user_group_ids).toBeUndefined();
    expect(Object.values(dataSourcesOfType(json, "aws_secretsmanager_secret_version"))).toEqual([expect.objectContaining({ secret_id: SECRET })]);
    expect(resourcesOfType(json, "aws_elasticache_user")).toEqual({});
    expect(resourcesOfType(json, "aws_kms_key")).toEqual({});
    expect(s.authSecret).toEqual({ kind: SecretKind.AWS_SECRETS_MANAGER, name: SECRET });
    const statements = JSON.parse(onlyResource(json, "aws_iam_role_policy").policy).Statement;
    expect(statements.map((st: any) => st.Sid)).toEqual(["ReadSecret", "DecryptSecret"]);
    expect(annotations(s).join("\n")).toContain("stored (marked sensitive) in Terraform state");
  });

  test("opt-outs: single node and allowDestroy", () => {
    const { stack } = store({ numCacheClusters: 1, allowSingleNode: true, allowDestroy: true, snapshotRetentionDays: 35 });
    const json = synthJson(stack);
    expect(onlyResource(json, "aws_elasticache_replication_group")).toMatchObject({
      num_cache_clusters: 1,
      multi_az_enabled: false,
      automatic_failover_enabled: false,
      snapshot_retention_limit: 35,
      lifecycle: { prevent_destroy: false },
    });
    expect(onlyResource(json, "aws_kms_key").lifecycle).toEqual({ prevent_destroy: false });
  });

  describe("rejects", () => {
    const make = (props: any) => () => store(props);
    test("a bad replication group id", () => {
      expect(make({ replicationGroupId: "Feast" })).toThrow(
        "Online: invalid replicationGroupId \"Feast\": must be 1 to 40 lowercase letters, digits and '-', starting with a letter, without '--' and not ending in '-'",
      );
      expect(make({ replicationGroupId: "a--b" })).toThrow("invalid replicationGroupId");
      expect(make({ replicationGroupId: "feast-" })).toThrow("invalid replicationGroupId");
      expect(make({ replicationGroupId: "x".repeat(41) })).toThrow("invalid replicationGroupId");
      expect(make({ replicationGroupId: 7 })).toThrow("invalid replicationGroupId 7");
    });
    test("no allowed sources, or the whole internet", () => {
      expect(make({ allowedSecurityGroupIds: undefined })).toThrow("Online: invalid allowedCidrs undefined: or allowedSecurityGroupIds is required: nothing could reach the cache");
      expect(make({ allowedCidrs: ["0.0.0.0/0"] })).toThrow("Online: invalid allowedCidrs[0] \"0.0.0.0/0\": must not be 0.0.0.0/0: the cache is private");
      expect(make({ allowedCidrs: "10.0.0.0/8" })).toThrow("invalid allowedCidrs");
    });
    test("subnets", () => {
      expect(make({ subnetIds: undefined })).toThrow("Online: invalid subnetIds undefined: is required");
      expect(make({ subnetIds: "subnet-a" })).toThrow("invalid subnetIds");
      expect(make({ subnetIds: ["subnet-a"] })).toThrow('Online: invalid subnetIds ["subnet-a"]: must list at least 2 subnets (in different Availability Zones) for Multi-AZ');
    });
    test("a single node without opting in, or too many", () => {
      expect(make({ numCacheClusters: 1 })).toThrow(
        "Online: invalid numCacheClusters 1: must be at least 2 for Multi-AZ with automatic failover; set allowSingleNode: true to accept a single node",
      );
      expect(make({ numCacheClusters: 7 })).toThrow("invalid numCacheClusters 7");
    });
    test("engine and version", () => {
      expect(make({ engine: "VALKEY" })).toThrow("invalid engine");
      expect(make({ engineVersion: "8" })).toThrow('Online: invalid engineVersion "8": must be a pinned major.minor engine version, e.g. "8.0"');
      expect(make({ engine: ElastiCacheEngine.REDIS, engineVersion: "6.2" })).toThrow(
        'Online: invalid engineVersion "6.2": must be 7.0 or later for IAM authentication with Redis OSS',
      );
      expect(make({ nodeType: "r7g.large" })).toThrow('Online: invalid nodeType "r7g.large": must be an ElastiCache node type');
    });
    test("auth settings", () => {
      expect(make({ authentication: ElastiCacheAuthentication.AUTH_TOKEN })).toThrow(
        "Online: invalid authTokenSecretArn undefined: is required with authentication: ElastiCacheAuthentication.AUTH_TOKEN",
      );
      expect(make({ authTokenSecretArn: SECRET })).toThrow(
        `Online: invalid authTokenSecretArn "${SECRET}": only applies with authentication: ElastiCacheAuthentication.AUTH_TOKEN`,
      );
      expect(make({ authTokenKmsKeyArn: KEY })).toThrow("invalid authTokenKmsKeyArn");
      expect(make({ authentication: "password" })).toThrow("invalid authentication");
      expect(make({ authentication: ElastiCacheAuthentication.AUTH_TOKEN, authTokenSecretArn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:feast" })).toThrow(
        "invalid authTokenSecretArn",
      );
    });
    test("keys, retention, booleans", () => {
      expect(make({ kmsKeyArn: "alias/feast" })).toThrow("invalid kmsKeyArn");
      expect(make({ snapshotRetentionDays: 0 })).toThrow("invalid snapshotRetentionDays 0");
      expect(make({ snapshotRetentionDays: 36 })).toThrow("invalid snapshotRetentionDays 36");
      expect(make({ allowDestroy: "yes" })).toThrow("invalid allowDestroy");
    });
  });
});
