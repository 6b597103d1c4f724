import { Testing, TerraformStack, Token } from "cdktf";
import { Construct } from "constructs";
import { Gpu } from "../../lib/core/gpu";
import {
  allocatableOf,
  knownMachineShapes,
  machineShape,
  tryMachineShape,
  validateAwsInstanceType,
  validateGcpMachineType,
} from "../../lib/core/machine-types";

const scope = () => new Construct(new TerraformStack(Testing.app(), "infra"), "Pool");
const shape = (name: string) => {
  const s = machineShape(name);
  return [s.vcpus, s.memoryGiB];
};

describe("machine shapes", () => {
  test("published figures of common AWS types", () => {
    expect(shape("m5.large")).toEqual([2, 8]);
    expect(shape("m6i.16xlarge")).toEqual([64, 256]);
    expect(shape("m7i.xlarge")).toEqual([4, 16]);
    expect(shape("m7a.medium")).toEqual([1, 4]);
    expect(shape("c7i.2xlarge")).toEqual([8, 16]);
    expect(shape("r7i.4xlarge")).toEqual([16, 128]);
    expect(shape("t3.medium")).toEqual([2, 4]);
    expect(machineShape("m7i.large").cloud).toBe("aws");
  });

  test("published figures of common GCP types", () => {
    expect(shape("e2-standard-2")).toEqual([2, 8]);
    expect(shape("e2-standard-32")).toEqual([32, 128]);
    expect(shape("e2-medium")).toEqual([2, 4]);
    expect(shape("n2-standard-8")).toEqual([8, 32]);
    expect(shape("n2d-standard-16")).toEqual([16, 64]);
    expect(shape("c3-standard-22")).toEqual([22, 88]);
    expect(shape("n1-standard-8")).toEqual([8, 30]);
    expect(shape("n1-highmem-16")).toEqual([16, 104]);
    expect(machineShape("n2-standard-8").cloud).toBe("gcp");
  });

  test("every GPU instance and machine type of the GPU catalog, with the catalog's figures", () => {
    for (const g of Gpu.all()) {
      for (const t of g.awsInstanceTypes) expect([t.instanceType, shape(t.instanceType)]).toEqual([t.instanceType, [t.vcpus, t.memoryGiB]]);
      for (const t of g.gkeMachineTypes) expect([t.machineType, shape(t.machineType)]).toEqual([t.machineType, [t.vcpus, t.memoryGiB]]);
    }
    expect(shape("g5.xlarge")).toEqual([4, 16]);
    expect(shape("p4d.24xlarge")).toEqual([96, 1152]);
    expect(shape("a2-highgpu-1g")).toEqual([12, 85]);
    expect(shape("g2-standard-8")).toEqual([8, 32]);
    expect(shape("a3-megagpu-8g")).toEqual([208, 1872]);
  });

  test("every AWS general-purpose family covers large to 16xlarge", () => {
    for (const family of ["m5", "m6i", "m7i", "m7a", "c7i", "r7i"]) {
      for (const size of ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge"]) {
        expect(tryMachineShape(`${family}.${size}`)).toBeDefined();
      }
    }
    expect(knownMachineShapes("aws").every((s) => s.cloud === "aws")).toBe(true);
  });

  test("unknown types: undefined from tryMachineShape, a clear error from machineShape", () => {
    expect(tryMachineShape("x9z.huge")).toBeUndefined();
    expect(tryMachineShape(42 as unknown as string)).toBeUndefined();
    expect(() => machineShape("x9z.huge")).toThrow('Unknown instance or machine type "x9z.huge": the machine-shape catalog knows');
  });

  test("allocatable: capacity minus the kubelet reservation, eviction threshold and cloud DaemonSets", () => {
    // 2 vCPUs: 60m + 10m reserved, 250m for cloud DaemonSets.
    // 8 GiB: 1024 + 819.2 MiB reserved, 100 MiB eviction, 300 MiB DaemonSets.
    expect(allocatableOf(machineShape("m5.large"))).toEqual({ cpuMillis: 1680, memoryMiB: 5948 });
    // 4 vCPUs: 60 + 10 + 5 + 5 = 80m; 16 GiB: 1024 + 819.2 + 819.2 = 2662.4 MiB.
    expect(allocatableOf(machineShape("m7i.xlarge"))).toEqual({ cpuMillis: 3670, memoryMiB: 13321 });
    // 8 vCPUs: 80 + 4 x 2.5 = 90m; 32 GiB: 2662.4 + 16 x 61.44 = 3645.44 MiB.
    expect(allocatableOf(machineShape("n2-standard-8"))).toEqual({ cpuMillis: 7660, memoryMiB: 28722 });
    // Small shared-core nodes keep little.
    expect(allocatableOf(machineShape("e2-medium"))).toEqual({ cpuMillis: 1680, memoryMiB: 2672 });
  });
});

