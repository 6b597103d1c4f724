/**
 * Reference architecture: hybrid. Data and serving stay on-prem; spot GPU training runs in the
 * cloud on EKS. One app, one state backend, two clusters:
 *
 *   hybrid-infra      the EKS training cluster (its VPC and Karpenter's AWS side), the cloud
 *                     training lake (curated, checkpoints and models zones), MLflow's RDS database,
 *                     and the declared on-prem cluster with its L4 serving nodes
 *   hybrid-platform   namespaces, service accounts and the NVIDIA GPU Operator on both clusters,
 *                     Kueue, Karpenter, MLflow, Kubeflow Trainer and Argo Workflows on the
 *                     training cluster, through aliased providers; on
 *                     the on-prem cluster the data layer: SeaweedFS (the lake), Strimzi, the Spark
 *                     operator, the Feast operator check and Valkey
 *   hybrid-workloads  a Karpenter spot H100 NodePool that scales from zero, and Kueue queues for it;
 *                     the torchrun runtime, a training job and the retraining pipeline with an
 *                     evaluation gate on it; on-prem Kafka, the raw-to-curated Spark job and the
 *                     feature store
 *
 * The site-to-site VPN comes with the hybrid layer (issue #11): until then, bring your own VPN on
 * the virtual private gateway this example attaches to the VPC (see README). Bucket replication
 * between the sites is not built: the cloud trainer reads only a training prefix that the data
centre pushes to the cloud lake (see README, "Training data to the cloud"). Copy this file into your own cdktf app as it is: it imports "strata-ai-infra" as your
 * code would.
 */
