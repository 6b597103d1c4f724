import { IConstruct } from "constructs";
import { IWorkloadIdentity, NodePoolInfo, SystemWorkload, WorkloadIdentityKind } from "./cluster";
import { NamingRule, validateName } from "./naming";
import { invalid, validateInteger, validateMinMax, validateNonEmpty } from "./validation";

/**
 * Internal: the node pools a cluster knows, with the checks every cluster applies
 * (unique DNS-1123 names, 0 <= min <= max, max > 0, GPU count given with a GPU).
 */
export class NodePoolRegistry {
  private readonly pools: NodePoolInfo[] = [];

  constructor(private readonly cluster: IConstruct) {}

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
