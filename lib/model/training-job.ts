import { Construct, IConstruct } from "constructs";
import { ServiceAccountV1 } from "@cdktf/provider-kubernetes/lib/service-account-v1";
import { IWorkloadIdentity, NodePoolInfo } from "../core/cluster";
import { ClusterConnection } from "../core/connection";
import { CustomResource } from "../core/custom-resource";
import { MANAGED_BY_LABELS } from "../core/labels";
import { IModelRegistry, RegistryClientEnvVar } from "../core/model-registry";
import { IObjectStore, ObjectStoreKind } from "../core/object-store";
import { Scheduling } from "../core/scheduling";
import {
  invalid,
  isUnresolved,
  typeName,
  validateBoolean,
  validateEnum,
  validateInteger,
  validateNonEmpty,
  validateRecord,
  validateStringList,
} from "../core/validation";
import { WorkQueues } from "../core/work-queues";
import { TorchDistributedRuntime } from "./torch-distributed-runtime";
import {
  queueProblems,
  runtimeDependencies,
  toK8sEnv,
  TRAIN_JOB_COMPUTED_FIELDS,
  trainingEnvironment,
  trainingPlacement,
  trainingRuntimeName,
  validatePinnedImage,
  validateQueueName,
} from "./training-internal";

/** Which custom resource a `TrainingJob` emits. */
export enum TrainingJobKind {
  /** A Kubeflow Trainer v2 `TrainJob` (`trainer.kubeflow.org/v1alpha1`) on a ClusterTrainingRuntime. The default. */
  TRAIN_JOB = "TrainJob",
  /** A legacy training-operator `PyTorchJob` (`kubeflow.org/v1`); needs the operator (`PyTorchJobOperator`). */
  PYTORCH_JOB = "PyTorchJob",
}

/** An object-store location of a training job: a bucket and a key prefix. */
export interface TrainingStoreLocation {
  /** The bucket (a data-lake zone, or any `IObjectStore`). */
  readonly store: IObjectStore;
  /**
   * Key prefix under the bucket (`churn/`: no leading '/', ends with '/'); the grant is limited to it.
   * @default - data: the whole bucket; checkpoints and model output: `<namespace>/<job name>/`
   */
  readonly prefix?: string;
}

/** The training data: a location and, optionally, the version of the data set. */
export interface TrainingDataLocation extends TrainingStoreLocation {
  /**
   * Version of the data set (a snapshot id, a date, a DVC/lakeFS revision), recorded as lineage.
   * @default - only the URI is recorded
   */
  readonly version?: string;
}

/**
 * What the TrainJob body is built from (`TrainingJob.trainJobBody`). Values are not validated
 * here: `TrainingJob` validates its props before it calls this.
 */
export interface TrainJobBodyOptions {
  /** TrainJob name (an RFC 1035 label). */
  readonly name: string;
  /** Namespace. */
  readonly namespace: string;
  /** Name of the ClusterTrainingRuntime. */
  readonly runtimeName: string;
  /** Container image. */
  readonly image: string;
  /** The node pool the nodes run on (node selector and tolerations come from it). */
  readonly pool: NodePoolInfo;
  /** Whole GPUs per node (`nvidia.com/gpu`). */
  readonly gpusPerNode: number;
  /** Number of nodes. */
  readonly numNodes: number;
  /** CPU request per node (a Kubernetes quantity). */
  readonly cpu: string;
  /** Memory request and limit per node (a Kubernetes quantity). */
  readonly memory: string;
  /** Service account of the pods. */
  readonly serviceAccountName: string;
  /**
   * Kueue LocalQueue name (the job is created suspended; Kueue admits it).
   * @default - not queued
   */
  readonly queueName?: string;
  /**
   * Container command.
   * @default - the image's entrypoint
   */
  readonly command?: string[];
  /**
   * Container arguments.
   * @default - none
   */
  readonly args?: string[];
  /**
   * Environment variables (literal, or from a Secret key).
   * @default - none
   */
  readonly env?: RegistryClientEnvVar[];
  /**
   * Deadline of the whole run in seconds.
   * @default - none
   */
  readonly activeDeadlineSeconds?: number;
  /**
   * Extra labels of the TrainJob.
   * @default - the managed-by label only
   */
  readonly labels?: { [key: string]: string };
}

