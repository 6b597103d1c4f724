import { IConstruct } from "constructs";
import { TerraformStack } from "cdktf";
import { IWorkloadIdentity, NodePoolInfo, NodePoolPurpose, SystemWorkload, TaintEffect, WorkloadIdentityKind } from "./cluster";
import { Allocatable, allocatableOf, tryMachineShape } from "./machine-types";
import { NamingRule, validateName } from "./naming";
import { invalid, isUnresolved, validateInteger, validateMinMax, validateNonEmpty, warn } from "./validation";

/**
 * Internal: the node pools a cluster knows, with the checks every cluster applies
 * (unique DNS-1123 names, 0 <= min <= max, max > 0, GPU count given with a GPU).
 */
export class NodePoolRegistry {
  private readonly pools: NodePoolInfo[] = [];

  constructor(private readonly cluster: IConstruct) {
    // Registered on the cluster's stack, which validates before the cluster itself: a warning
    // recorded on the cluster from here is then printed when the cluster validates (see `warning`).
    TerraformStack.of(cluster).node.addValidation({
      validate: () => {
        this.checkSystemCapacity();
        return [];
      },
    });
  }

  public register(pool: NodePoolInfo): void {
    const prop = `nodePools["${pool.name}"]`;
    validateName(this.cluster, "node pool name", pool.name, NamingRule.DNS1123_LABEL);
    const existing = this.pools.find((p) => p.name === pool.name);
    if (existing) {
      invalid(this.cluster, "node pool name", pool.name, "must be unique in the cluster; a pool with this name already exists");
    }
    validateInteger(this.cluster, `${prop}.minNodes`, pool.minNodes, 0);
    validateInteger(this.cluster, `${prop}.maxNodes`, pool.maxNodes, 1);
    validateMinMax(this.cluster, `${prop}.minNodes`, pool.minNodes, `${prop}.maxNodes`, pool.maxNodes);
    if (pool.gpu !== undefined) {
      validateInteger(this.cluster, `${prop}.gpusPerNode`, pool.gpusPerNode, 1, 16);
      if (pool.gpusPerNode === undefined) {
        invalid(this.cluster, `${prop}.gpusPerNode`, undefined, "is required for a GPU pool (1 to 16)");
      }
    } else if ((pool.gpusPerNode ?? 0) !== 0) {
      invalid(this.cluster, `${prop}.gpusPerNode`, pool.gpusPerNode, "must be 0 or unset for a pool without a GPU");
    }
    this.pools.push(pool);
  }

  public all(): NodePoolInfo[] {
    return [...this.pools];
  }

  public addSystemWorkload(workload: SystemWorkload): void {
    const prop = `systemWorkloads["${workload.name}"]`;
    validateNonEmpty(this.cluster, "system workload name", workload.name);
    if (this.workloads.some((w) => w.name === workload.name)) {
      invalid(this.cluster, "system workload name", workload.name, "must be unique in the cluster; a system workload with this name is already registered");
    }
    validateInteger(this.cluster, `${prop}.cpuMillis`, workload.cpuMillis, 1);
    validateInteger(this.cluster, `${prop}.memoryMiB`, workload.memoryMiB, 1);
    validateInteger(this.cluster, `${prop}.replicas`, workload.replicas, 0);
    this.workloads.push({ ...workload });
  }

  public systemWorkloads(): SystemWorkload[] {
    return [...this.workloads];
  }

  private readonly workloads: SystemWorkload[] = [];

  /**
   * Warns when the declared system capacity is below the requests of the registered system
   * workloads (see `systemCapacityShortfall`). Silent when there are no workloads, or when a
   * system pool's size or instance types are unknown (tokens, on-prem, types outside the
   * machine-shape catalog): the capacity is then unknown, not short.
   */
  private checkSystemCapacity(): void {
    const shortfall = systemCapacityShortfall(this.pools, this.workloads);
    if (shortfall === undefined) return;
    warn(this.cluster, "system capacity", shortfall.capacity, shortfall.message);
  }
}

/** Total requests of a set of pods. */
interface Requests {
  cpuMillis: number;
  memoryMiB: number;
}

/** Where the pods Strata adds to system nodes may run: SYSTEM pools, and GENERAL pools without a NoSchedule/NoExecute taint. */
export function systemCapacityPools(pools: NodePoolInfo[]): NodePoolInfo[] {
  return pools.filter(
    (p) =>
      p.gpu === undefined &&
      (p.purpose === NodePoolPurpose.SYSTEM ||
        (p.purpose === NodePoolPurpose.GENERAL && !p.taints.some((t) => t.effect !== TaintEffect.PREFER_NO_SCHEDULE))),
  );
}