describe("validateAwsInstanceType", () => {
  test("accepts catalog types, unknown families and metal sizes; skips tokens", () => {
    const s = scope();
    for (const ok of ["m7i.large", "g5.48xlarge", "p5.48xlarge", "trn1.32xlarge", "m7i-flex.large", "c7i.metal-24xl", "g4dn.metal", "u7i-12tb.224xlarge"]) {
      expect(() => validateAwsInstanceType(s, "instanceTypes[0]", ok)).not.toThrow();
    }
    expect(() => validateAwsInstanceType(s, "instanceTypes[0]", Token.asString({ Ref: "x" }))).not.toThrow();
    expect(() => validateAwsInstanceType(s, "instanceTypes[0]", undefined)).not.toThrow();
  });

  test("rejects malformed names and sizes a known family does not have", () => {
    const s = scope();
    expect(() => validateAwsInstanceType(s, "instanceTypes[0]", "m7i-large")).toThrow(
      'infra/Pool: invalid instanceTypes[0] "m7i-large": must be an EC2 instance type such as m7i.xlarge or g6.2xlarge (family, a dot, a size)',
    );
    expect(() => validateAwsInstanceType(s, "instanceTypes[0]", "m7i.larg")).toThrow('invalid instanceTypes[0] "m7i.larg": must be an EC2 instance type');
    expect(() => validateAwsInstanceType(s, "instanceTypes[0]", "M7i.large")).toThrow('invalid instanceTypes[0] "M7i.large"');
    expect(() => validateAwsInstanceType(s, "instanceTypes[0]", 5)).toThrow("invalid instanceTypes[0] 5: must be an EC2 instance type");
    expect(() => validateAwsInstanceType(s, "instanceTypes[0]", "g5.3xlarge")).toThrow(
      'infra/Pool: invalid instanceTypes[0] "g5.3xlarge": is not a size of the g5 family; it has g5.xlarge, g5.2xlarge, g5.4xlarge, g5.8xlarge, g5.12xlarge, g5.16xlarge, g5.24xlarge, g5.48xlarge',
    );
    expect(() => validateAwsInstanceType(s, "instanceTypes[0]", "m7i.3xlarge")).toThrow('invalid instanceTypes[0] "m7i.3xlarge": is not a size of the m7i family');
  });
});

describe("validateGcpMachineType", () => {
  test("accepts catalog types, unknown series, shared-core and custom types; skips tokens", () => {
    const s = scope();
    for (const ok of ["n2-standard-8", "a3-megagpu-8g", "e2-medium", "n4-highmem-8", "c4a-standard-8", "n2-custom-4-16384", "custom-2-8192", "c3-standard-4-lssd", "a4-highgpu-8g"]) {
      expect(() => validateGcpMachineType(s, "machineType", ok)).not.toThrow();
    }
    expect(() => validateGcpMachineType(s, "machineType", Token.asString({ Ref: "x" }))).not.toThrow();
  });

  test("rejects malformed names and sizes a known series does not have", () => {
    const s = scope();
    for (const bad of ["n2-standard", "g5.xlarge", "N2-standard-8", "n2_standard_8", ""]) {
      expect(() => validateGcpMachineType(s, "machineType", bad)).toThrow(
        `infra/Pool: invalid machineType ${JSON.stringify(bad)}: must be a Compute Engine machine type such as n2-standard-8`,
      );
    }
    expect(() => validateGcpMachineType(s, "machineType", ["n2-standard-8"])).toThrow('invalid machineType ["n2-standard-8"]: must be a Compute Engine machine type');
    expect(() => validateGcpMachineType(s, "machineType", "n2-standard-6")).toThrow(
      'infra/Pool: invalid machineType "n2-standard-6": is not a machine type of the n2-standard series; it has n2-standard-2, n2-standard-4, n2-standard-8',
    );
    expect(() => validateGcpMachineType(s, "machineType", "a3-highgpu-3g")).toThrow(
      'invalid machineType "a3-highgpu-3g": is not a machine type of the a3-highgpu series; it has a3-highgpu-1g, a3-highgpu-2g, a3-highgpu-4g, a3-highgpu-8g',
    );
  });
});
