import * as YAML from "yaml";
import { Construct } from "constructs";
import { CapacityType, IWorkloadIdentity, NodePoolInfo, NodePoolPurpose, TaintEffect } from "../../lib/core/cluster";
import { Gpu } from "../../lib/core/gpu";
import { IModelRegistry, ModelAlias, RegistryClientEnvVar, RegistryClientOptions } from "../../lib/core/model-registry";
import { S3BucketReference, S3CompatibleBucket } from "../../lib/core/object-store";
import { Scheduling } from "../../lib/core/scheduling";
import { EksCluster } from "../../lib/compute/eks-cluster";
import { ExistingCluster } from "../../lib/compute/existing-cluster";
import { KueueLocalQueue } from "../../lib/compute/kueue";
import { ArgoCrdInstall, ArgoWorkflows } from "../../lib/model/argo-workflows";
import { TrainingRuntime } from "../../lib/model/training-runtime";
import { TrainingJob } from "../../lib/model/training-job";
import { TrainingPipeline, TrainingPipelineProps } from "../../lib/model/training-pipeline";
import { describeConformance, validateManifest, validateStackManifests } from "../support/conformance";
import { annotations, awsStack, bareStack, resourcesOfType, SynthJson, synthJson, testApp } from "../support/synth";

const DIGEST = "sha256:" + "a".repeat(64);
const STEPS_IMAGE = `registry.example.com/churn-steps@${DIGEST}`;
const TRAIN_IMAGE = `registry.example.com/churn-train@${DIGEST}`;

const GENERAL: NodePoolInfo = {
  name: "cpu",
  purpose: NodePoolPurpose.GENERAL,
  capacityType: CapacityType.ON_DEMAND,
  labels: { [Scheduling.POOL_LABEL]: "cpu", [Scheduling.PURPOSE_LABEL]: "general" },
  taints: [],
  minNodes: 1,
  maxNodes: 10,
};
const TRAINING: NodePoolInfo = {
  name: "train-l4",
  purpose: NodePoolPurpose.TRAINING,
  capacityType: CapacityType.SPOT,
  labels: { [Scheduling.POOL_LABEL]: "train-l4", [Scheduling.PURPOSE_LABEL]: "training", [Scheduling.CAPACITY_TYPE_LABEL]: "spot" },
  taints: [Scheduling.gpuTaint(), Scheduling.trainingTaint()],
  minNodes: 0,
  maxNodes: 4,
  gpu: Gpu.NVIDIA_L4,
  gpusPerNode: 4,
};
const INFERENCE: NodePoolInfo = { ...TRAINING, name: "serve-l4", purpose: NodePoolPurpose.INFERENCE, capacityType: CapacityType.ON_DEMAND, taints: [Scheduling.gpuTaint()] };

/** A tiny registry: a tracking URI, a credentials Secret and recorded grants. */
class FakeRegistry extends Construct implements IModelRegistry {
  public readonly trackingUri = "http://mlflow.mlflow.svc.cluster.local:80";
  public readonly granted: IWorkloadIdentity[] = [];
  public modelUri(modelName: string, alias: ModelAlias): string {
    return `models:/${modelName}@${alias}`;
  }
  public clientEnvironment(options: RegistryClientOptions): RegistryClientEnvVar[] {
    return [
      { name: "MLFLOW_TRACKING_URI", value: this.trackingUri },
      { name: "MLFLOW_TRACKING_PASSWORD", secretName: options.credentialsSecretName ?? "mlflow-client", secretKey: "password" },
    ];
  }
  public grantClient(identity: IWorkloadIdentity): void {
    this.granted.push(identity);
  }
}

interface Options {
  /** Declare the LocalQueue "training" in the pipeline namespace. */
  queue?: boolean;
}

