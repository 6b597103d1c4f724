import { Construct, IConstruct } from "constructs";
import { RoleBindingV1 } from "@cdktf/provider-kubernetes/lib/role-binding-v1";
import { RoleV1 } from "@cdktf/provider-kubernetes/lib/role-v1";
import { ServiceAccountV1 } from "@cdktf/provider-kubernetes/lib/service-account-v1";
import { IWorkloadIdentity } from "../core/cluster";
import { ClusterConnection } from "../core/connection";
import { CustomResource } from "../core/custom-resource";
import { MANAGED_BY_LABELS } from "../core/labels";
import { IModelRegistry, ModelAlias } from "../core/model-registry";
import { IObjectStore } from "../core/object-store";
import {
  invalid,
  isUnresolved,
  typeName,
  validateBoolean,
  validateEnum,
  validateInteger,
  validateList,
  validateNumber,
  validateStringList,
} from "../core/validation";
import { ArgoWorkflows } from "./argo-workflows";
import { cpuPlacement, validateCron, validatePrefix, validateTimeZone } from "./pipeline-internal";
import { TorchDistributedRuntime } from "./torch-distributed-runtime";
import { TrainingJob } from "./training-job";
import {
  queueProblems,
  runtimeDependencies,
  storeCredentialsEnv,
  toK8sEnv,
  trainingEnvironment,
  trainingPlacement,
  trainingRuntimeName,
  validatePinnedImage,
  validateQueueName,
} from "./training-internal";

/** One metric of the evaluation gate. */
export interface GateMetric {
  /**
   * Metric name, as the evaluate step reports it (letters, digits and `_`, starting with a
   * letter, at most 40 characters), e.g. `auc`, `val_loss`.
   */
  readonly name: string;
  /** True when a larger value is better (accuracy, AUC); false when smaller is better (loss, error). */
  readonly greaterIsBetter: boolean;
  /**
   * How much better than production the candidate must be (0 accepts a tie: "at least as good").
   * @default 0
   */
  readonly minDelta?: number;
}

/** A dataset or output location: an object store and a key prefix. */
export interface PipelineDataLocation {
  /** The bucket (a data-lake zone, or any `IObjectStore`). */
  readonly store: IObjectStore;
  /** Key prefix (`datasets/churn/`: no leading '/', ends with '/'); grants are limited to it. */
  readonly prefix: string;
}