/** Props of `TrainingJob`. */
export interface TrainingJobProps {
  /** The cluster connection of the workloads stack. */
  readonly connection: ClusterConnection;
  /**
   * The workload identity the pods run as (from `cluster.addWorkloadIdentity` in the infra stack).
   * Its namespace is the job's; its service account is created here (one job per identity).
   */
  readonly identity: IWorkloadIdentity;
  /**
   * Container image pinned by digest (`registry/train@sha256:<64 hex>`); a tag-only image is
   * rejected unless `allowMutableImage`. The digest is recorded as lineage.
   */
  readonly image: string;
  /** The training data; read access (list and get) is granted on it. */
  readonly data: TrainingDataLocation;
  /** Where checkpoints go (the lake's checkpoints zone); read, write and delete within the prefix. */
  readonly checkpoints: TrainingStoreLocation;
  /** Where the trained model goes (the lake's models zone); write without delete within the prefix. */
  readonly modelOutput: TrainingStoreLocation;
  /**
   * Name of the TrainJob or PyTorchJob: an RFC 1035 label (lowercase letter first) of at most 50
   * characters (the controllers append `-node-<i>-<j>` / `-worker-<i>` to it).
   * @default - the construct id, lowercased
   */
  readonly name?: string;
  /**
   * Which custom resource to emit.
   * @default TrainingJobKind.TRAIN_JOB
   */
  readonly kind?: TrainingJobKind;
  /**
   * The ClusterTrainingRuntime to run on (TrainJob only).
   * @default - `runtimeName`
   */
  readonly runtime?: TorchDistributedRuntime;
  /**
   * Name of the ClusterTrainingRuntime (TrainJob only), when it is not given as `runtime`.
   * @default "strata-torch-distributed" (TorchDistributedRuntime.DEFAULT_NAME)
   */
  readonly runtimeName?: string;
  /**
   * Container command (e.g. `["torchrun", "train.py"]`; the torch runtime injects the `PET_*` settings).
   * @default - the image's entrypoint
   */
  readonly command?: string[];
  /**
   * Container arguments.
   * @default - none
   */
  readonly args?: string[];
  /**
   * Extra environment variables. Names Strata sets (lineage, locations, registry) may not be given.
   * @default - none
   */
  readonly env?: { [key: string]: string };
  /**
   * The node pool to run on: a TRAINING pool of the cluster (spot, tainted).
   * @default - the cluster's only TRAINING pool (an error when it has none or several)
   */
  readonly poolName?: string;
  /**
   * Allow `poolName` to name an INFERENCE (serving) GPU pool. Training there competes with serving.
   * @default false
   */
  readonly allowServingPool?: boolean;
  /**
   * Whole GPUs (`nvidia.com/gpu`) per node, at most what the pool's nodes have.
   * @default - every GPU of a node of the pool (`gpusPerNode` of the pool)
   */
  readonly gpusPerNode?: number;
  /**
   * Number of nodes (torchrun ranks' hosts). More than one needs a pool whose `maxNodes` allows it.
   * @default 1
   */
  readonly numNodes?: number;
  /**
   * CPU request per node (a Kubernetes quantity, `"8"`, `"7500m"`); must fit the pool's nodes.
   * @default "2"
   */
  readonly cpu?: string;
  /**
   * Memory request and limit per node (a Kubernetes quantity, `"64Gi"`); includes `/dev/shm`.
   * @default "12Gi"
   */
  readonly memory?: string;
  /**
   * Kueue LocalQueue in the job's namespace (`kueue.x-k8s.io/queue-name`). Required when the
   * namespace has queues (`KueueLocalQueue`): a job must not bypass them.
   * @default - not queued (a warning)
   */
  readonly queueName?: string;
  /**
   * Model registry to track to: its client environment (tracking URI, credentials) is injected and
   * the identity is granted client access.
   * @default - no registry
   */
  readonly registry?: IModelRegistry;
  /**
   * MLflow experiment (`MLFLOW_EXPERIMENT_NAME`).
   * @default - the training code chooses
   */
  readonly experimentName?: string;
  /**
   * Git revision of the training code, recorded as lineage (`mlflow.source.git.commit`).
   * @default - not recorded
   */
  readonly gitRevision?: string;
  /**
   * Accept an image pinned by tag only. A tag can move, so a run is not reproducible.
   * @default false
   */
  readonly allowMutableImage?: boolean;
  /**
   * Deadline of the whole run in seconds (restarts included).
   * @default - none
   */
  readonly activeDeadlineSeconds?: number;
  /**
   * PyTorchJob only: retries of failed pods (`runPolicy.backoffLimit`, with `restartPolicy: OnFailure`).
   * For TrainJobs the runtime's failure policy applies (`TorchDistributedRuntime` `maxRestarts`).
   * @default 5
   */
  readonly backoffLimit?: number;
  /**
   * PyTorchJob only: user ID the containers run as (a TrainJob takes it from its runtime).
   * @default 1000
   */
  readonly runAsUser?: number;
  /**
   * PyTorchJob only: size of the memory-backed `/dev/shm` in GiB.
   * @default 4
   */
  readonly sharedMemoryGiB?: number;
}

