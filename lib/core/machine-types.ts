import { IConstruct } from "constructs";
import { Gpu } from "./gpu";
import { invalid, isUnresolved, validateList } from "./validation";

/*
 * Internal (not exported from the package): vCPUs and memory of AWS instance types and GCP
 * machine types, the allocatable share a node leaves to pods, and name checks for both.
 *
 * Figures are the published ones (Amazon EC2 instance type pages; Compute Engine machine family
 * pages, whose "GB" of memory are GiB, 2^30 bytes). GPU instance and machine types come from the
 * GPU catalog (`Gpu.all()`), so the two never disagree. The catalog cannot know every type: an
 * unknown but well-formed name is accepted by the name checks, and lookups answer undefined
 * (`tryMachineShape`) or throw (`machineShape`).
 */

/** vCPUs and memory of one instance or machine type. */
export interface MachineShape {
  /** Instance type (`m7i.xlarge`) or machine type (`n2-standard-8`). */
  readonly name: string;
  /** `aws` or `gcp`. */
  readonly cloud: string;
  /** vCPUs. */
  readonly vcpus: number;
  /** Memory in GiB. */
  readonly memoryGiB: number;
}

/** What a node of a shape leaves to pods, per the estimate in `allocatableOf`. */
export interface Allocatable {
  /** CPU in millicores. */
  readonly cpuMillis: number;
  /** Memory in MiB. */
  readonly memoryMiB: number;
}

/** Size suffixes of the standard AWS ladder: `large` = 2 vCPUs, `xlarge` = 4, `Nxlarge` = 4N. */
function awsSizeVcpus(size: string): number | undefined {
  if (size === "medium") return 1;
  if (size === "large") return 2;
  if (size === "xlarge") return 4;
  const m = /^(\d+)xlarge$/.exec(size);
  return m ? 4 * Number(m[1]) : undefined;
}

