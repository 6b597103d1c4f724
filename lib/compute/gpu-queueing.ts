import { Construct } from "constructs";
import { CapacityType, ClusterTarget, IKubernetesCluster, NodePoolInfo, NodePoolPurpose, TaintEffect, Toleration } from "../core/cluster";
import { ClusterConnection } from "../core/connection";
import { NamingRule, validateName } from "../core/naming";
import { Scheduling } from "../core/scheduling";
import { invalid, isUnresolved, validateInteger, validateList, validateNumber, validateStringList, warn } from "../core/validation";
import { hasClusterAutoscaler } from "./cluster-autoscaler-internal";
import { perGpuShape } from "./gpu-pools-internal";
import { KarpenterGpuNodePools } from "./karpenter-node-pools";
import {
  KueueClusterQueue,
  KueueFlavorQuota,
  KueuePreemption,
  KueueQueueingStrategy,
} from "./kueue-cluster-queue";
import { KueueLocalQueue, KueueResourceFlavor, KueueWorkloadPriorityClass, KueueWorkloadPriorityClassOptions } from "./kueue";

/** One team's share of the GPU pools in `GpuQueueing`. */
export interface GpuQueueingTeam {
  /** Team name (a DNS-1123 label): names its ClusterQueue and the LocalQueue in each of its namespaces. */
  readonly name: string;
  /** The team's namespaces (must exist; usually created in the platform stack). Each gets a LocalQueue. */
  readonly namespaces: string[];
  /** GPUs guaranteed to the team (nominal quota, a non-negative integer), split over the flavors spot first. */
  readonly gpuQuota: number;
  /**
   * Cores guaranteed to the team's jobs on the GPU flavors (steps of 0.001), split like the GPUs.
   * @default - on each flavor, the GPUs assigned there times the vCPUs per GPU of the pool's machine
   * shape (the smallest of its instance or machine types, from the machine-shape catalog); 8 per GPU
   * for a pool without known types (on-prem)
   */
  readonly cpuQuota?: number;
  /**
   * Memory in GiB guaranteed to the team's jobs on the GPU flavors (a non-negative integer), split like the GPUs.
   * @default - on each flavor, the GPUs assigned there times the memory per GPU of the pool's machine
   * shape (as for `cpuQuota`); 64 GiB per GPU for a pool without known types (on-prem)
   */
  readonly memoryGiBQuota?: number;
  /**
   * GPUs the team may borrow from unused quota of other teams, on each flavor.
   * @default - no limit: all unused quota of the cohort
   */
  readonly borrowingLimitGpus?: number;
}

/** Props of `GpuQueueing`. */
export interface GpuQueueingProps {
  /** The cluster connection of the workloads stack; its cluster's GPU pools become flavors. */
  readonly connection: ClusterConnection;
  /** The teams sharing the GPU pools (at least one). */
  readonly teams: GpuQueueingTeam[];
  /**
   * Cohort of the teams' ClusterQueues: a team borrows what the others leave unused.
   * @default "gpu"
   */
  readonly cohortName?: string;
  /**
   * Names of the GPU pools to queue onto. A pool of any purpose may be listed; list an inference
   * (serving) pool only if batch jobs may compete with the endpoints on it. With explicit pools,
   * quota beyond what they can provide lands on the last flavor (with a warning).
   * @default - the cluster's GPU pools whose purpose is TRAINING (spot and on-demand); fails when
   * the cluster has none. Quota beyond what they can provide is left unassigned (with a warning).
   */
  readonly poolNames?: string[];
  /**
   * Workload priority classes to create.
   * @default - `production` (1000) and `experiment` (100); workloads without a class get 0
   */
  readonly priorityClasses?: KueueWorkloadPriorityClassOptions[];
  /**
   * Preemption policies of every team queue.
   * @default - reclaim ANY, borrow NEVER, within the queue LOWER_PRIORITY
   */
  readonly preemption?: KueuePreemption;
  /**
   * Queueing strategy of every team queue.
   * @default KueueQueueingStrategy.BEST_EFFORT_FIFO
   */
  readonly queueingStrategy?: KueueQueueingStrategy;
}



