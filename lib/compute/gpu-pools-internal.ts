import { IConstruct } from "constructs";
import { CapacityType, NodePoolInfo, NodePoolPurpose, NodeTaint } from "../core/cluster";
import { GkeProvisioning, Gpu } from "../core/gpu";
import { CAPACITY_LABEL, POOL_LABEL, PURPOSE_LABEL } from "../core/labels";
import { tryMachineShape, validateGcpMachineType } from "../core/machine-types";
import { Scheduling } from "../core/scheduling";
import { invalid, isUnresolved, validateInteger, validateMinMax, warn } from "../core/validation";
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
  if (!(gpu instanceof Gpu)) {
    invalid(scope, "gpu", gpu, "must be a GPU of the catalog (e.g. Gpu.NVIDIA_L4) or one made with Gpu.custom({...})");
  }
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

/**
 * GCP's limits for T4 GPUs on N1 machines (Compute Engine GPU documentation, N1 + T4 table, as
 * remembered when this was written): 1 or 2 GPUs with up to 48 vCPUs and 312 GB, 4 GPUs with up to
 * 96 vCPUs and 624 GB.
 */
const N1_T4_LIMITS: ReadonlyArray<{ gpus: number; maxVcpus: number; maxMemoryGiB: number }> = [
  { gpus: 1, maxVcpus: 48, maxMemoryGiB: 312 },
  { gpus: 2, maxVcpus: 48, maxMemoryGiB: 312 },
  { gpus: 4, maxVcpus: 96, maxMemoryGiB: 624 },
];

/** The static name of a catalog GPU (`Gpu.NVIDIA_L4`), or its display name for a custom one. */
function gpuName(gpu: Gpu): string {
  const key = Object.keys(Gpu).find((k) => (Gpu as unknown as Record<string, unknown>)[k] === gpu);
  return key ? `Gpu.${key}` : gpu.displayName;
}

/**
 * Internal: the machine type of a GKE GPU pool, checked: the requested one or the cheapest catalog
 * machine type with `gpusPerNode` GPUs. A requested type must be well-formed, of the exact series
 * that carries the GPU (`a3-highgpu` for H100, `a3-megagpu` for H100 Mega, `a3-ultragpu` for H200;
 * `a2-highgpu`/`a2-megagpu` for A100 40GB, `a2-ultragpu` for A100 80GB) and carry `gpusPerNode`
 * GPUs; for the T4, any N1 machine the machine-shape catalog knows takes 1, 2 or 4 GPUs within
 * GCP's N1 limits (the accelerator count decides the GPUs per node). Warns when the catalog says
 * the machine type is not offered with the pool's capacity type (e.g. an on-demand pool on a type
 * offered as Spot or Flex-start only).
 */
