import { Scheduling } from "./scheduling";

/**
 * Internal: well-known labels shared by Strata constructs, as plain constants for brevity
 * inside the library. The public names are the static members of `Scheduling`.
 */

/** Label every Strata-managed Kubernetes object carries. */
export const MANAGED_BY_LABELS: { [key: string]: string } = { "app.kubernetes.io/managed-by": "strata" };

/** Node label naming the Strata node pool. */
export const POOL_LABEL = Scheduling.POOL_LABEL;
/** Node label carrying the pool purpose (system, general, inference, training). */
export const PURPOSE_LABEL = Scheduling.PURPOSE_LABEL;
/** Node label carrying the capacity type (on-demand, spot). */
export const CAPACITY_LABEL = Scheduling.CAPACITY_TYPE_LABEL;
/** Node label set by GPU feature discovery with the GPU model. */
export const GPU_PRODUCT_LABEL = Scheduling.GPU_PRODUCT_LABEL;
/** Node label that turns GKE's own NVIDIA device plugin off on a node pool (the GPU Operator's is used). */
export const GKE_NO_DEFAULT_DEVICE_PLUGIN_LABEL = "gke-no-default-nvidia-gpu-device-plugin";
/**
 * Node label the NVIDIA GPU Operator reads on each node: `false` keeps every operand (driver,
 * toolkit, device plugin, DCGM exporter, validator) off that node. Strata sets it on GKE pools whose
 * GPUs GKE's own device plugin advertises.
 */
export const GPU_OPERATOR_OPERANDS_LABEL = "nvidia.com/gpu.deploy.operands";
