import { Construct } from "constructs";
import { CapacityType } from "../core/cluster";
import { ClusterConnection } from "../core/connection";
import { CustomResource } from "../core/custom-resource";
import { MANAGED_BY_LABELS } from "../core/labels";
import { NamingRule, validateName } from "../core/naming";
import { Scheduling } from "../core/scheduling";
import { invalid, isUnresolved, typeName, validateEnum, validateInteger, validateLabels, validateList, validateNumber, warn } from "../core/validation";
import { Kueue, KueueLocalQueue, KueueResourceFlavor } from "./kueue";

// -------------------------------------------------------------------------------------------------
// Enums
// -------------------------------------------------------------------------------------------------

/** Whether a pending workload may preempt workloads of other queues in the cohort that use more than their nominal quota. */
export enum KueueReclaimWithinCohort {
  /** Never reclaim lent quota by preemption. */
  NEVER = "Never",
  /** Reclaim only from workloads of lower priority. */
  LOWER_PRIORITY = "LowerPriority",
  /** Reclaim from any workload that runs on borrowed quota. */
  ANY = "Any",
}

/** Whether a workload that needs to borrow may preempt workloads of other queues in the cohort. */
export enum KueueBorrowWithinCohort {
  /** Never preempt in other queues to borrow. */
  NEVER = "Never",
  /** Preempt lower-priority workloads in other queues to borrow. */
  LOWER_PRIORITY = "LowerPriority",
}

/** Whether a workload that does not fit the queue's nominal quota may preempt workloads of the same queue. */
export enum KueueWithinClusterQueue {
  /** Never preempt within the queue. */
  NEVER = "Never",
  /** Preempt workloads of lower priority. */
  LOWER_PRIORITY = "LowerPriority",
  /** Preempt workloads of lower priority, or of equal priority that were created later. */
  LOWER_OR_NEWER_EQUAL_PRIORITY = "LowerOrNewerEqualPriority",
}

/** How a ClusterQueue orders its pending workloads. */
export enum KueueQueueingStrategy {
  /** By creation time, but a workload that does not fit does not block newer ones that do. */
  BEST_EFFORT_FIFO = "BestEffortFIFO",
  /** Strictly by creation time: the oldest workload blocks the queue until it fits. */
  STRICT_FIFO = "StrictFIFO",
}

/** Order of the flavors in a ClusterQueue (Kueue tries them in order). */
export enum KueueFlavorOrder {
  /** Spot flavors first, then on-demand ones; the given order is kept within each group. */
  SPOT_FIRST = "spot-first",
  /** Exactly the given order. */
  AS_GIVEN = "as-given",
}

// -------------------------------------------------------------------------------------------------
// ClusterQueue
// -------------------------------------------------------------------------------------------------

/** Quotas of one flavor in a `KueueClusterQueue` (covering `cpu`, `memory` and `nvidia.com/gpu`). */
export interface KueueFlavorQuota {
  /** The flavor. */
  readonly flavor: KueueResourceFlavor;
  /** Nominal quota of `nvidia.com/gpu` (a non-negative integer). */
  readonly gpus: number;
  /** Nominal quota of `cpu`, in cores (non-negative, in steps of 0.001; emitted as `"500m"` when fractional). */
  readonly cpuCores: number;
  /** Nominal quota of `memory`, in GiB (non-negative, in steps of 1/1024; emitted as `"64Gi"` or `"512Mi"`). */
  readonly memoryGiB: number;
  /**
   * GPUs the queue may borrow on this flavor from unused quota in its cohort. Needs `cohortName`.
   * @default - no limit: any unused quota of the cohort
   */
  readonly gpuBorrowingLimit?: number;
  /**
   * Cores the queue may borrow on this flavor. Needs `cohortName`.
   * @default - no limit
   */
  readonly cpuBorrowingLimitCores?: number;
  /**
   * GiB of memory the queue may borrow on this flavor. Needs `cohortName`.
   * @default - no limit
   */
  readonly memoryBorrowingLimitGiB?: number;
  /**
   * GPUs of this flavor's nominal quota that other queues of the cohort may borrow (at most `gpus`);
   * the rest is reserved for this queue. Needs `cohortName`.
   * @default - all unused nominal quota may be lent
   */
  readonly gpuLendingLimit?: number;
}

