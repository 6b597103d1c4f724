/**
 * Reference architecture: an AI platform on an existing on-prem Kubernetes cluster.
 *
 *   onprem-infra      the cluster reached by kubeconfig, its GPU nodes (L40S for serving, A100 for
 *                     training), workload identities
 *   onprem-platform   namespaces, service accounts, the NVIDIA GPU Operator (installs the driver),
 *                     Kueue, and the data layer's operators: the SeaweedFS object store (the data
 *                     lake), Strimzi (Kafka), the Spark operator, the Feast operator check and Valkey;
 *                     the model layer's operators: CloudNativePG, Kubeflow Trainer, Argo Workflows
 *   onprem-workloads  Kueue flavors, team queues and priority classes; the Kafka cluster with its
 *                     topic and users, the raw-to-curated Spark job and the feature store; MLflow's
 *                     PostgreSQL (CloudNativePG) and MLflow itself, the torchrun training runtime, a
 *                     training job on the A100 training nodes through Kueue and the retraining
 *                     pipeline with an evaluation gate
 *
 * No cloud account is needed. State lives in PostgreSQL (the `pg` backend locks with advisory
 * locks); give the password through PGPASSWORD, never in code. Copy this file into your own
 * cdktf app as it is: it imports "strata-ai-infra" as your code would.
 */
import { App, PgBackend, TerraformStack } from "cdktf";
import { compute, core, data, model } from "strata-ai-infra";

/** The stacks of the on-prem reference architecture. */
export interface OnPremExample {
  readonly infra: TerraformStack;
  readonly platform: TerraformStack;
  readonly workloads: TerraformStack;
  readonly cluster: compute.ExistingCluster;
}

/** Placeholders: your training and pipeline-step images, pinned by digest (a run must be reproducible). */
const TRAIN_IMAGE = "registry.dc1.internal/ml/ctr-train@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
const STEPS_IMAGE = "registry.dc1.internal/ml/ctr-steps@sha256:fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";

/** A stack whose state lives in PostgreSQL, one schema per stack. */
function stateInPostgres(app: App, name: string): TerraformStack {
  const stack = new TerraformStack(app, name);
  new PgBackend(stack, {
    connStr: "postgres://terraform@tfstate.dc1.internal/terraform_state?sslmode=verify-full",
    schemaName: name.replace(/-/g, "_"),
  });
  return stack;
}

