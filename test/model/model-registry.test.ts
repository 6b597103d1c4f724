import { TerraformStack } from "cdktf";
import { GcsBackend } from "cdktf";
import { GoogleProvider } from "@cdktf/provider-google/lib/provider";
import { EksCluster } from "../../lib/compute/eks-cluster";
import { ExistingCluster } from "../../lib/compute/existing-cluster";
import { GkeCluster } from "../../lib/compute/gke-cluster";
import { WorkloadIdentityKind } from "../../lib/core/cluster";
import { CloudSqlDatabaseReference, DatabaseEngine, ExistingDatabase, RdsDatabaseReference } from "../../lib/core/database";
import { ModelAlias } from "../../lib/core/model-registry";
import { GcsBucketReference, S3BucketReference, S3CompatibleBucket } from "../../lib/core/object-store";
import { DataLakeZone, LakeZone } from "../../lib/data/data-lake";
import { ArtifactAccess, MlflowPermission, ModelRegistry, ModelRegistryProps } from "../../lib/model/model-registry";
import { PINNED_CHART_VALUES } from "../support/charts";
import { checkHelmReleases, describeConformance, helmReleaseValues } from "../support/conformance";
import { FakeIdentity } from "../support/fake-identity";
import { annotations, awsStack, bareStack, onlyResource, resourcesOfType, synthJson, testApp } from "../support/synth";

const KMS = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:mlflow-db-AbCdEf";

/** EKS, an S3 bucket (KMS) and an RDS PostgreSQL database (Secrets Manager); MLflow in the platform stack. */
function aws(overrides: Partial<ModelRegistryProps> = {}) {
  const app = testApp();
  const infra = awsStack(app, "infra");
  const cluster = new EksCluster(infra, "Cluster", { clusterName: "ml-prod", subnetIds: ["subnet-a", "subnet-b"] });
  const identity = cluster.addWorkloadIdentity("Mlflow", { namespace: "mlflow", serviceAccountName: "mlflow" });
  const bucket = new S3BucketReference(infra, "Lake", { bucketName: "acme-models", kmsKeyArn: KMS, partition: "aws" });
  const database = new RdsDatabaseReference(infra, "Db", {
    engine: DatabaseEngine.POSTGRES, host: "mlflow.abc.us-east-1.rds.amazonaws.com", databaseName: "mlflow", credentialsSecretArn: SECRET,
  });
  const platform = awsStack(app, "platform");
  const connection = cluster.connect(platform, "Conn");
  const registry = new ModelRegistry(platform, "Registry", {
    connection, identity, database, databaseSecretName: "mlflow-db", databaseCaSecretName: "rds-ca",
    artifactStore: bucket, adminSecretName: "mlflow-admin", region: "us-east-1",
    ...overrides,
  } as ModelRegistryProps);
  return { app, infra, platform, cluster, identity, bucket, database, connection, registry };
}

function gcpStack(app: any, id: string): TerraformStack {
  const stack = new TerraformStack(app, id);
  new GcsBackend(stack, { bucket: "strata-test-state", prefix: id });
  new GoogleProvider(stack, "google", { project: "acme-ml", region: "us-central1" });
  return stack;
}

/** GKE, a GCS bucket and a Cloud SQL database (Secret Manager). */
function gcp(overrides: Partial<ModelRegistryProps> = {}) {
  const app = testApp();
  const infra = gcpStack(app, "infra");
  const cluster = new GkeCluster(infra, "Cluster", { clusterName: "ml-prod", project: "acme-ml", location: "us-central1" });
  const identity = cluster.addWorkloadIdentity("Mlflow", { namespace: "mlflow", serviceAccountName: "mlflow" });
  const bucket = new GcsBucketReference(infra, "Lake", { bucketName: "acme-models" });
  const database = new CloudSqlDatabaseReference(infra, "Db", {
    engine: DatabaseEngine.POSTGRES, project: "acme-ml", instanceConnectionName: "acme-ml:us-central1:mlflow",
    host: "10.20.0.3", databaseName: "mlflow", credentialsSecret: "mlflow-db",
  });
  const platform = gcpStack(app, "platform");
  const connection = cluster.connect(platform, "Conn");
  const registry = new ModelRegistry(platform, "Registry", {
    connection, identity, database, databaseSecretName: "mlflow-db", databaseCaSecretName: "sql-ca",
    artifactStore: bucket, adminSecretName: "mlflow-admin",
    ...overrides,
  } as ModelRegistryProps);
  return { app, infra, platform, cluster, identity, bucket, database, connection, registry };
}

