import { ExistingCluster } from "../../lib/compute/existing-cluster";
import { EksCluster } from "../../lib/compute/eks-cluster";
import { WorkloadIdentityKind } from "../../lib/core/cluster";
import { PodSecurityLevel } from "../../lib/core/connection";
import { CloudSqlDatabaseReference, DatabaseEngine, ExistingDatabase, RdsDatabaseReference } from "../../lib/core/database";
import { GcsBucketReference, S3BucketReference, S3CompatibleBucket } from "../../lib/core/object-store";
import { DataLakeZone, LakeZone } from "../../lib/data/data-lake";
import { LabelStudio, LabelStudioProps } from "../../lib/data/label-studio";
import { PINNED_CHART_VALUES } from "../support/charts";
import { checkHelmReleases, describeConformance, helmReleaseValues } from "../support/conformance";
import { FakeIdentity } from "../support/fake-identity";
import { annotations, awsStack, bareStack, onlyResource, resourcesOfType, synthJson, testApp } from "../support/synth";

const KMS = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:labels-db-AbCdEf";

/** EKS, an S3 bucket and an RDS PostgreSQL database; Label Studio in the platform stack. */
function aws(overrides: Partial<LabelStudioProps> = {}) {
  const app = testApp();
  const infra = awsStack(app, "infra");
  const cluster = new EksCluster(infra, "Cluster", { clusterName: "ml-prod", subnetIds: ["subnet-a", "subnet-b"] });
  const identity = cluster.addWorkloadIdentity("Labels", { namespace: "labeling", serviceAccountName: "label-studio" });
  const bucket = new S3BucketReference(infra, "Lake", { bucketName: "acme-lake", kmsKeyArn: KMS, partition: "aws" });
  const database = new RdsDatabaseReference(infra, "Db", {
    engine: DatabaseEngine.POSTGRES, host: "labels.abc.us-east-1.rds.amazonaws.com", databaseName: "labelstudio", credentialsSecretArn: SECRET,
  });
  const platform = awsStack(app, "platform");
  const connection = cluster.connect(platform, "Conn");
  connection.addNamespace("labeling");
  const ls = new LabelStudio(platform, "Labels", {
    connection, identity, database, databaseUser: "labelstudio", databasePasswordSecretName: "labels-db",
    databaseCaSecretName: "rds-ca", store: bucket, region: "us-east-1",
    ...overrides,
  } as LabelStudioProps);
  return { app, infra, platform, cluster, identity, bucket, database, connection, ls };
}

/** An existing cluster, the in-cluster S3-compatible store (a raw zone prefix) and an existing database. */
function onPrem(
  overrides: Partial<LabelStudioProps> = {},
  dbOptions: { secretNamespace?: string; tls?: boolean } = {},
  caCertificate?: { secretName: string; namespace: string },
) {
  const app = testApp();
  const infra = bareStack(app, "infra");
  const cluster = new ExistingCluster(infra, "Cluster", { clusterName: "dc1", kubeconfigContext: "dc1-admin" });
  const identity = cluster.addWorkloadIdentity("Labels", { namespace: "labeling", serviceAccountName: "label-studio" });
  const bucket = new S3CompatibleBucket(infra, "Lake", { bucketName: "lake", endpoint: "https://s3.dc1.example.com", caCertificate });
  const zone = new DataLakeZone(infra, "Raw", { store: bucket, zone: LakeZone.RAW, prefix: "raw/" });
  const tls = dbOptions.tls ?? true;
  const database = new ExistingDatabase(infra, "Db", {
    engine: DatabaseEngine.POSTGRES, host: "pg.dc1.example.com", databaseName: "labelstudio",
    credentialsSecretName: "labels-db", credentialsSecretKey: "pw", credentialsSecretNamespace: dbOptions.secretNamespace,
    ...(tls ? {} : { tlsRequired: false, allowPlaintext: true }),
  });
  const platform = bareStack(app, "platform");
  const connection = cluster.connect(platform, "Conn");
  connection.addNamespace("labeling");
  const ls = new LabelStudio(platform, "Labels", {
    connection, identity, database, databaseUser: "labelstudio", databaseCaSecretName: "pg-ca", store: zone,
    ...overrides,
  } as LabelStudioProps);
  return { app, infra, platform, cluster, identity, bucket, zone, database, connection, ls };
}

function values(platform: any): any {
  const rels = helmReleaseValues(synthJson(platform));
  expect(rels).toHaveLength(1);
  return rels[0].values[0];
}

