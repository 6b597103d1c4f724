import { Construct } from "constructs";
import { Testing } from "cdktf";
import { CapacityType, IWorkloadIdentity, NodePoolInfo, NodePoolPurpose, WorkloadIdentityKind } from "../../lib/core/cluster";
import { ClusterConnection } from "../../lib/core/connection";
import { Gpu } from "../../lib/core/gpu";
import { IModelRegistry, ModelAlias, RegistryClientEnvVar, RegistryClientOptions } from "../../lib/core/model-registry";
import { GcsBucketReference, S3BucketReference, S3CompatibleBucket } from "../../lib/core/object-store";
import { Scheduling } from "../../lib/core/scheduling";
import { EksCluster } from "../../lib/compute/eks-cluster";
import { ExistingCluster } from "../../lib/compute/existing-cluster";
import { KueueLocalQueue } from "../../lib/compute/kueue";
import { TrainingJob, TrainingJobKind, TrainingJobProps } from "../../lib/model/training-job";
import { TrainingRuntime } from "../../lib/model/training-runtime";
import { PyTorchJobOperator } from "../../lib/model/pytorch-job-operator";
import { describeConformance, validateStackManifests } from "../support/conformance";
import { FakeIdentity } from "../support/fake-identity";
import { annotations, awsStack, bareStack, resourcesOfType, SynthJson, synthJson, testApp } from "../support/synth";

const KMS = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const DIGEST = `sha256:${"ab".repeat(32)}`;
const IMAGE = `registry.example.com/churn-train@${DIGEST}`;

/** A spot L4 training pool: 4 GPUs per node, at most 3 nodes. */
const SPOT: NodePoolInfo = {
  name: "l4-spot",
  purpose: NodePoolPurpose.TRAINING,
  capacityType: CapacityType.SPOT,
  labels: { [Scheduling.POOL_LABEL]: "l4-spot", [Scheduling.PURPOSE_LABEL]: "training", [Scheduling.CAPACITY_TYPE_LABEL]: "spot", [Scheduling.GPU_LABEL]: "nvidia-l4" },
  taints: [Scheduling.gpuTaint(), Scheduling.trainingTaint()],
  minNodes: 0,
  maxNodes: 3,
  gpu: Gpu.NVIDIA_L4,
  gpusPerNode: 4,
};
const SERVING: NodePoolInfo = {
  name: "l4-serving",
  purpose: NodePoolPurpose.INFERENCE,
  capacityType: CapacityType.ON_DEMAND,
  labels: { [Scheduling.POOL_LABEL]: "l4-serving", [Scheduling.PURPOSE_LABEL]: "inference" },
  taints: [Scheduling.gpuTaint()],
  minNodes: 1,
  maxNodes: 2,
  gpu: Gpu.NVIDIA_L4,
  gpusPerNode: 1,
};
const CPU: NodePoolInfo = {
  name: "cpu",
  purpose: NodePoolPurpose.GENERAL,
  capacityType: CapacityType.ON_DEMAND,
  labels: { [Scheduling.POOL_LABEL]: "cpu" },
  taints: [],
  minNodes: 1,
  maxNodes: 3,
};

/** A minimal IModelRegistry: a tracking URI, a credentials Secret, and the identities granted. */
class FakeRegistry extends Construct implements IModelRegistry {
  public readonly trackingUri = "http://mlflow.mlflow.svc.cluster.local:80";
  public readonly granted: IWorkloadIdentity[] = [];
  public modelUri(modelName: string, alias: ModelAlias): string {
    return `models:/${modelName}@${alias}`;
  }
  public clientEnvironment(options: RegistryClientOptions): RegistryClientEnvVar[] {
    return [
      { name: "MLFLOW_TRACKING_URI", value: this.trackingUri },
      { name: "MLFLOW_TRACKING_USERNAME", secretName: options.credentialsSecretName ?? "mlflow-client", secretKey: "username" },
    ];
  }
  public grantClient(identity: IWorkloadIdentity): void {
    this.granted.push(identity);
  }
}

interface Options {
  pools?: NodePoolInfo[];
  queue?: boolean;
}

