import { App, TerraformStack, Testing } from "cdktf";
import { ExistingCluster } from "../../lib/compute/existing-cluster";
import { EksCluster } from "../../lib/compute/eks-cluster";
import { ElastiCacheReference, MemorystoreProduct, MemorystoreReference } from "../../lib/core/cache";
import { IWorkloadIdentity, WorkloadIdentityKind } from "../../lib/core/cluster";
import { CloudSqlDatabaseReference, DatabaseEngine, RdsDatabaseReference } from "../../lib/core/database";
import { GcsBucketReference, IObjectStore, S3BucketReference } from "../../lib/core/object-store";
import { BigQueryDataset, BigQueryDatasetReference } from "../../lib/data/bigquery-dataset";
import { OfflineStore, RedshiftOfflineStoreOptions } from "../../lib/data/feast-offline-store";
import { FeastOperator } from "../../lib/data/feature-store-operator";
import { FeatureStore, FeatureStoreProps } from "../../lib/data/feature-store";
import { describeConformance, validateStackManifests } from "../support/conformance";
import { FakeIdentity } from "../support/fake-identity";
import { awsStack, bareStack, prepareApp, resourcesOfType, synthJson, testApp } from "../support/synth";

const KMS = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555";
const CLUSTER_ARN = "arn:aws:redshift:us-east-1:123456789012:cluster:features";
const WORKGROUP_ARN = "arn:aws:redshift-serverless:us-east-1:123456789012:workgroup/0a1b2c3d-1111-2222-3333-444455556666";
const UNLOAD_ROLE = "arn:aws:iam::123456789012:role/redshift-unload";

function manifest(stack: TerraformStack): any {
  const all = Object.values(resourcesOfType(synthJson(stack), "kubernetes_manifest")).map((r: any) => r.manifest);
  expect(all).toHaveLength(1);
  return all[0];
}

