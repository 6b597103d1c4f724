import { Testing } from "cdktf";
import { CapacityType, NodePoolInfo, NodePoolPurpose, TaintEffect, WorkloadIdentityKind } from "../../lib/core/cluster";
import { DatabaseEngine, SecretKind } from "../../lib/core/database";
import { GcsBucketReference, S3BucketReference, S3CompatibleBucket } from "../../lib/core/object-store";
import { ExistingCluster } from "../../lib/compute/existing-cluster";
import { CloudNativePgDatabase, CloudNativePgDatabaseProps } from "../../lib/model/cloudnative-pg-database";
import { CloudNativePgOperator } from "../../lib/model/cloudnative-pg-operator";
import { describeConformance, validateStackManifests } from "../support/conformance";
import { FakeIdentity } from "../support/fake-identity";
import { annotations, bareStack, onlyResource, prepareApp, resourcesOfType, synthJson, testApp } from "../support/synth";

const GENERAL_POOL: NodePoolInfo = {
  name: "general",
  purpose: NodePoolPurpose.GENERAL,
  capacityType: CapacityType.ON_DEMAND,
  labels: { "strata.io/pool": "general", "strata.io/purpose": "general" },
  taints: [],
  minNodes: 3,
  maxNodes: 6,
};
const SPOT_POOL: NodePoolInfo = {
  name: "spot",
  purpose: NodePoolPurpose.GENERAL,
  capacityType: CapacityType.SPOT,
  labels: { "strata.io/pool": "spot" },
  taints: [{ key: "strata.io/spot", value: "true", effect: TaintEffect.NO_SCHEDULE }],
  minNodes: 0,
  maxNodes: 6,
};

function env(pools: NodePoolInfo[] = [GENERAL_POOL]) {
  const app = testApp();
  const infra = bareStack(app, "infra");
  const cluster = new ExistingCluster(infra, "Cluster", { clusterName: "dc1", kubeconfigContext: "dc1-admin" });
  pools.forEach((p) => cluster.registerNodePool(p));
  const platform = bareStack(app, "platform");
  const workloads = bareStack(app, "workloads");
  const platformConn = cluster.connect(platform, "Conn");
  const conn = cluster.connect(workloads, "Conn");
  const operator = new CloudNativePgOperator(platform, "Cnpg", { connection: platformConn });
  const lake = new S3CompatibleBucket(infra, "Lake", { bucketName: "ml-lake", endpoint: "https://s3.storage.svc:8333" });
  const writer = cluster.addWorkloadIdentity("BackupWriter", { namespace: "mlflow", serviceAccountName: "mlflow-db" });
  return { app, infra, cluster, platform, workloads, platformConn, conn, operator, lake, writer };
}

function onPrem(props: Partial<CloudNativePgDatabaseProps> = {}, pools?: NodePoolInfo[]) {
  const e = env(pools);
  const db = new CloudNativePgDatabase(e.workloads, "MlflowDb", {
    connection: e.conn,
    operator: e.operator,
    namespace: "mlflow",
    name: "mlflow-db",
    databaseName: "mlflow",
    backupStore: e.lake,
    backupIdentity: e.writer,
    ...props,
  } as CloudNativePgDatabaseProps);
  return { ...e, db };
}

function manifests(json: any): Record<string, any> {
  return Object.fromEntries(Object.values(resourcesOfType(json, "kubernetes_manifest")).map((r: any) => [r.manifest.kind, r.manifest]));
}

