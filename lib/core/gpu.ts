/**
 * The GPU catalog: one value per accelerator, mapping it to what each target calls it.
 *
 * Prices are list prices in USD per hour for the whole instance (all its GPUs), read by hand
 * from the sources in `Gpu.priceSources()`, which also says which figures are still estimates;
 * they feed cost estimates only and are never billed against. Spot prices are typical spot
 * prices at the time of reading and change often (AWS: hourly per zone; GCP: up to daily).
 *
 * Availability (which AWS regions offer a GPU's instance types, which GKE zones offer its
 * accelerator type) was read by hand on 2026-11-28 from the machine-generated SkyPilot catalog
 * (github.com/skypilot-org/skypilot-catalog), see `Gpu.availabilitySources()`: for AWS from
 * `catalogs/v8/aws/vms.csv` (built from EC2 DescribeInstanceTypeOfferings per availability zone),
 * for GCP from `catalogs/v8/gcp/vms.csv` (built from the Compute Engine accelerator types listed
 * per zone). The files do not record when they were generated; the commits read are named in
 * `availabilitySources()`. Only the regions in `Gpu.awsRegionsCovered()` and
 * `Gpu.gkeRegionsCovered()` were read, for the eight GPUs other than the A3 Mega entry (which has
 * no availability data); anywhere else availability is
 * `GpuAvailability.UNKNOWN`. Offerings change: treat `NOT_OFFERED` as "not offered as far as the
 * catalog knows", not as a guarantee.
 */

import { GCP_REGION_PATTERN, GCP_ZONE_PATTERN } from "./validation";

/** Whether a GPU is offered in a location, as far as the catalog's availability data knows. */
export enum GpuAvailability {
  /** The availability data lists the GPU in this location. */
  OFFERED = "OFFERED",
  /**
   * The location is covered by the availability data and the GPU is not listed there, or the
   * GPU has no instance or machine types on that target at all.
   */
  NOT_OFFERED = "NOT_OFFERED",
  /** The availability data does not cover this location (or this GPU): check with the provider. */
  UNKNOWN = "UNKNOWN",
}

/**
 * AWS regions whose offerings were read for all eight catalog GPUs (see `Gpu.availabilitySources()`).
 */
const AWS_REGIONS_COVERED: readonly string[] = [
  "us-east-1",
  "us-east-2",
  "us-west-1",
  "us-west-2",
  "ca-central-1",
  "eu-west-1",
  "eu-west-2",
  "eu-central-1",
  "eu-north-1",
  "ap-northeast-1",
  "ap-northeast-2",
  "ap-southeast-1",
  "ap-southeast-2",
  "ap-south-1",
];

/**
 * GCP regions whose zones were read for all six catalog GPUs that GKE offers (see
 * `Gpu.availabilitySources()`); A10G and L40S have no GKE accelerator type at all.
 */
const GKE_REGIONS_COVERED: readonly string[] = [
  "us-central1",
  "us-east1",
  "us-east4",
  "us-east5",
  "us-south1",
  "us-west1",
  "us-west2",
  "us-west3",
  "us-west4",
  "europe-west1",
  "europe-west2",
  "europe-west3",
  "europe-west4",
  "asia-east1",
  "asia-northeast1",
  "asia-northeast3",
  "asia-south1",
  "asia-southeast1",
];

/** The region of a GCP zone name, or undefined when `zone` is not one. */
function gcpRegionOfZone(zone: string): string | undefined {
  return GCP_ZONE_PATTERN.exec(zone)?.[1];
}

/** An AWS EC2 instance type that carries a given GPU. */
export interface AwsGpuInstanceType {
  /** EC2 instance type, e.g. `g6.xlarge`. */
  readonly instanceType: string;
  /** GPUs per instance. */
  readonly gpuCount: number;
  /** vCPUs per instance. */
  readonly vcpus: number;
  /** Instance memory in GiB. */
  readonly memoryGiB: number;
  /** On-demand list price per instance-hour in USD (us-east-1, Linux). */
  readonly onDemandHourlyUsd: number;
  /** Typical spot price per instance-hour in USD (us-east-1, Linux). */
  readonly spotHourlyUsd: number;
}

/**
 * How Compute Engine capacity of a machine type can be obtained (GCP's consumption options).
 */
export enum GkeProvisioning {
  /** Plain on-demand VMs, no reservation needed (subject to quota and stock). */
  ON_DEMAND = "ON_DEMAND",
  /** Spot VMs (preemptible at any time). */
  SPOT = "SPOT",
  /** Flex-start (Dynamic Workload Scheduler): queued, runs up to 7 days once capacity is found. */
  FLEX_START = "FLEX_START",
  /** A reservation (on-demand, future or calendar-mode) consumed by the pool. */
  RESERVATION = "RESERVATION",
}

/** Where GKE machine types offered on-demand without a reservation are listed (the default). */
const ON_DEMAND_AND_SPOT: readonly GkeProvisioning[] = [GkeProvisioning.ON_DEMAND, GkeProvisioning.SPOT];
/** Machine types offered as Spot or Flex-start only (A3 High with 1, 2 or 4 GPUs). */
const SPOT_OR_FLEX: GkeProvisioning[] = [GkeProvisioning.SPOT, GkeProvisioning.FLEX_START];
/** Machine types whose on-demand capacity needs a reservation (A3 High 8g, A3 Mega, A3 Ultra). */
const RESERVED_SPOT_OR_FLEX: GkeProvisioning[] = [GkeProvisioning.RESERVATION, GkeProvisioning.SPOT, GkeProvisioning.FLEX_START];

/** A GKE machine type that carries a given GPU. */
export interface GkeGpuMachineType {
  /** Compute Engine machine type, e.g. `g2-standard-8`. */
  readonly machineType: string;
  /** GPUs attached per node. */
  readonly gpuCount: number;
  /** vCPUs per node. */
  readonly vcpus: number;
  /** Node memory in GiB. */
  readonly memoryGiB: number;
  /** On-demand list price per node-hour in USD (us-central1), machine and GPUs together. */
  readonly onDemandHourlyUsd: number;
  /** Typical spot price per node-hour in USD (us-central1), machine and GPUs together. */
  readonly spotHourlyUsd: number;
  /**
   * How capacity of this machine type can be obtained, as far as the catalog knows (see the note
   * on each GPU). A pool that asks for a model not listed gets a warning at synth.
   * @default [GkeProvisioning.ON_DEMAND, GkeProvisioning.SPOT]
   */
  readonly provisioning?: GkeProvisioning[];
}

