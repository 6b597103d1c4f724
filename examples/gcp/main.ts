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
import { compute, core } from "strata-ai-infra";

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
  const lake = new core.GcsBucketReference(infra, "Lake", { bucketName: "acme-ml-lake" });
  lake.grantReadWrite(training);
  lake.grantRead(serving);

  // 2. platform: namespaces, service accounts, operators.
  const platform = stateInGcs(app, `${prefix}-platform`);
  const ml = cluster.connect(platform, "MlProd");
  ml.addNamespace("ml-training");
  ml.addNamespace("ml-serving");
  ml.addServiceAccount(training);
  ml.addServiceAccount(serving);
  // The DCGM ServiceMonitor needs the prometheus-operator CRDs, which the ops layer installs.
  new compute.GpuOperator(platform, "GpuOperator", { connection: ml, serviceMonitor: false });
  new compute.Kueue(platform, "Kueue", { connection: ml });

  // 3. workloads: queues that fill spot capacity first.
  const workloads = stateInGcs(app, `${prefix}-workloads`);
  new compute.GpuQueueing(workloads, "Queues", {
    connection: cluster.connect(workloads, "MlProd"),
    poolNames: ["nvidia-h100-80gb-spot-training"], // training never queues onto the serving pool
    teams: [{ name: "research", namespaces: ["ml-training"], gpuQuota: 16 }],
  });

  return { infra, platform, workloads, cluster };
}

if (require.main === module) {
  const app = new App();
  buildGcpExample(app);
  app.synth();
}
