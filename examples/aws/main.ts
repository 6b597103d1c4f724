/**
 * Reference architecture: an AI platform on AWS (EKS).
 *
 *   aws-infra     VPC, EKS cluster (private endpoint, KMS, logs, Pod Identity), workload identities
 *   aws-platform  namespaces and service accounts, through providers wired to the cluster
 *
 * Deploy with `cdktf deploy aws-infra aws-platform` from a runner that can reach the private API
 * endpoint (inside the VPC, or over VPN). Copy this file into your own cdktf app and import from
 * "strata-ai-infra" instead of "../../lib".
 */
import { App, S3Backend, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { compute, core } from "../../lib";

/** The stacks of the AWS reference architecture. */
export interface AwsExample {
  readonly infra: TerraformStack;
  readonly platform: TerraformStack;
  readonly cluster: compute.EksCluster;
}

const REGION = "us-east-1";
const STATE_BUCKET = "acme-ml-terraform-state";

/** A stack whose state lives in S3, encrypted, with S3-native locking (`use_lockfile`). */
function stateInS3(app: App, name: string): TerraformStack {
  const stack = new TerraformStack(app, name);
  const backend = new S3Backend(stack, { bucket: STATE_BUCKET, key: `strata/${name}.tfstate`, region: REGION, encrypt: true });
  backend.addOverride("use_lockfile", true);
  return stack;
}

export function buildAwsExample(app: App, prefix = "aws"): AwsExample {
  // 1. infra: network, cluster, keys, identities.
  const infra = stateInS3(app, `${prefix}-infra`);
  new AwsProvider(infra, "aws", { region: REGION });
  core.StrataTags.apply(infra, { owner: "ml-platform", costCentre: "cc-4200", environment: "prod" });

  const cluster = new compute.EksCluster(infra, "Cluster", {
    clusterName: "ml-prod",
    zoneCount: 3,
    adminRoleArns: ["arn:aws:iam::123456789012:role/platform-admins"],
  });

  const training = cluster.addWorkloadIdentity("TrainingIdentity", { namespace: "ml-training", serviceAccountName: "trainer" });
  const serving = cluster.addWorkloadIdentity("ServingIdentity", { namespace: "ml-serving", serviceAccountName: "model-server" });
  const lake = new core.S3BucketReference(infra, "Lake", { bucketName: "acme-ml-lake" });
  lake.grantReadWrite(training);
  lake.grantRead(serving);

  // 2. platform: providers wired to the cluster through cross-stack references.
  const platform = stateInS3(app, `${prefix}-platform`);
  const ml = cluster.connect(platform, "MlProd");
  ml.addNamespace("ml-training");
  ml.addNamespace("ml-serving");
  ml.addServiceAccount(training);
  ml.addServiceAccount(serving);

  return { infra, platform, cluster };
}

if (require.main === module) {
  const app = new App();
  buildAwsExample(app);
  app.synth();
}
