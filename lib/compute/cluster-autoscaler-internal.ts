import { IConstruct } from "constructs";
import { isUnresolved, warn } from "../core/validation";
import { ClusterAutoscaler } from "./cluster-autoscaler";
import type { EksCluster } from "./eks-cluster";

/*
 * Internal (not exported from the package): what the Cluster Autoscaler needs to know of EKS node groups.
 */

const WATCHED = new WeakSet<EksCluster>();

/** True when a `ClusterAutoscaler` anywhere in the app is installed for `cluster` (read at synth). */
export function hasClusterAutoscaler(cluster: IConstruct): boolean {
  return cluster.node.root.node.findAll().some((c) => c instanceof ClusterAutoscaler && c.cluster === cluster);
}

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
      if (hasClusterAutoscaler(cluster)) return [];
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
