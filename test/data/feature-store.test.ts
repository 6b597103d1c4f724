import { App, TerraformStack, Testing } from "cdktf";
import { EksCluster } from "../../lib/compute/eks-cluster";
import { ExistingCluster } from "../../lib/compute/existing-cluster";
import { ElastiCacheOnlineStore } from "../../lib/data/elasticache-online-store";
import { ElastiCacheReference, ExistingRedis, MemorystoreProduct, MemorystoreReference } from "../../lib/core/cache";
import { CapacityType, IKubernetesCluster, NodePoolInfo, NodePoolPurpose, TaintEffect, WorkloadIdentityKind } from "../../lib/core/cluster";
import { Gpu } from "../../lib/core/gpu";
import { ClusterConnection } from "../../lib/core/connection";
import { DatabaseEngine, ExistingDatabase, RdsDatabaseReference } from "../../lib/core/database";
import { GcsBucketReference, S3BucketReference, S3CompatibleBucket } from "../../lib/core/object-store";
import { FeastOperator } from "../../lib/data/feature-store-operator";
import { MemorystoreOnlineStore } from "../../lib/data/memorystore-online-store";
import { FeatureStore, FeatureStoreProps } from "../../lib/data/feature-store";
import { OfflineStore } from "../../lib/data/feast-offline-store";
import { ValkeyOnlineStore } from "../../lib/data/valkey";
import { describeConformance, validateStackManifests } from "../support/conformance";
import { FakeIdentity } from "../support/fake-identity";
import { annotations, awsStack, bareStack, onlyResource, prepareApp, resourcesOfType, synthJson, testApp } from "../support/synth";

interface Env {
  app: App;
  infra: TerraformStack;
  platform: TerraformStack;
  workloads: TerraformStack;
  cluster: IKubernetesCluster;
  platformConn: ClusterConnection;
  conn: ClusterConnection;
  operator: FeastOperator;
}

function stacks(app: App, infra: TerraformStack, cluster: EksCluster | ExistingCluster): Env {
  const platform = bareStack(app, "platform");
  const workloads = bareStack(app, "workloads");
  const platformConn = cluster.connect(platform, "Conn");
  const conn = cluster.connect(workloads, "Conn");
  const operator = new FeastOperator(platform, "Feast", { connection: platformConn });
  return { app, infra, platform, workloads, cluster, platformConn, conn, operator };
}

/** On-prem: SeaweedFS-style S3-compatible lake, Valkey in the cluster. */
function onPrem(overrides: Partial<FeatureStoreProps> = {}, lakeProps: { caCertificate?: { secretName: string; namespace: string } } = {}) {
  const app = testApp();
  const infra = bareStack(app, "infra");
  const cluster = new ExistingCluster(infra, "Cluster", { clusterName: "dc1", kubeconfigContext: "dc1-admin" });
  const e = stacks(app, infra, cluster);
  e.platformConn.addNamespace("feast");
  const lake = new S3CompatibleBucket(infra, "Lake", { bucketName: "ml-lake", endpoint: "https://s3.storage.svc:8333", ...lakeProps });
  const valkey = new ValkeyOnlineStore(e.platform, "Valkey", {
    connection: e.platformConn,
    namespace: "feast",
    authSecretName: "valkey-users",
    tlsSecretName: "valkey-tls",
  });
  const identity = cluster.addWorkloadIdentity("Feast", { namespace: "feast", serviceAccountName: "feast-ml" });
  const jobIdentity = cluster.addWorkloadIdentity("FeastJob", { namespace: "feast", serviceAccountName: "feast-ml-materialize" });
  const store = new FeatureStore(e.workloads, "Features", {
    connection: e.conn,
    operator: e.operator,
    namespace: "feast",
    name: "ml",
    feastProject: "ml_features",
    identity,
    materializationIdentity: jobIdentity,
    offlineStore: OfflineStore.lake(lake),
    onlineStore: valkey,
    tlsSecretName: "feast-tls",
    ...overrides,
  } as FeatureStoreProps);
  return { ...e, lake, valkey, identity, jobIdentity, store };
}

/** AWS: S3 lake, ElastiCache with an AUTH token in Secrets Manager, RDS registry. */
function aws(overrides: Partial<FeatureStoreProps> = {}, pools: NodePoolInfo[] = []) {
  const app = testApp();
  const infra = awsStack(app, "infra");
  const cluster = new EksCluster(infra, "Cluster", { clusterName: "ml-prod", subnetIds: ["subnet-a", "subnet-b"] });
  for (const p of pools) cluster.registerNodePool(p);
  const e = stacks(app, infra, cluster);
  const lake = new S3BucketReference(infra, "Lake", {
    bucketName: "acme-ml-lake",
    partition: "aws",
    kmsKeyArn: "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555",
  });
  const cache = new ElastiCacheReference(infra, "Cache", {
    host: "master.feast.abc.use1.cache.amazonaws.com",
    authTokenSecretArn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:feast-redis-AbCdEf",
  });
  const db = new RdsDatabaseReference(infra, "Registry", {
    engine: DatabaseEngine.POSTGRES,
    host: "feast.abc.us-east-1.rds.amazonaws.com",
    databaseName: "feast",
    credentialsSecretArn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:feast-db-AbCdEf",
  });
  const identity = cluster.addWorkloadIdentity("Feast", { namespace: "feast", serviceAccountName: "feast-ml" });
  const jobIdentity = cluster.addWorkloadIdentity("FeastJob", { namespace: "feast", serviceAccountName: "feast-ml-materialize" });
  const store = new FeatureStore(e.workloads, "Features", {
    connection: e.conn,
    operator: e.operator,
    namespace: "feast",
    name: "ml",
    feastProject: "ml_features",
    identity,
    materializationIdentity: jobIdentity,
    offlineStore: OfflineStore.lake(lake),
    onlineStore: cache,
    onlineStorePasswordSecretName: "feast-redis",
    registryDatabase: db,
    registryCredentialsSecretName: "feast-db",
    tlsSecretName: "feast-tls",
    ...overrides,
  } as FeatureStoreProps);
  return { ...e, lake, cache, db, identity, jobIdentity, store };
}

