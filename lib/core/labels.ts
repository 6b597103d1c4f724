/**
 * Internal: well-known labels, taints and annotation keys shared by Strata constructs.
 * Not exported from the package index (jsii exports only classes, interfaces and enums);
 * the public view of these is `Scheduling`.
 */

/** Label every Strata-managed Kubernetes object carries. */
export const MANAGED_BY_LABELS: { [key: string]: string } = { "app.kubernetes.io/managed-by": "strata" };

/** Node label naming the Strata node pool. */
export const POOL_LABEL = "strata.io/pool";
/** Node label carrying the pool purpose (system, general, inference, training). */
export const PURPOSE_LABEL = "strata.io/purpose";
/** Node label carrying the capacity type (on-demand, spot). */
export const CAPACITY_LABEL = "strata.io/capacity-type";
/** Node label set by GPU feature discovery with the GPU model. */
export const GPU_PRODUCT_LABEL = "nvidia.com/gpu.product";
