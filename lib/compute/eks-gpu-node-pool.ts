import { Construct } from "constructs";
import { Token } from "cdktf";
import { AutoscalingGroupTagA } from "@cdktf/provider-aws/lib/autoscaling-group-tag";
import { EksNodeGroup } from "@cdktf/provider-aws/lib/eks-node-group";
import { NodePoolInfo } from "../core/cluster";
import { generatedName } from "../core/generated-names";
import { Gpu } from "../core/gpu";
import { invalid, isUnresolved, validateBoolean, validateEnum, validateList } from "../core/validation";
import { MachineShape, tryMachineShape } from "../core/machine-types";
import type { EksCluster } from "./eks-cluster";
import { checkAwsRegionOffers, secureLaunchTemplate } from "./eks-internal";
import { GpuNodePoolOptions } from "./gpu-pool-options";
import { cloudTaintEffect, gpuPoolInfo, resolveGpuPool } from "./gpu-pools-internal";
import { validateAwsInstanceTypeList } from "../core/machine-types";

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
   * Instance types; each must carry `gpusPerNode` of the pool's GPU (per the catalog), and all must have
   * the same vCPUs and memory: the Cluster Autoscaler builds a node group's template from one instance
   * type, so a mix would make it add nodes that do not fit the pending pods.
   * @default inference pools: the cheapest type with `gpusPerNode` GPUs; spot training pools: every type
   * of the smallest shape (fewest vCPUs, then least memory) with `gpusPerNode` GPUs
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
 * `nvidia.com/gpu=present:NoSchedule` and labelled for the scheduling contract (plus
 * `k8s.amazonaws.com/accelerator=<gpu id>`, the label by which the Cluster Autoscaler waits for the GPUs
 * of a new node instead of adding more). As a spot training pool it runs on spot capacity across every
 * instance type of the GPU that has the smallest shape (vCPUs and memory) with `gpusPerNode` GPUs,
 * carries the `workload=training:NoSchedule` taint too, and has min 0.
 *
 * A managed node group changes size only when the Kubernetes Cluster Autoscaler runs in the
 * cluster (EKS tags the group for its discovery): install `ClusterAutoscaler` in the platform stack;
 * without it, the cluster warns at synth about every group whose `minNodes` is below `maxNodes`. A group
 * that may scale from zero also gets the autoscaler's `node-template` label and taint tags on its Auto
 * Scaling group, so the autoscaler knows what a node would look like before the group has ever had one.
 * For GPU capacity that picks among many instance types, use `KarpenterGpuNodePools`.
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
  /** The Cluster Autoscaler's `node-template` tags on the group's Auto Scaling group (when it may scale from zero). */
  public readonly autoscalingGroupTags: AutoscalingGroupTagA[];

  constructor(scope: Construct, id: string, props: EksGpuNodePoolProps) {
    super(scope, id);
    const training = props.spotTraining ?? false;
    if (!(props.gpu instanceof Gpu)) {
      invalid(this, "gpu", props.gpu, "must be a Gpu of the catalog, such as Gpu.NVIDIA_L4 (or Gpu.fromProductLabel(...))");
    }
    validateBoolean(this, "spotTraining", props.spotTraining);
    validateEnum(this, "ami", props.ami, EksGpuAmi, "EksGpuAmi");
    validateList(this, "instanceTypes", props.instanceTypes, '["g6.xlarge"]');
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
    const instanceTypes = props.instanceTypes ?? (training ? smallestShape(candidates) : [candidates[0].instanceType]);
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
    checkOneShape(this, instanceTypes);
    checkAwsRegionOffers(this, cluster, "gpu", gpu);

    const ami = props.ami ?? EksGpuAmi.AL2023_NVIDIA;
    const launchTemplate = secureLaunchTemplate(this, "LaunchTemplate", {
      name: generatedName([cluster.clusterName, pool.name], 128),
      diskSizeGiB: pool.diskSizeGiB,
      kmsKeyArn: cluster.volumesKey.arn,
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
      labels: { ...pool.labels, [ACCELERATOR_LABEL]: gpu.id },
      taint: pool.taints.map((t) => ({ key: t.key, value: t.value, effect: cloudTaintEffect(t.effect) })),
      launchTemplate: { id: launchTemplate.id, version: Token.asString(launchTemplate.latestVersion) },
      lifecycle: { ignoreChanges: ["scaling_config[0].desired_size"] },
      dependsOn: [cluster.systemNodeGroup],
    });
    this.info = gpuPoolInfo(pool, gpu, instanceTypes);
    cluster.registerNodePool(this.info);

    // Scale from zero: the Cluster Autoscaler reads the labels and taints of a group without nodes from
    // `k8s.io/cluster-autoscaler/node-template/...` tags on its Auto Scaling group. It calls
    // eks:DescribeNodegroup instead only for a group that has never had a node (kubernetes/autoscaler,
    // cluster-autoscaler/cloudprovider/aws/README.md, "Auto-Discovery Setup" and "eks:DescribeNodegroup"),
    // so a group that scaled up and back to zero needs the tags. GPU counts come from the instance type.
    this.autoscalingGroupTags = [];
    if (pool.minNodes === 0 && pool.maxNodes > 0) {
      const asgName = this.nodeGroup.resources.get(0).autoscalingGroups.get(0).name;
      const templateTags: [string, string, string][] = [
        ...Object.entries({ ...pool.labels, [ACCELERATOR_LABEL]: gpu.id }).map(
          ([key, value]) => [`Label${key}`, `k8s.io/cluster-autoscaler/node-template/label/${key}`, value] as [string, string, string],
        ),
        ...pool.taints.map(
          (t) => [`Taint${t.key}`, `k8s.io/cluster-autoscaler/node-template/taint/${t.key}`, `${t.value ?? ""}:${t.effect}`] as [string, string, string],
        ),
      ];
      for (const [tagId, key, value] of templateTags) {
        this.autoscalingGroupTags.push(
          new AutoscalingGroupTagA(this, `AsgTag${tagId.replace(/[^A-Za-z0-9]+/g, "-")}`, {
            autoscalingGroupName: asgName,
            tag: { key, value, propagateAtLaunch: false },
          }),
        );
      }
    }
  }
}