/** Where and when the catalog's prices were read. */
export interface GpuPriceSource {
  /** The target the prices are for (`aws` or `gcp`). */
  readonly target: string;
  /** The page the prices were read from. */
  readonly source: string;
  /** The date the prices were read, ISO 8601 (`YYYY-MM-DD`). */
  readonly readOn: string;
  /** The region the prices are for. */
  readonly region: string;
}

/** Properties of a GPU in the catalog. */
export interface GpuProps {
  /** Stable identifier, e.g. `nvidia-l4`. */
  readonly id: string;
  /** Human-readable name, e.g. `NVIDIA L4`. */
  readonly displayName: string;
  /**
   * Nominal GPU memory per GPU as the vendor rates it, e.g. 24 for the A10G.
   * The memory the driver reports as usable can be a few percent lower.
   */
  readonly memoryGiB: number;
  /** The value of the `nvidia.com/gpu.product` node label that GPU feature discovery sets for this GPU. */
  readonly productLabel: string;
  /**
   * Other `nvidia.com/gpu.product` values of the same GPU (the PCIe and SXM boards of one model
   * and memory size report different names); on-prem nodes may carry any of them.
   * @default - only `productLabel`
   */
  readonly otherProductLabels?: string[];
  /**
   * AWS instance types that carry this GPU.
   * @default - not offered on AWS
   */
  readonly awsInstanceTypes?: AwsGpuInstanceType[];
  /**
   * GKE accelerator type (`guest_accelerator.type`), e.g. `nvidia-l4`.
   * @default - not offered on GKE
   */
  readonly gkeAcceleratorType?: string;
  /**
   * GKE machine family that must carry this GPU, e.g. `g2`.
   * @default - not offered on GKE
   */
  readonly gkeMachineFamily?: string;
  /**
   * GKE machine types that carry this GPU.
   * @default - not offered on GKE
   */
  readonly gkeMachineTypes?: GkeGpuMachineType[];
  /**
   * AWS regions where at least one of `awsInstanceTypes` is offered. For the regions in
   * `Gpu.awsRegionsCovered()` that are not listed, the GPU counts as not offered; list every
   * such region where it is.
   * @default - no availability data: `awsAvailability()` answers UNKNOWN for GPUs with AWS instance types
   */
  readonly awsRegions?: string[];
  /**
   * GKE zones (e.g. `us-central1-a`) that offer `gkeAcceleratorType`. For the regions in
   * `Gpu.gkeRegionsCovered()`, zones that are not listed count as not offering the GPU; list
   * every such zone that does.
   * @default - no availability data: `gkeAvailability()` answers UNKNOWN for GPUs offered on GKE
   */
  readonly gkeZones?: string[];
}

/**
 * A GPU model and what each target calls it.
 *
 * @example
 * const gpu = Gpu.NVIDIA_L4;
 * gpu.awsInstanceTypesWith(1); // g6.xlarge, g6.2xlarge, ...
 * gpu.gkeAcceleratorType;      // "nvidia-l4"
 * gpu.gkeAvailability("us-central1-a"); // GpuAvailability.OFFERED
 * gpu.awsAvailability("sa-east-1");     // GpuAvailability.UNKNOWN (region not covered)
 */
export class Gpu {
  /** NVIDIA T4 16 GB (Turing): AWS g4dn, GKE n1 with `nvidia-tesla-t4`. */
  public static readonly NVIDIA_T4 = new Gpu({
    id: "nvidia-t4",
    displayName: "NVIDIA T4",
    memoryGiB: 16,
    productLabel: "Tesla-T4",
    awsInstanceTypes: [
      { instanceType: "g4dn.xlarge", gpuCount: 1, vcpus: 4, memoryGiB: 16, onDemandHourlyUsd: 0.526, spotHourlyUsd: 0.2 },
      { instanceType: "g4dn.2xlarge", gpuCount: 1, vcpus: 8, memoryGiB: 32, onDemandHourlyUsd: 0.752, spotHourlyUsd: 0.29 },
      { instanceType: "g4dn.4xlarge", gpuCount: 1, vcpus: 16, memoryGiB: 64, onDemandHourlyUsd: 1.204, spotHourlyUsd: 0.46 },
      { instanceType: "g4dn.8xlarge", gpuCount: 1, vcpus: 32, memoryGiB: 128, onDemandHourlyUsd: 2.176, spotHourlyUsd: 0.83 },
      { instanceType: "g4dn.16xlarge", gpuCount: 1, vcpus: 64, memoryGiB: 256, onDemandHourlyUsd: 4.352, spotHourlyUsd: 1.66 },
      { instanceType: "g4dn.12xlarge", gpuCount: 4, vcpus: 48, memoryGiB: 192, onDemandHourlyUsd: 3.912, spotHourlyUsd: 1.5 },
      { instanceType: "g4dn.metal", gpuCount: 8, vcpus: 96, memoryGiB: 384, onDemandHourlyUsd: 7.824, spotHourlyUsd: 3.0 },
    ],
    gkeAcceleratorType: "nvidia-tesla-t4",
    gkeMachineFamily: "n1",
    gkeMachineTypes: [
      { machineType: "n1-standard-4", gpuCount: 1, vcpus: 4, memoryGiB: 15, onDemandHourlyUsd: 0.54, spotHourlyUsd: 0.18 },
      { machineType: "n1-standard-8", gpuCount: 1, vcpus: 8, memoryGiB: 30, onDemandHourlyUsd: 0.73, spotHourlyUsd: 0.25 },
      { machineType: "n1-standard-16", gpuCount: 2, vcpus: 16, memoryGiB: 60, onDemandHourlyUsd: 1.46, spotHourlyUsd: 0.5 },
      { machineType: "n1-standard-32", gpuCount: 4, vcpus: 32, memoryGiB: 120, onDemandHourlyUsd: 2.92, spotHourlyUsd: 1.0 },
    ],
    awsRegions: [
      "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "eu-west-1",
      "eu-west-2", "eu-central-1", "eu-north-1", "ap-northeast-1", "ap-northeast-2", "ap-southeast-1",
      "ap-southeast-2", "ap-south-1",
    ],
    gkeZones: [
      "asia-east1-a", "asia-east1-c",
      "asia-northeast1-a", "asia-northeast1-c",
      "asia-northeast3-b", "asia-northeast3-c",
      "asia-south1-a", "asia-south1-b",
      "asia-southeast1-a", "asia-southeast1-b", "asia-southeast1-c",
      "europe-west1-b", "europe-west1-c", "europe-west1-d",
      "europe-west2-a", "europe-west2-b",
      "europe-west3-b",
      "europe-west4-a", "europe-west4-b", "europe-west4-c",
      "us-central1-a", "us-central1-b", "us-central1-c", "us-central1-f",
      "us-east1-b", "us-east1-c", "us-east1-d",
      "us-east4-a", "us-east4-b", "us-east4-c",
      "us-west1-a", "us-west1-b",
      "us-west2-b", "us-west2-c",
      "us-west3-b",
      "us-west4-a", "us-west4-b",
    ],
  });