export function buildOnPremExample(app: App, prefix = "onprem"): OnPremExample {
  const infra = stateInPostgres(app, `${prefix}-infra`);
  // The GPU nodes exist already; declare them by the label GPU feature discovery sets, with the
  // taints the cluster admins put on them.
  const cluster = new compute.ExistingCluster(infra, "Cluster", {
    clusterName: "dc1",
    kubeconfigPath: "~/.kube/config",
    kubeconfigContext: "dc1-admin",
    gpuNodes: [
      {
        name: "l40s-inference",
        gpu: core.Gpu.NVIDIA_L40S,
        nodeCount: 2,
        gpusPerNode: 4,
        taints: [core.Scheduling.gpuTaint()],
      },
      {
        name: "a100-training",
        gpu: core.Gpu.NVIDIA_A100_80GB,
        nodeCount: 2,
        gpusPerNode: 8,
        purpose: core.NodePoolPurpose.TRAINING,
        taints: [core.Scheduling.gpuTaint(), core.Scheduling.trainingTaint()],
      },
    ],
  });
  const training = cluster.addWorkloadIdentity("TrainingIdentity", { namespace: "ml-training", serviceAccountName: "trainer" });
  const serving = cluster.addWorkloadIdentity("ServingIdentity", { namespace: "ml-serving", serviceAccountName: "model-server" });
  // Data layer identities: one per workload, so each gets only its own grants.
  const ingest = cluster.addWorkloadIdentity("IngestIdentity", { namespace: "ingest", serviceAccountName: "clicks-producer" });
  const sink = cluster.addWorkloadIdentity("SinkIdentity", { namespace: "ingest", serviceAccountName: "clicks-sink" });
  const etl = cluster.addWorkloadIdentity("EtlIdentity", { namespace: "spark-jobs", serviceAccountName: "curate-clicks" });
  // The Feast operator runs the feature store as service account feast-<name>.
  const featureServer = cluster.addWorkloadIdentity("FeastIdentity", { namespace: "feast", serviceAccountName: "feast-ml" });
  const materializer = cluster.addWorkloadIdentity("FeastMaterializeIdentity", { namespace: "feast", serviceAccountName: "feast-ml-materialize" });
  // Model layer identities (each an S3 identity of SeaweedFS, its keys in a Secret beside it): the
  // MLflow server, the database's backup writer, the example training job, and the pipeline's steps
  // and training pods (in Argo's namespace).
  const mlflowIdentity = cluster.addWorkloadIdentity("MlflowIdentity", { namespace: "mlflow", serviceAccountName: "mlflow" });
  const dbBackup = cluster.addWorkloadIdentity("MlflowDbBackupIdentity", { namespace: "mlflow", serviceAccountName: "mlflow-db" });
  const ctrTrainer = cluster.addWorkloadIdentity("CtrTrainerIdentity", { namespace: "ml-training", serviceAccountName: "ctr-baseline" });
  const pipelineSteps = cluster.addWorkloadIdentity("PipelineIdentity", { namespace: "ml-pipelines", serviceAccountName: "ctr-pipeline" });
  const pipelineTrainer = cluster.addWorkloadIdentity("PipelineTrainerIdentity", { namespace: "ml-pipelines", serviceAccountName: "ctr-train" });

  const platform = stateInPostgres(app, `${prefix}-platform`);
  const dc1 = cluster.connect(platform, "Dc1");
  dc1.addNamespace("ml-training");
  dc1.addNamespace("ml-serving");
  dc1.addNamespace("ingest");
  dc1.addServiceAccount(training);
  dc1.addServiceAccount(serving);
  dc1.addServiceAccount(ingest);
  dc1.addServiceAccount(sink);
  // On-prem the operator installs the driver and container toolkit. MIG stays off: Kueue queues
  // whole GPUs (nvidia.com/gpu), and MIG would rename the resources and the product label.
  new compute.GpuOperator(platform, "GpuOperator", {
    connection: dc1,
    serviceMonitor: false, // needs the prometheus-operator CRDs (ops layer)
  });
  new compute.Kueue(platform, "Kueue", { connection: dc1 });

  // The data lake: SeaweedFS in the cluster (MinIO's community edition is no longer published),
  // a bucket per zone. Its S3 identities come from a Secret the cluster admins create (sealed
  // secret or External Secrets), never from Terraform state; see README for the actions each
  // workload needs there.
  // cert-manager issues SeaweedFS's certificates (its CA, the S3 gateway's HTTPS, mTLS between components).
  new core.CertManager(platform, "CertManager", { connection: dc1 });
  const store = new data.SeaweedFsObjectStore(platform, "LakeStore", {
    connection: dc1,
    s3ConfigSecretName: "seaweedfs-s3-identities",
    storageClassName: "local-nvme",
    clientNamespaces: ["ingest", "spark-jobs", "feast", "ml-training", "ml-serving", "mlflow", "ml-pipelines"],
  });
  const raw = store.bucket("Raw", "lake-raw");
  const curated = store.bucket("Curated", "lake-curated");
  const features = store.bucket("Features", "lake-features");
  const models = store.bucket("Models", "lake-models");
  const checkpoints = store.bucket("Checkpoints", "lake-checkpoints");
  // The sink writes what it consumes from Kafka into the raw zone, without delete.
  raw.grantWrite(sink, { prefix: "clicks/" });
  features.grantRead(training);
  checkpoints.grantReadWrite(training);
  models.grantWrite(training);
  models.grantRead(serving);

  // Kafka for ingestion: the Strimzi operator watches only the streaming namespace.
  dc1.addNamespace("streaming", { isolation: core.NamespaceIsolation.NONE });
  new data.StrimziKafkaOperator(platform, "Strimzi", { connection: dc1, watchNamespaces: ["streaming"] });
  // Spark jobs run in spark-jobs (created by the operator, restricted Pod Security).
  new data.SparkOperator(platform, "Spark", { connection: dc1, jobNamespaces: ["spark-jobs"] });
  // Feast: the operator is installed once from its release manifest; this checks it is there.
  const feast = new data.FeastOperator(platform, "Feast", { connection: dc1 });
  dc1.addNamespace("feast");
  const online = new data.ValkeyOnlineStore(platform, "OnlineStore", {
    connection: dc1,
    namespace: "feast",
    authSecretName: "valkey-users",
    tlsSecretName: "valkey-tls",
  });

  // The model layer's operators. CloudNativePG runs PostgreSQL for MLflow (its Cluster is a custom
  // resource: workloads stack); Kubeflow Trainer (with JobSet) runs training; Argo Workflows runs
  // the pipelines in ml-pipelines. The cluster may not reach GitHub, so Argo's CRD hook Job fetches
  // the full CRDs from a mirror inside the data centre (see README); the Job's kubectl image comes
  // through the same registry mirror as the other images.
  const cnpg = new model.CloudNativePgOperator(platform, "Cnpg", { connection: dc1 });
  const trainer = new model.TrainingRuntime(platform, "Trainer", { connection: dc1 });
  const argo = new model.ArgoWorkflows(platform, "Pipelines", {
    connection: dc1,
    artifactStore: models,
    // Workflow pods reach the artifact prefix with the pipeline identity's S3 keys (the grant goes to it).
    artifactCredentialsSecretName: "ctr-pipeline-credentials",
    crdInstall: model.ArgoCrdInstall.MIRROR,
    crdBaseUrl: "https://artifacts.dc1.internal/argo-helm/argo-workflows-1.0.18/crds/full",
  });

  const workloads = stateInPostgres(app, `${prefix}-workloads`);
  const dc1Workloads = cluster.connect(workloads, "Dc1");
  new compute.GpuQueueing(workloads, "Queues", {
    connection: dc1Workloads,
    poolNames: ["a100-training"],
    // A LocalQueue "research" in each namespace: the training jobs and the pipeline's TrainJobs.
    teams: [{ name: "research", namespaces: ["ml-training", "ml-pipelines"], gpuQuota: 16 }],
  });

  // The stream: a Kafka cluster (KRaft, mutual TLS) with one topic; the producer may only write
  // to it and the sink may only read it.
  const kafka = new data.StrimziKafkaCluster(workloads, "Kafka", {
    connection: dc1Workloads,
    clusterName: "events",
    namespace: "streaming",
    storageClass: "local-nvme",
  });
  kafka.addTopic("Clicks", { topicName: "clicks", partitions: 6, retentionHours: 168 });
  kafka.grantProduce(ingest, { topics: ["clicks"] });
  kafka.grantConsume(sink, { topics: ["clicks"] });

  // The transformation: raw clicks to curated clicks every night, gated so bad data is not written.
  new data.SparkJob(workloads, "CurateClicks", {
    connection: dc1Workloads,
    identity: etl,
    image: "registry.dc1.internal/ml/etl:1.4.2",
    sparkVersion: "3.5.7",
    mainApplicationFile: "local:///opt/spark/app/curate_clicks.py",
    input: { store: raw, prefix: "clicks/" },
    output: { store: curated, prefix: "clicks/" },
    executorInstances: 2,
    executorMemory: "4g",
    validationGate: { minRowCount: 1000, requiredColumns: { user_id: "bigint", ts: "timestamp" }, maxNullFraction: 0.01 },
    schedule: "0 3 * * *",
    timeZone: "UTC",
    retries: 0, // a failed gate means bad input: retrying re-checks the same data
  });

  // The feature store: one Feast definition for training (offline, parquet in the features
  // bucket) and serving (Valkey), materialized hourly.
  new data.FeatureStore(workloads, "Features", {
    connection: dc1Workloads,
    operator: feast,
    namespace: "feast",
    name: "ml",
    feastProject: "ml_features",
    identity: featureServer,
    materializationIdentity: materializer,
    offlineStore: data.OfflineStore.lake(features),
    onlineStore: online,
    tlsSecretName: "feast-tls",
    featureRepoGitUrl: "https://git.dc1.internal/ml/features.git",
    featureRepoGitRef: "v1.0.0",
  });

  // MLflow's database: a CloudNativePG Cluster (3 instances on different nodes, TLS from the
  // operator's CA, the owner's password generated into the Secret mlflow-db-app), backed up daily
  // with its WAL archive to the models bucket under cnpg/mlflow/ (through the SeaweedFS CA copied
  // into mlflow as seaweedfs-ca, see README). It creates the namespace mlflow.
  const mlflowDb = new model.CloudNativePgDatabase(workloads, "MlflowDb", {
    connection: dc1Workloads,
    operator: cnpg,
    namespace: "mlflow",
    name: "mlflow-db",
    databaseName: "mlflow",
    storageClass: "local-nvme",
    backupStore: models,
    backupIdentity: dbBackup,
    backupEndpointCaSecretName: "seaweedfs-ca",
  });
  // MLflow lives in this stack, not in onprem-platform, on purpose: its database is a custom
  // resource, which can only be planned after the platform stack has installed CloudNativePG's CRDs.
  // A Helm release in the platform stack would be installed before the database exists. MLflow's
  // chart has no CRDs, so it may sit beside the database, and it reads the operator's Secrets
  // mlflow-db-app (login) and mlflow-db-ca (CA) directly. The release waits for the Cluster to be
  // Ready (below); artifacts go to the models bucket under mlflow/ with the server's S3 keys.
  const registry = new model.ModelRegistry(workloads, "Mlflow", {
    connection: dc1Workloads,
    identity: mlflowIdentity,
    database: mlflowDb,
    databaseCaSecretName: mlflowDb.caSecretName,
    artifactStore: models,
    adminSecretName: "mlflow-admin",
  });
  // Plan and apply order inside the stack: the Cluster first, and MLflow only once it is Ready.
  mlflowDb.cluster.resource.addOverride("wait", { condition: [{ type: "Ready", status: "True" }] });
  registry.chart.release.dependsOn = [...(registry.chart.release.dependsOn ?? []), mlflowDb.cluster.resource.fqn];

  // Training: the torchrun runtime, and one run of the click-through model on the A100 training
  // nodes (all 8 GPUs of one node), admitted by Kueue through the LocalQueue research. It reads the
  // curated clicks, checkpoints to (and resumes from) the checkpoints bucket, writes the model to
  // the models bucket and tracks to MLflow with its lineage (image digest, data version, git revision).
  const torch = trainer.addTorchDistributedRuntime(workloads, "Torch", { connection: dc1Workloads });
  new model.TrainingJob(workloads, "CtrBaseline", {
    connection: dc1Workloads,
    name: "ctr-baseline",
    identity: ctrTrainer,
    runtime: torch,
    queueName: "research",
    image: TRAIN_IMAGE,
    command: ["torchrun", "/app/train.py"],
    cpu: "32",
    memory: "256Gi",
    data: { store: curated, prefix: "clicks/", version: "2026-11-30" },
    checkpoints: { store: checkpoints },
    modelOutput: { store: models },
    registry,
    experimentName: "ctr",
    gitRevision: "3f2c1ab",
  });
  // Retraining every Monday: validate the data, train on the A100s through Kueue, evaluate against
  // the production model on held-out data, register, and move the staging alias only when the
  // candidate is at least as good on AUC and log loss.
  new model.TrainingPipeline(workloads, "Ctr", {
    connection: dc1Workloads,
    workflows: argo,
    registry,
    modelName: "ctr",
    identity: pipelineSteps,
    trainIdentity: pipelineTrainer,
    dataset: { store: curated, prefix: "ctr/train/" },
    heldOutDataset: { store: curated, prefix: "ctr/holdout/" },
    output: { store: checkpoints, prefix: "pipelines/ctr/" },
    image: STEPS_IMAGE,
    trainImage: TRAIN_IMAGE,
    runtime: torch,
    queueName: "research",
    gpusPerNode: 8,
    cpuPerNode: 32,
    memoryGiBPerNode: 256,
    gateMetrics: [
      { name: "auc", greaterIsBetter: true, minDelta: 0.002 },
      { name: "log_loss", greaterIsBetter: false },
    ],
    schedule: "0 4 * * 1",
    timeZone: "UTC",
  });

  return { infra, platform, workloads, cluster };
}

if (require.main === module) {
  const app = new App();
  buildOnPremExample(app);
  app.synth();
}
