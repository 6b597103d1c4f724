/**
 * Reference architecture: an AI platform on Google Cloud (GKE).
 *
 *   gcp-infra      VPC with Cloud NAT, GKE cluster (private nodes and IP endpoint, IAM-authenticated
 *                  DNS endpoint, Workload Identity, Dataplane V2, Cloud KMS secrets encryption), an L4
 *                  inference pool, an H100 spot training pool, workload identities; Cloud SQL for
 *                  PostgreSQL (private IP through Private Service Access, CMEK) for MLflow
 *   gcp-platform   namespaces, service accounts, the NVIDIA GPU Operator and Kueue (Helm); MLflow
 *                  on Cloud SQL with the lake's models zone, Kubeflow Trainer, Argo Workflows
 *   gcp-workloads  Kueue flavors, team queues and priority classes (custom resources); the torchrun
 *                  training runtime, a training job on spot H100s through Kueue and the retraining
 *                  pipeline with an evaluation gate
 *
 * Deploy with `cdktf deploy gcp-infra gcp-platform gcp-workloads` from any runner with Google
 * credentials: the later stacks reach the cluster through its DNS-based endpoint. Copy this file
 * into your own cdktf app as it is: it imports "strata-ai-infra" as your code would.
 */
import { App, GcsBackend, TerraformStack } from "cdktf";
import { GoogleProvider } from "@cdktf/provider-google/lib/provider";
import { KmsCryptoKey } from "@cdktf/provider-google/lib/kms-crypto-key";
import { SecretV1 } from "@cdktf/provider-kubernetes/lib/secret-v1";
import { compute, core, data, model } from "strata-ai-infra";

/** The stacks of the GCP reference architecture. */
export interface GcpExample {
  readonly infra: TerraformStack;
  readonly platform: TerraformStack;
  readonly workloads: TerraformStack;
  readonly cluster: compute.GkeCluster;
}

const PROJECT = "acme-ml-prod";
const REGION = "us-central1";
/** Placeholders: your training and pipeline-step images, pinned by digest (a run must be reproducible). */
const TRAIN_IMAGE = "us-central1-docker.pkg.dev/acme-ml-prod/ml/ctr-train@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
const STEPS_IMAGE = "us-central1-docker.pkg.dev/acme-ml-prod/ml/ctr-steps@sha256:fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";

/** A stack whose state lives in Cloud Storage (GCS locks state natively). */
function stateInGcs(app: App, name: string): TerraformStack {
  const stack = new TerraformStack(app, name);
  new GcsBackend(stack, { bucket: "acme-ml-terraform-state", prefix: `strata/${name}` });
  return stack;
}

