import { IConstruct } from "constructs";
import { CapacityType, NodePoolInfo, NodePoolPurpose, NodeTaint } from "../core/cluster";
import { Gpu } from "../core/gpu";
import { CAPACITY_LABEL, POOL_LABEL, PURPOSE_LABEL } from "../core/labels";
import { Scheduling } from "../core/scheduling";
import { invalid, isUnresolved, validateInteger, validateMinMax } from "../core/validation";
import { GpuNodePoolOptions } from "./gpu-pool-options";

/*
 * Internal (not exported from the package): the defaults and checks every GPU pool shares.
 */

/** The resolved shape of a GPU pool, after defaults and validation. */
export interface ResolvedGpuPool {
  readonly name: string;
  readonly gpusPerNode: number;
  readonly minNodes: number;
  readonly maxNodes: number;
  readonly diskSizeGiB: number;
  readonly purpose: NodePoolPurpose;
  readonly capacityType: CapacityType;
  readonly labels: { [key: string]: string };
  readonly taints: NodeTaint[];
}

/**
 * Internal: applies the defaults and checks shared by every GPU pool. `training` selects the
 * spot training pool shape (spot, min 0, training taint); otherwise an inference pool.
 */
export function resolveGpuPool(scope: IConstruct, options: GpuNodePoolOptions, training: boolean): ResolvedGpuPool {
  const gpu = options.gpu;
  const gpusPerNode = options.gpusPerNode ?? 1;
  const name = options.name ?? `${gpu.id}-${training ? "spot-training" : "inference"}`;
  const minNodes = options.minNodes ?? (training ? 0 : 1);
  const diskSizeGiB = options.diskSizeGiB ?? 200;
  for (const [prop, value] of [["gpusPerNode", gpusPerNode], ["maxGpus", options.maxGpus]] as const) {
    if (isUnresolved(value)) {
      invalid(scope, prop, "<token>", "must be a literal number: instance types and pool sizes are chosen at synth time");
    }
  }
  validateInteger(scope, "gpusPerNode", gpusPerNode, 1, 16);
  validateInteger(scope, "minNodes", minNodes, 0);
  validateInteger(scope, "diskSizeGiB", diskSizeGiB, 20, 16384);
  if (options.maxNodes !== undefined && options.maxGpus !== undefined) {
    invalid(scope, "maxGpus", options.maxGpus, `give either maxNodes (${options.maxNodes}) or maxGpus, not both`);
  }
  let maxNodes: number;
  if (options.maxNodes !== undefined) {
    validateInteger(scope, "maxNodes", options.maxNodes, 1);
    maxNodes = options.maxNodes;
  } else if (options.maxGpus !== undefined) {
    validateInteger(scope, "maxGpus", options.maxGpus, 1);
    if (options.maxGpus < gpusPerNode) {
      invalid(scope, "maxGpus", options.maxGpus, `must be at least gpusPerNode (${gpusPerNode}): the pool could never hold one node`);
    }
    if (options.maxGpus % gpusPerNode !== 0) {
      invalid(
        scope,
        "maxGpus",
        options.maxGpus,
        `must be a multiple of gpusPerNode (${gpusPerNode}): nodes come whole; use ${Math.floor(options.maxGpus / gpusPerNode) * gpusPerNode} or ${Math.ceil(options.maxGpus / gpusPerNode) * gpusPerNode}`,
      );
    }
    maxNodes = options.maxGpus / gpusPerNode;
  } else {
    invalid(scope, "maxNodes", undefined, "give maxNodes or maxGpus: a pool needs an upper bound (at least 1 node)");
  }
  validateMinMax(scope, "minNodes", minNodes, "maxNodes", maxNodes);

  const capacityType = training ? CapacityType.SPOT : CapacityType.ON_DEMAND;
  const purpose = training ? NodePoolPurpose.TRAINING : NodePoolPurpose.INFERENCE;
  return {
    name,
    gpusPerNode,
    minNodes,
    maxNodes,
    diskSizeGiB,
    purpose,
    capacityType,
    labels: {
      [POOL_LABEL]: name,
      [PURPOSE_LABEL]: purpose,
      [CAPACITY_LABEL]: capacityType,
      [Scheduling.GPU_LABEL]: gpu.id,
    },
    taints: training ? [Scheduling.gpuTaint(), Scheduling.trainingTaint()] : [Scheduling.gpuTaint()],
  };
}

/** Internal: Kubernetes taint effect as EKS and GKE APIs spell it (`NO_SCHEDULE`). */
export function cloudTaintEffect(effect: string): string {
  return effect.replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase();
}

/** What the cluster records of a resolved GPU pool. */
export function gpuPoolInfo(pool: ResolvedGpuPool, gpu: Gpu, instanceTypes: string[]): NodePoolInfo {
  return {
    name: pool.name,
    purpose: pool.purpose,
    capacityType: pool.capacityType,
    labels: pool.labels,
    taints: pool.taints,
    minNodes: pool.minNodes,
    maxNodes: pool.maxNodes,
    gpu,
    gpusPerNode: pool.gpusPerNode,
    instanceTypes,
  };
}
