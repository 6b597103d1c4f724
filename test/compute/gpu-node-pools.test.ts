import { App, Fn, GcsBackend, TerraformStack, TerraformVariable, Testing, Token } from "cdktf";
import { EksNodeGroup } from "@cdktf/provider-aws/lib/eks-node-group";
import { ContainerNodePool } from "@cdktf/provider-google/lib/container-node-pool";
import { GoogleProvider } from "@cdktf/provider-google/lib/provider";
import { CapacityType, NodePoolPurpose } from "../../lib/core/cluster";
import { Gpu } from "../../lib/core/gpu";
import { Scheduling } from "../../lib/core/scheduling";
import { EksCluster } from "../../lib/compute/eks-cluster";
import { EksGpuAmi } from "../../lib/compute/eks-gpu-node-pool";
import { GkeCluster } from "../../lib/compute/gke-cluster";
import { GkeGpuDriverMode, GkeGpuDriverVersion } from "../../lib/compute/gke-gpu-node-pool";
import { annotations, awsStack, resourcesOfType, synthJson } from "../support/synth";

const eks = (stack: TerraformStack = awsStack()) => new EksCluster(stack, "Cluster", { clusterName: "ml", subnetIds: ["subnet-a", "subnet-b"] });

function gcpStack(app: App = Testing.app(), region = "us-central1"): TerraformStack {
  const stack = new TerraformStack(app, "infra");
  new GcsBackend(stack, { bucket: "state", prefix: "infra" });
  new GoogleProvider(stack, "google", { project: "acme-ml-prod", region });
  return stack;
}
const gke = (stack: TerraformStack = gcpStack(), location = "us-central1") =>
  new GkeCluster(stack, "Cluster", { clusterName: "ml", project: "acme-ml-prod", location });

/** The non-system node groups of a stack. */
const nodeGroups = (stack: TerraformStack) =>
  (Object.values(resourcesOfType(synthJson(stack), "aws_eks_node_group")) as any[]).filter((g) => g.node_group_name !== "system");
const nodePools = (stack: TerraformStack) => Object.values(resourcesOfType(synthJson(stack), "google_container_node_pool")) as any[];