/** Preemption policies of a `KueueClusterQueue`. */
export interface KueuePreemption {
  /**
   * Preempt workloads of other queues in the cohort that run on borrowed quota, to get back nominal quota.
   * @default KueueReclaimWithinCohort.ANY
   */
  readonly reclaimWithinCohort?: KueueReclaimWithinCohort;
  /**
   * Preempt workloads of other queues in the cohort in order to borrow (needs reclaimWithinCohort other than NEVER).
   * @default KueueBorrowWithinCohort.NEVER
   */
  readonly borrowWithinCohort?: KueueBorrowWithinCohort;
  /**
   * With `borrowWithinCohort`: only workloads at or below this priority may be preempted.
   * @default - any lower-priority workload
   */
  readonly borrowWithinCohortMaxPriority?: number;
  /**
   * Preempt workloads of the same queue when a workload does not fit its nominal quota.
   * @default KueueWithinClusterQueue.LOWER_PRIORITY
   */
  readonly withinClusterQueue?: KueueWithinClusterQueue;
}

/** Props of `KueueClusterQueue`. */
export interface KueueClusterQueueProps {
  /** The cluster connection of the workloads stack. */
  readonly connection: ClusterConnection;
  /** ClusterQueue name (a DNS-1123 label; usually the team). */
  readonly queueName: string;
  /** Quotas per flavor, in one resource group covering `cpu`, `memory` and `nvidia.com/gpu` (1 to 64 flavors). */
  readonly flavors: KueueFlavorQuota[];
  /**
   * Cohort (`spec.cohortName`): queues of a cohort borrow each other's unused quota.
   * @default - no cohort: the queue neither borrows nor lends
   */
  readonly cohortName?: string;
  /**
   * Namespaces whose LocalQueues may submit to this queue, selected by the `kubernetes.io/metadata.name`
   * label that Kubernetes sets on every namespace. Exclusive with `namespaceLabels`.
   * @default - see `namespaceLabels`
   */
  readonly namespaces?: string[];
  /**
   * Labels a namespace must carry to submit to this queue. Exclusive with `namespaces`.
   * @default { "strata.io/team": queueName } when `namespaces` is not given
   */
  readonly namespaceLabels?: { [key: string]: string };
  /**
   * Preemption policies.
   * @default - reclaim ANY, borrow NEVER, within the queue LOWER_PRIORITY
   */
  readonly preemption?: KueuePreemption;
  /**
   * Queueing strategy.
   * @default KueueQueueingStrategy.BEST_EFFORT_FIFO
   */
  readonly queueingStrategy?: KueueQueueingStrategy;
  /**
   * Order of the flavors (Kueue assigns the first flavor with room).
   * @default KueueFlavorOrder.SPOT_FIRST
   */
  readonly flavorOrder?: KueueFlavorOrder;
}

/** Options of `KueueClusterQueue.addLocalQueue`. */
export interface KueueLocalQueueOptions {
  /**
   * LocalQueue name, the value jobs put in their `kueue.x-k8s.io/queue-name` label (a DNS-1123 label).
   * @default - the ClusterQueue name
   */
  readonly queueName?: string;
}

/** Namespace label selecting a team's namespaces by default. */
const TEAM_LABEL = "strata.io/team";
/** The resources every Strata ClusterQueue covers, in order. */
const COVERED_RESOURCES = ["cpu", "memory", Scheduling.GPU_RESOURCE];

/**
 * A Kueue ClusterQueue (`kueue.x-k8s.io/v1beta2`): the quota of one team, in one resource group
 * covering `cpu`, `memory` and `nvidia.com/gpu` over ordered flavors (spot first by default), with
 * an optional cohort to borrow and lend unused quota, preemption policies and a namespace selector.
 * Warns when a flavor's GPU quota exceeds what its pool can ever provide. Belongs in the workloads stack.
 *
 * @example
 * const queue = new KueueClusterQueue(workloads, "Research", {
 *   connection, queueName: "research", cohortName: "gpu", namespaces: ["research"],
 *   flavors: [{ flavor: spot, gpus: 8, cpuCores: 64, memoryGiB: 512 }],
 * });
 * queue.addLocalQueue("research");
 */
