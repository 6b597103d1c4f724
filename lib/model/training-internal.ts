import { IConstruct } from "constructs";
import { IKubernetesCluster, IWorkloadIdentity, NodePoolInfo, NodePoolPurpose, WorkloadIdentityKind } from "../core/cluster";
import { ClusterConnection } from "../core/connection";
import { IModelRegistry, RegistryClientEnvVar } from "../core/model-registry";
import { IObjectStore, ObjectStoreKind } from "../core/object-store";
import { invalid, isUnresolved, typeName, validateNonEmpty, warn } from "../core/validation";
import { WorkQueues } from "../core/work-queues";
import { TorchDistributedRuntime } from "./torch-distributed-runtime";

/**
 * Internal helpers shared by the constructs that create Kubeflow TrainJobs (`TrainingJob`,
 * `TrainingPipeline`): image pinning, placement on the training pool, the runtime reference, the
 * Kueue queue checks and the lineage environment. Not part of the public API.
 */

const DIGEST = /^[^\s@]+@sha256:[0-9a-f]{64}$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * Fields of a TrainJob other controllers write: Kueue flips `suspend` when it admits the job and
 * adds its own runtime patch (node selector of the admitted flavor); the Trainer webhook stamps
 * each patch's `time`. Terraform must not fight them (a re-applied `suspend: true` would stop a
 * running job).
 */
export const TRAIN_JOB_COMPUTED_FIELDS = ["metadata.labels", "metadata.annotations", "spec.suspend", "spec.runtimePatches"];

/**
 * A container image pinned by digest (`registry/app@sha256:<64 hex>`) so that a run is
 * reproducible. With `allowMutable` (the opt-out prop `optOutProp`), a version tag other than
 * `latest` is accepted too, with a warning. Returns the digest (undefined for a tag or a token).
 */
export function validatePinnedImage(scope: IConstruct, prop: string, image: unknown, allowMutable: boolean, optOutProp: string): string | undefined {
  validateNonEmpty(scope, prop, image as string);
  if (isUnresolved(image)) return undefined;
  const value = image as string;
  if (/\s/.test(value)) invalid(scope, prop, value, "must be an image reference without whitespace");
  if (DIGEST.test(value)) return value.slice(value.indexOf("@") + 1);
  if (value.includes("@")) invalid(scope, prop, value, 'has an invalid digest: give "repo@sha256:" and 64 lowercase hex digits');
  if (!allowMutable) {
    invalid(scope, prop, value, `must be pinned by digest ("registry/train@sha256:<64 hex digits>") so a run is reproducible; set ${optOutProp}: true to accept a tag`);
  }
  const lastSlash = value.lastIndexOf("/");
  const colon = value.indexOf(":", lastSlash + 1);
  const tag = colon < 0 ? "" : value.slice(colon + 1);
  if (tag === "" || tag.toLowerCase() === "latest") {
    invalid(scope, prop, value, `must carry a version tag or a digest even with ${optOutProp} (not "latest" or untagged)`);
  }
  if (!TAG.test(tag)) invalid(scope, prop, value, "has an invalid tag (letters, digits, '_', '.', '-'; at most 128 characters)");
  warn(scope, prop, value, `is pinned by tag only (${optOutProp}): the tag can move, so the run is not reproducible and no digest is recorded`);
  return undefined;
}

/** What `trainingPlacement` checks. */
export interface TrainingPlacementOptions {
  /** The cluster whose pools are searched. */
  readonly cluster: IKubernetesCluster;
  /** Name of the prop that names the pool (`poolName`, `trainingPoolName`), for messages. */
  readonly poolProp: string;
  /** The pool name given, if any. */
  readonly poolName: unknown;
  /** Accept an INFERENCE pool (by name only). */
  readonly allowServingPool: boolean;
  /** Whole GPUs per node given, if any (default: every GPU of a node of the pool). */
  readonly gpusPerNode: unknown;
  /** Number of nodes (already validated as an integer). */
  readonly numNodes: number;
}

