/**
 * One benchmark scenario, run in its own process by bench.ts:
 *   tsx test/bench/scenario.ts <examples|handwritten|scale> <outdir>
 * Prints one JSON line: load time, synth time, peak RSS.
 */
import { performance } from "perf_hooks";

const started = performance.now();
const [, , name, outdir] = process.argv;

function report(loadedAt: number): void {
  const done = performance.now();
  console.log(
    JSON.stringify({
      name,
      loadMs: Math.round(loadedAt - started),
      synthMs: Math.round(done - loadedAt),
      totalMs: Math.round(done - started),
      peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    }),
  );
}

if (name === "examples") {
  // All four reference architectures through the library.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { App } = require("cdktf") as typeof import("cdktf");
  const { buildAllExamples } = require("../../examples/synth") as typeof import("../../examples/synth");
  const loaded = performance.now();
  const app = new App({ outdir });
  buildAllExamples(app);
  app.synth();
  report(loaded);
} else if (name === "handwritten") {
  // A small hand-written cdktf stack with deep imports only: an EKS cluster, a node group, a key.
  const { App, S3Backend, TerraformStack } = require("cdktf") as typeof import("cdktf");
  const { AwsProvider } = require("@cdktf/provider-aws/lib/provider") as typeof import("@cdktf/provider-aws/lib/provider");
  const { EksCluster } = require("@cdktf/provider-aws/lib/eks-cluster") as typeof import("@cdktf/provider-aws/lib/eks-cluster");
  const { EksNodeGroup } = require("@cdktf/provider-aws/lib/eks-node-group") as typeof import("@cdktf/provider-aws/lib/eks-node-group");
  const { IamRole } = require("@cdktf/provider-aws/lib/iam-role") as typeof import("@cdktf/provider-aws/lib/iam-role");
  const { KmsKey } = require("@cdktf/provider-aws/lib/kms-key") as typeof import("@cdktf/provider-aws/lib/kms-key");
  const loaded = performance.now();
  const app = new App({ outdir });
  const stack = new TerraformStack(app, "handwritten");
  new S3Backend(stack, { bucket: "state", key: "handwritten.tfstate", region: "us-east-1" });
  new AwsProvider(stack, "aws", { region: "us-east-1" });
  const key = new KmsKey(stack, "Key", { enableKeyRotation: true });
  const role = new IamRole(stack, "ClusterRole", {
    name: "hand-cluster",
    assumeRolePolicy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "eks.amazonaws.com" }, Action: "sts:AssumeRole" }] }),
  });
  const nodeRole = new IamRole(stack, "NodeRole", {
    name: "hand-node",
    assumeRolePolicy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }] }),
  });
  const cluster = new EksCluster(stack, "Cluster", {
    name: "hand",
    roleArn: role.arn,
    vpcConfig: { subnetIds: ["subnet-a", "subnet-b"], endpointPrivateAccess: true, endpointPublicAccess: false },
    encryptionConfig: { resources: ["secrets"], provider: { keyArn: key.arn } },
  });
  new EksNodeGroup(stack, "Nodes", {
    clusterName: cluster.name,
    nodeRoleArn: nodeRole.arn,
    subnetIds: ["subnet-a", "subnet-b"],
    scalingConfig: { minSize: 1, maxSize: 3, desiredSize: 1 },
  });
  app.synth();
  report(loaded);
} else if (name === "scale") {
  // Scale case: 10 EKS clusters in one infra stack, each with 20 workload identities, and a
  // platform stack with 10 connections, 10 Cluster Autoscalers, 20 namespaces and 200 service accounts.
  const { App, S3Backend, TerraformStack } = require("cdktf") as typeof import("cdktf");
  const { AwsProvider } = require("@cdktf/provider-aws/lib/provider") as typeof import("@cdktf/provider-aws/lib/provider");
  const { EksCluster } = require("../../lib/compute/eks-cluster") as typeof import("../../lib/compute/eks-cluster");
  const { ClusterAutoscaler } = require("../../lib/compute/cluster-autoscaler") as typeof import("../../lib/compute/cluster-autoscaler");
  const loaded = performance.now();
  const app = new App({ outdir });
  const infra = new TerraformStack(app, "scale-infra");
  new S3Backend(infra, { bucket: "state", key: "scale-infra.tfstate", region: "us-east-1" });
  new AwsProvider(infra, "aws", { region: "us-east-1" });
  const platform = new TerraformStack(app, "scale-platform");
  new S3Backend(platform, { bucket: "state", key: "scale-platform.tfstate", region: "us-east-1" });
  for (let c = 0; c < 10; c++) {
    const cluster = new EksCluster(infra, `Cluster${c}`, { clusterName: `scale-${c}`, vpcCidr: `10.${c}.0.0/16` });
    const conn = cluster.connect(platform, `Conn${c}`, { alias: `c${c}` });
    conn.addNamespace(`team-a-${c}`);
    conn.addNamespace(`team-b-${c}`);
    new ClusterAutoscaler(platform, `Autoscaler${c}`, { connection: conn });
    for (let i = 0; i < 20; i++) {
      conn.addServiceAccount(cluster.addWorkloadIdentity(`Id${i}`, { namespace: i % 2 ? `team-a-${c}` : `team-b-${c}`, serviceAccountName: `sa-${i}` }));
    }
  }
  app.synth();
  report(loaded);
} else {
  console.error(`unknown scenario ${name}`);
  process.exit(2);
}
