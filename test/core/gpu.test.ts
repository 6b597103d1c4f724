import { AwsGpuInstanceType, GkeGpuMachineType, GkeProvisioning, Gpu, GpuAvailability } from "../../lib/core/gpu";

const ALL_IDS = [
  "nvidia-t4",
  "nvidia-a10g",
  "nvidia-l4",
  "nvidia-l40s",
  "nvidia-a100-40gb",
  "nvidia-a100-80gb",
  "nvidia-h100-80gb",
  "nvidia-h100-mega-80gb",
  "nvidia-h200",
];

/** The A3 Mega entry: GKE only, the H100's product label, no availability data. */
const MEGA = Gpu.NVIDIA_H100_MEGA_80GB;

/** Every (gpu, instance type) pair in the catalog. */
function awsEntries(): Array<[Gpu, AwsGpuInstanceType]> {
  return Gpu.all().flatMap((g) => g.awsInstanceTypes.map((t): [Gpu, AwsGpuInstanceType] => [g, t]));
}

/** Every (gpu, machine type) pair in the catalog. */
function gkeEntries(): Array<[Gpu, GkeGpuMachineType]> {
  return Gpu.all().flatMap((g) => g.gkeMachineTypes.map((t): [Gpu, GkeGpuMachineType] => [g, t]));
}

function isSortedByOnDemand(types: Array<{ onDemandHourlyUsd: number }>): boolean {
  return types.every((t, i) => i === 0 || types[i - 1].onDemandHourlyUsd <= t.onDemandHourlyUsd);
}

describe("Gpu catalog contents", () => {
  test("all nine GPUs are present, in a stable order, with unique ids", () => {
    const ids = Gpu.all().map((g) => g.id);
    expect(ids).toEqual(ALL_IDS);
    expect(new Set(ids).size).toBe(ids.length);
  });

  test("static entries are the same objects Gpu.all() returns", () => {
    expect(Gpu.all()).toEqual([
      Gpu.NVIDIA_T4,
      Gpu.NVIDIA_A10G,
      Gpu.NVIDIA_L4,
      Gpu.NVIDIA_L40S,
      Gpu.NVIDIA_A100_40GB,
      Gpu.NVIDIA_A100_80GB,
      Gpu.NVIDIA_H100_80GB,
      Gpu.NVIDIA_H100_MEGA_80GB,
      Gpu.NVIDIA_H200,
    ]);
    for (const g of Gpu.all()) {
      expect(Gpu.all().filter((x) => x === g)).toHaveLength(1);
    }
  });

  test("product labels are unique (the A3 Mega entry shares the H100's) and have the GPU feature discovery shape", () => {
    const labels = Gpu.all().filter((g) => g !== MEGA).flatMap((g) => g.productLabels);
    expect(new Set(labels).size).toBe(labels.length);
    expect(MEGA.productLabel).toBe(Gpu.NVIDIA_H100_80GB.productLabel);
    for (const label of labels) {
      // GFD replaces the spaces of the NVML device name with dashes.
      expect(label).toMatch(/^[A-Za-z0-9][A-Za-z0-9.-]*$/);
      expect(label).not.toMatch(/\s/);
    }
  });

  test("product labels match what GPU feature discovery sets", () => {
    expect(Gpu.NVIDIA_T4.productLabel).toBe("Tesla-T4");
    expect(Gpu.NVIDIA_A10G.productLabel).toBe("NVIDIA-A10G");
    expect(Gpu.NVIDIA_L4.productLabel).toBe("NVIDIA-L4");
    expect(Gpu.NVIDIA_L40S.productLabel).toBe("NVIDIA-L40S");
    expect(Gpu.NVIDIA_A100_40GB.productLabel).toBe("NVIDIA-A100-SXM4-40GB");
    expect(Gpu.NVIDIA_A100_80GB.productLabel).toBe("NVIDIA-A100-SXM4-80GB");
    expect(Gpu.NVIDIA_H100_80GB.productLabel).toBe("NVIDIA-H100-80GB-HBM3");
    expect(Gpu.NVIDIA_H200.productLabel).toBe("NVIDIA-H200");
  });

  test("the PCIe and SXM boards of one GPU are both known, primary label first", () => {
    expect(Gpu.NVIDIA_A100_80GB.productLabels).toEqual(["NVIDIA-A100-SXM4-80GB", "NVIDIA-A100-80GB-PCIe"]);
    expect(Gpu.NVIDIA_A100_40GB.productLabels).toEqual(["NVIDIA-A100-SXM4-40GB", "NVIDIA-A100-PCIE-40GB"]);
    expect(Gpu.NVIDIA_H100_80GB.productLabels).toEqual(["NVIDIA-H100-80GB-HBM3", "NVIDIA-H100-PCIe"]);
    expect(Gpu.NVIDIA_H200.productLabels).toEqual(["NVIDIA-H200", "NVIDIA-H200-NVL"]);
    expect(Gpu.NVIDIA_L4.productLabels).toEqual(["NVIDIA-L4"]);
  });

  test("nominal GPU memory per GPU", () => {
    expect(Gpu.all().map((g) => [g.id, g.memoryGiB])).toEqual([
      ["nvidia-t4", 16],
      ["nvidia-a10g", 24],
      ["nvidia-l4", 24],
      ["nvidia-l40s", 48],
      ["nvidia-a100-40gb", 40],
      ["nvidia-a100-80gb", 80],
      ["nvidia-h100-80gb", 80],
      ["nvidia-h100-mega-80gb", 80],
      ["nvidia-h200", 141],
    ]);
  });

  test("every GPU has a display name", () => {
    for (const g of Gpu.all()) {
      expect(g.displayName).toMatch(/^NVIDIA /);
    }
  });
});

