import { Construct } from "constructs";
import { ClusterConnection } from "../core/connection";
import { CustomResource } from "../core/custom-resource";
import { MANAGED_BY_LABELS } from "../core/labels";
import { invalid, isUnresolved, validateBoolean, validateInteger } from "../core/validation";
import { NamingRule, validateName } from "../core/naming";

/** API version of the Trainer custom resources. */
const TRAINER_API_VERSION = "trainer.kubeflow.org/v1alpha1";
/**
 * Image of the runtime's `node` container when a TrainJob gives none: the upstream torch-distributed
 * runtime's image at Trainer v2.3.0. Every Strata `TrainingJob` sets its own image, pinned by digest.
 */
const DEFAULT_IMAGE = "pytorch/pytorch:2.13.0-cuda13.0-cudnn9-runtime";

/** Options of `TorchDistributedRuntime` (see `TrainingRuntime.addTorchDistributedRuntime`). */
export interface TorchDistributedRuntimeOptions {
  /** The cluster connection of the workloads stack. */
  readonly connection: ClusterConnection;
  /**
   * Name of the ClusterTrainingRuntime (a DNS-1123 label) that TrainJobs reference.
   * @default "strata-torch-distributed"
   */
  readonly runtimeName?: string;
  /**
   * How often the whole JobSet of a TrainJob is recreated after one of its Jobs failed (JobSet
   * `failurePolicy.maxRestarts`): the spot-interruption budget. Each restart starts every node
   * again; the training code resumes from the last checkpoint (`CHECKPOINT_URI`).
   * @default 5
   */
  readonly maxRestarts?: number;
  /**
   * Pod failures a node's Job tolerates before it fails (Job `backoffLimit`). Pods lost to a node
   * disruption (spot reclaim, drain: the `DisruptionTarget` condition) never count.
   * @default 0 (torchrun ranks restart together through `maxRestarts`)
   */
  readonly backoffLimit?: number;
  /**
   * User ID the training containers run as (group and fsGroup too). Most CUDA/PyTorch images run
   * as root by default; Strata runs them as this non-root UID.
   * @default 1000
   */
  readonly runAsUser?: number;
  /**
   * Run the containers as the image's user, which may be root. Needs a namespace at
   * `PodSecurityLevel.BASELINE`. Only for images that cannot run non-root.
   * @default false
   */
  readonly allowRootContainers?: boolean;
  /**
   * Size of the memory-backed `/dev/shm` (NCCL and DataLoader workers use shared memory; the
   * container default is 64 MiB). Counts against the pod's memory.
   * @default 8
   */
  readonly sharedMemoryGiB?: number;
  /**
   * Seconds a finished JobSet is kept before it is deleted (the TrainJob remains).
   * @default 86400
   */
  readonly ttlSecondsAfterFinished?: number;
}

/**
 * A Kubeflow Trainer `ClusterTrainingRuntime` (`trainer.kubeflow.org/v1alpha1`) for PyTorch
 * distributed training with torchrun (`mlPolicy.torch`), in the workloads stack: the upstream
 * `torch-distributed` runtime with Strata's pod defaults:
 *
 * - non-root (UID 1000 unless `allowRootContainers`), seccomp `RuntimeDefault`, no privilege
 *   escalation, all capabilities dropped (the restricted Pod Security Standard);
 * - a memory-backed `/dev/shm` for NCCL;
 * - spot interruption: pods lost to a node disruption do not count as failures
 *   (`podFailurePolicy` ignores `DisruptionTarget`), and the JobSet restarts up to `maxRestarts`
 *   times (`failurePolicy`); `restartPolicy: Never` (the pod failure policy needs it).
 *
 * Placement, service account, image and resources come from each TrainJob (`TrainingJob`).
 *
 * @example
 * const torch = trainer.addTorchDistributedRuntime(workloads, "Torch", { connection, maxRestarts: 10 });
 */
export class TorchDistributedRuntime extends Construct {
  /** Default name of Strata's PyTorch runtime. */
  public static readonly DEFAULT_NAME = "strata-torch-distributed";
  /** Name of the runtime's replicated job and container that runs torchrun. */
  public static readonly NODE = "node";