import { App, S3Backend, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { VpnGatewayAttachment } from "@cdktf/provider-aws/lib/vpn-gateway-attachment";
import { compute, core, data, model } from "strata-ai-infra";

/** The stacks of the hybrid reference architecture. */
export interface HybridExample {
  readonly infra: TerraformStack;
  readonly platform: TerraformStack;
  readonly workloads: TerraformStack;
  readonly cloud: compute.EksCluster;
  readonly onprem: compute.ExistingCluster;
}

const REGION = "eu-north-1";
/** Placeholder: the virtual private gateway of your site-to-site VPN to the data centre (see README). */
const VPN_GATEWAY_ID = "vgw-0123456789abcdef0";
/** The data centre's network: its CI runners deploy, and the training cluster reaches it. */
const ONPREM_CIDR = "10.0.0.0/16";
/** Placeholders: your training and pipeline-step images, pinned by digest (a run must be reproducible). */
const TRAIN_IMAGE = "123456789012.dkr.ecr.eu-north-1.amazonaws.com/ml/ctr-train@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
const STEPS_IMAGE = "123456789012.dkr.ecr.eu-north-1.amazonaws.com/ml/ctr-steps@sha256:fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";

function stateInS3(app: App, name: string): TerraformStack {
  const stack = new TerraformStack(app, name);
  const backend = new S3Backend(stack, {
    bucket: "acme-hybrid-terraform-state",
    key: `strata/${name}.tfstate`,
    region: REGION,
    encrypt: true,
  });
  backend.addOverride("use_lockfile", true);
  return stack;
}

export function buildHybridExample(app: App, prefix = "hybrid"): HybridExample {
  const infra = stateInS3(app, `${prefix}-infra`);
  new AwsProvider(infra, "aws", { region: REGION });
  core.StrataTags.apply(infra, { owner: "ml-platform", costCentre: "cc-4200", environment: "prod" });

  // Cloud: a training cluster in its own VPC, which must not overlap the on-prem network.
  const cloud = new compute.EksCluster(infra, "TrainingCluster", {
    clusterName: "ml-training",
    vpcCidr: "10.64.0.0/16",
    zoneCount: 2,
    // Runner access: deploys run from the data centre's CI runners, which reach the private API
    // endpoint over the site-to-site VPN on 443; the route back is added below.
    endpointAccessCidrs: [ONPREM_CIDR],
    // System capacity: two nodes always; the maximum is sized at synth from what the platform stack
    // installs, and the Cluster Autoscaler (platform stack) grows the group into it.
    systemInstanceTypes: ["m7i.xlarge"],
    systemMinNodes: 2,
    karpenter: true,
  });
  // The way back to the data centre: attach the VPN's virtual private gateway to the VPC and route
  // the on-prem range to it (a static route; propagatingVpnGatewayId would take the VPN's routes
  // instead). The route names the attachment's gateway id, so Terraform creates it after the attachment.
  const vgw = new VpnGatewayAttachment(infra, "VpnGatewayAttachment", { vpcId: cloud.vpc!.vpc.id, vpnGatewayId: VPN_GATEWAY_ID });
  cloud.vpc!.addPrivateRoute({ destinationCidr: ONPREM_CIDR, vpnGatewayId: vgw.vpnGatewayId });
  const trainer = cloud.addWorkloadIdentity("TrainerIdentity", { namespace: "ml-training", serviceAccountName: "trainer" });
  // The cloud side of the lake: the trainer reads only the training snapshots pushed from the data
  // centre (curated/training/) and keeps its checkpoints; the data itself stays on-prem. The models
  // zone holds MLflow's artifacts and the trained models.
  const cloudLake = new data.S3DataLake(infra, "TrainingLake", {
    bucketPrefix: "acme-hybrid-ml",
    zones: [data.LakeZone.CURATED, data.LakeZone.CHECKPOINTS, data.LakeZone.MODELS],
  });
  const trainingData = cloudLake.zone(data.LakeZone.CURATED);
  trainingData.grantRead(trainer, { prefix: "training/" });
  cloudLake.zone(data.LakeZone.CHECKPOINTS).grantReadWrite(trainer);
  // The registry lives in the cloud, beside training: MLflow's backend store on RDS for PostgreSQL
  // (Multi-AZ, its own KMS key, TLS enforced, 7-day backups, deletion protection) in the training
  // cluster's private subnets, reachable only from its cluster security group.
  const mlflowDb = new model.RdsPostgresDatabase(infra, "MlflowDb", {
    identifier: "ml-training-mlflow",
    databaseName: "mlflow",
    vpcId: cloud.vpc!.vpc.id,
    subnetIds: cloud.subnetIds,
    allowedSecurityGroupIds: [cloud.resource.vpcConfig.clusterSecurityGroupId],
  });
  // Model layer identities on the training cluster: the MLflow server, and the pipeline's steps and
  // training pods (in Argo's namespace). The example training job runs as trainer.
  const mlflowIdentity = cloud.addWorkloadIdentity("MlflowIdentity", { namespace: "mlflow", serviceAccountName: "mlflow" });
  const pipelineSteps = cloud.addWorkloadIdentity("PipelineIdentity", { namespace: "ml-pipelines", serviceAccountName: "ctr-pipeline" });
  const pipelineTrainer = cloud.addWorkloadIdentity("PipelineTrainerIdentity", { namespace: "ml-pipelines", serviceAccountName: "ctr-train" });

  // On-prem: data and serving, on GPUs the company already owns.
  const onprem = new compute.ExistingCluster(infra, "OnPremCluster", {
    clusterName: "dc1",
    kubeconfigContext: "dc1-admin",
    gpuNodes: [
      { name: "l4-inference", gpu: core.Gpu.NVIDIA_L4, nodeCount: 3, gpusPerNode: 2, taints: [core.Scheduling.gpuTaint()] },
    ],
  });
  const server = onprem.addWorkloadIdentity("ServingIdentity", { namespace: "ml-serving", serviceAccountName: "model-server" });
  const ingest = onprem.addWorkloadIdentity("IngestIdentity", { namespace: "ingest", serviceAccountName: "clicks-producer" });
  const sink = onprem.addWorkloadIdentity("SinkIdentity", { namespace: "ingest", serviceAccountName: "clicks-sink" });
  const etl = onprem.addWorkloadIdentity("EtlIdentity", { namespace: "spark-jobs", serviceAccountName: "curate-clicks" });
  const featureServer = onprem.addWorkloadIdentity("FeastIdentity", { namespace: "feast", serviceAccountName: "feast-ml" });
  const materializer = onprem.addWorkloadIdentity("FeastMaterializeIdentity", { namespace: "feast", serviceAccountName: "feast-ml-materialize" });

  // One platform stack talks to both clusters: each connection has its own provider alias.
  const platform = stateInS3(app, `${prefix}-platform`);
  const toCloud = cloud.connect(platform, "Cloud", { alias: "cloud" });
  // trainer's service account is created by the training job that runs as it (workloads stack).
  toCloud.addNamespace("ml-training");
  const toOnPrem = onprem.connect(platform, "OnPrem", { alias: "onprem" });
  toOnPrem.addNamespace("ml-serving");
  toOnPrem.addServiceAccount(server);
  toOnPrem.addNamespace("ingest");
  toOnPrem.addServiceAccount(ingest);
  toOnPrem.addServiceAccount(sink);
  // The DCGM ServiceMonitors need the prometheus-operator CRDs, which the ops layer installs.
  new compute.GpuOperator(platform, "CloudGpuOperator", { connection: toCloud, serviceMonitor: false });
  new compute.GpuOperator(platform, "OnPremGpuOperator", { connection: toOnPrem, serviceMonitor: false });
  new compute.Kueue(platform, "CloudKueue", { connection: toCloud });
  new compute.KarpenterController(platform, "CloudKarpenter", { connection: toCloud, infra: compute.KarpenterInfra.of(cloud) });
  new compute.ClusterAutoscaler(platform, "CloudClusterAutoscaler", { connection: toCloud });
  // MLflow on the training cluster (namespace mlflow): backend store on RDS with the user and
  // password synced from Secrets Manager into the Secret mlflow-db, TLS verified with the RDS CA
  // bundle (Secret rds-ca), artifacts in the cloud lake's models zone under mlflow/ through the
  // server's Pod Identity role, basic-auth with the administrator from mlflow-admin (see README).
  const registry = new model.ModelRegistry(platform, "Mlflow", {
    connection: toCloud,
    identity: mlflowIdentity,
    database: mlflowDb,
    databaseSecretName: "mlflow-db",
    databaseCaSecretName: "rds-ca",
    artifactStore: cloudLake.zone(data.LakeZone.MODELS),
    region: REGION,
    adminSecretName: "mlflow-admin",
  });
  // Kubeflow Trainer (with JobSet) and Argo Workflows on the training cluster. It has NAT egress, so
  // Argo's CRD hook Job downloads the full CRDs from GitHub (chosen on purpose: nothing to host).
  const trainingRuntime = new model.TrainingRuntime(platform, "CloudTrainer", { connection: toCloud });
  const argo = new model.ArgoWorkflows(platform, "CloudPipelines", {
    connection: toCloud,
    artifactStore: cloudLake.zone(data.LakeZone.MODELS),
    artifactRegion: REGION,
    crdInstall: model.ArgoCrdInstall.DOWNLOAD_FROM_GITHUB,
  });

  // The data layer runs on-prem, next to the data: SeaweedFS buckets as the lake's zones.
  // cert-manager issues SeaweedFS's certificates (its CA, the S3 gateway's HTTPS, mTLS between components).
  new core.CertManager(platform, "CertManager", { connection: toOnPrem });
  const store = new data.SeaweedFsObjectStore(platform, "LakeStore", {
    connection: toOnPrem,
    s3ConfigSecretName: "seaweedfs-s3-identities",
    storageClassName: "local-nvme",
    clientNamespaces: ["ingest", "spark-jobs", "feast", "ml-serving"],
  });
  const raw = store.bucket("Raw", "lake-raw");
  const curated = store.bucket("Curated", "lake-curated");
  const features = store.bucket("Features", "lake-features");
  const models = store.bucket("Models", "lake-models");
  raw.grantWrite(sink, { prefix: "clicks/" });
  models.grantRead(server);
  toOnPrem.addNamespace("streaming", { isolation: core.NamespaceIsolation.NONE });
  new data.StrimziKafkaOperator(platform, "Strimzi", { connection: toOnPrem, watchNamespaces: ["streaming"] });
  new data.SparkOperator(platform, "Spark", { connection: toOnPrem, jobNamespaces: ["spark-jobs"] });
  const feast = new data.FeastOperator(platform, "Feast", { connection: toOnPrem });
  toOnPrem.addNamespace("feast");
  const online = new data.ValkeyOnlineStore(platform, "OnlineStore", {
    connection: toOnPrem,
    namespace: "feast",
    authSecretName: "valkey-users",
    tlsSecretName: "valkey-tls",
  });

  // Spot H100s, 8 per node, only while training jobs run.
  const workloads = stateInS3(app, `${prefix}-workloads`);
  const cloudWorkloads = cloud.connect(workloads, "Cloud", { alias: "cloud" });
  new compute.KarpenterGpuNodePools(workloads, "TrainingNodePools", {
    connection: cloudWorkloads,
    cluster: cloud,
    infra: compute.KarpenterInfra.of(cloud),
    gpus: [core.Gpu.NVIDIA_H100_80GB],
    gpusPerNode: 8,
    onDemand: false,
    maxGpus: 32,
  });
  new compute.GpuQueueing(workloads, "Queues", {
    connection: cloudWorkloads,
    // A LocalQueue "research" in each namespace: the training jobs and the pipeline's TrainJobs.
    teams: [{ name: "research", namespaces: ["ml-training", "ml-pipelines"], gpuQuota: 32 }],
  });

  // Training on the spot H100s: the torchrun runtime, and one run of the click-through model (one
  // node, all 8 GPUs) admitted by Kueue through the LocalQueue research, as trainer (the job creates
  // its service account). It reads the pushed training snapshot, checkpoints to (and resumes from)
  // the checkpoints zone, writes the model to the models zone and tracks to MLflow with its lineage.
  const torch = trainingRuntime.addTorchDistributedRuntime(workloads, "Torch", { connection: cloudWorkloads });
  new model.TrainingJob(workloads, "CtrBaseline", {
    connection: cloudWorkloads,
    name: "ctr-baseline",
    identity: trainer,
    runtime: torch,
    queueName: "research",
    image: TRAIN_IMAGE,
    command: ["torchrun", "/app/train.py"],
    cpu: "96",
    memory: "1000Gi",
    data: { store: trainingData, prefix: "training/clicks/", version: "2026-11-30" },
    checkpoints: { store: cloudLake.zone(data.LakeZone.CHECKPOINTS) },
    modelOutput: { store: cloudLake.zone(data.LakeZone.MODELS) },
    registry,
    experimentName: "ctr",
    gitRevision: "3f2c1ab",
  });
  // Retraining every Monday on the pushed snapshot: validate, train through Kueue, evaluate against
  // the production model on held-out data, register, and move the staging alias only when the
  // candidate is at least as good on AUC and log loss.
  new model.TrainingPipeline(workloads, "Ctr", {
    connection: cloudWorkloads,
    workflows: argo,
    registry,
    modelName: "ctr",
    identity: pipelineSteps,
    trainIdentity: pipelineTrainer,
    dataset: { store: trainingData, prefix: "training/ctr/train/" },
    heldOutDataset: { store: trainingData, prefix: "training/ctr/holdout/" },
    output: { store: cloudLake.zone(data.LakeZone.CHECKPOINTS), prefix: "pipelines/ctr/" },
    image: STEPS_IMAGE,
    trainImage: TRAIN_IMAGE,
    runtime: torch,
    queueName: "research",
    gpusPerNode: 8,
    cpuPerNode: 96,
    memoryGiBPerNode: 1000,
    gateMetrics: [
      { name: "auc", greaterIsBetter: true, minDelta: 0.002 },
      { name: "log_loss", greaterIsBetter: false },
    ],
    schedule: "0 4 * * 1",
    timeZone: "UTC",
  });

  // On-prem: the stream, the gated transformation and the feature store.
  const onPremWorkloads = onprem.connect(workloads, "OnPrem", { alias: "onprem" });
  const kafka = new data.StrimziKafkaCluster(workloads, "Kafka", {
    connection: onPremWorkloads,
    clusterName: "events",
    namespace: "streaming",
    storageClass: "local-nvme",
  });
  kafka.addTopic("Clicks", { topicName: "clicks", partitions: 6, retentionHours: 168 });
  kafka.grantProduce(ingest, { topics: ["clicks"] });
  kafka.grantConsume(sink, { topics: ["clicks"] });
  new data.SparkJob(workloads, "CurateClicks", {
    connection: onPremWorkloads,
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
  new data.FeatureStore(workloads, "Features", {
    connection: onPremWorkloads,
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

  return { infra, platform, workloads, cloud, onprem };
}

if (require.main === module) {
  const app = new App();
  buildHybridExample(app);
  app.synth();
}
