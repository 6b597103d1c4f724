import { Gpu } from "../core/gpu";
import { isUnresolved, warn } from "../core/validation";
import { ClusterAutoscaler } from "./cluster-autoscaler";
import type { EksCluster } from "./eks-cluster";

/*
 * Internal (not exported from the package): what the Cluster Autoscaler needs to know of EKS node groups.
 */

/** vCPUs and memory of an instance type. */
export interface InstanceShape {
  readonly vcpus: number;
  readonly memoryGiB: number;
}

/**
 * vCPUs and memory (GiB) of an AWS GPU instance type, read from the GPU catalog's instance entries
 * (g4dn, g5, g6, g6e, p4d, p4de, p5, p5e, p5en); undefined for a type the catalog does not list. The lead
 * replaces this with the shared machine-shape catalog (lib/core/machine-types.ts) once it lands: same
 * name and answer.
 */
export function awsInstanceShape(instanceType: string): InstanceShape | undefined {
  for (const gpu of Gpu.all()) {
    const entry = gpu.awsInstanceType(instanceType);
    if (entry) return { vcpus: entry.vcpus, memoryGiB: entry.memoryGiB };
  }
  return undefined;
}

const WATCHED = new WeakSet<EksCluster>();

/**
 * Registers, once per cluster, the synth-time check that warns when the cluster has managed node groups that
 * could grow (literal `minNodes` < `maxNodes`; Karpenter's NodePools excluded) and no `ClusterAutoscaler`
 * in the app is installed for it: such groups would stay at their minimum forever.
 */
export function watchElasticNodeGroups(cluster: EksCluster): void {
  if (WATCHED.has(cluster)) return;
  WATCHED.add(cluster);
  let warned = false;
  cluster.node.addValidation({
    validate: () => {
      if (warned) return [];
      const elastic = cluster.nodePools
        // Karpenter labels its nodes with their NodePool; those pools are Karpenter's to scale.
        .filter((p) => p.labels["karpenter.sh/nodepool"] === undefined)
        .filter((p) => !isUnresolved(p.minNodes) && !isUnresolved(p.maxNodes) && p.minNodes < p.maxNodes)
        .map((p) => p.name);
      if (elastic.length === 0) return [];
      const installed = cluster.node.root.node.findAll().some((c) => c instanceof ClusterAutoscaler && c.cluster === cluster);
      if (installed) return [];
      warned = true;
      const fix =
        cluster.clusterAutoscaler === undefined
          ? "set clusterAutoscaler: true on the EksCluster and install ClusterAutoscaler in the platform stack"
          : 'install it: new ClusterAutoscaler(platform, "ClusterAutoscaler", { connection }) in the platform stack';
      warn(
        cluster,
        "elastic node groups",
        elastic,
        `managed node groups grow beyond minNodes only under the Kubernetes Cluster Autoscaler, and no ClusterAutoscaler is installed for this cluster; ${fix}, ` +
          "make the groups fixed-size (minNodes = maxNodes), or use KarpenterGpuNodePools for elastic GPU capacity",
      );
      return [];
    },
  });
}
