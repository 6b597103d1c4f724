import { WorkloadIdentityKind } from "../../lib/core/cluster";
import { SecretKind } from "../../lib/core/database";
import { MemorystoreOnlineStore } from "../../lib/data/memorystore-online-store";
import { FakeIdentity } from "../support/fake-identity";
import { annotations, bareStack, onlyResource, resolve, resourcesOfType, synthJson } from "../support/synth";

const KEY = "projects/ml-prod/locations/us-central1/keyRings/data/cryptoKeys/redis";
const NETWORK = "projects/ml-prod/global/networks/ml";
const BASE = { project: "ml-prod", region: "us-central1", instanceName: "feast-online", authorizedNetwork: NETWORK, kmsKeyName: KEY };

function store(props: any = {}) {
  const stack = bareStack();
  const s = new MemorystoreOnlineStore(stack, "Online", { ...BASE, ...props });
  return { stack, s };
}
const values = (json: any, type: string) => Object.values(resourcesOfType(json, type)) as any[];

describe("MemorystoreOnlineStore", () => {
  test("warns once per project that the Memorystore and Secret Manager service agents may not exist yet", () => {
    const { stack } = store();
    new MemorystoreOnlineStore(stack, "Second", { ...BASE, instanceName: "feast-online-2" });
    const warnings = annotations(stack).filter((w) => w.includes("service agent"));
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toContain("gcloud beta services identity create --service=redis.googleapis.com --project=ml-prod");
    expect(warnings[1]).toContain("gcloud beta services identity create --service=secretmanager.googleapis.com --project=ml-prod");
  });

  test("defaults: STANDARD_HA, AUTH, TLS with server authentication, CMEK, private service access, RDB snapshots, prevent_destroy", () => {
    const { stack, s } = store();
    const json = synthJson(stack);
    const redis = onlyResource(json, "google_redis_instance");
    expect(redis).toMatchObject({
      project: "ml-prod",
      region: "us-central1",
      name: "feast-online",
      tier: "STANDARD_HA",
      memory_size_gb: 5,
      redis_version: "REDIS_7_2",
      authorized_network: NETWORK,
      connect_mode: "PRIVATE_SERVICE_ACCESS",
      auth_enabled: true,
      transit_encryption_mode: "SERVER_AUTHENTICATION",
      customer_managed_key: KEY,
      persistence_config: { persistence_mode: "RDB", rdb_snapshot_period: "TWENTY_FOUR_HOURS" },
      lifecycle: { prevent_destroy: true },
    });
    expect(s.port).toBe(6378);
    expect(s.tlsEnabled).toBe(true);
    expect(resolve(s, s.connectionUri())).toMatch(/^rediss:\/\/\$\{google_redis_instance\..*\.host\}:6378$/);
    expect(resolve(s, s.serverCaCert)).toMatch(/server_ca_certs\[0\]\.cert/);
  });

  test("CMEK: the Redis and Secret Manager service agents may use the key before the instance and secret exist", () => {
    const { stack } = store();
    const json = synthJson(stack);
    const members = values(json, "google_kms_crypto_key_iam_member");
    expect(members).toHaveLength(2);
    for (const m of members) expect(m).toMatchObject({ crypto_key_id: KEY, role: "roles/cloudkms.cryptoKeyEncrypterDecrypter" });
    const agents = members.map((m) => m.member).sort();
    expect(agents[0]).toMatch(/^serviceAccount:service-\$\{data\.google_project\..*\.number\}@cloud-redis\.iam\.gserviceaccount\.com$/);
    expect(agents[1]).toMatch(/@gcp-sa-secretmanager\.iam\.gserviceaccount\.com$/);
    expect(onlyResource(json, "google_redis_instance").depends_on).toEqual([expect.stringMatching(/RedisAgentKey/)]);
    expect(onlyResource(json, "google_secret_manager_secret").depends_on).toEqual([expect.stringMatching(/SecretManagerAgentKey/)]);
  });

  test("the AUTH string goes to a CMEK-encrypted, destroy-protected Secret Manager secret", () => {
    const { stack, s } = store();
    const json = synthJson(stack);
    expect(onlyResource(json, "google_secret_manager_secret")).toMatchObject({
      project: "ml-prod",
      secret_id: "feast-online-auth",
      replication: { user_managed: { replicas: [{ location: "us-central1", customer_managed_encryption: { kms_key_name: KEY } }] } },
      lifecycle: { prevent_destroy: true },
    });
    expect(onlyResource(json, "google_secret_manager_secret_version").secret_data).toMatch(/google_redis_instance\..*\.auth_string/);
    expect(s.authSecret).toEqual({ kind: SecretKind.GCP_SECRET_MANAGER, name: "projects/ml-prod/secrets/feast-online-auth" });
  });

  test("grants: secretAccessor on the AUTH secret only, once per identity; GCP identities only", () => {
    const { stack, s } = store({ authSecretId: "redis-auth" });
    const id = new FakeIdentity(stack, "Feast", WorkloadIdentityKind.GCP_SERVICE_ACCOUNT, "feast", "feast", "ml-prod");
    s.grantConnect(id);
    s.grantConnect(id);
    const json = synthJson(stack);
    expect(values(json, "google_secret_manager_secret_iam_member")).toEqual([
      expect.objectContaining({
        secret_id: "projects/ml-prod/secrets/redis-auth",
        role: "roles/secretmanager.secretAccessor",
        member: "serviceAccount:feast@ml-prod.iam.gserviceaccount.com",
        // The binding names the secret by its path: it waits for the secret, once.
        depends_on: ["google_secret_manager_secret.Online_AuthSecret_CF1B7090"],
      }),
    ]);
    expect(resourcesOfType(json, "google_project_iam_member")).toEqual({});
    expect(() => s.grantConnect(new FakeIdentity(stack, "A", WorkloadIdentityKind.AWS_IAM_ROLE))).toThrow(/Memorystore/);
  });

  test("opt-outs: basic tier, VPC peering, allowDestroy", () => {
    const { stack } = store({ allowBasicTier: true, memorySizeGb: 1, privateServiceAccess: false, allowDestroy: true });
    const json = synthJson(stack);
    expect(onlyResource(json, "google_redis_instance")).toMatchObject({
      tier: "BASIC",
      memory_size_gb: 1,
      connect_mode: "DIRECT_PEERING",
      lifecycle: { prevent_destroy: false },
    });
    expect(onlyResource(json, "google_secret_manager_secret").lifecycle).toEqual({ prevent_destroy: false });
  });

  describe("rejects", () => {
    const make = (props: any) => () => store(props);
    test("a bad instance name", () => {
      expect(make({ instanceName: "Feast" })).toThrow(
        "Online: invalid instanceName \"Feast\": must be 1 to 40 lowercase letters, digits and '-', starting with a letter and ending with a letter or digit",
      );
      expect(make({ instanceName: "feast-" })).toThrow("invalid instanceName");
      expect(make({ instanceName: "x".repeat(41) })).toThrow("invalid instanceName");
      expect(make({ instanceName: 3 })).toThrow("invalid instanceName 3: must be 1 to 40 lowercase letters, digits and '-', starting with a letter and ending with a letter or digit, not a number");
    });
    test("project, region, network", () => {
      expect(make({ project: "ML Prod" })).toThrow("invalid project");
      expect(make({ region: "us-central1-a" })).toThrow('Online: invalid region "us-central1-a": is a zone; give its region ("us-central1")');
      expect(make({ authorizedNetwork: "ml" })).toThrow('Online: invalid authorizedNetwork "ml": must be a VPC network: projects/<project>/global/networks/<name> (or its self link)');
      expect(make({ authorizedNetwork: undefined })).toThrow("invalid authorizedNetwork undefined");
    });
    test("the CMEK key: missing, malformed, or in another region", () => {
      expect(make({ kmsKeyName: undefined })).toThrow("Online: invalid kmsKeyName undefined: is required and must be a Cloud KMS key name");
      expect(make({ kmsKeyName: "redis" })).toThrow("invalid kmsKeyName \"redis\"");
      expect(make({ kmsKeyName: "projects/ml-prod/locations/europe-west4/keyRings/data/cryptoKeys/redis" })).toThrow(
        'must be in the instance\'s region "us-central1" (Memorystore needs a key in the same region), not "europe-west4"',
      );
    });
    test("size, version, secret id, booleans", () => {
      expect(make({ memorySizeGb: 1 })).toThrow("Online: invalid memorySizeGb 1");
      expect(make({ memorySizeGb: 301 })).toThrow("invalid memorySizeGb 301");
      expect(make({ redisVersion: "7.2" })).toThrow('Online: invalid redisVersion "7.2": must be a pinned Redis version such as "REDIS_7_2"');
      expect(make({ authSecretId: "feast/auth" })).toThrow('Online: invalid authSecretId "feast/auth": must be a Secret Manager secret id');
      expect(make({ allowBasicTier: "yes" })).toThrow("invalid allowBasicTier");
      expect(make({ privateServiceAccess: 1 })).toThrow("invalid privateServiceAccess");
      expect(make({ allowDestroy: "no" })).toThrow("invalid allowDestroy");
    });
  });
});