/**
 * GPU queueing for several teams with Kueue: one ResourceFlavor per queued GPU pool (by default
 * the cluster's TRAINING GPU pools, never a serving pool unless listed in `poolNames`), one
 * ClusterQueue per team in a shared cohort (so idle GPUs are borrowed and reclaimed by
 * preemption), a LocalQueue named after the team in each of its namespaces, and workload priority
 * classes (`production` = 1000, `experiment` = 100 by default).
 *
 * Each team's quota is split over the flavors spot first: spot pools are filled up to what they
 * can provide (`maxNodes x gpusPerNode`), shared among the teams in proportion to their quotas,
 * then on-demand pools. Quota beyond every pool's capacity is a warning; it lands on the last
 * flavor only when `poolNames` lists the pools, and is otherwise left unassigned. A queued EKS
 * managed node group that only grows with the Kubernetes Cluster Autoscaler is a warning too.
 * CPU and memory quotas come from each pool's machine shape: the GPUs a flavor gets times the vCPUs
 * and memory per GPU of its smallest instance or machine type (8 cores and 64 GiB per GPU where the
 * shape is unknown, e.g. on-prem); explicit `cpuQuota` and `memoryGiBQuota` are split like the GPUs. The queues cover `cpu`, `memory` and
 * `nvidia.com/gpu` on GPU flavors only and the flavors tolerate the pools' taints: submit GPU jobs
 * to them (a CPU-only job would also be placed on GPU nodes). Jobs choose a GPU model with a node
 * selector on `nvidia.com/gpu.product`. Needs `Kueue` installed by an earlier (platform) stack.
 *
 * @example
 * new GpuQueueing(workloads, "Queues", {
 *   connection: cluster.connect(workloads, "Conn"),
 *   teams: [
 *     { name: "research", namespaces: ["research"], gpuQuota: 16 },
 *     { name: "search", namespaces: ["search-dev", "search-prod"], gpuQuota: 8, borrowingLimitGpus: 8 },
 *   ],
 * });
 */
export class GpuQueueing extends Construct {
  /** The flavors, in the order the queues try them (spot first). */
  public readonly flavors: KueueResourceFlavor[];
  /** One ClusterQueue per team, in team order. */
  public readonly clusterQueues: KueueClusterQueue[];
  /** One LocalQueue per team namespace. */
  public readonly localQueues: KueueLocalQueue[];
  /** The workload priority classes. */
  public readonly priorityClasses: KueueWorkloadPriorityClass[];

  private warnedManagedNodeGroups = false;
  /** The cohort of the team queues. */
  public readonly cohortName: string;