/** The node label by which the Cluster Autoscaler (AWS) recognises GPU nodes whose GPUs are not yet advertised. */
const ACCELERATOR_LABEL = "k8s.amazonaws.com/accelerator";

function shapeOf(instanceType: string): MachineShape | undefined {
  return tryMachineShape(instanceType);
}

/** Every candidate of the smallest shape (fewest vCPUs, then least memory), in catalog order. */
function smallestShape(candidates: { instanceType: string }[]): string[] {
  const shaped = candidates.map((c) => ({ type: c.instanceType, shape: shapeOf(c.instanceType)! }));
  const smallest = shaped.reduce((a, b) =>
    b.shape.vcpus < a.shape.vcpus || (b.shape.vcpus === a.shape.vcpus && b.shape.memoryGiB < a.shape.memoryGiB) ? b : a,
  ).shape;
  return shaped.filter((s) => s.shape.vcpus === smallest.vcpus && s.shape.memoryGiB === smallest.memoryGiB).map((s) => s.type);
}

/** All instance types of a pool must have one shape (the Cluster Autoscaler sizes a group from one type). */
function checkOneShape(scope: Construct, instanceTypes: string[]): void {
  if (isUnresolved(instanceTypes)) return;
  const shapes = instanceTypes.map((t) => ({ type: t, shape: shapeOf(t) }));
  const first = shapes[0].shape!;
  const odd = shapes.find((s) => s.shape!.vcpus !== first.vcpus || s.shape!.memoryGiB !== first.memoryGiB);
  if (odd) {
    const described = shapes.map((s) => `${s.type} ${s.shape!.vcpus} vCPU/${s.shape!.memoryGiB} GiB`).join(", ");
    invalid(
      scope,
      "instanceTypes",
      instanceTypes,
      `must all have the same vCPUs and memory (${described}): the Cluster Autoscaler builds a node group's template from one ` +
        `instance type and would add nodes that do not fit; keep one shape per pool (add a pool per shape, or use KarpenterGpuNodePools for a mix)`,
    );
  }
}
