/**
 * Reference architecture: an AI platform on AWS (EKS).
 *
 *   aws-infra      VPC, EKS cluster (private endpoint, KMS, logs, Pod Identity), a fixed-size L4
 *                  inference node group as the serving baseline, Karpenter's IAM and interruption
 *                  queue, workload identities
 *   aws-platform   namespaces, service accounts, the NVIDIA GPU Operator, Kueue and Karpenter (Helm);
 *                  MLflow on RDS with the lake's models zone, Kubeflow Trainer, Argo Workflows
 *   aws-workloads  Karpenter GPU NodePools (on-demand L4/A10G for serving bursts, spot L4/A10G for
 *                  training, from zero), a Kueue flavor and a team queue on the spot capacity; the
 *                  torchrun training runtime, a training job on spot GPUs through Kueue and the
 *                  retraining pipeline with an evaluation gate (model layer)
 *
 * Deploy with `cdktf deploy aws-infra aws-platform aws-workloads` from a runner that can reach the
 * private API endpoint (inside the VPC, or over VPN). Copy this file into your own cdktf app as it
 * is: it imports "strata-ai-infra" as your code would.
 */
import { App, S3Backend, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { Ec2TransitGatewayVpcAttachment } from "@cdktf/provider-aws/lib/ec2-transit-gateway-vpc-attachment";
import { compute, core, data, model } from "strata-ai-infra";

/** The stacks of the AWS reference architecture. */
export interface AwsExample {
  readonly infra: TerraformStack;
  readonly platform: TerraformStack;
  readonly workloads: TerraformStack;
  readonly cluster: compute.EksCluster;
}

const REGION = "us-east-1";
const STATE_BUCKET = "acme-ml-terraform-state";
/** Placeholder: your transit gateway, which reaches the CI runners' VPC and the VPN (see README). */
const TRANSIT_GATEWAY_ID = "tgw-0123456789abcdef0";
/** The networks the deploys run from: the CI runners' VPC and the VPN's client range. */
const RUNNER_CIDRS = ["10.100.0.0/16", "172.20.0.0/22"];
/** Placeholders: your training and pipeline-step images, pinned by digest (a run must be reproducible). */
const TRAIN_IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/ml/ctr-train@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
const STEPS_IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/ml/ctr-steps@sha256:fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";

/** A stack whose state lives in S3, encrypted, with S3-native locking (`use_lockfile`). */
function stateInS3(app: App, name: string): TerraformStack {
  const stack = new TerraformStack(app, name);
  const backend = new S3Backend(stack, { bucket: STATE_BUCKET, key: `strata/${name}.tfstate`, region: REGION, encrypt: true });
  backend.addOverride("use_lockfile", true);
  return stack;
}

export function buildAwsExample(app: App, prefix = "aws"): AwsExample {
  // 1. infra: network, cluster, GPU node groups, keys, identities.
  const infra = stateInS3(app, `${prefix}-infra`);
  new AwsProvider(infra, "aws", { region: REGION });
  core.StrataTags.apply(infra, { owner: "ml-platform", costCentre: "cc-4200", environment: "prod" });

  const cluster = new compute.EksCluster(infra, "Cluster", {
    clusterName: "ml-prod",
    zoneCount: 3,
    // Runner access: the API endpoint stays private; CI runners in the tools VPC and the VPN's client
    // range, both behind the transit gateway, reach it on 443 (see docs/compute.md, "Reaching the
    // private endpoint"). The route back to them is added below.
    endpointAccessCidrs: RUNNER_CIDRS,
    // System capacity: every GPU node is tainted, so operators and controllers run here. Two nodes
    // always; the maximum is sized at synth from what the platform stack installs, and the Cluster
    // Autoscaler (platform stack) grows the group into it.
    systemInstanceTypes: ["m7i.xlarge"],
    systemMinNodes: 2,
    adminRoleArns: ["arn:aws:iam::123456789012:role/platform-admins"],
    karpenter: true,
  });
  // The way back to the runners: attach the VPC to the transit gateway and route the runner networks
  // to it from every private route table. The routes name the attachment's transit gateway id, so
  // Terraform creates them after the attachment (AWS rejects a route to an unattached gateway).
  const tgw = new Ec2TransitGatewayVpcAttachment(infra, "TransitGatewayAttachment", {
    transitGatewayId: TRANSIT_GATEWAY_ID,
    vpcId: cluster.vpc!.vpc.id,
    subnetIds: cluster.subnetIds,
    tags: { Name: "ml-prod" },
  });
  for (const cidr of RUNNER_CIDRS) cluster.vpc!.addPrivateRoute({ destinationCidr: cidr, transitGatewayId: tgw.transitGatewayId });

  // Serving baseline: two on-demand L4 nodes, never spot. A managed node group only changes size
  // under the Cluster Autoscaler, so it is fixed-size; Karpenter (below) adds elastic capacity.
  cluster.addGpuNodePool("InferencePool", { gpu: core.Gpu.NVIDIA_L4, minNodes: 2, maxNodes: 2 });

  const training = cluster.addWorkloadIdentity("TrainingIdentity", { namespace: "ml-training", serviceAccountName: "trainer" });
  const serving = cluster.addWorkloadIdentity("ServingIdentity", { namespace: "ml-serving", serviceAccountName: "model-server" });
  // Data layer identities: one per workload, so each gets only its own grants.
  const ingest = cluster.addWorkloadIdentity("IngestIdentity", { namespace: "ingest", serviceAccountName: "clicks-producer" });
  const sink = cluster.addWorkloadIdentity("SinkIdentity", { namespace: "ingest", serviceAccountName: "clicks-sink" });
  const etl = cluster.addWorkloadIdentity("EtlIdentity", { namespace: "spark-jobs", serviceAccountName: "curate-clicks" });
  // The data lake: a bucket per zone (KMS, versioned, private, TLS-only, logged, protected).
  const lake = new data.S3DataLake(infra, "Lake", { bucketPrefix: "acme-ml-lake" });
  const raw = lake.zone(data.LakeZone.RAW);
  const curated = lake.zone(data.LakeZone.CURATED);
  lake.zone(data.LakeZone.FEATURES).grantRead(training);
  lake.zone(data.LakeZone.CHECKPOINTS).grantReadWrite(training);
  lake.zone(data.LakeZone.MODELS).grantWrite(training);
  lake.zone(data.LakeZone.MODELS).grantRead(serving);
  // The stream: Kinesis (on-demand, KMS); the producer only writes, the sink only reads and
  // lands the records in the raw zone.
  const clicks = new data.KinesisEventStream(infra, "Clicks", { streamName: "clicks", retentionHours: 168 });
  clicks.grantProduce(ingest);
  clicks.grantConsume(sink);
  raw.grantWrite(sink, { prefix: "clicks/" });
  // Feast's online store: ElastiCache (Valkey), TLS, a CMK at rest, Multi-AZ, reachable only from the
  // cluster's nodes. Feast logs in with a password: the AUTH token lives in Secrets Manager (create
  // it first) and reaches the pods as the Kubernetes Secret feast-redis (synced, e.g. by External Secrets).
  const featureServer = cluster.addWorkloadIdentity("FeastIdentity", { namespace: "feast", serviceAccountName: "feast-ml" });
  const materializer = cluster.addWorkloadIdentity("FeastMaterializeIdentity", { namespace: "feast", serviceAccountName: "feast-ml-materialize" });
  const online = new data.ElastiCacheOnlineStore(infra, "OnlineStore", {
    replicationGroupId: "ml-prod-feast",
    vpcId: cluster.vpc!.vpc.id,
    subnetIds: cluster.subnetIds,
    allowedSecurityGroupIds: [cluster.resource.vpcConfig.clusterSecurityGroupId],
    authentication: data.ElastiCacheAuthentication.AUTH_TOKEN,
    authTokenSecretArn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:ml-prod-feast-redis-AbCdEf",
  });
  // The model layer's database: MLflow's backend store on RDS for PostgreSQL (Multi-AZ, its own KMS
  // key, TLS enforced, 7-day backups, deletion protection), in the cluster's private subnets and
  // reachable only from the cluster security group. RDS keeps the master password in Secrets Manager.
  const mlflowDb = new model.RdsPostgresDatabase(infra, "MlflowDb", {
    identifier: "ml-prod-mlflow",
    databaseName: "mlflow",
    vpcId: cluster.vpc!.vpc.id,
    subnetIds: cluster.subnetIds,
    allowedSecurityGroupIds: [cluster.resource.vpcConfig.clusterSecurityGroupId],
  });
  // Model layer identities: the MLflow server (the only one that touches its artifact prefix), the
  // example training job, and the pipeline's steps and training pods (in Argo's namespace).
  const mlflowIdentity = cluster.addWorkloadIdentity("MlflowIdentity", { namespace: "mlflow", serviceAccountName: "mlflow" });
  const ctrTrainer = cluster.addWorkloadIdentity("CtrTrainerIdentity", { namespace: "ml-training", serviceAccountName: "ctr-baseline" });
  const pipelineSteps = cluster.addWorkloadIdentity("PipelineIdentity", { namespace: "ml-pipelines", serviceAccountName: "ctr-pipeline" });
  const pipelineTrainer = cluster.addWorkloadIdentity("PipelineTrainerIdentity", { namespace: "ml-pipelines", serviceAccountName: "ctr-train" });

  // 2. platform: providers wired to the cluster through cross-stack references; operators.
  const platform = stateInS3(app, `${prefix}-platform`);
  const ml = cluster.connect(platform, "MlProd");
  ml.addNamespace("ml-training");
  ml.addNamespace("ml-serving");
  ml.addServiceAccount(training);
  ml.addServiceAccount(serving);
  ml.addNamespace("ingest");
  ml.addServiceAccount(ingest);
  ml.addServiceAccount(sink);
  // AL2023 NVIDIA AMIs bring the driver and toolkit; the operator adds the device plugin and DCGM.
  // The DCGM ServiceMonitor needs the prometheus-operator CRDs, which the ops layer installs.
  new compute.GpuOperator(platform, "GpuOperator", { connection: ml, serviceMonitor: false });
  new compute.Kueue(platform, "Kueue", { connection: ml });
  new compute.KarpenterController(platform, "Karpenter", { connection: ml, infra: compute.KarpenterInfra.of(cluster) });
  // Grows the system node group (and any managed group with minNodes < maxNodes).
  new compute.ClusterAutoscaler(platform, "ClusterAutoscaler", { connection: ml });
  // Spark jobs run in spark-jobs (created by the operator, restricted Pod Security).
  new data.SparkOperator(platform, "Spark", { connection: ml, jobNamespaces: ["spark-jobs"] });
  // The Feast operator is a checked prerequisite (kubectl apply of its pinned release manifest).
  const feast = new data.FeastOperator(platform, "Feast", { connection: ml });
  ml.addNamespace("feast");
  // MLflow (namespace mlflow): backend store on the RDS database with the user and password synced
  // from Secrets Manager into the Secret mlflow-db, TLS verified with the RDS CA bundle (Secret
  // rds-ca), artifacts in the lake's models zone under mlflow/ through the server's Pod Identity
  // role, basic-auth with the administrator from mlflow-admin (see README, prerequisites).
  const registry = new model.ModelRegistry(platform, "Mlflow", {
    connection: ml,
    identity: mlflowIdentity,
    database: mlflowDb,
    databaseSecretName: "mlflow-db",
    databaseCaSecretName: "rds-ca",
    artifactStore: lake.zone(data.LakeZone.MODELS),
    region: REGION,
    adminSecretName: "mlflow-admin",
  });
  // Kubeflow Trainer (with JobSet); its torchrun runtime is a custom resource (workloads).
  const trainer = new model.TrainingRuntime(platform, "Trainer", { connection: ml });
  // Argo Workflows in ml-pipelines. The cluster has NAT egress, so the chart's hook Job downloads
  // the full CRDs from GitHub (chosen on purpose: no mirror to host, full schemas).
  const argo = new model.ArgoWorkflows(platform, "Pipelines", {
    connection: ml,
    artifactStore: lake.zone(data.LakeZone.MODELS),
    artifactRegion: REGION,
    crdInstall: model.ArgoCrdInstall.DOWNLOAD_FROM_GITHUB,
  });

  // 3. workloads: Karpenter GPU NodePools (from zero, consolidated when idle), then queues that
  //    fill spot capacity first.
  const workloads = stateInS3(app, `${prefix}-workloads`);
  const mlWorkloads = cluster.connect(workloads, "MlProd");
  new compute.KarpenterGpuNodePools(workloads, "GpuNodePools", {
    connection: mlWorkloads,
    cluster,
    infra: compute.KarpenterInfra.of(cluster),
    gpus: [core.Gpu.NVIDIA_L4, core.Gpu.NVIDIA_A10G],
    maxGpus: 32,
  });
  new compute.GpuQueueing(workloads, "Queues", {
    connection: mlWorkloads,
    // Training queues onto Karpenter's spot capacity; on-demand GPUs stay for serving.
    poolNames: ["gpu-spot"],
    // A LocalQueue "research" in each namespace: the training jobs and the pipeline's TrainJobs.
    teams: [{ name: "research", namespaces: ["ml-training", "ml-pipelines"], gpuQuota: 24 }],
  });

  // The transformation: raw clicks to curated clicks every night, gated so bad data is not written.
  new data.SparkJob(workloads, "CurateClicks", {
    connection: mlWorkloads,
    identity: etl,
    // Spark 4 (hadoop-aws 3.4, AWS SDK v2): its default credential chain reads EKS Pod Identity.
    image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/ml/etl:2.0.0",
    sparkVersion: "4.0.1",
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
  // (ElastiCache), registry in the features zone, materialized hourly.
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

  // Training: the torchrun runtime, and one run of the click-through model on a spot GPU of the
  // gpu-spot NodePool, admitted by Kueue through the LocalQueue research. It reads the curated
  // clicks, checkpoints to (and resumes from) the checkpoints zone, writes the model to the models
  // zone and tracks to MLflow with its lineage (image digest, data version, git revision).
  const torch = trainer.addTorchDistributedRuntime(workloads, "Torch", { connection: mlWorkloads });
  new model.TrainingJob(workloads, "CtrBaseline", {
    connection: mlWorkloads,
    name: "ctr-baseline",
    identity: ctrTrainer,
    runtime: torch,
    poolName: "gpu-spot",
    queueName: "research",
    image: TRAIN_IMAGE,
    command: ["torchrun", "/app/train.py"],
    data: { store: curated, prefix: "clicks/", version: "2026-11-30" },
    checkpoints: { store: lake.zone(data.LakeZone.CHECKPOINTS) },
    modelOutput: { store: lake.zone(data.LakeZone.MODELS) },
    registry,
    experimentName: "ctr",
    gitRevision: "3f2c1ab",
  });
  // Retraining every Monday: validate the data, train on spot GPUs through Kueue, evaluate against
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
    trainingPoolName: "gpu-spot",
    queueName: "research",
    gpusPerNode: 1,
    cpuPerNode: 2,
    memoryGiBPerNode: 12, // the 1-GPU g6.xlarge fits: 4 vCPU, 16 GiB
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
  buildAwsExample(app);
  app.synth();
}
