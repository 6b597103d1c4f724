import { Construct, IConstruct } from "constructs";
import { TerraformResource } from "cdktf";
import { CronJobV1 } from "@cdktf/provider-kubernetes/lib/cron-job-v1";
import { SecretV1 } from "@cdktf/provider-kubernetes/lib/secret-v1";
import { CapacityType, IWorkloadIdentity, NodePoolInfo, NodePoolPurpose, WorkloadIdentityKind } from "../core/cluster";
import { ClusterConnection } from "../core/connection";
import { hash8 } from "../core/generated-names";
import { attachRolePolicy } from "../core/grants";
import { IObjectStore, ObjectStoreKind } from "../core/object-store";
import { Scheduling } from "../core/scheduling";
import { invalid, isUnresolved, typeName, validateAwsRegion, validateIamRoleArn, validateNonEmpty } from "../core/validation";
import { IBigQueryDataset } from "./bigquery-dataset";
import { OfflineStore, OfflineStoreKind } from "./feast-offline-store";

/*
 * Internal (not exported from the package): how a FeatureStore binds its offline store (grants,
 * the operator's store Secret, the materialization job's feature_store.yaml) and the
 * materialization CronJob with its own identity.
 */

/** The identity each kind of lake bucket can grant to. */
const LAKE_IDENTITY: Record<ObjectStoreKind, WorkloadIdentityKind> = {
  [ObjectStoreKind.S3]: WorkloadIdentityKind.AWS_IAM_ROLE,
  [ObjectStoreKind.GCS]: WorkloadIdentityKind.GCP_SERVICE_ACCOUNT,
  [ObjectStoreKind.S3_COMPATIBLE]: WorkloadIdentityKind.KUBERNETES_SECRET,
};

/** The Feast feature server image the operator v0.66.0 runs (the same release as the operator). */
export const FEAST_IMAGE = "quay.io/feastdev/feature-server:0.66.0";
/** Entity key serialization version of the operator's generated configs (feastdevv1.SerializationVersion, read from the operator source). */
export const ENTITY_KEY_SERIALIZATION_VERSION = 3;

const CLUSTER_ARN = /^arn:(aws[a-z-]*):redshift:([a-z0-9-]+):(\d{12}):cluster:([a-z][a-z0-9-]{0,62})$/;
const WORKGROUP_ARN = /^arn:(aws[a-z-]*):redshift-serverless:([a-z0-9-]+):(\d{12}):workgroup\/[0-9a-f-]{36}$/;
/** Redshift identifiers: database and user names (lower-case letters, digits, '_' and '$', starting with a letter or '_'). */
const REDSHIFT_NAME = /^[a-z_][a-z0-9_$]{0,126}$/;

/** What binding an offline store yields for the FeatureStore. */
export interface OfflineBinding {
  /** `services.offlineStore.persistence` of the CR. */
  readonly persistence: object;
  /** Key and YAML parameters for the `feast-<name>-stores` Secret (store types only). */
  readonly secretEntry?: { key: string; yaml: string };
  /** The `offline_store:` section of the job's feature_store.yaml. */
  readonly jobSection: string;
  /** The lake bucket (file offline store), where the file registry may live. */
  readonly lake?: IObjectStore;
}

function indent(yaml: string): string {
  return yaml
    .trimEnd()
    .split("\n")
    .map((l) => `  ${l}`)
    .join("\n");
}

/** The identity kind an offline store can grant to, and a phrase for messages. */
function neededIdentity(offline: OfflineStore): { kind: WorkloadIdentityKind | undefined; what: string } {
  switch (offline.kind) {
    case OfflineStoreKind.LAKE:
      return { kind: LAKE_IDENTITY[offline.objectStore!.kind], what: `a ${offline.objectStore!.kind} bucket` };
    case OfflineStoreKind.BIGQUERY:
      return { kind: WorkloadIdentityKind.GCP_SERVICE_ACCOUNT, what: "a BigQuery offline store" };
    default:
      return { kind: WorkloadIdentityKind.AWS_IAM_ROLE, what: "a Redshift offline store" };
  }
}

/**
 * Validates `offline`, grants it to the servers' identity (read and temporary writes) and to the
 * job's identity (read only), and returns what the CR, the store Secret and the job config need.
 */