/** The smallest allocatable CPU and memory (each on its own) over `instanceTypes`, or undefined when one is unknown. */
function smallestAllocatable(instanceTypes: string[] | undefined): Allocatable | undefined {
  if (instanceTypes === undefined || !Array.isArray(instanceTypes) || instanceTypes.length === 0) return undefined;
  let cpu = Number.POSITIVE_INFINITY;
  let memory = Number.POSITIVE_INFINITY;
  for (const type of instanceTypes) {
    if (isUnresolved(type)) return undefined;
    const shape = tryMachineShape(type);
    if (!shape) return undefined;
    const a = allocatableOf(shape);
    cpu = Math.min(cpu, a.cpuMillis);
    memory = Math.min(memory, a.memoryMiB);
  }
  return { cpuMillis: cpu, memoryMiB: memory };
}

/** Requests of the DaemonSet pods (one per node) and of the other pods (replicas x requests). */
function sumRequests(workloads: SystemWorkload[]): { perNode: Requests; replicated: Requests; largest?: SystemWorkload } {
  const perNode = { cpuMillis: 0, memoryMiB: 0 };
  const replicated = { cpuMillis: 0, memoryMiB: 0 };
  let largest: SystemWorkload | undefined;
  for (const w of workloads) {
    if (w.perNode) {
      perNode.cpuMillis += w.cpuMillis;
      perNode.memoryMiB += w.memoryMiB;
      continue;
    }
    const replicas = w.replicas ?? 1;
    if (replicas === 0) continue;
    replicated.cpuMillis += replicas * w.cpuMillis;
    replicated.memoryMiB += replicas * w.memoryMiB;
    if (!largest || w.cpuMillis > largest.cpuMillis || w.memoryMiB > largest.memoryMiB) largest = w;
  }
  return { perNode, replicated, largest };
}

const cpuText = (millis: number) => `${(millis / 1000).toFixed(millis % 1000 === 0 ? 0 : 2)} vCPU`;
const memText = (mib: number) => `${(mib / 1024).toFixed(1)} GiB`;

/**
 * Internal: compares the requests of `workloads` with what the system pools of `pools` hold at
 * their `maxNodes`, each node counted at the smallest allocatable shape among its instance types
 * (`allocatableOf`) minus one pod of every DaemonSet (`perNode`) workload. Returns undefined when
 * capacity suffices or cannot be known (no workloads, no system pool, a token size, a pool
 * without instance types or with a type outside the machine-shape catalog); else what to print.
 */
export function systemCapacityShortfall(
  pools: NodePoolInfo[],
  workloads: SystemWorkload[],
): { capacity: Record<string, unknown>; message: string } | undefined {
  if (workloads.length === 0) return undefined;
  const systemPools = systemCapacityPools(pools);
  if (systemPools.length === 0) return undefined;
  const shapes: Allocatable[] = [];
  for (const p of systemPools) {
    const shape = smallestAllocatable(p.instanceTypes);
    if (!shape || isUnresolved(p.maxNodes)) return undefined;
    shapes.push(shape);
  }
  const { perNode, replicated, largest } = sumRequests(workloads);
  const free = shapes.map((a) => ({ cpuMillis: a.cpuMillis - perNode.cpuMillis, memoryMiB: a.memoryMiB - perNode.memoryMiB }));
  const capacity = systemPools.reduce(
    (acc, p, i) => ({
      cpuMillis: acc.cpuMillis + p.maxNodes * Math.max(0, free[i].cpuMillis),
      memoryMiB: acc.memoryMiB + p.maxNodes * Math.max(0, free[i].memoryMiB),
    }),
    { cpuMillis: 0, memoryMiB: 0 },
  );
  const poolText = systemPools.map((p) => `"${p.name}" (${p.maxNodes} x ${p.instanceTypes!.join("/")})`).join(", ");
  const advice = (() => {
    const first = systemPools[0];
    try {
      const needed = systemNodesNeeded(workloads, first.instanceTypes!);
      return `raise maxNodes of pool "${first.name}" to at least ${needed} (the requests plus one spare node), or choose a larger instance type`;
    } catch {
      return `choose a larger instance type for pool "${first.name}"`;
    }
  })();
  const fitsNowhere = largest !== undefined && free.every((f) => largest.cpuMillis > f.cpuMillis || largest.memoryMiB > f.memoryMiB);
  if (!fitsNowhere && replicated.cpuMillis <= capacity.cpuMillis && replicated.memoryMiB <= capacity.memoryMiB) return undefined;
  const requests =
    `the pods Strata adds to system nodes request ${cpuText(replicated.cpuMillis)} and ${memText(replicated.memoryMiB)}` +
    (perNode.cpuMillis > 0 || perNode.memoryMiB > 0 ? `, plus ${cpuText(perNode.cpuMillis)} and ${memText(perNode.memoryMiB)} of DaemonSet pods on every node` : "");
  const holds = `the system pools ${poolText} hold ${cpuText(capacity.cpuMillis)} and ${memText(capacity.memoryMiB)} for them at maxNodes (allocatable estimate: capacity minus the kubelet reserve, eviction threshold and cloud DaemonSets)`;
  const message = fitsNowhere
    ? `${requests}; a pod of "${largest!.name}" (${cpuText(largest!.cpuMillis)}, ${memText(largest!.memoryMiB)}) fits on no system node after the DaemonSet pods; ${advice}`
    : `is below the requests: ${requests}, but ${holds}; Helm releases would wait for pods that cannot be scheduled. ${advice[0].toUpperCase()}${advice.slice(1)}`;
  return { capacity: { cpuMillis: capacity.cpuMillis, memoryMiB: capacity.memoryMiB }, message };
}