/** AWS general-purpose, compute and memory families: GiB per vCPU and the sizes each has. */
const AWS_FAMILIES: ReadonlyArray<{ families: string[]; gibPerVcpu: number; sizes: string[] }> = [
  { families: ["m5", "m6i"], gibPerVcpu: 4, sizes: ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge"] },
  { families: ["m6a", "m6i"], gibPerVcpu: 4, sizes: ["32xlarge"] },
  { families: ["m6a"], gibPerVcpu: 4, sizes: ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "48xlarge"] },
  { families: ["m7i"], gibPerVcpu: 4, sizes: ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "48xlarge"] },
  { families: ["m7a"], gibPerVcpu: 4, sizes: ["medium", "large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "32xlarge", "48xlarge"] },
  { families: ["c6i", "c7i"], gibPerVcpu: 2, sizes: ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge"] },
  { families: ["c6i"], gibPerVcpu: 2, sizes: ["32xlarge"] },
  { families: ["c7i"], gibPerVcpu: 2, sizes: ["48xlarge"] },
  { families: ["r6i", "r7i"], gibPerVcpu: 8, sizes: ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge"] },
  { families: ["r6i"], gibPerVcpu: 8, sizes: ["32xlarge"] },
  { families: ["r7i"], gibPerVcpu: 8, sizes: ["48xlarge"] },
];

/** Burstable t3 sizes (vCPUs, GiB), as published. */
const AWS_T3: ReadonlyArray<[string, number, number]> = [
  ["nano", 2, 0.5],
  ["micro", 2, 1],
  ["small", 2, 2],
  ["medium", 2, 4],
  ["large", 2, 8],
  ["xlarge", 4, 16],
  ["2xlarge", 8, 32],
];

/** GCP series with N vCPUs: GiB per vCPU and the vCPU counts each has. */
const GCP_SERIES: ReadonlyArray<{ series: string; gibPerVcpu: number; vcpus: number[] }> = [
  { series: "e2-standard", gibPerVcpu: 4, vcpus: [2, 4, 8, 16, 32] },
  { series: "e2-highmem", gibPerVcpu: 8, vcpus: [2, 4, 8, 16] },
  { series: "e2-highcpu", gibPerVcpu: 1, vcpus: [2, 4, 8, 16, 32] },
  { series: "n2-standard", gibPerVcpu: 4, vcpus: [2, 4, 8, 16, 32, 48, 64, 80, 96, 128] },
  { series: "n2-highmem", gibPerVcpu: 8, vcpus: [2, 4, 8, 16, 32, 48, 64, 80, 96, 128] },
  { series: "n2-highcpu", gibPerVcpu: 1, vcpus: [2, 4, 8, 16, 32, 48, 64, 80, 96] },
  { series: "n2d-standard", gibPerVcpu: 4, vcpus: [2, 4, 8, 16, 32, 48, 64, 80, 96, 128, 224] },
  { series: "n2d-highmem", gibPerVcpu: 8, vcpus: [2, 4, 8, 16, 32, 48, 64, 80, 96] },
  { series: "n2d-highcpu", gibPerVcpu: 1, vcpus: [2, 4, 8, 16, 32, 48, 64, 80, 96, 128, 224] },
  { series: "c3-standard", gibPerVcpu: 4, vcpus: [4, 8, 22, 44, 88, 176] },
  { series: "c3-highmem", gibPerVcpu: 8, vcpus: [4, 8, 22, 44, 88, 176] },
  { series: "c3-highcpu", gibPerVcpu: 2, vcpus: [4, 8, 22, 44, 88, 176] },
  { series: "n1-standard", gibPerVcpu: 3.75, vcpus: [1, 2, 4, 8, 16, 32, 64, 96] },
  { series: "n1-highmem", gibPerVcpu: 6.5, vcpus: [2, 4, 8, 16, 32, 64, 96] },
  { series: "n1-highcpu", gibPerVcpu: 0.9, vcpus: [2, 4, 8, 16, 32, 64, 96] },
];

/** GCP shared-core machine types (vCPUs, GiB), as published. */
const GCP_SHARED: ReadonlyArray<[string, number, number]> = [
  ["e2-micro", 2, 1],
  ["e2-small", 2, 2],
  ["e2-medium", 2, 4],
];

let catalog: Map<string, MachineShape> | undefined;

/** Built on first use: the GPU catalog is a class with static members initialised at load. */
function shapes(): Map<string, MachineShape> {
  if (catalog) return catalog;
  const out = new Map<string, MachineShape>();
  const add = (cloud: string, name: string, vcpus: number, memoryGiB: number) => {
    if (!out.has(`${cloud}:${name}`)) out.set(`${cloud}:${name}`, { name, cloud, vcpus, memoryGiB });
  };
  for (const group of AWS_FAMILIES) {
    for (const family of group.families) {
      for (const size of group.sizes) {
        const vcpus = awsSizeVcpus(size)!;
        add("aws", `${family}.${size}`, vcpus, vcpus * group.gibPerVcpu);
      }
    }
  }
  for (const [size, vcpus, gib] of AWS_T3) add("aws", `t3.${size}`, vcpus, gib);
  for (const s of GCP_SERIES) for (const n of s.vcpus) add("gcp", `${s.series}-${n}`, n, s.gibPerVcpu * n);
  for (const [name, vcpus, gib] of GCP_SHARED) add("gcp", name, vcpus, gib);
  for (const gpu of Gpu.all()) {
    for (const t of gpu.awsInstanceTypes) add("aws", t.instanceType, t.vcpus, t.memoryGiB);
    for (const t of gpu.gkeMachineTypes) add("gcp", t.machineType, t.vcpus, t.memoryGiB);
  }
  catalog = out;
  return out;
}

/** True when `name` looks like an AWS instance type (has a dot); GCP machine types never do. */
function cloudOf(name: string): string {
  return name.includes(".") ? "aws" : "gcp";
}

/**
 * The shape of an AWS instance type (`m7i.xlarge`, has a dot) or GCP machine type
 * (`n2-standard-8`), or undefined when the catalog does not know it.
 */
export function tryMachineShape(name: string): MachineShape | undefined {
  if (typeof name !== "string") return undefined;
  return shapes().get(`${cloudOf(name)}:${name}`);
}

/** The shape of an instance or machine type; throws naming the type when the catalog does not know it. */
export function machineShape(name: string): MachineShape {
  const shape = tryMachineShape(name);
  if (!shape) {
    throw new Error(
      `Unknown instance or machine type ${JSON.stringify(name)}: the machine-shape catalog knows the GPU catalog's types, ` +
        "AWS m5, m6i, m6a, m7i, m7a, c6i, c7i, r6i, r7i and t3, and GCP e2, n1, n2, n2d and c3 standard/highmem/highcpu types",
    );
  }
  return shape;
}

/** Every shape in the catalog of one cloud (`aws` or `gcp`), by name. */
export function knownMachineShapes(cloud: string): MachineShape[] {
  return [...shapes().values()].filter((s) => s.cloud === cloud).sort((a, b) => a.name.localeCompare(b.name));
}

/** Millicores a node keeps for the kubelet and system daemons: 6% of the first core, 1% of the next, 0.5% of the next 2, 0.25% above 4. */
function reservedCpuMillis(vcpus: number): number {
  const tiers: Array<[number, number]> = [[1, 0.06], [1, 0.01], [2, 0.005], [Number.POSITIVE_INFINITY, 0.0025]];
  let left = vcpus;
  let reserved = 0;
  for (const [cores, share] of tiers) {
    const take = Math.min(left, cores);
    reserved += take * 1000 * share;
    left -= take;
    if (left <= 0) break;
  }
  return reserved;
}

/** MiB a node keeps for the kubelet: 25% of the first 4 GiB, 20% of the next 4, 10% of the next 8, 6% of the next 112, 2% above 128. */
function reservedMemoryMiB(memoryGiB: number): number {
  if (memoryGiB < 1) return 255;
  const tiers: Array<[number, number]> = [[4, 0.25], [4, 0.2], [8, 0.1], [112, 0.06], [Number.POSITIVE_INFINITY, 0.02]];
  let left = memoryGiB;
  let reserved = 0;
  for (const [gib, share] of tiers) {
    const take = Math.min(left, gib);
    reserved += take * 1024 * share;
    left -= take;
    if (left <= 0) break;
  }
  return reserved;
}

/** The kubelet's hard eviction threshold, `memory.available<100Mi` on EKS and GKE. */
export const EVICTION_THRESHOLD_MIB = 100;
/**
 * An estimate of what the cloud's own DaemonSets request on every node (VPC CNI or netd,
 * kube-proxy, CSI node plugins, log and metrics agents); not read from a published figure.
 */
export const CLOUD_DAEMONSETS_CPU_MILLIS = 250;
/** See `CLOUD_DAEMONSETS_CPU_MILLIS`: the memory part of the estimate, in MiB. */
export const CLOUD_DAEMONSETS_MEMORY_MIB = 300;

/**
 * What a node of `shape` leaves to pods Strata adds, a conservative estimate used for the system
 * capacity check: capacity minus the kubelet and system reservation GKE documents (CPU: 6% of the
 * first core, 1% of the second, 0.5% of the next two, 0.25% above four; memory: 25% of the first
 * 4 GiB, 20% of the next 4, 10% of the next 8, 6% of the next 112, 2% above 128 GiB), minus the
 * 100 MiB eviction threshold, minus an allowance for the cloud's own DaemonSets
 * (`CLOUD_DAEMONSETS_*`). The same formula serves EKS, whose AMI reserves less memory on nodes up
 * to about 64 GiB, so the estimate errs low there.
 */
export function allocatableOf(shape: MachineShape): Allocatable {
  return {
    cpuMillis: Math.floor(shape.vcpus * 1000 - reservedCpuMillis(shape.vcpus) - CLOUD_DAEMONSETS_CPU_MILLIS),
    memoryMiB: Math.floor(shape.memoryGiB * 1024 - reservedMemoryMiB(shape.memoryGiB) - EVICTION_THRESHOLD_MIB - CLOUD_DAEMONSETS_MEMORY_MIB),
  };
}

// -------------------------------------------------------------------------------------------------
// Name checks
// -------------------------------------------------------------------------------------------------

/** An AWS instance type: family (with optional `-flex` etc. and generation attributes), a dot, a size. */
const AWS_INSTANCE_TYPE = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)?\.(?:nano|micro|small|medium|large|\d*xlarge|metal(?:-\d+xl)?)$/;
/** A GCP machine type: `series-kind-N[suffix]`, `series-kind` (shared core), or a custom type. */
const GCP_MACHINE_TYPE = /^(?:[a-z][a-z0-9]*-[a-z]+(?:-\d+[a-z]*)?(?:-[a-z]+)?|(?:[a-z][a-z0-9]*-)?custom-\d+-\d+(?:-ext)?)$/;

/** The sizes the catalog knows of an AWS family, or undefined when it knows none. */
function awsFamilySizes(family: string): string[] | undefined {
  const sizes = knownMachineShapes("aws")
    .filter((s) => s.name.startsWith(`${family}.`))
    .map((s) => s.name.slice(family.length + 1));
  if (sizes.length === 0) return undefined;
  return sizes.sort((a, b) => (awsSizeVcpus(a) ?? 1e9) - (awsSizeVcpus(b) ?? 1e9) || a.localeCompare(b));
}

/**
 * Checks an AWS EC2 instance type name: well-formed (`m7i.large`, not `m7i-large` or `m7i.larg`),
 * and, for a family the machine-shape catalog knows, a size that family has (`g5.3xlarge` and
 * `m7i.3xlarge` are rejected). A well-formed type of a family the catalog does not know is
 * accepted. Throws the standard Strata error naming `prop`; skips unresolved tokens.
 */
export function validateAwsInstanceType(scope: IConstruct, prop: string, value: unknown): void {
  if (value === undefined || isUnresolved(value)) return;
  if (typeof value !== "string" || !AWS_INSTANCE_TYPE.test(value)) {
    invalid(scope, prop, value, "must be an EC2 instance type such as m7i.xlarge or g6.2xlarge (family, a dot, a size)");
  }
  const family = value.slice(0, value.indexOf("."));
  const sizes = awsFamilySizes(family);
  if (sizes !== undefined && tryMachineShape(value) === undefined && !/^metal/.test(value.slice(family.length + 1))) {
    invalid(scope, prop, value, `is not a size of the ${family} family; it has ${sizes.map((s) => `${family}.${s}`).join(", ")}`);
  }
}

/**
 * Checks a list of EC2 instance types from an untyped caller: a list (not a string), each entry
 * checked by `validateAwsInstanceType`. Skips undefined and unresolved tokens.
 */
export function validateAwsInstanceTypeList(scope: IConstruct, prop: string, value: unknown): void {
  if (value === undefined || isUnresolved(value)) return;
  validateList(scope, prop, value, '["g6.xlarge"]');
  (value as unknown[]).forEach((v, i) => validateAwsInstanceType(scope, `${prop}[${i}]`, v));
}

/** The series of a GCP machine type (`n2-standard` of `n2-standard-8`), or undefined for shared-core and custom types. */
function gcpSeries(machineType: string): string | undefined {
  const m = /^([a-z][a-z0-9]*-[a-z]+)-\d+[a-z]*$/.exec(machineType);
  return m && !m[1].endsWith("-custom") ? m[1] : undefined;
}

/**
 * Checks a GCP machine type name: well-formed (`n2-standard-8`, `a3-highgpu-8g`, `e2-medium`,
 * `n2-custom-4-16384`), and, for a series the machine-shape catalog knows, a size that series has
 * (`n2-standard-6` is rejected). A well-formed type of a series the catalog does not know is
 * accepted. Throws the standard Strata error naming `prop`; skips unresolved tokens.
 */
export function validateGcpMachineType(scope: IConstruct, prop: string, value: unknown): void {
  if (value === undefined || isUnresolved(value)) return;
  if (typeof value !== "string" || !GCP_MACHINE_TYPE.test(value) || value.includes(".")) {
    invalid(scope, prop, value, "must be a Compute Engine machine type such as n2-standard-8 or g2-standard-8 (series, kind, size)");
  }
  if (knownMachineShapes("gcp").some((s) => gcpSeries(s.name) === value)) {
    invalid(scope, prop, value, `must be a Compute Engine machine type such as n2-standard-8 (series, kind, size): give a size of the ${value} series`);
  }
  const series = gcpSeries(value);
  if (series === undefined || tryMachineShape(value) !== undefined) return;
  const known = knownMachineShapes("gcp").filter((s) => gcpSeries(s.name) === series);
  if (known.length > 0) {
    const names = known.sort((a, b) => a.vcpus - b.vcpus || a.name.localeCompare(b.name)).map((s) => s.name);
    invalid(scope, prop, value, `is not a machine type of the ${series} series; it has ${names.join(", ")}`);
  }
}
