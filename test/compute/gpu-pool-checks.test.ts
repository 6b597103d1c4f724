/**
 * The machine-type and instance-type checks GPU pools share (lib/compute/gpu-pools-internal.ts):
 * exact GKE machine series, T4 on any N1 machine, capacity the catalog says is not offered, and
 * instance type lists from untyped callers.
 */
import { App, GcsBackend, TerraformStack, Testing } from "cdktf";
import { GoogleProvider } from "@cdktf/provider-google/lib/provider";
import { Gpu } from "../../lib/core/gpu";
import { EksCluster } from "../../lib/compute/eks-cluster";
import { ExistingCluster } from "../../lib/compute/existing-cluster";
import { GkeCluster } from "../../lib/compute/gke-cluster";
import { annotations, awsStack, resourcesOfType, synthJson } from "../support/synth";

function gcpStack(app: App = Testing.app()): TerraformStack {
  const stack = new TerraformStack(app, "infra");
  new GcsBackend(stack, { bucket: "state", prefix: "infra" });
  new GoogleProvider(stack, "google", { project: "acme-ml-prod", region: "us-central1" });
  return stack;
}
const gke = (stack: TerraformStack = gcpStack()) => new GkeCluster(stack, "Cluster", { clusterName: "ml", project: "acme-ml-prod", location: "us-central1" });
const eks = (stack: TerraformStack = awsStack()) => new EksCluster(stack, "Cluster", { clusterName: "ml", subnetIds: ["subnet-a", "subnet-b"] });
const pool = (stack: TerraformStack, name: string) =>
  (Object.values(resourcesOfType(synthJson(stack), "google_container_node_pool")) as any[]).find((p) => p.name === name);

describe("GKE machine series are exact", () => {
  test("A3 Mega: its own accelerator type on a3-megagpu-8g", () => {
    const stack = gcpStack();
    gke(stack).addSpotTrainingPool("Mega", { gpu: Gpu.NVIDIA_H100_MEGA_80GB, gpusPerNode: 8, maxNodes: 2 });
    const p = pool(stack, "nvidia-h100-mega-80gb-spot-training");
    expect(p.node_config.machine_type).toBe("a3-megagpu-8g");
    expect(p.node_config.guest_accelerator[0]).toMatchObject({ type: "nvidia-h100-mega-80gb", count: 8 });
  });

  test("an a3-megagpu machine is not an H100 (a3-highgpu) machine, and the reverse; same for a2 and a3 series", () => {
    expect(() => gke().addSpotTrainingPool("H100", { gpu: Gpu.NVIDIA_H100_80GB, gpusPerNode: 8, machineType: "a3-megagpu-8g", maxNodes: 1 })).toThrow(
      'infra/Cluster/H100: invalid machineType "a3-megagpu-8g": is a a3-megagpu machine, which carries NVIDIA H100 Mega 80GB (Gpu.NVIDIA_H100_MEGA_80GB); NVIDIA H100 80GB is offered on a3-highgpu only (a3-highgpu-8g)',
    );
    expect(() => gke().addSpotTrainingPool("Mega", { gpu: Gpu.NVIDIA_H100_MEGA_80GB, gpusPerNode: 8, machineType: "a3-highgpu-8g", maxNodes: 1 })).toThrow(
      'invalid machineType "a3-highgpu-8g": is a a3-highgpu machine, which carries NVIDIA H100 80GB (Gpu.NVIDIA_H100_80GB); NVIDIA H100 Mega 80GB is offered on a3-megagpu only',
    );
    expect(() => gke().addSpotTrainingPool("H200", { gpu: Gpu.NVIDIA_H200, gpusPerNode: 8, machineType: "a3-highgpu-8g", maxNodes: 1 })).toThrow(
      "NVIDIA H200 141GB is offered on a3-ultragpu only",
    );
    expect(() => gke().addGpuNodePool("A100", { gpu: Gpu.NVIDIA_A100_40GB, machineType: "a2-ultragpu-1g", maxNodes: 1 })).toThrow(
      'invalid machineType "a2-ultragpu-1g": is a a2-ultragpu machine, which carries NVIDIA A100 80GB (Gpu.NVIDIA_A100_80GB); NVIDIA A100 40GB is offered on a2-highgpu, a2-megagpu only',
    );
    expect(() => gke().addGpuNodePool("A100", { gpu: Gpu.NVIDIA_A100_80GB, machineType: "a2-highgpu-1g", maxNodes: 1 })).toThrow(
      "NVIDIA A100 80GB is offered on a2-ultragpu only",
    );
  });

  test("a malformed machine type or one of a size its series lacks gets the standard error", () => {
    expect(() => gke().addGpuNodePool("L4", { gpu: Gpu.NVIDIA_L4, machineType: "g2-standard", maxNodes: 1 })).toThrow(
      'infra/Cluster/L4: invalid machineType "g2-standard": must be a Compute Engine machine type',
    );
    expect(() => gke().addGpuNodePool("L4", { gpu: Gpu.NVIDIA_L4, machineType: "g2-standard-6", maxNodes: 1 })).toThrow(
      'invalid machineType "g2-standard-6": is not a machine type of the g2-standard series',
    );
    expect(() => gke().addGpuNodePool("L4", { gpu: Gpu.NVIDIA_L4, machineType: ["g2-standard-8"] as unknown as string, maxNodes: 1 })).toThrow(
      'invalid machineType ["g2-standard-8"]: must be a Compute Engine machine type',
    );
  });
});

