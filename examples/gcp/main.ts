/**
 * Reference architecture: an AI platform on Google Cloud (GKE).
 *
 *   gcp-infra      VPC with Cloud NAT, GKE cluster (private nodes and IP endpoint, IAM-authenticated
 *                  DNS endpoint, Workload Identity, Dataplane V2, Cloud KMS secrets encryption), an L4
 *                  inference pool, an H100 spot training pool, workload identities
 *   gcp-platform   namespaces, service accounts, the NVIDIA GPU Operator and Kueue (Helm)
 *   gcp-workloads  Kueue flavors, team queues and priority classes (custom resources)
 *
 * Deploy with `cdktf deploy gcp-infra gcp-platform gcp-workloads` from any runner with Google
 * credentials: the later stacks reach the cluster through its DNS-based endpoint. Copy this file
 * into your own cdktf app as it is: it imports "strata-ai-infra" as your code would.
 */
import { App, GcsBackend, TerraformStack } from "cdktf";
import { GoogleProvider } from "@cdktf/provider-google/lib/provider";
import { KmsCryptoKey } from "@cdktf/provider-google/lib/kms-crypto-key";
import { compute, core, data } from "strata-ai-infra";

/** The stacks of the GCP reference architecture. */
export interface GcpExample {
  readonly infra: TerraformStack;
  readonly platform: TerraformStack;
  readonly workloads: TerraformStack;
  readonly cluster: compute.GkeCluster;
}

const PROJECT = "acme-ml-prod";
const REGION = "us-central1";

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

  // 3. workloads: queues that fill spot capacity first.
  const workloads = stateInGcs(app, `${prefix}-workloads`);
  const mlWorkloads = cluster.connect(workloads, "MlProd");
  new compute.GpuQueueing(workloads, "Queues", {
    connection: mlWorkloads,
    poolNames: ["nvidia-h100-80gb-spot-training"], // training never queues onto the serving pool
    teams: [{ name: "research", namespaces: ["ml-training"], gpuQuota: 16 }],
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

  return { infra, platform, workloads, cluster };
}

if (require.main === module) {
  const app = new App();
  buildGcpExample(app);
  app.synth();
}