/**
 * The number of system nodes of a given instance or machine type that holds `workloads`: every
 * replicated pod's requests fit at full packing on nodes of the smallest allocatable shape among
 * `instanceTypes` (see `allocatableOf`), after one pod of each DaemonSet (`perNode`) workload on
 * every node, plus one spare node so that a rolling update or a node replacement has room.
 * Returns at least 1. Throws when a type is not in the machine-shape catalog or a pod cannot fit
 * on such a node at all.
 */
export function systemNodesNeeded(workloads: SystemWorkload[], instanceTypes: string[]): number {
  const shape = smallestAllocatable(instanceTypes);
  if (!shape) {
    throw new Error(
      `systemNodesNeeded: instance types ${JSON.stringify(instanceTypes)} must be a non-empty list of types the machine-shape catalog knows`,
    );
  }
  const { perNode, replicated, largest } = sumRequests(workloads);
  const free = { cpuMillis: shape.cpuMillis - perNode.cpuMillis, memoryMiB: shape.memoryMiB - perNode.memoryMiB };
  if (free.cpuMillis <= 0 || free.memoryMiB <= 0 || (largest && (largest.cpuMillis > free.cpuMillis || largest.memoryMiB > free.memoryMiB))) {
    throw new Error(
      `systemNodesNeeded: a node of ${instanceTypes.join("/")} (${cpuText(shape.cpuMillis)}, ${memText(shape.memoryMiB)} allocatable) ` +
        "cannot hold the DaemonSet pods and the largest system pod; choose a larger instance type",
    );
  }
  const nodes = Math.max(Math.ceil(replicated.cpuMillis / free.cpuMillis), Math.ceil(replicated.memoryMiB / free.memoryMiB));
  return nodes + 1;
}

/**
 * Internal: the default maximum of a cloud system pool, read at synth when every construct has
 * registered its system workloads: the nodes `systemNodesNeeded` asks for (requests plus one spare),
 * and never fewer than `minNodes + growth`. Where the instance types are unknown to the machine-shape
 * catalog or a pod fits no node, `minNodes + growth` (the capacity check warns about the latter).
 */
export function defaultSystemMaxNodes(workloads: SystemWorkload[], instanceTypes: string[], minNodes: number, growth: number): number {
  let needed = 0;
  try {
    needed = systemNodesNeeded(workloads, instanceTypes);
  } catch {
    // Unknown shapes or an oversized pod: checkSystemCapacity reports the oversized pod by name.
  }
  return Math.max(minNodes + growth, needed);
}

/**
 * Internal: throws when `cluster` already has a workload identity for `namespace/serviceAccountName`
 * (two would create clashing roles and associations).
 */
export function assertNewWorkloadIdentity(cluster: IConstruct, namespace: string, serviceAccountName: string): void {
  const kinds: string[] = Object.values(WorkloadIdentityKind);
  const existing = cluster.node.findAll().find((c) => {
    const candidate = c as Partial<IWorkloadIdentity>;
    return (
      typeof candidate.kind === "string" &&
      kinds.includes(candidate.kind) &&
      candidate.namespace === namespace &&
      candidate.serviceAccountName === serviceAccountName
    );
  });
  if (existing) {
    invalid(
      cluster,
      "workload identity",
      `${namespace}/${serviceAccountName}`,
      `is already bound by ${existing.node.path}; a service account has exactly one workload identity (grant more to that one)`,
    );
  }
}