function aws(pools: NodePoolInfo[] = [GENERAL, TRAINING, INFERENCE], options: Options = {}) {
  const app = testApp();
  const infra = awsStack(app, "infra");
  const cluster = new EksCluster(infra, "Cluster", { clusterName: "ml-prod", subnetIds: ["subnet-a", "subnet-b"] });
  for (const p of pools) cluster.registerNodePool(p);
  const identity = cluster.addWorkloadIdentity("Pipeline", { namespace: "ml-pipelines", serviceAccountName: "churn-pipeline" });
  const trainIdentity = cluster.addWorkloadIdentity("Trainer", { namespace: "ml-pipelines", serviceAccountName: "churn-trainer" });
  const curated = new S3BucketReference(infra, "Curated", { bucketName: "acme-curated", partition: "aws" });
  const models = new S3BucketReference(infra, "Models", { bucketName: "acme-models", partition: "aws" });
  const registry = new FakeRegistry(infra, "Registry");
  const platform = awsStack(app, "platform");
  const platformConn = cluster.connect(platform, "Conn");
  const workflows = new ArgoWorkflows(platform, "Argo", {
    connection: platformConn,
    artifactStore: models,
    artifactRegion: "us-east-1",
    crdBaseUrl: "https://mirror.example.com/argo/crds/full",
  });
  const trainer = new TrainingRuntime(platform, "Trainer", { connection: platformConn });
  const workloads = awsStack(app, "workloads");
  const connection = cluster.connect(workloads, "Conn");
  const runtime = trainer.addTorchDistributedRuntime(workloads, "Torch", { connection });
  if (options.queue ?? true) new KueueLocalQueue(workloads, "Queue", { connection, namespace: "ml-pipelines", queueName: "training", clusterQueueName: "research" });
  const base: TrainingPipelineProps = {
    connection,
    workflows,
    runtime,
    registry,
    modelName: "churn",
    identity,
    trainIdentity,
    dataset: { store: curated, prefix: "churn/train/" },
    heldOutDataset: { store: curated, prefix: "churn/holdout/" },
    output: { store: models, prefix: "churn/" },
    image: STEPS_IMAGE,
    trainImage: TRAIN_IMAGE,
    queueName: "training",
    gpusPerNode: 2,
    gateMetrics: [
      { name: "auc", greaterIsBetter: true, minDelta: 0.005 },
      { name: "log_loss", greaterIsBetter: false },
    ],
  };
  return { app, infra, platform, workloads, cluster, identity, trainIdentity, curated, models, registry, workflows, connection, runtime, base };
}

function pipeline(props: Partial<TrainingPipelineProps> = {}, pools?: NodePoolInfo[]) {
  const e = aws(pools);
  const p = new TrainingPipeline(e.workloads, "Churn", { ...e.base, ...props });
  return { ...e, p, json: synthJson(e.workloads) };
}

function build(props: Partial<TrainingPipelineProps>, pools?: NodePoolInfo[]) {
  const e = aws(pools);
  return () => new TrainingPipeline(e.workloads, "Churn", { ...e.base, ...props } as TrainingPipelineProps);
}

function manifests(json: SynthJson): any[] {
  return Object.values(resourcesOfType(json, "kubernetes_manifest")).map((r: any) => r.manifest);
}
function template(json: SynthJson): any {
  return manifests(json).find((m) => m.kind === "WorkflowTemplate");
}
function step(json: SynthJson, name: string): any {
  return template(json).spec.templates.find((t: any) => t.name === name);
}
function trainJob(json: SynthJson): any {
  return YAML.parse(step(json, "train").resource.manifest);
}