function featureStore(stack: TerraformStack): any {
  const manifests = Object.values(resourcesOfType(synthJson(stack), "kubernetes_manifest")).map((r: any) => r.manifest);
  expect(manifests).toHaveLength(1);
  return manifests[0];
}

/** The store settings Secret as Kubernetes will hold it: Terraform turns the JSON's `$${` escape into `${`. */
function storeConfig(stack: TerraformStack): Record<string, string> {
  return secretData(stack, "feast-ml-stores");
}

/** A Secret's data by name, with Terraform's `$${` escape turned into `${`. */
function secretData(stack: TerraformStack, name: string): Record<string, string> {
  const secret = Object.values(resourcesOfType(synthJson(stack), "kubernetes_secret_v1")).find((r: any) => r.metadata.name === name) as any;
  expect(secret).toBeDefined();
  const data = secret.data as Record<string, string>;
  return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, v.replace(/\$\$\{/g, "${")]));
}

/** The FeatureStore CEL rules (schemas/cel-rules/featurestore-v1.json) this construct's output touches. */
function celErrors(m: any): string[] {
  const errors: string[] = [];
  const one = (flags: boolean[]) => flags.filter(Boolean).length === 1;
  const s = m.spec;
  if (s.authz && !one([!!s.authz.kubernetes, !!s.authz.oidc, !!s.authz.noAuth])) errors.push("authz: one of kubernetes, oidc, noAuth");
  const sv = s.services ?? {};
  for (const [name, p] of [["offlineStore", sv.offlineStore?.persistence], ["onlineStore", sv.onlineStore?.persistence], ["registry", sv.registry?.local?.persistence]]) {
    if (p && !one([!!p.file, !!p.store])) errors.push(`${name}.persistence: one of file or store`);
  }
  if (sv.registry && !one([!!sv.registry.local, !!sv.registry.remote])) errors.push("registry: one of local or remote");
  const path = sv.registry?.local?.persistence?.file?.path;
  if (path !== undefined && !(path.startsWith("/") || path.startsWith("s3://") || path.startsWith("gs://"))) errors.push("registry file path");
  for (const [name, tls] of [["offline", sv.offlineStore?.server?.tls], ["online", sv.onlineStore?.server?.tls], ["registry", sv.registry?.local?.server?.tls]]) {
    if (tls && !tls.disable && !tls.secretRef) errors.push(`${name} tls: secretRef required unless disabled`);
  }
  if ((s.replicas ?? 1) > 1) errors.push("replicas > 1 needs DB-backed stores");
  return errors;
}

