/**
 * Reference architecture: an AI platform on Google Cloud (GKE).
 *
 *   gcp-infra     VPC with Cloud NAT, GKE cluster (private nodes and endpoint, Workload Identity,
 *                 Dataplane V2, Cloud KMS secrets encryption), workload identities
 *   gcp-platform  namespaces and service accounts, through providers wired to the cluster
 *
 * Deploy with `cdktf deploy gcp-infra gcp-platform` from a runner that can reach the private
 * endpoint. Copy this file into your own cdktf app and import from "strata-ai-infra".
 */
import { App, GcsBackend, TerraformStack } from "cdktf";
import { GoogleProvider } from "@cdktf/provider-google/lib/provider";
import { compute, core } from "../../lib";

/** The stacks of the GCP reference architecture. */
export interface GcpExample {
  readonly infra: TerraformStack;
  readonly platform: TerraformStack;
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
  const infra = stateInGcs(app, `${prefix}-infra`);
  new GoogleProvider(infra, "google", { project: PROJECT, region: REGION });
  core.StrataTags.apply(infra, { owner: "ml-platform", costCentre: "cc-4200", environment: "prod" });

  const cluster = new compute.GkeCluster(infra, "Cluster", {
    clusterName: "ml-prod",
    project: PROJECT,
    location: REGION,
  });
  const training = cluster.addWorkloadIdentity("TrainingIdentity", { namespace: "ml-training", serviceAccountName: "trainer" });
  const serving = cluster.addWorkloadIdentity("ServingIdentity", { namespace: "ml-serving", serviceAccountName: "model-server" });
  const lake = new core.GcsBucketReference(infra, "Lake", { bucketName: "acme-ml-lake" });
  lake.grantReadWrite(training);
  lake.grantRead(serving);

  const platform = stateInGcs(app, `${prefix}-platform`);
  const ml = cluster.connect(platform, "MlProd");
  ml.addNamespace("ml-training");
  ml.addNamespace("ml-serving");
  ml.addServiceAccount(training);
  ml.addServiceAccount(serving);

  return { infra, platform, cluster };
}

if (require.main === module) {
  const app = new App();
  buildGcpExample(app);
  app.synth();
}