describe("TrainingPipeline", () => {
  test("emits a WorkflowTemplate in the Argo namespace, applied after the platform stack", () => {
    const { json, workloads, platform } = pipeline();
    const m = template(json);
    expect(m.apiVersion).toBe("argoproj.io/v1alpha1");
    expect(m.metadata).toMatchObject({ name: "churn", namespace: "ml-pipelines" });
    expect(m.spec.entrypoint).toBe("pipeline");
    expect(workloads.dependencies).toContain(platform);
    // The LocalQueue and the runtime are declared by the test (aws()); the pipeline adds only its template.
    expect(manifests(json).map((x) => x.kind)).toEqual(["WorkflowTemplate", "LocalQueue", "ClusterTrainingRuntime"]);
  });

  test("steps run in order: validate data, train, evaluate, register, promote", () => {
    const steps = step(pipeline().json, "pipeline").steps;
    // One step per group: each group waits for the previous one.
    expect(steps.map((g: any[]) => g.map((s) => s.name))).toEqual([["validate-data"], ["train"], ["evaluate"], ["register"], ["promote"]]);
    expect(steps.map((g: any[]) => g[0].template)).toEqual(["validate-data", "train", "evaluate", "register", "promote"]);
    for (const name of ["validate-data", "evaluate", "register", "promote"]) {
      expect(step(pipeline().json, name).container.args[0]).toBe(name === "validate-data" ? "validate" : name);
    }
  });

  test("promote runs only when the gate holds: no production yet, or every metric at least as good by minDelta", () => {
    const { json, p } = pipeline();
    const promote = step(json, "pipeline").steps[4][0];
    const o = (x: string) => `{{steps.evaluate.outputs.parameters.${x}}}`;
    expect(promote.when).toBe(
      `${o("has-production")} == false || (${o("candidate-auc")} >= ${o("production-auc")} + 0.005 && ${o("candidate-log_loss")} <= ${o("production-log_loss")} - 0)`,
    );
    expect(p.gateExpression).toBe(promote.when);
    expect(promote.arguments.parameters).toEqual([{ name: "version", value: "{{steps.register.outputs.parameters.version}}" }]);
    // No other step is conditional: register always records the candidate.
    expect(step(json, "pipeline").steps.slice(0, 4).flat().some((s: any) => s.when !== undefined)).toBe(false);
  });

  test("the gate's inputs are evaluate's output parameters, read from files under /tmp/strata/outputs", () => {
    const evaluate = step(pipeline().json, "evaluate");
    expect(evaluate.outputs.parameters.map((x: any) => x.name)).toEqual([
      "has-production",
      "candidate-auc",
      "production-auc",
      "candidate-log_loss",
      "production-log_loss",
    ]);
    expect(evaluate.outputs.parameters[1].valueFrom).toEqual({ path: "/tmp/strata/outputs/candidate-auc" });
    const env = Object.fromEntries(evaluate.container.env.filter((v: any) => v.value !== undefined).map((v: any) => [v.name, v.value]));
    expect(env.STRATA_PRODUCTION_MODEL_URI).toBe("models:/churn@production");
    expect(env.STRATA_HELD_OUT_URI).toBe("s3://acme-curated/churn/holdout/");
    expect(JSON.parse(env.STRATA_GATE_METRICS)).toEqual([
      { name: "auc", greaterIsBetter: true, minDelta: 0.005 },
      { name: "log_loss", greaterIsBetter: false, minDelta: 0 },
    ]);
  });

  test("promotes to staging by default, production when asked", () => {
    const alias = (json: SynthJson) => step(json, "promote").container.env.find((v: any) => v.name === "STRATA_PROMOTE_ALIAS").value;
    expect(alias(pipeline().json)).toBe("staging");
    expect(alias(pipeline({ promoteTo: ModelAlias.PRODUCTION }).json)).toBe("production");
    expect(step(pipeline().json, "promote").container.args).toEqual(["promote", "--version", "{{inputs.parameters.version}}"]);
  });

  test("the train step creates a TrainJob through a resource template with success and failure conditions", () => {
    const train = step(pipeline().json, "train");
    expect(train.resource).toMatchObject({
      action: "create",
      setOwnerReference: true,
      successCondition: 'status.conditions.#(type=="Complete").status == True',
      failureCondition: 'status.conditions.#(type=="Failed").status == True',
    });
    expect(train.serviceAccountName).toBe("churn-launcher");
  });

  test("the TrainJob is queued in Kueue and lands on the spot training pool with whole GPUs", () => {
    const { json, runtime } = pipeline();
    const tj = trainJob(json);
    expect(tj.apiVersion).toBe("trainer.kubeflow.org/v1alpha1");
    expect(tj.metadata.labels["kueue.x-k8s.io/queue-name"]).toBe("training");
    expect(tj.metadata.name).toBe("{{workflow.name}}-train");
    expect(tj.spec.suspend).toBe(true);
    expect(tj.spec.runtimeRef).toEqual({ apiGroup: "trainer.kubeflow.org", kind: "ClusterTrainingRuntime", name: runtime.runtimeName });
    expect(tj.spec.trainer.image).toBe(TRAIN_IMAGE);
    expect(tj.spec.trainer.resourcesPerNode).toEqual({
      requests: { cpu: "4", memory: "32Gi", "nvidia.com/gpu": 2 },
      limits: { memory: "32Gi", "nvidia.com/gpu": 2 },
    });
    expect(tj.spec.trainer.numProcPerNode).toBe(2);
    const pod = tj.spec.runtimePatches[0].trainingRuntimeSpec.template.spec.replicatedJobs[0].template.spec.template.spec;
    expect(pod.nodeSelector).toEqual(TRAINING.labels);
    expect(pod.tolerations).toEqual([
      { key: "nvidia.com/gpu", operator: "Equal", value: "present", effect: "NoSchedule" },
      { key: "workload", operator: "Equal", value: "training", effect: "NoSchedule" },
    ]);
    expect(pod.serviceAccountName).toBe("churn-trainer");
    // Non-root, seccomp and /dev/shm come from the runtime the TrainJob references (TorchDistributedRuntime).
    expect(pod.securityContext).toBeUndefined();
    const rt = manifests(json).find((m) => m.kind === "ClusterTrainingRuntime");
    expect(rt.metadata.name).toBe(tj.spec.runtimeRef.name);
    expect(rt.spec.template.spec.replicatedJobs[0].template.spec.template.spec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
  });

  test("the TrainJob body is TrainingJob.trainJobBody's: the same placement, queue, runtime patch and resources", () => {
    const e = pipeline();
    const tj = trainJob(e.json);
    const body = TrainingJob.trainJobBody({
      name: "{{workflow.name}}-train",
      namespace: "ml-pipelines",
      runtimeName: e.runtime.runtimeName,
      image: TRAIN_IMAGE,
      pool: TRAINING,
      gpusPerNode: 2,
      numNodes: 1,
      cpu: "4",
      memory: "32Gi",
      serviceAccountName: "churn-trainer",
      queueName: "training",
      env: [],
      activeDeadlineSeconds: 86400,
    });
    expect({ ...tj, spec: { ...tj.spec, trainer: { ...tj.spec.trainer, env: undefined } } }).toEqual(JSON.parse(JSON.stringify(body)));
  });

  test("the TrainJob references the runtime passed (or runtimeName); the template waits for a runtime on the same cluster", () => {
    const e = pipeline();
    const tmpl = Object.values(resourcesOfType(e.json, "kubernetes_manifest")).find((r: any) => r.manifest.kind === "WorkflowTemplate") as any;
    expect(tmpl.depends_on).toContain(`${"${"}kubernetes_manifest.${e.runtime.resource.resource.friendlyUniqueId}}`);
    const byName = trainJob(pipeline({ runtime: undefined, runtimeName: "team-torch" }).json);
    expect(byName.spec.runtimeRef.name).toBe("team-torch");
    expect(trainJob(pipeline({ runtime: undefined }).json).spec.runtimeRef.name).toBe("strata-torch-distributed");
  });

  test("training pods get the shared lineage environment plus the pipeline's own variables", () => {
    const env = Object.fromEntries(trainJob(pipeline().json).spec.trainer.env.map((v: any) => [v.name, v.value ?? v.valueFrom]));
    expect(env).toMatchObject({
      STRATA_TRAINING_JOB: "{{workflow.name}}-train",
      STRATA_IMAGE: TRAIN_IMAGE,
      STRATA_IMAGE_DIGEST: DIGEST,
      DATA_URI: "s3://acme-curated/churn/train/",
      MODEL_OUTPUT_URI: "s3://acme-models/churn/{{workflow.name}}/",
      CHECKPOINT_URI: "s3://acme-models/churn/{{workflow.name}}/checkpoints/",
      MLFLOW_TRACKING_URI: "http://mlflow.mlflow.svc.cluster.local:80",
      STRATA_MODEL_NAME: "churn",
      STRATA_RUN_ID: "{{workflow.name}}",
      STRATA_CANDIDATE_URI: "s3://acme-models/churn/{{workflow.name}}/",
    });
    expect(JSON.parse(env.MLFLOW_RUN_CONTEXT)).toEqual({
      "strata.training_job": "ml-pipelines/{{workflow.name}}-train",
      "strata.image": TRAIN_IMAGE,
      "strata.image.digest": DIGEST,
      "strata.data.uri": "s3://acme-curated/churn/train/",
      "strata.pipeline": "ml-pipelines/churn",
      "strata.pipeline.run": "{{workflow.name}}",
    });
  });

  test("the named training pool and GPU count are used", () => {
    const other: NodePoolInfo = { ...TRAINING, name: "train-8", labels: { [Scheduling.POOL_LABEL]: "train-8" }, gpusPerNode: 8 };
    const tj = trainJob(pipeline({ trainingPoolName: "train-8", gpusPerNode: 8 }, [GENERAL, TRAINING, other]).json);
    const pod = tj.spec.runtimePatches[0].trainingRuntimeSpec.template.spec.replicatedJobs[0].template.spec.template.spec;
    expect(pod.nodeSelector).toEqual({ [Scheduling.POOL_LABEL]: "train-8" });
    expect(tj.spec.trainer.resourcesPerNode.limits["nvidia.com/gpu"]).toBe(8);
    // Without gpusPerNode: every GPU of a node of the pool (as TrainingJob).
    expect(trainJob(pipeline({ gpusPerNode: undefined }).json).spec.trainer.resourcesPerNode.limits["nvidia.com/gpu"]).toBe(4);
  });

  test("container steps run on on-demand CPU pools, never GPU pools, non-root with resources and registry env", () => {
    const { json } = pipeline();
    for (const name of ["validate-data", "train", "evaluate", "register", "promote"]) {
      const t = step(json, name);
      expect(t.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms).toEqual([
        { matchExpressions: [{ key: Scheduling.POOL_LABEL, operator: "In", values: ["cpu"] }] },
      ]);
      expect(t.tolerations).toBeUndefined();
      expect(t.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
    }
    for (const name of ["validate-data", "evaluate", "register", "promote"]) {
      const t = step(json, name);
      expect(t.serviceAccountName).toBe("churn-pipeline");
      expect(t.container.image).toBe(STEPS_IMAGE);
      expect(t.container.resources).toEqual({ requests: { cpu: "500m", memory: "2048Mi" }, limits: { memory: "2048Mi" } });
      expect(t.container.securityContext).toEqual({ runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } });
      expect(t.container.env).toContainEqual({ name: "MLFLOW_TRACKING_URI", value: "http://mlflow.mlflow.svc.cluster.local:80" });
      expect(t.container.env).toContainEqual({ name: "MLFLOW_TRACKING_PASSWORD", valueFrom: { secretKeyRef: { name: "mlflow-client", key: "password" } } });
    }
  });

  test("without a GENERAL pool, steps avoid GPU pools by affinity and a warning says so", () => {
    const { json, p } = pipeline({}, [TRAINING]);
    const terms = step(json, "evaluate").affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms;
    expect(terms[0].matchExpressions).toContainEqual({ key: Scheduling.PURPOSE_LABEL, operator: "NotIn", values: ["inference", "training"] });
    expect(annotations(p).join("\n")).toMatch(/declares no on-demand GENERAL pool/);
  });

  test("RBAC: Roles in the pipeline namespace only; the launcher may only create, get and delete TrainJobs", () => {
    const { json } = pipeline();
    expect(resourcesOfType(json, "kubernetes_cluster_role_v1")).toEqual({});
    expect(resourcesOfType(json, "kubernetes_cluster_role_binding_v1")).toEqual({});
    const roles = Object.values(resourcesOfType(json, "kubernetes_role_v1")) as any[];
    const byName = Object.fromEntries(roles.map((r) => [r.metadata.name, r]));
    expect(byName["churn-launcher"].metadata.namespace).toBe("ml-pipelines");
    expect(byName["churn-launcher"].rule).toEqual([{ api_groups: ["trainer.kubeflow.org"], resources: ["trainjobs"], verbs: ["create", "get", "delete"] }]);
    expect(byName["churn-executor"].rule).toEqual([{ api_groups: ["argoproj.io"], resources: ["workflowtaskresults"], verbs: ["create", "patch"] }]);
    const bindings = Object.values(resourcesOfType(json, "kubernetes_role_binding_v1")) as any[];
    const launcher = bindings.find((b) => b.metadata.name === "churn-launcher");
    expect(launcher.subject).toEqual([{ kind: "ServiceAccount", name: expect.stringContaining("LauncherServiceAccount"), namespace: "ml-pipelines" }]);
    expect(launcher.metadata.namespace).toBe("ml-pipelines");
  });

  test("identities: steps and training get their own service accounts; the launcher has no cloud identity", () => {
    const { json, registry, identity, trainIdentity } = pipeline();
    const sas = Object.values(resourcesOfType(json, "kubernetes_service_account_v1")) as any[];
    const byName = Object.fromEntries(sas.map((s) => [s.metadata.name, s]));
    expect(Object.keys(byName).sort()).toEqual(["churn-launcher", "churn-pipeline", "churn-trainer"]);
    expect(byName["churn-launcher"].metadata.annotations).toBeUndefined();
    expect(byName["churn-trainer"].automount_service_account_token).toBe(false);
    expect(registry.granted).toEqual([identity, trainIdentity]);
  });

  test("grants: steps read the datasets and the candidate and write artifacts; training reads data and writes only its output", () => {
    const { infra } = pipeline();
    const roles = resourcesOfType(synthJson(infra), "aws_iam_role_policy");
    const statementsOf = (role: string) =>
      Object.values(roles)
        .filter((p: any) => JSON.stringify(p.role).includes(role))
        .flatMap((p: any) => JSON.parse(p.policy).Statement);
    const pipelineSt = statementsOf("Pipeline");
    const trainerSt = statementsOf("Trainer");
    const resources = (st: any[], action: string) => st.filter((s) => [].concat(s.Action).includes(action as never)).flatMap((s) => s.Resource);
    expect(resources(pipelineSt, "s3:PutObject").sort()).toEqual(["arn:aws:s3:::acme-models/argo-artifacts/*"]);
    expect(resources(pipelineSt, "s3:DeleteObject")).toEqual([]);
    expect(resources(trainerSt, "s3:PutObject")).toEqual(["arn:aws:s3:::acme-models/churn/*"]);
    expect(resources(trainerSt, "s3:GetObject")).not.toContain("arn:aws:s3:::acme-curated/churn/holdout/*");
    expect(resources(pipelineSt, "s3:GetObject")).toEqual(expect.arrayContaining(["arn:aws:s3:::acme-curated/churn/holdout/*", "arn:aws:s3:::acme-models/churn/*"]));
  });

  test("an optional CronWorkflow runs the template on a schedule, never concurrently, in a time zone", () => {
    expect(manifests(pipeline().json).some((m) => m.kind === "CronWorkflow")).toBe(false);
    const { json } = pipeline({ schedule: "0 3 * * 1", timeZone: "Europe/Berlin" });
    const cron = manifests(json).find((m) => m.kind === "CronWorkflow");
    expect(cron.spec).toMatchObject({
      schedules: ["0 3 * * 1"],
      timezone: "Europe/Berlin",
      concurrencyPolicy: "Forbid",
      workflowSpec: { workflowTemplateRef: { name: "churn" } },
    });
    expect(manifests(pipeline({ schedule: "@weekly" }).json).find((m) => m.kind === "CronWorkflow").spec.timezone).toBe("UTC");
  });

  test("on-prem with an S3-compatible store: keys from the identities' Secrets", () => {
    const app = testApp();
    const infra = bareStack(app, "infra");
    const cluster = new ExistingCluster(infra, "Cluster", { clusterName: "dc1", kubeconfigContext: "dc1" });
    cluster.registerNodePool(GENERAL);
    cluster.registerNodePool(TRAINING);
    const store = new S3CompatibleBucket(infra, "Lake", { bucketName: "lake", endpoint: "https://s3.dc1.example.com" });
    const platform = bareStack(app, "platform");
    const workflows = new ArgoWorkflows(platform, "Argo", {
      connection: cluster.connect(platform, "Conn"),
      artifactStore: store,
      artifactCredentialsSecretName: "argo-artifacts",
      crdInstall: ArgoCrdInstall.MINIMAL_FROM_CHART,
    });
    const workloads = bareStack(app, "workloads");
    new TrainingPipeline(workloads, "Churn", {
      ...aws().base,
      connection: cluster.connect(workloads, "Conn"),
      workflows,
      registry: new FakeRegistry(infra, "Registry"),
      identity: cluster.addWorkloadIdentity("P", { namespace: "ml-pipelines", serviceAccountName: "churn-pipeline" }),
      trainIdentity: cluster.addWorkloadIdentity("T", { namespace: "ml-pipelines", serviceAccountName: "churn-trainer" }),
      dataset: { store, prefix: "churn/train/" },
      heldOutDataset: { store, prefix: "churn/holdout/" },
      output: { store, prefix: "models/churn/" },
    });
    const json = synthJson(workloads);
    expect(step(json, "evaluate").container.env).toContainEqual({ name: "AWS_ACCESS_KEY_ID", valueFrom: { secretKeyRef: { name: "churn-pipeline-credentials", key: "AWS_ACCESS_KEY_ID" } } });
    expect(trainJob(json).spec.trainer.env).toContainEqual({ name: "AWS_SECRET_ACCESS_KEY", valueFrom: { secretKeyRef: { name: "churn-trainer-credentials", key: "AWS_SECRET_ACCESS_KEY" } } });
    expect(step(json, "evaluate").container.env).toContainEqual({ name: "AWS_ENDPOINT_URL_S3", value: "https://s3.dc1.example.com" });
  });

  describeConformance("conformance", () => {
    test("the WorkflowTemplate and CronWorkflow pass the strict schemas", () => {
      const { json } = pipeline({ schedule: "0 3 * * *" });
      const results = validateStackManifests(json);
      expect(results).toHaveLength(4); // template, cron, and the test's LocalQueue and runtime
      for (const r of results) expect(r.errors).toEqual([]);
    });
    test("the CRDs' CEL rules that apply: one type per template, deadlines on leaf templates only, TrainJob names fit", () => {
      const { spec } = template(pipeline().json);
      const types = ["container", "script", "dag", "steps", "resource", "suspend", "data", "http", "plugin", "containerSet"];
      for (const t of spec.templates) {
        expect(types.filter((k) => t[k] !== undefined)).toHaveLength(1);
        if (t.steps !== undefined || t.dag !== undefined) expect(t.activeDeadlineSeconds).toBeUndefined();
      }
      // TrainJob: RFC 1035 label of at most 63 characters; the longest run name is "<name>-<10-digit cron timestamp>".
      const longest = `${"a".repeat(40)}-${"1".repeat(10)}-train`;
      expect(longest.length).toBeLessThanOrEqual(63);
      expect(() => pipeline({ name: "a".repeat(40) })).not.toThrow();
    });
    test("the TrainJob body passes the strict TrainJob schema (the Argo variable replaced by a run name)", () => {
      const tj = trainJob(pipeline({ trainCommand: ["python", "train.py"], trainArgs: ["--epochs", "3"] }).json);
      tj.metadata.name = "churn-x7k2p-train";
      expect(validateManifest(tj, { strict: true })).toEqual([]);
    });
  });

  describe("rejects", () => {
    test("an evaluation gate without a metric", () => {
      expect(build({ gateMetrics: [] })).toThrow("workloads/Churn: invalid gateMetrics []: must name at least one metric");
      expect(build({ gateMetrics: undefined })).toThrow("workloads/Churn: invalid gateMetrics undefined: is required: an evaluation gate needs at least one metric");
      expect(build({ gateMetrics: "auc" as any })).toThrow('invalid gateMetrics "auc": must be a list such as');
    });

    test("bad metric names, duplicates, directions and deltas", () => {
      expect(build({ gateMetrics: [{ name: "val-loss", greaterIsBetter: false }] })).toThrow('invalid gateMetrics[0].name "val-loss": must be a metric name of 1 to 40 letters');
      expect(build({ gateMetrics: [{ name: "1auc", greaterIsBetter: true }] })).toThrow('invalid gateMetrics[0].name "1auc"');
      expect(build({ gateMetrics: [{ name: "auc", greaterIsBetter: true }, { name: "auc", greaterIsBetter: true }] })).toThrow('invalid gateMetrics[1].name "auc": is listed twice');
      expect(build({ gateMetrics: [{ name: "auc" } as any] })).toThrow("invalid gateMetrics[0].greaterIsBetter undefined: is required and must be true or false, not a undefined");
      expect(build({ gateMetrics: [{ name: "auc", greaterIsBetter: "true" } as any] })).toThrow('invalid gateMetrics[0].greaterIsBetter "true"');
      expect(build({ gateMetrics: [{ name: "auc", greaterIsBetter: true, minDelta: -0.1 }] })).toThrow("invalid gateMetrics[0].minDelta -0.1: must be 0 or more");
      expect(build({ gateMetrics: [{ name: "auc", greaterIsBetter: true, minDelta: "0.1" as any }] })).toThrow('invalid gateMetrics[0].minDelta "0.1": must be a number, not a string');
      expect(build({ gateMetrics: ["auc"] as any })).toThrow('invalid gateMetrics[0] "auc": must be a GateMetric');
    });

    test("schedules and time zones", () => {
      expect(build({ schedule: "0 3 * *" })).toThrow('invalid schedule "0 3 * *": must be a cron schedule of five fields');
      expect(build({ schedule: "0 25 * * *" })).toThrow('invalid schedule "0 25 * * *": has an invalid hour field "25"');
      expect(build({ schedule: 3 as any })).toThrow("invalid schedule 3: must be a cron schedule");
      expect(build({ schedule: "@daily", timeZone: "Berlin time" })).toThrow('invalid timeZone "Berlin time": must be an IANA time zone name');
      expect(build({ timeZone: "UTC" })).toThrow('invalid timeZone "UTC": only applies with schedule');
    });

    test("images without a digest (unless opted out), and latest", () => {
      expect(build({ image: "registry.example.com/churn-steps:1.2.0" })).toThrow(
        'workloads/Churn: invalid image "registry.example.com/churn-steps:1.2.0": must be pinned by digest',
      );
      expect(build({ trainImage: "registry.example.com/churn-train:1.2.0" })).toThrow('invalid trainImage "registry.example.com/churn-train:1.2.0": must be pinned by digest');
      expect(build({ trainImage: "registry.example.com/churn-train@sha256:abc" })).toThrow("has an invalid digest");
      expect(build({ image: "registry.example.com/churn-steps:1.2.0" })).toThrow("set allowMutableImage: true to accept a tag");
      expect(build({ image: "registry.example.com/churn-steps:latest", allowMutableImage: true })).toThrow('not "latest"');
      expect(build({ trainImage: "registry.example.com/churn-train", allowMutableImage: true })).toThrow(
        'invalid trainImage "registry.example.com/churn-train": must carry a version tag or a digest even with allowMutableImage',
      );
      expect(build({ image: "registry.example.com/churn-steps:1.2.0!", allowMutableImage: true })).toThrow("has an invalid tag");
      expect(build({ image: 5 as any })).toThrow("invalid image 5: must be a non-empty string, not a number");
      expect(build({ allowMutableImage: "yes" as any })).toThrow('invalid allowMutableImage "yes"');
    });

    test("(accepted) a tag-only image with allowMutableImage: a warning, no digest recorded", () => {
      const { p, json } = pipeline({ trainImage: "registry.example.com/churn-train:1.2.0", allowMutableImage: true });
      expect(annotations(p).join("\n")).toMatch(/workloads\/Churn: trainImage "registry.example.com\/churn-train:1.2.0": is pinned by tag only \(allowMutableImage\)/);
      expect(trainJob(json).spec.trainer.env.map((v: any) => v.name)).not.toContain("STRATA_IMAGE_DIGEST");
    });

    test("GPU counts: not a positive integer, or more than the pool's nodes have", () => {
      expect(build({ gpusPerNode: 0 })).toThrow("workloads/Churn: invalid gpusPerNode 0: must be a positive whole number of GPUs");
      expect(build({ gpusPerNode: 1.5 })).toThrow("invalid gpusPerNode 1.5: must be a positive whole number of GPUs");
      expect(build({ gpusPerNode: "2" as any })).toThrow('invalid gpusPerNode "2": must be a positive whole number of GPUs, not a string');
      expect(build({ gpusPerNode: 5 })).toThrow('invalid gpusPerNode 5: must be at most 4, the GPUs per node of pool "train-l4"');
      // The pool's maxNodes bounds numNodes (shared with TrainingJob).
      expect(build({ numNodes: 5 })).toThrow("invalid numNodes 5: must be at most the pool's maxNodes (4, pool \"train-l4\")");
    });

    test("a cluster without a GPU training pool, or a pool that is not one", () => {
      expect(build({}, [GENERAL, INFERENCE])).toThrow('workloads/Churn: invalid trainingPoolName undefined: is required: cluster "ml-prod" has no TRAINING pool');
      const second: NodePoolInfo = { ...TRAINING, name: "train-a100" };
      expect(build({}, [GENERAL, TRAINING, second])).toThrow("has several TRAINING pools (train-l4, train-a100); name one");
      const noGpu: NodePoolInfo = { ...TRAINING, name: "train-cpu", gpu: undefined, gpusPerNode: undefined };
      expect(build({}, [GENERAL, noGpu])).toThrow('invalid trainingPoolName "train-cpu": is a pool without GPUs');
      expect(build({ trainingPoolName: "serve-l4" })).toThrow('invalid trainingPoolName "serve-l4": is a serving (INFERENCE) pool; training runs on a TRAINING pool');
      expect(build({ trainingPoolName: "cpu" })).toThrow('invalid trainingPoolName "cpu": is a general pool; training runs on a TRAINING GPU pool');
      expect(build({ trainingPoolName: "nope" })).toThrow('invalid trainingPoolName "nope": must name a node pool of cluster "ml-prod" (pools: ');
    });

    test("names", () => {
      expect(build({ name: "Churn" })).toThrow('workloads/Churn: invalid name "Churn": must be a DNS-1035 label of at most 40 characters');
      expect(build({ name: "1churn" })).toThrow('invalid name "1churn"');
      expect(build({ name: "a".repeat(41) })).toThrow("must be a DNS-1035 label of at most 40 characters");
      expect(build({ modelName: "churn model" })).toThrow('invalid modelName "churn model": must be a registered-model name');
      expect(build({ modelName: 7 as any })).toThrow("invalid modelName 7");
      expect(build({ queueName: undefined as any })).toThrow("invalid queueName undefined: is required: the Kueue LocalQueue");
      expect(build({ queueName: "Training" })).toThrow('invalid queueName "Training": must be a LocalQueue name');
      expect(build({ queueName: 3 as any })).toThrow("invalid queueName 3: must be a non-empty string, not a number");
      expect(build({ runtime: undefined, runtimeName: "Torch Distributed" })).toThrow('invalid runtimeName "Torch Distributed": must name a ClusterTrainingRuntime');
      expect(build({ runtimeName: "team-torch" })).toThrow('invalid runtimeName "team-torch": give runtime or runtimeName, not both');
      expect(build({ runtime: "strata-torch-distributed" as any })).toThrow('invalid runtime "strata-torch-distributed": must be a TorchDistributedRuntime');
    });

    test("a queue that is not a LocalQueue of the namespace (checked lazily against the WorkQueues registry)", () => {
      const e = aws(undefined, { queue: false });
      new TrainingPipeline(e.workloads, "Churn", e.base);
      expect(() => e.app.synth()).toThrow('workloads/Churn: invalid queueName "training": is not a LocalQueue in namespace "ml-pipelines" on cluster "ml-prod" (it has none)');
      const other = aws(undefined, { queue: false });
      new KueueLocalQueue(other.workloads, "Other", { connection: other.connection, namespace: "ml-pipelines", queueName: "research", clusterQueueName: "research" });
      new TrainingPipeline(other.workloads, "Churn", other.base);
      expect(() => other.app.synth()).toThrow('invalid queueName "training": is not a LocalQueue in namespace "ml-pipelines" on cluster "ml-prod" (known: research)');
      // Declared after the pipeline: fine (the check is lazy).
      const later = aws(undefined, { queue: false });
      new TrainingPipeline(later.workloads, "Churn", later.base);
      new KueueLocalQueue(later.workloads, "Queue", { connection: later.connection, namespace: "ml-pipelines", queueName: "training", clusterQueueName: "research" });
      expect(() => later.app.synth()).not.toThrow();
    });

    test("identities outside the Argo namespace, or one service account for both", () => {
      const e = aws();
      const other = e.cluster.addWorkloadIdentity("Other", { namespace: "training", serviceAccountName: "x" });
      expect(() => new TrainingPipeline(e.workloads, "Churn", { ...e.base, trainIdentity: other })).toThrow(
        'workloads/Churn: invalid trainIdentity.namespace "training": must be the Argo Workflows namespace "ml-pipelines"',
      );
      const e2 = aws();
      expect(() => new TrainingPipeline(e2.workloads, "Churn", { ...e2.base, trainIdentity: e2.identity })).toThrow(
        'invalid trainIdentity "churn-pipeline": must be another service account than identity\'s',
      );
      expect(build({ identity: "churn" as any })).toThrow('invalid identity "a string": must be an IWorkloadIdentity');
    });

    test("data locations without a store or prefix", () => {
      expect(build({ dataset: "s3://acme/churn" as any })).toThrow('invalid dataset "s3://acme/churn": must be a PipelineDataLocation');
      expect(build({ heldOutDataset: { store: "acme" as any, prefix: "x/" } })).toThrow('invalid heldOutDataset.store "a string": must be an IObjectStore');
      expect(build({ output: { store: aws().models, prefix: undefined as any } })).toThrow("invalid output.prefix undefined: is required");
      expect(build({ output: { store: aws().models, prefix: "/churn" } })).toThrow('invalid output.prefix "/churn": must be a key prefix');
    });

    test("sizes and other numbers", () => {
      expect(build({ numNodes: 0 })).toThrow("invalid numNodes 0: must be an integer from 1 to 64");
      expect(build({ stepMemoryMiB: 10 })).toThrow("invalid stepMemoryMiB 10: must be an integer from 64 to 262144");
      expect(build({ runAsUser: 0 })).toThrow("invalid runAsUser 0: must be an integer from 1 to 2147483647");
      expect(build({ promoteTo: "PRODUCTION" as any })).toThrow('invalid promoteTo "PRODUCTION": must be one of ModelAlias.STAGING');
      expect(build({ command: "python -m steps" as any })).toThrow('invalid command "python -m steps": must be a list such as');
    });
  });
});