export function bindOfflineStore(scope: IConstruct, offline: OfflineStore, servers: IWorkloadIdentity, job: IWorkloadIdentity, secretName: string): OfflineBinding {
  if (!(offline instanceof OfflineStore)) {
    invalid(scope, "offlineStore", offline, `must be an OfflineStore (OfflineStore.lake(bucket), OfflineStore.bigQuery({...}) or OfflineStore.redshift({...})), not ${typeName(offline)}`);
  }
  if (offline.kind === OfflineStoreKind.LAKE) {
    const store = offline.objectStore;
    if (store === undefined || store === null || typeof store !== "object" || typeof store.grantRead !== "function") {
      invalid(scope, "offlineStore", store, `must be OfflineStore.lake(<an IObjectStore>), not ${typeName(store)}`);
    }
  } else if (offline._options === undefined || offline._options === null || typeof offline._options !== "object") {
    invalid(scope, "offlineStore", offline._options, `must be given its options object (OfflineStore.${offline.kind === OfflineStoreKind.BIGQUERY ? "bigQuery" : "redshift"}({...})), not ${typeName(offline._options)}`);
  }
  const needed = neededIdentity(offline);
  for (const [label, identity] of [["identity", servers], ["materializationIdentity", job]] as const) {
    if (needed.kind !== undefined && identity.kind !== needed.kind) {
      const where = offline.kind === OfflineStoreKind.LAKE ? offline.objectStore!.node.path : offline.kind;
      invalid(
        scope,
        "offlineStore",
        where,
        `cannot be read by ${label} ${identity.node.path} (a ${identity.kind} identity; ${needed.what} needs a ${needed.kind} identity): ` +
          "materialization and the offline server would fail reading features",
      );
    }
  }
  switch (offline.kind) {
    case OfflineStoreKind.LAKE: {
      const store = offline.objectStore!;
      store.grantRead(servers, { prefix: offline.prefix });
      store.grantRead(job, { prefix: offline.prefix });
      return { persistence: { file: { type: "file" } }, jobSection: "offline_store:\n  type: file\n", lake: store };
    }
    case OfflineStoreKind.BIGQUERY:
      return bindBigQuery(scope, offline, servers, job, secretName);
    default:
      return bindRedshift(scope, offline, servers, job, secretName);
  }
}

function isDataset(value: unknown): value is IBigQueryDataset {
  return value !== null && typeof value === "object" && typeof (value as IBigQueryDataset).grantRead === "function" && "datasetId" in (value as object);
}

function bindBigQuery(scope: IConstruct, offline: OfflineStore, servers: IWorkloadIdentity, job: IWorkloadIdentity, secretName: string): OfflineBinding {
  const o = offline.bigQueryOptions!;
  if (!isDataset(o.dataset)) invalid(scope, "offlineStore.dataset", o.dataset, `must be an IBigQueryDataset (BigQueryDataset or BigQueryDatasetReference), not ${typeName(o.dataset)}`);
  const sources = o.sourceDatasets ?? [];
  if (!Array.isArray(sources)) invalid(scope, "offlineStore.sourceDatasets", sources, `must be a list of IBigQueryDataset, not ${typeName(sources)}`);
  for (const s of sources) {
    if (!isDataset(s)) invalid(scope, "offlineStore.sourceDatasets", s, `must contain IBigQueryDataset values, not ${typeName(s)}`);
    if (!isUnresolved(s.location) && !isUnresolved(o.dataset.location) && s.location.toLowerCase() !== o.dataset.location.toLowerCase()) {
      invalid(scope, "offlineStore.sourceDatasets", s.node.path, `is in location "${s.location}"; BigQuery queries cannot join it with dataset ${o.dataset.datasetId} in "${o.dataset.location}"`);
    }
  }
  // Servers: temporary entity tables in the working dataset (training retrieval); the job only reads.
  o.dataset.grantReadWrite(servers);
  o.dataset.grantRead(job);
  for (const s of sources) {
    s.grantRead(servers);
    s.grantRead(job);
  }
  const yaml = `project_id: ${o.dataset.projectId}\ndataset: ${o.dataset.datasetId}\nlocation: ${o.dataset.location}\n`;
  return {
    persistence: { store: { type: "bigquery", secretRef: { name: secretName } } },
    secretEntry: { key: "bigquery", yaml },
    jobSection: `offline_store:\n  type: bigquery\n${indent(yaml)}\n`,
  };
}

