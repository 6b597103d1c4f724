import { IConstruct } from "constructs";
import { CapacityType, IKubernetesCluster, NodePoolInfo, NodePoolPurpose, NodeTaint, TaintEffect, Toleration } from "./cluster";
import { invalid } from "./validation";

/**
 * The scheduling contract between node pools and the workloads of later layers: the taints
 * pools carry and the tolerations and node selectors workloads use to land on them.
 *
 * - every GPU pool is tainted `nvidia.com/gpu=present:NoSchedule`, so only pods that ask for GPUs land there;
 * - spot training pools are also tainted `workload=training:NoSchedule`, so serving never lands on them by accident;
 * - every pool's nodes carry `strata.io/pool`, `strata.io/purpose` and `strata.io/capacity-type` labels.
 *
 * @example
 * const pool = cluster.nodePools.find((p) => p.purpose === NodePoolPurpose.INFERENCE)!;
 * Scheduling.tolerationsFor(pool); // [{ key: "nvidia.com/gpu", operator: "Equal", value: "present", effect: "NoSchedule" }]
 */
export class Scheduling {
  /** Node label naming the Strata node pool. */
  public static readonly POOL_LABEL = "strata.io/pool";
  /** Node label carrying the pool purpose (system, general, inference, training). */
  public static readonly PURPOSE_LABEL = "strata.io/purpose";
  /** Node label carrying the capacity type (on-demand, spot). */
  public static readonly CAPACITY_TYPE_LABEL = "strata.io/capacity-type";
  /** Node label with the catalog id of the node's GPU (e.g. `nvidia-l4`). */
  public static readonly GPU_LABEL = "strata.io/gpu";
  /** Node label set by NVIDIA GPU feature discovery with the GPU model. */
  public static readonly GPU_PRODUCT_LABEL = "nvidia.com/gpu.product";
  /** Extended resource name of NVIDIA GPUs. */
  public static readonly GPU_RESOURCE = "nvidia.com/gpu";

  /** The taint every GPU pool carries: `nvidia.com/gpu=present:NoSchedule`. */
  public static gpuTaint(): NodeTaint {
    return { key: "nvidia.com/gpu", value: "present", effect: TaintEffect.NO_SCHEDULE };
  }

  /** The taint every training pool carries: `workload=training:NoSchedule`. */
  public static trainingTaint(): NodeTaint {
    return { key: "workload", value: "training", effect: TaintEffect.NO_SCHEDULE };
  }

  /** Tolerations that match every taint of `pool` exactly. */
  public static tolerationsFor(pool: NodePoolInfo): Toleration[] {
    return pool.taints.map((t) =>
      t.value === undefined
        ? { key: t.key, operator: "Exists", effect: t.effect }
        : { key: t.key, operator: "Equal", value: t.value, effect: t.effect },
    );
  }

  /** The node selector that targets `pool` (its labels). */
  public static nodeSelectorFor(pool: NodePoolInfo): { [key: string]: string } {
    return { ...pool.labels };
  }

  /**
   * The pools a serving workload may use on `cluster`: inference pools (with a GPU when
   * `gpu` is true), on-demand only unless `allowSpot` is set.
   */
  public static servingPools(cluster: IKubernetesCluster, gpu: boolean, allowSpot: boolean): NodePoolInfo[] {
    return cluster.nodePools.filter(
      (p) =>
        p.purpose === NodePoolPurpose.INFERENCE &&
        (p.gpu !== undefined) === gpu &&
        (allowSpot || p.capacityType !== CapacityType.SPOT),
    );
  }

  /**
   * Throws the standard validation error when a serving workload in `scope` would be placed on
   * `pool` and the pool is spot or meant for training, unless `allowSpot` is set. Serving
   * constructs call this for the pool a user names.
   */
  public static assertServingPlacement(scope: IConstruct, prop: string, pool: NodePoolInfo, allowSpot: boolean): void {
    if (pool.purpose === NodePoolPurpose.TRAINING && !allowSpot) {
      invalid(
        scope,
        prop,
        pool.name,
        "is a training pool; serving must run on an inference pool (set allowSpotCapacity: true to accept interruptions)",
      );
    }
    if (pool.capacityType === CapacityType.SPOT && !allowSpot) {
      invalid(
        scope,
        prop,
        pool.name,
        "is a spot pool; serving endpoints run on on-demand capacity unless allowSpotCapacity: true says interruptions are acceptable",
      );
    }
  }
}