describe("AWS instance types", () => {
  test("every GPU but the A3 Mega entry (GKE only) is offered on AWS", () => {
    expect(MEGA.offeredOnAws).toBe(false);
    for (const g of Gpu.all().filter((x) => x !== MEGA)) {
      expect(g.offeredOnAws).toBe(true);
      expect(g.awsInstanceTypes.length).toBeGreaterThan(0);
    }
  });

  test("every instance type belongs to one GPU only", () => {
    const names = awsEntries().map(([, t]) => t.instanceType);
    expect(new Set(names).size).toBe(names.length);
  });

  test("instance families map to the expected GPU", () => {
    const familyOf = (instanceType: string) => instanceType.split(".")[0];
    const expected: Record<string, string[]> = {
      "nvidia-t4": ["g4dn"],
      "nvidia-a10g": ["g5"],
      "nvidia-l4": ["g6"],
      "nvidia-l40s": ["g6e"],
      "nvidia-a100-40gb": ["p4d"],
      "nvidia-a100-80gb": ["p4de"],
      "nvidia-h100-80gb": ["p5"],
      "nvidia-h100-mega-80gb": [],
      "nvidia-h200": ["p5e", "p5en"],
    };
    for (const g of Gpu.all()) {
      const families = [...new Set(g.awsInstanceTypes.map((t) => familyOf(t.instanceType)))].sort();
      expect([g.id, families]).toEqual([g.id, expected[g.id].slice().sort()]);
    }
  });

  test("instance type names are well formed and sizes are sane", () => {
    for (const [, t] of awsEntries()) {
      expect(t.instanceType).toMatch(/^[a-z][a-z0-9-]*\.(metal|[0-9]*xlarge)$/);
      expect([1, 2, 4, 8]).toContain(t.gpuCount);
      expect(Number.isInteger(t.vcpus)).toBe(true);
      expect(t.vcpus).toBeGreaterThanOrEqual(4 * t.gpuCount);
      expect(t.memoryGiB).toBeGreaterThanOrEqual(t.vcpus * 2);
    }
  });

  test("well-known shapes", () => {
    const shape = (name: string) => {
      const gpu = Gpu.fromAwsInstanceType(name);
      const t = gpu.awsInstanceType(name);
      return t && [t.gpuCount, t.vcpus, t.memoryGiB];
    };
    expect(shape("g4dn.xlarge")).toEqual([1, 4, 16]);
    expect(shape("g4dn.12xlarge")).toEqual([4, 48, 192]);
    expect(shape("g4dn.metal")).toEqual([8, 96, 384]);
    expect(shape("g5.48xlarge")).toEqual([8, 192, 768]);
    expect(shape("g6.12xlarge")).toEqual([4, 48, 192]);
    expect(shape("g6e.xlarge")).toEqual([1, 4, 32]);
    expect(shape("g6e.48xlarge")).toEqual([8, 192, 1536]);
    expect(shape("p4d.24xlarge")).toEqual([8, 96, 1152]);
    expect(shape("p4de.24xlarge")).toEqual([8, 96, 1152]);
    expect(shape("p5.4xlarge")).toEqual([1, 16, 256]);
    expect(shape("p5.48xlarge")).toEqual([8, 192, 2048]);
    expect(shape("p5e.48xlarge")).toEqual([8, 192, 2048]);
    expect(shape("p5en.48xlarge")).toEqual([8, 192, 2048]);
  });

  test("spot is cheaper than on-demand for every instance type", () => {
    for (const [g, t] of awsEntries()) {
      expect([g.id, t.instanceType, t.spotHourlyUsd > 0]).toEqual([g.id, t.instanceType, true]);
      expect([g.id, t.instanceType, t.spotHourlyUsd < t.onDemandHourlyUsd]).toEqual([g.id, t.instanceType, true]);
    }
  });

  test("within a family, more GPUs never cost less per GPU-hour than the cheapest single-GPU size", () => {
    for (const g of Gpu.all()) {
      const single = g.awsInstanceTypesWith(1);
      if (single.length === 0) continue;
      const cheapestPerGpu = single[0].onDemandHourlyUsd;
      for (const t of g.awsInstanceTypes) {
        expect(t.onDemandHourlyUsd / t.gpuCount).toBeGreaterThanOrEqual(cheapestPerGpu * 0.99);
      }
    }
  });
});