describe("EKS GPU node pools", () => {
  test("an inference pool: AL2023 NVIDIA, cheapest instance type, GPU taint, labels, warm node", () => {
    const stack = awsStack();
    const cluster = eks(stack);
    const pool = cluster.addGpuNodePool("L4", { gpu: Gpu.NVIDIA_L4, maxNodes: 4 });
    const synth = Testing.synth(stack);
    expect(synth).toHaveResourceWithProperties(EksNodeGroup, {
      node_group_name: "nvidia-l4-inference",
      ami_type: "AL2023_x86_64_NVIDIA",
      capacity_type: "ON_DEMAND",
      instance_types: ["g6.xlarge"],
      scaling_config: { min_size: 1, max_size: 4, desired_size: 1 },
      taint: [{ key: "nvidia.com/gpu", value: "present", effect: "NO_SCHEDULE" }],
      labels: {
        "strata.io/pool": "nvidia-l4-inference",
        "strata.io/purpose": "inference",
        "strata.io/capacity-type": "on-demand",
        "strata.io/gpu": "nvidia-l4",
        "k8s.amazonaws.com/accelerator": "nvidia-l4",
      },
    });
    // min 1: the autoscaler always has a node to model the group on; no node-template tags.
    expect(resourcesOfType(JSON.parse(synth), "aws_autoscaling_group_tag")).toEqual({});
    const lt = Object.values(resourcesOfType(JSON.parse(synth), "aws_launch_template")).find((t: any) => t.name === "ml-nvidia-l4-inference") as any;
    expect(lt.metadata_options).toEqual({ http_endpoint: "enabled", http_tokens: "required", http_put_response_hop_limit: 1, instance_metadata_tags: "disabled" });
    expect(lt.block_device_mappings[0].ebs).toMatchObject({ encrypted: "true", volume_size: 200, volume_type: "gp3" });
    expect(pool.info).toMatchObject({ purpose: NodePoolPurpose.INFERENCE, capacityType: CapacityType.ON_DEMAND, gpusPerNode: 1, minNodes: 1, maxNodes: 4 });
    expect(cluster.nodePools.map((p) => p.name)).toEqual(["system", "nvidia-l4-inference"]);
  });

  test("a spot training pool: spot, the smallest shape of the GPU, training taint, scale to zero", () => {
    const stack = awsStack();
    const cluster = eks(stack);
    cluster.addSpotTrainingPool("A10G", { gpu: Gpu.NVIDIA_A10G, maxGpus: 8 });
    const [group] = nodeGroups(stack);
    expect(group).toMatchObject({
      node_group_name: "nvidia-a10g-spot-training",
      capacity_type: "SPOT",
      scaling_config: { min_size: 0, max_size: 8, desired_size: 0 },
      taint: [
        { key: "nvidia.com/gpu", value: "present", effect: "NO_SCHEDULE" },
        { key: "workload", value: "training", effect: "NO_SCHEDULE" },
      ],
    });
    // One shape (4 vCPU / 16 GiB per A10G), as the Cluster Autoscaler requires; not every 1-GPU size.
    expect(group.instance_types).toEqual(["g5.xlarge"]);
    const pool = cluster.nodePools[1];
    expect(Scheduling.tolerationsFor(pool)).toEqual([
      { key: "nvidia.com/gpu", operator: "Equal", value: "present", effect: "NoSchedule" },
      { key: "workload", operator: "Equal", value: "training", effect: "NoSchedule" },
    ]);
    expect(Scheduling.servingPools(cluster, true, false)).toEqual([]);
  });

  test("8-GPU nodes sized in GPUs, Bottlerocket with two encrypted volumes and the operator's device plugin off", () => {
    const stack = awsStack();
    eks(stack).addSpotTrainingPool("A100", { gpu: Gpu.NVIDIA_A100_40GB, gpusPerNode: 8, maxGpus: 16, ami: EksGpuAmi.BOTTLEROCKET_NVIDIA });
    const [group] = nodeGroups(stack);
    expect(group).toMatchObject({ instance_types: ["p4d.24xlarge"], ami_type: "BOTTLEROCKET_x86_64_NVIDIA", scaling_config: { max_size: 2 } });
    // Bottlerocket's NVIDIA image runs its own device plugin.
    expect(group.labels["nvidia.com/gpu.deploy.device-plugin"]).toBe("false");
    const lt = Object.values(resourcesOfType(synthJson(stack), "aws_launch_template")).find((t: any) => t.name === "ml-nvidia-a100-40gb-spot-training") as any;
    expect(lt.block_device_mappings.map((b: any) => [b.device_name, b.ebs.encrypted])).toEqual([["/dev/xvda", "true"], ["/dev/xvdb", "true"]]);
  });

  test("explicit instance types and scale-to-zero inference", () => {
    const stack = awsStack();
    eks(stack).addGpuNodePool("L4", { gpu: Gpu.NVIDIA_L4, name: "l4-serving", instanceTypes: ["g6.2xlarge"], minNodes: 0, maxNodes: 2 });
    expect(nodeGroups(stack)[0]).toMatchObject({ node_group_name: "l4-serving", instance_types: ["g6.2xlarge"], scaling_config: { min_size: 0 } });
  });

  test("spot pools of several instance types list one shape: H200 on p5en and p5e (both 192 vCPU / 2048 GiB)", () => {
    const stack = awsStack();
    eks(stack).addSpotTrainingPool("H200", { gpu: Gpu.NVIDIA_H200, gpusPerNode: 8, maxGpus: 16 });
    expect(nodeGroups(stack)[0].instance_types).toEqual(["p5en.48xlarge", "p5e.48xlarge"]);
  });

  test("a group that may scale from zero carries the autoscaler's node-template label and taint tags on its ASG", () => {
    const stack = awsStack();
    eks(stack).addSpotTrainingPool("A10G", { gpu: Gpu.NVIDIA_A10G, maxGpus: 8 });
    const tags = Object.values(resourcesOfType(synthJson(stack), "aws_autoscaling_group_tag")) as any[];
    const byKey = Object.fromEntries(tags.map((t) => [t.tag.key, t.tag.value]));
    expect(byKey).toEqual({
      "k8s.io/cluster-autoscaler/node-template/label/strata.io/pool": "nvidia-a10g-spot-training",
      "k8s.io/cluster-autoscaler/node-template/label/strata.io/purpose": "training",
      "k8s.io/cluster-autoscaler/node-template/label/strata.io/capacity-type": "spot",
      "k8s.io/cluster-autoscaler/node-template/label/strata.io/gpu": "nvidia-a10g",
      "k8s.io/cluster-autoscaler/node-template/label/k8s.amazonaws.com/accelerator": "nvidia-a10g",
      "k8s.io/cluster-autoscaler/node-template/taint/nvidia.com/gpu": "present:NoSchedule",
      "k8s.io/cluster-autoscaler/node-template/taint/workload": "training:NoSchedule",
    });
    for (const t of tags) {
      expect(t.autoscaling_group_name).toMatch(/^\$\{aws_eks_node_group\..*\.resources\[0\]\.autoscaling_groups\[0\]\.name\}$/);
      expect(t.tag.propagate_at_launch).toBe(false);
    }
  });

  describe("rejects bad input", () => {
    test("GPU not offered on AWS", () => {
      const gpu = Gpu.custom({ id: "acme-x1", displayName: "Acme X1", memoryGiB: 32, productLabel: "Acme-X1" });
      expect(() => eks().addGpuNodePool("X1", { gpu, maxNodes: 1 })).toThrow(
        'infra/Cluster/X1: invalid gpu "Acme X1": is not offered on AWS (no EC2 instance type carries it)',
      );
    });
    test("a GPU count no instance type has", () => {
      expect(() => eks().addGpuNodePool("L4", { gpu: Gpu.NVIDIA_L4, gpusPerNode: 2, maxNodes: 1 })).toThrow(
        "infra/Cluster/L4: invalid gpusPerNode 2: NVIDIA L4 instances on AWS carry 1, 4, 8 GPUs",
      );
    });
    test("instance types of different shapes (vCPU and memory)", () => {
      expect(() => eks().addGpuNodePool("L4", { gpu: Gpu.NVIDIA_L4, instanceTypes: ["g6.2xlarge", "g6.4xlarge"], maxNodes: 2 })).toThrow(
        'infra/Cluster/L4: invalid instanceTypes ["g6.2xlarge","g6.4xlarge"]: must all have the same vCPUs and memory (g6.2xlarge 8 vCPU/32 GiB, g6.4xlarge 16 vCPU/64 GiB): ' +
          "the Cluster Autoscaler builds a node group's template from one instance type",
      );
      expect(() => eks().addSpotTrainingPool("L4", { gpu: Gpu.NVIDIA_L4, instanceTypes: ["g6.xlarge", "g6.16xlarge"], maxNodes: 2 })).toThrow(
        "invalid instanceTypes",
      );
    });
    test("untyped callers: a string for a list, a string for a Gpu, an AMI in the wrong case", () => {
      expect(() => eks().addGpuNodePool("L4", { gpu: Gpu.NVIDIA_L4, instanceTypes: "g6.xlarge" as any, maxNodes: 1 })).toThrow(
        'infra/Cluster/L4: invalid instanceTypes "g6.xlarge": must be a list such as ["g6.xlarge"], not a string',
      );
      expect(() => eks().addGpuNodePool("L4", { gpu: "nvidia-l4" as any, maxNodes: 1 })).toThrow(
        'infra/Cluster/L4: invalid gpu "nvidia-l4": must be a Gpu of the catalog, such as Gpu.NVIDIA_L4',
      );
      expect(() => eks().addGpuNodePool("L4", { gpu: Gpu.NVIDIA_L4, ami: "al2023_x86_64_nvidia" as any, maxNodes: 1 })).toThrow(
        'infra/Cluster/L4: invalid ami "al2023_x86_64_nvidia": must be one of EksGpuAmi.AL2023_NVIDIA ("AL2023_x86_64_NVIDIA"), EksGpuAmi.BOTTLEROCKET_NVIDIA ("BOTTLEROCKET_x86_64_NVIDIA") (values are case-sensitive)',
      );
    });
    test("an instance type without the GPU", () => {
      expect(() => eks().addGpuNodePool("L4", { gpu: Gpu.NVIDIA_L4, instanceTypes: ["g5.xlarge"], maxNodes: 1 })).toThrow(
        'infra/Cluster/L4: invalid instanceTypes[0] "g5.xlarge": does not carry 1 NVIDIA L4 GPU(s); the catalog offers g6.xlarge,',
      );
      expect(() => eks().addGpuNodePool("L4", { gpu: Gpu.NVIDIA_L4, instanceTypes: [], maxNodes: 1 })).toThrow(
        "invalid instanceTypes []: must list at least one instance type",
      );
    });
    test("sizes: no max, both maxes, zero max, min > max, maxGpus below one node", () => {
      const cluster = eks();
      expect(() => cluster.addGpuNodePool("A", { gpu: Gpu.NVIDIA_L4 })).toThrow(
        "infra/Cluster/A: invalid maxNodes undefined: give maxNodes or maxGpus: a pool needs an upper bound (at least 1 node)",
      );
      expect(() => cluster.addGpuNodePool("B", { gpu: Gpu.NVIDIA_L4, maxNodes: 2, maxGpus: 2 })).toThrow(
        "infra/Cluster/B: invalid maxGpus 2: give either maxNodes (2) or maxGpus, not both",
      );
      expect(() => cluster.addGpuNodePool("C", { gpu: Gpu.NVIDIA_L4, maxNodes: 0 })).toThrow("infra/Cluster/C: invalid maxNodes 0: must be an integer >= 1");
      expect(() => cluster.addGpuNodePool("D", { gpu: Gpu.NVIDIA_L4, minNodes: 3, maxNodes: 2 })).toThrow(
        "infra/Cluster/D: invalid minNodes 3: must be less than or equal to maxNodes (2)",
      );
      expect(() => cluster.addSpotTrainingPool("E", { gpu: Gpu.NVIDIA_A100_40GB, gpusPerNode: 8, maxGpus: 4 })).toThrow(
        "infra/Cluster/E: invalid maxGpus 4: must be at least gpusPerNode (8)",
      );
      expect(() => cluster.addSpotTrainingPool("F", { gpu: Gpu.NVIDIA_A100_40GB, gpusPerNode: 8, maxGpus: 20 })).toThrow(
        "infra/Cluster/F: invalid maxGpus 20: must be a multiple of gpusPerNode (8): nodes come whole; use 16 or 24",
      );
      expect(() => cluster.addSpotTrainingPool("G", { gpu: Gpu.NVIDIA_L4, maxGpus: Token.asNumber(Fn.abs(4)) })).toThrow(
        'infra/Cluster/G: invalid maxGpus "<token>": must be a literal number',
      );
    });
    test("duplicate pool names", () => {
      const cluster = eks();
      cluster.addGpuNodePool("First", { gpu: Gpu.NVIDIA_L4, maxNodes: 1 });
      expect(() => cluster.addGpuNodePool("Second", { gpu: Gpu.NVIDIA_L4, maxNodes: 1 })).toThrow(
        'infra/Cluster: invalid node pool name "nvidia-l4-inference": must be unique in the cluster',
      );
    });
  });
});

