/**
 * Reference architecture: an AI platform on AWS (EKS).
 *
 *   aws-infra      VPC, EKS cluster (private endpoint, KMS, logs, Pod Identity), a fixed-size L4
 *                  inference node group as the serving baseline, Karpenter's IAM and interruption
 *                  queue, workload identities
 *   aws-platform   namespaces, service accounts, the NVIDIA GPU Operator, Kueue and Karpenter (Helm)
 *   aws-workloads  Karpenter GPU NodePools (on-demand L4/A10G for serving bursts, spot L4/A10G for
 *                  training, from zero), a Kueue flavor and a team queue on the spot capacity
 *
 * Deploy with `cdktf deploy aws-infra aws-platform aws-workloads` from a runner that can reach the
 * private API endpoint (inside the VPC, or over VPN). Copy this file into your own cdktf app as it
 * is: it imports "strata-ai-infra" as your code would.
 */
import { App, S3Backend, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { Ec2TransitGatewayVpcAttachment } from "@cdktf/provider-aws/lib/ec2-transit-gateway-vpc-attachment";
import { compute, core } from "strata-ai-infra";

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
  const lake = new core.S3BucketReference(infra, "Lake", { bucketName: "acme-ml-lake" });
  lake.grantReadWrite(training);
  lake.grantRead(serving);

  // 2. platform: providers wired to the cluster through cross-stack references; operators.
  const platform = stateInS3(app, `${prefix}-platform`);
  const ml = cluster.connect(platform, "MlProd");
  ml.addNamespace("ml-training");
  ml.addNamespace("ml-serving");
  ml.addServiceAccount(training);
  ml.addServiceAccount(serving);
  // AL2023 NVIDIA AMIs bring the driver and toolkit; the operator adds the device plugin and DCGM.
  // The DCGM ServiceMonitor needs the prometheus-operator CRDs, which the ops layer installs.
  new compute.GpuOperator(platform, "GpuOperator", { connection: ml, serviceMonitor: false });
  new compute.Kueue(platform, "Kueue", { connection: ml });
  new compute.KarpenterController(platform, "Karpenter", { connection: ml, infra: compute.KarpenterInfra.of(cluster) });
  // Grows the system node group (and any managed group with minNodes < maxNodes).
  new compute.ClusterAutoscaler(platform, "ClusterAutoscaler", { connection: ml });

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
    teams: [{ name: "research", namespaces: ["ml-training"], gpuQuota: 24 }],
  });

  return { infra, platform, workloads, cluster };
}

if (require.main === module) {
  const app = new App();
  buildAwsExample(app);
  app.synth();
}