/** Props of `TrainingPipeline`. */
export interface TrainingPipelineProps {
  /** The cluster connection of the workloads stack. */
  readonly connection: ClusterConnection;
  /** The Argo Workflows installation (platform stack); the pipeline runs in its namespace. */
  readonly workflows: ArgoWorkflows;
  /** The model registry the pipeline evaluates against, registers in and promotes through. */
  readonly registry: IModelRegistry;
  /** Registered model name (letters, digits, `_`, `.`, `-`; at most 128 characters). */
  readonly modelName: string;
  /**
   * Identity of the container steps (validate, evaluate, register, promote): reads the datasets
   * and the candidate model, logs to and promotes in the registry, writes Argo artifacts. Its
   * namespace must be the Argo namespace; its service account is created here.
   */
  readonly identity: IWorkloadIdentity;
  /**
   * Identity of the training pods: reads the training data, writes the model and checkpoints
   * under `output`, logs runs to the registry. Same namespace, its own service account.
   */
  readonly trainIdentity: IWorkloadIdentity;
  /** Training data (read by validate and train). */
  readonly dataset: PipelineDataLocation;
  /** Held-out evaluation data (read by evaluate only; never given to the training pods). */
  readonly heldOutDataset: PipelineDataLocation;
  /** Where training writes checkpoints and the candidate model (one folder per workflow run). */
  readonly output: PipelineDataLocation;
  /** Image of the container steps; receives the step name as its last argument. Pinned by digest. */
  readonly image: string;
  /** Training image (runs under torchrun by the training runtime). Pinned by digest. */
  readonly trainImage: string;
  /**
   * Kueue LocalQueue (in the pipeline namespace) that admits the TrainJob. Checked at synth time
   * against the LocalQueues Strata creates there (`KueueLocalQueue`): it must be one of them.
   */
  readonly queueName: string;
  /**
   * Whole GPUs (`nvidia.com/gpu`) per training node, at most what the training pool's nodes have.
   * @default - every GPU of a node of the pool (`gpusPerNode` of the pool)
   */
  readonly gpusPerNode?: number;
  /** The metrics of the evaluation gate; at least one. */
  readonly gateMetrics: GateMetric[];
  /**
   * Name of the WorkflowTemplate (and of the CronWorkflow): a DNS-1035 label of at most 40
   * characters (runs and TrainJobs derive their names from it).
   * @default - the construct id, lowercased
   */
  readonly name?: string;
  /**
   * The alias the promote step moves to the new version when the gate passes.
   * @default ModelAlias.STAGING
   */
  readonly promoteTo?: ModelAlias;
  /**
   * Command of the container steps (the image's entrypoint when unset). The step name
   * (`validate`, `evaluate`, `register`, `promote`) is passed as the only argument.
   * @default - the image's entrypoint
   */
  readonly command?: string[];
  /**
   * Command of the training container.
   * @default - the runtime's (torchrun) with the image's entrypoint
   */
  readonly trainCommand?: string[];
  /**
   * Arguments of the training container.
   * @default - none
   */
  readonly trainArgs?: string[];
  /**
   * Training nodes (pods), each with `gpusPerNode` GPUs.
   * @default 1
   */
  readonly numNodes?: number;
  /**
   * CPU cores requested per training node.
   * @default 4
   */
  readonly cpuPerNode?: number;
  /**
   * Memory per training node in GiB (request and limit).
   * @default 32
   */
  readonly memoryGiBPerNode?: number;
  /**
   * Training pool (must be a TRAINING pool with GPUs; the container steps never run there).
   * @default - the cluster's only TRAINING pool (an error when it has none or several)
   */
  readonly trainingPoolName?: string;
  /**
   * The ClusterTrainingRuntime the TrainJob runs on (`trainer.addTorchDistributedRuntime(...)`):
   * its pod defaults (non-root user, `/dev/shm`, spot restarts) apply to the training pods.
   * @default - `runtimeName`
   */
  readonly runtime?: TorchDistributedRuntime;
  /**
   * Name of the ClusterTrainingRuntime, when it is not given as `runtime`.
   * @default "strata-torch-distributed" (TorchDistributedRuntime.DEFAULT_NAME)
   */
  readonly runtimeName?: string;
  /**
   * Seconds a TrainJob may run before it is stopped.
   * @default 86400
   */
  readonly trainTimeoutSeconds?: number;
  /**
   * CPU of each container step, in millicores (request; limit is unset).
   * @default 500
   */
  readonly stepCpuMillis?: number;
  /**
   * Memory of each container step in MiB (request and limit).
   * @default 2048
   */
  readonly stepMemoryMiB?: number;
  /**
   * User ID of the container steps (non-root). The training pods run as their runtime's user
   * (`TorchDistributedRuntime` `runAsUser`).
   * @default 1000
   */
  readonly runAsUser?: number;
  /**
   * Accept `image` and `trainImage` pinned by a version tag instead of a digest (a tag can move, so
   * runs are then not reproducible; a warning says so). `latest` and untagged images are rejected.
   * @default false
   */
  readonly allowMutableImage?: boolean;
  /**
   * Cron schedule for retraining (`0 3 * * 1`, or `@weekly`); adds a CronWorkflow that runs the
   * template, never two runs at once.
   * @default - no schedule (submit runs with `argo submit --from workflowtemplate/<name>`)
   */
  readonly schedule?: string;
  /**
   * IANA time zone of `schedule`.
   * @default "UTC"
   */
  readonly timeZone?: string;
}