describe("T4 on N1 machines", () => {
  test("1, 2 or 4 T4s on any N1 machine within GCP's limits; the accelerator count decides", () => {
    const stack = gcpStack();
    const cluster = gke(stack);
    cluster.addGpuNodePool("T4x2", { gpu: Gpu.NVIDIA_T4, name: "t4-two", gpusPerNode: 2, machineType: "n1-standard-8", maxNodes: 1 });
    cluster.addGpuNodePool("T4x4", { gpu: Gpu.NVIDIA_T4, name: "t4-four", gpusPerNode: 4, machineType: "n1-highmem-16", maxNodes: 1 });
    cluster.addGpuNodePool("T4x1", { gpu: Gpu.NVIDIA_T4, name: "t4-one", machineType: "n1-standard-32", maxNodes: 1 });
    expect(pool(stack, "t4-two").node_config).toMatchObject({ machine_type: "n1-standard-8", guest_accelerator: [{ type: "nvidia-tesla-t4", count: 2 }] });
    expect(pool(stack, "t4-four").node_config).toMatchObject({ machine_type: "n1-highmem-16", guest_accelerator: [{ type: "nvidia-tesla-t4", count: 4 }] });
    expect(pool(stack, "t4-one").node_config).toMatchObject({ machine_type: "n1-standard-32", guest_accelerator: [{ type: "nvidia-tesla-t4", count: 1 }] });
    expect(annotations(stack)).toEqual([]);
  });

  test("rejects 3 T4s, machines above the N1 limits, unknown N1 types and other series", () => {
    expect(() => gke().addGpuNodePool("T4", { gpu: Gpu.NVIDIA_T4, gpusPerNode: 3, machineType: "n1-standard-8", maxNodes: 1 })).toThrow(
      "infra/Cluster/T4: invalid gpusPerNode 3: NVIDIA T4 attaches to N1 machines in counts of 1, 2, 4",
    );
    expect(() => gke().addGpuNodePool("T4", { gpu: Gpu.NVIDIA_T4, gpusPerNode: 2, machineType: "n1-standard-64", maxNodes: 1 })).toThrow(
      'infra/Cluster/T4: invalid machineType "n1-standard-64": has 64 vCPUs and 240 GB; with 2 NVIDIA T4 GPU(s) an N1 machine may have at most 48 vCPUs and 312 GB',
    );
    expect(() => gke().addGpuNodePool("T4", { gpu: Gpu.NVIDIA_T4, machineType: "n1-megamem-96", maxNodes: 1 })).toThrow(
      'invalid machineType "n1-megamem-96": is not an N1 machine type the catalog knows',
    );
    expect(() => gke().addGpuNodePool("T4", { gpu: Gpu.NVIDIA_T4, machineType: "n2-standard-8", maxNodes: 1 })).toThrow(
      'invalid machineType "n2-standard-8": is a n2-standard machine; NVIDIA T4 is offered on n1-standard only',
    );
  });
});