  /** NVIDIA A10G 24 GB (Ampere): AWS g5 only. */
  public static readonly NVIDIA_A10G = new Gpu({
    id: "nvidia-a10g",
    displayName: "NVIDIA A10G",
    memoryGiB: 24,
    productLabel: "NVIDIA-A10G",
    awsInstanceTypes: [
      { instanceType: "g5.xlarge", gpuCount: 1, vcpus: 4, memoryGiB: 16, onDemandHourlyUsd: 1.006, spotHourlyUsd: 0.43 },
      { instanceType: "g5.2xlarge", gpuCount: 1, vcpus: 8, memoryGiB: 32, onDemandHourlyUsd: 1.212, spotHourlyUsd: 0.5 },
      { instanceType: "g5.4xlarge", gpuCount: 1, vcpus: 16, memoryGiB: 64, onDemandHourlyUsd: 1.624, spotHourlyUsd: 0.65 },
      { instanceType: "g5.8xlarge", gpuCount: 1, vcpus: 32, memoryGiB: 128, onDemandHourlyUsd: 2.448, spotHourlyUsd: 0.98 },
      { instanceType: "g5.16xlarge", gpuCount: 1, vcpus: 64, memoryGiB: 256, onDemandHourlyUsd: 4.096, spotHourlyUsd: 1.64 },
      { instanceType: "g5.12xlarge", gpuCount: 4, vcpus: 48, memoryGiB: 192, onDemandHourlyUsd: 5.672, spotHourlyUsd: 2.27 },
      { instanceType: "g5.24xlarge", gpuCount: 4, vcpus: 96, memoryGiB: 384, onDemandHourlyUsd: 8.144, spotHourlyUsd: 3.26 },
      { instanceType: "g5.48xlarge", gpuCount: 8, vcpus: 192, memoryGiB: 768, onDemandHourlyUsd: 16.288, spotHourlyUsd: 6.52 },
    ],
    awsRegions: [
      "us-east-1", "us-east-2", "us-west-2", "ca-central-1", "eu-west-1", "eu-west-2",
      "eu-central-1", "eu-north-1", "ap-northeast-1", "ap-northeast-2", "ap-southeast-2", "ap-south-1",
    ],
  });

  /** NVIDIA L4 24 GB (Ada Lovelace): AWS g6, GKE g2 with `nvidia-l4`. */
  public static readonly NVIDIA_L4 = new Gpu({
    id: "nvidia-l4",
    displayName: "NVIDIA L4",
    memoryGiB: 24,
    productLabel: "NVIDIA-L4",
    awsInstanceTypes: [
      { instanceType: "g6.xlarge", gpuCount: 1, vcpus: 4, memoryGiB: 16, onDemandHourlyUsd: 0.8048, spotHourlyUsd: 0.36 },
      { instanceType: "g6.2xlarge", gpuCount: 1, vcpus: 8, memoryGiB: 32, onDemandHourlyUsd: 0.9776, spotHourlyUsd: 0.44 },
      { instanceType: "g6.4xlarge", gpuCount: 1, vcpus: 16, memoryGiB: 64, onDemandHourlyUsd: 1.3232, spotHourlyUsd: 0.6 },
      { instanceType: "g6.8xlarge", gpuCount: 1, vcpus: 32, memoryGiB: 128, onDemandHourlyUsd: 2.0144, spotHourlyUsd: 0.91 },
      { instanceType: "g6.16xlarge", gpuCount: 1, vcpus: 64, memoryGiB: 256, onDemandHourlyUsd: 3.3968, spotHourlyUsd: 1.53 },
      { instanceType: "g6.12xlarge", gpuCount: 4, vcpus: 48, memoryGiB: 192, onDemandHourlyUsd: 4.6016, spotHourlyUsd: 2.07 },
      { instanceType: "g6.24xlarge", gpuCount: 4, vcpus: 96, memoryGiB: 384, onDemandHourlyUsd: 6.6752, spotHourlyUsd: 3.0 },
      { instanceType: "g6.48xlarge", gpuCount: 8, vcpus: 192, memoryGiB: 768, onDemandHourlyUsd: 13.3504, spotHourlyUsd: 6.01 },
    ],
    gkeAcceleratorType: "nvidia-l4",
    gkeMachineFamily: "g2",
    gkeMachineTypes: [
      { machineType: "g2-standard-4", gpuCount: 1, vcpus: 4, memoryGiB: 16, onDemandHourlyUsd: 0.7068, spotHourlyUsd: 0.3973 },
      { machineType: "g2-standard-8", gpuCount: 1, vcpus: 8, memoryGiB: 32, onDemandHourlyUsd: 0.8536, spotHourlyUsd: 0.4799 },
      { machineType: "g2-standard-12", gpuCount: 1, vcpus: 12, memoryGiB: 48, onDemandHourlyUsd: 1.0004, spotHourlyUsd: 0.5624 },
      { machineType: "g2-standard-16", gpuCount: 1, vcpus: 16, memoryGiB: 64, onDemandHourlyUsd: 1.1472, spotHourlyUsd: 0.6449 },
      { machineType: "g2-standard-32", gpuCount: 1, vcpus: 32, memoryGiB: 128, onDemandHourlyUsd: 1.7344, spotHourlyUsd: 0.9751 },
      { machineType: "g2-standard-24", gpuCount: 2, vcpus: 24, memoryGiB: 96, onDemandHourlyUsd: 2.0008, spotHourlyUsd: 1.1248 },
      { machineType: "g2-standard-48", gpuCount: 4, vcpus: 48, memoryGiB: 192, onDemandHourlyUsd: 4.0017, spotHourlyUsd: 2.2496 },
      { machineType: "g2-standard-96", gpuCount: 8, vcpus: 96, memoryGiB: 384, onDemandHourlyUsd: 8.0033, spotHourlyUsd: 4.4993 },
    ],
    awsRegions: [
      "us-east-1", "us-east-2", "us-west-2", "ca-central-1", "eu-west-2", "eu-central-1",
      "eu-north-1", "ap-northeast-1", "ap-northeast-2", "ap-southeast-2", "ap-south-1",
    ],
    gkeZones: [
      "asia-east1-a", "asia-east1-b", "asia-east1-c",
      "asia-northeast1-a", "asia-northeast1-b", "asia-northeast1-c",
      "asia-northeast3-a", "asia-northeast3-b",
      "asia-south1-a", "asia-south1-b", "asia-south1-c",
      "asia-southeast1-a", "asia-southeast1-b", "asia-southeast1-c",
      "europe-west1-b", "europe-west1-c",
      "europe-west2-a", "europe-west2-b",
      "europe-west3-a", "europe-west3-b",
      "europe-west4-a", "europe-west4-b", "europe-west4-c",
      "us-central1-a", "us-central1-b", "us-central1-c",
      "us-east1-b", "us-east1-c", "us-east1-d",
      "us-east4-a", "us-east4-c",
      "us-west1-a", "us-west1-b", "us-west1-c",
      "us-west4-a", "us-west4-c",
    ],
  });