/** Environment variables Strata sets; `env` may not set them. */
const RESERVED_ENV = [
  "STRATA_TRAINING_JOB",
  "STRATA_IMAGE",
  "STRATA_IMAGE_DIGEST",
  "DATA_URI",
  "DATA_VERSION",
  "GIT_REVISION",
  "CHECKPOINT_URI",
  "MODEL_OUTPUT_URI",
  "MLFLOW_RUN_CONTEXT",
  "MLFLOW_EXPERIMENT_NAME",
  "MLFLOW_TRACKING_URI",
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_ENDPOINT_URL_S3",
];
const QUANTITY_CPU = /^([1-9][0-9]*(\.[0-9]+)?|0\.[0-9]*[1-9][0-9]*|[1-9][0-9]*m)$/;
const QUANTITY_MEMORY = /^[1-9][0-9]*(Ki|Mi|Gi|Ti|k|M|G|T)?$/;
const RFC1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const MAX_NAME = 50;
/** Container name the training-operator requires in a PyTorchJob. */
const PYTORCH_CONTAINER = "pytorch";
/** The field manager of the runtime patch Strata writes into a TrainJob. */
const PATCH_MANAGER = "strata.io/training-job";

/**
 * A training run on the spot GPU training pool, admitted by Kueue: a Kubeflow Trainer `TrainJob`
 * (`trainer.kubeflow.org/v1alpha1`) on a ClusterTrainingRuntime (by default Strata's torchrun
 * runtime), or a legacy `PyTorchJob` (`kubeflow.org/v1`), in the workloads stack.
 *
 * - Placement: the pool's node selector and tolerations (the `Scheduling` contract), whole GPUs
 *   `nvidia.com/gpu` per node (at most the pool's per-node count), `numNodes` within the pool's size.
 * - Queueing: `kueue.x-k8s.io/queue-name`, created suspended for Kueue to admit; checked against the
 *   LocalQueues Strata creates in the namespace (`KueueLocalQueue`).
 * - Identity: its own workload identity: read on the data, read/write/delete on its checkpoint
 *   prefix, write on its model prefix, client access to the model registry.
 * - Lineage: the image pinned by digest; image, digest, data URI and version, git revision and job
 *   name reach the code as environment variables and as MLflow run tags (`MLFLOW_RUN_CONTEXT`).
 * - Spot interruption: `CHECKPOINT_URI` for the code to save to and resume from; restarts by the
 *   runtime's failure policy (TrainJob) or `restartPolicy: OnFailure` + `backoffLimit` (PyTorchJob).
 *
 * A TrainJob's spec is immutable once created: a new run (other image, data, size) is a new name.
 *
 * @example
 * new TrainingJob(workloads, "Churn", {
 *   connection, identity: trainer, queueName: "research",
 *   image: "registry.example.com/churn-train@sha256:0123...cdef",
 *   command: ["torchrun", "/app/train.py"],
 *   data: { store: lake.zone(LakeZone.CURATED), prefix: "churn/", version: "2026-11-30" },
 *   checkpoints: { store: lake.zone(LakeZone.CHECKPOINTS) },
 *   modelOutput: { store: lake.zone(LakeZone.MODELS) },
 *   registry: mlflow, experimentName: "churn", gitRevision: "3f2c1ab",
 * });
 */