describe("GKE GPU node pools", () => {
  test("an inference pool: g2 machine, accelerator with GKE-installed driver, secure nodes", () => {
    const stack = gcpStack();
    const cluster = gke(stack);
    cluster.addGpuNodePool("L4", { gpu: Gpu.NVIDIA_L4, maxNodes: 3 });
    const pool = nodePools(stack).find((p) => p.name === "nvidia-l4-inference");
    expect(pool.node_config).toMatchObject({
      machine_type: "g2-standard-4",
      guest_accelerator: [{ type: "nvidia-l4", count: 1, gpu_driver_installation_config: { gpu_driver_version: "LATEST" } }],
      workload_metadata_config: { mode: "GKE_METADATA" },
      shielded_instance_config: { enable_secure_boot: true, enable_integrity_monitoring: true },
      labels: { "strata.io/pool": "nvidia-l4-inference", "strata.io/capacity-type": "on-demand", "strata.io/gpu": "nvidia-l4" },
      taint: [],
    });
    expect(pool.node_config.spot).toBeUndefined();
    expect(pool.node_config.service_account).toContain("google_service_account.");
    expect(pool.node_config.boot_disk_kms_key).toContain("google_kms_crypto_key.");
    expect(pool.autoscaling).toEqual({ total_min_node_count: 1, total_max_node_count: 3, location_policy: "BALANCED" });
    expect(cluster.nodePools[1].taints).toEqual([Scheduling.gpuTaint()]);
  });

  test("a spot training pool: Spot VMs, training taint, min 0, a3 with gVNIC", () => {
    const stack = gcpStack();
    gke(stack).addSpotTrainingPool("H100", { gpu: Gpu.NVIDIA_H100_80GB, gpusPerNode: 8, maxGpus: 16, driverVersion: GkeGpuDriverVersion.DEFAULT });
    const pool = nodePools(stack).find((p) => p.name === "nvidia-h100-80gb-spot-training");
    expect(pool.node_config).toMatchObject({
      machine_type: "a3-highgpu-8g",
      spot: true,
      gvnic: { enabled: true },
      guest_accelerator: [{ type: "nvidia-h100-80gb", count: 8, gpu_driver_installation_config: { gpu_driver_version: "DEFAULT" } }],
      taint: [{ key: "workload", value: "training", effect: "NO_SCHEDULE" }],
    });
    expect(pool.autoscaling).toEqual({ total_min_node_count: 0, total_max_node_count: 2, location_policy: "ANY" });
  });

  describe("driver mode: exactly one nvidia.com/gpu advertiser per node", () => {
    /** Who advertises nvidia.com/gpu on a node with these labels. */
    const advertisers = (labels: { [key: string]: string }) => [
      ...(labels["gke-no-default-nvidia-gpu-device-plugin"] === "true" ? [] : ["gke-device-plugin"]),
      ...(labels["nvidia.com/gpu.deploy.operands"] === "false" ? [] : ["gpu-operator-device-plugin"]),
    ];

    test("GKE_MANAGED (the default): GKE installs the driver and advertises; the operator's components stay off the nodes", () => {
      const stack = gcpStack();
      const cluster = gke(stack);
      const l4 = cluster.addGpuNodePool("L4", { gpu: Gpu.NVIDIA_L4, maxNodes: 1 });
      const pool = nodePools(stack).find((p) => p.name === "nvidia-l4-inference");
      expect(l4.driverMode).toBe(GkeGpuDriverMode.GKE_MANAGED);
      expect(pool.node_config.guest_accelerator[0].gpu_driver_installation_config).toEqual({ gpu_driver_version: "LATEST" });
      expect(pool.node_config.labels["nvidia.com/gpu.deploy.operands"]).toBe("false");
      expect(pool.node_config.labels["gke-no-default-nvidia-gpu-device-plugin"]).toBeUndefined();
      expect(advertisers(pool.node_config.labels)).toEqual(["gke-device-plugin"]);
      expect(cluster.nodePools[1].labels["nvidia.com/gpu.deploy.operands"]).toBe("false");
    });

    test("OPERATOR_DEVICE_PLUGIN: GKE's driver installation disabled, GKE's device plugin off, the operator advertises", () => {
      const stack = gcpStack();
      const cluster = gke(stack);
      cluster.addSpotTrainingPool("H100", { gpu: Gpu.NVIDIA_H100_80GB, gpusPerNode: 8, maxGpus: 16, driverMode: GkeGpuDriverMode.OPERATOR_DEVICE_PLUGIN });
      const pool = nodePools(stack).find((p) => p.name === "nvidia-h100-80gb-spot-training");
      expect(pool.node_config.guest_accelerator[0].gpu_driver_installation_config).toEqual({ gpu_driver_version: "INSTALLATION_DISABLED" });
      expect(pool.node_config.labels["gke-no-default-nvidia-gpu-device-plugin"]).toBe("true");
      expect(pool.node_config.labels["nvidia.com/gpu.deploy.operands"]).toBeUndefined();
      expect(advertisers(pool.node_config.labels)).toEqual(["gpu-operator-device-plugin"]);
      expect(cluster.nodePools[1].labels["gke-no-default-nvidia-gpu-device-plugin"]).toBe("true");
    });

    test("no mode gives a node two advertisers, or none", () => {
      for (const driverMode of Object.values(GkeGpuDriverMode)) {
        const stack = gcpStack();
        gke(stack).addGpuNodePool("L4", { gpu: Gpu.NVIDIA_L4, maxNodes: 1, driverMode });
        const gpuPools = nodePools(stack).filter((p) => p.node_config.guest_accelerator);
        expect(gpuPools).toHaveLength(1);
        expect(advertisers(gpuPools[0].node_config.labels)).toHaveLength(1);
      }
    });

    test("rejects a driver version with OPERATOR_DEVICE_PLUGIN, wrong-case enum values and the removed gpuOperatorDevicePlugin", () => {
      const add = (options: object) => gke(gcpStack()).addGpuNodePool("L4", { gpu: Gpu.NVIDIA_L4, maxNodes: 1, ...options });
      expect(() => add({ driverMode: GkeGpuDriverMode.OPERATOR_DEVICE_PLUGIN, driverVersion: GkeGpuDriverVersion.LATEST })).toThrow(
        'infra/Cluster/L4: invalid driverVersion "LATEST": applies only to driverMode GkeGpuDriverMode.GKE_MANAGED; with OPERATOR_DEVICE_PLUGIN',
      );
      expect(() => add({ driverMode: "operator_device_plugin" })).toThrow(
        'infra/Cluster/L4: invalid driverMode "operator_device_plugin": must be one of GkeGpuDriverMode.GKE_MANAGED ("GKE_MANAGED"), GkeGpuDriverMode.OPERATOR_DEVICE_PLUGIN ("OPERATOR_DEVICE_PLUGIN") (values are case-sensitive)',
      );
      expect(() => add({ driverVersion: "latest" })).toThrow('infra/Cluster/L4: invalid driverVersion "latest": must be one of GkeGpuDriverVersion.DEFAULT ("DEFAULT"), GkeGpuDriverVersion.LATEST ("LATEST") (values are case-sensitive)');
      expect(() => add({ gpuOperatorDevicePlugin: true })).toThrow(
        "infra/Cluster/L4: invalid gpuOperatorDevicePlugin true: was replaced by driverMode: use GkeGpuDriverMode.OPERATOR_DEVICE_PLUGIN",
      );
    });
  });

  describe("initial_node_count is per zone: the fewest per zone that reach minNodes in all", () => {
    const initial = (options: { minNodes: number; zones?: string[] }, location = "us-central1") => {
      const stack = gcpStack();
      gke(stack, location).addGpuNodePool("L4", { gpu: Gpu.NVIDIA_L4, maxNodes: 12, ...options });
      const pool = nodePools(stack).find((p) => p.name === "nvidia-l4-inference");
      return { perZone: pool.initial_node_count, zones: pool.node_locations?.length, autoscaling: pool.autoscaling, lifecycle: pool.lifecycle };
    };

    test("a regional pool over three zones with one warm node starts one per zone (the autoscaler removes the surplus), not fewer", () => {
      expect(initial({ minNodes: 1 })).toEqual({
        perZone: 1,
        zones: 3,
        autoscaling: { total_min_node_count: 1, total_max_node_count: 12, location_policy: "BALANCED" },
        lifecycle: { ignore_changes: ["initial_node_count"] },
      });
    });

    test("minNodes above the zone count: ceil(minNodes / zones) per zone", () => {
      expect(initial({ minNodes: 6 })).toMatchObject({ perZone: 2, zones: 3 }); // exactly 6
      expect(initial({ minNodes: 4 })).toMatchObject({ perZone: 2, zones: 3 }); // 6, two above the minimum
      expect(initial({ minNodes: 3, zones: ["us-central1-a", "us-central1-b"] })).toMatchObject({ perZone: 2, zones: 2 });
    });

    test("a zonal cluster's pool starts with minNodes; a pool with minNodes 0 starts empty", () => {
      expect(initial({ minNodes: 3 }, "us-central1-a")).toMatchObject({ perZone: 3, zones: undefined });
      expect(initial({ minNodes: 0 })).toMatchObject({ perZone: 0 });
    });

    test("a minNodes token gives the same division in Terraform", () => {
      const stack = gcpStack();
      const min = new TerraformVariable(stack, "min", { type: "number" });
      gke(stack).addGpuNodePool("L4", { gpu: Gpu.NVIDIA_L4, maxNodes: 6, minNodes: min.numberValue });
      expect(nodePools(stack).find((p) => p.name === "nvidia-l4-inference").initial_node_count).toBe("${ceil((var.min / 3))}");
    });

    test("a spot training pool scales from zero", () => {
      const stack = gcpStack();
      gke(stack).addSpotTrainingPool("L4", { gpu: Gpu.NVIDIA_L4, maxNodes: 4 });
      expect(nodePools(stack).find((p) => p.name === "nvidia-l4-spot-training").initial_node_count).toBe(0);
    });
  });

  describe("rejects bad input", () => {
    test("GPU not offered on GKE", () => {
      expect(() => gke().addGpuNodePool("A10G", { gpu: Gpu.NVIDIA_A10G, maxNodes: 1 })).toThrow(
        'infra/Cluster/A10G: invalid gpu "NVIDIA A10G": is not offered on GKE',
      );
    });
    test("a machine type of the wrong family, or with the wrong GPU count", () => {
      expect(() => gke().addGpuNodePool("L4", { gpu: Gpu.NVIDIA_L4, machineType: "a2-highgpu-1g", maxNodes: 1 })).toThrow(
        'infra/Cluster/L4: invalid machineType "a2-highgpu-1g": is a a2-highgpu machine, which carries NVIDIA A100 40GB (Gpu.NVIDIA_A100_40GB); NVIDIA L4 is offered on g2-standard only',
      );
      expect(() => gke().addGpuNodePool("L4", { gpu: Gpu.NVIDIA_L4, machineType: "g2-standard-24", maxNodes: 1 })).toThrow(
        'infra/Cluster/L4: invalid machineType "g2-standard-24": does not carry 1 NVIDIA L4 GPU(s)',
      );
    });
    test("a GPU count no machine type has", () => {
      expect(() => gke().addGpuNodePool("H200", { gpu: Gpu.NVIDIA_H200, maxNodes: 1 })).toThrow(
        "infra/Cluster/H200: invalid gpusPerNode 1: NVIDIA H200 141GB machine types on GKE carry 8 GPUs",
      );
    });
    test("zones outside the cluster's region, and names over 40 characters", () => {
      expect(() => gke().addGpuNodePool("L4", { gpu: Gpu.NVIDIA_L4, zones: ["europe-west4-a"], maxNodes: 1 })).toThrow(
        'infra/Cluster/L4: invalid zones[0] "europe-west4-a": must be a zone of the cluster\'s region us-central1',
      );
      expect(() => gke().addGpuNodePool("L4", { gpu: Gpu.NVIDIA_L4, name: "a".repeat(41), maxNodes: 1 })).toThrow(
        "must be at most 40 characters (GKE node pool names)",
      );
    });

    test("a single zone string where a list belongs", () => {
      expect(() => gke().addGpuNodePool("L4", { gpu: Gpu.NVIDIA_L4, zones: "us-central1-a" as any, maxNodes: 1 })).toThrow(
        'infra/Cluster/L4: invalid zones "us-central1-a": must be a list such as ["us-central1-a"], not a string',
      );
    });
  });
});

