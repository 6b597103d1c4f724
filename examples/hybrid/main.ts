/**
 * Reference architecture: hybrid. Data and serving stay on-prem; spot GPU training runs in the
 * cloud on EKS. One app, one state backend, two clusters:
 *
 *   hybrid-infra      the EKS training cluster (its VPC and Karpenter's AWS side) and the declared
 *                     on-prem cluster with its L4 serving nodes
 *   hybrid-platform   namespaces, service accounts and the NVIDIA GPU Operator on both clusters,
 *                     Kueue and Karpenter on the training cluster, through aliased providers
 *   hybrid-workloads  a Karpenter spot H100 NodePool that scales from zero, and Kueue queues for it
 *
 * The site-to-site VPN comes with the hybrid layer (issue #11): until then, bring your own VPN on
 * the virtual private gateway this example attaches to the VPC (see README). Bucket replication
 * between the sites comes with the data and ops layers. Copy this file into your own cdktf app as it is: it imports "strata-ai-infra" as your
 * code would.
 */
import { App, S3Backend, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { VpnGatewayAttachment } from "@cdktf/provider-aws/lib/vpn-gateway-attachment";
import { compute, core } from "strata-ai-infra";

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
  new core.S3BucketReference(infra, "Checkpoints", { bucketName: "acme-ml-checkpoints" }).grantReadWrite(trainer);

  // On-prem: data and serving, on GPUs the company already owns.
  const onprem = new compute.ExistingCluster(infra, "OnPremCluster", {
    clusterName: "dc1",
    kubeconfigContext: "dc1-admin",
    gpuNodes: [
      { name: "l4-inference", gpu: core.Gpu.NVIDIA_L4, nodeCount: 3, gpusPerNode: 2, taints: [core.Scheduling.gpuTaint()] },
    ],
  });
  const server = onprem.addWorkloadIdentity("ServingIdentity", { namespace: "ml-serving", serviceAccountName: "model-server" });

  // One platform stack talks to both clusters: each connection has its own provider alias.
  const platform = stateInS3(app, `${prefix}-platform`);
  const toCloud = cloud.connect(platform, "Cloud", { alias: "cloud" });
  toCloud.addNamespace("ml-training");
  toCloud.addServiceAccount(trainer);
  const toOnPrem = onprem.connect(platform, "OnPrem", { alias: "onprem" });
  toOnPrem.addNamespace("ml-serving");
  toOnPrem.addServiceAccount(server);
  // The DCGM ServiceMonitors need the prometheus-operator CRDs, which the ops layer installs.
  new compute.GpuOperator(platform, "CloudGpuOperator", { connection: toCloud, serviceMonitor: false });
  new compute.GpuOperator(platform, "OnPremGpuOperator", { connection: toOnPrem, serviceMonitor: false });
  new compute.Kueue(platform, "CloudKueue", { connection: toCloud });
  new compute.KarpenterController(platform, "CloudKarpenter", { connection: toCloud, infra: compute.KarpenterInfra.of(cloud) });
  new compute.ClusterAutoscaler(platform, "CloudClusterAutoscaler", { connection: toCloud });

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
    teams: [{ name: "research", namespaces: ["ml-training"], gpuQuota: 32 }],
  });

  return { infra, platform, workloads, cloud, onprem };
}

if (require.main === module) {
  const app = new App();
  buildHybridExample(app);
  app.synth();
}