/** Mount of the steps' writable scratch volume; output parameters are files under `OUTPUT_DIR`. */
const WORK_DIR = "/tmp";
const OUTPUT_DIR = "/tmp/strata/outputs";
/** Argo's executor image runs as this user (argoexec's Dockerfile `USER 8737`; unverified here). */
const ARGOEXEC_UID = 8737;
/** Role verbs the launcher needs on TrainJobs (Argo's resource template: create, poll, delete on cleanup). */
const TRAINJOB_VERBS = ["create", "get", "delete"];

/**
 * A training pipeline with an evaluation gate on Argo Workflows: a `WorkflowTemplate`
 * (`argoproj.io/v1alpha1`, workloads stack) whose steps run in order
 *
 * 1. `validate-data`: checks the training data (the image's `validate` step; a non-zero exit stops the run);
 * 2. `train`: creates a Kubeflow `TrainJob` admitted by Kueue through `queueName`, on the spot
 *    training pool with whole GPUs, and waits for its `Complete` (or `Failed`) condition;
 * 3. `evaluate`: scores the candidate and the registry's current production model on the held-out
 *    data and writes each gate metric for both (output parameters);
 * 4. `register`: registers the candidate as a new version of `modelName` (always, for lineage);
 * 5. `promote`: moves `promoteTo` to that version, only when the gate expression holds: no
 *    production model yet, or every gate metric at least as good as production by `minDelta`.
 *
 * Identities: the container steps share `identity`; the training pods use `trainIdentity`; the
 * train step's launcher pod uses a service account with no cloud identity that may only create,
 * get and delete TrainJobs in the namespace. Optional `schedule` adds a `CronWorkflow`.
 *
 * @example
 * new TrainingPipeline(workloads, "Churn", {
 *   connection, workflows: argo, registry: mlflow, modelName: "churn",
 *   identity: pipelineId, trainIdentity: trainerId,
 *   dataset: { store: lake.zone(LakeZone.CURATED), prefix: "churn/train/" },
 *   heldOutDataset: { store: lake.zone(LakeZone.CURATED), prefix: "churn/holdout/" },
 *   output: { store: lake.zone(LakeZone.MODELS), prefix: "churn/" },
 *   image: "registry.example.com/churn-steps@sha256:...", trainImage: "registry.example.com/churn-train@sha256:...",
 *   queueName: "training", gpusPerNode: 1,
 *   gateMetrics: [{ name: "auc", greaterIsBetter: true }, { name: "log_loss", greaterIsBetter: false }],
 *   schedule: "0 3 * * 1",
 * });
 */
export class TrainingPipeline extends Construct {
  /** The WorkflowTemplate. */
  public readonly workflowTemplate: CustomResource;
  /** The CronWorkflow, when `schedule` is set. */
  public readonly cronWorkflow?: CustomResource;
  /** Name of the WorkflowTemplate. */
  public readonly name: string;
  /** Namespace of the pipeline (the Argo namespace). */
  public readonly namespace: string;
  /** Service account of the container steps. */
  public readonly serviceAccount: ServiceAccountV1;
  /** Service account of the training pods. */
  public readonly trainServiceAccount: ServiceAccountV1;
  /** Service account of the train step's launcher (TrainJob RBAC only, no cloud identity). */
  public readonly launcherServiceAccount: ServiceAccountV1;
  /** The Argo `when` expression that guards the promote step. */
  public readonly gateExpression: string;