/** An existing cluster, an S3-compatible store (models zone as a prefix) and a database whose credentials are a Kubernetes Secret. */
function onPrem(overrides: Partial<ModelRegistryProps> = {}, dbOptions: { secretNamespace?: string; tls?: boolean } = {}) {
  const app = testApp();
  const infra = bareStack(app, "infra");
  const cluster = new ExistingCluster(infra, "Cluster", { clusterName: "dc1", kubeconfigContext: "dc1-admin" });
  const identity = cluster.addWorkloadIdentity("Mlflow", { namespace: "mlflow", serviceAccountName: "mlflow" });
  const bucket = new S3CompatibleBucket(infra, "Lake", { bucketName: "lake", endpoint: "https://seaweedfs-s3.storage.svc:8333" });
  const zone = new DataLakeZone(infra, "Models", { store: bucket, zone: LakeZone.MODELS, prefix: "models/" });
  const tls = dbOptions.tls ?? true;
  const database = new ExistingDatabase(infra, "Db", {
    engine: DatabaseEngine.POSTGRES, host: "mlflow-db-rw.mlflow.svc", databaseName: "mlflow",
    credentialsSecretName: "mlflow-db-app", credentialsSecretNamespace: dbOptions.secretNamespace,
    ...(tls ? {} : { tlsRequired: false, allowPlaintext: true }),
  });
  const platform = bareStack(app, "platform");
  const connection = cluster.connect(platform, "Conn");
  const registry = new ModelRegistry(platform, "Registry", {
    connection, identity, database, databaseCaSecretName: "mlflow-db-ca", artifactStore: zone, adminSecretName: "mlflow-admin",
    ...overrides,
  } as ModelRegistryProps);
  return { app, infra, platform, cluster, identity, bucket, zone, database, connection, registry };
}

function values(platform: any): any {
  const rels = helmReleaseValues(synthJson(platform));
  expect(rels).toHaveLength(1);
  return rels[0].values[0];
}

function policies(infra: any): any[][] {
  return Object.values(resourcesOfType(synthJson(infra), "aws_iam_role_policy")).map((p: any) => JSON.parse(p.policy).Statement);
}