/** An IAM role that is not a workload identity (the Redshift UNLOAD role), so the object-store grants can attach to it. */
class AwsRoleGrantee extends Construct implements IWorkloadIdentity {
  public readonly kind = WorkloadIdentityKind.AWS_IAM_ROLE;
  public readonly namespace = "";
  public readonly serviceAccountName = "";
  public readonly serviceAccountAnnotations = {};
  public readonly awsRoleArn: string;
  public readonly awsRoleName: string;
  constructor(scope: Construct, id: string, roleArn: string) {
    super(scope, id);
    this.awsRoleArn = roleArn;
    this.awsRoleName = roleArn.split("/").pop()!;
  }
}

function bindRedshift(scope: IConstruct, offline: OfflineStore, servers: IWorkloadIdentity, job: IWorkloadIdentity, secretName: string): OfflineBinding {
  const o = offline.redshiftOptions!;
  const cluster = o.clusterArn;
  const workgroup = o.workgroupArn;
  if ((cluster === undefined) === (workgroup === undefined)) {
    invalid(scope, "offlineStore", cluster ?? workgroup, "needs exactly one of clusterArn (a provisioned cluster) or workgroupArn (Redshift Serverless)");
  }
  let target: { partition: string; region: string; account: string; arn: string };
  const lines: string[] = [];
  if (cluster !== undefined) {
    const m = typeof cluster === "string" ? CLUSTER_ARN.exec(cluster) : null;
    if (m === null) invalid(scope, "offlineStore.clusterArn", cluster, "must be a Redshift cluster ARN arn:<partition>:redshift:<region>:<account>:cluster:<id>");
    if (o.workgroupName !== undefined) invalid(scope, "offlineStore.workgroupName", o.workgroupName, "only applies with workgroupArn");
    const user: unknown = o.dbUser;
    if (typeof user !== "string" || !REDSHIFT_NAME.test(user)) {
      invalid(scope, "offlineStore.dbUser", user, "is required with clusterArn: a Redshift user name (lower-case letters, digits, '_' or '$', starting with a letter or '_')");
    }
    target = { partition: m[1], region: m[2], account: m[3], arn: cluster };
    lines.push(`cluster_id: ${m[4]}`, `user: ${user}`);
  } else {
    const m = typeof workgroup === "string" ? WORKGROUP_ARN.exec(workgroup) : null;
    if (m === null) invalid(scope, "offlineStore.workgroupArn", workgroup, "must be a Redshift Serverless workgroup ARN arn:<partition>:redshift-serverless:<region>:<account>:workgroup/<uuid>");
    if (o.dbUser !== undefined) invalid(scope, "offlineStore.dbUser", o.dbUser, "does not apply to Redshift Serverless (the IAM identity maps to a database user)");
    validateNonEmpty(scope, "offlineStore.workgroupName", o.workgroupName);
    if (typeof o.workgroupName !== "string" || !/^[a-z0-9-]{3,64}$/.test(o.workgroupName)) {
      invalid(scope, "offlineStore.workgroupName", o.workgroupName, "is required with workgroupArn: the workgroup's name (3 to 64 lower-case letters, digits or '-')");
    }
    target = { partition: m[1], region: m[2], account: m[3], arn: workgroup! };
    lines.push(`workgroup: ${o.workgroupName}`);
  }
  validateAwsRegion(scope, "offlineStore (region of the ARN)", target.region);
  const database: unknown = o.database;
  if (typeof database !== "string" || !REDSHIFT_NAME.test(database)) {
    invalid(scope, "offlineStore.database", database, "is required: a Redshift database name (lower-case letters, digits, '_' or '$', starting with a letter or '_')");
  }
  if (o.unloadRoleArn === undefined) invalid(scope, "offlineStore.unloadRoleArn", undefined, "is required: the IAM role the cluster uses for UNLOAD and COPY through the staging location");
  validateIamRoleArn(scope, "offlineStore.unloadRoleArn", o.unloadRoleArn);
  const staging = o.staging;
  if (staging === undefined || staging === null || typeof staging !== "object" || typeof staging.grantRead !== "function") {
    invalid(scope, "offlineStore.staging", staging, "is required: the S3 bucket (an IObjectStore, e.g. a lake zone) of the staging location Redshift UNLOADs query results to");
  }
  if (staging.kind !== ObjectStoreKind.S3) {
    invalid(scope, "offlineStore.staging", staging.node.path, `is a ${staging.kind} bucket; Redshift UNLOAD and COPY need an Amazon S3 bucket`);
  }
  const prefix = offline.prefix!;
  // Servers upload entity dataframes and read (and clean up) unloaded results; the job reads results only.
  staging.grantReadWrite(servers, { prefix, allowDelete: true });
  staging.grantRead(job, { prefix });
  // The UNLOAD/COPY role writes results and reads uploads under the prefix (no delete).
  const granteeId = `RedshiftRole-${hash8(o.unloadRoleArn)}`;
  const grantee = (staging.node.tryFindChild(granteeId) as AwsRoleGrantee | undefined) ?? new AwsRoleGrantee(staging as unknown as Construct, granteeId, o.unloadRoleArn);
  staging.grantReadWrite(grantee, { prefix });

  // The Data API: statements run on the cluster or workgroup, results read back by statement id.
  const { partition, region, account } = target;
  const statements: object[] = [
    { Sid: "ExecuteStatements", Effect: "Allow", Action: ["redshift-data:ExecuteStatement", "redshift-data:BatchExecuteStatement"], Resource: [target.arn] },
    {
      Sid: "OwnStatements",
      Effect: "Allow",
      // These actions have no resource type; the condition keeps them to the caller's own statements.
      Action: ["redshift-data:DescribeStatement", "redshift-data:GetStatementResult", "redshift-data:CancelStatement"],
      Resource: ["*"],
      Condition: { StringEquals: { "redshift-data:statement-owner-iam-userid": "$${aws:userid}" } },
    },
    cluster !== undefined
      ? {
          Sid: "Credentials",
          Effect: "Allow",
          Action: ["redshift:GetClusterCredentials"],
          Resource: [
            `arn:${partition}:redshift:${region}:${account}:dbuser:${lines[0].slice("cluster_id: ".length)}/${o.dbUser}`,
            `arn:${partition}:redshift:${region}:${account}:dbname:${lines[0].slice("cluster_id: ".length)}/${database}`,
          ],
        }
      : { Sid: "Credentials", Effect: "Allow", Action: ["redshift-serverless:GetCredentials"], Resource: [target.arn] },
  ];
  attachRolePolicy(scope, servers, "RedshiftData", statements);
  attachRolePolicy(scope, job, "RedshiftData", statements);

  lines.push(`region: ${region}`, `database: ${database}`, `s3_staging_location: ${staging.uri}/${prefix.replace(/\/$/, "")}`, `iam_role: ${o.unloadRoleArn}`);
  const yaml = `${lines.join("\n")}\n`;
  return {
    persistence: { store: { type: "redshift", secretRef: { name: secretName } } },
    secretEntry: { key: "redshift", yaml },
    jobSection: `offline_store:\n  type: redshift\n${indent(yaml)}\n`,
  };
}

