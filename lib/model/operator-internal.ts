import { IConstruct } from "constructs";
import { IKubernetesCluster, NodePoolInfo, NodePoolPurpose } from "../core/cluster";
import { invalid, validateNonEmpty } from "../core/validation";

/**
 * Internal helper of the model layer's operator installs (Argo Workflows, Kubeflow Trainer,
 * CloudNativePG): the node pool a controller runs on. Not part of the public API.
 */

/**
 * The named pool (`systemPoolName`; an error when the cluster has no such pool) or the cluster's
 * first SYSTEM pool; undefined when it has none (on-prem: no node selector).
 */
export function systemPool(scope: IConstruct, cluster: IKubernetesCluster, systemPoolName: string | undefined): NodePoolInfo | undefined {
  if (systemPoolName === undefined) return cluster.nodePools.find((p) => p.purpose === NodePoolPurpose.SYSTEM);
  validateNonEmpty(scope, "systemPoolName", systemPoolName);
  const pool = cluster.nodePools.find((p) => p.name === systemPoolName);
  if (!pool) {
    const names = cluster.nodePools.map((p) => p.name).join(", ") || "none";
    invalid(scope, "systemPoolName", systemPoolName, `must name a node pool of cluster "${cluster.clusterName}" (pools: ${names})`);
  }
  return pool;
}