describe("FeatureStore", () => {
  test("on-prem: FeatureStore CR with file offline store, redis online store on Valkey, object-store registry, TLS, kubernetes authz", () => {
    const e = onPrem();
    const m = featureStore(e.workloads);
    expect(m).toMatchObject({ apiVersion: "feast.dev/v1", kind: "FeatureStore", metadata: { name: "ml", namespace: "feast" } });
    expect(m.spec.feastProject).toBe("ml_features");
    expect(m.spec.authz).toEqual({ kubernetes: { roles: ["feast-reader", "feast-writer"] } });
    const sv = m.spec.services;
    expect(sv.offlineStore.persistence).toEqual({ file: { type: "file" } });
    expect(sv.onlineStore.persistence).toEqual({ store: { type: "redis", secretRef: { name: "feast-ml-stores" } } });
    expect(sv.registry.local.persistence).toEqual({ file: { path: "s3://ml-lake/registry/registry.db", cache_ttl_seconds: 60 } });
    for (const server of [sv.offlineStore.server, sv.onlineStore.server, sv.registry.local.server]) {
      expect(server.tls).toEqual({ secretRef: { name: "feast-tls" } });
      expect(server.envFrom).toEqual([{ secretRef: { name: "feast-ml-credentials" } }]);
      expect(server.env).toEqual([
        { name: "STRATA_ONLINE_STORE_PASSWORD", valueFrom: { secretKeyRef: { name: "valkey-users", key: "default" } } },
        { name: "AWS_ENDPOINT_URL", value: "https://s3.storage.svc:8333" },
      ]);
    }
    expect(sv.securityContext).toEqual({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
    expect(celErrors(m)).toEqual([]);
  });

  test("the placeholders are escaped in the Terraform JSON ($${VAR}), so Terraform does not read them as references", () => {
    const e = onPrem();
    const raw = (Object.values(resourcesOfType(synthJson(e.workloads), "kubernetes_secret_v1")) as any[]).find((r) => r.metadata.name === "feast-ml-stores").data.redis as string;
    expect(raw).toContain("password=$${STRATA_ONLINE_STORE_PASSWORD}");
    expect(raw.replace(/\$\$\{/g, "")).not.toContain("${");
  });

  test("the store settings Secret carries no password: ${VAR} placeholders, TLS on", () => {
    const e = onPrem();
    expect(storeConfig(e.workloads)).toEqual({
      redis:
        'redis_type: redis\nconnection_string: "valkey.feast.svc.cluster.local:6379,password=${STRATA_ONLINE_STORE_PASSWORD},' +
        'ssl=true,ssl_cert_reqs=required,ssl_check_hostname=true,ssl_ca_certs=/etc/strata/online-store-ca/ca.crt"\n',
    });
  });

  describe("TLS trust of the stores", () => {
    const servers = (m: any) => [m.spec.services.offlineStore.server, m.spec.services.onlineStore.server, m.spec.services.registry.local.server];

    test("Valkey in the Feast namespace: only the ca.crt item of its TLS Secret is mounted, and redis-py verifies with it", () => {
      const e = onPrem();
      const m = featureStore(e.workloads);
      expect(m.spec.services.volumes).toEqual([{ name: "strata-online-store-ca", secret: { secretName: "valkey-tls", items: [{ key: "ca.crt", path: "ca.crt" }] } }]);
      for (const server of servers(m)) {
        expect(server.volumeMounts).toEqual([{ name: "strata-online-store-ca", mountPath: "/etc/strata/online-store-ca", readOnly: true }]);
      }
      expect(e.valkey.caCertificate).toMatchObject({ secretName: "valkey-tls", namespace: "feast", key: "ca.crt" });
    });

    test("Valkey in another namespace: a copy of its CA certificate in the Feast namespace", () => {
      const app = testApp();
      const infra = bareStack(app, "infra");
      const cluster = new ExistingCluster(infra, "Cluster", { clusterName: "dc1", kubeconfigContext: "dc1-admin" });
      const e = stacks(app, infra, cluster);
      const lake = new S3CompatibleBucket(infra, "Lake", { bucketName: "ml-lake", endpoint: "https://s3.storage.svc:8333" });
      const valkey = new ValkeyOnlineStore(e.platform, "Valkey", { connection: e.platformConn, namespace: "cache", authSecretName: "valkey-users", tlsSecretName: "valkey-tls" });
      const identity = cluster.addWorkloadIdentity("Feast", { namespace: "feast", serviceAccountName: "feast-ml" });
      const materializationIdentity = cluster.addWorkloadIdentity("FeastJob", { namespace: "feast", serviceAccountName: "feast-ml-materialize" });
      new FeatureStore(e.workloads, "Features", {
        connection: e.conn, operator: e.operator, namespace: "feast", name: "ml", feastProject: "ml", identity, materializationIdentity,
        offlineStore: OfflineStore.lake(lake), onlineStore: valkey, onlineStorePasswordSecretName: "valkey-users", tlsSecretName: "feast-tls",
      });
      const json = synthJson(e.workloads);
      const copy = (Object.values(resourcesOfType(json, "kubernetes_secret_v1")) as any[]).find((x) => x.metadata.name.startsWith("strata-ca-"));
      expect(copy.metadata).toMatchObject({ name: "strata-ca-cache-valkey-tls", namespace: "feast" });
      const m = featureStore(e.workloads);
      expect(m.spec.services.volumes[0].secret).toEqual({ secretName: "strata-ca-cache-valkey-tls", items: [{ key: "ca.crt", path: "ca.crt" }] });
      // The materialization job connects to the same Valkey: it mounts the same CA and waits for the copy.
      const job = (Object.values(resourcesOfType(json, "kubernetes_cron_job_v1")) as any[]).find((x) => x.metadata.name === "feast-ml-materialize");
      const pod = job.spec.job_template.spec.template.spec;
      expect(pod.volume).toContainEqual({ name: "strata-online-store-ca", secret: { secret_name: "strata-ca-cache-valkey-tls", items: [{ key: "ca.crt", path: "ca.crt" }] } });
      expect(pod.container[0].volume_mount).toContainEqual(expect.objectContaining({ name: "strata-online-store-ca", read_only: true }));
      expect(job.depends_on.some((d: string) => d.startsWith("kubernetes_job_v1."))).toBe(true);
      // The Valkey release is in the platform stack: the workloads stack (and its copy) apply after it.
      expect(e.workloads.dependencies).toContain(e.platform);
    });

    test("an object store signed by a private CA: a copy of ca.crt, mounted, AWS_CA_BUNDLE set, the CR waits for the copy", () => {
      const e = onPrem({}, { caCertificate: { secretName: "seaweedfs-ca-cert", namespace: "seaweedfs" } });
      const json = synthJson(e.workloads);
      const m = featureStore(e.workloads);
      expect(m.spec.services.volumes).toContainEqual({
        name: "strata-object-store-ca",
        secret: { secretName: "strata-ca-seaweedfs-seaweedfs-ca-cert", items: [{ key: "ca.crt", path: "ca.crt" }] },
      });
      for (const server of servers(m)) {
        expect(server.volumeMounts).toContainEqual({ name: "strata-object-store-ca", mountPath: "/etc/strata/object-store-ca", readOnly: true });
        expect(server.env).toContainEqual({ name: "AWS_CA_BUNDLE", value: "/etc/strata/object-store-ca/ca.crt" });
      }
      const cr = Object.values(resourcesOfType(json, "kubernetes_manifest"))[0] as any;
      expect(JSON.stringify(cr.depends_on)).toMatch(/kubernetes_job_v1\.Features_CaCopy-[0-9a-f]{8}_FirstCopy/);
      expect(JSON.stringify(cr.depends_on)).toMatch(/kubernetes_secret_v1\.Features_StoreConfig/);
      // The CA Secret is never read by Terraform.
      expect(json.data ?? {}).toEqual({});
    });

    test("ElastiCache: chain and host name verified against the image's public CA bundle, nothing mounted", () => {
      const e = aws();
      expect(storeConfig(e.workloads).redis).toContain(",ssl=true,ssl_cert_reqs=required,ssl_check_hostname=true\"");
      expect(storeConfig(e.workloads).redis).not.toContain("ssl_ca_certs");
      expect(featureStore(e.workloads).spec.services.volumes).toBeUndefined();
    });

    test("Memorystore: its server CA certificate (public) in a Secret of the Feast namespace, mounted and named in ssl_ca_certs", () => {
      const app = testApp();
      const infra = bareStack(app, "infra");
      const cluster = new ExistingCluster(infra, "Cluster", { clusterName: "dc1", kubeconfigContext: "dc1-admin" });
      const e = stacks(app, infra, cluster);
      const lake = new GcsBucketReference(infra, "Lake", { bucketName: "acme-ml-lake" });
      const identity = new FakeIdentity(infra, "Feast", WorkloadIdentityKind.GCP_SERVICE_ACCOUNT, "feast", "feast-ml");
      const materializationIdentity = new FakeIdentity(infra, "FeastJob", WorkloadIdentityKind.GCP_SERVICE_ACCOUNT, "feast", "feast-ml-materialize");
      const redis = new MemorystoreOnlineStore(infra, "Redis", {
        project: "ml-prod", region: "us-central1", instanceName: "feast-online",
        authorizedNetwork: "projects/ml-prod/global/networks/ml", kmsKeyName: "projects/ml-prod/locations/us-central1/keyRings/data/cryptoKeys/redis",
      });
      new FeatureStore(e.workloads, "Features", {
        connection: e.conn, operator: e.operator, namespace: "feast", name: "ml", feastProject: "ml", identity, materializationIdentity,
        offlineStore: OfflineStore.lake(lake), onlineStore: redis, onlineStorePasswordSecretName: "feast-redis", tlsSecretName: "feast-tls",
      });
      prepareApp(app);
      const json = synthJson(e.workloads);
      const ca = (Object.values(resourcesOfType(json, "kubernetes_secret_v1")) as any[]).find((x) => x.metadata.name === "feast-ml-online-store-ca");
      expect(ca.metadata.namespace).toBe("feast");
      expect(ca.data["ca.crt"]).toMatch(/terraform_remote_state/);
      const config = storeConfig(e.workloads).redis;
      expect(config).toContain(",ssl=true,ssl_cert_reqs=required,ssl_ca_certs=/etc/strata/online-store-ca/ca.crt\"");
      expect(config).not.toContain("ssl_check_hostname");
      const m = featureStore(e.workloads);
      expect(m.spec.services.volumes).toEqual([{ name: "strata-online-store-ca", secret: { secretName: "feast-ml-online-store-ca", items: [{ key: "ca.crt", path: "ca.crt" }] } }]);
      expect(validateStackManifests(Testing.synth(e.workloads)).flatMap((r) => r.errors)).toEqual([]);
    });
  });

  test("scheduled materialization: Strata's own hourly CronJob (the operator's stays suspended), Forbid, limits, hardened pod", () => {
    const e = onPrem();
    // The operator's CronJob runs `kubectl exec` into the servers, with their identity: suspended.
    expect(featureStore(e.workloads).spec.cronJob).toEqual({ suspend: true });
    const cron = onlyResource(synthJson(e.workloads), "kubernetes_cron_job_v1");
    expect(cron.metadata).toMatchObject({ name: "feast-ml-materialize", namespace: "feast" });
    expect(cron.spec).toMatchObject({
      schedule: "0 * * * *",
      concurrency_policy: "Forbid",
      starting_deadline_seconds: 300,
      successful_jobs_history_limit: 3,
      failed_jobs_history_limit: 3,
    });
    const job = cron.spec.job_template.spec;
    expect(job.backoff_limit).toBe(2);
    expect(job.active_deadline_seconds).toBe(10800);
    const pod = job.template.spec;
    expect(pod.service_account_name).toBe("feast-ml-materialize");
    expect(pod.automount_service_account_token).toBe(false);
    expect(pod.restart_policy).toBe("Never");
    expect(pod.security_context).toMatchObject({ run_as_non_root: true, run_as_user: "1000", seccomp_profile: { type: "RuntimeDefault" } });
    const c = pod.container[0];
    expect(c.image).toBe("quay.io/feastdev/feature-server:0.66.0");
    expect(c.command.join(" ")).toContain("feast -f /etc/feast/feature_store.yaml materialize-incremental");
    expect(c.security_context).toEqual({
      run_as_non_root: true, allow_privilege_escalation: false, privileged: false, read_only_root_filesystem: true, capabilities: { drop: ["ALL"] },
    });
    expect(c.resources).toEqual({ requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "2", memory: "4Gi" } });
    expect(c.env_from).toEqual([{ secret_ref: { name: "feast-ml-materialize-credentials" } }]);
    expect(c.env).toContainEqual({ name: "STRATA_ONLINE_STORE_PASSWORD", value_from: { secret_key_ref: { name: "valkey-users", key: "default" } } });
    expect(c.env).toContainEqual({ name: "AWS_ENDPOINT_URL", value: "https://s3.storage.svc:8333" });
    expect(pod.volume).toEqual([
      { name: "config", secret: { secret_name: "feast-ml-materialize", default_mode: "0440" } },
      { name: "tmp", empty_dir: { size_limit: "2Gi" } },
      // The job connects to the same TLS Valkey as the servers: it verifies it with the same CA.
      { name: "strata-online-store-ca", secret: { secret_name: "valkey-tls", items: [{ key: "ca.crt", path: "ca.crt" }] } },
    ]);
    const custom = onPrem({ materializationSchedule: "*/15 * * * *" });
    expect(onlyResource(synthJson(custom.workloads), "kubernetes_cron_job_v1").spec.schedule).toBe("*/15 * * * *");
  });

  test("the job's feature_store.yaml: the same stores, read from them directly, passwords as ${VAR}", () => {
    const e = onPrem();
    expect(secretData(e.workloads, "feast-ml-materialize")["feature_store.yaml"]).toBe(
      "project: ml_features\nprovider: local\n" +
        "registry:\n  path: s3://ml-lake/registry/registry.db\n  cache_ttl_seconds: 60\n" +
        'online_store:\n  type: redis\n  redis_type: redis\n  connection_string: "valkey.feast.svc.cluster.local:6379,password=${STRATA_ONLINE_STORE_PASSWORD},ssl=true,ssl_cert_reqs=required,ssl_check_hostname=true,ssl_ca_certs=/etc/strata/online-store-ca/ca.crt"\n' +
        "offline_store:\n  type: file\n" +
        "entity_key_serialization_version: 3\n",
    );
  });

  test("the job runs on CPU capacity: on-demand GENERAL pools when the cluster declares them, never GPU pools", () => {
    const onprem = onlyResource(synthJson(onPrem().workloads), "kubernetes_cron_job_v1").spec.job_template.spec.template.spec;
    expect(onprem.affinity.node_affinity.required_during_scheduling_ignored_during_execution.node_selector_term[0].match_expressions).toEqual([
      { key: "strata.io/purpose", operator: "NotIn", values: ["inference", "training"] },
      { key: "strata.io/gpu", operator: "DoesNotExist" },
    ]);
    const pool = (name: string, purpose: NodePoolPurpose, capacityType: CapacityType, extra: Partial<NodePoolInfo> = {}): NodePoolInfo => ({
      name, purpose, capacityType, labels: { "strata.io/pool": name }, taints: [], minNodes: 0, maxNodes: 3, ...extra,
    });
    const e = aws({}, [
      pool("cpu", NodePoolPurpose.GENERAL, CapacityType.ON_DEMAND, { taints: [{ key: "dedicated", value: "batch", effect: TaintEffect.NO_SCHEDULE }] }),
      pool("cpu-spot", NodePoolPurpose.GENERAL, CapacityType.SPOT),
      pool("l4", NodePoolPurpose.INFERENCE, CapacityType.ON_DEMAND, { gpu: Gpu.NVIDIA_L4, gpusPerNode: 1, taints: [{ key: "nvidia.com/gpu", value: "present", effect: TaintEffect.NO_SCHEDULE }] }),
    ]);
    const pod = onlyResource(synthJson(e.workloads), "kubernetes_cron_job_v1").spec.job_template.spec.template.spec;
    expect(pod.affinity.node_affinity.required_during_scheduling_ignored_during_execution.node_selector_term[0].match_expressions).toEqual([
      { key: "strata.io/pool", operator: "In", values: ["cpu"] },
    ]);
    expect(pod.toleration).toEqual([{ key: "dedicated", operator: "Equal", value: "batch", effect: "NoSchedule" }]);
  });

  test("creates the operator's service account feast-<name> with the identity, and orders workloads after platform", () => {
    const e = onPrem();
    const sas = Object.values(resourcesOfType(synthJson(e.workloads), "kubernetes_service_account_v1")) as any[];
    expect(sas.map((sa) => sa.metadata.name).sort()).toEqual(["feast-ml", "feast-ml-materialize"]);
    // Kubernetes authorization: the servers need their API token; the materialization job talks to the stores directly.
    const token = Object.fromEntries(sas.map((sa) => [sa.metadata.name, sa.automount_service_account_token]));
    expect(token).toEqual({ "feast-ml": true, "feast-ml-materialize": false });
    expect(featureStore(e.workloads).spec.authz).toEqual({ kubernetes: { roles: ["feast-reader", "feast-writer"] } });
    expect(e.workloads.dependencies).toContain(e.platform);
    expect(e.store.serviceAccountName).toBe("feast-ml");
  });

  test("on-prem grants: read on the offline prefix, read-write-delete on the registry prefix (recorded for the store's own policy)", () => {
    const e = onPrem();
    const warnings = annotations(e.lake).join("\n");
    expect(warnings).toContain('grant read on prefix "features/" of bucket "ml-lake" to feast/feast-ml');
    expect(warnings).toContain('grant read-write and delete on prefix "registry/" of bucket "ml-lake" to feast/feast-ml');
  });

  test("plaintext servers only when asked", () => {
    const e = onPrem({ tlsSecretName: undefined, allowPlaintext: true });
    expect(featureStore(e.workloads).spec.services.onlineStore.server.tls).toEqual({ disable: true });
  });

  test("AWS: IAM grants on the identity's role (read features/ with KMS, registry in RDS), passwords from synced Secrets", () => {
    const e = aws();
    prepareApp(e.app);
    const policies = Object.values(resourcesOfType(synthJson(e.infra), "aws_iam_role_policy")).map((p: any) => JSON.parse(p.policy));
    const s3Read = policies.find((p) => p.Statement.some((s: any) => s.Sid === "ListBucket"));
    expect(s3Read.Statement).toContainEqual({
      Sid: "Objects",
      Effect: "Allow",
      Action: ["s3:GetObject", "s3:GetObjectVersion"],
      Resource: ["arn:aws:s3:::acme-ml-lake/features/*"],
    });
    expect(s3Read.Statement.find((s: any) => s.Sid === "BucketKey").Action).toEqual(["kms:Decrypt"]);
    // Connect grants on the cache's AUTH secret and the registry's credentials; no object-store registry grant.
    expect(policies.some((p) => JSON.stringify(p).includes("feast-redis-AbCdEf"))).toBe(true);
    expect(policies.some((p) => JSON.stringify(p).includes("feast-db-AbCdEf"))).toBe(true);
    expect(policies.some((p) => JSON.stringify(p).includes("registry/"))).toBe(false);
    const m = featureStore(e.workloads);
    expect(m.spec.services.registry.local.persistence).toEqual({ store: { type: "sql", secretRef: { name: "feast-ml-stores" } } });
    expect(m.spec.services.onlineStore.server.env).toEqual([
      { name: "STRATA_ONLINE_STORE_PASSWORD", valueFrom: { secretKeyRef: { name: "feast-redis", key: "password" } } },
      { name: "STRATA_REGISTRY_DB_USER", valueFrom: { secretKeyRef: { name: "feast-db", key: "username" } } },
      { name: "STRATA_REGISTRY_DB_PASSWORD", valueFrom: { secretKeyRef: { name: "feast-db", key: "password" } } },
    ]);
    expect(m.spec.services.onlineStore.server.envFrom).toBeUndefined();
    expect(storeConfig(e.workloads).sql).toBe(
      "path: postgresql+psycopg://${STRATA_REGISTRY_DB_USER}:${STRATA_REGISTRY_DB_PASSWORD}@feast.abc.us-east-1.rds.amazonaws.com:5432/feast?sslmode=verify-full\ncache_ttl_seconds: 60\n",
    );
    expect(storeConfig(e.workloads).redis).toContain("master.feast.abc.use1.cache.amazonaws.com:6379,password=${STRATA_ONLINE_STORE_PASSWORD},ssl=true");
    expect(celErrors(m)).toEqual([]);
  });

  test("GCP: GCS offline store grants objectViewer under features/ to the Google service account", () => {
    const app = testApp();
    const infra = bareStack(app, "infra");
    const cluster = new ExistingCluster(infra, "Cluster", { clusterName: "dc1", kubeconfigContext: "dc1-admin" });
    const e = stacks(app, infra, cluster);
    const lake = new GcsBucketReference(infra, "Lake", { bucketName: "acme-ml-lake" });
    const identity = new FakeIdentity(infra, "Feast", WorkloadIdentityKind.GCP_SERVICE_ACCOUNT, "feast", "feast-ml");
    const job = new FakeIdentity(infra, "FeastJob", WorkloadIdentityKind.GCP_SERVICE_ACCOUNT, "feast", "feast-ml-materialize");
    const redis = new MemorystoreReference(infra, "Redis", { product: MemorystoreProduct.VALKEY, project: "acme-ml", host: "10.0.0.5", iamAuthentication: true });
    new FeatureStore(e.workloads, "Features", {
      connection: e.conn, operator: e.operator, namespace: "feast", name: "ml", feastProject: "ml", identity, materializationIdentity: job,
      offlineStore: OfflineStore.lake(lake), onlineStore: redis, allowPlaintext: true,
    });
    const members = Object.values(resourcesOfType(synthJson(infra), "google_storage_bucket_iam_member")) as any[];
    const of = (email: string) => members.filter((m) => m.member === `serviceAccount:${email}`).map((m) => m.role).sort();
    expect(of("feast-ml@proj.iam.gserviceaccount.com")).toEqual(["roles/storage.objectUser", "roles/storage.objectViewer"]);
    // The job reads features/ and records materialization progress in the registry file; it never writes features/.
    expect(of("feast-ml-materialize@proj.iam.gserviceaccount.com")).toEqual(["roles/storage.objectUser", "roles/storage.objectViewer"]);
    for (const m of members.filter((x) => x.role === "roles/storage.objectUser")) expect(m.condition.expression).toContain("/objects/registry/");
    const viewer = members.find((m) => m.role === "roles/storage.objectViewer");
    expect(viewer.condition.expression).toContain('startsWith("projects/_/buckets/acme-ml-lake/objects/features/")');
    expect(viewer.member).toBe("serviceAccount:feast-ml@proj.iam.gserviceaccount.com");
    const roles = Object.values(resourcesOfType(synthJson(infra), "google_project_iam_member")).map((m: any) => m.role);
    expect(roles).toEqual(["roles/memorystore.dbConnectionUser", "roles/memorystore.dbConnectionUser"]);
  });

  describe("FeastOperator", () => {
    test("checks the CRD in the platform stack and fails the plan with the install command", () => {
      const e = onPrem();
      const json = synthJson(e.platform);
      const crd = Object.values(json.data!["kubernetes_resources"] as Record<string, any>)[0];
      expect(crd).toMatchObject({ api_version: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", field_selector: "metadata.name=featurestores.feast.dev" });
      expect(crd.lifecycle.postcondition[0].condition).toBe("${length(self.objects) == 1}");
      expect(crd.lifecycle.postcondition[0].error_message).toContain(
        "kubectl apply --server-side -f https://raw.githubusercontent.com/feast-dev/feast/v0.66.0/infra/feast-operator/dist/install.yaml",
      );
    });
    test("one operator per cluster and stack", () => {
      const e = onPrem();
      expect(() => new FeastOperator(e.platform, "Again", { connection: e.platformConn })).toThrow(/platform\/Again: invalid connection "infra\/Cluster": already has a FeastOperator in this stack/);
    });
    test("a connection that is not a ClusterConnection", () => {
      const app = testApp();
      const stack = bareStack(app, "platform");
      expect(() => new FeastOperator(stack, "Feast", { connection: {} as any })).toThrow(/Feast: invalid connection \{\}: must be a ClusterConnection/);
    });
  });

  describe("bad input", () => {
    test.each([["-ml"], ["ml.features"], ["ml features"], [""]])("feastProject %j against the CRD pattern", (p) => {
      expect(() => onPrem({ feastProject: p })).toThrow(/Features: invalid feastProject .*: must be a letter or digit, then letters, digits, '_' or '-'/);
    });
    test("feastProject not a string", () => {
      expect(() => onPrem({ feastProject: 7 as any })).toThrow(/invalid feastProject 7/);
    });
    test("an ElastiCache online store with IAM authentication (Feast logs in with a password)", () => {
      const e = aws();
      const iamCache = new ElastiCacheOnlineStore(e.infra, "IamCache", {
        replicationGroupId: "feast-iam",
        vpcId: "vpc-123",
        subnetIds: ["subnet-a", "subnet-b"],
        allowedSecurityGroupIds: ["sg-nodes"],
      });
      const identity = (e.cluster as EksCluster).addWorkloadIdentity("Feast2", { namespace: "feast2", serviceAccountName: "feast-ml2" });
      expect(
        () =>
          new FeatureStore(e.workloads, "Features2", {
            connection: e.conn,
            operator: e.operator,
            namespace: "feast2",
            name: "ml2",
            feastProject: "ml_features",
            identity,
            materializationIdentity: (e.cluster as EksCluster).addWorkloadIdentity("Feast2Job", { namespace: "feast2", serviceAccountName: "feast-ml2-job" }),
            offlineStore: OfflineStore.lake(e.lake),
            onlineStore: iamCache,
            registryDatabase: e.db,
            registryCredentialsSecretName: "feast-db",
            tlsSecretName: "feast-tls",
          } as FeatureStoreProps),
      ).toThrow(
        'workloads/Features2: invalid onlineStore "infra/IamCache": uses IAM authentication, which Feast\'s Redis client cannot use (it logs in with a password): create the ElastiCacheOnlineStore with authentication: ElastiCacheAuthentication.AUTH_TOKEN',
      );
    });
    test("an identity that cannot read the offline store", () => {
      const app = testApp();
      const infra = bareStack(app, "infra");
      const cluster = new ExistingCluster(infra, "Cluster", { clusterName: "dc1", kubeconfigContext: "dc1-admin" });
      const e = stacks(app, infra, cluster);
      const lake = new S3BucketReference(infra, "Lake", { bucketName: "acme-ml-lake", partition: "aws" });
      const identity = cluster.addWorkloadIdentity("Feast", { namespace: "feast", serviceAccountName: "feast-ml" });
      const job = cluster.addWorkloadIdentity("FeastJob", { namespace: "feast", serviceAccountName: "feast-job" });
      const redis = new ExistingRedis(infra, "Redis", { host: "10.0.0.5", authSecretName: "redis-auth" });
      expect(
        () =>
          new FeatureStore(e.workloads, "Features", {
            connection: e.conn, operator: e.operator, namespace: "feast", name: "ml", feastProject: "ml", identity, materializationIdentity: job,
            offlineStore: OfflineStore.lake(lake), onlineStore: redis, allowPlaintext: true,
          }),
      ).toThrow(
        /workloads\/Features: invalid offlineStore "infra\/Lake": cannot be read by identity infra\/Cluster\/Feast \(a kubernetes-secret identity; a s3 bucket needs a aws-iam-role identity\)/,
      );
    });
    test("an identity for another service account or namespace", () => {
      const app = testApp();
      const infra = bareStack(app, "infra");
      const cluster = new ExistingCluster(infra, "Cluster", { clusterName: "dc1", kubeconfigContext: "dc1-admin" });
      const other = cluster.addWorkloadIdentity("Other", { namespace: "feast", serviceAccountName: "feast" });
      expect(() => onPrem({ identity: other })).toThrow(/invalid identity "infra\/Cluster\/Other": is for service account "feast"; the Feast operator runs every Feast pod as "feast-ml"/);
      const elsewhere = cluster.addWorkloadIdentity("Elsewhere", { namespace: "ml", serviceAccountName: "feast-ml" });
      expect(() => onPrem({ identity: elsewhere })).toThrow(/invalid identity "infra\/Cluster\/Elsewhere": is for namespace "ml"; the Feast pods run in "feast"/);
    });
    test("missing identity, offline store or online store", () => {
      expect(() => onPrem({ identity: undefined as any })).toThrow(/invalid identity undefined: is required/);
      expect(() => onPrem({ offlineStore: "s3://lake" as any })).toThrow(/invalid offlineStore "s3:\/\/lake": must be an OfflineStore \(OfflineStore.lake\(bucket\), .*\), not a string/);
      expect(() => onPrem({ offlineStore: OfflineStore.lake("s3://lake" as any) })).toThrow(/invalid offlineStore "s3:\/\/lake": must be OfflineStore.lake\(<an IObjectStore>\), not a string/);
      expect(() => onPrem({ onlineStore: {} as any })).toThrow(/invalid onlineStore \{\}: must be an ICache, not an object/);
    });
    test("a cloud AUTH secret without a synced Kubernetes Secret", () => {
      expect(() => aws({ onlineStorePasswordSecretName: undefined })).toThrow(
        /invalid onlineStorePasswordSecretName undefined: is required: the online store's AUTH secret is in aws-secrets-manager/,
      );
      expect(() => aws({ registryCredentialsSecretName: undefined })).toThrow(
        /invalid registryCredentialsSecretName undefined: is required: the registry database's credentials is in aws-secrets-manager/,
      );
    });
    test("a Kubernetes password Secret in another namespace", () => {
      const app = testApp();
      const infra = bareStack(app, "infra");
      const cluster = new ExistingCluster(infra, "Cluster", { clusterName: "dc1", kubeconfigContext: "dc1-admin" });
      const db = new ExistingDatabase(infra, "Db", {
        engine: DatabaseEngine.POSTGRES, host: "pg.dc1", databaseName: "feast", credentialsSecretName: "pg", credentialsSecretNamespace: "db",
      });
      expect(() => onPrem({ registryDatabase: db })).toThrow(/invalid registryCredentialsSecretName undefined: is required: .*is in namespace "db"/);
      void cluster;
    });
    test("TLS", () => {
      expect(() => onPrem({ tlsSecretName: undefined })).toThrow(/invalid tlsSecretName undefined: is required: give a TLS Secret/);
      expect(() => onPrem({ allowPlaintext: true })).toThrow(/invalid allowPlaintext true: contradicts tlsSecretName/);
      expect(() => onPrem({ tlsSecretName: undefined, allowPlaintext: "true" as any })).toThrow(/invalid allowPlaintext "true"/);
    });
    test("schedule", () => {
      expect(() => onPrem({ materializationSchedule: "hourly" })).toThrow(/invalid materializationSchedule "hourly": must be a cron schedule/);
      expect(() => onPrem({ materializationSchedule: 60 as any })).toThrow(/invalid materializationSchedule 60/);
    });
    test("names and prefix", () => {
      expect(() => onPrem({ name: "ML" })).toThrow(/invalid name "ML"/);
      expect(() => onPrem({ offlineStore: OfflineStore.lake(new S3CompatibleBucket(bareStack(testApp(), "x"), "L", { bucketName: "ml-lake", endpoint: "https://s3.storage.svc:8333" }), { prefix: "/features" }) })).toThrow(/invalid prefix "\/features"/);
      expect(() => onPrem({ onlineStorePasswordSecretName: "Bad" })).toThrow(/invalid onlineStorePasswordSecretName "Bad"/);
    });
    test("operator in the same stack, or not an operator", () => {
      const e = onPrem();
      const identity = e.cluster.addWorkloadIdentity("Second", { namespace: "feast", serviceAccountName: "feast-two" });
      const job = e.cluster.addWorkloadIdentity("SecondJob", { namespace: "feast", serviceAccountName: "feast-two-job" });
      expect(
        () =>
          new FeatureStore(e.platform, "Same", {
            connection: e.platformConn, operator: e.operator, namespace: "feast", name: "two", feastProject: "two", identity, materializationIdentity: job,
            offlineStore: OfflineStore.lake(e.lake), onlineStore: e.valkey, allowPlaintext: true,
          }),
      ).toThrow(/platform\/Same: invalid operator "platform\/Feast": is in the same stack/);
      expect(() => onPrem({ operator: {} as any })).toThrow(/invalid operator \{\}: must be a FeastOperator/);
    });
  });

  test("synthesizes the same stacks twice, byte for byte", () => {
    const build = () => {
      const e = aws();
      prepareApp(e.app);
      return [Testing.synth(e.infra), Testing.synth(e.platform), Testing.synth(e.workloads)];
    };
    expect(build()).toEqual(build());
  });

  describeConformance("custom resources", () => {
    test("the FeatureStore passes the strict feast.dev/v1 schema (on-prem, AWS, plaintext)", () => {
      for (const e of [
        onPrem(),
        aws(),
        onPrem({ tlsSecretName: undefined, allowPlaintext: true }),
        onPrem({}, { caCertificate: { secretName: "seaweedfs-ca-cert", namespace: "seaweedfs" } }),
      ]) {
        const results = validateStackManifests(Testing.synth(e.workloads));
        expect(results).toHaveLength(1);
        expect(results.filter((r) => r.errors.length > 0)).toEqual([]);
      }
    });
  });
});

describe("FeatureStore feature repository and freshness", () => {
  test("the feature repository from Git, pinned to a commit", () => {
    const e = onPrem({ featureRepoGitUrl: "https://git.example.com/ml/features.git", featureRepoGitRef: "598a270", featureRepoPath: "repo" });
    expect(featureStore(e.workloads).spec.feastProjectDir).toEqual({
      git: { url: "https://git.example.com/ml/features.git", ref: "598a270", featureRepoPath: "repo" },
    });
    expect(featureStore(onPrem().workloads).spec.feastProjectDir).toBeUndefined();
  });

  test("feature server metrics with the freshness and materialization categories by default; off when asked", () => {
    const on = featureStore(onPrem().workloads).spec.services.onlineStore;
    expect(on.server.metrics).toBe(true);
    expect(on.serving).toEqual({ metrics: { enabled: true, categories: { materialization: true, freshness: true } } });
    const off = featureStore(onPrem({ freshnessMetrics: false }).workloads).spec.services.onlineStore;
    expect(off.server.metrics).toBeUndefined();
    expect(off.serving).toBeUndefined();
  });

  test("bad feature repository settings", () => {
    expect(() => onPrem({ featureRepoGitUrl: "http://git.example.com/ml.git", featureRepoGitRef: "main" })).toThrow(
      /invalid featureRepoGitUrl "http:\/\/git.example.com\/ml.git": must be an https:\/\/ repository URL without credentials/,
    );
    expect(() => onPrem({ featureRepoGitUrl: "https://user:tok@git.example.com/ml.git", featureRepoGitRef: "main" })).toThrow(/invalid featureRepoGitUrl/);
    expect(() => onPrem({ featureRepoGitUrl: 5 as any, featureRepoGitRef: "main" })).toThrow(/invalid featureRepoGitUrl 5/);
    expect(() => onPrem({ featureRepoGitUrl: "https://git.example.com/ml.git" })).toThrow(/invalid featureRepoGitRef undefined: is required with featureRepoGitUrl: pin a commit/);
    expect(() => onPrem({ featureRepoGitUrl: "https://git.example.com/ml.git", featureRepoGitRef: "abc", featureRepoPath: "/repo" })).toThrow(
      /invalid featureRepoPath "\/repo": must be a relative directory/,
    );
    expect(() => onPrem({ featureRepoGitRef: "abc" })).toThrow(/invalid featureRepoGitUrl undefined: is required with featureRepoGitRef or featureRepoPath/);
    expect(() => onPrem({ freshnessMetrics: "no" as any })).toThrow(/invalid freshnessMetrics "no"/);
  });

  describeConformance("custom resources", () => {
    test("with a Git feature repository and without metrics, still strict-valid", () => {
      for (const e of [
        onPrem({ featureRepoGitUrl: "https://git.example.com/ml/features.git", featureRepoGitRef: "598a270" }),
        onPrem({ freshnessMetrics: false }),
      ]) {
        expect(validateStackManifests(Testing.synth(e.workloads)).filter((r) => r.errors.length > 0)).toEqual([]);
      }
    });
  });
});