function policies(infra: any): any[][] {
  return Object.values(resourcesOfType(synthJson(infra), "aws_iam_role_policy")).map((p: any) => JSON.parse(p.policy).Statement);
}

describe("LabelStudio", () => {
  test("installs the pinned chart with the Bitnami subcharts off, a pinned image and no public exposure", () => {
    const e = aws();
    const rel = onlyResource(synthJson(e.platform), "helm_release");
    expect(rel).toMatchObject({ chart: "label-studio", version: "2.0.5", repository: "https://charts.heartex.com/", namespace: "labeling", name: "label-studio" });
    const v = values(e.platform);
    expect(v.postgresql).toEqual({ enabled: false });
    expect(v.redis).toEqual({ enabled: false });
    expect(v.rqworker).toEqual({ enabled: false });
    expect(v.global.image).toEqual({ repository: "heartexlabs/label-studio", tag: "1.23.0", pullPolicy: "IfNotPresent" });
    expect(v.app.service).toEqual({ type: "ClusterIP" });
    expect(v.app.ingress).toEqual({ enabled: false });
  });

  test("PostgreSQL on the IDatabase, password from a Kubernetes Secret, TLS verified with the CA Secret", () => {
    const e = aws();
    const v = values(e.platform);
    expect(v.global.pgConfig).toEqual({
      host: "labels.abc.us-east-1.rds.amazonaws.com",
      port: 5432,
      dbName: "labelstudio",
      userName: "labelstudio",
      password: { secretName: "labels-db", secretKey: "password" },
      ssl: { pgSslMode: "verify-full", pgSslSecretName: "rds-ca", pgSslRootCertSecretKey: "ca.crt" },
    });
    // No password anywhere in the Terraform JSON.
    expect(JSON.stringify(synthJson(e.platform))).not.toMatch(/"password":\s*"[^"{]/);
  });

  test("Cloud SQL: verify-ca, as the database's own URI says", () => {
    const app = testApp();
    const infra = bareStack(app, "infra");
    const cluster = new ExistingCluster(infra, "Cluster", { clusterName: "dc1", kubeconfigContext: "dc1-admin" });
    const identity = new FakeIdentity(infra, "Id", WorkloadIdentityKind.GCP_SERVICE_ACCOUNT, "labeling", "label-studio");
    const db = new CloudSqlDatabaseReference(infra, "Db", {
      engine: DatabaseEngine.POSTGRES, project: "acme-ml", instanceConnectionName: "acme-ml:us-central1:labels",
      host: "10.20.0.3", databaseName: "labelstudio", credentialsSecret: "labels-db",
    });
    const bucket = new GcsBucketReference(infra, "Lake", { bucketName: "acme-lake" });
    const platform = bareStack(app, "platform");
    const connection = cluster.connect(platform, "Conn");
    new LabelStudio(platform, "Labels", {
      connection, identity, database: db, databaseUser: "labelstudio", databasePasswordSecretName: "labels-db", databaseCaSecretName: "sql-ca", store: bucket,
    });
    const v = values(platform);
    expect(v.global.pgConfig.ssl.pgSslMode).toBe("verify-ca");
    expect(v.global.persistence).toEqual({ enabled: true, type: "gcs", config: { gcs: { bucket: "acme-lake", folder: "labels" } } });
    const members = Object.values(resourcesOfType(synthJson(infra), "google_storage_bucket_iam_member")).map((m: any) => m.member);
    expect(members.length).toBeGreaterThan(0);
    expect(new Set(members)).toEqual(new Set(["serviceAccount:label-studio@proj.iam.gserviceaccount.com"]));
  });

  test("S3 storage through the workload identity: no keys, read-write on labels/ only, no delete", () => {
    const e = aws();
    const v = values(e.platform);
    expect(v.global.persistence).toEqual({ enabled: true, type: "s3", config: { s3: { bucket: "acme-lake", folder: "labels", region: "us-east-1" } } });
    const statements = policies(e.infra).flat();
    const resources = statements.flatMap((s: any) => [].concat(s.Resource));
    expect(resources).toContain("arn:aws:s3:::acme-lake/labels/*");
    expect(resources).not.toContain("arn:aws:s3:::acme-lake/*");
    expect(statements.flatMap((s: any) => [].concat(s.Action))).not.toContain("s3:DeleteObject");
    expect(e.ls.storageUri).toBe("s3://acme-lake/labels/");
  });

  test("allowDelete adds delete on the prefix", () => {
    const e = aws({ allowDelete: true, storagePrefix: "annotations/" });
    const statements = policies(e.infra).flat();
    const del = statements.find((s: any) => [].concat(s.Action).includes("s3:DeleteObject" as never));
    expect(del).toBeDefined();
    expect([].concat(del.Resource)).toEqual(["arn:aws:s3:::acme-lake/annotations/*"]);
  });

  test("runs as the identity's service account, non-root, with requests and limits", () => {
    const e = aws();
    const v = values(e.platform);
    expect(v.app.serviceAccount).toEqual({ create: false, name: "label-studio" });
    expect(v.app.automountServiceAccountToken).toBe(false);
    expect(v.app.containerSecurityContext).toMatchObject({ enabled: true, runAsUser: 1001, runAsNonRoot: true, allowPrivilegeEscalation: false });
    expect(v.app.resources).toEqual({ requests: { cpu: "500m", memory: "1Gi" }, limits: { memory: "4Gi" } });
    expect(v.app.nginx.resources.limits.memory).toBeDefined();
    expect(v.app.initContainer.resources.limits.memory).toBeDefined();
    const json = synthJson(e.platform);
    const sa = onlyResource(json, "kubernetes_service_account_v1");
    expect(sa.metadata).toMatchObject({ name: "label-studio", namespace: "labeling" });
    expect(onlyResource(json, "helm_release").depends_on).toEqual(expect.arrayContaining([expect.stringContaining("kubernetes_service_account_v1")]));
  });

  test("pods meet the restricted Pod Security level (the namespace default): the values set a restricted-compatible securityContext", () => {
    const e = aws();
    const v = values(e.platform);
    // The namespace keeps the default enforce level.
    const ns = Object.values(resourcesOfType(synthJson(e.platform), "kubernetes_namespace_v1")) as any[];
    expect(ns.map((n) => n.metadata.labels["pod-security.kubernetes.io/enforce"])).toEqual([PodSecurityLevel.RESTRICTED]);
    // Pod level (rendered as the pod's securityContext): seccomp RuntimeDefault.
    expect(v.app.podSecurityContext).toEqual({ enabled: true, fsGroup: 1001, seccompProfile: { type: "RuntimeDefault" } });
    // Container level (rendered on the app, nginx and init containers): every restricted rule.
    const c = v.app.containerSecurityContext;
    expect(c.runAsNonRoot).toBe(true);
    expect(c.runAsUser).toBeGreaterThan(0);
    expect(c.allowPrivilegeEscalation).toBe(false);
    expect(c.capabilities).toEqual({ drop: ["ALL"] });
    expect(c.seccompProfile).toEqual({ type: "RuntimeDefault" });
    expect(c.privileged).toBeUndefined();
    // No other pod-creating component is on.
    expect(v.rqworker.enabled).toBe(false);
    expect(v.app.streamer).toBeUndefined();
    expect(v.metrics).toBeUndefined();
  });

  test("sign-up closed, SSRF protection on, analytics off; admin from a Secret", () => {
    const e = aws({ adminSecretName: "labels-admin" });
    const v = values(e.platform);
    expect(v.global.extraEnvironmentVars).toMatchObject({
      LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK: "true",
      SSRF_PROTECTION_ENABLED: "true",
      LOCAL_FILES_SERVING_ENABLED: "false",
      collect_analytics: "false",
    });
    expect(v.global.extraEnvironmentVars.LABEL_STUDIO_HOST).toBeUndefined();
    expect(v.global.extraEnvironmentSecrets).toEqual({
      LABEL_STUDIO_USERNAME: { secretName: "labels-admin", secretKey: "username" },
      LABEL_STUDIO_PASSWORD: { secretName: "labels-admin", secretKey: "password" },
    });
  });

  test("ingress only when asked, always with TLS and secure cookies", () => {
    const e = aws({ ingress: { host: "labels.example.com", tlsSecretName: "labels-tls", className: "nginx" } });
    const v = values(e.platform);
    expect(v.app.ingress).toEqual({
      enabled: true, host: "labels.example.com", className: "nginx", tls: [{ secretName: "labels-tls", hosts: ["labels.example.com"] }],
    });
    expect(v.app.service).toEqual({ type: "ClusterIP" });
    expect(v.global.extraEnvironmentVars).toMatchObject({ LABEL_STUDIO_HOST: "https://labels.example.com", SESSION_COOKIE_SECURE: "true", CSRF_COOKIE_SECURE: "true" });
  });

  test("on-prem: S3-compatible endpoint, keys from the identity's credentials Secret, folder under the zone prefix", () => {
    const e = onPrem();
    const v = values(e.platform);
    expect(v.global.persistence).toEqual({
      enabled: true,
      type: "s3",
      config: {
        s3: {
          bucket: "lake",
          folder: "raw/labels",
          endpointUrl: "https://s3.dc1.example.com",
          accessKeyExistingSecret: "label-studio-credentials",
          accessKeyExistingSecretKey: "AWS_ACCESS_KEY_ID",
          secretKeyExistingSecret: "label-studio-credentials",
          secretKeyExistingSecretKey: "AWS_SECRET_ACCESS_KEY",
        },
      },
    });
    expect(e.ls.storageUri).toBe("s3://lake/raw/labels/");
    // The password Secret defaults to the database's own Kubernetes Secret.
    expect(v.global.pgConfig.password).toEqual({ secretName: "labels-db", secretKey: "pw" });
    // The grant is on the store's side for on-prem: a warning names the prefix.
    expect(annotations(e.infra).join("\n")).toContain("raw/labels/");
  });

  test("a store signed by a private CA: a copy of its certificate mounted in the app, AWS_CA_BUNDLE for boto3", () => {
    const e = onPrem({}, {}, { secretName: "seaweedfs-ca-cert", namespace: "seaweedfs" });
    const json = synthJson(e.platform);
    const v = values(e.platform);
    expect(v.app.extraVolumes).toEqual([
      { name: "strata-object-store-ca", secret: { secretName: "strata-ca-seaweedfs-seaweedfs-ca-cert", items: [{ key: "ca.crt", path: "ca.crt" }] } },
    ]);
    expect(v.app.extraVolumeMounts).toEqual([{ name: "strata-object-store-ca", mountPath: "/etc/strata/object-store-ca", readOnly: true }]);
    expect(v.app.extraEnvironmentVars).toEqual({ AWS_CA_BUNDLE: "/etc/strata/object-store-ca/ca.crt" });
    const copy = onlyResource(json, "kubernetes_secret_v1");
    expect(copy.metadata).toMatchObject({ name: "strata-ca-seaweedfs-seaweedfs-ca-cert", namespace: "labeling" });
    const release = onlyResource(json, "helm_release");
    expect(JSON.stringify(release.depends_on)).toMatch(/kubernetes_job_v1\.Labels_CaCopy-[0-9a-f]{8}_FirstCopy/);
    expect(json.data ?? {}).toEqual({});
  });

  test("no private CA: no extra volumes", () => {
    const v = values(onPrem().platform);
    expect(v.app.extraVolumes).toBeUndefined();
    expect(v.app.extraEnvironmentVars).toBeUndefined();
  });

  test("plaintext database (explicitly allowed on the reference): sslmode disable", () => {
    const e = onPrem({ databaseCaSecretName: undefined }, { tls: false });
    expect(values(e.platform).global.pgConfig.ssl).toEqual({ pgSslMode: "disable" });
  });

  test("allowUnverifiedDatabaseTls: sslmode require, with a warning", () => {
    const e = onPrem({ databaseCaSecretName: undefined, allowUnverifiedDatabaseTls: true });
    expect(values(e.platform).global.pgConfig.ssl).toEqual({ pgSslMode: "require" });
    expect(annotations(e.platform).join("\n")).toContain("not verified");
  });

  describe("bad input", () => {
    const p = "platform/Labels";
    test.each<[string, Partial<LabelStudioProps>, RegExp | string]>([
      ["identity", { identity: "label-studio" as any }, `${p}: invalid identity "label-studio": must be an IWorkloadIdentity`],
      ["database", { database: "pg" as any }, `${p}: invalid database "pg": must be an IDatabase (PostgreSQL)`],
      ["databaseUser missing", { databaseUser: undefined }, `${p}: invalid databaseUser`],
      ["databaseUser syntax", { databaseUser: "label studio" }, `${p}: invalid databaseUser "label studio": must be a PostgreSQL user name`],
      ["password secret name", { databasePasswordSecretName: "Labels_DB" }, `${p}: invalid databasePasswordSecretName "Labels_DB"`],
      ["password secret key", { databasePasswordSecretKey: "pass word" }, `${p}: invalid databasePasswordSecretKey "pass word"`],
      ["CA key without name", { databaseCaSecretName: undefined, databaseCaSecretKey: "ca.pem" }, `${p}: invalid databaseCaSecretKey "ca.pem": needs databaseCaSecretName`],
      ["TLS without CA", { databaseCaSecretName: undefined }, `${p}: invalid databaseCaSecretName undefined: is required: the database requires TLS`],
      ["CA and unverified", { allowUnverifiedDatabaseTls: true }, `${p}: invalid allowUnverifiedDatabaseTls true: contradicts databaseCaSecretName`],
      ["unverified as string", { allowUnverifiedDatabaseTls: "yes" as any }, `${p}: invalid allowUnverifiedDatabaseTls "yes"`],
      ["store", { store: "s3://acme-lake" as any }, `${p}: invalid store "s3://acme-lake": must be an IObjectStore`],
      ["prefix without slash", { storagePrefix: "labels" }, `${p}: invalid storagePrefix "labels": must be a key prefix`],
      ["prefix leading slash", { storagePrefix: "/labels/" }, `${p}: invalid storagePrefix "/labels/"`],
      ["prefix wildcard", { storagePrefix: "lab*/" }, `${p}: invalid storagePrefix "lab*/"`],
      ["prefix dotdot", { storagePrefix: "../labels/" }, `${p}: invalid storagePrefix "../labels/"`],
      ["prefix as array", { storagePrefix: ["labels/"] as any }, `${p}: invalid storagePrefix`],
      ["allowDelete as string", { allowDelete: "true" as any }, `${p}: invalid allowDelete "true"`],
      ["releaseName", { releaseName: "Label_Studio" }, `${p}: invalid releaseName "Label_Studio"`],
      ["admin secret", { adminSecretName: "Admin!" }, `${p}: invalid adminSecretName "Admin!"`],
      ["ingress not an object", { ingress: "labels.example.com" as any }, `${p}: invalid ingress "labels.example.com": must be a LabelStudioIngress object`],
      ["ingress without TLS", { ingress: { host: "labels.example.com" } as any }, `${p}: invalid ingress.tlsSecretName undefined: is required: Label Studio is exposed only over TLS`],
      ["ingress host", { ingress: { host: "https://labels.example.com", tlsSecretName: "t" } }, `${p}: invalid ingress.host "https://labels.example.com"`],
      ["cpuRequest", { cpuRequest: "half" }, `${p}: invalid cpuRequest "half": must be a Kubernetes quantity`],
      ["memoryLimit number", { memoryLimit: 4096 as any }, `${p}: invalid memoryLimit 4096: must be a Kubernetes quantity`],
    ])("%s", (_name, overrides, message) => {
      expect(() => aws(overrides)).toThrow(message);
    });

    test("a MySQL database", () => {
      expect(() =>
        aws({
          database: new ExistingDatabase(bareStack(testApp(), "x"), "My", {
            engine: DatabaseEngine.MYSQL, host: "mysql.example.com", databaseName: "ls", credentialsSecretName: "my",
          }),
        }),
      ).toThrow(`${p}: invalid database "mysql": must be a PostgreSQL database`);
    });

    test("a cloud-secret database without a Kubernetes password Secret", () => {
      expect(() => aws({ databasePasswordSecretName: undefined })).toThrow(
        `${p}: invalid databasePasswordSecretName undefined: is required: the database's credentials are in aws-secrets-manager`,
      );
    });

    test("a Kubernetes-Secret database in another namespace needs an explicit Secret", () => {
      expect(() => onPrem({}, { secretNamespace: "other" })).toThrow(`${p}: invalid databasePasswordSecretName undefined: is required`);
    });

    test("region on a non-S3 store", () => {
      expect(() => onPrem({ region: "us-east-1" })).toThrow(`${p}: invalid region "us-east-1": applies to Amazon S3 stores only`);
    });
  });
});

describeConformance("LabelStudio conformance", () => {
  test("every Helm value key exists in the chart defaults (AWS, on-prem, ingress, admin)", () => {
    expect(checkHelmReleases(synthJson(aws().platform), PINNED_CHART_VALUES)).toEqual([]);
    expect(checkHelmReleases(synthJson(onPrem().platform), PINNED_CHART_VALUES)).toEqual([]);
    const privateCa = onPrem({}, {}, { secretName: "seaweedfs-ca-cert", namespace: "seaweedfs" });
    expect(checkHelmReleases(synthJson(privateCa.platform), PINNED_CHART_VALUES)).toEqual([]);
    const full = aws({ ingress: { host: "labels.example.com", tlsSecretName: "labels-tls", className: "nginx" }, adminSecretName: "labels-admin" });
    expect(checkHelmReleases(synthJson(full.platform), PINNED_CHART_VALUES)).toEqual([]);
  });
});