describe("GKE machine types", () => {
  test("A10G and L40S are not offered on GKE", () => {
    for (const g of [Gpu.NVIDIA_A10G, Gpu.NVIDIA_L40S]) {
      expect(g.offeredOnGke).toBe(false);
      expect(g.gkeAcceleratorType).toBeUndefined();
      expect(g.gkeMachineFamily).toBeUndefined();
      expect(g.gkeMachineTypes).toEqual([]);
      expect(g.gkeMachineTypesWith(1)).toEqual([]);
    }
  });

  test("every other GPU is offered on GKE", () => {
    const offered = Gpu.all().filter((g) => g.offeredOnGke).map((g) => g.id);
    expect(offered).toEqual(["nvidia-t4", "nvidia-l4", "nvidia-a100-40gb", "nvidia-a100-80gb", "nvidia-h100-80gb", "nvidia-h100-mega-80gb", "nvidia-h200"]);
  });

  test("accelerator types and machine families", () => {
    const table = Gpu.all()
      .filter((g) => g.offeredOnGke)
      .map((g) => [g.id, g.gkeAcceleratorType, g.gkeMachineFamily]);
    expect(table).toEqual([
      ["nvidia-t4", "nvidia-tesla-t4", "n1"],
      ["nvidia-l4", "nvidia-l4", "g2"],
      ["nvidia-a100-40gb", "nvidia-tesla-a100", "a2"],
      ["nvidia-a100-80gb", "nvidia-a100-80gb", "a2"],
      ["nvidia-h100-80gb", "nvidia-h100-80gb", "a3"],
      ["nvidia-h100-mega-80gb", "nvidia-h100-mega-80gb", "a3"],
      ["nvidia-h200", "nvidia-h200-141gb", "a3"],
    ]);
  });

  test("accelerator types are unique", () => {
    const types = Gpu.all().flatMap((g) => (g.gkeAcceleratorType ? [g.gkeAcceleratorType] : []));
    expect(new Set(types).size).toBe(types.length);
  });

  test("machine types start with the GPU's machine family", () => {
    for (const [g, t] of gkeEntries()) {
      expect(t.machineType.startsWith(`${g.gkeMachineFamily}-`)).toBe(true);
    }
  });

  test("machine type series per GPU", () => {
    const series: Record<string, RegExp> = {
      "nvidia-t4": /^n1-standard-\d+$/,
      "nvidia-l4": /^g2-standard-\d+$/,
      "nvidia-a100-40gb": /^a2-(highgpu|megagpu)-\d+g$/,
      "nvidia-a100-80gb": /^a2-ultragpu-\d+g$/,
      "nvidia-h100-80gb": /^a3-highgpu-\d+g$/,
      "nvidia-h100-mega-80gb": /^a3-megagpu-8g$/,
      "nvidia-h200": /^a3-ultragpu-\d+g$/,
    };
    for (const [g, t] of gkeEntries()) {
      expect(t.machineType).toMatch(series[g.id]);
    }
  });

  test("gkeMachineSeries is exact: each series belongs to one GPU", () => {
    expect(Gpu.all().map((g) => [g.id, g.gkeMachineSeries])).toEqual([
      ["nvidia-t4", ["n1-standard"]],
      ["nvidia-a10g", []],
      ["nvidia-l4", ["g2-standard"]],
      ["nvidia-l40s", []],
      ["nvidia-a100-40gb", ["a2-highgpu", "a2-megagpu"]],
      ["nvidia-a100-80gb", ["a2-ultragpu"]],
      ["nvidia-h100-80gb", ["a3-highgpu"]],
      ["nvidia-h100-mega-80gb", ["a3-megagpu"]],
      ["nvidia-h200", ["a3-ultragpu"]],
    ]);
  });

  test("provisioning: A3 machines need a reservation, Spot or Flex-start; the rest are on-demand and Spot", () => {
    const { ON_DEMAND, SPOT, FLEX_START, RESERVATION } = GkeProvisioning;
    expect(Gpu.NVIDIA_L4.gkeProvisioning("g2-standard-8")).toEqual([ON_DEMAND, SPOT]);
    expect(Gpu.NVIDIA_A100_40GB.gkeProvisioning("a2-highgpu-1g")).toEqual([ON_DEMAND, SPOT]);
    expect(Gpu.NVIDIA_H100_80GB.gkeProvisioning("a3-highgpu-1g")).toEqual([SPOT, FLEX_START]);
    expect(Gpu.NVIDIA_H100_80GB.gkeProvisioning("a3-highgpu-8g")).toEqual([RESERVATION, SPOT, FLEX_START]);
    expect(MEGA.gkeProvisioning("a3-megagpu-8g")).toEqual([RESERVATION, SPOT, FLEX_START]);
    expect(Gpu.NVIDIA_H200.gkeProvisioning("a3-ultragpu-8g")).toEqual([RESERVATION, SPOT, FLEX_START]);
    expect(Gpu.NVIDIA_L4.gkeProvisioning("a3-ultragpu-8g")).toEqual([]);
  });

  test("accelerator-optimized machine types carry the GPU count in their name", () => {
    for (const [g, t] of gkeEntries()) {
      const m = /-(\d+)g$/.exec(t.machineType);
      if (g.gkeMachineFamily === "a2" || g.gkeMachineFamily === "a3") {
        expect(m).not.toBeNull();
        expect(Number(m![1])).toBe(t.gpuCount);
      }
    }
  });

  test("every machine type belongs to one GPU only", () => {
    const names = gkeEntries().map(([, t]) => t.machineType);
    expect(new Set(names).size).toBe(names.length);
  });

  test("n1 and g2 vCPU counts match the machine type name", () => {
    for (const [g, t] of gkeEntries()) {
      if (g.gkeMachineFamily === "n1" || g.gkeMachineFamily === "g2") {
        expect(t.machineType.endsWith(`-${t.vcpus}`)).toBe(true);
      }
    }
  });

  test("well-known shapes", () => {
    const shape = (gpu: Gpu, name: string) => {
      const t = gpu.gkeMachineType(name);
      return t && [t.gpuCount, t.vcpus, t.memoryGiB];
    };
    expect(shape(Gpu.NVIDIA_L4, "g2-standard-4")).toEqual([1, 4, 16]);
    expect(shape(Gpu.NVIDIA_L4, "g2-standard-96")).toEqual([8, 96, 384]);
    expect(shape(Gpu.NVIDIA_A100_40GB, "a2-highgpu-1g")).toEqual([1, 12, 85]);
    expect(shape(Gpu.NVIDIA_A100_40GB, "a2-megagpu-16g")).toEqual([16, 96, 1360]);
    expect(shape(Gpu.NVIDIA_A100_80GB, "a2-ultragpu-8g")).toEqual([8, 96, 1360]);
    expect(shape(Gpu.NVIDIA_H100_80GB, "a3-highgpu-8g")).toEqual([8, 208, 1872]);
    expect(shape(MEGA, "a3-megagpu-8g")).toEqual([8, 208, 1872]);
    expect(shape(Gpu.NVIDIA_H200, "a3-ultragpu-8g")).toEqual([8, 224, 2952]);
  });

  test("spot is cheaper than on-demand for every machine type", () => {
    for (const [g, t] of gkeEntries()) {
      expect([g.id, t.machineType, t.spotHourlyUsd > 0]).toEqual([g.id, t.machineType, true]);
      expect([g.id, t.machineType, t.spotHourlyUsd < t.onDemandHourlyUsd]).toEqual([g.id, t.machineType, true]);
    }
  });
});