describe("GPU availability in the region (as far as the catalog knows)", () => {
  test("an uncovered region warns instead of failing", () => {
    const stack = awsStack();
    const provider = stack.node.findAll().find((c) => c.constructor.name === "AwsProvider") as any;
    provider.region = "me-central-1";
    const cluster = eks(stack);
    cluster.addGpuNodePool("L4", { gpu: Gpu.NVIDIA_L4, maxNodes: 1 });
    expect(annotations(stack, "warn").join("\n")).toContain("the GPU catalog has no data for AWS region me-central-1");
  });
});

describe("EKS identities of add-ons are reserved", () => {
  test("a user identity for kube-system/aws-node clashes with the VPC CNI's", () => {
    expect(() => eks().addWorkloadIdentity("Cni", { namespace: "kube-system", serviceAccountName: "aws-node" })).toThrow(
      'infra/Cluster: invalid workload identity "kube-system/aws-node": is already bound by infra/Cluster/VpcCniIdentity',
    );
  });
});

describe("availability checks against the GPU catalog", () => {
  const awsIn = (region: string) => {
    const stack = awsStack();
    (stack.node.findAll().find((c) => c.constructor.name === "AwsProvider") as any).region = region;
    return { stack, cluster: eks(stack) };
  };

  test("EKS: a GPU the catalog says is not offered in the provider's region is rejected", () => {
    expect(() => awsIn("eu-west-1").cluster.addGpuNodePool("L40S", { gpu: Gpu.NVIDIA_L40S, maxNodes: 1 })).toThrow(
      'infra/Cluster/L40S: invalid gpu "NVIDIA L40S": is not offered in AWS region eu-west-1 (per the GPU catalog); choose another GPU or region',
    );
    expect(() => awsIn("us-east-1").cluster.addGpuNodePool("L40S", { gpu: Gpu.NVIDIA_L40S, maxNodes: 1 })).not.toThrow();
  });

  test("EKS: a pool that could grow, with no ClusterAutoscaler installed, warns at synth naming the groups; a fixed-size one does not", () => {
    // The default system group grows with the platform (see eks-cluster.test.ts): fixed here.
    const fixedStack = awsStack();
    const fixed = { stack: fixedStack, cluster: new EksCluster(fixedStack, "Cluster", { clusterName: "ml", subnetIds: ["subnet-a", "subnet-b"], systemMinNodes: 2, systemMaxNodes: 2 }) };
    fixed.cluster.addGpuNodePool("Fixed", { gpu: Gpu.NVIDIA_L4, name: "fixed", minNodes: 2, maxNodes: 2 });
    Testing.synth(fixed.stack, true);
    expect(annotations(fixed.stack, "warn")).toEqual([]);

    const { stack, cluster } = awsIn("us-east-1");
    cluster.addSpotTrainingPool("Spot", { gpu: Gpu.NVIDIA_L4, maxNodes: 3 });
    Testing.synth(stack, true);
    expect(annotations(stack, "warn")).toEqual([
      'infra/Cluster: elastic node groups ["system","nvidia-l4-spot-training"]: managed node groups grow beyond minNodes only under the Kubernetes Cluster Autoscaler, ' +
        'and no ClusterAutoscaler is installed for this cluster; install it: new ClusterAutoscaler(platform, "ClusterAutoscaler", { connection }) in the platform stack, ' +
        "make the groups fixed-size (minNodes = maxNodes), or use KarpenterGpuNodePools for elastic GPU capacity",
    ]);
  });

  test("GKE: a regional pool defaults to the region's zones that offer the GPU", () => {
    const stack = gcpStack();
    gke(stack).addGpuNodePool("L4", { gpu: Gpu.NVIDIA_L4, maxNodes: 1 });
    const pool = nodePools(stack).find((p) => p.name === "nvidia-l4-inference");
    expect(pool.node_locations).toEqual(Gpu.NVIDIA_L4.gkeZonesIn("us-central1"));
    expect(pool.node_locations).not.toContain("us-central1-f");
  });

  test("GKE: a GPU not offered in the cluster's region, zone, or a listed zone is rejected", () => {
    expect(() => gke(gcpStack(Testing.app(), "europe-west1"), "europe-west1").addGpuNodePool("A100", { gpu: Gpu.NVIDIA_A100_80GB, maxNodes: 1 })).toThrow(
      'infra/Cluster/A100: invalid gpu "NVIDIA A100 80GB": is not offered in GKE region europe-west1 (per the GPU catalog)',
    );
    expect(() => gke(gcpStack(), "us-central1-f").addGpuNodePool("L4", { gpu: Gpu.NVIDIA_L4, maxNodes: 1 })).toThrow(
      'infra/Cluster/L4: invalid gpu "NVIDIA L4": is not offered in zone us-central1-f (per the GPU catalog); zones of us-central1 that offer it: us-central1-a, us-central1-b, us-central1-c',
    );
    expect(() => gke().addGpuNodePool("L4", { gpu: Gpu.NVIDIA_L4, zones: ["us-central1-f"], maxNodes: 1 })).toThrow(
      'infra/Cluster/L4: invalid zones[0] "us-central1-f": does not offer NVIDIA L4 (per the GPU catalog); zones that do: us-central1-a, us-central1-b, us-central1-c',
    );
    expect(() => gke().addGpuNodePool("L4", { gpu: Gpu.NVIDIA_L4, zones: [], maxNodes: 1 })).toThrow(
      "infra/Cluster/L4: invalid zones []: must list at least one zone, or be omitted",
    );
  });

  test("GKE: regions and zones the catalog does not cover warn", () => {
    const regional = gcpStack(Testing.app(), "me-west1");
    gke(regional, "me-west1").addGpuNodePool("L4", { gpu: Gpu.NVIDIA_L4, maxNodes: 1 });
    expect(annotations(regional, "warn").join("\n")).toContain("the GPU catalog has no data for GKE region me-west1; set zones that offer nvidia-l4");
    expect(nodePools(regional).find((p) => p.name === "nvidia-l4-inference").node_locations).toBeUndefined();

    const zoned = gcpStack(Testing.app(), "me-west1");
    gke(zoned, "me-west1").addGpuNodePool("L4", { gpu: Gpu.NVIDIA_L4, zones: ["me-west1-a"], maxNodes: 1 });
    expect(annotations(zoned, "warn").join("\n")).toContain('zones[0] "me-west1-a": the GPU catalog has no data for this zone');
  });
});

describe("GKE boot disks per machine family", () => {
  test("H200 (a3-ultragpu) boots from Hyperdisk; other GPU machines from SSD persistent disk", () => {
    const stack = gcpStack();
    const cluster = gke(stack);
    cluster.addSpotTrainingPool("H200", { gpu: Gpu.NVIDIA_H200, gpusPerNode: 8, maxGpus: 8, zones: ["us-central1-b"] });
    cluster.addGpuNodePool("L4", { gpu: Gpu.NVIDIA_L4, maxNodes: 1 });
    const pools = nodePools(stack);
    expect(pools.find((p) => p.name === "nvidia-h200-spot-training").node_config.disk_type).toBe("hyperdisk-balanced");
    expect(pools.find((p) => p.name === "nvidia-l4-inference").node_config.disk_type).toBe("pd-ssd");
  });
});