  constructor(scope: Construct, id: string, props: GpuQueueingProps) {
    super(scope, id);
    const cluster = props.connection.cluster;
    const cohortName = props.cohortName ?? "gpu";
    validateName(this, "cohortName", cohortName, NamingRule.DNS1123_SUBDOMAIN);
    const priorityClasses = props.priorityClasses ?? [
      { priorityClassName: "production", value: 1000, description: "Production training and batch scoring: admitted first, preempts experiments." },
      { priorityClassName: "experiment", value: 100, description: "Experiments: preempted by production work when quota is short." },
    ];

    // Teams.
    validateList(this, "teams", props.teams, '[{ name: "research", namespaces: ["research"], gpuQuota: 8 }]');
    validateList(this, "poolNames", props.poolNames, '["gpu-spot"]');
    validateList(this, "priorityClasses", props.priorityClasses, '[{ priorityClassName: "production", value: 1000 }]');
    validateStringList(this, "poolNames", props.poolNames, '["gpu-spot"]');
    if (props.teams === undefined || props.teams.length === 0) invalid(this, "teams", props.teams, "must list at least one team");
    const teamNames = new Set<string>();
    const namespaceOwner = new Map<string, string>();
    props.teams.forEach((t, i) => {
      const at = `teams[${i}]`;
      if (t === null || typeof t !== "object") invalid(this, at, t, "must be a team, e.g. { name: \"research\", namespaces: [\"research\"], gpuQuota: 8 }");
      validateName(this, `${at}.name`, t.name, NamingRule.DNS1123_LABEL);
      if (teamNames.has(t.name)) invalid(this, `${at}.name`, t.name, "is listed twice; team names must be unique");
      teamNames.add(t.name);
      validateList(this, `${at}.namespaces`, t.namespaces, '["research"]');
      if (t.namespaces === undefined || t.namespaces.length === 0) invalid(this, `${at}.namespaces`, t.namespaces, "must list at least one namespace");
      t.namespaces.forEach((ns, j) => {
        validateName(this, `${at}.namespaces[${j}]`, ns, NamingRule.DNS1123_LABEL);
        const owner = namespaceOwner.get(ns);
        if (owner !== undefined) {
          invalid(this, `${at}.namespaces[${j}]`, ns, `is already a namespace of team "${owner}"; each namespace belongs to one team`);
        }
        namespaceOwner.set(ns, t.name);
      });
      validateInteger(this, `${at}.gpuQuota`, t.gpuQuota, 0);
      validateNumber(this, `${at}.cpuQuota`, t.cpuQuota);
      validateInteger(this, `${at}.memoryGiBQuota`, t.memoryGiBQuota, 0);
      validateInteger(this, `${at}.borrowingLimitGpus`, t.borrowingLimitGpus, 0);
      const cpu = t.cpuQuota;
      if (cpu !== undefined && !isUnresolved(cpu) && (!(cpu >= 0) || Math.abs(cpu * 1000 - Math.round(cpu * 1000)) > 1e-6)) {
        invalid(this, `${at}.cpuQuota`, cpu, "must be a non-negative number of cores in steps of 0.001 (1 millicore)");
      }
      for (const [prop, value] of [["gpuQuota", t.gpuQuota], ["cpuQuota", cpu], ["memoryGiBQuota", t.memoryGiBQuota]] as const) {
        if (isUnresolved(value)) invalid(this, `${at}.${prop}`, value, "must be a literal number: quotas are split over the flavors at synth time");
      }
    });
    const pcNames = new Set<string>();
    priorityClasses.forEach((pc, i) => {
      if (pcNames.has(pc.priorityClassName)) invalid(this, `priorityClasses[${i}].priorityClassName`, pc.priorityClassName, "is listed twice");
      pcNames.add(pc.priorityClassName);
    });

    // Pools: spot first, the given (or cluster) order within each group.
    const gpuPools = cluster.nodePools.filter((p) => p.gpu !== undefined && (p.gpusPerNode ?? 0) > 0);
    const explicitPools = props.poolNames !== undefined;
    let pools: NodePoolInfo[];
    if (props.poolNames !== undefined) {
      if (props.poolNames.length === 0) invalid(this, "poolNames", props.poolNames, "must list at least one GPU pool");
      pools = props.poolNames.map((name, i) => {
        const pool = cluster.nodePools.find((p) => p.name === name);
        if (!pool) {
          invalid(this, `poolNames[${i}]`, name, `must be a node pool of cluster "${cluster.clusterName}" (GPU pools: ${gpuPools.map((p) => p.name).join(", ") || "none"})`);
        }
        if (!gpuPools.includes(pool)) invalid(this, `poolNames[${i}]`, name, "is not a GPU pool; GpuQueueing queues onto GPU pools only");
        if (props.poolNames!.indexOf(name) !== i) invalid(this, `poolNames[${i}]`, name, "is listed twice");
        return pool;
      });
    } else {
      if (gpuPools.length === 0) {
        invalid(
          this,
          "connection.cluster",
          cluster.clusterName,
          "has no GPU node pools; add GPU pools (or declare on-prem gpuNodes) before queueing onto them",
        );
      }
      pools = gpuPools.filter((p) => p.purpose === NodePoolPurpose.TRAINING);
      if (pools.length === 0) {
        invalid(
          this,
          "poolNames",
          props.poolNames,
          `is required: cluster "${cluster.clusterName}" has no GPU pool with purpose training (GPU pools: ${gpuPools
            .map((p) => `${p.name} (${p.purpose}, ${p.capacityType})`)
            .join(", ")}); list the pools to queue onto in poolNames, a serving pool only if batch jobs may compete with its endpoints`,
        );
      }
    }
    pools = [...pools.filter((p) => p.capacityType === CapacityType.SPOT), ...pools.filter((p) => p.capacityType !== CapacityType.SPOT)];
    // Read at synth: the ClusterAutoscaler may be created after the queues.
    if (cluster.target === ClusterTarget.AWS_EKS) this.node.addValidation({ validate: () => (this.warnManagedNodeGroups(cluster, pools), []) });

    this.cohortName = cohortName;
    this.flavors = pools.map((p) => KueueResourceFlavor.fromPool(this, `Flavor-${p.name}`, props.connection, p));
    this.warnOverlappingFlavors();
    this.priorityClasses = priorityClasses.map(
      (pc) => new KueueWorkloadPriorityClass(this, `PriorityClass-${pc.priorityClassName}`, { ...pc, connection: props.connection }),
    );

    // Quota split and capacity warnings.
    const capacities = this.flavors.map((f) => (f.maxGpus === undefined ? Number.POSITIVE_INFINITY : f.maxGpus));
    const totalCapacity = capacities.reduce((a, b) => a + b, 0);
    const { split, excess } = splitSpotFirst(props.teams.map((t) => t.gpuQuota), capacities, explicitPools);
    const capacityText = this.flavors.map((f, i) => `${f.flavorName}: ${capacities[i]}`).join(", ");
    const last = this.flavors[this.flavors.length - 1].flavorName;
    const excessText = (gpus: number) =>
      explicitPools
        ? `; the excess ${gpus} GPU(s) go to flavor "${last}", the last of poolNames in queue order (spot first)`
        : `; the excess ${gpus} GPU(s) are left unassigned: the nominal quota is capped at what the TRAINING pools provide (list poolNames to put the excess on the last flavor)`;
    let teamOver = false;
    props.teams.forEach((t, i) => {
      if (t.gpuQuota > totalCapacity) {
        teamOver = true;
        warn(this, `teams[${i}].gpuQuota`, t.gpuQuota, `exceeds the ${totalCapacity} GPUs the pools can ever provide (${capacityText})${excessText(excess[i])}`);
      }
    });
    const totalQuota = props.teams.reduce((a, t) => a + t.gpuQuota, 0);
    if (!teamOver && totalQuota > totalCapacity) {
      warn(
        this,
        "teams gpuQuota (sum)",
        totalQuota,
        `exceeds the ${totalCapacity} GPUs the pools can ever provide (${capacityText}); not every team's guaranteed quota can run at once` +
          excessText(excess.reduce((a, b) => a + b, 0)),
      );
    }

    this.clusterQueues = [];
    this.localQueues = [];
    props.teams.forEach((t, i) => {
      const gpus = split[i];
      // Explicit totals are split like the GPUs; by default each flavor gets its pool's shape per GPU.
      const perGpu = this.flavors.map((f) => perGpuShape(f.pool));
      const cpuMilli = t.cpuQuota !== undefined ? splitLike(Math.round(t.cpuQuota * 1000), gpus) : gpus.map((g, f) => g * perGpu[f].cpuMillis);
      const memoryMiB = t.memoryGiBQuota !== undefined ? splitLike(t.memoryGiBQuota * 1024, gpus) : gpus.map((g, f) => g * perGpu[f].memoryMiB);
      const flavors: KueueFlavorQuota[] = this.flavors.map((flavor, f) => ({
        flavor,
        gpus: gpus[f],
        cpuCores: cpuMilli[f] / 1000,
        memoryGiB: memoryMiB[f] / 1024,
        gpuBorrowingLimit: t.borrowingLimitGpus,
      }));
      const queue = new KueueClusterQueue(this, `ClusterQueue-${t.name}`, {
        connection: props.connection,
        queueName: t.name,
        cohortName,
        namespaces: t.namespaces,
        flavors,
        preemption: props.preemption,
        queueingStrategy: props.queueingStrategy,
      });
      this.clusterQueues.push(queue);
      t.namespaces.forEach((ns) => this.localQueues.push(queue.addLocalQueue(ns)));
    });
  }