/**
 * Placement of a TrainJob: the named pool (a TRAINING pool, an INFERENCE pool only with
 * `allowServingPool`) or the cluster's only TRAINING pool; it must have GPUs; whole GPUs per node
 * at most the pool's per-node count; `numNodes` at most the pool's `maxNodes`.
 */
export function trainingPlacement(scope: IConstruct, o: TrainingPlacementOptions): { pool: NodePoolInfo; gpusPerNode: number } {
  const pools = o.cluster.nodePools;
  const clusterName = o.cluster.clusterName;
  const prop = o.poolProp;
  const training = pools.filter((p) => p.purpose === NodePoolPurpose.TRAINING);
  let pool: NodePoolInfo | undefined;
  if (o.poolName !== undefined) {
    validateNonEmpty(scope, prop, o.poolName as string);
    pool = pools.find((p) => p.name === o.poolName);
    if (!pool) {
      invalid(scope, prop, o.poolName, `must name a node pool of cluster "${clusterName}" (pools: ${pools.map((p) => p.name).join(", ") || "none"})`);
    }
    if (pool.purpose === NodePoolPurpose.INFERENCE && !o.allowServingPool) {
      const optOut = prop === "poolName" ? " (set allowServingPool: true to train on serving capacity)" : "";
      invalid(scope, prop, o.poolName, `is a serving (INFERENCE) pool; training runs on a TRAINING pool${optOut}`);
    }
    if (pool.purpose !== NodePoolPurpose.TRAINING && pool.purpose !== NodePoolPurpose.INFERENCE) {
      invalid(scope, prop, o.poolName, `is a ${pool.purpose} pool; training runs on a TRAINING GPU pool`);
    }
  } else {
    if (training.length === 0) {
      invalid(scope, prop, o.poolName, `is required: cluster "${clusterName}" has no TRAINING pool (add a spot GPU training pool)`);
    }
    if (training.length > 1) {
      invalid(scope, prop, o.poolName, `is required: cluster "${clusterName}" has several TRAINING pools (${training.map((p) => p.name).join(", ")}); name one`);
    }
    pool = training[0];
  }
  if (pool.gpu === undefined || (!isUnresolved(pool.gpusPerNode) && (pool.gpusPerNode ?? 0) < 1)) {
    invalid(scope, prop, pool.name, "is a pool without GPUs; a training job requests whole GPUs (nvidia.com/gpu)");
  }

  const perNode = pool.gpusPerNode ?? 0;
  const gpus = o.gpusPerNode ?? (isUnresolved(perNode) ? 1 : perNode);
  if (!isUnresolved(gpus)) {
    if (typeof gpus !== "number" || !Number.isInteger(gpus) || gpus < 1) {
      invalid(scope, "gpusPerNode", gpus, `must be a positive whole number of GPUs${typeof gpus === "number" ? "" : `, not ${typeName(gpus)}`}`);
    }
    if (!isUnresolved(perNode) && gpus > perNode) {
      invalid(scope, "gpusPerNode", gpus, `must be at most ${perNode}, the GPUs per node of pool "${pool.name}" (${pool.gpu?.displayName ?? "GPU"}); use more nodes (numNodes) for more GPUs`);
    }
  }
  if (!isUnresolved(o.numNodes) && !isUnresolved(pool.maxNodes) && o.numNodes > pool.maxNodes) {
    invalid(
      scope,
      "numNodes",
      o.numNodes,
      `must be at most the pool's maxNodes (${pool.maxNodes}, pool "${pool.name}"): each node of the job is a node of the pool; raise the pool's maxNodes for multi-node training`,
    );
  }
  return { pool, gpusPerNode: gpus as number };
}

/**
 * The ClusterTrainingRuntime a TrainJob references: `runtime` (a `TorchDistributedRuntime`) or
 * `runtimeName`, not both; by default Strata's torch runtime name. Returns the name.
 */