/** Where the materialization job runs: on-demand CPU (GENERAL) pools, never GPU pools. */
export function cpuAffinity(pools: NodePoolInfo[]): { affinity: object; tolerations: object[] } {
  const cpu = pools.filter((p) => p.gpu === undefined && p.purpose === NodePoolPurpose.GENERAL && p.capacityType !== CapacityType.SPOT);
  if (cpu.length > 0) {
    const tolerations: object[] = [];
    for (const t of cpu.flatMap((p) => Scheduling.tolerationsFor(p))) {
      if (!tolerations.some((o: any) => o.key === t.key && o.value === t.value && o.effect === t.effect)) tolerations.push(t);
    }
    return {
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerm: [{ matchExpressions: [{ key: Scheduling.POOL_LABEL, operator: "In", values: cpu.map((p) => p.name) }] }],
          },
        },
      },
      tolerations,
    };
  }
  // No declared CPU pool: any node that is not an inference or training pool's and has no GPU.
  return {
    affinity: {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerm: [
            {
              matchExpressions: [
                { key: Scheduling.PURPOSE_LABEL, operator: "NotIn", values: [NodePoolPurpose.INFERENCE, NodePoolPurpose.TRAINING] },
                { key: Scheduling.GPU_LABEL, operator: "DoesNotExist" },
              ],
            },
          ],
        },
      },
    },
    tolerations: [],
  };
}