describe("awsInstanceTypesWith / gkeMachineTypesWith", () => {
  test("filter by GPU count and sort cheapest first, for every GPU and count", () => {
    for (const g of Gpu.all()) {
      for (const n of [1, 2, 4, 8, 16]) {
        const aws = g.awsInstanceTypesWith(n);
        expect(aws.every((t) => t.gpuCount === n)).toBe(true);
        expect(aws).toHaveLength(g.awsInstanceTypes.filter((t) => t.gpuCount === n).length);
        expect(isSortedByOnDemand(aws)).toBe(true);

        const gke = g.gkeMachineTypesWith(n);
        expect(gke.every((t) => t.gpuCount === n)).toBe(true);
        expect(gke).toHaveLength(g.gkeMachineTypes.filter((t) => t.gpuCount === n).length);
        expect(isSortedByOnDemand(gke)).toBe(true);
      }
    }
  });

  test("cheapest single-GPU choices", () => {
    expect(Gpu.NVIDIA_T4.awsInstanceTypesWith(1)[0].instanceType).toBe("g4dn.xlarge");
    expect(Gpu.NVIDIA_L4.awsInstanceTypesWith(1).map((t) => t.instanceType)).toEqual([
      "g6.xlarge",
      "g6.2xlarge",
      "g6.4xlarge",
      "g6.8xlarge",
      "g6.16xlarge",
    ]);
    expect(Gpu.NVIDIA_L4.gkeMachineTypesWith(1)[0].machineType).toBe("g2-standard-4");
    expect(Gpu.NVIDIA_H100_80GB.awsInstanceTypesWith(1).map((t) => t.instanceType)).toEqual(["p5.4xlarge"]);
  });

  test("multi-GPU choices", () => {
    expect(Gpu.NVIDIA_A10G.awsInstanceTypesWith(4).map((t) => t.instanceType)).toEqual(["g5.12xlarge", "g5.24xlarge"]);
    expect(Gpu.NVIDIA_T4.gkeMachineTypesWith(4).map((t) => t.machineType)).toEqual(["n1-standard-32"]);
    expect(Gpu.NVIDIA_A100_40GB.gkeMachineTypesWith(16).map((t) => t.machineType)).toEqual(["a2-megagpu-16g"]);
  });

  test("p5en.48xlarge is picked before p5e.48xlarge for 8 H200", () => {
    expect(Gpu.NVIDIA_H200.awsInstanceTypesWith(8).map((t) => t.instanceType)).toEqual([
      "p5en.48xlarge",
      "p5e.48xlarge",
    ]);
  });

  test("a GPU count no type offers gives an empty list", () => {
    expect(Gpu.NVIDIA_L40S.awsInstanceTypesWith(2)).toEqual([]);
    expect(Gpu.NVIDIA_A100_80GB.awsInstanceTypesWith(1)).toEqual([]);
    expect(Gpu.NVIDIA_H200.gkeMachineTypesWith(1)).toEqual([]);
    expect(Gpu.NVIDIA_L4.awsInstanceTypesWith(3)).toEqual([]);
  });

  test("does not reorder the catalog itself", () => {
    const before = Gpu.NVIDIA_A10G.awsInstanceTypes.map((t) => t.instanceType);
    Gpu.NVIDIA_A10G.awsInstanceTypesWith(1);
    Gpu.NVIDIA_A10G.awsInstanceTypesWith(4);
    expect(Gpu.NVIDIA_A10G.awsInstanceTypes.map((t) => t.instanceType)).toEqual(before);

    const gkeBefore = Gpu.NVIDIA_L4.gkeMachineTypes.map((t) => t.machineType);
    Gpu.NVIDIA_L4.gkeMachineTypesWith(1);
    expect(Gpu.NVIDIA_L4.gkeMachineTypes.map((t) => t.machineType)).toEqual(gkeBefore);
  });
});