export function trainingRuntimeName(scope: IConstruct, runtime: unknown, runtimeName: unknown): string {
  if (runtime !== undefined && runtimeName !== undefined) invalid(scope, "runtimeName", runtimeName, "give runtime or runtimeName, not both");
  if (runtime !== undefined) {
    if (!(runtime instanceof TorchDistributedRuntime)) {
      invalid(scope, "runtime", runtime, "must be a TorchDistributedRuntime (trainer.addTorchDistributedRuntime(...)); give another runtime's name as runtimeName");
    }
    return runtime.runtimeName;
  }
  if (runtimeName === undefined) return TorchDistributedRuntime.DEFAULT_NAME;
  validateNonEmpty(scope, "runtimeName", runtimeName as string);
  if (!isUnresolved(runtimeName) && !DNS1123_LABEL.test(runtimeName as string)) {
    invalid(scope, "runtimeName", runtimeName, `must name a ClusterTrainingRuntime (a DNS-1123 label such as "${TorchDistributedRuntime.DEFAULT_NAME}")`);
  }
  return runtimeName as string;
}

/** Terraform dependencies on the runtime: its custom resource when it is on the same cluster. */
export function runtimeDependencies(runtime: TorchDistributedRuntime | undefined, cluster: IKubernetesCluster): string[] {
  return runtime !== undefined && runtime.connection.cluster === cluster ? [runtime.resource.resource.fqn] : [];
}

/** A LocalQueue name given: a DNS-1123 label. */
export function validateQueueName(scope: IConstruct, queueName: unknown): void {
  if (queueName === undefined) return;
  validateNonEmpty(scope, "queueName", queueName as string);
  if (!isUnresolved(queueName) && (!DNS1123_LABEL.test(queueName as string) || (queueName as string).length > 63)) {
    invalid(scope, "queueName", queueName, "must be a LocalQueue name: a DNS-1123 label of at most 63 characters");
  }
}

/**
 * Lazy queue checks against the WorkQueues registry (queues may be created after the job): a
 * named queue must exist in the namespace; a queue-managed namespace needs one.
 */
export function queueProblems(scope: IConstruct, connection: ClusterConnection, namespace: string, queueName: string | undefined): string[] {
  if (isUnresolved(namespace) || isUnresolved(queueName)) return [];
  const queues = WorkQueues.queuesIn(connection.cluster, namespace);
  const cluster = connection.cluster.clusterName;
  if (queueName === undefined) {
    if (queues.length > 0) {
      return [
        `${scope.node.path}: invalid queueName undefined: is required: namespace "${namespace}" on cluster "${cluster}" is queue-managed (LocalQueues: ${queues.join(", ")}); a job without a queue would bypass Kueue's quotas`,
      ];
    }
    warn(scope, "queueName", queueName, `is not set: the job is not admitted by Kueue and starts at once, outside any quota (namespace "${namespace}" has no LocalQueue)`);
    return [];
  }
  if (!queues.includes(queueName)) {
    return [
      `${scope.node.path}: invalid queueName ${JSON.stringify(queueName)}: is not a LocalQueue in namespace "${namespace}" on cluster "${cluster}" ` +
        `(${queues.length > 0 ? `known: ${queues.join(", ")}` : "it has none"}); create it with KueueLocalQueue`,
    ];
  }
  return [];
}

/** A Kubernetes EnvVar for a literal or Secret-key variable. */
export function toK8sEnv(v: RegistryClientEnvVar): { [key: string]: any } {
  if (v.secretName !== undefined) return { name: v.name, valueFrom: { secretKeyRef: { name: v.secretName, key: v.secretKey } } };
  return { name: v.name, value: v.value ?? "" };
}

/**
 * Object-store access for `identity` on S3-compatible stores (on-prem): the identity's credentials
 * Secret as AWS_* variables and the (shared) endpoint. Cloud stores need nothing (workload identity).
 */
export function storeCredentialsEnv(identity: IWorkloadIdentity, stores: IObjectStore[]): RegistryClientEnvVar[] {
  const compatible = stores.filter((s) => s.kind === ObjectStoreKind.S3_COMPATIBLE);
  if (compatible.length === 0) return [];
  const env: RegistryClientEnvVar[] = [];
  if (identity.kind === WorkloadIdentityKind.KUBERNETES_SECRET && identity.credentialsSecretName !== undefined) {
    for (const key of ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]) env.push({ name: key, secretName: identity.credentialsSecretName, secretKey: key });
  }
  if (compatible[0].endpoint !== undefined) env.push({ name: "AWS_ENDPOINT_URL_S3", value: compatible[0].endpoint });
  return env;
}