/** Settings of the materialization CronJob. */
export interface MaterializationJobSettings {
  readonly connection: ClusterConnection;
  readonly namespace: string;
  /** The FeatureStore's name; the job is `feast-<name>-materialize`. */
  readonly name: string;
  readonly identity: IWorkloadIdentity;
  readonly schedule: string;
  /** The job's feature_store.yaml (with `${VAR}` placeholders, escaped for Terraform). */
  readonly featureStoreYaml: string;
  readonly env: { name: string; value?: string; valueFrom?: { secretKeyRef: { name: string; key: string } } }[];
  /** CA certificates the servers trust (object store, online store), mounted the same way in the job. */
  readonly caMounts?: FeastCaMount[];
  /** Resources the job must wait for (the CA copies). */
  readonly dependsOn?: TerraformResource[];
}

/** One CA certificate Secret key mounted as `<mountPath>/ca.crt`. */
export interface FeastCaMount {
  readonly volumeName: string;
  readonly secretName: string;
  readonly key: string;
  readonly mountPath: string;
}

/**
 * The materialization CronJob (workloads stack) with its own service account and config Secret:
 * `feast materialize-incremental <now>` against the stores directly, hardened, on CPU nodes.
 */
export function materializationJob(scope: Construct, s: MaterializationJobSettings): { cronJob: CronJobV1; config: SecretV1 } {
  const jobName = `feast-${s.name}-materialize`;
  const labels = { "app.kubernetes.io/managed-by": "strata", "app.kubernetes.io/name": "feast-materialize", "app.kubernetes.io/instance": s.name };
  const config = new SecretV1(scope, "MaterializationConfig", {
    provider: s.connection.kubernetesProvider,
    metadata: { name: jobName, namespace: s.namespace, labels },
    data: { "feature_store.yaml": s.featureStoreYaml },
  });
  const serviceAccount = s.connection.addServiceAccount(s.identity);
  const placement = cpuAffinity(s.connection.cluster.nodePools);
  const envFrom = s.identity.kind === WorkloadIdentityKind.KUBERNETES_SECRET ? [{ secretRef: { name: s.identity.credentialsSecretName! } }] : undefined;
  const cronJob = new CronJobV1(scope, "Materialization", {
    provider: s.connection.kubernetesProvider,
    dependsOn: [config, serviceAccount, ...(s.dependsOn ?? [])],
    metadata: { name: jobName, namespace: s.namespace, labels },
    spec: {
      schedule: s.schedule,
      concurrencyPolicy: "Forbid",
      startingDeadlineSeconds: 300,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 3,
      jobTemplate: {
        metadata: { labels },
        spec: {
          backoffLimit: 2,
          activeDeadlineSeconds: 3 * 3600,
          ttlSecondsAfterFinished: "86400",
          template: {
            metadata: { labels },
            spec: {
              serviceAccountName: s.identity.serviceAccountName,
              // The job talks to the stores directly, never to the Kubernetes API.
              automountServiceAccountToken: false,
              restartPolicy: "Never",
              securityContext: { runAsNonRoot: true, runAsUser: "1000", runAsGroup: "1000", fsGroup: "1000", seccompProfile: { type: "RuntimeDefault" } },
              affinity: placement.affinity,
              toleration: placement.tolerations.length > 0 ? placement.tolerations : undefined,
              container: [
                {
                  name: "materialize",
                  image: FEAST_IMAGE,
                  command: ["/bin/sh", "-c", 'exec feast -f /etc/feast/feature_store.yaml materialize-incremental "$(date -u +%Y-%m-%dT%H:%M:%S)"'],
                  env: [...s.env, { name: "HOME", value: "/tmp" }, { name: "FEAST_USAGE", value: "False" }],
                  envFrom,
                  resources: { requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "2", memory: "4Gi" } },
                  securityContext: {
                    runAsNonRoot: true,
                    allowPrivilegeEscalation: false,
                    privileged: false,
                    readOnlyRootFilesystem: true,
                    capabilities: { drop: ["ALL"] },
                  },
                  volumeMount: [
                    { name: "config", mountPath: "/etc/feast", readOnly: true },
                    { name: "tmp", mountPath: "/tmp" },
                    ...(s.caMounts ?? []).map((m) => ({ name: m.volumeName, mountPath: m.mountPath, readOnly: true })),
                  ],
                },
              ],
              volume: [
                { name: "config", secret: { secretName: jobName, defaultMode: "0440" } },
                { name: "tmp", emptyDir: { sizeLimit: "2Gi" } },
                ...(s.caMounts ?? []).map((m) => ({ name: m.volumeName, secret: { secretName: m.secretName, items: [{ key: m.key, path: "ca.crt" }] } })),
              ],
            },
          },
        },
      },
    },
  });
  return { cronJob, config };
}