  /**
   * Warns, when no `ClusterAutoscaler` is installed for the cluster, for each queued EKS managed node
   * group (a pool with instance types that Karpenter does not manage) whose size may vary: nothing
   * grows it beyond `minNodes`, so quota for its `maxNodes` admits jobs that wait for nodes.
   */
  private warnManagedNodeGroups(cluster: IKubernetesCluster, pools: NodePoolInfo[]): void {
    if (this.warnedManagedNodeGroups || hasClusterAutoscaler(cluster)) return;
    this.warnedManagedNodeGroups = true;
    for (const p of pools) {
      if ((p.instanceTypes ?? []).length === 0 || KarpenterGpuNodePools.isKarpenterPool(p)) continue;
      if (isUnresolved(p.minNodes) || isUnresolved(p.maxNodes) || p.minNodes >= p.maxNodes) continue;
      warn(
        this,
        `pool "${p.name}"`,
        { minNodes: p.minNodes, maxNodes: p.maxNodes },
        `is an EKS managed node group, which grows beyond minNodes only when the Kubernetes Cluster Autoscaler runs in the cluster, ` +
          "and no ClusterAutoscaler is installed for it; until then jobs admitted on its flavor beyond minNodes wait for nodes that never come. " +
          "Install ClusterAutoscaler in the platform stack, make the pool fixed-size (minNodes = maxNodes), or queue onto KarpenterGpuNodePools",
      );
    }
  }