/** EKS with a spot training pool, S3 zones, the Trainer (platform), its runtime and a LocalQueue (workloads). */
function aws(options: Options = {}) {
  const app = testApp();
  const infra = awsStack(app, "infra");
  const cluster = new EksCluster(infra, "Cluster", { clusterName: "ml-prod", subnetIds: ["subnet-a", "subnet-b"] });
  for (const p of options.pools ?? [SPOT, SERVING]) cluster.registerNodePool(p);
  const identity = cluster.addWorkloadIdentity("Trainer", { namespace: "training", serviceAccountName: "churn-trainer" });
  const curated = new S3BucketReference(infra, "Curated", { bucketName: "acme-curated", kmsKeyArn: KMS, partition: "aws" });
  const checkpoints = new S3BucketReference(infra, "Checkpoints", { bucketName: "acme-checkpoints", kmsKeyArn: KMS, partition: "aws" });
  const models = new S3BucketReference(infra, "Models", { bucketName: "acme-models", kmsKeyArn: KMS, partition: "aws" });
  const platform = awsStack(app, "platform");
  const platformConn = cluster.connect(platform, "Conn");
  platformConn.addNamespace("training");
  const trainer = new TrainingRuntime(platform, "Trainer", { connection: platformConn });
  const workloads = awsStack(app, "workloads");
  const connection = cluster.connect(workloads, "Conn");
  const runtime = trainer.addTorchDistributedRuntime(workloads, "Torch", { connection });
  if (options.queue ?? true) new KueueLocalQueue(workloads, "Queue", { connection, namespace: "training", clusterQueueName: "research" });
  const base: TrainingJobProps = {
    connection,
    identity,
    image: IMAGE,
    runtime,
    queueName: options.queue === false ? undefined : "research",
    command: ["torchrun", "/app/train.py"],
    data: { store: curated, prefix: "churn/", version: "2026-11-30" },
    checkpoints: { store: checkpoints },
    modelOutput: { store: models },
    gitRevision: "3f2c1ab",
  };
  return { app, infra, platform, platformConn, workloads, cluster, identity, curated, checkpoints, models, connection, runtime, trainer, base };
}

function job(props: Partial<TrainingJobProps> = {}, options: Options = {}) {
  const e = aws(options);
  const training = new TrainingJob(e.workloads, "Churn", { ...e.base, ...props });
  return { ...e, training, json: synthJson(e.workloads) };
}

function manifests(json: SynthJson, kind: string): any[] {
  return Object.values(resourcesOfType(json, "kubernetes_manifest"))
    .map((r: any) => r.manifest)
    .filter((m: any) => m.kind === kind);
}

function only(json: SynthJson, kind: string): any {
  const all = manifests(json, kind);
  expect(all).toHaveLength(1);
  return all[0];
}

