import { Construct } from "constructs";
import { Fn, Op } from "cdktf";
import { ContainerNodePool } from "@cdktf/provider-google/lib/container-node-pool";
import { NodePoolInfo } from "../core/cluster";
import { GKE_NO_DEFAULT_DEVICE_PLUGIN_LABEL, GPU_OPERATOR_OPERANDS_LABEL } from "../core/labels";
import { GpuAvailability } from "../core/gpu";
import { invalid, isUnresolved, validateBoolean, validateEnum, validateList, warn } from "../core/validation";
import type { GkeCluster } from "./gke-cluster";
import { GpuNodePoolOptions } from "./gpu-pool-options";
import { cloudTaintEffect, gpuPoolInfo, resolveGkeMachineType, resolveGpuPool } from "./gpu-pools-internal";

/** Zones GKE gives a regional cluster's nodes when no node locations are set (as `GkeCluster` assumes). */
const REGIONAL_ZONE_COUNT = 3;

/**
 * How many zones the pool's nodes span: its node locations, else the cluster's (three for a
 * regional cluster, one for a zonal one), or 1 when the cluster's location is a token (the
 * initial count then errs high, never low).
 */
function nodeZoneCount(zones: string[] | undefined, cluster: GkeCluster): number {
  if (zones !== undefined) return zones.length;
  if (isUnresolved(cluster.location) || isUnresolved(cluster.region)) return 1;
  return cluster.location === cluster.region ? REGIONAL_ZONE_COUNT : 1;
}

/**
 * The pool's `initial_node_count`, which GKE applies in every zone: the fewest nodes per zone that
 * give at least `minNodes` in all, ceil(minNodes / zones). GKE's cluster autoscaler does not add
 * nodes to reach a pool's minimum (it acts only when Pods are pending), so starting lower would
 * leave an inference pool without its warm nodes; when `minNodes` is not a multiple of the zone
 * count the pool starts up to `zones - 1` nodes above it, and the autoscaler removes them once
 * they are unneeded (scale-down stops at `total_min_node_count`).
 */
function initialNodesPerZone(minNodes: number, zones: number): number {
  if (isUnresolved(minNodes)) return Fn.ceil(Op.div(minNodes, zones));
  return Math.ceil(minNodes / Math.max(zones, 1));
}

/** Which NVIDIA driver GKE installs on GPU nodes (with `GkeGpuDriverMode.GKE_MANAGED`). */
export enum GkeGpuDriverVersion {
  /** The default driver version for the node's GKE version. */
  DEFAULT = "DEFAULT",
  /** The latest driver version available for the node's GKE version. */
  LATEST = "LATEST",
}

/**
 * Who installs the NVIDIA driver on a GKE GPU pool's nodes and who advertises `nvidia.com/gpu`
 * there: exactly one device plugin per node. These are the two paths of NVIDIA's "GPU Operator
 * with Google GKE" guide and of GKE's "Install GPU drivers" page.
 */
export enum GkeGpuDriverMode {
  /**
   * GKE installs the driver (`gpu_driver_version` `DEFAULT` or `LATEST`, see `driverVersion`) and
   * GKE's own device plugin advertises the GPUs. The nodes carry `nvidia.com/gpu.deploy.operands=false`,
   * so a `GpuOperator` on the cluster runs none of its node components (driver, toolkit, device
   * plugin, DCGM exporter, validator) there. Nothing else to install: works on the first deploy.
   * GPU metrics then come from GKE (Cloud Monitoring's DCGM metrics), not the operator's exporter.
   */
  GKE_MANAGED = "GKE_MANAGED",
  /**
   * GKE's driver installation is disabled (`INSTALLATION_DISABLED`) and the nodes carry
   * `gke-no-default-nvidia-gpu-device-plugin=true`, which keeps GKE's device plugin off. Google's
   * driver-installer DaemonSet installs the driver on Container-Optimized OS (the operator cannot)
   * and the NVIDIA GPU Operator's device plugin advertises the GPUs. Needs a `GpuOperator` on the
   * cluster: it also creates that driver-installer DaemonSet. Until both are applied the nodes
   * advertise no GPUs.
   */
  OPERATOR_DEVICE_PLUGIN = "OPERATOR_DEVICE_PLUGIN",
}

/** Options of a GKE GPU node pool (`GkeCluster.addGpuNodePool` / `addSpotTrainingPool`). */
export interface GkeGpuNodePoolOptions extends GpuNodePoolOptions {
  /**
   * Machine type; must belong to the GPU's machine family (`g2` for L4, `a2` for A100, `a3` for
   * H100/H200, `n1` for T4) and carry `gpusPerNode` GPUs per the catalog.
   * @default the cheapest catalog machine type with `gpusPerNode` GPUs
   */
  readonly machineType?: string;
  /**
   * Zones for the pool's nodes; each must offer the GPU.
   * @default the zones of the cluster's region that offer the GPU per the catalog, or the cluster's zones when the catalog does not cover the region
   */
  readonly zones?: string[];
  /**
   * Who installs the driver and advertises the GPUs: GKE (driver and device plugin), or Google's
   * driver installer with the GPU Operator's device plugin. One mode per pool; see `GkeGpuDriverMode`.
   * @default GkeGpuDriverMode.GKE_MANAGED
   */
  readonly driverMode?: GkeGpuDriverMode;
  /**
   * NVIDIA driver installed by GKE. Only with `GkeGpuDriverMode.GKE_MANAGED`.
   * @default GkeGpuDriverVersion.LATEST
   */
  readonly driverVersion?: GkeGpuDriverVersion;
}