  /**
   * Warns when pods admitted on one flavor could be scheduled onto another flavor's nodes: its
   * node labels are a subset of the other's and its tolerations cover the other's taints.
   * Quota accounting then no longer matches where pods run.
   */
  private warnOverlappingFlavors(): void {
    for (const a of this.flavors) {
      for (const b of this.flavors) {
        if (a === b) continue;
        const labelsA = a.pool.labels;
        const labelsB = b.pool.labels;
        const subset = Object.entries(labelsA).every(([k, v]) => labelsB[k] === v);
        const tolerations = Scheduling.tolerationsFor(a.pool);
        const tolerated = b.pool.taints
          .filter((t) => t.effect !== TaintEffect.PREFER_NO_SCHEDULE)
          .every((t) => tolerations.some((tol) => tolerates(tol, t.key, t.value, t.effect)));
        if (subset && tolerated) {
          warn(
            this,
            `flavor "${a.flavorName}"`,
            labelsA,
            `pods admitted on it may also run on the nodes of pool "${b.pool.name}" (flavor "${b.flavorName}"); give each pool a distinguishing label`,
          );
        }
      }
    }
  }
}

function tolerates(tol: Toleration, key: string, value: string | undefined, effect: TaintEffect): boolean {
  if (tol.key !== key || tol.effect !== effect) return false;
  return tol.operator === "Exists" || tol.value === value;
}

/**
 * Splits each team's quota over the flavors in order. Each flavor's capacity is shared among the
 * teams' remaining demands: all of it when it fits, else in proportion (largest remainder, ties to
 * the earlier team). What is left after the last flavor is added to the last flavor when
 * `overflowToLast`, else left out. Returns the split ([team][flavor]) and what is left per team.
 */
function splitSpotFirst(demands: number[], capacities: number[], overflowToLast: boolean): { split: number[][]; excess: number[] } {
  const remaining = [...demands];
  const out = demands.map(() => capacities.map(() => 0));
  capacities.forEach((cap, f) => {
    const demand = remaining.reduce((a, b) => a + b, 0);
    if (demand === 0) return;
    if (demand <= cap) {
      remaining.forEach((r, t) => {
        out[t][f] = r;
        remaining[t] = 0;
      });
      return;
    }
    const base = remaining.map((r) => Math.floor((r * cap) / demand));
    let left = cap - base.reduce((a, b) => a + b, 0);
    const byRemainder = remaining.map((_, t) => t).sort((x, y) => ((remaining[y] * cap) % demand) - ((remaining[x] * cap) % demand) || x - y);
    for (const t of byRemainder) {
      if (left === 0) break;
      base[t]++;
      left--;
    }
    base.forEach((b, t) => {
      out[t][f] = b;
      remaining[t] -= b;
    });
  });
  if (overflowToLast) {
    const last = capacities.length - 1;
    remaining.forEach((r, t) => (out[t][last] += r));
  }
  return { split: out, excess: remaining };
}

/**
 * Splits an integer `total` over flavors in proportion to `weights` (rounded down, the rest to the
 * first flavor with weight); all on the first flavor when every weight is 0.
 */
function splitLike(total: number, weights: number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  if (sum === 0) return weights.map((_, i) => (i === 0 ? total : 0));
  const parts = weights.map((w) => Math.floor((total * w) / sum));
  const first = weights.findIndex((w) => w > 0);
  parts[first] += total - parts.reduce((a, b) => a + b, 0);
  return parts;
}