export class TrainingJob extends Construct {
  /**
   * The TrainJob body (`apiVersion`, `kind`, `metadata`, `spec`) for `options`: the runtime
   * reference, the trainer (image, command, env, nodes, resources with whole GPUs), the Kueue queue
   * label and `suspend`, and a runtime patch with the pool's node selector and tolerations and the
   * service account. Reusable wherever a TrainJob is created (an Argo `resource` step, for one).
   */
  public static trainJobBody(options: TrainJobBodyOptions): { [key: string]: any } {
    const tolerations = Scheduling.tolerationsFor(options.pool);
    const nodeSelector = Scheduling.nodeSelectorFor(options.pool);
    const labels: { [key: string]: string } = { ...MANAGED_BY_LABELS, ...(options.labels ?? {}) };
    if (options.queueName !== undefined) labels[WorkQueues.QUEUE_NAME_LABEL] = options.queueName;
    const podSpec: Record<string, any> = { serviceAccountName: options.serviceAccountName };
    if (Object.keys(nodeSelector).length > 0) podSpec.nodeSelector = nodeSelector;
    if (tolerations.length > 0) podSpec.tolerations = tolerations;
    return {
      apiVersion: "trainer.kubeflow.org/v1alpha1",
      kind: "TrainJob",
      metadata: { name: options.name, namespace: options.namespace, labels },
      spec: {
        runtimeRef: { apiGroup: "trainer.kubeflow.org", kind: "ClusterTrainingRuntime", name: options.runtimeName },
        suspend: options.queueName !== undefined ? true : undefined,
        activeDeadlineSeconds: options.activeDeadlineSeconds,
        trainer: {
          image: options.image,
          command: options.command !== undefined && options.command.length > 0 ? options.command : undefined,
          args: options.args !== undefined && options.args.length > 0 ? options.args : undefined,
          env: options.env !== undefined && options.env.length > 0 ? options.env.map(toK8sEnv) : undefined,
          numNodes: options.numNodes,
          numProcPerNode: options.gpusPerNode,
          resourcesPerNode: resources(options.cpu, options.memory, options.gpusPerNode),
        },
        runtimePatches: [
          {
            manager: PATCH_MANAGER,
            trainingRuntimeSpec: {
              template: {
                spec: {
                  replicatedJobs: [{ name: TorchDistributedRuntime.NODE, template: { spec: { template: { spec: podSpec } } } }],
                },
              },
            },
          },
        ],
      },
    };
  }