describe("lookups", () => {
  test("fromProductLabel finds every GPU by each of its labels (the shared H100 label answers the H100)", () => {
    for (const g of Gpu.all().filter((x) => x !== MEGA)) {
      for (const label of g.productLabels) {
        expect(Gpu.fromProductLabel(label)).toBe(g);
        expect(Gpu.tryFromProductLabel(label)).toBe(g);
      }
    }
    expect(Gpu.fromProductLabel(MEGA.productLabel)).toBe(Gpu.NVIDIA_H100_80GB);
    expect(Gpu.fromProductLabel("NVIDIA-A100-80GB-PCIe")).toBe(Gpu.NVIDIA_A100_80GB);
  });

  test("tryFromProductLabel returns undefined for unknown or differently-cased labels", () => {
    expect(Gpu.tryFromProductLabel("NVIDIA-B200")).toBeUndefined();
    expect(Gpu.tryFromProductLabel("nvidia-l4")).toBeUndefined();
    expect(Gpu.tryFromProductLabel("")).toBeUndefined();
    // GFD appends -SHARED under time-slicing / MPS; that is not a catalog label.
    expect(Gpu.tryFromProductLabel("Tesla-T4-SHARED")).toBeUndefined();
  });

  test("fromProductLabel throws a clear error for labels the catalog lacks, never returns undefined", () => {
    expect(() => Gpu.fromProductLabel("NVIDIA-B200")).toThrow(
      'Gpu.fromProductLabel: no catalog GPU has the nvidia.com/gpu.product label "NVIDIA-B200" (labels are case-sensitive); known labels: Tesla-T4, NVIDIA-A10G',
    );
    expect(() => Gpu.fromProductLabel("nvidia-l4")).toThrow("Describe another GPU with Gpu.custom({...})");
    expect(() => Gpu.fromProductLabel(undefined as unknown as string)).toThrow('no catalog GPU has the nvidia.com/gpu.product label undefined');
  });

  test("fromAwsInstanceType finds the GPU of every catalog instance type", () => {
    for (const [g, t] of awsEntries()) {
      expect(Gpu.fromAwsInstanceType(t.instanceType)).toBe(g);
    }
    expect(Gpu.fromAwsInstanceType("g6e.12xlarge")).toBe(Gpu.NVIDIA_L40S);
    expect(Gpu.fromAwsInstanceType("p5e.48xlarge")).toBe(Gpu.NVIDIA_H200);
  });

  test("tryFromAwsInstanceType returns undefined for non-GPU or unknown types", () => {
    expect(Gpu.tryFromAwsInstanceType("m7i.large")).toBeUndefined();
    expect(Gpu.tryFromAwsInstanceType("g6")).toBeUndefined();
    expect(Gpu.tryFromAwsInstanceType("")).toBeUndefined();
    expect(Gpu.tryFromAwsInstanceType("g6.xlarge")).toBe(Gpu.NVIDIA_L4);
  });

  test("fromAwsInstanceType throws a clear error for non-GPU or unknown types", () => {
    expect(() => Gpu.fromAwsInstanceType("m7i.large")).toThrow(
      'Gpu.fromAwsInstanceType: "m7i.large" is not a GPU instance type of the catalog (families g4dn, g5, g6, g6e, p4d, p4de, p5, p5en, p5e); use tryFromAwsInstanceType to test a type, or Gpu.custom({...}) for another GPU',
    );
    expect(() => Gpu.fromAwsInstanceType("g5.3xlarge")).toThrow('"g5.3xlarge" is not a GPU instance type of the catalog');
  });

  test("awsInstanceType / gkeMachineType only find the GPU's own types", () => {
    expect(Gpu.NVIDIA_L4.awsInstanceType("g6.xlarge")?.gpuCount).toBe(1);
    expect(Gpu.NVIDIA_L4.awsInstanceType("g5.xlarge")).toBeUndefined();
    expect(Gpu.NVIDIA_A100_80GB.gkeMachineType("a2-ultragpu-1g")?.gpuCount).toBe(1);
    expect(Gpu.NVIDIA_A100_40GB.gkeMachineType("a2-ultragpu-1g")).toBeUndefined();
    expect(Gpu.NVIDIA_A10G.gkeMachineType("g2-standard-4")).toBeUndefined();
  });
});

describe("priceSources", () => {
  const sources = Gpu.priceSources();

  test("has aws and gcp entries only, each for the catalog's region", () => {
    expect(new Set(sources.map((s) => s.target))).toEqual(new Set(["aws", "gcp"]));
    for (const s of sources) {
      expect(s.region).toBe(s.target === "aws" ? "us-east-1" : "us-central1");
      expect(s.source.length).toBeGreaterThan(10);
    }
  });

  test("readOn is a valid ISO date, not in the future", () => {
    for (const s of sources) {
      expect(s.readOn).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      const d = new Date(`${s.readOn}T00:00:00Z`);
      expect(Number.isNaN(d.getTime())).toBe(false);
      expect(d.toISOString().slice(0, 10)).toBe(s.readOn);
      expect(d.getTime()).toBeLessThanOrEqual(Date.now());
    }
  });

  test("figures that are still estimates are declared as such, per target", () => {
    for (const target of ["aws", "gcp"]) {
      const forTarget = sources.filter((s) => s.target === target);
      expect(forTarget.length).toBeGreaterThan(0);
      expect(forTarget.some((s) => /estimate/i.test(s.source))).toBe(true);
      expect(forTarget.some((s) => !/estimate/i.test(s.source))).toBe(true);
    }
  });

  test("returns a fresh array every call", () => {
    const a = Gpu.priceSources();
    a.pop();
    expect(Gpu.priceSources()).toHaveLength(sources.length);
  });
});