function envOf(m: any): Record<string, any> {
  const env = m.kind === "TrainJob" ? m.spec.trainer.env : m.spec.pytorchReplicaSpecs.Master.template.spec.containers[0].env;
  return Object.fromEntries(env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
}

function policies(json: SynthJson): any[] {
  return Object.values(resourcesOfType(json, "aws_iam_role_policy")).flatMap((p: any) => JSON.parse(p.policy).Statement);
}

/** Synthesizing the whole app runs the lazy (addValidation) checks. */
function synthAll(e: { app: any }): void {
  e.app.synth();
}

describe("TrainingJob: TrainJob body", () => {
  test("a TrainJob on the runtime, queued through Kueue (label, created suspended), in the identity's namespace", () => {
    const m = only(job().json, "TrainJob");
    expect(m.apiVersion).toBe("trainer.kubeflow.org/v1alpha1");
    expect(m.metadata).toMatchObject({ name: "churn", namespace: "training", labels: { "kueue.x-k8s.io/queue-name": "research", "app.kubernetes.io/managed-by": "strata" } });
    expect(m.spec.runtimeRef).toEqual({ apiGroup: "trainer.kubeflow.org", kind: "ClusterTrainingRuntime", name: "strata-torch-distributed" });
    expect(m.spec.suspend).toBe(true);
    expect(m.spec.trainer).toMatchObject({ image: IMAGE, command: ["torchrun", "/app/train.py"], numNodes: 1, numProcPerNode: 4 });
  });

  test("scheduling contract: the pool's tolerations and node selector, the job's service account, whole GPUs of the pool", () => {
    const m = only(job().json, "TrainJob");
    const patch = m.spec.runtimePatches[0];
    expect(patch.manager).toBe("strata.io/training-job");
    const rj = patch.trainingRuntimeSpec.template.spec.replicatedJobs[0];
    expect(rj.name).toBe("node");
    const pod = rj.template.spec.template.spec;
    expect(pod.tolerations).toEqual(Scheduling.tolerationsFor(SPOT));
    expect(pod.tolerations).toEqual(
      expect.arrayContaining([
        { key: "nvidia.com/gpu", operator: "Equal", value: "present", effect: "NoSchedule" },
        { key: "workload", operator: "Equal", value: "training", effect: "NoSchedule" },
      ]),
    );
    expect(pod.nodeSelector).toEqual(SPOT.labels);
    expect(pod.serviceAccountName).toBe("churn-trainer");
    expect(m.spec.trainer.resourcesPerNode).toEqual({
      requests: { cpu: "2", memory: "12Gi", "nvidia.com/gpu": 4 },
      limits: { memory: "12Gi", "nvidia.com/gpu": 4 },
    });
  });

  test("GPU count and nodes as asked, within the pool", () => {
    const m = only(job({ gpusPerNode: 2, numNodes: 3, cpu: "8", memory: "48Gi" }).json, "TrainJob");
    expect(m.spec.trainer).toMatchObject({ numNodes: 3, numProcPerNode: 2 });
    expect(m.spec.trainer.resourcesPerNode.requests).toEqual({ cpu: "8", memory: "48Gi", "nvidia.com/gpu": 2 });
  });

  test("Kueue and the Trainer webhook own suspend and runtime patches after create: Terraform does not fight them", () => {
    const { json } = job();
    const r = Object.values(resourcesOfType(json, "kubernetes_manifest")).find((x: any) => x.manifest.kind === "TrainJob") as any;
    expect(r.computed_fields).toEqual(expect.arrayContaining(["spec.suspend", "spec.runtimePatches"]));
  });

  test("waits for its service account and runtime; the workloads stack is applied after the platform stack", () => {
    const { json, workloads, platform } = job();
    const r = Object.values(resourcesOfType(json, "kubernetes_manifest")).find((x: any) => x.manifest.kind === "TrainJob") as any;
    expect(r.depends_on).toEqual(expect.arrayContaining([expect.stringMatching(/^\$\{kubernetes_service_account_v1\./), expect.stringMatching(/^\$\{kubernetes_manifest\.Torch/)]));
    expect(workloads.dependencies).toContain(platform);
    const sa = Object.values(resourcesOfType(json, "kubernetes_service_account_v1"))[0] as any;
    expect(sa.metadata).toMatchObject({ name: "churn-trainer", namespace: "training" });
    expect(sa.automount_service_account_token).toBe(false);
  });

  test("lineage: image digest, data URI and version, git revision and job name as env and MLflow run tags", () => {
    const { json, training } = job();
    const env = envOf(only(json, "TrainJob"));
    expect(env).toMatchObject({
      STRATA_TRAINING_JOB: "churn",
      STRATA_IMAGE: IMAGE,
      STRATA_IMAGE_DIGEST: DIGEST,
      DATA_URI: "s3://acme-curated/churn/",
      DATA_VERSION: "2026-11-30",
      GIT_REVISION: "3f2c1ab",
      CHECKPOINT_URI: "s3://acme-checkpoints/training/churn/",
      MODEL_OUTPUT_URI: "s3://acme-models/training/churn/",
    });
    expect(JSON.parse(env.MLFLOW_RUN_CONTEXT)).toEqual({
      "strata.training_job": "training/churn",
      "strata.image": IMAGE,
      "strata.image.digest": DIGEST,
      "strata.data.uri": "s3://acme-curated/churn/",
      "strata.data.version": "2026-11-30",
      "mlflow.source.git.commit": "3f2c1ab",
    });
    expect(training.checkpointUri).toBe("s3://acme-checkpoints/training/churn/");
  });

  test("registry: client environment injected (Secret keys as secretKeyRef), identity granted client access", () => {
    const e = aws();
    const registry = new FakeRegistry(e.workloads, "Registry");
    new TrainingJob(e.workloads, "Churn", { ...e.base, registry, experimentName: "churn" });
    const env = envOf(only(synthJson(e.workloads), "TrainJob"));
    expect(env.MLFLOW_TRACKING_URI).toBe("http://mlflow.mlflow.svc.cluster.local:80");
    expect(env.MLFLOW_TRACKING_USERNAME).toEqual({ secretKeyRef: { name: "mlflow-client", key: "username" } });
    expect(env.MLFLOW_EXPERIMENT_NAME).toBe("churn");
    expect(registry.granted).toEqual([e.identity]);
  });

  test("user env is passed on", () => {
    expect(envOf(only(job({ env: { EPOCHS: "10" } }).json, "TrainJob")).EPOCHS).toBe("10");
  });

  test("the only training pool is used without poolName; a named serving pool with allowServingPool", () => {
    const m = only(job({ poolName: "l4-serving", allowServingPool: true, gpusPerNode: 1, numNodes: 1 }).json, "TrainJob");
    const pod = m.spec.runtimePatches[0].trainingRuntimeSpec.template.spec.replicatedJobs[0].template.spec.template.spec;
    expect(pod.nodeSelector).toEqual(SERVING.labels);
  });

  test("no queue in a namespace without queues: allowed, with a warning, not suspended", () => {
    const e = aws({ queue: false });
    const t = new TrainingJob(e.workloads, "Churn", e.base);
    synthAll(e);
    expect(annotations(t).join("\n")).toMatch(/queueName undefined: is not set: the job is not admitted by Kueue/);
    const m = only(synthJson(e.workloads), "TrainJob");
    expect(m.spec.suspend).toBeUndefined();
    expect(m.metadata.labels["kueue.x-k8s.io/queue-name"]).toBeUndefined();
  });

  test("a tag-only image with allowMutableImage: accepted with a warning and no digest recorded", () => {
    const { training, json } = job({ image: "registry.example.com/churn-train:1.4.2", allowMutableImage: true });
    expect(annotations(training).join("\n")).toMatch(/pinned by tag only/);
    expect(envOf(only(json, "TrainJob")).STRATA_IMAGE_DIGEST).toBeUndefined();
  });

  test("trainJobBody is reusable on its own (no construct)", () => {
    const body = TrainingJob.trainJobBody({
      name: "nightly", namespace: "training", runtimeName: "strata-torch-distributed", image: IMAGE, pool: SPOT,
      gpusPerNode: 1, numNodes: 1, cpu: "4", memory: "16Gi", serviceAccountName: "pipeline-train", queueName: "research",
    });
    expect(body.metadata.labels["kueue.x-k8s.io/queue-name"]).toBe("research");
    expect(body.spec.trainer.resourcesPerNode.limits["nvidia.com/gpu"]).toBe(1);
  });
});

describe("TrainingJob: grants per identity kind", () => {
  test("AWS: read on the data prefix, read/write/delete only in its checkpoint prefix, write without delete on its model prefix", () => {
    const { infra } = job();
    const statements = policies(synthJson(infra));
    const objects = (bucket: string) => statements.filter((s) => s.Sid === "Objects" && String(s.Resource[0]).startsWith(`arn:aws:s3:::${bucket}/`));
    expect(objects("acme-curated").map((s) => s.Resource[0])).toEqual(["arn:aws:s3:::acme-curated/churn/*"]);
    expect(objects("acme-curated").flatMap((s) => s.Action)).not.toContain("s3:PutObject");
    expect(objects("acme-checkpoints").map((s) => s.Resource[0])).toEqual(expect.arrayContaining(["arn:aws:s3:::acme-checkpoints/training/churn/*"]));
    expect(objects("acme-checkpoints").flatMap((s) => s.Action)).toEqual(expect.arrayContaining(["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]));
    expect(objects("acme-models").map((s) => s.Resource[0])).toEqual(["arn:aws:s3:::acme-models/training/churn/*"]);
    expect(objects("acme-models").flatMap((s) => s.Action)).toContain("s3:PutObject");
    expect(objects("acme-models").flatMap((s) => s.Action)).not.toContain("s3:DeleteObject");
    for (const s of statements.filter((x) => ([] as string[]).concat(x.Action).includes("s3:DeleteObject"))) {
      expect(s.Resource).toEqual(["arn:aws:s3:::acme-checkpoints/training/churn/*"]);
    }
  });

  test("GCP: objectViewer on the data prefix, objectUser on the checkpoint prefix, objectCreator on the model prefix", () => {
    const app = testApp();
    const infra = bareStack(app, "infra");
    const cluster = new ExistingCluster(infra, "Cluster", { clusterName: "dc1", kubeconfigContext: "dc1-admin" });
    cluster.registerNodePool(SPOT);
    const identity = new FakeIdentity(infra, "Trainer", WorkloadIdentityKind.GCP_SERVICE_ACCOUNT, "training", "churn-trainer");
    const lake = (n: string) => new GcsBucketReference(infra, n, { bucketName: `acme-${n.toLowerCase()}` });
    const workloads = bareStack(app, "workloads");
    const connection = cluster.connect(workloads, "Conn");
    new TrainingJob(workloads, "Churn", {
      connection, identity, image: IMAGE,
      data: { store: lake("Curated"), prefix: "churn/" }, checkpoints: { store: lake("Checkpoints") }, modelOutput: { store: lake("Models") },
    });
    const members = Object.values(resourcesOfType(synthJson(infra), "google_storage_bucket_iam_member")) as any[];
    const roles = Object.fromEntries(members.map((m) => [m.bucket, m.role]));
    expect(roles).toEqual({ "acme-curated": "roles/storage.objectViewer", "acme-checkpoints": "roles/storage.objectUser", "acme-models": "roles/storage.objectCreator" });
    for (const m of members) expect(m.member).toBe("serviceAccount:churn-trainer@proj.iam.gserviceaccount.com");
    expect(members.find((m) => m.bucket === "acme-checkpoints").condition.expression).toContain("objects/training/churn/");
  });

  test("on-prem: keys from the identity's credentials Secret and the S3-compatible endpoint reach the container", () => {
    const app = testApp();
    const infra = bareStack(app, "infra");
    const cluster = new ExistingCluster(infra, "Cluster", { clusterName: "dc1", kubeconfigContext: "dc1-admin" });
    cluster.registerNodePool(SPOT);
    const identity = cluster.addWorkloadIdentity("Trainer", { namespace: "training", serviceAccountName: "churn-trainer" });
    const lake = new S3CompatibleBucket(infra, "Lake", { bucketName: "ml-lake", endpoint: "https://s3.storage.svc:8333" });
    const workloads = bareStack(app, "workloads");
    const connection = cluster.connect(workloads, "Conn");
    const t = new TrainingJob(workloads, "Churn", {
      connection, identity, image: IMAGE,
      data: { store: lake, prefix: "curated/churn/" }, checkpoints: { store: lake, prefix: "checkpoints/churn/" }, modelOutput: { store: lake, prefix: "models/churn/" },
    });
    const env = envOf(only(synthJson(workloads), "TrainJob"));
    expect(env.AWS_ACCESS_KEY_ID).toEqual({ secretKeyRef: { name: "churn-trainer-credentials", key: "AWS_ACCESS_KEY_ID" } });
    expect(env.AWS_SECRET_ACCESS_KEY).toEqual({ secretKeyRef: { name: "churn-trainer-credentials", key: "AWS_SECRET_ACCESS_KEY" } });
    expect(env.AWS_ENDPOINT_URL_S3).toBe("https://s3.storage.svc:8333");
    expect(env.CHECKPOINT_URI).toBe("s3://ml-lake/checkpoints/churn/");
    // The store records what the Secret's keys must be allowed to do.
    expect(annotations(lake).join("\n")).toMatch(/checkpoints\/churn\//);
    expect(t.modelOutputUri).toBe("s3://ml-lake/models/churn/");
  });
});

describe("TrainingJob: legacy PyTorchJob", () => {
  test("Master + Workers with restartPolicy OnFailure, backoffLimit, the pool's placement, non-root pods with /dev/shm", () => {
    const e = aws();
    new PyTorchJobOperator(e.platform, "TrainingOperator", { connection: e.platformConn });
    new TrainingJob(e.workloads, "Churn", { ...e.base, runtime: undefined, kind: TrainingJobKind.PYTORCH_JOB, numNodes: 3, gpusPerNode: 2 });
    const json = synthJson(e.workloads);
    const m = only(json, "PyTorchJob");
    expect(m.apiVersion).toBe("kubeflow.org/v1");
    expect(m.metadata.labels["kueue.x-k8s.io/queue-name"]).toBe("research");
    expect(m.spec.runPolicy).toEqual({ backoffLimit: 5, suspend: true });
    expect(m.spec.nprocPerNode).toBe("2");
    expect(m.spec.pytorchReplicaSpecs.Master).toMatchObject({ replicas: 1, restartPolicy: "OnFailure" });
    expect(m.spec.pytorchReplicaSpecs.Worker).toMatchObject({ replicas: 2, restartPolicy: "OnFailure" });
    const pod = m.spec.pytorchReplicaSpecs.Worker.template.spec;
    expect(pod.tolerations).toEqual(Scheduling.tolerationsFor(SPOT));
    expect(pod.nodeSelector).toEqual(SPOT.labels);
    expect(pod.serviceAccountName).toBe("churn-trainer");
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: "RuntimeDefault" } });
    const c = pod.containers[0];
    expect(c.name).toBe("pytorch");
    expect(c.resources).toEqual({ requests: { cpu: "2", memory: "12Gi", "nvidia.com/gpu": 2 }, limits: { memory: "12Gi", "nvidia.com/gpu": 2 } });
    expect(c.securityContext).toEqual({ allowPrivilegeEscalation: false, privileged: false, capabilities: { drop: ["ALL"] } });
    expect(pod.volumes).toEqual([{ name: "dshm", emptyDir: { medium: "Memory", sizeLimit: "4Gi" } }]);
    expect(envOf(m).CHECKPOINT_URI).toBe("s3://acme-checkpoints/training/churn/");
  });

  test("one node: no Worker replicas", () => {
    const m = only(job({ runtime: undefined, kind: TrainingJobKind.PYTORCH_JOB }).json, "PyTorchJob");
    expect(m.spec.pytorchReplicaSpecs.Worker).toBeUndefined();
  });
});

describeConformance("TrainingJob conformance", () => {
  test("TrainJob, ClusterTrainingRuntime, LocalQueue and PyTorchJob pass the strict schemas", () => {
    const e = aws();
    const registry = new FakeRegistry(e.workloads, "Registry");
    new TrainingJob(e.workloads, "Churn", { ...e.base, registry, numNodes: 2, activeDeadlineSeconds: 86400, env: { EPOCHS: "3" } });
    const legacy = e.cluster.addWorkloadIdentity("Legacy", { namespace: "training", serviceAccountName: "legacy-trainer" });
    new TrainingJob(e.workloads, "Legacy", { ...e.base, identity: legacy, runtime: undefined, kind: TrainingJobKind.PYTORCH_JOB, numNodes: 2, activeDeadlineSeconds: 3600 });
    const results = validateStackManifests(Testing.synth(e.workloads));
    expect(results.map((r) => r.address).length).toBeGreaterThanOrEqual(4);
    expect(results.filter((r) => r.errors.length > 0)).toEqual([]);
  });
});

describe("TrainingJob: rejected input", () => {
  const rejects = (props: Partial<TrainingJobProps>, message: RegExp, options: Options = {}) => {
    expect(() => job(props as any, options)).toThrow(message);
  };

  test("image without a digest", () => {
    rejects({ image: "registry.example.com/churn-train:1.4.2" }, /Churn: invalid image "registry.example.com\/churn-train:1.4.2": must be pinned by digest/);
    rejects({ image: "registry.example.com/churn-train" }, /invalid image .*must be pinned by digest/);
    rejects({ image: "registry.example.com/churn-train@sha256:abc" }, /invalid image .*has an invalid digest/);
    rejects({ image: "" }, /invalid image "": must be a non-empty string/);
    rejects({ image: 42 as any }, /invalid image 42: must be a non-empty string, not a number/);
  });

  test("latest or untagged images even with allowMutableImage", () => {
    rejects({ image: "churn:latest", allowMutableImage: true }, /invalid image "churn:latest": must carry a version tag or a digest/);
    rejects({ image: "churn", allowMutableImage: true }, /invalid image "churn": must carry a version tag/);
    rejects({ allowMutableImage: "yes" as any }, /invalid allowMutableImage "yes"/);
  });

  test("GPU count not a positive whole number, or above the pool's per-node count", () => {
    rejects({ gpusPerNode: 0 }, /invalid gpusPerNode 0: must be a positive whole number of GPUs/);
    rejects({ gpusPerNode: 1.5 }, /invalid gpusPerNode 1.5: must be a positive whole number/);
    rejects({ gpusPerNode: "2" as any }, /invalid gpusPerNode "2": must be a positive whole number of GPUs, not a string/);
    rejects({ gpusPerNode: 5 }, /invalid gpusPerNode 5: must be at most 4, the GPUs per node of pool "l4-spot"/);
  });

  test("numNodes below 1, not an integer, or above the pool's maxNodes", () => {
    rejects({ numNodes: 0 }, /invalid numNodes 0: must be an integer from 1 to 1000/);
    rejects({ numNodes: "2" as any }, /invalid numNodes "2": must be an integer from 1 to 1000, not a string/);
    rejects({ numNodes: 4 }, /invalid numNodes 4: must be at most the pool's maxNodes \(3, pool "l4-spot"\)/);
  });

  test("a job without a queue where the namespace is queue-managed", () => {
    const e = aws();
    new TrainingJob(e.workloads, "Churn", { ...e.base, queueName: undefined });
    expect(() => synthAll(e)).toThrow(/Churn: invalid queueName undefined: is required: namespace "training" on cluster "ml-prod" is queue-managed \(LocalQueues: research\)/);
  });

  test("a queue that does not exist in the namespace (lazily, so queues may be declared after the job)", () => {
    const e = aws({ queue: false });
    new TrainingJob(e.workloads, "Churn", { ...e.base, queueName: "research" });
    expect(() => synthAll(e)).toThrow(/invalid queueName "research": is not a LocalQueue in namespace "training" on cluster "ml-prod" \(it has none\)/);
    const later = aws({ queue: false });
    new TrainingJob(later.workloads, "Churn", { ...later.base, queueName: "research" });
    new KueueLocalQueue(later.workloads, "Queue", { connection: later.connection, namespace: "training", clusterQueueName: "research" });
    expect(() => synthAll(later)).not.toThrow();
    const other = aws();
    new KueueLocalQueue(other.workloads, "Other", { connection: other.connection, namespace: "research", clusterQueueName: "research", queueName: "batch" });
    new TrainingJob(other.workloads, "Churn", { ...other.base, queueName: "batch" });
    expect(() => synthAll(other)).toThrow(/invalid queueName "batch": is not a LocalQueue in namespace "training" .*known: research/);
    rejects({ queueName: "Research" }, /invalid queueName "Research": must be a LocalQueue name/);
  });

  test("a pool that is not a training pool (serving pools need the opt-in)", () => {
    rejects({ poolName: "l4-serving" }, /invalid poolName "l4-serving": is a serving \(INFERENCE\) pool; training runs on a TRAINING pool \(set allowServingPool: true/);
    rejects({ poolName: "cpu" }, /invalid poolName "cpu": is a general pool; training runs on a TRAINING GPU pool/, { pools: [SPOT, CPU] });
    rejects({ poolName: "nope" }, /invalid poolName "nope": must name a node pool of cluster "ml-prod" \(pools: .*l4-spot/);
    rejects({}, /invalid poolName undefined: is required: cluster "ml-prod" has no TRAINING pool/, { pools: [SERVING] });
    rejects({}, /invalid poolName undefined: is required: cluster "ml-prod" has several TRAINING pools \(l4-spot, l4-spot-b\)/, {
      pools: [SPOT, { ...SPOT, name: "l4-spot-b" }],
    });
    rejects({}, /invalid poolName "cpu-train": is a pool without GPUs/, { pools: [{ ...CPU, name: "cpu-train", purpose: NodePoolPurpose.TRAINING }] });
  });

  test("a namespace no connection creates (checked lazily)", () => {
    const app = testApp();
    const infra = bareStack(app, "infra");
    const cluster = new ExistingCluster(infra, "Cluster", { clusterName: "dc1", kubeconfigContext: "dc1-admin" });
    cluster.registerNodePool(SPOT);
    const identity = cluster.addWorkloadIdentity("Trainer", { namespace: "training", serviceAccountName: "churn-trainer" });
    const lake = new S3CompatibleBucket(infra, "Lake", { bucketName: "ml-lake", endpoint: "https://s3.storage.svc:8333" });
    const workloads = bareStack(app, "workloads");
    new TrainingJob(workloads, "Churn", {
      connection: cluster.connect(workloads, "Conn"), identity, image: IMAGE,
      data: { store: lake }, checkpoints: { store: lake }, modelOutput: { store: lake },
    });
    expect(() => app.synth()).toThrow(/Churn: invalid identity.namespace "training": is not created by any connection to cluster "dc1"; call addNamespace\("training"\)/);
  });

  test("names", () => {
    rejects({ name: "Churn" }, /invalid name "Churn": must be an RFC 1035 label/);
    rejects({ name: "1churn" }, /invalid name "1churn": must be an RFC 1035 label/);
    rejects({ name: "a".repeat(51) }, /invalid name "a{51}": must be at most 50 characters/);
    expect(() => {
      const e = aws();
      new TrainingJob(e.workloads, "Churn_Model", e.base);
    }).toThrow(/invalid name "churn_model": must be an RFC 1035 label.*derived from the construct id: give name explicitly/);
    rejects({ runtime: undefined, runtimeName: "" }, /invalid runtimeName "": must be a non-empty string/);
  });

  test("env names Strata sets, invalid names and non-string values", () => {
    rejects({ env: { CHECKPOINT_URI: "s3://x/" } }, /invalid env key "CHECKPOINT_URI": is set by Strata/);
    rejects({ env: { PET_NNODES: "2" } }, /invalid env key "PET_NNODES": is set by Strata/);
    rejects({ env: { "1X": "a" } }, /invalid env key "1X": must be an environment variable name/);
    rejects({ env: { EPOCHS: 10 as any } }, /invalid env\["EPOCHS"\] 10: must be a string, not a number/);
    rejects({ env: ["A=1"] as any }, /invalid env/);
  });

  test("resources and other values", () => {
    rejects({ cpu: "2 cores" }, /invalid cpu "2 cores": must be a CPU quantity/);
    rejects({ cpu: 4 as any }, /invalid cpu 4: must be a CPU quantity such as "8" or "7500m" \(a string\), not a number/);
    rejects({ memory: "16GB" }, /invalid memory "16GB": must be a memory quantity/);
    rejects({ command: "torchrun" as any }, /invalid command "torchrun"/);
    rejects({ activeDeadlineSeconds: 0 }, /invalid activeDeadlineSeconds 0/);
    rejects({ gitRevision: "" }, /invalid gitRevision "": must be a non-empty string/);
    rejects({ kind: "pytorchjob" as any }, /invalid kind "pytorchjob"/);
    rejects({ data: undefined as any }, /invalid data undefined: must be a location/);
    rejects({ checkpoints: { store: "s3://bucket" as any } }, /invalid checkpoints.store "s3:\/\/bucket": must be an IObjectStore/);
    rejects({ registry: {} as any }, /invalid registry \{\}: must be an IModelRegistry/);
    rejects({ identity: undefined as any }, /invalid identity undefined: must be an IWorkloadIdentity/);
    rejects({ connection: undefined as any }, /invalid connection undefined: must be a ClusterConnection/);
  });

  test("options of the other kind", () => {
    rejects({ backoffLimit: 3 }, /invalid backoffLimit 3: only applies to kind PYTORCH_JOB/);
    rejects({ runAsUser: 1001 }, /invalid runAsUser 1001: only applies to kind PYTORCH_JOB/);
    rejects({ runtimeName: "x" }, /invalid runtimeName "x": give runtime or runtimeName, not both/);
    rejects({ kind: TrainingJobKind.PYTORCH_JOB }, /invalid runtime ".*Torch": only applies to kind TRAIN_JOB/);
    rejects({ kind: TrainingJobKind.PYTORCH_JOB, runtime: undefined, backoffLimit: -1 }, /invalid backoffLimit -1/);
  });

  test("connection of the wrong type is the standard error, not a TypeError", () => {
    expect(() => job({ connection: {} as ClusterConnection })).toThrow(/invalid connection \{\}: must be a ClusterConnection/);
  });
});