  /** The TrainJob or PyTorchJob. */
  public readonly resource: CustomResource;
  /** The job's Kubernetes service account. */
  public readonly serviceAccount: ServiceAccountV1;
  /** Name of the TrainJob or PyTorchJob. */
  public readonly name: string;
  /** Namespace (the identity's). */
  public readonly namespace: string;
  /** Which resource was emitted. */
  public readonly kind: TrainingJobKind;
  /** The pool the nodes run on. */
  public readonly pool: NodePoolInfo;
  /** Whole GPUs per node. */
  public readonly gpusPerNode: number;
  /** Number of nodes. */
  public readonly numNodes: number;
  /** The Kueue LocalQueue, if any. */
  public readonly queueName?: string;
  /** URI of the training data (`s3://bucket/prefix`, `gs://bucket/prefix`). */
  public readonly dataUri: string;
  /** URI of the checkpoint prefix (`CHECKPOINT_URI`). */
  public readonly checkpointUri: string;
  /** URI of the model output prefix (`MODEL_OUTPUT_URI`). */
  public readonly modelOutputUri: string;
  /** The environment variables the training container gets. */
  public readonly environment: RegistryClientEnvVar[];

  constructor(scope: Construct, id: string, props: TrainingJobProps) {
    super(scope, id);
    if (props === undefined || props === null || !(props.connection instanceof ClusterConnection)) {
      invalid(this, "connection", props?.connection, "must be a ClusterConnection of the workloads stack (cluster.connect(workloadsStack, ...))");
    }
    const kind = props.kind ?? TrainingJobKind.TRAIN_JOB;
    validateEnum(this, "kind", kind, TrainingJobKind, "TrainingJobKind");
    const name = props.name ?? id.toLowerCase();
    validateJobName(this, name, props.name === undefined);
    const identity = props.identity;
    if (identity === undefined || identity === null || typeof identity !== "object" || typeof identity.namespace !== "string") {
      invalid(this, "identity", identity, "must be an IWorkloadIdentity (cluster.addWorkloadIdentity(...))");
    }
    validateBoolean(this, "allowMutableImage", props.allowMutableImage);
    validateBoolean(this, "allowServingPool", props.allowServingPool);
    const digest = validatePinnedImage(this, "image", props.image, props.allowMutableImage === true, "allowMutableImage");
    validateStringList(this, "command", props.command, '["torchrun", "/app/train.py"]');
    validateStringList(this, "args", props.args, '["--epochs", "10"]');
    validateRecord(this, "env", props.env);
    for (const [key, value] of Object.entries(props.env ?? {})) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) invalid(this, "env key", key, "must be an environment variable name (letters, digits and '_', not starting with a digit)");
      if (RESERVED_ENV.includes(key) || key.startsWith("PET_")) invalid(this, "env key", key, "is set by Strata (lineage, locations, registry, torchrun); remove it from env");
      if (typeof value !== "string") invalid(this, `env.${key}`, value, `must be a string, not ${typeName(value)}`);
    }
    const cpu = props.cpu ?? "2";
    const memory = props.memory ?? "12Gi";
    validateQuantity(this, "cpu", cpu, QUANTITY_CPU, 'a CPU quantity such as "8" or "7500m"');
    validateQuantity(this, "memory", memory, QUANTITY_MEMORY, 'a memory quantity such as "64Gi"');
    const numNodes = props.numNodes ?? 1;
    validateInteger(this, "numNodes", numNodes, 1, 1000);
    validateInteger(this, "activeDeadlineSeconds", props.activeDeadlineSeconds, 1);
    if (props.experimentName !== undefined) validateNonEmpty(this, "experimentName", props.experimentName);
    if (props.gitRevision !== undefined) validateNonEmpty(this, "gitRevision", props.gitRevision);
    if (props.data?.version !== undefined) validateNonEmpty(this, "data.version", props.data.version);
    if (props.registry !== undefined && (props.registry === null || typeof props.registry.clientEnvironment !== "function")) {
      invalid(this, "registry", props.registry, "must be an IModelRegistry (for example the model layer's MLflow registry)");
    }

    // Options of one kind only.
    if (kind === TrainingJobKind.TRAIN_JOB) {
      for (const [prop, value] of [["backoffLimit", props.backoffLimit], ["runAsUser", props.runAsUser], ["sharedMemoryGiB", props.sharedMemoryGiB]] as const) {
        if (value !== undefined) invalid(this, prop, value, "only applies to kind PYTORCH_JOB (a TrainJob takes it from its runtime: TorchDistributedRuntime options)");
      }
    } else {
      if (props.runtime !== undefined) invalid(this, "runtime", props.runtime.node.path, "only applies to kind TRAIN_JOB");
      if (props.runtimeName !== undefined) invalid(this, "runtimeName", props.runtimeName, "only applies to kind TRAIN_JOB");
      validateInteger(this, "backoffLimit", props.backoffLimit, 0, 1000);
      validateInteger(this, "runAsUser", props.runAsUser, 1, 2147483647);
      validateInteger(this, "sharedMemoryGiB", props.sharedMemoryGiB, 1, 1024);
    }

    const connection = props.connection;
    const cluster = connection.cluster;
    const namespace = identity.namespace;

    // ---- placement ----
    const { pool, gpusPerNode: gpus } = trainingPlacement(this, {
      cluster,
      poolProp: "poolName",
      poolName: props.poolName,
      allowServingPool: props.allowServingPool === true,
      gpusPerNode: props.gpusPerNode,
      numNodes,
    });

    // ---- queue (lazy: queues may be added after the job) ----
    validateQueueName(this, props.queueName);
    this.node.addValidation({
      validate: () => [...namespaceProblems(this, connection, namespace), ...queueProblems(this, connection, namespace, props.queueName)],
    });

    // ---- storage ----
    const data = location(this, "data", props.data);
    const checkpoints = location(this, "checkpoints", props.checkpoints);
    const modelOutput = location(this, "modelOutput", props.modelOutput);
    const runPrefix = isUnresolved(namespace) || isUnresolved(name) ? undefined : `${namespace}/${name}/`;
    const checkpointPrefix = checkpoints.prefix ?? runPrefix;
    const modelPrefix = modelOutput.prefix ?? runPrefix;
    const stores = [data.store, checkpoints.store, modelOutput.store];
    const compatible = stores.filter((s) => s.kind === ObjectStoreKind.S3_COMPATIBLE);
    if (compatible.some((s) => s.endpoint !== compatible[0].endpoint)) {
      invalid(this, "checkpoints.store", checkpoints.store.node.path, "the job's S3-compatible stores must share one endpoint (AWS_ENDPOINT_URL_S3)");
    }
    data.store.grantRead(identity, data.prefix === undefined ? undefined : { prefix: data.prefix });
    checkpoints.store.grantReadWrite(identity, checkpointPrefix === undefined ? { allowDelete: true } : { prefix: checkpointPrefix, allowDelete: true });
    modelOutput.store.grantWrite(identity, modelPrefix === undefined ? undefined : { prefix: modelPrefix });
    this.dataUri = `${data.store.uri}/${data.prefix ?? ""}`;
    this.checkpointUri = `${checkpoints.store.uri}/${checkpointPrefix ?? ""}`;
    this.modelOutputUri = `${modelOutput.store.uri}/${modelPrefix ?? ""}`;
    props.registry?.grantClient(identity);

    // ---- environment: lineage, locations, credentials, registry ----
    const env = trainingEnvironment({
      jobName: name,
      namespace,
      image: props.image,
      digest,
      dataUri: this.dataUri,
      dataVersion: props.data.version,
      gitRevision: props.gitRevision,
      checkpointUri: this.checkpointUri,
      modelOutputUri: this.modelOutputUri,
      experimentName: props.experimentName,
      identity,
      stores,
      registry: props.registry,
    });
    for (const [key, value] of Object.entries(props.env ?? {})) {
      if (env.some((e) => e.name === key)) invalid(this, "env key", key, "is set by the model registry's client environment; remove it from env");
      env.push({ name: key, value });
    }
    this.environment = env;

    // ---- identity ----
    this.serviceAccount = connection.addServiceAccount(identity);

    // ---- the job ----
    const runtimeName = kind === TrainingJobKind.TRAIN_JOB ? trainingRuntimeName(this, props.runtime, props.runtimeName) : "";
    const common = {
      name,
      namespace,
      image: props.image,
      pool,
      gpusPerNode: gpus,
      numNodes,
      cpu,
      memory,
      serviceAccountName: identity.serviceAccountName,
      queueName: props.queueName,
      command: props.command,
      args: props.args,
      env,
      activeDeadlineSeconds: props.activeDeadlineSeconds,
    };
    const manifest =
      kind === TrainingJobKind.TRAIN_JOB
        ? TrainingJob.trainJobBody({ ...common, runtimeName })
        : pytorchJobBody({
            ...common,
            backoffLimit: props.backoffLimit ?? 5,
            runAsUser: props.runAsUser ?? 1000,
            sharedMemoryGiB: props.sharedMemoryGiB ?? 4,
          });
    this.resource = new CustomResource(this, "Resource", { connection, manifest });
    // Fields other controllers write (Kueue's `suspend` and runtime patch; see TRAIN_JOB_COMPUTED_FIELDS):
    // Terraform must not fight them (a re-applied `suspend: true` would stop a running job).
    this.resource.resource.computedFields =
      kind === TrainingJobKind.TRAIN_JOB
        ? [...TRAIN_JOB_COMPUTED_FIELDS]
        : ["metadata.labels", "metadata.annotations", "spec.runPolicy.suspend", "spec.runPolicy.schedulingPolicy"];
    this.resource.resource.dependsOn = [this.serviceAccount.fqn, ...runtimeDependencies(props.runtime, cluster)];

    this.name = name;
    this.namespace = namespace;
    this.kind = kind;
    this.pool = pool;
    this.gpusPerNode = gpus;
    this.numNodes = numNodes;
    this.queueName = props.queueName;
  }
}