function secretData(stack: TerraformStack, name: string): Record<string, string> {
  const secret = (Object.values(resourcesOfType(synthJson(stack), "kubernetes_secret_v1")) as any[]).find((r) => r.metadata.name === name);
  expect(secret).toBeDefined();
  return Object.fromEntries(Object.entries(secret.data as Record<string, string>).map(([k, v]) => [k, v.replace(/\$\$\{/g, "${")]));
}

/** GCP: BigQuery offline store, Google service accounts for the servers and the job, a SQL registry. */
function gcp(offline: (infra: TerraformStack) => OfflineStore, overrides: Partial<FeatureStoreProps> = {}) {
  const app = testApp();
  const infra = bareStack(app, "infra");
  const cluster = new ExistingCluster(infra, "Cluster", { clusterName: "dc1", kubeconfigContext: "dc1-admin" });
  const platform = bareStack(app, "platform");
  const workloads = bareStack(app, "workloads");
  const operator = new FeastOperator(platform, "Feast", { connection: cluster.connect(platform, "Conn") });
  const identity = new FakeIdentity(infra, "Feast", WorkloadIdentityKind.GCP_SERVICE_ACCOUNT, "feast", "feast-ml");
  const job = new FakeIdentity(infra, "FeastJob", WorkloadIdentityKind.GCP_SERVICE_ACCOUNT, "feast", "feast-ml-materialize");
  const redis = new MemorystoreReference(infra, "Redis", { product: MemorystoreProduct.VALKEY, project: "acme-ml", host: "10.0.0.5", iamAuthentication: true });
  const db = new CloudSqlDatabaseReference(infra, "Registry", {
    engine: DatabaseEngine.POSTGRES, host: "10.0.0.9", databaseName: "feast", project: "acme-ml", instanceConnectionName: "acme-ml:us-central1:feast", credentialsSecret: "feast-db",
  });
  const store = new FeatureStore(workloads, "Features", {
    connection: cluster.connect(workloads, "Conn"),
    operator,
    namespace: "feast",
    name: "ml",
    feastProject: "ml_features",
    identity,
    materializationIdentity: job,
    offlineStore: offline(infra),
    onlineStore: redis,
    registryDatabase: db,
    registryCredentialsSecretName: "feast-db",
    tlsSecretName: "feast-tls",
    ...overrides,
  } as FeatureStoreProps);
  return { app, infra, platform, workloads, identity, job, store };
}

/** AWS: Redshift offline store with S3 staging in the lake, IRSA roles for the servers and the job, an RDS registry. */
function aws(options: (lake: IObjectStore) => RedshiftOfflineStoreOptions, overrides: Partial<FeatureStoreProps> = {}) {
  const app = testApp();
  const infra = awsStack(app, "infra");
  const cluster = new EksCluster(infra, "Cluster", { clusterName: "ml-prod", subnetIds: ["subnet-a", "subnet-b"] });
  const platform = bareStack(app, "platform");
  const workloads = bareStack(app, "workloads");
  const operator = new FeastOperator(platform, "Feast", { connection: cluster.connect(platform, "Conn") });
  const lake = new S3BucketReference(infra, "Lake", { bucketName: "acme-ml-lake", partition: "aws", kmsKeyArn: KMS });
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
  const job = cluster.addWorkloadIdentity("FeastJob", { namespace: "feast", serviceAccountName: "feast-ml-materialize" });
  const store = new FeatureStore(workloads, "Features", {
    connection: cluster.connect(workloads, "Conn"),
    operator,
    namespace: "feast",
    name: "ml",
    feastProject: "ml_features",
    identity,
    materializationIdentity: job,
    offlineStore: OfflineStore.redshift(options(lake)),
    onlineStore: cache,
    onlineStorePasswordSecretName: "feast-redis",
    registryDatabase: db,
    registryCredentialsSecretName: "feast-db",
    tlsSecretName: "feast-tls",
    ...overrides,
  } as FeatureStoreProps);
  return { app, infra, platform, workloads, identity, job, store, lake };
}

const provisioned = (lake: IObjectStore): RedshiftOfflineStoreOptions => ({ clusterArn: CLUSTER_ARN, dbUser: "feast", database: "features", unloadRoleArn: UNLOAD_ROLE, staging: lake });
const serverless = (lake: IObjectStore): RedshiftOfflineStoreOptions => ({
  workgroupArn: WORKGROUP_ARN, workgroupName: "features", database: "features", unloadRoleArn: UNLOAD_ROLE, staging: lake, stagingPrefix: "staging/feast/",
});

/** The inline policies on an IAM role, by role name. */
function rolePolicies(infra: TerraformStack, role: string): any[] {
  return (Object.values(resourcesOfType(synthJson(infra), "aws_iam_role_policy")) as any[]).filter((p) => p.role === role || String(p.role).includes(role)).map((p) => JSON.parse(p.policy));
}

describe("OfflineStore.bigQuery", () => {
  const created = (infra: TerraformStack) =>
    OfflineStore.bigQuery({
      dataset: new BigQueryDataset(infra, "Dataset", {
        projectId: "acme-ml", datasetId: "feast_ml", location: "us-central1",
        kmsKeyName: "projects/acme-ml/locations/us-central1/keyRings/ml/cryptoKeys/bigquery",
      }),
      sourceDatasets: [new BigQueryDatasetReference(infra, "Events", { projectId: "acme-data", datasetId: "events", location: "us-central1" })],
    });

  test("the CR takes a bigquery store type from the stores Secret; the job config reads BigQuery directly", () => {
    const e = gcp(created);
    expect(manifest(e.workloads).spec.services.offlineStore.persistence).toEqual({ store: { type: "bigquery", secretRef: { name: "feast-ml-stores" } } });
    expect(secretData(e.workloads, "feast-ml-stores").bigquery).toBe("project_id: acme-ml\ndataset: feast_ml\nlocation: us-central1\n");
    const yaml = secretData(e.workloads, "feast-ml-materialize")["feature_store.yaml"];
    expect(yaml).toContain("offline_store:\n  type: bigquery\n  project_id: acme-ml\n  dataset: feast_ml\n  location: us-central1\n");
    expect(yaml).toContain("registry:\n  registry_type: sql\n  path: postgresql+psycopg://${STRATA_REGISTRY_DB_USER}:${STRATA_REGISTRY_DB_PASSWORD}@10.0.0.9:5432/feast");
  });

  test("grants: servers edit the working dataset (temporary tables), the job only views it; both view the sources and run jobs", () => {
    const e = gcp(created);
    const json = synthJson(e.infra);
    const members = Object.values(resourcesOfType(json, "google_bigquery_dataset_iam_member")) as any[];
    const roles = (email: string, dataset: string) => members.filter((m) => m.member === `serviceAccount:${email}` && m.dataset_id === dataset).map((m) => m.role);
    expect(roles("feast-ml@proj.iam.gserviceaccount.com", "feast_ml")).toEqual(["roles/bigquery.dataEditor"]);
    expect(roles("feast-ml-materialize@proj.iam.gserviceaccount.com", "feast_ml")).toEqual(["roles/bigquery.dataViewer"]);
    expect(roles("feast-ml@proj.iam.gserviceaccount.com", "events")).toEqual(["roles/bigquery.dataViewer"]);
    expect(roles("feast-ml-materialize@proj.iam.gserviceaccount.com", "events")).toEqual(["roles/bigquery.dataViewer"]);
    const jobUsers = (Object.values(resourcesOfType(json, "google_project_iam_member")) as any[]).filter((m) => m.role === "roles/bigquery.jobUser");
    expect(jobUsers.map((m) => `${m.project} ${m.member}`).sort()).toEqual([
      "acme-data serviceAccount:feast-ml-materialize@proj.iam.gserviceaccount.com",
      "acme-data serviceAccount:feast-ml@proj.iam.gserviceaccount.com",
      "acme-ml serviceAccount:feast-ml-materialize@proj.iam.gserviceaccount.com",
      "acme-ml serviceAccount:feast-ml@proj.iam.gserviceaccount.com",
    ]);
    expect(members.some((m) => m.role !== "roles/bigquery.dataViewer" && m.member.includes("materialize"))).toBe(false);
  });

  describeConformance("custom resources", () => {
    test("the FeatureStore with a bigquery offline store passes the strict schema", () => {
      const e = gcp(created);
      expect(validateStackManifests(Testing.synth(e.workloads)).filter((r) => r.errors.length > 0)).toEqual([]);
    });
  });

  test("an identity that cannot be granted BigQuery (AWS or on-prem identities)", () => {
    const app = testApp();
    const infra = bareStack(app, "x");
    const ds = new BigQueryDatasetReference(infra, "Ds", { projectId: "acme-ml", datasetId: "feast", location: "US" });
    expect(() =>
      gcp(() => OfflineStore.bigQuery({ dataset: ds }), { identity: new FakeIdentity(bareStack(testApp(), "y"), "Aws", WorkloadIdentityKind.AWS_IAM_ROLE, "feast", "feast-ml") }),
    ).toThrow(/workloads\/Features: invalid offlineStore "bigquery": cannot be read by identity y\/Aws \(a aws-iam-role identity; a BigQuery offline store needs a gcp-service-account identity\)/);
    expect(() =>
      gcp(() => OfflineStore.bigQuery({ dataset: ds }), {
        materializationIdentity: new FakeIdentity(bareStack(testApp(), "z"), "Onprem", WorkloadIdentityKind.KUBERNETES_SECRET, "feast", "feast-job"),
      }),
    ).toThrow(/invalid offlineStore "bigquery": cannot be read by materializationIdentity z\/Onprem \(a kubernetes-secret identity/);
  });

  test("bad options", () => {
    expect(() => gcp(() => OfflineStore.bigQuery(undefined as any))).toThrow(/invalid offlineStore undefined: must be given its options object \(OfflineStore.bigQuery/);
    expect(() => gcp(() => OfflineStore.bigQuery({ dataset: "feast_ml" as any }))).toThrow(/invalid offlineStore.dataset "feast_ml": must be an IBigQueryDataset/);
    expect(() =>
      gcp((infra) =>
        OfflineStore.bigQuery({
          dataset: new BigQueryDatasetReference(infra, "Ds", { projectId: "acme-ml", datasetId: "feast", location: "US" }),
          sourceDatasets: [new BigQueryDatasetReference(infra, "Eu", { projectId: "acme-ml", datasetId: "events", location: "EU" })],
        }),
      ),
    ).toThrow(/invalid offlineStore.sourceDatasets "infra\/Eu": is in location "EU"; BigQuery queries cannot join it with dataset feast in "US"/);
    expect(() => gcp(() => OfflineStore.bigQuery({ dataset: new BigQueryDatasetReference(bareStack(testApp(), "q"), "Ds", { projectId: "acme-ml", datasetId: "feast", location: "US" }), sourceDatasets: "events" as any }))).toThrow(
      /invalid offlineStore.sourceDatasets "events": must be a list of IBigQueryDataset/,
    );
  });

  test("a warehouse offline store needs a SQL registry (the file registry lives in a lake bucket)", () => {
    expect(() => gcp(created, { registryDatabase: undefined })).toThrow(
      /workloads\/Features: invalid registryDatabase undefined: is required with a bigquery offline store: the file registry lives in a lake offline store's bucket/,
    );
  });
});

describe("OfflineStore.redshift", () => {
  test("provisioned cluster: store Secret, CR store type, job config, staging under the lake", () => {
    const e = aws(provisioned);
    expect(manifest(e.workloads).spec.services.offlineStore.persistence).toEqual({ store: { type: "redshift", secretRef: { name: "feast-ml-stores" } } });
    expect(secretData(e.workloads, "feast-ml-stores").redshift).toBe(
      "cluster_id: features\nuser: feast\nregion: us-east-1\ndatabase: features\ns3_staging_location: s3://acme-ml-lake/feast-staging\niam_role: arn:aws:iam::123456789012:role/redshift-unload\n",
    );
    expect(secretData(e.workloads, "feast-ml-materialize")["feature_store.yaml"]).toContain("offline_store:\n  type: redshift\n  cluster_id: features\n  user: feast\n");
  });

  test("grants: Data API on the cluster for both identities; staging read-write-delete for the servers, read for the job, read-write for the UNLOAD role", () => {
    const e = aws(provisioned);
    prepareApp(e.app);
    const all = (Object.values(resourcesOfType(synthJson(e.infra), "aws_iam_role_policy")) as any[]).map((p) => ({ role: p.role as string, doc: JSON.parse(p.policy) }));
    const data = all.filter((p) => p.doc.Statement.some((s: any) => s.Sid === "ExecuteStatements"));
    expect(data).toHaveLength(2);
    for (const p of data) {
      expect(p.doc.Statement).toEqual([
        { Sid: "ExecuteStatements", Effect: "Allow", Action: ["redshift-data:ExecuteStatement", "redshift-data:BatchExecuteStatement"], Resource: [CLUSTER_ARN] },
        {
          Sid: "OwnStatements",
          Effect: "Allow",
          Action: ["redshift-data:DescribeStatement", "redshift-data:GetStatementResult", "redshift-data:CancelStatement"],
          Resource: ["*"],
          Condition: { StringEquals: { "redshift-data:statement-owner-iam-userid": "$${aws:userid}" } },
        },
        {
          Sid: "Credentials",
          Effect: "Allow",
          Action: ["redshift:GetClusterCredentials"],
          Resource: ["arn:aws:redshift:us-east-1:123456789012:dbuser:features/feast", "arn:aws:redshift:us-east-1:123456789012:dbname:features/features"],
        },
      ]);
    }
    const staging = (p: { doc: any }) => p.doc.Statement.find((s: any) => s.Sid === "Objects" && s.Resource[0] === "arn:aws:s3:::acme-ml-lake/feast-staging/*");
    const stagingGrants = all.filter((p) => staging(p) !== undefined);
    const actions = (role: string) => stagingGrants.filter((p) => p.role.includes(role)).map((p) => staging(p).Action);
    expect(stagingGrants).toHaveLength(3);
    expect(actions("redshift-unload")).toEqual([["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"]]);
    expect(actions("Cluster_FeastJob_Role")).toEqual([["s3:GetObject", "s3:GetObjectVersion"]]);
    expect(actions("Cluster_Feast_Role")).toEqual([
      ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts", "s3:DeleteObject"],
    ]);
    // The job never writes the offline store: no Put or Delete anywhere in its S3 grants except the registry (RDS here: none).
    const jobDocs = all.filter((p) => p.role.includes("Cluster_FeastJob_Role")).map((p) => JSON.stringify(p.doc));
    expect(jobDocs.length).toBeGreaterThanOrEqual(3); // Data API, staging read, registry and cache secrets
    expect(jobDocs.some((d) => d.includes("s3:PutObject") || d.includes("s3:DeleteObject"))).toBe(false);
  });

  test("Serverless workgroup: GetCredentials on the workgroup, workgroup name in the config", () => {
    const e = aws(serverless);
    prepareApp(e.app);
    expect(secretData(e.workloads, "feast-ml-stores").redshift).toBe(
      "workgroup: features\nregion: us-east-1\ndatabase: features\ns3_staging_location: s3://acme-ml-lake/staging/feast\niam_role: arn:aws:iam::123456789012:role/redshift-unload\n",
    );
    const docs = (Object.values(resourcesOfType(synthJson(e.infra), "aws_iam_role_policy")) as any[]).map((p) => JSON.parse(p.policy));
    const creds = docs.flatMap((d) => d.Statement).filter((s: any) => s.Sid === "Credentials");
    expect(creds).toHaveLength(2);
    for (const c of creds) expect(c).toEqual({ Sid: "Credentials", Effect: "Allow", Action: ["redshift-serverless:GetCredentials"], Resource: [WORKGROUP_ARN] });
  });

  describeConformance("custom resources", () => {
    test("the FeatureStore with a redshift offline store passes the strict schema", () => {
      for (const e of [aws(provisioned), aws(serverless)]) {
        expect(validateStackManifests(Testing.synth(e.workloads)).filter((r) => r.errors.length > 0)).toEqual([]);
      }
    });
  });

  test("a GCP or on-prem identity cannot be granted Redshift", () => {
    const other = new FakeIdentity(bareStack(testApp(), "g"), "Gcp", WorkloadIdentityKind.GCP_SERVICE_ACCOUNT, "feast", "feast-ml");
    expect(() => aws(provisioned, { identity: other })).toThrow(
      /workloads\/Features: invalid offlineStore "redshift": cannot be read by identity g\/Gcp \(a gcp-service-account identity; a Redshift offline store needs a aws-iam-role identity\)/,
    );
  });

  test.each<[string, (lake: IObjectStore) => Partial<RedshiftOfflineStoreOptions>, RegExp]>([
    ["neither cluster nor workgroup", () => ({ clusterArn: undefined }), /invalid offlineStore undefined: needs exactly one of clusterArn .* or workgroupArn/],
    ["both cluster and workgroup", () => ({ workgroupArn: WORKGROUP_ARN }), /needs exactly one of clusterArn/],
    ["a malformed cluster ARN", () => ({ clusterArn: "features" }), /invalid offlineStore.clusterArn "features": must be a Redshift cluster ARN/],
    ["no dbUser with a cluster", () => ({ dbUser: undefined }), /invalid offlineStore.dbUser undefined: is required with clusterArn/],
    ["a bad database name", () => ({ database: "Features-1" }), /invalid offlineStore.database "Features-1": is required: a Redshift database name/],
    ["no UNLOAD role", () => ({ unloadRoleArn: undefined as any }), /invalid offlineStore.unloadRoleArn undefined: is required/],
    ["an UNLOAD role that is not a role ARN", () => ({ unloadRoleArn: "redshift-unload" }), /invalid offlineStore.unloadRoleArn "redshift-unload"/],
    ["missing staging location", () => ({ staging: undefined as any }), /invalid offlineStore.staging undefined: is required: the S3 bucket .* of the staging location/],
    ["a staging bucket that is not S3", () => ({ staging: new GcsBucketReference(bareStack(testApp(), "s"), "Gcs", { bucketName: "acme-gcs" }) }), /invalid offlineStore.staging "s\/Gcs": is a gcs bucket; Redshift UNLOAD and COPY need an Amazon S3 bucket/],
    ["a bad staging prefix", () => ({ stagingPrefix: "/staging" }), /invalid prefix "\/staging"/],
  ])("rejects %s", (_name, change, message) => {
    expect(() => aws((lake) => ({ ...provisioned(lake), ...change(lake) }))).toThrow(message);
  });

  test("Serverless: workgroup name required, no dbUser", () => {
    expect(() => aws((lake) => ({ ...serverless(lake), workgroupName: undefined }))).toThrow(/invalid offlineStore.workgroupName undefined/);
    expect(() => aws((lake) => ({ ...serverless(lake), dbUser: "feast" }))).toThrow(/invalid offlineStore.dbUser "feast": does not apply to Redshift Serverless/);
    expect(() => aws((lake) => ({ ...serverless(lake), workgroupArn: "arn:aws:redshift-serverless:us-east-1:123456789012:workgroup/features" }))).toThrow(
      /invalid offlineStore.workgroupArn .*: must be a Redshift Serverless workgroup ARN/,
    );
  });
});

describe("materializationIdentity", () => {
  const lake = (infra: TerraformStack) => OfflineStore.lake(new GcsBucketReference(infra, "Lake", { bucketName: "acme-ml-lake" }));
  test("required, its own service account, in the Feast namespace", () => {
    expect(() => gcp(lake, { materializationIdentity: undefined })).toThrow(/workloads\/Features: invalid materializationIdentity undefined: is required/);
    const app = new App();
    const other = bareStack(app, "o");
    expect(() => gcp(lake, { materializationIdentity: new FakeIdentity(other, "Same", WorkloadIdentityKind.GCP_SERVICE_ACCOUNT, "feast", "feast-ml") })).toThrow(
      /invalid materializationIdentity "o\/Same": is the Feast servers' identity \(service account "feast-ml"\); the job needs its own service account/,
    );
    expect(() => gcp(lake, { materializationIdentity: new FakeIdentity(other, "Ns", WorkloadIdentityKind.GCP_SERVICE_ACCOUNT, "ml", "feast-job") })).toThrow(
      /invalid materializationIdentity "o\/Ns": is for namespace "ml"; the job runs in "feast"/,
    );
  });

  test("lake offline store: the job identity reads the feature prefix and may only write the registry prefix", () => {
    const e = gcp(lake, { registryDatabase: undefined });
    const members = Object.values(resourcesOfType(synthJson(e.infra), "google_storage_bucket_iam_member")) as any[];
    const job = members.filter((m) => m.member.includes("materialize"));
    expect(job.find((m) => m.role === "roles/storage.objectViewer").condition.expression).toContain("/objects/features/");
    expect(job.find((m) => m.role === "roles/storage.objectUser").condition.expression).toContain("/objects/registry/");
    expect(job).toHaveLength(2);
  });
});

void ([] as IWorkloadIdentity[]);