/** Props of `GkeGpuNodePool`. */
export interface GkeGpuNodePoolProps extends GkeGpuNodePoolOptions {
  /** The cluster the pool joins. */
  readonly cluster: GkeCluster;
  /**
   * A spot training pool: Spot VMs, `workload=training:NoSchedule` taint, min 0 by default.
   * @default false (an on-demand inference pool)
   */
  readonly spotTraining?: boolean;
}

/**
 * A GKE node pool of GPU nodes: the accelerator attached with GKE-installed drivers, the
 * machine family that carries it, the cluster's least-privilege node service account, GKE
 * metadata server, shielded nodes with secure boot, boot disks encrypted with the cluster's key,
 * autoscaling limits (totals over the pool's zones) and zones that offer the GPU. The pool starts
 * with ceil(minNodes / zones) nodes per zone, as GKE creates the initial count in every zone and its
 * autoscaler does not scale up to the minimum on its own; any surplus is scaled down once idle.
 * GKE taints GPU nodes `nvidia.com/gpu=present:NoSchedule` itself; a spot training pool adds
 * `workload=training:NoSchedule`, runs on Spot VMs and scales to zero.
 *
 * @example
 * cluster.addGpuNodePool("L4", { gpu: Gpu.NVIDIA_L4, maxNodes: 4 });
 * cluster.addSpotTrainingPool("H100", { gpu: Gpu.NVIDIA_H100_80GB, gpusPerNode: 8, maxGpus: 16 });
 */
export class GkeGpuNodePool extends Construct {
  /** The node pool. */
  public readonly nodePool: ContainerNodePool;
  /** What the cluster knows of the pool. */
  public readonly info: NodePoolInfo;
  /** Who installs the driver and advertises the GPUs on the pool's nodes. */
  public readonly driverMode: GkeGpuDriverMode;