export function buildGcpExample(app: App, prefix = "gcp"): GcpExample {
  // 1. infra: network, cluster, GPU pools, identities.
  const infra = stateInGcs(app, `${prefix}-infra`);
  new GoogleProvider(infra, "google", { project: PROJECT, region: REGION });
  core.StrataTags.apply(infra, { owner: "ml-platform", costCentre: "cc-4200", environment: "prod" });

  const cluster = new compute.GkeCluster(infra, "Cluster", {
    clusterName: "ml-prod",
    project: PROJECT,
    location: REGION,
    // Runner access: the platform and workloads stacks connect through GKE's DNS-based endpoint,
    // which checks the caller's Google credentials (IAM permission container.clusters.connect), so a
    // CI runner anywhere can apply them without a VPN or a public IP endpoint. The IP endpoint stays
    // private. (Off by default: this is the explicit opt-in. Over VPN instead: leave it off, put the
    // runners' range in masterAuthorizedCidrs and route to the control plane's range: see docs/compute.md.)
    dnsEndpoint: true,
    // System capacity: every GPU node is tainted, so operators and controllers run here. One node per
    // zone always; GKE's autoscaler grows the pool up to a maximum sized at synth from what the
    // platform stack installs.
    systemMachineType: "e2-standard-4",
    systemMinNodes: 1,
  });
  // Serving: on-demand L4s, one warm node. Google's driver installer and the GPU Operator's device
  // plugin (both from GpuOperator below); GkeGpuDriverMode.GKE_MANAGED leaves both to GKE instead.
  cluster.addGpuNodePool("InferencePool", {
    gpu: core.Gpu.NVIDIA_L4,
    maxNodes: 4,
    driverMode: compute.GkeGpuDriverMode.OPERATOR_DEVICE_PLUGIN,
  });
  // Training: Spot H100s, 8 per node, scaling to zero when no job runs.
  cluster.addSpotTrainingPool("TrainingPool", {
    gpu: core.Gpu.NVIDIA_H100_80GB,
    gpusPerNode: 8,
    maxGpus: 16,
    driverMode: compute.GkeGpuDriverMode.OPERATOR_DEVICE_PLUGIN,
  });

  const training = cluster.addWorkloadIdentity("TrainingIdentity", { namespace: "ml-training", serviceAccountName: "trainer" });
  const serving = cluster.addWorkloadIdentity("ServingIdentity", { namespace: "ml-serving", serviceAccountName: "model-server" });
  // Data layer identities: one per workload, so each gets only its own grants.
  const ingest = cluster.addWorkloadIdentity("IngestIdentity", { namespace: "ingest", serviceAccountName: "clicks-producer" });
  const sink = cluster.addWorkloadIdentity("SinkIdentity", { namespace: "ingest", serviceAccountName: "clicks-sink" });
  const etl = cluster.addWorkloadIdentity("EtlIdentity", { namespace: "spark-jobs", serviceAccountName: "curate-clicks" });
  // The data lake: a bucket per zone (CMEK, uniform access, no public access, versioned, soft
  // delete, lifecycle, protected).
  const lake = new data.GcsDataLake(infra, "Lake", { bucketPrefix: "acme-ml-lake", project: PROJECT, location: REGION });
  const raw = lake.zone(data.LakeZone.RAW);
  const curated = lake.zone(data.LakeZone.CURATED);
  lake.zone(data.LakeZone.FEATURES).grantRead(training);
  lake.zone(data.LakeZone.CHECKPOINTS).grantReadWrite(training);
  lake.zone(data.LakeZone.MODELS).grantWrite(training);
  lake.zone(data.LakeZone.MODELS).grantRead(serving);
  // The stream: Pub/Sub with its own key on the lake's key ring (the Pub/Sub service agent gets
  // only this key, not the lake's), a dead-letter topic and one subscription for the sink.
  const streamKey = new KmsCryptoKey(infra, "StreamKey", {
    name: "stream",
    keyRing: lake.keyRing.id,
    rotationPeriod: "7776000s",
    lifecycle: { preventDestroy: true },
  });
  const clicks = new data.PubSubEventStream(infra, "Clicks", {
    project: PROJECT,
    topicName: "clicks",
    kmsKeyName: streamKey.id,
    messageRetentionHours: 168,
  });
  clicks.addSubscription("Sink", { subscriptionName: "clicks-sink" });
  clicks.grantProduce(ingest);
  clicks.grantConsume(sink);
  raw.grantWrite(sink, { prefix: "clicks/" });
  // Feast's online store: Memorystore for Redis (STANDARD_HA, AUTH, TLS on 6378) with its own key on
  // the lake's key ring; its AUTH string is copied into Secret Manager. Direct peering with the
  // cluster's network (private service access needs a private services connection first).
  const featureServer = cluster.addWorkloadIdentity("FeastIdentity", { namespace: "feast", serviceAccountName: "feast-ml" });
  const materializer = cluster.addWorkloadIdentity("FeastMaterializeIdentity", { namespace: "feast", serviceAccountName: "feast-ml-materialize" });
  const onlineKey = new KmsCryptoKey(infra, "OnlineStoreKey", {
    name: "online-store",
    keyRing: lake.keyRing.id,
    rotationPeriod: "7776000s",
    lifecycle: { preventDestroy: true },
  });
  const online = new data.MemorystoreOnlineStore(infra, "OnlineStore", {
    project: PROJECT,
    region: REGION,
    instanceName: "ml-prod-feast",
    authorizedNetwork: cluster.network!.network.id,
    kmsKeyName: onlineKey.id,
    privateServiceAccess: false,
  });
  // The model layer's database: MLflow's backend store on Cloud SQL for PostgreSQL (regional, private
  // IP only, TLS required, backups with point-in-time recovery, deletion protection), encrypted with
  // its own key on the lake's key ring. Private IP needs Private Service Access on the cluster's
  // network: a reserved range outside the nodes, Pods and Services ranges, and the peering.
  const psa = cluster.network!.addPrivateServiceAccess("10.16.0.0/20");
  const sqlKey = new KmsCryptoKey(infra, "MlflowDbKey", {
    name: "mlflow-db",
    keyRing: lake.keyRing.id,
    rotationPeriod: "7776000s",
    lifecycle: { preventDestroy: true },
  });
  const mlflowDb = new model.CloudSqlPostgresDatabase(infra, "MlflowDb", {
    project: PROJECT,
    region: REGION,
    instanceName: "ml-prod-mlflow",
    databaseName: "mlflow",
    privateNetwork: cluster.network!.network.id,
    privateServiceConnection: psa,
    kmsKeyName: sqlKey.id,
  });
  // Model layer identities: the MLflow server (the only one that touches its artifact prefix), the
  // example training job, and the pipeline's steps and training pods (in Argo's namespace).
  const mlflowIdentity = cluster.addWorkloadIdentity("MlflowIdentity", { namespace: "mlflow", serviceAccountName: "mlflow" });
  const ctrTrainer = cluster.addWorkloadIdentity("CtrTrainerIdentity", { namespace: "ml-training", serviceAccountName: "ctr-baseline" });
  const pipelineSteps = cluster.addWorkloadIdentity("PipelineIdentity", { namespace: "ml-pipelines", serviceAccountName: "ctr-pipeline" });
  const pipelineTrainer = cluster.addWorkloadIdentity("PipelineTrainerIdentity", { namespace: "ml-pipelines", serviceAccountName: "ctr-train" });

  // 2. platform: namespaces, service accounts, operators.
  const platform = stateInGcs(app, `${prefix}-platform`);
  const ml = cluster.connect(platform, "MlProd");
  ml.addNamespace("ml-training");
  ml.addNamespace("ml-serving");
  ml.addServiceAccount(training);
  ml.addServiceAccount(serving);
  ml.addNamespace("ingest");
  ml.addServiceAccount(ingest);
  ml.addServiceAccount(sink);
  // The DCGM ServiceMonitor needs the prometheus-operator CRDs, which the ops layer installs.
  new compute.GpuOperator(platform, "GpuOperator", { connection: ml, serviceMonitor: false });
  new compute.Kueue(platform, "Kueue", { connection: ml });
  // Spark jobs run in spark-jobs (created by the operator, restricted Pod Security).
  new data.SparkOperator(platform, "Spark", { connection: ml, jobNamespaces: ["spark-jobs"] });
  // The Feast operator is a checked prerequisite (kubectl apply of its pinned release manifest).
  const feast = new data.FeastOperator(platform, "Feast", { connection: ml });
  ml.addNamespace("feast");
  // MLflow (namespace mlflow): backend store on Cloud SQL with the password user's login synced from
  // Secret Manager into the Secret mlflow-db (see README), TLS verified against the instance's CA
  // (the CA certificate is public: it comes from the infra stack into the Secret cloudsql-ca),
  // artifacts in the lake's models zone under mlflow/ through the server's Workload Identity,
  // basic-auth with the administrator from mlflow-admin.
  const mlflowNamespace = ml.addNamespace("mlflow");
  new SecretV1(platform, "MlflowDbCa", {
    provider: ml.kubernetesProvider,
    metadata: { name: "cloudsql-ca", namespace: mlflowNamespace.metadata.name },
    data: { "ca.crt": mlflowDb.serverCaCert },
  });
  const registry = new model.ModelRegistry(platform, "Mlflow", {
    connection: ml,
    identity: mlflowIdentity,
    database: mlflowDb,
    databaseSecretName: "mlflow-db",
    databaseCaSecretName: "cloudsql-ca",
    artifactStore: lake.zone(data.LakeZone.MODELS),
    adminSecretName: "mlflow-admin",
  });
  // Kubeflow Trainer (with JobSet); its torchrun runtime is a custom resource (workloads).
  const trainer = new model.TrainingRuntime(platform, "Trainer", { connection: ml });
  // Argo Workflows in ml-pipelines. The nodes reach the internet through Cloud NAT, so the chart's
  // hook Job downloads the full CRDs from GitHub (chosen on purpose: no mirror to host, full schemas).
  const argo = new model.ArgoWorkflows(platform, "Pipelines", {
    connection: ml,
    artifactStore: lake.zone(data.LakeZone.MODELS),
    crdInstall: model.ArgoCrdInstall.DOWNLOAD_FROM_GITHUB,
  });

  // 3. workloads: queues that fill spot capacity first.
  const workloads = stateInGcs(app, `${prefix}-workloads`);
  const mlWorkloads = cluster.connect(workloads, "MlProd");
  new compute.GpuQueueing(workloads, "Queues", {
    connection: mlWorkloads,
    poolNames: ["nvidia-h100-80gb-spot-training"], // training never queues onto the serving pool
    // A LocalQueue "research" in each namespace: the training jobs and the pipeline's TrainJobs.
    teams: [{ name: "research", namespaces: ["ml-training", "ml-pipelines"], gpuQuota: 16 }],
  });

  // The transformation: raw clicks to curated clicks every night, gated so bad data is not written.
  new data.SparkJob(workloads, "CurateClicks", {
    connection: mlWorkloads,
    identity: etl,
    image: "us-central1-docker.pkg.dev/acme-ml-prod/ml/etl:1.4.2",
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

  // The feature store: one Feast definition for training (parquet in the features zone) and serving
  // (Memorystore), registry in the features zone, materialized hourly.
  new data.FeatureStore(workloads, "Features", {
    connection: mlWorkloads,
    operator: feast,
    namespace: "feast",
    name: "ml",
    feastProject: "ml_features",
    identity: featureServer,
    materializationIdentity: materializer,
    offlineStore: data.OfflineStore.lake(lake.zone(data.LakeZone.FEATURES)),
    onlineStore: online,
    onlineStorePasswordSecretName: "feast-redis",
    tlsSecretName: "feast-tls",
    featureRepoGitUrl: "https://github.com/acme/ml-features.git",
    featureRepoGitRef: "v1.0.0",
  });

  // Training: the torchrun runtime, and one run of the click-through model on a spot H100 node (all
  // 8 GPUs) of the training pool, admitted by Kueue through the LocalQueue research. It reads the
  // curated clicks, checkpoints to (and resumes from) the checkpoints zone, writes the model to the
  // models zone and tracks to MLflow with its lineage (image digest, data version, git revision).
  const torch = trainer.addTorchDistributedRuntime(workloads, "Torch", { connection: mlWorkloads });
  new model.TrainingJob(workloads, "CtrBaseline", {
    connection: mlWorkloads,
    name: "ctr-baseline",
    identity: ctrTrainer,
    runtime: torch,
    queueName: "research",
    image: TRAIN_IMAGE,
    command: ["torchrun", "/app/train.py"],
    gpusPerNode: 8,
    cpu: "96",
    memory: "640Gi",
    data: { store: curated, prefix: "clicks/", version: "2026-11-30" },
    checkpoints: { store: lake.zone(data.LakeZone.CHECKPOINTS) },
    modelOutput: { store: lake.zone(data.LakeZone.MODELS) },
    registry,
    experimentName: "ctr",
    gitRevision: "3f2c1ab",
  });
  // Retraining every Monday: validate the data, train on spot H100s through Kueue, evaluate against
  // the production model on held-out data, register, and move the staging alias only when the
  // candidate is at least as good on AUC and log loss.
  new model.TrainingPipeline(workloads, "Ctr", {
    connection: mlWorkloads,
    workflows: argo,
    registry,
    modelName: "ctr",
    identity: pipelineSteps,
    trainIdentity: pipelineTrainer,
    dataset: { store: curated, prefix: "ctr/train/" },
    heldOutDataset: { store: curated, prefix: "ctr/holdout/" },
    output: { store: lake.zone(data.LakeZone.CHECKPOINTS), prefix: "pipelines/ctr/" },
    image: STEPS_IMAGE,
    trainImage: TRAIN_IMAGE,
    runtime: torch,
    queueName: "research",
    gpusPerNode: 8,
    cpuPerNode: 96,
    memoryGiBPerNode: 640,
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
  buildGcpExample(app);
  app.synth();
}