  /** NVIDIA L40S 48 GB (Ada Lovelace): AWS g6e only. */
  public static readonly NVIDIA_L40S = new Gpu({
    id: "nvidia-l40s",
    displayName: "NVIDIA L40S",
    memoryGiB: 48,
    productLabel: "NVIDIA-L40S",
    awsInstanceTypes: [
      { instanceType: "g6e.xlarge", gpuCount: 1, vcpus: 4, memoryGiB: 32, onDemandHourlyUsd: 1.861, spotHourlyUsd: 0.84 },
      { instanceType: "g6e.2xlarge", gpuCount: 1, vcpus: 8, memoryGiB: 64, onDemandHourlyUsd: 2.24208, spotHourlyUsd: 1.01 },
      { instanceType: "g6e.4xlarge", gpuCount: 1, vcpus: 16, memoryGiB: 128, onDemandHourlyUsd: 3.00424, spotHourlyUsd: 1.35 },
      { instanceType: "g6e.8xlarge", gpuCount: 1, vcpus: 32, memoryGiB: 256, onDemandHourlyUsd: 4.52856, spotHourlyUsd: 2.04 },
      { instanceType: "g6e.16xlarge", gpuCount: 1, vcpus: 64, memoryGiB: 512, onDemandHourlyUsd: 7.57719, spotHourlyUsd: 3.41 },
      { instanceType: "g6e.12xlarge", gpuCount: 4, vcpus: 48, memoryGiB: 384, onDemandHourlyUsd: 10.49264, spotHourlyUsd: 4.72 },
      { instanceType: "g6e.24xlarge", gpuCount: 4, vcpus: 96, memoryGiB: 768, onDemandHourlyUsd: 15.06559, spotHourlyUsd: 6.78 },
      { instanceType: "g6e.48xlarge", gpuCount: 8, vcpus: 192, memoryGiB: 1536, onDemandHourlyUsd: 30.13118, spotHourlyUsd: 13.56 },
    ],
    awsRegions: [
      "us-east-1", "us-east-2", "us-west-2", "eu-central-1", "eu-north-1", "ap-northeast-1",
      "ap-northeast-2",
    ],
  });

  /** NVIDIA A100 40 GB (Ampere): AWS p4d, GKE a2-highgpu/a2-megagpu with `nvidia-tesla-a100`. */
  public static readonly NVIDIA_A100_40GB = new Gpu({
    id: "nvidia-a100-40gb",
    displayName: "NVIDIA A100 40GB",
    memoryGiB: 40,
    productLabel: "NVIDIA-A100-SXM4-40GB",
    otherProductLabels: ["NVIDIA-A100-PCIE-40GB"],
    awsInstanceTypes: [
      { instanceType: "p4d.24xlarge", gpuCount: 8, vcpus: 96, memoryGiB: 1152, onDemandHourlyUsd: 21.957642, spotHourlyUsd: 9.88 },
    ],
    gkeAcceleratorType: "nvidia-tesla-a100",
    gkeMachineFamily: "a2",
    gkeMachineTypes: [
      { machineType: "a2-highgpu-1g", gpuCount: 1, vcpus: 12, memoryGiB: 85, onDemandHourlyUsd: 3.6734, spotHourlyUsd: 1.928 },
      { machineType: "a2-highgpu-2g", gpuCount: 2, vcpus: 24, memoryGiB: 170, onDemandHourlyUsd: 7.3468, spotHourlyUsd: 3.856 },
      { machineType: "a2-highgpu-4g", gpuCount: 4, vcpus: 48, memoryGiB: 340, onDemandHourlyUsd: 14.6935, spotHourlyUsd: 7.7121 },
      { machineType: "a2-highgpu-8g", gpuCount: 8, vcpus: 96, memoryGiB: 680, onDemandHourlyUsd: 29.3871, spotHourlyUsd: 15.4242 },
      { machineType: "a2-megagpu-16g", gpuCount: 16, vcpus: 96, memoryGiB: 1360, onDemandHourlyUsd: 55.7395, spotHourlyUsd: 29.2557 },
    ],
    awsRegions: [
      "us-east-1", "us-east-2", "us-west-2", "ca-central-1", "eu-west-1", "eu-west-2",
      "eu-central-1", "eu-north-1", "ap-northeast-1", "ap-northeast-2", "ap-southeast-2", "ap-south-1",
    ],
    gkeZones: [
      "asia-northeast1-a", "asia-northeast1-c",
      "asia-northeast3-a", "asia-northeast3-b",
      "asia-southeast1-a", "asia-southeast1-b", "asia-southeast1-c",
      "europe-west4-a", "europe-west4-b",
      "us-central1-a", "us-central1-b", "us-central1-c", "us-central1-f",
      "us-east1-b",
      "us-west1-b",
      "us-west3-b",
      "us-west4-b",
    ],
  });