describe("Gpu.custom", () => {
  test("uses exactly what is passed", () => {
    const gpu = Gpu.custom({
      id: "acme-x1",
      displayName: "Acme X1",
      memoryGiB: 64,
      productLabel: "Acme-X1",
      awsInstanceTypes: [
        { instanceType: "x1.big", gpuCount: 2, vcpus: 16, memoryGiB: 128, onDemandHourlyUsd: 5, spotHourlyUsd: 2 },
        { instanceType: "x1.small", gpuCount: 2, vcpus: 8, memoryGiB: 64, onDemandHourlyUsd: 3, spotHourlyUsd: 1 },
      ],
      gkeAcceleratorType: "acme-x1",
      gkeMachineFamily: "z9",
      gkeMachineTypes: [
        { machineType: "z9-standard-8", gpuCount: 1, vcpus: 8, memoryGiB: 32, onDemandHourlyUsd: 1.5, spotHourlyUsd: 0.5 },
      ],
    });
    expect(gpu).toBeInstanceOf(Gpu);
    expect([gpu.id, gpu.displayName, gpu.memoryGiB, gpu.productLabel]).toEqual(["acme-x1", "Acme X1", 64, "Acme-X1"]);
    expect(gpu.offeredOnAws).toBe(true);
    expect(gpu.offeredOnGke).toBe(true);
    expect(gpu.gkeAcceleratorType).toBe("acme-x1");
    expect(gpu.gkeMachineFamily).toBe("z9");
    expect(gpu.awsInstanceTypesWith(2).map((t) => t.instanceType)).toEqual(["x1.small", "x1.big"]);
    expect(gpu.gkeMachineTypesWith(1).map((t) => t.machineType)).toEqual(["z9-standard-8"]);
    expect(gpu.awsInstanceType("x1.big")?.vcpus).toBe(16);
  });

  test("defaults to not offered on either target", () => {
    const gpu = Gpu.custom({ id: "onprem-only", displayName: "On-prem only", memoryGiB: 32, productLabel: "OnPrem-GPU" });
    expect(gpu.offeredOnAws).toBe(false);
    expect(gpu.offeredOnGke).toBe(false);
    expect(gpu.awsInstanceTypes).toEqual([]);
    expect(gpu.gkeMachineTypes).toEqual([]);
    expect(gpu.gkeAcceleratorType).toBeUndefined();
    expect(gpu.awsInstanceTypesWith(1)).toEqual([]);
  });

  test("an accelerator type without machine types is not offered on GKE", () => {
    const gpu = Gpu.custom({
      id: "half",
      displayName: "Half configured",
      memoryGiB: 8,
      productLabel: "Half",
      gkeAcceleratorType: "nvidia-half",
    });
    expect(gpu.offeredOnGke).toBe(false);
  });

  test("custom GPUs do not join the catalog", () => {
    const gpu = Gpu.custom({ id: "nvidia-l4", displayName: "Private L4 price list", memoryGiB: 24, productLabel: "NVIDIA-L4" });
    expect(Gpu.all()).toHaveLength(9);
    expect(Gpu.all()).not.toContain(gpu);
    expect(Gpu.fromProductLabel("NVIDIA-L4")).toBe(Gpu.NVIDIA_L4);
  });
});