  constructor(scope: Construct, id: string, props: GkeGpuNodePoolProps) {
    super(scope, id);
    const training = props.spotTraining ?? false;
    const driverMode = props.driverMode ?? GkeGpuDriverMode.GKE_MANAGED;
    // Removed in favour of driverMode; JavaScript callers may still pass it.
    const legacy = (props as { gpuOperatorDevicePlugin?: unknown }).gpuOperatorDevicePlugin;
    if (legacy !== undefined) {
      invalid(
        this,
        "gpuOperatorDevicePlugin",
        legacy,
        "was replaced by driverMode: use GkeGpuDriverMode.OPERATOR_DEVICE_PLUGIN (the GPU Operator's device plugin, Google's driver installer) or GkeGpuDriverMode.GKE_MANAGED (GKE's driver and device plugin)",
      );
    }
    validateBoolean(this, "spotTraining", props.spotTraining);
    validateEnum(this, "driverMode", driverMode, GkeGpuDriverMode, "GkeGpuDriverMode");
    validateEnum(this, "driverVersion", props.driverVersion, GkeGpuDriverVersion, "GkeGpuDriverVersion");
    if (driverMode === GkeGpuDriverMode.OPERATOR_DEVICE_PLUGIN && props.driverVersion !== undefined) {
      invalid(
        this,
        "driverVersion",
        props.driverVersion,
        "applies only to driverMode GkeGpuDriverMode.GKE_MANAGED; with OPERATOR_DEVICE_PLUGIN GKE's driver installation is disabled and Google's driver installer picks the driver",
      );
    }
    const resolved = resolveGpuPool(this, props, training);
    // Exactly one advertiser of nvidia.com/gpu per node: GKE's device plugin, or the operator's.
    const modeLabels: { [key: string]: string } =
      driverMode === GkeGpuDriverMode.OPERATOR_DEVICE_PLUGIN
        ? { [GKE_NO_DEFAULT_DEVICE_PLUGIN_LABEL]: "true" }
        : { [GPU_OPERATOR_OPERANDS_LABEL]: "false" };
    const pool = { ...resolved, labels: { ...resolved.labels, ...modeLabels } };
    const gpu = props.gpu;
    const cluster = props.cluster;

    if (pool.name.length > 40) {
      invalid(this, "name", pool.name, "must be at most 40 characters (GKE node pool names)");
    }
    if (!gpu.offeredOnGke || gpu.gkeAcceleratorType === undefined) {
      invalid(this, "gpu", gpu.displayName, "is not offered on GKE; choose one of the catalog GPUs with a gkeAcceleratorType");
    }
    const machineType = resolveGkeMachineType(this, gpu, pool.gpusPerNode, props.machineType, pool.capacityType);
    const zones = this.resolveZones(props, cluster);
    const initialNodeCount = initialNodesPerZone(pool.minNodes, nodeZoneCount(zones, cluster));

    const isA3 = !isUnresolved(machineType) && machineType.startsWith("a3-");
    const extraTaints = pool.taints.filter((t) => t.key !== "nvidia.com/gpu"); // GKE adds the GPU taint itself
    this.nodePool = new ContainerNodePool(this, "Resource", {
      name: pool.name,
      project: cluster.project,
      location: cluster.location,
      cluster: cluster.resource.id,
      nodeLocations: zones,
      // Per zone. The autoscaler never grows a pool to its minimum on its own, only for pending Pods.
      initialNodeCount,
      autoscaling: {
        totalMinNodeCount: pool.minNodes,
        totalMaxNodeCount: pool.maxNodes,
        locationPolicy: training ? "ANY" : "BALANCED",
      },
      management: { autoRepair: true, autoUpgrade: true },
      upgradeSettings: { strategy: "SURGE", maxSurge: 1, maxUnavailable: 0 },
      nodeConfig: {
        ...cluster.secureNodeConfig(),
        machineType,
        // A3 Ultra (H200) machines boot from Hyperdisk only; the others take SSD persistent disks.
        diskType: !isUnresolved(machineType) && machineType.startsWith("a3-ultragpu") ? "hyperdisk-balanced" : "pd-ssd",
        diskSizeGb: pool.diskSizeGiB,
        labels: pool.labels,
        spot: training ? true : undefined,
        guestAccelerator: [
          {
            type: gpu.gkeAcceleratorType,
            count: pool.gpusPerNode,
            gpuDriverInstallationConfig: {
              gpuDriverVersion:
                driverMode === GkeGpuDriverMode.OPERATOR_DEVICE_PLUGIN ? "INSTALLATION_DISABLED" : (props.driverVersion ?? GkeGpuDriverVersion.LATEST),
            },
          },
        ],
        gvnic: isA3 ? { enabled: true } : undefined,
        taint: extraTaints.map((t) => ({ key: t.key, value: t.value ?? "", effect: cloudTaintEffect(t.effect) })),
      },
      lifecycle: { ignoreChanges: ["initial_node_count"] },
    });
    this.driverMode = driverMode;
    this.info = gpuPoolInfo(pool, gpu, [machineType]);
    cluster.registerNodePool(this.info);
  }

  private resolveZones(props: GkeGpuNodePoolProps, cluster: GkeCluster): string[] | undefined {
    const gpu = props.gpu;
    if (props.zones !== undefined) {
      validateList(this, "zones", props.zones, `["${cluster.region}-a"]`);
      if (props.zones.length === 0) invalid(this, "zones", props.zones, "must list at least one zone, or be omitted");
      props.zones.forEach((zone, i) => {
        if (isUnresolved(zone)) return;
        if (!zone.startsWith(`${cluster.region}-`) && !isUnresolved(cluster.region)) {
          invalid(this, `zones[${i}]`, zone, `must be a zone of the cluster's region ${cluster.region}`);
        }
        const answer = gpu.gkeAvailability(zone);
        if (answer === GpuAvailability.NOT_OFFERED) {
          const offered = gpu.gkeZonesIn(cluster.region);
          invalid(this, `zones[${i}]`, zone, `does not offer ${gpu.displayName} (per the GPU catalog); zones that do: ${offered.join(", ") || "none in this region"}`);
        }
        if (answer === GpuAvailability.UNKNOWN) {
          warn(this, `zones[${i}]`, zone, `the GPU catalog has no data for this zone; check that ${gpu.gkeAcceleratorType} is offered there`);
        }
      });
      return props.zones;
    }
    if (isUnresolved(cluster.region)) return undefined;
    const answer = gpu.gkeAvailability(cluster.region);
    if (answer === GpuAvailability.NOT_OFFERED) {
      invalid(this, "gpu", gpu.displayName, `is not offered in GKE region ${cluster.region} (per the GPU catalog); choose another GPU or region`);
    }
    if (answer === GpuAvailability.UNKNOWN) {
      warn(this, "gpu", gpu.displayName, `the GPU catalog has no data for GKE region ${cluster.region}; set zones that offer ${gpu.gkeAcceleratorType}`);
      return undefined;
    }
    const zones = gpu.gkeZonesIn(cluster.region);
    // A zonal cluster's pool stays in the cluster's zone.
    if (cluster.location !== cluster.region) {
      if (!zones.includes(cluster.location)) {
        invalid(this, "gpu", gpu.displayName, `is not offered in zone ${cluster.location} (per the GPU catalog); zones of ${cluster.region} that offer it: ${zones.join(", ")}`);
      }
      return undefined;
    }
    return zones;
  }
}