/** What the training pods' environment is built from (`trainingEnvironment`). */
export interface TrainingEnvironmentOptions {
  /** The TrainJob name (`STRATA_TRAINING_JOB`; may hold an Argo variable). */
  readonly jobName: string;
  /** The job's namespace. */
  readonly namespace: string;
  /** The training image. */
  readonly image: string;
  /** Its digest, when pinned by digest. */
  readonly digest?: string;
  /** URI of the training data. */
  readonly dataUri: string;
  /** Version of the data set. */
  readonly dataVersion?: string;
  /** Git revision of the training code. */
  readonly gitRevision?: string;
  /** Where checkpoints go. */
  readonly checkpointUri: string;
  /** Where the trained model goes. */
  readonly modelOutputUri: string;
  /** MLflow experiment. */
  readonly experimentName?: string;
  /** The identity of the training pods (its credentials Secret on S3-compatible stores). */
  readonly identity: IWorkloadIdentity;
  /** The stores the job uses. */
  readonly stores: IObjectStore[];
  /** The model registry, if any: its client environment is added. */
  readonly registry?: IModelRegistry;
  /** More MLflow run tags (`MLFLOW_RUN_CONTEXT`). */
  readonly extraTags?: { [key: string]: string };
}

/**
 * The environment of the training container: lineage (job, image and digest, data URI and version,
 * git revision; also as MLflow run tags in `MLFLOW_RUN_CONTEXT`), locations (`DATA_URI`,
 * `CHECKPOINT_URI`, `MODEL_OUTPUT_URI`), S3-compatible credentials and the registry's client
 * environment.
 */
export function trainingEnvironment(o: TrainingEnvironmentOptions): RegistryClientEnvVar[] {
  const tags: { [key: string]: string } = {
    "strata.training_job": `${o.namespace}/${o.jobName}`,
    "strata.image": o.image,
    "strata.data.uri": o.dataUri,
  };
  if (o.digest !== undefined) tags["strata.image.digest"] = o.digest;
  if (o.dataVersion !== undefined) tags["strata.data.version"] = o.dataVersion;
  if (o.gitRevision !== undefined) tags["mlflow.source.git.commit"] = o.gitRevision;
  Object.assign(tags, o.extraTags ?? {});
  const env: RegistryClientEnvVar[] = [
    { name: "STRATA_TRAINING_JOB", value: o.jobName },
    { name: "STRATA_IMAGE", value: o.image },
  ];
  if (o.digest !== undefined) env.push({ name: "STRATA_IMAGE_DIGEST", value: o.digest });
  env.push({ name: "DATA_URI", value: o.dataUri });
  if (o.dataVersion !== undefined) env.push({ name: "DATA_VERSION", value: o.dataVersion });
  if (o.gitRevision !== undefined) env.push({ name: "GIT_REVISION", value: o.gitRevision });
  env.push({ name: "CHECKPOINT_URI", value: o.checkpointUri }, { name: "MODEL_OUTPUT_URI", value: o.modelOutputUri });
  // MLflow reads MLFLOW_RUN_CONTEXT (a JSON object) as tags of every run it starts
  // (mlflow.tracking.context.system_environment_context, a developer-stable API).
  env.push({ name: "MLFLOW_RUN_CONTEXT", value: JSON.stringify(tags) });
  if (o.experimentName !== undefined) env.push({ name: "MLFLOW_EXPERIMENT_NAME", value: o.experimentName });
  env.push(...storeCredentialsEnv(o.identity, o.stores));
  for (const v of o.registry?.clientEnvironment({ namespace: o.namespace }) ?? []) {
    if (!env.some((e) => e.name === v.name)) env.push(v);
  }
  return env;
}