  constructor(scope: Construct, id: string, props: TrainingPipelineProps) {
    super(scope, id);
    const name = props.name ?? id.toLowerCase();
    const promoteTo = props.promoteTo ?? ModelAlias.STAGING;
    const numNodes = props.numNodes ?? 1;
    const cpuPerNode = props.cpuPerNode ?? 4;
    const memoryGiB = props.memoryGiBPerNode ?? 32;
    const trainTimeout = props.trainTimeoutSeconds ?? 86400;
    const stepCpu = props.stepCpuMillis ?? 500;
    const stepMemory = props.stepMemoryMiB ?? 2048;
    const runAsUser = props.runAsUser ?? 1000;
    const allowMutable = props.allowMutableImage ?? false;
    const timeZone = props.timeZone ?? "UTC";

    // ---- validation ----
    if (typeof name !== "string" || isUnresolved(name) || !/^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(name) || name.length > 40) {
      invalid(this, "name", name, "must be a DNS-1035 label of at most 40 characters (lowercase letters, digits and '-', starting with a letter): workflow runs and TrainJobs derive their names from it");
    }
    const workflows = props.workflows;
    if (!(workflows instanceof ArgoWorkflows)) invalid(this, "workflows", typeName(workflows), "must be the ArgoWorkflows construct of the cluster (platform stack)");
    const registry = props.registry;
    if (registry === undefined || registry === null || typeof registry !== "object" || typeof registry.clientEnvironment !== "function") {
      invalid(this, "registry", typeName(registry), "must be an IModelRegistry (the model layer's ModelRegistry)");
    }
    if (typeof props.modelName !== "string" || !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/.test(props.modelName)) {
      invalid(this, "modelName", props.modelName, "must be a registered-model name of 1 to 128 letters, digits, '_', '.' and '-', starting with a letter or digit");
    }
    validateEnum(this, "promoteTo", props.promoteTo, ModelAlias, "ModelAlias");
    const identity = requireIdentity(this, "identity", props.identity);
    const trainIdentity = requireIdentity(this, "trainIdentity", props.trainIdentity);
    const namespace = workflows.namespace;
    for (const [prop, id_] of [["identity", identity], ["trainIdentity", trainIdentity]] as [string, IWorkloadIdentity][]) {
      if (!isUnresolved(id_.namespace) && id_.namespace !== namespace) {
        invalid(this, `${prop}.namespace`, id_.namespace, `must be the Argo Workflows namespace "${namespace}" (the controller manages only that namespace)`);
      }
    }
    if (identity.serviceAccountName === trainIdentity.serviceAccountName) {
      invalid(this, "trainIdentity", trainIdentity.serviceAccountName, "must be another service account than identity's: the training pods and the pipeline steps get separate permissions");
    }
    const dataset = location(this, "dataset", props.dataset);
    const heldOut = location(this, "heldOutDataset", props.heldOutDataset);
    const output = location(this, "output", props.output);
    validateBoolean(this, "allowMutableImage", props.allowMutableImage);
    validatePinnedImage(this, "image", props.image, allowMutable, "allowMutableImage");
    const trainDigest = validatePinnedImage(this, "trainImage", props.trainImage, allowMutable, "allowMutableImage");
    if (props.queueName === undefined) {
      invalid(this, "queueName", props.queueName, "is required: the Kueue LocalQueue (a DNS-1123 label) that admits the TrainJob in the pipeline namespace");
    }
    validateQueueName(this, props.queueName);
    validateStringList(this, "command", props.command, '["python", "-m", "pipeline"]');
    validateStringList(this, "trainCommand", props.trainCommand, '["python", "train.py"]');
    validateStringList(this, "trainArgs", props.trainArgs, '["--epochs", "10"]');
    validateInteger(this, "numNodes", numNodes, 1, 64);
    validateInteger(this, "cpuPerNode", cpuPerNode, 1, 256);
    validateInteger(this, "memoryGiBPerNode", memoryGiB, 1, 4096);
    validateInteger(this, "trainTimeoutSeconds", trainTimeout, 60, 2592000);
    validateInteger(this, "stepCpuMillis", stepCpu, 10, 64000);
    validateInteger(this, "stepMemoryMiB", stepMemory, 64, 262144);
    validateInteger(this, "runAsUser", runAsUser, 1, 2147483647);
    const runtimeName = trainingRuntimeName(this, props.runtime, props.runtimeName);
    const metrics = validateGate(this, props.gateMetrics);
    if (props.schedule !== undefined) validateCron(this, "schedule", props.schedule);
    else if (props.timeZone !== undefined) invalid(this, "timeZone", props.timeZone, "only applies with schedule");
    validateTimeZone(this, "timeZone", timeZone);

    // Placement: the training pool, whole GPUs at most what one node has, nodes within the pool.
    const cluster = props.connection.cluster;
    const { pool, gpusPerNode } = trainingPlacement(this, {
      cluster,
      poolProp: "trainingPoolName",
      poolName: props.trainingPoolName,
      allowServingPool: false,
      gpusPerNode: props.gpusPerNode,
      numNodes,
    });
    if (workflows.connection.cluster !== cluster) {
      invalid(this, "workflows", workflows.node.path, `is installed on another cluster than connection's ("${cluster.clusterName}")`);
    }

    // ---- identities and grants ----
    dataset.store.grantRead(identity, { prefix: dataset.prefix });
    heldOut.store.grantRead(identity, { prefix: heldOut.prefix });
    output.store.grantRead(identity, { prefix: output.prefix });
    registry.grantClient(identity);
    workflows.grantArtifacts(identity);
    dataset.store.grantRead(trainIdentity, { prefix: dataset.prefix });
    // Checkpoint rotation replaces and deletes objects, within the output prefix only.
    output.store.grantReadWrite(trainIdentity, { prefix: output.prefix, allowDelete: true });
    registry.grantClient(trainIdentity);

    const connection = props.connection;
    const provider = connection.kubernetesProvider;
    // Lazy (queues may be declared after the pipeline): the queue must be a LocalQueue of the namespace.
    this.node.addValidation({ validate: () => queueProblems(this, connection, namespace, props.queueName) });
    // The executor in every pod writes WorkflowTaskResults with the pod's token.
    this.serviceAccount = connection.addServiceAccount(identity, { automountToken: true });
    this.trainServiceAccount = connection.addServiceAccount(trainIdentity, { automountToken: false });
    const launcherName = `${name}-launcher`;
    this.launcherServiceAccount = new ServiceAccountV1(this, "LauncherServiceAccount", {
      provider,
      metadata: { name: launcherName, namespace, labels: { ...MANAGED_BY_LABELS } },
      automountServiceAccountToken: true,
    });
    const executorRole = new RoleV1(this, "ExecutorRole", {
      provider,
      metadata: { name: `${name}-executor`, namespace, labels: { ...MANAGED_BY_LABELS } },
      rule: [{ apiGroups: ["argoproj.io"], resources: ["workflowtaskresults"], verbs: ["create", "patch"] }],
    });
    const executorBinding = new RoleBindingV1(this, "ExecutorRoleBinding", {
      provider,
      metadata: { name: `${name}-executor`, namespace, labels: { ...MANAGED_BY_LABELS } },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: executorRole.metadata.name },
      subject: [
        { kind: "ServiceAccount", name: this.serviceAccount.metadata.name, namespace },
        { kind: "ServiceAccount", name: this.launcherServiceAccount.metadata.name, namespace },
      ],
    });
    const launcherRole = new RoleV1(this, "LauncherRole", {
      provider,
      metadata: { name: launcherName, namespace, labels: { ...MANAGED_BY_LABELS } },
      rule: [{ apiGroups: ["trainer.kubeflow.org"], resources: ["trainjobs"], verbs: [...TRAINJOB_VERBS] }],
    });
    const launcherBinding = new RoleBindingV1(this, "LauncherRoleBinding", {
      provider,
      metadata: { name: launcherName, namespace, labels: { ...MANAGED_BY_LABELS } },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: launcherRole.metadata.name },
      subject: [{ kind: "ServiceAccount", name: this.launcherServiceAccount.metadata.name, namespace }],
    });

    // ---- the steps ----
    const placement = cpuPlacement(this, "connection.cluster", cluster.nodePools);
    const runUri = (loc: { store: IObjectStore; prefix: string }) => `${loc.store.uri}/${loc.prefix}`;
    const candidateUri = `${runUri(output)}{{workflow.name}}/`;
    const env = [
      ...registry.clientEnvironment({ namespace }).map(toK8sEnv),
      { name: "STRATA_MODEL_NAME", value: props.modelName },
      { name: "STRATA_RUN_ID", value: "{{workflow.name}}" },
      { name: "STRATA_DATASET_URI", value: runUri(dataset) },
      { name: "STRATA_HELD_OUT_URI", value: runUri(heldOut) },
      { name: "STRATA_CANDIDATE_URI", value: candidateUri },
      { name: "STRATA_TRAIN_IMAGE", value: props.trainImage },
      { name: "STRATA_PRODUCTION_MODEL_URI", value: registry.modelUri(props.modelName, ModelAlias.PRODUCTION) },
      { name: "STRATA_PROMOTE_ALIAS", value: promoteTo },
      { name: "STRATA_GATE_METRICS", value: JSON.stringify(metrics.map((m) => ({ name: m.name, greaterIsBetter: m.greaterIsBetter, minDelta: m.minDelta ?? 0 }))) },
      { name: "STRATA_OUTPUT_DIR", value: OUTPUT_DIR },
      ...storeCredentialsEnv(identity, [dataset.store, heldOut.store, output.store]).map(toK8sEnv),
    ];
    const podSecurityContext = { runAsNonRoot: true, runAsUser, runAsGroup: runAsUser, fsGroup: runAsUser, seccompProfile: { type: "RuntimeDefault" } };
    const containerSecurityContext = { runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } };
    const containerStep = (templateName: string, step: string, extra: Record<string, any> = {}) => ({
      name: templateName,
      serviceAccountName: identity.serviceAccountName,
      automountServiceAccountToken: true,
      securityContext: podSecurityContext,
      affinity: placement.affinity,
      ...(placement.tolerations.length > 0 ? { tolerations: placement.tolerations } : {}),
      ...extra,
      container: {
        image: props.image,
        imagePullPolicy: "IfNotPresent",
        ...(props.command !== undefined ? { command: props.command } : {}),
        args: [step, ...(extra.inputs ? ["--version", "{{inputs.parameters.version}}"] : [])],
        env: [...env, { name: "STRATA_STEP", value: step }],
        resources: { requests: { cpu: `${stepCpu}m`, memory: `${stepMemory}Mi` }, limits: { memory: `${stepMemory}Mi` } },
        securityContext: containerSecurityContext,
        volumeMounts: [{ name: "work", mountPath: WORK_DIR }],
      },
    });
    const param = (p: string) => ({ name: p, valueFrom: { path: `${OUTPUT_DIR}/${p}` } });
    const evaluateOutputs = [
      param("has-production"),
      ...metrics.flatMap((m) => [param(`candidate-${m.name}`), param(`production-${m.name}`)]),
    ];
    this.gateExpression = gateExpression(metrics);

    const trainJobName = "{{workflow.name}}-train";
    const trainEnv = [
      ...trainingEnvironment({
        jobName: trainJobName,
        namespace,
        image: props.trainImage,
        digest: trainDigest,
        dataUri: runUri(dataset),
        checkpointUri: `${candidateUri}checkpoints/`,
        modelOutputUri: candidateUri,
        identity: trainIdentity,
        stores: [dataset.store, output.store],
        registry,
        extraTags: { "strata.pipeline": `${namespace}/${name}`, "strata.pipeline.run": "{{workflow.name}}" },
      }),
      // The pipeline's own contract with the training code (docs/model.md).
      { name: "STRATA_MODEL_NAME", value: props.modelName },
      { name: "STRATA_RUN_ID", value: "{{workflow.name}}" },
      { name: "STRATA_DATASET_URI", value: runUri(dataset) },
      { name: "STRATA_CANDIDATE_URI", value: candidateUri },
      { name: "STRATA_TRAIN_IMAGE", value: props.trainImage },
    ];
    const trainManifest = TrainingJob.trainJobBody({
      name: trainJobName,
      namespace,
      runtimeName,
      image: props.trainImage,
      pool,
      gpusPerNode,
      numNodes,
      cpu: String(cpuPerNode),
      memory: `${memoryGiB}Gi`,
      serviceAccountName: trainIdentity.serviceAccountName,
      queueName: props.queueName,
      command: props.trainCommand,
      args: props.trainArgs,
      env: trainEnv,
      activeDeadlineSeconds: trainTimeout,
    });

    const templates = [
      {
        name: "pipeline",
        steps: [
          [{ name: "validate-data", template: "validate-data" }],
          [{ name: "train", template: "train" }],
          [{ name: "evaluate", template: "evaluate" }],
          [{ name: "register", template: "register" }],
          [
            {
              name: "promote",
              template: "promote",
              when: this.gateExpression,
              arguments: { parameters: [{ name: "version", value: "{{steps.register.outputs.parameters.version}}" }] },
            },
          ],
        ],
      },
      containerStep("validate-data", "validate"),
      {
        name: "train",
        serviceAccountName: launcherName,
        automountServiceAccountToken: true,
        securityContext: { runAsNonRoot: true, runAsUser: ARGOEXEC_UID, runAsGroup: ARGOEXEC_UID, seccompProfile: { type: "RuntimeDefault" } },
        affinity: placement.affinity,
        ...(placement.tolerations.length > 0 ? { tolerations: placement.tolerations } : {}),
        // The TrainJob waits in Kueue's queue first, then trains: the step may wait as long as both.
        activeDeadlineSeconds: trainTimeout * 2,
        resource: {
          action: "create",
          setOwnerReference: true,
          // Argo reads these with gjson paths (conditions is a list): unverified against a live
          // controller; see docs/model.md.
          successCondition: 'status.conditions.#(type=="Complete").status == True',
          failureCondition: 'status.conditions.#(type=="Failed").status == True',
          manifest: JSON.stringify(trainManifest, null, 2),
        },
      },
      containerStep("evaluate", "evaluate", { outputs: { parameters: evaluateOutputs } }),
      containerStep("register", "register", { outputs: { parameters: [param("version")] } }),
      containerStep("promote", "promote", { inputs: { parameters: [{ name: "version" }] } }),
    ];

    const labels = { ...MANAGED_BY_LABELS, "strata.io/pipeline": name };
    this.workflowTemplate = new CustomResource(this, "Resource", {
      connection,
      manifest: {
        apiVersion: ArgoWorkflows.API_VERSION,
        kind: "WorkflowTemplate",
        metadata: { name, namespace, labels },
        spec: {
          entrypoint: "pipeline",
          serviceAccountName: identity.serviceAccountName,
          workflowMetadata: { labels },
          volumes: [{ name: "work", emptyDir: { sizeLimit: "1Gi" } }],
          podGC: { strategy: "OnPodSuccess" },
          ttlStrategy: { secondsAfterSuccess: 7 * 86400, secondsAfterFailure: 14 * 86400 },
          activeDeadlineSeconds: trainTimeout * 2 + 6 * 3600,
          templates,
        },
      },
    });
    const deps = [
      this.serviceAccount.fqn,
      this.trainServiceAccount.fqn,
      this.launcherServiceAccount.fqn,
      executorBinding.fqn,
      launcherBinding.fqn,
      ...runtimeDependencies(props.runtime, cluster),
    ];
    this.workflowTemplate.resource.dependsOn = deps;

    if (props.schedule !== undefined) {
      this.cronWorkflow = new CustomResource(this, "Schedule", {
        connection,
        manifest: {
          apiVersion: ArgoWorkflows.API_VERSION,
          kind: "CronWorkflow",
          metadata: { name, namespace, labels },
          spec: {
            schedules: [props.schedule],
            timezone: timeZone,
            concurrencyPolicy: "Forbid",
            startingDeadlineSeconds: 3600,
            successfulJobsHistoryLimit: 3,
            failedJobsHistoryLimit: 3,
            workflowMetadata: { labels },
            workflowSpec: { workflowTemplateRef: { name } },
          },
        },
      });
      this.cronWorkflow.resource.dependsOn = [this.workflowTemplate.resource.fqn];
    }
    this.name = name;
    this.namespace = namespace;
  }
}