  /** Name of the ClusterTrainingRuntime. */
  public readonly runtimeName: string;
  /** The custom resource. */
  public readonly resource: CustomResource;
  /** The connection the runtime is created through. */
  public readonly connection: ClusterConnection;
  /** Whether the runtime's containers may run as root. */
  public readonly allowRootContainers: boolean;

  constructor(scope: Construct, id: string, props: TorchDistributedRuntimeOptions) {
    super(scope, id);
    if (props === undefined || props === null || !(props.connection instanceof ClusterConnection)) {
      invalid(this, "connection", props?.connection, "must be a ClusterConnection of the workloads stack (cluster.connect(workloadsStack, ...))");
    }
    const name = props.runtimeName ?? TorchDistributedRuntime.DEFAULT_NAME;
    const maxRestarts = props.maxRestarts ?? 5;
    const backoffLimit = props.backoffLimit ?? 0;
    const runAsUser = props.runAsUser ?? 1000;
    const shm = props.sharedMemoryGiB ?? 8;
    const ttl = props.ttlSecondsAfterFinished ?? 86400;
    validateName(this, "runtimeName", name, NamingRule.DNS1123_LABEL);
    validateInteger(this, "maxRestarts", maxRestarts, 0, 1000);
    validateInteger(this, "backoffLimit", backoffLimit, 0, 1000);
    validateInteger(this, "runAsUser", runAsUser, 1, 2147483647);
    validateInteger(this, "sharedMemoryGiB", shm, 1, 1024);
    validateInteger(this, "ttlSecondsAfterFinished", ttl, 0, 31536000);
    validateBoolean(this, "allowRootContainers", props.allowRootContainers);
    const allowRoot = props.allowRootContainers ?? false;
    if (allowRoot && props.runAsUser !== undefined) {
      invalid(this, "runAsUser", props.runAsUser, "does not apply with allowRootContainers: true (the image's user is used)");
    }
    this.runtimeName = name;
    this.connection = props.connection;
    this.allowRootContainers = allowRoot;

    const podSecurityContext = allowRoot
      ? { seccompProfile: { type: "RuntimeDefault" } }
      : { runAsNonRoot: true, runAsUser, runAsGroup: runAsUser, fsGroup: runAsUser, seccompProfile: { type: "RuntimeDefault" } };
    const containerSecurityContext = { allowPrivilegeEscalation: false, privileged: false, capabilities: { drop: ["ALL"] } };
    const shmSize = isUnresolved(shm) ? shm : `${shm}Gi`;

    this.resource = new CustomResource(this, "Resource", {
      connection: props.connection,
      manifest: {
        apiVersion: TRAINER_API_VERSION,
        kind: "ClusterTrainingRuntime",
        metadata: { name, labels: { ...MANAGED_BY_LABELS, "trainer.kubeflow.org/framework": "torch" } },
        spec: {
          mlPolicy: { numNodes: 1, torch: {} },
          template: {
            spec: {
              failurePolicy: { maxRestarts },
              ttlSecondsAfterFinished: ttl,
              replicatedJobs: [
                {
                  name: TorchDistributedRuntime.NODE,
                  template: {
                    metadata: { labels: { "trainer.kubeflow.org/trainjob-ancestor-step": "trainer" } },
                    spec: {
                      backoffLimit,
                      podFailurePolicy: {
                        rules: [{ action: "Ignore", onPodConditions: [{ type: "DisruptionTarget", status: "True" }] }],
                      },
                      template: {
                        spec: {
                          restartPolicy: "Never",
                          securityContext: podSecurityContext,
                          containers: [
                            {
                              name: TorchDistributedRuntime.NODE,
                              image: DEFAULT_IMAGE,
                              securityContext: containerSecurityContext,
                              volumeMounts: [{ name: "dshm", mountPath: "/dev/shm" }],
                            },
                          ],
                          volumes: [{ name: "dshm", emptyDir: { medium: "Memory", sizeLimit: shmSize } }],
                        },
                      },
                    },
                  },
                },
              ],
            },
          },
        },
      },
    });
  }
}