  /** NVIDIA A100 80 GB (Ampere): AWS p4de, GKE a2-ultragpu with `nvidia-a100-80gb`. */
  public static readonly NVIDIA_A100_80GB = new Gpu({
    id: "nvidia-a100-80gb",
    displayName: "NVIDIA A100 80GB",
    memoryGiB: 80,
    productLabel: "NVIDIA-A100-SXM4-80GB",
    otherProductLabels: ["NVIDIA-A100-80GB-PCIe"],
    awsInstanceTypes: [
      { instanceType: "p4de.24xlarge", gpuCount: 8, vcpus: 96, memoryGiB: 1152, onDemandHourlyUsd: 27.44705, spotHourlyUsd: 12.35 },
    ],
    gkeAcceleratorType: "nvidia-a100-80gb",
    gkeMachineFamily: "a2",
    gkeMachineTypes: [
      { machineType: "a2-ultragpu-1g", gpuCount: 1, vcpus: 12, memoryGiB: 170, onDemandHourlyUsd: 5.0688, spotHourlyUsd: 2.7595 },
      { machineType: "a2-ultragpu-2g", gpuCount: 2, vcpus: 24, memoryGiB: 340, onDemandHourlyUsd: 10.1376, spotHourlyUsd: 5.5191 },
      { machineType: "a2-ultragpu-4g", gpuCount: 4, vcpus: 48, memoryGiB: 680, onDemandHourlyUsd: 20.2752, spotHourlyUsd: 11.0382 },
      { machineType: "a2-ultragpu-8g", gpuCount: 8, vcpus: 96, memoryGiB: 1360, onDemandHourlyUsd: 40.5504, spotHourlyUsd: 22.0764 },
    ],
    awsRegions: [
      "us-east-1", "us-west-2", "eu-central-1", "ap-northeast-1", "ap-southeast-1",
    ],
    gkeZones: [
      "asia-southeast1-c",
      "europe-west4-a",
      "us-central1-a", "us-central1-c",
      "us-east4-c",
      "us-east5-a", "us-east5-b",
    ],
  });

  /**
   * NVIDIA H100 80 GB (Hopper): AWS p5, GKE a3-highgpu with `nvidia-h100-80gb`.
   *
   * On GCP the 1, 2 and 4 GPU shapes (`a3-highgpu-1g/2g/4g`) are offered as Spot or Flex-start
   * only; their on-demand figure is the equivalent list price, for comparison. On-demand capacity
   * of `a3-highgpu-8g` is recorded as needing a reservation (reservation, Spot or Flex-start), as
   * Google's consumption-options table for A3 machines was remembered when this was written: not
   * re-read from a dated source, treat it as uncertain.
   *
   * The PCIe board (`NVIDIA-H100-PCIe`, also 80 GB) is accepted on-prem. The A3 Mega machine
   * carries the same GPU under its own accelerator type: `Gpu.NVIDIA_H100_MEGA_80GB`.
   */
  public static readonly NVIDIA_H100_80GB = new Gpu({
    id: "nvidia-h100-80gb",
    displayName: "NVIDIA H100 80GB",
    memoryGiB: 80,
    productLabel: "NVIDIA-H100-80GB-HBM3",
    otherProductLabels: ["NVIDIA-H100-PCIe"],
    awsInstanceTypes: [
      { instanceType: "p5.4xlarge", gpuCount: 1, vcpus: 16, memoryGiB: 256, onDemandHourlyUsd: 6.88, spotHourlyUsd: 3.1 },
      { instanceType: "p5.48xlarge", gpuCount: 8, vcpus: 192, memoryGiB: 2048, onDemandHourlyUsd: 55.04, spotHourlyUsd: 24.77 },
    ],
    gkeAcceleratorType: "nvidia-h100-80gb",
    gkeMachineFamily: "a3",
    gkeMachineTypes: [
      { machineType: "a3-highgpu-1g", gpuCount: 1, vcpus: 26, memoryGiB: 234, onDemandHourlyUsd: 11.0612, spotHourlyUsd: 6.3262, provisioning: SPOT_OR_FLEX },
      { machineType: "a3-highgpu-2g", gpuCount: 2, vcpus: 52, memoryGiB: 468, onDemandHourlyUsd: 22.1225, spotHourlyUsd: 12.6524, provisioning: SPOT_OR_FLEX },
      { machineType: "a3-highgpu-4g", gpuCount: 4, vcpus: 104, memoryGiB: 936, onDemandHourlyUsd: 44.245, spotHourlyUsd: 25.3048, provisioning: SPOT_OR_FLEX },
      { machineType: "a3-highgpu-8g", gpuCount: 8, vcpus: 208, memoryGiB: 1872, onDemandHourlyUsd: 88.49, spotHourlyUsd: 50.6095, provisioning: RESERVED_SPOT_OR_FLEX },
    ],
    awsRegions: [
      "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "eu-west-2",
      "eu-north-1", "ap-northeast-1", "ap-northeast-2", "ap-southeast-2", "ap-south-1",
    ],
    gkeZones: [
      "asia-east1-c",
      "asia-northeast1-b",
      "asia-northeast3-a", "asia-northeast3-c",
      "asia-south1-c",
      "asia-southeast1-b", "asia-southeast1-c",
      "europe-west1-b", "europe-west1-c",
      "europe-west2-b",
      "europe-west3-a", "europe-west3-c",
      "europe-west4-b", "europe-west4-c",
      "us-central1-a", "us-central1-b", "us-central1-c",
      "us-east4-a", "us-east4-b", "us-east4-c",
      "us-east5-a",
      "us-west1-a", "us-west1-b",
      "us-west4-a",
    ],
  });