describe("ModelRegistry", () => {
  test("installs the pinned chart with a pinned image, a ClusterIP Service, no bundled databases or MinIO", () => {
    const e = aws();
    const rel = onlyResource(synthJson(e.platform), "helm_release");
    expect(rel).toMatchObject({ chart: "mlflow", version: "1.11.5", repository: "https://community-charts.github.io/helm-charts", namespace: "mlflow", name: "mlflow" });
    const v = values(e.platform);
    expect(v.image).toEqual({ repository: "burakince/mlflow", tag: "3.15.1", pullPolicy: "IfNotPresent" });
    expect(v.service).toMatchObject({ type: "ClusterIP", port: 80 });
    expect(v.postgresql).toEqual({ enabled: false });
    expect(v.mysql).toEqual({ enabled: false });
    expect(v.minio).toEqual({ enabled: false });
    expect(v.ingress).toEqual({ enabled: false });
    expect(v.telemetry).toEqual({ enabled: false });
    expect(e.registry.trackingUri).toBe("http://mlflow.mlflow.svc.cluster.local:80");
  });

  test("image digest pins the image", () => {
    const digest = `sha256:${"a".repeat(64)}`;
    expect(values(aws({ imageDigest: digest }).platform).image.digest).toBe(digest);
  });

  test("AWS: backend on RDS through a synced Secret, TLS verify-full with the CA; artifacts on S3 by IAM role, proxied", () => {
    const e = aws();
    const v = values(e.platform);
    expect(v.backendStore.postgres).toEqual({ enabled: true, host: "mlflow.abc.us-east-1.rds.amazonaws.com", port: 5432, database: "mlflow" });
    expect(v.backendStore.existingDatabaseSecret).toEqual({ name: "mlflow-db", usernameKey: "username", passwordKey: "password" });
    expect(v.extraEnvVars).toEqual({ PGSSLMODE: "verify-full", PGSSLROOTCERT: "/etc/strata/db-ca/ca.crt", AWS_DEFAULT_REGION: "us-east-1" });
    expect(v.extraVolumes).toEqual([{ name: "db-ca", secret: { secretName: "rds-ca", items: [{ key: "ca.crt", path: "ca.crt" }] } }]);
    expect(v.extraVolumeMounts).toEqual([{ name: "db-ca", mountPath: "/etc/strata/db-ca", readOnly: true }]);
    expect(v.artifactRoot).toEqual({ proxiedArtifactStorage: true, s3: { enabled: true, bucket: "acme-models", path: "mlflow" } });
    // The role reads and writes the prefix only, no delete, and uses the bucket key.
    const stmts = policies(e.infra).find((s) => s.some((x: any) => x.Sid === "Objects"))!;
    const objects = stmts.find((x: any) => x.Sid === "Objects");
    expect(objects.Resource).toEqual(["arn:aws:s3:::acme-models/mlflow/*"]);
    expect(objects.Action).not.toContain("s3:DeleteObject");
    expect(stmts.find((x: any) => x.Sid === "BucketKey").Resource).toEqual([KMS]);
    // The service account carries the role; the chart does not create its own.
    expect(v.serviceAccount).toEqual({ create: false, automount: false, name: "mlflow" });
    const sa = onlyResource(synthJson(e.platform), "kubernetes_service_account_v1");
    expect(sa.metadata.name).toBe("mlflow");
    expect(sa.automount_service_account_token).toBe(false);
  });

  test("allowArtifactDelete adds delete on the prefix", () => {
    const stmts = policies(aws({ allowArtifactDelete: true }).infra).find((s) => s.some((x: any) => x.Sid === "Objects"))!;
    expect(stmts.find((x: any) => x.Sid === "Objects").Action).toContain("s3:DeleteObject");
  });

  test("no password or key anywhere in values or Terraform JSON", () => {
    for (const e of [aws(), gcp(), onPrem()]) {
      const v = values(e.platform);
      expect(v.backendStore.postgres.password).toBeUndefined();
      expect(v.backendStore.postgres.user).toBeUndefined();
      expect(v.auth.adminPassword).toBeUndefined();
      expect(v.auth.postgres.password).toBeUndefined();
      expect(v.artifactRoot.s3?.awsAccessKeyId).toBeUndefined();
      expect(v.artifactRoot.s3?.awsSecretAccessKey).toBeUndefined();
      const json = JSON.stringify(synthJson(e.platform)) + JSON.stringify(synthJson(e.infra));
      expect(json).not.toMatch(/"(password|adminPassword|awsSecretAccessKey)":\s*"[^"{$]/);
    }
  });

  test("GCP: backend on Cloud SQL with verify-ca; artifacts on GCS through the GSA", () => {
    const e = gcp();
    const v = values(e.platform);
    expect(v.extraEnvVars).toEqual({ PGSSLMODE: "verify-ca", PGSSLROOTCERT: "/etc/strata/db-ca/ca.crt" });
    expect(v.artifactRoot).toEqual({ proxiedArtifactStorage: true, gcs: { enabled: true, bucket: "acme-models", path: "mlflow" } });
    const members = Object.values(resourcesOfType(synthJson(e.infra), "google_storage_bucket_iam_member")) as any[];
    expect(members.map((m) => m.role).sort()).toEqual(["roles/storage.objectCreator", "roles/storage.objectViewer"]);
    for (const m of members) expect(m.condition.expression).toContain("objects/mlflow/");
    expect(onlyResource(synthJson(e.platform), "kubernetes_service_account_v1").metadata.annotations).toHaveProperty(["iam.gke.io/gcp-service-account"]);
  });

  test("on-prem: the CloudNativePG-style Secret is used directly; S3-compatible store with the identity's Secret and endpoint; models zone prefix", () => {
    const e = onPrem();
    const v = values(e.platform);
    expect(v.backendStore.existingDatabaseSecret).toEqual({ name: "mlflow-db-app", usernameKey: "username", passwordKey: "password" });
    expect(v.auth.postgres.existingSecret).toEqual({ name: "mlflow-db-app", usernameKey: "username", passwordKey: "password" });
    expect(v.artifactRoot.s3).toEqual({
      enabled: true, bucket: "lake", path: "models/mlflow",
      existingSecret: { name: "mlflow-credentials", keyOfAccessKeyId: "AWS_ACCESS_KEY_ID", keyOfSecretAccessKey: "AWS_SECRET_ACCESS_KEY" },
    });
    expect(v.extraEnvVars).toEqual({ PGSSLMODE: "verify-full", PGSSLROOTCERT: "/etc/strata/db-ca/ca.crt", MLFLOW_S3_ENDPOINT_URL: "https://seaweedfs-s3.storage.svc:8333" });
    expect(annotations(e.app).join("\n")).toMatch(/read-write on prefix "models\/mlflow\/" of bucket "lake"/);
  });

  test("a plaintext database gets PGSSLMODE=disable (the database reference already needed allowPlaintext)", () => {
    const e = onPrem({ databaseCaSecretName: undefined }, { tls: false });
    expect(values(e.platform).extraEnvVars.PGSSLMODE).toBe("disable");
    expect(values(e.platform).extraVolumes).toBeUndefined();
  });

  test("allowUnverifiedDatabaseTls gives sslmode=require with a warning", () => {
    const e = aws({ databaseCaSecretName: undefined, allowUnverifiedDatabaseTls: true });
    expect(values(e.platform).extraEnvVars.PGSSLMODE).toBe("require");
    expect(annotations(e.app).join("\n")).toMatch(/not verified/);
  });

  test("authentication is on: basic-auth, admin from the existing Secret, users in PostgreSQL", () => {
    const v = values(aws().platform);
    expect(v.auth).toEqual({
      enabled: true,
      existingAdminSecret: { name: "mlflow-admin", usernameKey: "username", passwordKey: "password" },
      defaultPermission: "READ",
      postgres: {
        enabled: true, host: "mlflow.abc.us-east-1.rds.amazonaws.com", port: 5432, database: "mlflow_auth",
        existingSecret: { name: "mlflow-db", usernameKey: "username", passwordKey: "password" },
      },
    });
    const w = values(aws({ defaultPermission: MlflowPermission.NO_PERMISSIONS, authDatabaseName: "mlflow_users" }).platform);
    expect(w.auth.defaultPermission).toBe("NO_PERMISSIONS");
    expect(w.auth.postgres.database).toBe("mlflow_users");
  });

  test("allowed hosts: the Service's in-cluster names (with and without the port), localhost, the ingress host and extras", () => {
    const e = aws({ ingress: { host: "mlflow.example.com", tlsSecretName: "mlflow-tls", className: "nginx", controllerNamespace: "ingress-nginx" }, allowedHosts: ["*.corp.example.com"] });
    const v = values(e.platform);
    expect(v.serverAllowedHosts).toEqual([
      "mlflow", "mlflow:80", "mlflow.mlflow", "mlflow.mlflow:80", "mlflow.mlflow.svc", "mlflow.mlflow.svc:80",
      "mlflow.mlflow.svc.cluster.local", "mlflow.mlflow.svc.cluster.local:80",
      "localhost", "localhost:*", "127.0.0.1", "127.0.0.1:*", "mlflow.example.com", "*.corp.example.com",
    ]);
    expect(v.ingress).toEqual({
      enabled: true, className: "nginx",
      hosts: [{ host: "mlflow.example.com", paths: [{ path: "/", pathType: "Prefix" }] }],
      tls: [{ secretName: "mlflow-tls", hosts: ["mlflow.example.com"] }],
    });
  });

  test("a release name without 'mlflow' gets the chart's <release>-mlflow Service name in hosts and the tracking URI", () => {
    const e = aws({ releaseName: "tracking" });
    expect(e.registry.trackingUri).toBe("http://tracking-mlflow.mlflow.svc.cluster.local:80");
    expect(e.registry.allowedHosts).toContain("tracking-mlflow.mlflow.svc.cluster.local");
  });

  test("non-root restricted pods, resources, replicas, system-pool placement", () => {
    const e = aws();
    const v = values(e.platform);
    expect(v.securityContext).toMatchObject({ runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] }, seccompProfile: { type: "RuntimeDefault" } });
    expect(v.podSecurityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
    expect(v.resources).toEqual({ requests: { cpu: "500m", memory: "1Gi" }, limits: { memory: "2Gi" } });
    expect(v.replicaCount).toBe(2);
    const system = e.cluster.nodePools.find((p) => p.purpose === "system")!;
    expect(v.nodeSelector).toEqual(system.labels);
    expect(e.cluster.systemWorkloads.find((w) => w.name === "mlflow-mlflow-mlflow")).toEqual({ name: "mlflow-mlflow-mlflow", cpuMillis: 500, memoryMiB: 1024, replicas: 2 });
    const ns = resourcesOfType(synthJson(e.platform), "kubernetes_namespace_v1");
    expect((Object.values(ns)[0] as any).metadata.labels["pod-security.kubernetes.io/enforce"]).toBe("restricted");
  });

  test("NetworkPolicy admits MLflow's namespace, clientNamespaces, grantClient namespaces and the ingress controller", () => {
    const e = aws({ clientNamespaces: ["training"], ingress: { host: "mlflow.example.com", tlsSecretName: "mlflow-tls", controllerNamespace: "ingress-nginx" } });
    e.registry.grantClient(new FakeIdentity(e.infra, "Pipelines", WorkloadIdentityKind.AWS_IAM_ROLE, "pipelines", "argo"));
    const policies = Object.values(resourcesOfType(synthJson(e.platform), "kubernetes_network_policy_v1")) as any[];
    const mine = policies.find((p) => p.metadata.name === "mlflow-clients");
    expect(mine.spec.pod_selector.match_labels).toEqual({ "app.kubernetes.io/name": "mlflow", "app.kubernetes.io/instance": "mlflow" });
    expect(mine.spec.ingress[0].from[0].namespace_selector.match_expressions[0].values).toEqual(["mlflow", "pipelines", "training"]);
    expect(mine.spec.ingress[0].from[1].namespace_selector.match_labels).toEqual({ "kubernetes.io/metadata.name": "ingress-nginx" });
    expect(mine.spec.ingress[0].ports).toEqual([{ port: "5000", protocol: "TCP" }]);
  });

  test("contract: modelUri, clientEnvironment, grantClient (proxied: no bucket grant; direct: read-write on the prefix)", () => {
    const e = aws();
    expect(e.registry.modelUri("churn", ModelAlias.PRODUCTION)).toBe("models:/churn@production");
    expect(e.registry.modelUri("churn", ModelAlias.STAGING)).toBe("models:/churn@staging");
    expect(e.registry.clientEnvironment({ namespace: "training" })).toEqual([
      { name: "MLFLOW_TRACKING_URI", value: "http://mlflow.mlflow.svc.cluster.local:80" },
      { name: "MLFLOW_TRACKING_USERNAME", secretName: "mlflow-client-credentials", secretKey: "username" },
      { name: "MLFLOW_TRACKING_PASSWORD", secretName: "mlflow-client-credentials", secretKey: "password" },
    ]);
    const trainer = new FakeIdentity(e.infra, "Trainer", WorkloadIdentityKind.AWS_IAM_ROLE, "training", "trainer");
    e.registry.grantClient(trainer);
    expect(trainer.node.children.filter((c) => c.constructor.name === "IamRolePolicy")).toHaveLength(0);
    expect(e.registry.clientNamespaces).toEqual(["training"]);

    const d = aws({ artifactAccess: ArtifactAccess.DIRECT });
    expect(values(d.platform).artifactRoot.proxiedArtifactStorage).toBe(false);
    const client = new FakeIdentity(d.infra, "Trainer", WorkloadIdentityKind.AWS_IAM_ROLE, "training", "trainer");
    d.registry.grantClient(client);
    const granted = client.node.children.filter((c) => c.constructor.name === "IamRolePolicy") as any[];
    expect(granted).toHaveLength(1);
    expect(JSON.stringify(synthJson(d.infra))).toContain("acme-models/mlflow/*");
  });

  test("direct access on an S3-compatible store gives clients the endpoint", () => {
    const e = onPrem({ artifactAccess: ArtifactAccess.DIRECT });
    expect(e.registry.clientEnvironment({ namespace: "training", credentialsSecretName: "trainer-mlflow" })).toContainEqual({
      name: "MLFLOW_S3_ENDPOINT_URL", value: "https://seaweedfs-s3.storage.svc:8333",
    });
    expect(e.registry.clientEnvironment({ namespace: "training", credentialsSecretName: "trainer-mlflow" })[1].secretName).toBe("trainer-mlflow");
  });

  describe("rejected input", () => {
    test("MySQL database", () => {
      const app = testApp();
      const infra = bareStack(app, "infra");
      const cluster = new ExistingCluster(infra, "Cluster", { clusterName: "dc1", kubeconfigContext: "dc1-admin" });
      const identity = cluster.addWorkloadIdentity("Mlflow", { namespace: "mlflow", serviceAccountName: "mlflow" });
      const bucket = new S3CompatibleBucket(infra, "Lake", { bucketName: "lake", endpoint: "https://s3.dc1.example.com" });
      const database = new ExistingDatabase(infra, "Db", { engine: DatabaseEngine.MYSQL, host: "mysql.dc1", databaseName: "mlflow", credentialsSecretName: "db" });
      const platform = bareStack(app, "platform");
      const connection = cluster.connect(platform, "Conn");
      expect(() => new ModelRegistry(platform, "Registry", { connection, identity, database, databaseCaSecretName: "ca", artifactStore: bucket, adminSecretName: "admin" })).toThrow(
        /Registry: invalid database "mysql": must be a PostgreSQL database.*MySQL is not supported/,
      );
    });

    test("cloud credentials without a synced Secret name", () => {
      expect(() => aws({ databaseSecretName: undefined })).toThrow(
        /invalid databaseSecretName undefined: is required: the database's credentials are in aws-secrets-manager .*External Secrets/,
      );
      expect(() => gcp({ databaseSecretName: undefined })).toThrow(/invalid databaseSecretName undefined: is required: .*gcp-secret-manager/);
    });

    test("a Kubernetes Secret in another namespace", () => {
      expect(() => onPrem({}, { secretNamespace: "databases" })).toThrow(/invalid databaseSecretName undefined: is required: .*"databases\/mlflow-db-app".*own namespace/);
    });

    test("TLS database without a CA and without the explicit opt-out; contradicting options", () => {
      expect(() => aws({ databaseCaSecretName: undefined })).toThrow(/invalid databaseCaSecretName undefined: is required: the database requires TLS/);
      expect(() => aws({ allowUnverifiedDatabaseTls: true })).toThrow(/invalid allowUnverifiedDatabaseTls true: contradicts databaseCaSecretName/);
      expect(() => aws({ databaseCaSecretName: undefined, databaseCaSecretKey: "ca.pem" })).toThrow(/invalid databaseCaSecretKey "ca.pem": needs databaseCaSecretName/);
      expect(() => aws({ allowUnverifiedDatabaseTls: "yes" as any })).toThrow(/invalid allowUnverifiedDatabaseTls "yes"/);
    });

    test("missing or malformed admin Secret", () => {
      expect(() => aws({ adminSecretName: undefined })).toThrow(/Registry: invalid adminSecretName undefined/);
      expect(() => aws({ adminSecretName: "Admin_Secret" })).toThrow(/invalid adminSecretName "Admin_Secret"/);
    });

    test("artifact store the identity cannot be granted", () => {
      const app = testApp();
      const infra = awsStack(app, "infra");
      const cluster = new EksCluster(infra, "Cluster", { clusterName: "ml-prod", subnetIds: ["subnet-a", "subnet-b"] });
      const identity = cluster.addWorkloadIdentity("Mlflow", { namespace: "mlflow", serviceAccountName: "mlflow" });
      const gcs = new GcsBucketReference(infra, "Gcs", { bucketName: "acme-models" });
      const database = new RdsDatabaseReference(infra, "Db", { engine: DatabaseEngine.POSTGRES, host: "h.example.com", databaseName: "mlflow", credentialsSecretArn: SECRET });
      const platform = awsStack(app, "platform");
      const connection = cluster.connect(platform, "Conn");
      expect(() => new ModelRegistry(platform, "Registry", { connection, identity, database, databaseSecretName: "db", databaseCaSecretName: "ca", artifactStore: gcs, adminSecretName: "admin" })).toThrow(
        /invalid artifactStore "infra\/Gcs": is a gcs store, which can be granted only to a gcp-service-account identity, and identity .* is a aws-iam-role identity/,
      );
      expect(() => aws({ artifactStore: "s3://bucket" as any })).toThrow(/invalid artifactStore "s3:\/\/bucket": must be an IObjectStore/);
    });

    test("allowed hosts syntax", () => {
      expect(() => aws({ allowedHosts: ["*"] })).toThrow(/invalid allowedHosts "\*": must not be "\*": it turns off MLflow's Host-header check/);
      for (const bad of ["https://mlflow.example.com", "mlflow.example.com/path", "MLflow.example.com", "a,b", "mlflow example", "host:0", "host:123456", "*mlflow.com"]) {
        expect(() => aws({ allowedHosts: [bad] })).toThrow(/invalid allowedHosts .*: must be a lowercase host name with an optional ":port"/);
      }
      expect(() => aws({ allowedHosts: "mlflow.example.com" as any })).toThrow(/invalid allowedHosts "mlflow.example.com"/);
      expect(() => aws({ allowedHosts: ["a.example.com", "a.example.com"] })).toThrow(/invalid allowedHosts/);
      expect(() => aws({ allowedHosts: ["mlflow.example.com:8443", "*.example.com", "*.example.com:*"] })).not.toThrow();
    });

    test("ingress without TLS or with a bad host", () => {
      expect(() => aws({ ingress: { host: "mlflow.example.com" } as any })).toThrow(/invalid ingress.tlsSecretName undefined: is required: MLflow is exposed only over TLS/);
      expect(() => aws({ ingress: { host: "https://mlflow.example.com", tlsSecretName: "t" } })).toThrow(/invalid ingress.host/);
      expect(() => aws({ ingress: { host: "mlflow.example.com", tlsSecretName: "t", controllerNamespace: "Ingress" } })).toThrow(/invalid ingress.controllerNamespace "Ingress"/);
    });

    test("names: release, model names, auth database, prefix", () => {
      expect(() => aws({ releaseName: "ML_flow" })).toThrow(/invalid releaseName "ML_flow"/);
      expect(() => aws({ authDatabaseName: "mlflow-auth" })).toThrow(/invalid authDatabaseName "mlflow-auth": must be a PostgreSQL database name/);
      expect(() => aws({ artifactPrefix: "/mlflow" })).toThrow(/invalid artifactPrefix "\/mlflow": must be a key prefix/);
      expect(() => aws({ artifactPrefix: "mlflow" })).toThrow(/invalid artifactPrefix "mlflow"/);
      const e = aws();
      expect(() => e.registry.modelUri("churn/v2", ModelAlias.PRODUCTION)).toThrow(/invalid modelName "churn\/v2": must be a registered-model name/);
      expect(() => e.registry.modelUri("churn@x", ModelAlias.PRODUCTION)).toThrow(/invalid modelName "churn@x"/);
      expect(() => e.registry.modelUri("", ModelAlias.PRODUCTION)).toThrow(/invalid modelName ""/);
      expect(() => e.registry.modelUri(42 as any, ModelAlias.PRODUCTION)).toThrow(/invalid modelName 42: must be a registered-model name \(a string\), not a number/);
      expect(() => e.registry.modelUri("churn", "Production" as any)).toThrow(/invalid alias "Production"/);
      expect(() => e.registry.clientEnvironment({ namespace: "Training" })).toThrow(/invalid options.namespace "Training"/);
      expect(() => e.registry.clientEnvironment(undefined as any)).toThrow(/invalid options undefined/);
    });

    test("wrong JS types and ranges", () => {
      expect(() => aws({ replicas: "2" as any })).toThrow(/invalid replicas "2": must be an integer from 1 to 10, not a string/);
      expect(() => aws({ replicas: 0 })).toThrow(/invalid replicas 0/);
      expect(() => aws({ cpuRequest: "half" })).toThrow(/invalid cpuRequest "half": must be a Kubernetes quantity/);
      expect(() => aws({ imageDigest: "latest" })).toThrow(/invalid imageDigest "latest": must be an image digest/);
      expect(() => aws({ artifactAccess: "PROXIED" as any })).toThrow(/invalid artifactAccess "PROXIED"/);
      expect(() => aws({ defaultPermission: "read" as any })).toThrow(/invalid defaultPermission "read"/);
      expect(() => aws({ clientNamespaces: "training" as any })).toThrow(/invalid clientNamespaces "training"/);
      expect(() => aws({ clientNamespaces: ["Training"] })).toThrow(/invalid clientNamespaces "Training"/);
      expect(() => aws({ allowArtifactDelete: "true" as any })).toThrow(/invalid allowArtifactDelete "true"/);
      expect(() => gcp({ region: "us-central1" })).toThrow(/invalid region "us-central1": applies to Amazon S3 stores only/);
      expect(() => aws({ database: undefined as any })).toThrow(/invalid database undefined: must be an IDatabase/);
    });

    test("GPU or unknown node pool", () => {
      expect(() => aws({ nodePoolName: "nope" })).toThrow(/invalid nodePoolName "nope": must name a node pool of cluster "ml-prod"/);
      const app = testApp();
      const infra = bareStack(app, "infra");
      const cluster = new ExistingCluster(infra, "Cluster", {
        clusterName: "dc1", kubeconfigContext: "dc1-admin", gpuNodes: [{ name: "l40s", gpu: (require("../../lib/core/gpu") as any).Gpu.NVIDIA_L40S, nodeCount: 2, gpusPerNode: 8 }],
      });
      const identity = cluster.addWorkloadIdentity("Mlflow", { namespace: "mlflow", serviceAccountName: "mlflow" });
      const bucket = new S3CompatibleBucket(infra, "Lake", { bucketName: "lake", endpoint: "https://s3.dc1.example.com" });
      const database = new ExistingDatabase(infra, "Db", { engine: DatabaseEngine.POSTGRES, host: "pg.dc1", databaseName: "mlflow", credentialsSecretName: "db" });
      const platform = bareStack(app, "platform");
      const connection = cluster.connect(platform, "Conn");
      expect(() => new ModelRegistry(platform, "Registry", { connection, identity, database, databaseCaSecretName: "ca", artifactStore: bucket, adminSecretName: "admin", nodePoolName: "l40s" })).toThrow(
        /invalid nodePoolName "l40s": is a (inference|training) pool; the tracking server runs on a SYSTEM or GENERAL pool/,
      );
    });
  });
});

describeConformance("ModelRegistry chart values", () => {
  test("every value key exists in the chart defaults (AWS, GCP, on-prem, ingress, direct)", () => {
    for (const e of [
      aws(),
      gcp(),
      onPrem(),
      aws({ ingress: { host: "mlflow.example.com", tlsSecretName: "mlflow-tls", className: "nginx" }, imageDigest: `sha256:${"b".repeat(64)}` }),
      onPrem({ artifactAccess: ArtifactAccess.DIRECT, databaseCaSecretName: undefined }, { tls: false }),
    ]) {
      expect(checkHelmReleases(synthJson(e.platform), PINNED_CHART_VALUES)).toEqual([]);
    }
  });
});