export class KueueClusterQueue extends Construct {
  /** ClusterQueue name. */
  public readonly queueName: string;
  /** Cohort name, if any. */
  public readonly cohortName?: string;
  /** Flavor names in the order Kueue tries them. */
  public readonly flavorNames: string[];
  /** The custom resource. */
  public readonly resource: CustomResource;
  private readonly connection: ClusterConnection;

  constructor(scope: Construct, id: string, props: KueueClusterQueueProps) {
    super(scope, id);
    validateName(this, "queueName", props.queueName, NamingRule.DNS1123_LABEL);
    if (props.cohortName !== undefined) validateName(this, "cohortName", props.cohortName, NamingRule.DNS1123_SUBDOMAIN);
    if (props.preemption !== undefined && (props.preemption === null || typeof props.preemption !== "object" || Array.isArray(props.preemption))) {
      invalid(this, "preemption", props.preemption, `must be an object such as { reclaimWithinCohort: KueueReclaimWithinCohort.ANY }, not ${typeName(props.preemption)}`);
    }
    const preemption = props.preemption ?? {};
    const reclaim = preemption.reclaimWithinCohort ?? KueueReclaimWithinCohort.ANY;
    const borrow = preemption.borrowWithinCohort ?? KueueBorrowWithinCohort.NEVER;
    const within = preemption.withinClusterQueue ?? KueueWithinClusterQueue.LOWER_PRIORITY;
    // Enum values from untyped callers (JavaScript, JSON, YAML): exact spelling, case included.
    validateEnum(this, "preemption.reclaimWithinCohort", reclaim, KueueReclaimWithinCohort, "KueueReclaimWithinCohort");
    validateEnum(this, "preemption.borrowWithinCohort", borrow, KueueBorrowWithinCohort, "KueueBorrowWithinCohort");
    validateEnum(this, "preemption.withinClusterQueue", within, KueueWithinClusterQueue, "KueueWithinClusterQueue");
    validateEnum(this, "queueingStrategy", props.queueingStrategy, KueueQueueingStrategy, "KueueQueueingStrategy");
    validateEnum(this, "flavorOrder", props.flavorOrder, KueueFlavorOrder, "KueueFlavorOrder");
    validateList(this, "namespaces", props.namespaces, '["research"]');
    validateList(this, "flavors", props.flavors, "[{ flavor, gpus: 8, cpuCores: 64, memoryGiB: 512 }]");
    validateLabels(this, "namespaceLabels", props.namespaceLabels);
    if (props.flavors === undefined) invalid(this, "flavors", props.flavors, "is required: list 1 to 64 flavors");
    if (reclaim === KueueReclaimWithinCohort.NEVER && borrow !== KueueBorrowWithinCohort.NEVER) {
      invalid(this, "preemption.borrowWithinCohort", borrow, "needs preemption.reclaimWithinCohort other than NEVER (Kueue rejects the combination)");
    }
    if (preemption.borrowWithinCohortMaxPriority !== undefined) {
      validateInteger(this, "preemption.borrowWithinCohortMaxPriority", preemption.borrowWithinCohortMaxPriority, -2147483648, 2147483647);
      if (borrow === KueueBorrowWithinCohort.NEVER) {
        invalid(this, "preemption.borrowWithinCohortMaxPriority", preemption.borrowWithinCohortMaxPriority, "only applies with borrowWithinCohort LOWER_PRIORITY");
      }
    }

    // Namespace selector.
    if (props.namespaces !== undefined && props.namespaceLabels !== undefined) {
      invalid(this, "namespaces", props.namespaces, "give namespaces or namespaceLabels, not both");
    }
    let namespaceSelector: Record<string, any>;
    if (props.namespaces !== undefined) {
      validateNamespaceList(this, "namespaces", props.namespaces);
      namespaceSelector = { matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "In", values: [...props.namespaces] }] };
    } else {
      const labels = props.namespaceLabels ?? { [TEAM_LABEL]: props.queueName };
      if (Object.keys(labels).length === 0) {
        invalid(this, "namespaceLabels", labels, "must not be empty (an empty selector admits workloads from every namespace)");
      }
      namespaceSelector = { matchLabels: { ...labels } };
    }

    // Flavors.
    if (props.flavors.length < 1 || props.flavors.length > 64) {
      invalid(this, "flavors", props.flavors.length, "must list 1 to 64 flavors");
    }
    const seen = new Set<string>();
    props.flavors.forEach((f, i) => {
      if (f === null || typeof f !== "object" || f.flavor === null || typeof f.flavor !== "object") {
        invalid(this, `flavors[${i}]`, f, "must be a flavor quota such as { flavor, gpus: 8, cpuCores: 64, memoryGiB: 512 } (flavor a KueueResourceFlavor)");
      }
      if (seen.has(f.flavor.flavorName)) invalid(this, `flavors[${i}].flavor`, f.flavor.flavorName, "appears twice; list each flavor once");
      seen.add(f.flavor.flavorName);
    });
    const order = props.flavorOrder ?? KueueFlavorOrder.SPOT_FIRST;
    const ordered =
      order === KueueFlavorOrder.SPOT_FIRST
        ? [...props.flavors.filter((f) => f.flavor.capacityType === CapacityType.SPOT), ...props.flavors.filter((f) => f.flavor.capacityType !== CapacityType.SPOT)]
        : [...props.flavors];
    const flavors = ordered.map((f) => this.flavorQuotas(f, props.flavors.indexOf(f), props.cohortName));

    this.queueName = props.queueName;
    this.cohortName = props.cohortName;
    this.flavorNames = ordered.map((f) => f.flavor.flavorName);
    this.connection = props.connection;
    this.resource = new CustomResource(this, "Resource", {
      connection: props.connection,
      manifest: {
        apiVersion: Kueue.API_VERSION,
        kind: "ClusterQueue",
        metadata: { name: props.queueName, labels: { ...MANAGED_BY_LABELS } },
        spec: {
          cohortName: props.cohortName,
          namespaceSelector,
          queueingStrategy: props.queueingStrategy ?? KueueQueueingStrategy.BEST_EFFORT_FIFO,
          resourceGroups: [{ coveredResources: [...COVERED_RESOURCES], flavors }],
          preemption: {
            reclaimWithinCohort: reclaim,
            borrowWithinCohort: { policy: borrow, maxPriorityThreshold: preemption.borrowWithinCohortMaxPriority },
            withinClusterQueue: within,
          },
        },
      },
    });
  }

  /** Adds a LocalQueue in `namespace` that submits to this ClusterQueue. */
  public addLocalQueue(namespace: string, options: KueueLocalQueueOptions = {}): KueueLocalQueue {
    const name = options.queueName ?? this.queueName;
    return new KueueLocalQueue(this, `LocalQueue-${namespace}-${name}`, {
      connection: this.connection,
      namespace,
      clusterQueueName: this.queueName,
      queueName: name,
    });
  }

  private flavorQuotas(f: KueueFlavorQuota, i: number, cohortName: string | undefined): Record<string, any> {
    const at = `flavors[${i}]`;
    validateInteger(this, `${at}.gpus`, f.gpus, 0);
    validateNumber(this, `${at}.cpuCores`, f.cpuCores);
    validateNumber(this, `${at}.memoryGiB`, f.memoryGiB);
    validateNumber(this, `${at}.cpuBorrowingLimitCores`, f.cpuBorrowingLimitCores);
    validateNumber(this, `${at}.memoryBorrowingLimitGiB`, f.memoryBorrowingLimitGiB);
    const limits: [string, number | undefined][] = [
      ["gpuBorrowingLimit", f.gpuBorrowingLimit],
      ["cpuBorrowingLimitCores", f.cpuBorrowingLimitCores],
      ["memoryBorrowingLimitGiB", f.memoryBorrowingLimitGiB],
      ["gpuLendingLimit", f.gpuLendingLimit],
    ];
    for (const [prop, value] of limits) {
      if (value !== undefined && cohortName === undefined) {
        invalid(this, `${at}.${prop}`, value, "needs cohortName: a queue without a cohort neither borrows nor lends");
      }
    }
    validateInteger(this, `${at}.gpuBorrowingLimit`, f.gpuBorrowingLimit, 0);
    validateInteger(this, `${at}.gpuLendingLimit`, f.gpuLendingLimit, 0);
    if (f.gpuLendingLimit !== undefined && !isUnresolved(f.gpuLendingLimit) && !isUnresolved(f.gpus) && f.gpuLendingLimit > f.gpus) {
      invalid(this, `${at}.gpuLendingLimit`, f.gpuLendingLimit, `must be at most the nominal quota gpus (${f.gpus})`);
    }
    const max = f.flavor.maxGpus;
    if (max !== undefined && !isUnresolved(f.gpus) && f.gpus > max) {
      warn(
        this,
        `${at}.gpus`,
        f.gpus,
        `exceeds the ${max} GPUs pool "${f.flavor.pool.name}" can ever provide (maxNodes x gpusPerNode); admitted workloads beyond that wait for nodes that never come`,
      );
    }
    const gpu: Record<string, any> = {
      name: Scheduling.GPU_RESOURCE,
      nominalQuota: f.gpus,
      borrowingLimit: f.gpuBorrowingLimit,
      lendingLimit: f.gpuLendingLimit,
    };
    return {
      name: f.flavor.flavorName,
      resources: [
        {
          name: "cpu",
          nominalQuota: cpuQuantity(this, `${at}.cpuCores`, f.cpuCores),
          borrowingLimit: cpuQuantity(this, `${at}.cpuBorrowingLimitCores`, f.cpuBorrowingLimitCores),
        },
        {
          name: "memory",
          nominalQuota: memoryQuantity(this, `${at}.memoryGiB`, f.memoryGiB),
          borrowingLimit: memoryQuantity(this, `${at}.memoryBorrowingLimitGiB`, f.memoryBorrowingLimitGiB),
        },
        gpu,
      ],
    };
  }
}

