import { Construct } from "constructs";
import { Token } from "cdktf";
import { EksNodeGroup } from "@cdktf/provider-aws/lib/eks-node-group";
import { NodePoolInfo } from "../core/cluster";
import { generatedName } from "../core/generated-names";
import { invalid, isUnresolved, warn } from "../core/validation";
import type { EksCluster } from "./eks-cluster";
import { checkAwsRegionOffers, secureLaunchTemplate } from "./eks-internal";
import { GpuNodePoolOptions } from "./gpu-pool-options";
import { cloudTaintEffect, gpuPoolInfo, resolveGpuPool, validateAwsInstanceTypeList } from "./gpu-pools-internal";

/** The EKS-optimized AMI family of GPU nodes (AL2 is end of life and not offered). */
export enum EksGpuAmi {
  /** Amazon Linux 2023 with the NVIDIA driver and container toolkit. */
  AL2023_NVIDIA = "AL2023_x86_64_NVIDIA",
  /** Bottlerocket with the NVIDIA driver. */
  BOTTLEROCKET_NVIDIA = "BOTTLEROCKET_x86_64_NVIDIA",
}

/** Options of an EKS GPU node pool (`EksCluster.addGpuNodePool` / `addSpotTrainingPool`). */
export interface EksGpuNodePoolOptions extends GpuNodePoolOptions {
  /**
   * Instance types; each must carry `gpusPerNode` of the pool's GPU (per the catalog).
   * @default inference pools: the cheapest type with `gpusPerNode` GPUs; spot training pools: every such type, for spot capacity
   */
  readonly instanceTypes?: string[];
  /**
   * AMI family.
   * @default EksGpuAmi.AL2023_NVIDIA
   */
  readonly ami?: EksGpuAmi;
}

/** Props of `EksGpuNodePool`. */
export interface EksGpuNodePoolProps extends EksGpuNodePoolOptions {
  /** The cluster the pool joins. */
  readonly cluster: EksCluster;
  /**
   * A spot training pool: spot capacity, `workload=training:NoSchedule` taint, min 0 by default.
   * @default false (an on-demand inference pool)
   */
  readonly spotTraining?: boolean;
}

/**
 * An EKS managed node group of GPU nodes on the NVIDIA AMI (AL2023 or Bottlerocket), on a launch
 * template with IMDSv2 (hop limit 1) and volumes encrypted with the cluster's key, tainted
 * `nvidia.com/gpu=present:NoSchedule` and labelled for the scheduling contract. As a spot
 * training pool it runs on spot capacity across every instance type of the GPU, carries the
 * `workload=training:NoSchedule` taint too, and has min 0.
 *
 * A managed node group changes size only when the Kubernetes Cluster Autoscaler runs in the
 * cluster (EKS tags the group for its discovery). Strata does not install it yet: a pool whose
 * `minNodes` is below `maxNodes` gets a synth warning. For elastic GPU capacity on EKS, including
 * spot training that scales from zero, use `KarpenterGpuNodePools`.
 *
 * @example
 * cluster.addGpuNodePool("L4", { gpu: Gpu.NVIDIA_L4, maxNodes: 4 });
 * cluster.addSpotTrainingPool("A100", { gpu: Gpu.NVIDIA_A100_40GB, gpusPerNode: 8, maxGpus: 32 });
 */
export class EksGpuNodePool extends Construct {
  /** The managed node group. */
  public readonly nodeGroup: EksNodeGroup;
  /** What the cluster knows of the pool. */
  public readonly info: NodePoolInfo;

  constructor(scope: Construct, id: string, props: EksGpuNodePoolProps) {
    super(scope, id);
    const training = props.spotTraining ?? false;
    const resolved = resolveGpuPool(this, props, training);
    // Bottlerocket NVIDIA images run their own device plugin: keep the GPU Operator's off those nodes.
    const pool =
      props.ami === EksGpuAmi.BOTTLEROCKET_NVIDIA
        ? { ...resolved, labels: { ...resolved.labels, "nvidia.com/gpu.deploy.device-plugin": "false" } }
        : resolved;
    const gpu = props.gpu;
    const cluster = props.cluster;

    if (!gpu.offeredOnAws) {
      invalid(this, "gpu", gpu.displayName, "is not offered on AWS (no EC2 instance type carries it); choose a GPU with awsInstanceTypes");
    }
    const candidates = gpu.awsInstanceTypesWith(pool.gpusPerNode);
    if (candidates.length === 0) {
      const counts = [...new Set(gpu.awsInstanceTypes.map((t) => t.gpuCount))].sort((a, b) => a - b);
      invalid(this, "gpusPerNode", pool.gpusPerNode, `${gpu.displayName} instances on AWS carry ${counts.join(", ")} GPUs`);
    }
    validateAwsInstanceTypeList(this, "instanceTypes", props.instanceTypes);
    const instanceTypes = props.instanceTypes ?? (training ? candidates.map((t) => t.instanceType) : [candidates[0].instanceType]);
    if (instanceTypes.length === 0) {
      invalid(this, "instanceTypes", instanceTypes, "must list at least one instance type");
    }
    instanceTypes.forEach((type, i) => {
      if (isUnresolved(type)) return;
      const entry = gpu.awsInstanceType(type);
      if (entry === undefined || entry.gpuCount !== pool.gpusPerNode) {
        invalid(
          this,
          `instanceTypes[${i}]`,
          type,
          `does not carry ${pool.gpusPerNode} ${gpu.displayName} GPU(s); the catalog offers ${candidates.map((c) => c.instanceType).join(", ")}`,
        );
      }
    });
    checkAwsRegionOffers(this, cluster, "gpu", gpu);
    if (pool.minNodes < pool.maxNodes) {
      warn(
        this,
        "maxNodes",
        pool.maxNodes,
        `the node group grows beyond minNodes (${pool.minNodes}) only when the Kubernetes Cluster Autoscaler runs in the cluster, ` +
          "which Strata does not install; install it, make the pool fixed-size (minNodes = maxNodes), or use KarpenterGpuNodePools for elastic GPU capacity",
      );
    }

    const ami = props.ami ?? EksGpuAmi.AL2023_NVIDIA;
    const launchTemplate = secureLaunchTemplate(this, "LaunchTemplate", {
      name: generatedName([cluster.clusterName, pool.name], 128),
      diskSizeGiB: pool.diskSizeGiB,
      kmsKeyArn: cluster.kmsKey.arn,
      bottlerocket: ami === EksGpuAmi.BOTTLEROCKET_NVIDIA,
    });
    this.nodeGroup = new EksNodeGroup(this, "Resource", {
      clusterName: cluster.resource.name,
      nodeGroupName: pool.name,
      nodeRoleArn: cluster.nodeRole.arn,
      subnetIds: cluster.subnetIds,
      amiType: ami,
      capacityType: training ? "SPOT" : "ON_DEMAND",
      instanceTypes,
      scalingConfig: { minSize: pool.minNodes, maxSize: pool.maxNodes, desiredSize: pool.minNodes },
      updateConfig: { maxUnavailable: 1 },
      labels: pool.labels,
      taint: pool.taints.map((t) => ({ key: t.key, value: t.value, effect: cloudTaintEffect(t.effect) })),
      launchTemplate: { id: launchTemplate.id, version: Token.asString(launchTemplate.latestVersion) },
      lifecycle: { ignoreChanges: ["scaling_config[0].desired_size"] },
      dependsOn: [cluster.systemNodeGroup],
    });
    this.info = gpuPoolInfo(pool, gpu, instanceTypes);
    cluster.registerNodePool(this.info);
  }
}