// -------------------------------------------------------------------------------------------------
// Internal helpers
// -------------------------------------------------------------------------------------------------

/**
 * The Argo `when` expression (govaluate, after Argo substitutes the parameters) of the promote
 * step: no production model yet, or every metric at least as good as production by its minDelta.
 */
function gateExpression(metrics: GateMetric[]): string {
  const out = (p: string) => `{{steps.evaluate.outputs.parameters.${p}}}`;
  const checks = metrics.map((m) => {
    const delta = m.minDelta ?? 0;
    return m.greaterIsBetter
      ? `${out(`candidate-${m.name}`)} >= ${out(`production-${m.name}`)} + ${delta}`
      : `${out(`candidate-${m.name}`)} <= ${out(`production-${m.name}`)} - ${delta}`;
  });
  return `${out("has-production")} == false || (${checks.join(" && ")})`;
}

function validateGate(scope: IConstruct, metrics: unknown): GateMetric[] {
  if (metrics === undefined) invalid(scope, "gateMetrics", metrics, "is required: an evaluation gate needs at least one metric ({ name, greaterIsBetter, minDelta? })");
  validateList(scope, "gateMetrics", metrics, '[{ name: "auc", greaterIsBetter: true }]');
  const list = metrics as GateMetric[];
  if (list.length === 0) invalid(scope, "gateMetrics", list, "must name at least one metric: an evaluation gate without a metric would promote every candidate");
  const seen = new Set<string>();
  list.forEach((m, i) => {
    if (m === null || typeof m !== "object" || Array.isArray(m)) invalid(scope, `gateMetrics[${i}]`, m, `must be a GateMetric ({ name, greaterIsBetter, minDelta? }), not ${typeName(m)}`);
    if (typeof m.name !== "string" || !/^[A-Za-z][A-Za-z0-9_]{0,39}$/.test(m.name)) {
      invalid(scope, `gateMetrics[${i}].name`, m.name, "must be a metric name of 1 to 40 letters, digits and '_', starting with a letter (it names Argo parameters and files)");
    }
    if (seen.has(m.name)) invalid(scope, `gateMetrics[${i}].name`, m.name, "is listed twice; list each metric once");
    seen.add(m.name);
    if (typeof m.greaterIsBetter !== "boolean") invalid(scope, `gateMetrics[${i}].greaterIsBetter`, m.greaterIsBetter, `is required and must be true or false, not ${typeName(m.greaterIsBetter)}`);
    validateNumber(scope, `gateMetrics[${i}].minDelta`, m.minDelta);
    if (m.minDelta !== undefined && m.minDelta < 0) invalid(scope, `gateMetrics[${i}].minDelta`, m.minDelta, "must be 0 or more (how much better than production the candidate must be)");
  });
  return list;
}

