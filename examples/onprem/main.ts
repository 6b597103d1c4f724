/**
 * Reference architecture: an AI platform on an existing on-prem Kubernetes cluster.
 *
 *   onprem-infra      the cluster reached by kubeconfig, its GPU nodes (L40S for serving, A100 for
 *                     training), workload identities
 *   onprem-platform   namespaces, service accounts, the NVIDIA GPU Operator (installs the driver)
 *                     and Kueue
 *   onprem-workloads  Kueue flavors, team queues and priority classes
 *
 * No cloud account is needed. State lives in PostgreSQL (the `pg` backend locks with advisory
 * locks); give the password through PGPASSWORD, never in code. Copy this file into your own
 * cdktf app as it is: it imports "strata-ai-infra" as your code would.
 */
import { App, PgBackend, TerraformStack } from "cdktf";
import { compute, core } from "strata-ai-infra";

/** The stacks of the on-prem reference architecture. */
export interface OnPremExample {
  readonly infra: TerraformStack;
  readonly platform: TerraformStack;
  readonly workloads: TerraformStack;
  readonly cluster: compute.ExistingCluster;
}

/** A stack whose state lives in PostgreSQL, one schema per stack. */
function stateInPostgres(app: App, name: string): TerraformStack {
  const stack = new TerraformStack(app, name);
  new PgBackend(stack, {
    connStr: "postgres://terraform@tfstate.dc1.internal/terraform_state?sslmode=verify-full",
    schemaName: name.replace(/-/g, "_"),
  });
  return stack;
}

export function buildOnPremExample(app: App, prefix = "onprem"): OnPremExample {
  const infra = stateInPostgres(app, `${prefix}-infra`);
  // The GPU nodes exist already; declare them by the label GPU feature discovery sets, with the
  // taints the cluster admins put on them.
  const cluster = new compute.ExistingCluster(infra, "Cluster", {
    clusterName: "dc1",
    kubeconfigPath: "~/.kube/config",
    kubeconfigContext: "dc1-admin",
    gpuNodes: [
      {
        name: "l40s-inference",
        gpu: core.Gpu.NVIDIA_L40S,
        nodeCount: 2,
        gpusPerNode: 4,
        taints: [core.Scheduling.gpuTaint()],
      },
      {
        name: "a100-training",
        gpu: core.Gpu.NVIDIA_A100_80GB,
        nodeCount: 2,
        gpusPerNode: 8,
        purpose: core.NodePoolPurpose.TRAINING,
        taints: [core.Scheduling.gpuTaint(), core.Scheduling.trainingTaint()],
      },
    ],
  });
  const training = cluster.addWorkloadIdentity("TrainingIdentity", { namespace: "ml-training", serviceAccountName: "trainer" });
  const serving = cluster.addWorkloadIdentity("ServingIdentity", { namespace: "ml-serving", serviceAccountName: "model-server" });
  const lake = new core.S3CompatibleBucket(infra, "Lake", { bucketName: "ml-lake", endpoint: "https://minio.storage.dc1.internal:9000" });
  lake.grantReadWrite(training);
  lake.grantRead(serving);

  const platform = stateInPostgres(app, `${prefix}-platform`);
  const dc1 = cluster.connect(platform, "Dc1");
  dc1.addNamespace("ml-training");
  dc1.addNamespace("ml-serving");
  dc1.addServiceAccount(training);
  dc1.addServiceAccount(serving);
  // On-prem the operator installs the driver and container toolkit. MIG stays off: Kueue queues
  // whole GPUs (nvidia.com/gpu), and MIG would rename the resources and the product label.
  new compute.GpuOperator(platform, "GpuOperator", {
    connection: dc1,
    serviceMonitor: false, // needs the prometheus-operator CRDs (ops layer)
  });
  new compute.Kueue(platform, "Kueue", { connection: dc1 });

  const workloads = stateInPostgres(app, `${prefix}-workloads`);
  new compute.GpuQueueing(workloads, "Queues", {
    connection: cluster.connect(workloads, "Dc1"),
    poolNames: ["a100-training"],
    teams: [{ name: "research", namespaces: ["ml-training"], gpuQuota: 16 }],
  });

  return { infra, platform, workloads, cluster };
}

if (require.main === module) {
  const app = new App();
  buildOnPremExample(app);
  app.synth();
}