// -------------------------------------------------------------------------------------------------
// Internal helpers
// -------------------------------------------------------------------------------------------------

function resources(cpu: string, memory: string, gpus: number): Record<string, any> {
  return {
    requests: { cpu, memory, [Scheduling.GPU_RESOURCE]: gpus },
    limits: { memory, [Scheduling.GPU_RESOURCE]: gpus },
  };
}

interface PyTorchJobBodyOptions extends Omit<TrainJobBodyOptions, "runtimeName" | "labels"> {
  env: RegistryClientEnvVar[];
  backoffLimit: number;
  runAsUser: number;
  sharedMemoryGiB: number;
}

/** A PyTorchJob (`kubeflow.org/v1`): one Master and `numNodes - 1` Workers, `restartPolicy: OnFailure`. */
function pytorchJobBody(o: PyTorchJobBodyOptions): Record<string, any> {
  const tolerations = Scheduling.tolerationsFor(o.pool);
  const nodeSelector = Scheduling.nodeSelectorFor(o.pool);
  const labels: { [key: string]: string } = { ...MANAGED_BY_LABELS };
  if (o.queueName !== undefined) labels[WorkQueues.QUEUE_NAME_LABEL] = o.queueName;
  const template = {
    spec: {
      serviceAccountName: o.serviceAccountName,
      automountServiceAccountToken: false,
      securityContext: { runAsNonRoot: true, runAsUser: o.runAsUser, runAsGroup: o.runAsUser, fsGroup: o.runAsUser, seccompProfile: { type: "RuntimeDefault" } },
      nodeSelector: Object.keys(nodeSelector).length > 0 ? nodeSelector : undefined,
      tolerations: tolerations.length > 0 ? tolerations : undefined,
      containers: [
        {
          name: PYTORCH_CONTAINER,
          image: o.image,
          command: o.command !== undefined && o.command.length > 0 ? o.command : undefined,
          args: o.args !== undefined && o.args.length > 0 ? o.args : undefined,
          env: o.env.map(toK8sEnv),
          resources: resources(o.cpu, o.memory, o.gpusPerNode),
          securityContext: { allowPrivilegeEscalation: false, privileged: false, capabilities: { drop: ["ALL"] } },
          volumeMounts: [{ name: "dshm", mountPath: "/dev/shm" }],
        },
      ],
      volumes: [{ name: "dshm", emptyDir: { medium: "Memory", sizeLimit: `${o.sharedMemoryGiB}Gi` } }],
    },
  };
  const replicaSpecs: Record<string, any> = { Master: { replicas: 1, restartPolicy: "OnFailure", template } };
  if (isUnresolved(o.numNodes) || o.numNodes > 1) {
    replicaSpecs.Worker = { replicas: isUnresolved(o.numNodes) ? o.numNodes : o.numNodes - 1, restartPolicy: "OnFailure", template };
  }
  return {
    apiVersion: "kubeflow.org/v1",
    kind: "PyTorchJob",
    metadata: { name: o.name, namespace: o.namespace, labels },
    spec: {
      nprocPerNode: String(o.gpusPerNode),
      runPolicy: {
        backoffLimit: o.backoffLimit,
        activeDeadlineSeconds: o.activeDeadlineSeconds,
        suspend: o.queueName !== undefined ? true : undefined,
      },
      pytorchReplicaSpecs: replicaSpecs,
    },
  };
}