function requireIdentity(scope: IConstruct, prop: string, identity: IWorkloadIdentity): IWorkloadIdentity {
  if (identity === undefined || identity === null || typeof identity !== "object" || typeof identity.namespace !== "string" || typeof identity.serviceAccountName !== "string") {
    invalid(scope, prop, typeName(identity), "must be an IWorkloadIdentity (cluster.addWorkloadIdentity(...) in the infra stack)");
  }
  return identity;
}

function location(scope: IConstruct, prop: string, value: PipelineDataLocation): { store: IObjectStore; prefix: string } {
  if (value === undefined || value === null || typeof value !== "object" || Array.isArray(value)) {
    invalid(scope, prop, value, `must be a PipelineDataLocation ({ store, prefix }), not ${typeName(value)}`);
  }
  const store = value.store;
  if (store === undefined || store === null || typeof store !== "object" || typeof (store as IObjectStore).grantRead !== "function") {
    invalid(scope, `${prop}.store`, typeName(store), "must be an IObjectStore (a data-lake zone or a bucket reference)");
  }
  if (value.prefix === undefined) invalid(scope, `${prop}.prefix`, undefined, 'is required: the key prefix the pipeline may use, e.g. "churn/train/"');
  validatePrefix(scope, `${prop}.prefix`, value.prefix);
  return { store, prefix: value.prefix };
}