describe("capacity the catalog says is not offered", () => {
  test("an on-demand pool on a Spot/Flex-start-only or reservation-only machine type warns", () => {
    const stack = gcpStack();
    const cluster = gke(stack);
    cluster.addGpuNodePool("H100", { gpu: Gpu.NVIDIA_H100_80GB, maxNodes: 1 });
    cluster.addGpuNodePool("H200", { gpu: Gpu.NVIDIA_H200, gpusPerNode: 8, maxNodes: 1 });
    const warnings = annotations(stack).join("\n");
    expect(warnings).toContain(
      'infra/Cluster/H100: machineType "a3-highgpu-1g": is offered as spot, flex-start capacity only, as far as the GPU catalog knows, not as plain on-demand VMs: the pool may get no nodes.',
    );
    expect(warnings).toContain('infra/Cluster/H200: machineType "a3-ultragpu-8g": is offered as reservation, spot, flex-start capacity only');
  });

  test("spot training pools on those types, and on-demand pools on on-demand types, do not warn", () => {
    const stack = gcpStack();
    const cluster = gke(stack);
    cluster.addSpotTrainingPool("H100", { gpu: Gpu.NVIDIA_H100_80GB, gpusPerNode: 8, maxNodes: 2 });
    cluster.addGpuNodePool("L4", { gpu: Gpu.NVIDIA_L4, maxNodes: 2 });
    cluster.addGpuNodePool("A100", { gpu: Gpu.NVIDIA_A100_40GB, maxNodes: 1 });
    expect(annotations(stack).filter((w) => w.includes("machineType"))).toEqual([]);
  });
});

describe("untyped callers", () => {
  test("a GPU that is not a catalog Gpu", () => {
    expect(() => gke().addGpuNodePool("L4", { gpu: "nvidia-l4" as unknown as Gpu, maxNodes: 1 })).toThrow(
      'infra/Cluster/L4: invalid gpu "nvidia-l4": must be a GPU of the catalog (e.g. Gpu.NVIDIA_L4) or one made with Gpu.custom({...})',
    );
    expect(() => eks().addGpuNodePool("L4", { gpu: undefined as unknown as Gpu, maxNodes: 1 })).toThrow("infra/Cluster/L4: invalid gpu undefined: must be a Gpu of the catalog");
  });

  test("EKS instanceTypes: a string instead of a list, and malformed or impossible names", () => {
    expect(() => eks().addGpuNodePool("L4", { gpu: Gpu.NVIDIA_L4, instanceTypes: "g6.xlarge" as unknown as string[], maxNodes: 1 })).toThrow(
      'infra/Cluster/L4: invalid instanceTypes "g6.xlarge": must be a list such as ["g6.xlarge"], not a string',
    );
    expect(() => eks().addGpuNodePool("L4", { gpu: Gpu.NVIDIA_L4, instanceTypes: ["g6-xlarge"], maxNodes: 1 })).toThrow(
      'infra/Cluster/L4: invalid instanceTypes[0] "g6-xlarge": must be an EC2 instance type',
    );
    expect(() => eks().addGpuNodePool("L4", { gpu: Gpu.NVIDIA_L4, instanceTypes: ["g6.3xlarge"], maxNodes: 1 })).toThrow(
      'infra/Cluster/L4: invalid instanceTypes[0] "g6.3xlarge": is not a size of the g6 family',
    );
  });
});

describe("on-prem product labels", () => {
  test("the PCIe and SXM boards of one GPU are both accepted; another GPU's label is not", () => {
    const cluster = new ExistingCluster(new TerraformStack(Testing.app(), "onprem"), "Cluster", { clusterName: "dc1", kubeconfigContext: "dc1" });
    cluster.addGpuNodes({ name: "a100-pcie", gpu: Gpu.NVIDIA_A100_80GB, nodeCount: 2, gpusPerNode: 4, nodeSelector: { "nvidia.com/gpu.product": "NVIDIA-A100-80GB-PCIe" } });
    cluster.addGpuNodes({ name: "a100-sxm", gpu: Gpu.NVIDIA_A100_80GB, nodeCount: 2, gpusPerNode: 8 });
    expect(cluster.nodePools.map((p) => p.labels["nvidia.com/gpu.product"])).toEqual(["NVIDIA-A100-80GB-PCIe", "NVIDIA-A100-SXM4-80GB"]);
    expect(() =>
      cluster.addGpuNodes({ name: "wrong", gpu: Gpu.NVIDIA_A100_80GB, nodeCount: 1, gpusPerNode: 1, nodeSelector: { "nvidia.com/gpu.product": "NVIDIA-A100-PCIE-40GB" } }),
    ).toThrow('does not match the GPU NVIDIA A100 80GB, whose nodes carry "NVIDIA-A100-SXM4-80GB" or "NVIDIA-A100-80GB-PCIe"');
  });
});