describe("availability", () => {
  const { OFFERED, NOT_OFFERED, UNKNOWN } = GpuAvailability;
  const awsCovered = Gpu.awsRegionsCovered();
  const gkeCovered = Gpu.gkeRegionsCovered();
  const regionOfZone = (zone: string) => zone.replace(/-[a-z0-9]+$/, "");

  test("the enum has exactly three values", () => {
    expect(Object.values(GpuAvailability).sort()).toEqual(["NOT_OFFERED", "OFFERED", "UNKNOWN"]);
  });

  test("the covered regions include the main regions of each target", () => {
    for (const r of [
      "us-east-1",
      "us-east-2",
      "us-west-2",
      "eu-west-1",
      "eu-central-1",
      "eu-west-2",
      "ap-northeast-1",
      "ap-southeast-1",
      "ap-south-1",
    ]) {
      expect(awsCovered).toContain(r);
    }
    for (const r of [
      "us-central1",
      "us-east1",
      "us-east4",
      "us-west1",
      "us-west4",
      "europe-west1",
      "europe-west4",
      "asia-east1",
      "asia-northeast1",
      "asia-southeast1",
    ]) {
      expect(gkeCovered).toContain(r);
    }
    expect(new Set(awsCovered).size).toBe(awsCovered.length);
    expect(new Set(gkeCovered).size).toBe(gkeCovered.length);
  });

  test("covered-region lists are fresh copies", () => {
    Gpu.awsRegionsCovered().pop();
    Gpu.gkeRegionsCovered().push("mars-north1");
    expect(Gpu.awsRegionsCovered()).toEqual(awsCovered);
    expect(Gpu.gkeRegionsCovered()).toEqual(gkeCovered);
  });

  test("every catalog GPU offered on AWS has AWS availability data within the covered regions", () => {
    for (const g of Gpu.all().filter((x) => x.offeredOnAws)) {
      expect(g.awsRegions.length).toBeGreaterThan(0);
      expect(new Set(g.awsRegions).size).toBe(g.awsRegions.length);
      for (const r of g.awsRegions) {
        expect([g.id, r, awsCovered.includes(r)]).toEqual([g.id, r, true]);
      }
    }
  });

  test("every gkeZones entry is a well-formed zone of a covered region, sorted and unique", () => {
    for (const g of Gpu.all()) {
      expect(g.gkeZones).toEqual([...g.gkeZones].sort());
      expect(new Set(g.gkeZones).size).toBe(g.gkeZones.length);
      for (const z of g.gkeZones) {
        expect(z).toMatch(/^[a-z]+(-[a-z]+)+\d+-[a-z]$/);
        expect([g.id, z, gkeCovered.includes(regionOfZone(z))]).toEqual([g.id, z, true]);
      }
    }
  });

  test("GPUs GKE offers have zone data, but the A3 Mega entry; A10G and L40S have none", () => {
    expect(MEGA.gkeZones).toEqual([]);
    expect(MEGA.gkeAvailability("us-central1")).toBe(UNKNOWN);
    expect(MEGA.gkeAvailability("us-central1-a")).toBe(UNKNOWN);
    for (const g of Gpu.all().filter((x) => x !== MEGA)) {
      expect([g.id, g.gkeZones.length > 0]).toEqual([g.id, g.offeredOnGke]);
    }
  });

  test("awsAvailability matches awsRegions over the covered regions", () => {
    for (const g of Gpu.all()) {
      for (const r of awsCovered) {
        expect([g.id, r, g.awsAvailability(r)]).toEqual([g.id, r, g.awsRegions.includes(r) ? OFFERED : NOT_OFFERED]);
      }
    }
  });

  test("a region is offered on GKE exactly when one of its zones is", () => {
    for (const g of Gpu.all().filter((x) => x.offeredOnGke && x !== MEGA)) {
      for (const r of gkeCovered) {
        const zones = g.gkeZonesIn(r);
        expect(zones.every((z) => regionOfZone(z) === r)).toBe(true);
        expect([g.id, r, g.gkeAvailability(r)]).toEqual([g.id, r, zones.length > 0 ? OFFERED : NOT_OFFERED]);
        for (const z of zones) {
          expect(g.gkeAvailability(z)).toBe(OFFERED);
        }
      }
    }
  });

  test("pinned AWS facts per GPU", () => {
    const facts: Array<[Gpu, string, GpuAvailability]> = [
      [Gpu.NVIDIA_T4, "us-east-1", OFFERED],
      [Gpu.NVIDIA_T4, "ap-southeast-1", OFFERED],
      [Gpu.NVIDIA_A10G, "eu-west-1", OFFERED],
      [Gpu.NVIDIA_A10G, "ap-southeast-1", NOT_OFFERED],
      [Gpu.NVIDIA_A10G, "us-west-1", NOT_OFFERED],
      [Gpu.NVIDIA_L4, "ap-south-1", OFFERED],
      [Gpu.NVIDIA_L4, "eu-west-1", NOT_OFFERED],
      [Gpu.NVIDIA_L40S, "us-east-1", OFFERED],
      [Gpu.NVIDIA_L40S, "eu-west-2", NOT_OFFERED],
      [Gpu.NVIDIA_A100_40GB, "eu-west-1", OFFERED],
      [Gpu.NVIDIA_A100_40GB, "ap-southeast-1", NOT_OFFERED],
      [Gpu.NVIDIA_A100_80GB, "ap-southeast-1", OFFERED],
      [Gpu.NVIDIA_A100_80GB, "us-east-2", NOT_OFFERED],
      [Gpu.NVIDIA_H100_80GB, "eu-west-2", OFFERED],
      [Gpu.NVIDIA_H100_80GB, "eu-central-1", NOT_OFFERED],
      // us-east-1 through p5en, eu-west-2 through p5e only.
      [Gpu.NVIDIA_H200, "us-east-1", OFFERED],
      [Gpu.NVIDIA_H200, "eu-west-2", OFFERED],
      [Gpu.NVIDIA_H200, "ap-southeast-1", NOT_OFFERED],
    ];
    for (const [g, region, expected] of facts) {
      expect([g.id, region, g.awsAvailability(region)]).toEqual([g.id, region, expected]);
    }
  });

  test("pinned GKE facts per GPU", () => {
    const facts: Array<[Gpu, string, GpuAvailability]> = [
      [Gpu.NVIDIA_T4, "us-central1-f", OFFERED],
      [Gpu.NVIDIA_T4, "us-west1-c", NOT_OFFERED],
      [Gpu.NVIDIA_L4, "us-central1-a", OFFERED],
      [Gpu.NVIDIA_L4, "europe-west4-c", OFFERED],
      [Gpu.NVIDIA_L4, "us-central1-f", NOT_OFFERED],
      [Gpu.NVIDIA_L4, "us-east4-b", NOT_OFFERED],
      [Gpu.NVIDIA_A100_40GB, "us-central1-f", OFFERED],
      [Gpu.NVIDIA_A100_40GB, "europe-west4-c", NOT_OFFERED],
      [Gpu.NVIDIA_A100_40GB, "us-east4", NOT_OFFERED],
      [Gpu.NVIDIA_A100_80GB, "us-east5-b", OFFERED],
      [Gpu.NVIDIA_A100_80GB, "us-central1-b", NOT_OFFERED],
      [Gpu.NVIDIA_H100_80GB, "us-central1-a", OFFERED],
      [Gpu.NVIDIA_H100_80GB, "us-east1", NOT_OFFERED],
      [Gpu.NVIDIA_H200, "us-central1-b", OFFERED],
      [Gpu.NVIDIA_H200, "us-south1-b", OFFERED],
      [Gpu.NVIDIA_H200, "us-central1-a", NOT_OFFERED],
      [Gpu.NVIDIA_H200, "asia-east1", NOT_OFFERED],
    ];
    for (const [g, location, expected] of facts) {
      expect([g.id, location, g.gkeAvailability(location)]).toEqual([g.id, location, expected]);
    }
  });

  test("regions vs zones on GKE", () => {
    // The region answers for any of its zones: H200 is only in us-central1-b.
    expect(Gpu.NVIDIA_H200.gkeAvailability("us-central1")).toBe(OFFERED);
    expect(Gpu.NVIDIA_H200.gkeZonesIn("us-central1")).toEqual(["us-central1-b"]);
    expect(Gpu.NVIDIA_L4.gkeZonesIn("us-central1")).toEqual(["us-central1-a", "us-central1-b", "us-central1-c"]);
    expect(Gpu.NVIDIA_T4.gkeZonesIn("us-central1")).toEqual([
      "us-central1-a",
      "us-central1-b",
      "us-central1-c",
      "us-central1-f",
    ]);
    // A region name is not a prefix match on other regions.
    expect(Gpu.NVIDIA_H100_80GB.gkeZonesIn("us-east")).toEqual([]);
    // gkeZonesIn takes a region, not a zone.
    expect(Gpu.NVIDIA_L4.gkeZonesIn("us-central1-a")).toEqual([]);
    // A zone name the data does not list, in a covered region, is not offered.
    expect(Gpu.NVIDIA_L4.gkeAvailability("us-central1-z")).toBe(NOT_OFFERED);
    // Not covered, not offered and not known are different answers for an empty list.
    expect(Gpu.NVIDIA_H200.gkeZonesIn("asia-east1")).toEqual([]);
    expect(Gpu.NVIDIA_H200.gkeZonesIn("southamerica-east1")).toEqual([]);
    expect(Gpu.NVIDIA_H200.gkeAvailability("southamerica-east1")).toBe(UNKNOWN);
  });

  test("UNKNOWN for regions and zones the data does not cover", () => {
    for (const g of Gpu.all().filter((x) => x.offeredOnAws)) {
      for (const r of ["sa-east-1", "af-south-1", "me-south-1", "us-gov-west-1", "", "${TfToken[TOKEN.1]}"]) {
        expect([g.id, r, g.awsAvailability(r)]).toEqual([g.id, r, UNKNOWN]);
      }
    }
    for (const g of Gpu.all().filter((x) => x.offeredOnGke)) {
      for (const l of ["southamerica-east1", "southamerica-east1-a", "me-west1", "europe-west9-c", "", "US-CENTRAL1", "${TfToken[TOKEN.2]}"]) {
        expect([g.id, l, g.gkeAvailability(l)]).toEqual([g.id, l, UNKNOWN]);
      }
    }
  });

  test("A10G and L40S are NOT_OFFERED on GKE everywhere, even outside the covered regions", () => {
    for (const g of [Gpu.NVIDIA_A10G, Gpu.NVIDIA_L40S]) {
      for (const l of ["us-central1", "us-central1-a", "europe-west4", "southamerica-east1", "southamerica-east1-a", ""]) {
        expect([g.id, l, g.gkeAvailability(l)]).toEqual([g.id, l, NOT_OFFERED]);
      }
      expect(g.gkeZones).toEqual([]);
      expect(g.gkeZonesIn("us-central1")).toEqual([]);
    }
  });

  describe("availabilitySources", () => {
    const sources = Gpu.availabilitySources();

    test("one entry per target, for multiple regions, naming the commit read", () => {
      expect(sources.map((s) => s.target).sort()).toEqual(["aws", "gcp"]);
      for (const s of sources) {
        expect(s.region).toBe("multiple");
        expect(s.source).toMatch(/skypilot-catalog/);
        expect(s.source).toMatch(/commit [0-9a-f]{40}/);
      }
    });

    test("readOn is a valid ISO date, not in the future", () => {
      for (const s of sources) {
        expect(s.readOn).toMatch(/^\d{4}-\d{2}-\d{2}$/);
        const d = new Date(`${s.readOn}T00:00:00Z`);
        expect(d.toISOString().slice(0, 10)).toBe(s.readOn);
        expect(d.getTime()).toBeLessThanOrEqual(Date.now());
      }
    });

    test("returns a fresh array every call", () => {
      Gpu.availabilitySources().pop();
      expect(Gpu.availabilitySources()).toHaveLength(sources.length);
    });
  });

  describe("custom GPUs", () => {
    const base = {
      displayName: "Acme X1",
      memoryGiB: 64,
      productLabel: "Acme-X1",
      awsInstanceTypes: [
        { instanceType: "x1.big", gpuCount: 1, vcpus: 8, memoryGiB: 64, onDemandHourlyUsd: 3, spotHourlyUsd: 1 },
      ],
      gkeAcceleratorType: "acme-x1",
      gkeMachineFamily: "z9",
      gkeMachineTypes: [
        { machineType: "z9-standard-8", gpuCount: 1, vcpus: 8, memoryGiB: 32, onDemandHourlyUsd: 1.5, spotHourlyUsd: 0.5 },
      ],
    };

    test("without availability data everything offered is UNKNOWN", () => {
      const gpu = Gpu.custom({ id: "acme-x1", ...base });
      expect(gpu.awsRegions).toEqual([]);
      expect(gpu.gkeZones).toEqual([]);
      expect(gpu.awsAvailability("us-east-1")).toBe(UNKNOWN);
      expect(gpu.gkeAvailability("us-central1")).toBe(UNKNOWN);
      expect(gpu.gkeAvailability("us-central1-a")).toBe(UNKNOWN);
    });

    test("with availability data, listed locations are offered and other covered ones are not", () => {
      const gpu = Gpu.custom({
        id: "acme-x1",
        ...base,
        awsRegions: ["eu-west-1", "sa-east-1"],
        gkeZones: ["us-east1-c", "us-central1-b"],
      });
      expect(gpu.gkeZones).toEqual(["us-central1-b", "us-east1-c"]);
      expect(gpu.awsAvailability("eu-west-1")).toBe(OFFERED);
      expect(gpu.awsAvailability("sa-east-1")).toBe(OFFERED);
      expect(gpu.awsAvailability("us-east-1")).toBe(NOT_OFFERED);
      expect(gpu.awsAvailability("ap-east-1")).toBe(UNKNOWN);
      expect(gpu.gkeAvailability("us-central1")).toBe(OFFERED);
      expect(gpu.gkeAvailability("us-central1-a")).toBe(NOT_OFFERED);
      expect(gpu.gkeAvailability("europe-west4")).toBe(NOT_OFFERED);
      expect(gpu.gkeZonesIn("us-east1")).toEqual(["us-east1-c"]);
    });

    test("a GPU without types on a target is NOT_OFFERED there, whatever the location", () => {
      const gpu = Gpu.custom({ id: "onprem-only", displayName: "On-prem only", memoryGiB: 32, productLabel: "OnPrem-GPU" });
      expect(gpu.awsAvailability("us-east-1")).toBe(NOT_OFFERED);
      expect(gpu.awsAvailability("sa-east-1")).toBe(NOT_OFFERED);
      expect(gpu.gkeAvailability("us-central1-a")).toBe(NOT_OFFERED);
      expect(gpu.gkeAvailability("southamerica-east1")).toBe(NOT_OFFERED);
    });

    test("the props arrays are copied", () => {
      const awsRegions = ["eu-west-1"];
      const gpu = Gpu.custom({ id: "acme-x1", ...base, awsRegions });
      awsRegions.push("us-east-1");
      expect(gpu.awsRegions).toEqual(["eu-west-1"]);
    });
  });
});