function validateJobName(scope: IConstruct, name: unknown, fromId: boolean): void {
  if (isUnresolved(name)) return;
  const hint = fromId ? " (derived from the construct id: give name explicitly)" : "";
  if (typeof name !== "string") invalid(scope, "name", name, `must be a job name (a string), not ${typeName(name)}`);
  if (!RFC1035.test(name)) {
    invalid(scope, "name", name, `must be an RFC 1035 label: lowercase letters, digits and '-', starting with a letter and ending with a letter or digit${hint}`);
  }
  if (name.length > MAX_NAME) {
    invalid(scope, "name", name, `must be at most ${MAX_NAME} characters (the controllers name Jobs, pods and services "<name>-node-<i>-<j>" / "<name>-worker-<i>", at most 63)${hint}`);
  }
}

function validateQuantity(scope: IConstruct, prop: string, value: unknown, pattern: RegExp, what: string): void {
  if (isUnresolved(value)) return;
  if (typeof value !== "string") invalid(scope, prop, value, `must be ${what} (a string), not ${typeName(value)}`);
  if (!pattern.test(value)) invalid(scope, prop, value, `must be ${what}`);
}

function location(scope: IConstruct, prop: string, value: TrainingStoreLocation): { store: IObjectStore; prefix?: string } {
  if (value === undefined || value === null || typeof value !== "object" || Array.isArray(value)) {
    invalid(scope, prop, value, `must be a location ({ store, prefix }), not ${typeName(value)}`);
  }
  const store = value.store;
  if (store === undefined || store === null || typeof store !== "object" || typeof (store as IObjectStore).grantRead !== "function") {
    invalid(scope, `${prop}.store`, store, "must be an IObjectStore (a data-lake zone or a bucket reference)");
  }
  if (value.prefix !== undefined && typeof value.prefix !== "string") {
    invalid(scope, `${prop}.prefix`, value.prefix, `must be a key prefix (a string), not ${typeName(value.prefix)}`);
  }
  return { store, prefix: value.prefix };
}

/** Lazy: the job's namespace must be created by some connection to its cluster (usually in the platform stack). */
function namespaceProblems(scope: IConstruct, connection: ClusterConnection, namespace: string): string[] {
  if (isUnresolved(namespace) || namespace === "default") return [];
  const created = scope.node.root.node
    .findAll()
    .some((c) => c instanceof ClusterConnection && c.cluster === connection.cluster && c.namespaceResource(namespace) !== undefined);
  if (created) return [];
  return [
    `${scope.node.path}: invalid identity.namespace ${JSON.stringify(namespace)}: is not created by any connection to cluster "${connection.cluster.clusterName}"; ` +
      `call addNamespace("${namespace}") on its connection (usually in the platform stack) so the namespace exists before the job`,
  ];
}
