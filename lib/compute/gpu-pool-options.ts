import { Gpu } from "../core/gpu";

/** Options shared by every GPU node pool, whatever the cloud. */
export interface GpuNodePoolOptions {
  /** The GPU on each node. */
  readonly gpu: Gpu;
  /**
   * Pool name: a DNS-1123 label, unique in the cluster (at most 40 characters on GKE).
   * @default `<gpu id>-inference` for GPU pools, `<gpu id>-spot-training` for spot training pools
   */
  readonly name?: string;
  /**
   * GPUs per node; the catalog must have an instance or machine type with exactly this many.
   * @default 1
   */
  readonly gpusPerNode?: number;
  /**
   * Minimum nodes. Inference pools keep one warm node by default; set 0 to let the pool
   * scale to zero (the first request then waits for a node). Training pools default to 0.
   * @default 1 for GPU (inference) pools, 0 for spot training pools
   */
  readonly minNodes?: number;
  /**
   * Maximum nodes. Give either `maxNodes` or `maxGpus`.
   * @default - derived from `maxGpus`
   */
  readonly maxNodes?: number;
  /**
   * Maximum GPUs in the pool, a multiple of `gpusPerNode`. Give either `maxNodes` or `maxGpus`.
   * @default - derived from `maxNodes`
   */
  readonly maxGpus?: number;
  /**
   * Root disk size in GiB (GPU images and model caches are large).
   * @default 200
   */
  readonly diskSizeGiB?: number;
}