  /**
   * NVIDIA H100 80 GB on GCP's A3 Mega machines (`a3-megagpu-8g`, accelerator type
   * `nvidia-h100-mega-80gb`, GPUDirect-TCPXO networking). The GPU is the H100 SXM of
   * `NVIDIA_H100_80GB` (same `nvidia.com/gpu.product` label); GKE names it separately, so it is
   * its own catalog entry. GKE only, no AWS instance type.
   *
   * Uncertain, to re-check: the on-demand price is read from a third-party comparison table
   * (about USD 93.40 in us-central1, see `priceSources()`) and the spot price is one reading in
   * us-west1; on-demand capacity is recorded as needing a reservation (reservation, Spot or
   * Flex-start), as for `a3-highgpu-8g`. The catalog has no zone data for it:
   * `gkeAvailability()` answers UNKNOWN everywhere.
   */
  public static readonly NVIDIA_H100_MEGA_80GB = new Gpu({
    id: "nvidia-h100-mega-80gb",
    displayName: "NVIDIA H100 Mega 80GB",
    memoryGiB: 80,
    productLabel: "NVIDIA-H100-80GB-HBM3",
    gkeAcceleratorType: "nvidia-h100-mega-80gb",
    gkeMachineFamily: "a3",
    gkeMachineTypes: [
      { machineType: "a3-megagpu-8g", gpuCount: 8, vcpus: 208, memoryGiB: 1872, onDemandHourlyUsd: 93.4, spotHourlyUsd: 53.35, provisioning: RESERVED_SPOT_OR_FLEX },
    ],
  });

  /**
   * NVIDIA H200 141 GB (Hopper): AWS p5en/p5e, GKE a3-ultragpu with `nvidia-h200-141gb`.
   *
   * On GCP, `a3-ultragpu-8g` is offered through reservations, Spot and Flex-start, not as plain
   * on-demand VMs (Google's consumption-options table for A3 Ultra and A4, as remembered; not
   * re-read from a dated source). The H200 NVL board (`NVIDIA-H200-NVL`, also 141 GB) is accepted
   * on-prem.
   *
   * `p5e.48xlarge` has no On-Demand list price in us-east-1 (it is absent from the price table
   * in `priceSources()`); it is listed so that its nodes are recognised, and its prices are
   * estimates. `p5en.48xlarge` comes first so that it wins the price tie when picking a type.
   */
  public static readonly NVIDIA_H200 = new Gpu({
    id: "nvidia-h200",
    displayName: "NVIDIA H200 141GB",
    memoryGiB: 141,
    productLabel: "NVIDIA-H200",
    otherProductLabels: ["NVIDIA-H200-NVL"],
    awsInstanceTypes: [
      { instanceType: "p5en.48xlarge", gpuCount: 8, vcpus: 192, memoryGiB: 2048, onDemandHourlyUsd: 63.296, spotHourlyUsd: 27.1988 },
      { instanceType: "p5e.48xlarge", gpuCount: 8, vcpus: 192, memoryGiB: 2048, onDemandHourlyUsd: 63.296, spotHourlyUsd: 28.48 },
    ],
    gkeAcceleratorType: "nvidia-h200-141gb",
    gkeMachineFamily: "a3",
    gkeMachineTypes: [
      { machineType: "a3-ultragpu-8g", gpuCount: 8, vcpus: 224, memoryGiB: 2952, onDemandHourlyUsd: 83.492, spotHourlyUsd: 50.0856, provisioning: RESERVED_SPOT_OR_FLEX },
    ],
    awsRegions: [
      "us-east-1", "us-east-2", "us-west-1", "us-west-2", "eu-west-2", "eu-north-1",
      "ap-northeast-1", "ap-northeast-2", "ap-southeast-2", "ap-south-1",
    ],
    gkeZones: [
      "asia-south1-b",
      "europe-west1-b",
      "europe-west4-a",
      "us-central1-b",
      "us-east4-b",
      "us-east5-a",
      "us-south1-b",
      "us-west1-c",
    ],
  });

  /**
   * Where and when the catalog's prices were read: one or more entries per target, each naming
   * the figures it covers. Figures no dated source was found for are listed as estimates.
   */
  public static priceSources(): GpuPriceSource[] {
    return [
      {
        target: "aws",
        source:
          "Karpenter provider for AWS (github.com/aws/karpenter-provider-aws), generated " +
          "us-east-1 On-Demand price table (pkg/providers/pricing/zz_generated.pricing_aws.go): " +
          "every AWS on-demand price except p5e.48xlarge",
        readOn: "2026-07-20",
        region: "us-east-1",
      },
      {
        target: "aws",
        source: "dstack pull request #4110 (github.com/dstackai/dstack), `dstack offer` output: p5en.48xlarge spot",
        readOn: "2026-08-06",
        region: "us-east-1",
      },
      {
        target: "aws",
        source:
          "Estimates kept from the catalog's first version (recorded as read from the Amazon EC2 " +
          "On-Demand and Spot pricing pages), not re-verified: every AWS spot price except " +
          "p5en.48xlarge, and p5e.48xlarge on-demand",
        readOn: "2025-11-01",
        region: "us-east-1",
      },
      {
        target: "gcp",
        source:
          "google-cloud-pricing-cost-calculator pricing.yml (github.com/Cyclenerd), built from the " +
          "Cloud Billing Catalog API: g2, a2-highgpu, a2-megagpu, a2-ultragpu and a3-highgpu " +
          "on-demand and spot, and the n1 machine part of n1 + T4",
        readOn: "2026-07-30",
        region: "us-central1",
      },
      {
        target: "gcp",
        source:
          "Hugging Face dataset tanod/cloud-gpu-list-prices (per-GPU share of the instance price, " +
          "from the Cloud Billing Catalog API): a3-ultragpu-8g on-demand and spot",
        readOn: "2026-10-13",
        region: "us-central1",
      },
      {
        target: "gcp",
        source:
          "Estimates, not from the Cloud Billing Catalog API: a3-megagpu-8g on-demand (about USD 93.40, a " +
          "third-party GPU price comparison table) and spot (USD 53.35, one Capacity Advisor reading quoted " +
          "for us-west1 in a public forum post); re-check before relying on them",
        readOn: "2026-12-04",
        region: "us-central1",
      },
      {
        target: "gcp",
        source:
          "Estimates kept from the catalog's first version (recorded as read from the Compute " +
          "Engine GPU and VM instance pricing pages), not re-verified: the T4 GPU part of " +
          "n1 + T4, on-demand (USD 0.35 per GPU-hour) and spot",
        readOn: "2025-11-01",
        region: "us-central1",
      },
    ];
  }