// -------------------------------------------------------------------------------------------------
// Helpers
// -------------------------------------------------------------------------------------------------

/** DNS-1123 labels, no duplicates, at least one. */
function validateNamespaceList(scope: Construct, prop: string, namespaces: string[]): void {
  if (namespaces.length === 0) invalid(scope, prop, namespaces, "must list at least one namespace");
  const seen = new Set<string>();
  namespaces.forEach((ns, i) => {
    validateName(scope, `${prop}[${i}]`, ns, NamingRule.DNS1123_LABEL);
    if (seen.has(ns)) invalid(scope, `${prop}[${i}]`, ns, "is listed twice");
    seen.add(ns);
  });
}

/** Integer count of `unit`s in `value` (steps of 1/`perUnit`), or undefined when not a whole number of steps. */
function steps(value: number, perUnit: number): number | undefined {
  const scaled = value * perUnit;
  const rounded = Math.round(scaled);
  return Number.isFinite(scaled) && Math.abs(scaled - rounded) < 1e-6 ? rounded : undefined;
}

/** Cores as a Kubernetes quantity: an integer, or millicores (`"1500m"`); never a decimal. */
function cpuQuantity(scope: Construct, prop: string, cores: number | undefined): number | string | undefined {
  if (cores === undefined || isUnresolved(cores)) return cores;
  const milli = steps(cores, 1000);
  if (milli === undefined || milli < 0) invalid(scope, prop, cores, "must be a non-negative number of cores in steps of 0.001 (1 millicore)");
  return milli % 1000 === 0 ? milli / 1000 : `${milli}m`;
}

/** GiB as a Kubernetes quantity: `"64Gi"`, or `"1536Mi"` when not a whole number of GiB, or 0; never a decimal. */
function memoryQuantity(scope: Construct, prop: string, gib: number | undefined): string | number | undefined {
  if (gib === undefined || isUnresolved(gib)) return gib;
  const mib = steps(gib, 1024);
  if (mib === undefined || mib < 0) invalid(scope, prop, gib, "must be a non-negative number of GiB in steps of 1/1024 (1 MiB)");
  if (mib === 0) return 0;
  return mib % 1024 === 0 ? `${mib / 1024}Gi` : `${mib}Mi`;
}