export function resolveGkeMachineType(
  scope: IConstruct,
  gpu: Gpu,
  gpusPerNode: number,
  requested: string | undefined,
  capacityType: CapacityType,
): string {
  const candidates = gpu.gkeMachineTypesWith(gpusPerNode);
  const offered = candidates.map((c) => c.machineType).join(", ") || "no machine type with that count";
  const counts = [...new Set(gpu.gkeMachineTypes.map((t) => t.gpuCount))].sort((a, b) => a - b);
  if (requested === undefined) {
    if (candidates.length === 0) {
      invalid(scope, "gpusPerNode", gpusPerNode, `${gpu.displayName} machine types on GKE carry ${counts.join(", ")} GPUs`);
    }
    warnGkeProvisioning(scope, gpu, candidates[0].machineType, capacityType);
    return candidates[0].machineType;
  }
  validateGcpMachineType(scope, "machineType", requested);
  if (isUnresolved(requested)) return requested;

  if (gpu.gkeMachineFamily === "n1" && requested.startsWith("n1-")) {
    const shape = tryMachineShape(requested);
    if (shape === undefined) {
      invalid(scope, "machineType", requested, `is not an N1 machine type the catalog knows; ${gpu.displayName} attaches to n1-standard, n1-highmem and n1-highcpu types`);
    }
    const limit = N1_T4_LIMITS.find((l) => l.gpus === gpusPerNode);
    if (limit === undefined) {
      invalid(scope, "gpusPerNode", gpusPerNode, `${gpu.displayName} attaches to N1 machines in counts of ${N1_T4_LIMITS.map((l) => l.gpus).join(", ")}`);
    }
    if (shape.vcpus > limit.maxVcpus || shape.memoryGiB > limit.maxMemoryGiB) {
      invalid(
        scope,
        "machineType",
        requested,
        `has ${shape.vcpus} vCPUs and ${shape.memoryGiB} GB; with ${gpusPerNode} ${gpu.displayName} GPU(s) an N1 machine may have at most ${limit.maxVcpus} vCPUs and ${limit.maxMemoryGiB} GB`,
      );
    }
    return requested;
  }

  const series = requested.replace(/-\d+[a-z]*$/, "");
  if (!gpu.gkeMachineSeries.includes(series)) {
    const owner = Gpu.all().find((g) => g !== gpu && g.gkeMachineSeries.includes(series));
    const carries = owner ? `, which carries ${owner.displayName} (${gpuName(owner)})` : "";
    invalid(
      scope,
      "machineType",
      requested,
      `is a ${series} machine${carries}; ${gpu.displayName} is offered on ${gpu.gkeMachineSeries.join(", ")} only (${candidates.length > 0 ? offered : gpu.gkeMachineTypes.map((c) => c.machineType).join(", ")})`,
    );
  }
  const entry = gpu.gkeMachineType(requested);
  if (entry === undefined || entry.gpuCount !== gpusPerNode) {
    invalid(scope, "machineType", requested, `does not carry ${gpusPerNode} ${gpu.displayName} GPU(s); the catalog offers ${offered}`);
  }
  warnGkeProvisioning(scope, gpu, requested, capacityType);
  return requested;
}

/** Warns when the catalog says `machineType` is not offered with the pool's capacity type. */
function warnGkeProvisioning(scope: IConstruct, gpu: Gpu, machineType: string, capacityType: CapacityType): void {
  const provisioning = gpu.gkeProvisioning(machineType);
  if (provisioning.length === 0) return;
  const wanted = capacityType === CapacityType.SPOT ? GkeProvisioning.SPOT : GkeProvisioning.ON_DEMAND;
  if (provisioning.includes(wanted)) return;
  const how = provisioning.map((p) => p.toLowerCase().replace("_", "-")).join(", ");
  warn(
    scope,
    "machineType",
    machineType,
    `is offered as ${how} capacity only, as far as the GPU catalog knows, not as plain ${wanted === GkeProvisioning.SPOT ? "Spot" : "on-demand"} VMs: ` +
      "the pool may get no nodes. Use a reservation for on-demand capacity, a spot training pool, or a machine type offered on-demand " +
      "(see the GPU catalog's provisioning notes)",
  );
}

/**
 * Cores and GiB of memory per GPU of quota on a pool whose machine shape is unknown (on-prem nodes
 * declared without instance types, or types outside the machine-shape catalog).
 */
export const FALLBACK_CPU_PER_GPU = 8;
/** See `FALLBACK_CPU_PER_GPU`. */
export const FALLBACK_MEMORY_GIB_PER_GPU = 64;

/**
 * Millicores and MiB per GPU of a GPU pool's machine shape: the smallest vCPUs and memory (each on
 * its own) among its instance or machine types divided by its GPUs per node, rounded down; the
 * fallback when a type is unknown or the pool declares none.
 */
export function perGpuShape(pool: NodePoolInfo): { cpuMillis: number; memoryMiB: number } {
  const fallback = { cpuMillis: FALLBACK_CPU_PER_GPU * 1000, memoryMiB: FALLBACK_MEMORY_GIB_PER_GPU * 1024 };
  const types = pool.instanceTypes ?? [];
  const gpus = pool.gpusPerNode ?? 0;
  if (!Array.isArray(types) || types.length === 0 || gpus <= 0 || isUnresolved(gpus)) return fallback;
  const shapes = types.map((t) => (isUnresolved(t) ? undefined : tryMachineShape(t)));
  if (shapes.some((sh) => sh === undefined)) return fallback;
  const vcpus = Math.min(...shapes.map((sh) => sh!.vcpus));
  const memoryGiB = Math.min(...shapes.map((sh) => sh!.memoryGiB));
  return { cpuMillis: Math.floor((vcpus * 1000) / gpus), memoryMiB: Math.floor((memoryGiB * 1024) / gpus) };
}