  /**
   * Where and when the catalog's availability data (`awsRegions`, `gkeZones`) was read. `region`
   * is `multiple`: each entry covers every region of `awsRegionsCovered()` or `gkeRegionsCovered()`.
   */
  public static availabilitySources(): GpuPriceSource[] {
    return [
      {
        target: "aws",
        source:
          "SkyPilot catalog (github.com/skypilot-org/skypilot-catalog) catalogs/v8/aws/vms.csv at " +
          "commit 00148f2af3672e2229b4f7bf8157d5a3f36e3c35, generated by SkyPilot's fetch_aws.py from " +
          "EC2 DescribeInstanceTypes and DescribeInstanceTypeOfferings per availability zone (local " +
          "zones count for their parent region); generation date not recorded in the file: the " +
          "regions listing each catalog instance family, read for every size of g6e, p4d, p4de, p5, " +
          "p5e and p5en and for several sizes of g4dn, g5 and g6 (whose region lists agreed)",
        readOn: "2026-11-28",
        region: "multiple",
      },
      {
        target: "gcp",
        source:
          "SkyPilot catalog (github.com/skypilot-org/skypilot-catalog) catalogs/v8/gcp/vms.csv at " +
          "commit 006059e0f18acb1341e22a27751e9f80df6ba92f, generated by SkyPilot's fetch_gcp.py from " +
          "the Compute Engine accelerator types listed per zone (rows the generator found no Cloud " +
          "Billing price for are left out); generation date not recorded in the file: the zones " +
          "listing nvidia-tesla-t4, nvidia-l4, nvidia-tesla-a100, nvidia-a100-80gb, nvidia-h100-80gb " +
          "and nvidia-h200-141gb",
        readOn: "2026-11-28",
        region: "multiple",
      },
    ];
  }

  /**
   * AWS regions the availability data covers for every catalog GPU. `awsAvailability()` answers
   * UNKNOWN for any other region.
   */
  public static awsRegionsCovered(): string[] {
    return [...AWS_REGIONS_COVERED];
  }

  /**
   * GCP regions the availability data covers for every catalog GPU. `gkeAvailability()` answers
   * UNKNOWN for any other region and its zones (except for GPUs GKE does not offer at all).
   */
  public static gkeRegionsCovered(): string[] {
    return [...GKE_REGIONS_COVERED];
  }

  /** Every GPU in the catalog. */
  public static all(): Gpu[] {
    return [
      Gpu.NVIDIA_T4,
      Gpu.NVIDIA_A10G,
      Gpu.NVIDIA_L4,
      Gpu.NVIDIA_L40S,
      Gpu.NVIDIA_A100_40GB,
      Gpu.NVIDIA_A100_80GB,
      Gpu.NVIDIA_H100_80GB,
      Gpu.NVIDIA_H100_MEGA_80GB,
      Gpu.NVIDIA_H200,
    ];
  }

  /**
   * The catalog GPU whose nodes carry this `nvidia.com/gpu.product` label (its `productLabel`
   * or one of its `otherProductLabels`, exact case), or undefined. The A3 Mega entry shares the
   * H100's label; the label answers `NVIDIA_H100_80GB`.
   */
  public static tryFromProductLabel(label: string): Gpu | undefined {
    return Gpu.all().find((g) => g.productLabels.includes(label));
  }

  /**
   * The catalog GPU whose nodes carry this `nvidia.com/gpu.product` label (see
   * `tryFromProductLabel`). Throws an error naming the label and the known labels when the
   * catalog has none: describe such a GPU with `Gpu.custom`.
   */
  public static fromProductLabel(label: string): Gpu {
    const gpu = Gpu.tryFromProductLabel(label);
    if (!gpu) {
      const known = [...new Set(Gpu.all().flatMap((g) => g.productLabels))];
      throw new Error(
        `Gpu.fromProductLabel: no catalog GPU has the nvidia.com/gpu.product label ${JSON.stringify(label)} (labels are case-sensitive); ` +
          `known labels: ${known.join(", ")}. Describe another GPU with Gpu.custom({...})`,
      );
    }
    return gpu;
  }

  /** The catalog GPU that an AWS instance type carries, or undefined (a CPU or unknown type). */
  public static tryFromAwsInstanceType(instanceType: string): Gpu | undefined {
    return Gpu.all().find((g) => g.awsInstanceTypes.some((t) => t.instanceType === instanceType));
  }

  /**
   * The catalog GPU that an AWS instance type carries. Throws an error naming the type and the
   * catalog's GPU instance families when it carries none the catalog knows.
   */
  public static fromAwsInstanceType(instanceType: string): Gpu {
    const gpu = Gpu.tryFromAwsInstanceType(instanceType);
    if (!gpu) {
      const families = [...new Set(Gpu.all().flatMap((g) => g.awsInstanceTypes.map((t) => t.instanceType.split(".")[0])))];
      throw new Error(
        `Gpu.fromAwsInstanceType: ${JSON.stringify(instanceType)} is not a GPU instance type of the catalog ` +
          `(families ${families.join(", ")}); use tryFromAwsInstanceType to test a type, or Gpu.custom({...}) for another GPU`,
      );
    }
    return gpu;
  }

  /**
   * A GPU that is not in the catalog (a new model, or a private price list).
   * Validation and cost estimates use exactly what you pass.
   */
  public static custom(props: GpuProps): Gpu {
    return new Gpu(props);
  }

  /** Stable identifier, e.g. `nvidia-l4`. */
  public readonly id: string;
  /** Human-readable name. */
  public readonly displayName: string;
  /** Nominal GPU memory per GPU as the vendor rates it (see `GpuProps.memoryGiB`). */
  public readonly memoryGiB: number;
  /** The `nvidia.com/gpu.product` node label value. */
  public readonly productLabel: string;
  /** Every `nvidia.com/gpu.product` value of this GPU: `productLabel` first, then `otherProductLabels`. */
  public readonly productLabels: string[];
  /** AWS instance types that carry this GPU (empty when not offered on AWS). */
  public readonly awsInstanceTypes: AwsGpuInstanceType[];
  /** GKE accelerator type, or undefined when not offered on GKE. */
  public readonly gkeAcceleratorType?: string;
  /** GKE machine family, or undefined when not offered on GKE. */
  public readonly gkeMachineFamily?: string;
  /** GKE machine types that carry this GPU (empty when not offered on GKE). */
  public readonly gkeMachineTypes: GkeGpuMachineType[];
  /**
   * AWS regions where at least one of `awsInstanceTypes` is offered, as far as
   * `availabilitySources()` knows (empty when there is no availability data).
   */
  public readonly awsRegions: string[];
  /**
   * GKE zones that offer `gkeAcceleratorType`, sorted, as far as `availabilitySources()` knows
   * (empty when not offered on GKE or when there is no availability data).
   */
  public readonly gkeZones: string[];