describe("CloudNativePgDatabase", () => {
  test("a 3-instance Cluster on separate nodes with persistent volumes, operator-made app Secret, superuser off", () => {
    const { workloads } = onPrem({ storageClass: "fast-ssd", storageSizeGiB: 50 });
    const { Cluster: cluster } = manifests(synthJson(workloads));
    expect(cluster.apiVersion).toBe("postgresql.cnpg.io/v1");
    expect(cluster.metadata).toMatchObject({ name: "mlflow-db", namespace: "mlflow" });
    expect(cluster.spec).toMatchObject({
      instances: 3,
      imageName: "ghcr.io/cloudnative-pg/postgresql:17.5",
      enableSuperuserAccess: false,
      enablePDB: true,
      bootstrap: { initdb: { database: "mlflow", owner: "mlflow", dataChecksums: true } },
      storage: { size: "50Gi", storageClass: "fast-ssd", resizeInUseVolumes: true },
      resources: { requests: { cpu: "500m", memory: "1024Mi" }, limits: { memory: "1024Mi" } },
      affinity: { enablePodAntiAffinity: true, topologyKey: "kubernetes.io/hostname", podAntiAffinityType: "required", nodeSelector: GENERAL_POOL.labels },
    });
    // No password anywhere: the operator generates <name>-app.
    expect(cluster.spec.bootstrap.initdb.secret).toBeUndefined();
    expect(cluster.spec.superuserSecret).toBeUndefined();
  });

  test("IDatabase: rw service host, verify-full URI, credentials Secret <name>-app, CA Secret <name>-ca", () => {
    const { db } = onPrem();
    expect(db.engine).toBe(DatabaseEngine.POSTGRES);
    expect(db.host).toBe("mlflow-db-rw.mlflow.svc");
    expect(db.port).toBe(5432);
    expect(db.tlsRequired).toBe(true);
    expect(db.connectionUri()).toBe("postgresql://mlflow-db-rw.mlflow.svc:5432/mlflow?sslmode=verify-full");
    expect(db.credentials).toEqual({ kind: SecretKind.KUBERNETES_SECRET, name: "mlflow-db-app", namespace: "mlflow" });
    expect(db.caSecretName).toBe("mlflow-db-ca");
  });

  test("on-prem backups: barman-cloud to the S3-compatible lake with the identity's Secret, a ScheduledBackup, retention", () => {
    const { workloads, db } = onPrem({ backupEndpointCaSecretName: "lake-ca" });
    const json = synthJson(workloads);
    const { Cluster: cluster, ScheduledBackup: scheduled } = manifests(json);
    expect(cluster.spec.backup).toEqual({
      retentionPolicy: "30d",
      barmanObjectStore: {
        destinationPath: "s3://ml-lake/cnpg/mlflow",
        endpointURL: "https://s3.storage.svc:8333",
        endpointCA: { name: "lake-ca", key: "ca.crt" },
        s3Credentials: {
          accessKeyId: { name: "mlflow-db-credentials", key: "AWS_ACCESS_KEY_ID" },
          secretAccessKey: { name: "mlflow-db-credentials", key: "AWS_SECRET_ACCESS_KEY" },
        },
        wal: { compression: "gzip" },
        data: { compression: "gzip" },
      },
    });
    expect(scheduled).toMatchObject({
      apiVersion: "postgresql.cnpg.io/v1",
      metadata: { name: "mlflow-db-daily", namespace: "mlflow" },
      spec: { cluster: { name: "mlflow-db" }, schedule: "0 0 3 * * *", method: "barmanObjectStore", immediate: true, backupOwnerReference: "self" },
    });
    const backupResource = Object.values(resourcesOfType(json, "kubernetes_manifest")).find((r: any) => r.manifest.kind === "ScheduledBackup") as any;
    expect(backupResource.depends_on).toEqual([expect.stringMatching(/^kubernetes_manifest\.MlflowDb_[0-9A-F]{8}$/)]);
    expect(db.backupDestination).toBe("s3://ml-lake/cnpg/mlflow");
  });

  test("on-prem grant: the lake records read, write and delete under the backup prefix for the writer's keys", () => {
    const { app, db } = onPrem({ backupPrefix: "backups/pg/" });
    expect(db.backupDestination).toBe("s3://ml-lake/backups/pg");
    const warnings = annotations(app);
    expect(warnings.some((w: string) => w.includes('read-write and delete on prefix "backups/pg/" of bucket "ml-lake"'))).toBe(true);
  });

  test("AWS backups: IAM role by IRSA on the cluster's service account, inheritFromIAMRole, S3 grant with delete under the prefix", () => {
    const e = env();
    const infra = e.infra;
    const lake = new S3BucketReference(infra, "S3Lake", { bucketName: "acme-lake", partition: "aws" });
    const identity = new FakeIdentity(infra, "Writer", WorkloadIdentityKind.AWS_IAM_ROLE, "mlflow", "mlflow-db");
    (identity.serviceAccountAnnotations as any)["eks.amazonaws.com/role-arn"] = identity.awsRoleArn;
    new CloudNativePgDatabase(e.workloads, "MlflowDb", {
      connection: e.conn, operator: e.operator, namespace: "mlflow", name: "mlflow-db", databaseName: "mlflow", backupStore: lake, backupIdentity: identity,
    });
    const { Cluster: cluster } = manifests(synthJson(e.workloads));
    expect(cluster.spec.backup.barmanObjectStore).toMatchObject({ destinationPath: "s3://acme-lake/cnpg/mlflow", s3Credentials: { inheritFromIAMRole: true } });
    expect(cluster.spec.backup.barmanObjectStore.endpointURL).toBeUndefined();
    expect(cluster.spec.serviceAccountTemplate).toEqual({ metadata: { annotations: { "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/mlflow-db" } } });
    const policy = JSON.parse(onlyResource(synthJson(infra), "aws_iam_role_policy").policy);
    const objects = policy.Statement.find((s: any) => s.Sid === "Objects");
    expect(objects.Resource).toEqual(["arn:aws:s3:::acme-lake/cnpg/mlflow/*"]);
    expect(objects.Action).toContain("s3:DeleteObject");
  });

  test("GCP backups: gkeEnvironment and the Workload Identity annotation; GCS objectUser under the prefix", () => {
    const e = env();
    const lake = new GcsBucketReference(e.infra, "GcsLake", { bucketName: "acme-lake" });
    const identity = new FakeIdentity(e.infra, "Writer", WorkloadIdentityKind.GCP_SERVICE_ACCOUNT, "mlflow", "mlflow-db", "acme-ml");
    new CloudNativePgDatabase(e.workloads, "MlflowDb", {
      connection: e.conn, operator: e.operator, namespace: "mlflow", name: "mlflow-db", databaseName: "mlflow", backupStore: lake, backupIdentity: identity,
    });
    const { Cluster: cluster } = manifests(synthJson(e.workloads));
    expect(cluster.spec.backup.barmanObjectStore).toMatchObject({ destinationPath: "gs://acme-lake/cnpg/mlflow", googleCredentials: { gkeEnvironment: true } });
    const member = onlyResource(synthJson(e.infra), "google_storage_bucket_iam_member");
    expect(member).toMatchObject({ role: "roles/storage.objectUser", member: "serviceAccount:mlflow-db@acme-ml.iam.gserviceaccount.com" });
    expect(member.condition.expression).toContain("/objects/cnpg/mlflow/");
  });

  test("operator check: the workloads stack is applied after the operator's platform stack", () => {
    const { app, workloads, platform } = onPrem();
    prepareApp(app);
    expect(workloads.dependencies).toContain(platform);
  });

  test("namespace created restricted in the workloads stack unless it exists; reused when it does", () => {
    const { workloads } = onPrem();
    const ns = onlyResource(synthJson(workloads), "kubernetes_namespace_v1");
    expect(ns.metadata.name).toBe("mlflow");
    expect(ns.metadata.labels["pod-security.kubernetes.io/enforce"]).toBe("restricted");
  });

  test("grantConnect: workloads in the database's namespace; another namespace is rejected", () => {
    const { db, cluster } = onPrem();
    db.grantConnect(cluster.addWorkloadIdentity("Mlflow", { namespace: "mlflow", serviceAccountName: "mlflow" }));
    expect(() => db.grantConnect(cluster.addWorkloadIdentity("Other", { namespace: "ml", serviceAccountName: "x" }))).toThrow(
      'workloads/MlflowDb: invalid identity "infra/Cluster/Other": runs in namespace "ml", but the credentials Secret "mlflow-db-app" is in "mlflow"',
    );
  });

  test("fewer instances and no backups need explicit opt-ins", () => {
    const { workloads, db } = onPrem({ instances: 1, allowFewerInstances: true, backupStore: undefined, backupIdentity: undefined, allowNoBackup: true });
    const m = manifests(synthJson(workloads));
    expect(m.Cluster.spec.instances).toBe(1);
    expect(m.Cluster.spec.backup).toBeUndefined();
    expect(m.ScheduledBackup).toBeUndefined();
    expect(db.scheduledBackup).toBeUndefined();
  });

  describeConformance("custom resources", () => {
    test("the Cluster and ScheduledBackup pass the strict postgresql.cnpg.io/v1 schemas", () => {
      for (const props of [{}, { backupEndpointCaSecretName: "lake-ca", storageClass: "fast" }, { allowNoBackup: true, backupStore: undefined, backupIdentity: undefined }]) {
        const results = validateStackManifests(Testing.synth(onPrem(props as any).workloads));
        expect(results.length).toBeGreaterThanOrEqual(1);
        expect(results.filter((r) => r.errors.length > 0)).toEqual([]);
      }
    });
  });

  describe("rejects bad input", () => {
    test("no operator, or one in the same stack", () => {
      const e = env();
      const base = { connection: e.conn, namespace: "mlflow", name: "db", databaseName: "mlflow", allowNoBackup: true };
      expect(() => new CloudNativePgDatabase(e.workloads, "A", { ...base, operator: undefined } as any)).toThrow("A: invalid operator undefined: must be a CloudNativePgOperator");
      const app = testApp();
      const one = bareStack(app, "one");
      const cluster = new ExistingCluster(one, "Cluster", { clusterName: "dc9", kubeconfigContext: "dc9" });
      const conn = cluster.connect(one, "Conn");
      const op = new CloudNativePgOperator(one, "Op", { connection: conn });
      expect(() => new CloudNativePgDatabase(one, "Db", { ...base, connection: conn, operator: op })).toThrow(
        'one/Db: invalid operator "one/Op": is in the same stack: create the database in a later (workloads) stack than the CloudNativePgOperator',
      );
    });
    test("an operator on another cluster", () => {
      const e = env();
      const other = new ExistingCluster(e.infra, "Other", { clusterName: "dc2", kubeconfigContext: "dc2" });
      const otherOp = new CloudNativePgOperator(e.platform, "OtherOp", { connection: other.connect(e.platform, "OtherConn", { alias: "dc2" }) });
      expect(() => new CloudNativePgDatabase(e.workloads, "Db", { connection: e.conn, operator: otherOp, namespace: "mlflow", name: "db", databaseName: "mlflow", allowNoBackup: true })).toThrow(
        'workloads/Db: invalid operator "platform/OtherOp": is installed on another cluster',
      );
    });
    test.each([
      ["name uppercase", { name: "MlflowDb" }, 'invalid name "MlflowDb": must be 1 to 50 lowercase letters'],
      ["name too long", { name: "a".repeat(51) }, "invalid name"],
      ["name number", { name: 3 }, "invalid name 3: must be 1 to 50 lowercase letters, digits and '-', starting with a letter and ending with a letter or digit (the operator derives Service, Pod and Secret names from it), not a number"],
      ["namespace", { namespace: "ML" }, 'invalid namespace "ML"'],
      ["databaseName", { databaseName: "ml-flow" }, 'invalid databaseName "ml-flow"'],
      ["owner reserved", { owner: "postgres" }, 'invalid owner "postgres": is reserved by CloudNativePG'],
      ["instances 0", { instances: 0 }, "invalid instances 0"],
      ["instances 10", { instances: 10 }, "invalid instances 10"],
      ["instances string", { instances: "3" }, 'invalid instances "3"'],
      ["instances 2 without opt-in", { instances: 2 }, "invalid instances 2: must be at least 3"],
      ["storageSizeGiB", { storageSizeGiB: 0 }, "invalid storageSizeGiB 0"],
      ["storageSizeGiB huge", { storageSizeGiB: 70000 }, "invalid storageSizeGiB 70000"],
      ["storageClass", { storageClass: "Fast_SSD" }, 'invalid storageClass "Fast_SSD"'],
      ["imageName untagged", { imageName: "ghcr.io/cloudnative-pg/postgresql" }, 'invalid imageName "ghcr.io/cloudnative-pg/postgresql": must pin a tag or digest'],
      ["imageName latest", { imageName: "postgres:latest" }, 'invalid imageName "postgres:latest"'],
      ["cpuMillis", { cpuMillis: 50 }, "invalid cpuMillis 50"],
      ["memoryMiB", { memoryMiB: 128 }, "invalid memoryMiB 128"],
      ["nodePoolName unknown", { nodePoolName: "gpu" }, 'invalid nodePoolName "gpu": must name a node pool of cluster "dc1" (pools: general)'],
      ["backupRetentionDays short", { backupRetentionDays: 3 }, "invalid backupRetentionDays 3"],
      ["backupRetentionDays long", { backupRetentionDays: 400 }, "invalid backupRetentionDays 400"],
      ["backupRetentionDays string", { backupRetentionDays: "30" }, 'invalid backupRetentionDays "30"'],
      ["backupSchedule five fields", { backupSchedule: "0 3 * * *" }, "this looks like a five-field Kubernetes CronJob schedule: prepend the seconds field"],
      ["backupSchedule junk", { backupSchedule: "daily" }, 'invalid backupSchedule "daily": must have six cron fields'],
      ["backupPrefix", { backupPrefix: "/backups" }, 'invalid backupPrefix "/backups"'],
      ["no backup store", { backupStore: undefined, backupIdentity: undefined }, "invalid backupStore undefined: is required: base backups and the WAL archive go to the data lake; set allowNoBackup: true"],
      ["no backup identity", { backupIdentity: undefined }, "invalid backupIdentity undefined: is required with backupStore"],
      ["backup options without store", { backupStore: undefined, backupIdentity: undefined, allowNoBackup: true, backupSchedule: "@daily" }, 'invalid backupSchedule "@daily": only applies with backupStore'],
      ["allowNoBackup string", { allowNoBackup: "yes" }, 'invalid allowNoBackup "yes"'],
    ])("%s", (_name, props, message) => {
      expect(() => onPrem(props as any)).toThrow(message);
    });
    test("a spot pool", () => {
      expect(() => onPrem({ nodePoolName: "spot" }, [GENERAL_POOL, SPOT_POOL])).toThrow('invalid nodePoolName "spot": is a spot pool');
    });
    test("an on-prem writer in another namespace; a cloud identity for the wrong service account; a CA with a cloud store", () => {
      const e = env();
      const base = { connection: e.conn, operator: e.operator, namespace: "mlflow", name: "mlflow-db", databaseName: "mlflow" };
      const elsewhere = e.cluster.addWorkloadIdentity("Elsewhere", { namespace: "backup", serviceAccountName: "w" });
      expect(() => new CloudNativePgDatabase(e.workloads, "A", { ...base, backupStore: e.lake, backupIdentity: elsewhere })).toThrow(
        'workloads/A: invalid backupIdentity "infra/Cluster/Elsewhere": has its credentials Secret in namespace "backup"',
      );
      const s3 = new S3BucketReference(e.infra, "S3", { bucketName: "acme-lake", partition: "aws" });
      const wrongSa = new FakeIdentity(e.infra, "W", WorkloadIdentityKind.AWS_IAM_ROLE, "mlflow", "mlflow");
      expect(() => new CloudNativePgDatabase(e.workloads, "B", { ...base, backupStore: s3, backupIdentity: wrongSa })).toThrow(
        'workloads/B: invalid backupIdentity "infra/W": is for service account "mlflow/mlflow"; CloudNativePG runs the instances as "mlflow/mlflow-db"',
      );
      const right = new FakeIdentity(e.infra, "R", WorkloadIdentityKind.AWS_IAM_ROLE, "mlflow", "mlflow-db");
      expect(() => new CloudNativePgDatabase(e.workloads, "C", { ...base, backupStore: s3, backupIdentity: right, backupEndpointCaSecretName: "ca" })).toThrow(
        'workloads/C: invalid backupEndpointCaSecretName "ca": only applies to an S3-compatible store',
      );
      const gcp = new FakeIdentity(e.infra, "G", WorkloadIdentityKind.GCP_SERVICE_ACCOUNT, "mlflow", "mlflow-db");
      expect(() => new CloudNativePgDatabase(e.workloads, "D", { ...base, backupStore: e.lake, backupIdentity: gcp })).toThrow(
        'workloads/D: invalid backupIdentity "infra/G": is a gcp-service-account identity; an S3-compatible store needs a credentials-Secret identity',
      );
    });
  });
});