  private readonly hasAwsAvailabilityData: boolean;
  private readonly hasGkeAvailabilityData: boolean;

  private constructor(props: GpuProps) {
    this.id = props.id;
    this.displayName = props.displayName;
    this.memoryGiB = props.memoryGiB;
    this.productLabel = props.productLabel;
    this.productLabels = [props.productLabel, ...(props.otherProductLabels ?? []).filter((l) => l !== props.productLabel)];
    this.awsInstanceTypes = props.awsInstanceTypes ?? [];
    this.gkeAcceleratorType = props.gkeAcceleratorType;
    this.gkeMachineFamily = props.gkeMachineFamily;
    this.gkeMachineTypes = props.gkeMachineTypes ?? [];
    this.awsRegions = [...(props.awsRegions ?? [])];
    this.gkeZones = [...(props.gkeZones ?? [])].sort();
    this.hasAwsAvailabilityData = props.awsRegions !== undefined;
    this.hasGkeAvailabilityData = props.gkeZones !== undefined;
  }

  /** True when the GPU is offered on AWS. */
  public get offeredOnAws(): boolean {
    return this.awsInstanceTypes.length > 0;
  }

  /** True when the GPU is offered on GKE. */
  public get offeredOnGke(): boolean {
    return this.gkeAcceleratorType !== undefined && this.gkeMachineTypes.length > 0;
  }

  /**
   * The GKE machine series that carry this GPU, e.g. `["a3-highgpu"]` for the H100 or
   * `["a2-highgpu", "a2-megagpu"]` for the A100 40GB: the machine type name without its size.
   * Exact, unlike `gkeMachineFamily` (`a3` for H100, H100 Mega and H200 alike).
   */
  public get gkeMachineSeries(): string[] {
    return [...new Set(this.gkeMachineTypes.map((t) => t.machineType.replace(/-\d+[a-z]*$/, "")))];
  }

  /**
   * How capacity of a GKE machine type of this GPU can be obtained, as far as the catalog knows
   * (`GkeGpuMachineType.provisioning`, by default on-demand and Spot); empty when the machine
   * type is not in the catalog.
   */
  public gkeProvisioning(machineType: string): GkeProvisioning[] {
    const entry = this.gkeMachineType(machineType);
    return entry ? [...(entry.provisioning ?? ON_DEMAND_AND_SPOT)] : [];
  }

  /** AWS instance types with exactly `gpusPerNode` GPUs, cheapest first. */
  public awsInstanceTypesWith(gpusPerNode: number): AwsGpuInstanceType[] {
    return this.awsInstanceTypes
      .filter((t) => t.gpuCount === gpusPerNode)
      .sort((a, b) => a.onDemandHourlyUsd - b.onDemandHourlyUsd);
  }

  /** GKE machine types with exactly `gpusPerNode` GPUs, cheapest first. */
  public gkeMachineTypesWith(gpusPerNode: number): GkeGpuMachineType[] {
    return this.gkeMachineTypes
      .filter((t) => t.gpuCount === gpusPerNode)
      .sort((a, b) => a.onDemandHourlyUsd - b.onDemandHourlyUsd);
  }

  /** The catalog entry for an AWS instance type of this GPU, or undefined. */
  public awsInstanceType(instanceType: string): AwsGpuInstanceType | undefined {
    return this.awsInstanceTypes.find((t) => t.instanceType === instanceType);
  }

  /** The catalog entry for a GKE machine type of this GPU, or undefined. */
  public gkeMachineType(machineType: string): GkeGpuMachineType | undefined {
    return this.gkeMachineTypes.find((t) => t.machineType === machineType);
  }

  /**
   * Whether the GPU is offered in an AWS region (e.g. `us-east-1`), as far as the catalog knows.
   *
   * OFFERED when `awsRegions` lists the region; NOT_OFFERED when the GPU has no AWS instance
   * types, or when the region is in `awsRegionsCovered()` and not listed; UNKNOWN for any other
   * region (including unresolved tokens) and when the GPU has no availability data.
   */
  public awsAvailability(region: string): GpuAvailability {
    if (!this.offeredOnAws) {
      return GpuAvailability.NOT_OFFERED;
    }
    if (this.awsRegions.includes(region)) {
      return GpuAvailability.OFFERED;
    }
    if (this.hasAwsAvailabilityData && AWS_REGIONS_COVERED.includes(region)) {
      return GpuAvailability.NOT_OFFERED;
    }
    return GpuAvailability.UNKNOWN;
  }

  /**
   * Whether the GPU is offered in a GKE location, as far as the catalog knows. `location` is a
   * zone (`us-central1-a`) or a region (`us-central1`); a region is OFFERED when any of its
   * zones offers the GPU.
   *
   * NOT_OFFERED everywhere when the GPU is not offered on GKE at all (A10G, L40S); otherwise
   * NOT_OFFERED for a location in `gkeRegionsCovered()` that `gkeZones` does not list, and
   * UNKNOWN for any other location (including unresolved tokens) and when the GPU has no
   * availability data.
   */
  public gkeAvailability(location: string): GpuAvailability {
    if (!this.offeredOnGke) {
      return GpuAvailability.NOT_OFFERED;
    }
    const zoneRegion = gcpRegionOfZone(location);
    let region: string;
    let offered: boolean;
    if (zoneRegion !== undefined) {
      region = zoneRegion;
      offered = this.gkeZones.includes(location);
    } else if (GCP_REGION_PATTERN.test(location)) {
      region = location;
      offered = this.gkeZonesIn(location).length > 0;
    } else {
      return GpuAvailability.UNKNOWN;
    }
    if (offered) {
      return GpuAvailability.OFFERED;
    }
    if (this.hasGkeAvailabilityData && GKE_REGIONS_COVERED.includes(region)) {
      return GpuAvailability.NOT_OFFERED;
    }
    return GpuAvailability.UNKNOWN;
  }

  /**
   * The zones of a GCP region (e.g. `us-central1`) that offer the GPU, sorted, as far as the
   * catalog knows. Empty both when none does and when the catalog does not know: use
   * `gkeAvailability()` to tell the two apart.
   */
  public gkeZonesIn(region: string): string[] {
    return this.gkeZones.filter((zone) => gcpRegionOfZone(zone) === region);
  }
}
