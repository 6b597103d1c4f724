import { Testing } from "cdktf";
import { CapacityType, NodePoolInfo, NodePoolPurpose, SystemWorkload, TaintEffect } from "../../lib/core/cluster";
import { Gpu } from "../../lib/core/gpu";
import { systemCapacityShortfall, systemNodesNeeded } from "../../lib/core/node-pools";
import { EksCluster } from "../../lib/compute/eks-cluster";
import { ExistingCluster } from "../../lib/compute/existing-cluster";
import { annotations, awsStack, bareStack } from "../support/synth";

const pool = (name: string, purpose: NodePoolPurpose, instanceTypes: string[] | undefined, maxNodes: number, extra: Partial<NodePoolInfo> = {}): NodePoolInfo => ({
  name,
  purpose,
  capacityType: CapacityType.ON_DEMAND,
  labels: {},
  taints: [],
  minNodes: 1,
  maxNodes,
  instanceTypes,
  ...extra,
});
const w = (name: string, cpuMillis: number, memoryMiB: number, replicas = 1, perNode = false): SystemWorkload => ({ name, cpuMillis, memoryMiB, replicas, perNode });

// m7i.large: 1680m and 5948 MiB allocatable (see machine-types.test.ts).
describe("systemNodesNeeded", () => {
  test("requests at full packing plus one spare node", () => {
    expect(systemNodesNeeded([], ["m7i.large"])).toBe(1);
    expect(systemNodesNeeded([w("kueue", 500, 512, 2)], ["m7i.large"])).toBe(2);
    // 4 x 1000m = 4000m over 1680m per node: 3 nodes, plus 1.
    expect(systemNodesNeeded([w("big", 1000, 256, 4)], ["m7i.large"])).toBe(4);
    // Memory decides: 6 x 2 GiB over 5948 MiB per node: 3 nodes, plus 1.
    expect(systemNodesNeeded([w("mem", 100, 2048, 6)], ["m7i.large"])).toBe(4);
  });

  test("DaemonSet pods take their share of every node; the smallest listed type counts", () => {
    // 1680 - 680 = 1000m free per node: 4000m needs 4 nodes, plus 1.
    expect(systemNodesNeeded([w("big", 1000, 256, 4), w("agent", 680, 64, 1, true)], ["m7i.large"])).toBe(5);
    expect(systemNodesNeeded([w("big", 1000, 256, 4)], ["m7i.xlarge", "m7i.large"])).toBe(systemNodesNeeded([w("big", 1000, 256, 4)], ["m7i.large"]));
    expect(systemNodesNeeded([w("big", 1000, 256, 4)], ["m7i.xlarge"])).toBe(3);
  });

  test("throws on unknown types and pods that fit on no node", () => {
    expect(() => systemNodesNeeded([w("a", 1, 1)], ["x9.huge"])).toThrow('systemNodesNeeded: instance types ["x9.huge"] must be a non-empty list of types the machine-shape catalog knows');
    expect(() => systemNodesNeeded([w("a", 1, 1)], [])).toThrow("must be a non-empty list");
    expect(() => systemNodesNeeded([w("huge", 4000, 512)], ["m7i.large"])).toThrow("cannot hold the DaemonSet pods and the largest system pod; choose a larger instance type");
  });
});

describe("systemCapacityShortfall", () => {
  const system = pool("system", NodePoolPurpose.SYSTEM, ["m7i.large"], 2);

  test("none when the requests fit, or when there is nothing to check", () => {
    expect(systemCapacityShortfall([system], [w("kueue", 500, 512, 2)])).toBeUndefined();
    expect(systemCapacityShortfall([system], [])).toBeUndefined();
    expect(systemCapacityShortfall([], [w("big", 9000, 512)])).toBeUndefined();
  });

  test("unknown capacity is not a shortfall: no instance types, unknown types, token sizes", () => {
    const big = [w("big", 9000, 512, 4)];
    expect(systemCapacityShortfall([pool("system", NodePoolPurpose.SYSTEM, undefined, 2)], big)).toBeUndefined();
    expect(systemCapacityShortfall([pool("system", NodePoolPurpose.SYSTEM, ["x9.huge"], 2)], big)).toBeUndefined();
    expect(systemCapacityShortfall([system, pool("general", NodePoolPurpose.GENERAL, [], 2)], big)).toBeUndefined();
  });

  test("counts SYSTEM pools and untainted GENERAL pools, never GPU or tainted pools", () => {
    const workloads = [w("big", 1000, 512, 5)]; // 5000m; 2 x 1680m = 3360m on the system pool.
    expect(systemCapacityShortfall([system], workloads)).toBeDefined();
    expect(systemCapacityShortfall([system, pool("general", NodePoolPurpose.GENERAL, ["m7i.large"], 1)], workloads)).toBeUndefined();
    const tainted = pool("general", NodePoolPurpose.GENERAL, ["m7i.large"], 1, { taints: [{ key: "team", value: "a", effect: TaintEffect.NO_SCHEDULE }] });
    expect(systemCapacityShortfall([system, tainted], workloads)).toBeDefined();
    const gpu = pool("gpu", NodePoolPurpose.INFERENCE, ["g6.xlarge"], 10, { gpu: Gpu.NVIDIA_L4, gpusPerNode: 1 });
    expect(systemCapacityShortfall([system, gpu], workloads)).toBeDefined();
  });

  test("the message names the pools, the totals and what to change", () => {
    const out = systemCapacityShortfall([system], [w("big", 1000, 512, 5), w("agent", 100, 128, 1, true)])!;
    expect(out.capacity).toEqual({ cpuMillis: 2 * 1580, memoryMiB: 2 * (5948 - 128) });
    expect(out.message).toBe(
      'is below the requests: the pods Strata adds to system nodes request 5 vCPU and 2.5 GiB, plus 0.10 vCPU and 0.1 GiB of DaemonSet pods on every node, but the system pools "system" (2 x m7i.large) hold 3.16 vCPU and 11.4 GiB for them at maxNodes (allocatable estimate: capacity minus the kubelet reserve, eviction threshold and cloud DaemonSets); Helm releases would wait for pods that cannot be scheduled. Raise maxNodes of pool "system" to at least 5 (the requests plus one spare node), or choose a larger instance type',
    );
  });

  test("a pod larger than any system node is a shortfall even when the total fits", () => {
    const out = systemCapacityShortfall([pool("system", NodePoolPurpose.SYSTEM, ["m7i.large"], 10)], [w("huge", 2000, 512)])!;
    expect(out.message).toContain('a pod of "huge" (2 vCPU, 0.5 GiB) fits on no system node after the DaemonSet pods; choose a larger instance type for pool "system"');
  });
});

describe("the lazy check on every cluster", () => {
  test("EKS: warns at synth when a system pool of small nodes cannot hold a registered pod", () => {
    const stack = awsStack();
    const cluster = new EksCluster(stack, "Cluster", { clusterName: "ml", subnetIds: ["subnet-a", "subnet-b"] });
    cluster.addSystemWorkload({ name: "kueue-controller-manager", cpuMillis: 500, memoryMiB: 512, replicas: 2 });
    Testing.synth(stack, true);
    expect(annotations(cluster).filter((a) => a.includes("system capacity"))).toEqual([]);

    const stack2 = awsStack();
    const small = new EksCluster(stack2, "Cluster", { clusterName: "ml", subnetIds: ["subnet-a", "subnet-b"], systemInstanceTypes: ["m7i.large"] });
    small.addSystemWorkload({ name: "prometheus", cpuMillis: 2000, memoryMiB: 4096, replicas: 1 });
    small.addSystemWorkload({ name: "operators", cpuMillis: 1000, memoryMiB: 1024, replicas: 2 });
    Testing.synth(stack2, true);
    const warnings = annotations(small).filter((a) => a.includes("system capacity"));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^infra\/Cluster: system capacity \{"cpuMillis":\d+,"memoryMiB":\d+\}: /);
    expect(warnings[0]).toContain('a pod of "prometheus" (2 vCPU, 4.0 GiB) fits on no system node');
  });

  test("the warning is printed to stderr once, with the construct path", () => {
    const stack = awsStack();
    const cluster = new EksCluster(stack, "Cluster", { clusterName: "ml", subnetIds: ["subnet-a", "subnet-b"], systemInstanceTypes: ["m7i.large"], systemMinNodes: 1, systemMaxNodes: 1 });
    cluster.addSystemWorkload({ name: "operators", cpuMillis: 1000, memoryMiB: 1024, replicas: 2 });
    const writes: string[] = [];
    const spy = jest.spyOn(process.stderr, "write").mockImplementation((chunk: any) => {
      writes.push(String(chunk));
      return true;
    });
    const before = process.env.STRATA_SILENCE_WARNINGS;
    delete process.env.STRATA_SILENCE_WARNINGS;
    try {
      Testing.synth(stack, true);
    } finally {
      spy.mockRestore();
      if (before !== undefined) process.env.STRATA_SILENCE_WARNINGS = before;
    }
    const printed = writes.filter((l) => l.includes("system capacity"));
    expect(printed).toHaveLength(1);
    expect(printed[0]).toMatch(/^\[strata\] Warning: infra\/Cluster: system capacity .*Raise maxNodes of pool "system" to at least 3/);
  });

  test("on-prem clusters without declared system pools stay silent", () => {
    const stack = bareStack();
    const cluster = new ExistingCluster(stack, "Cluster", { clusterName: "dc1", kubeconfigContext: "dc1" });
    cluster.addSystemWorkload({ name: "everything", cpuMillis: 64000, memoryMiB: 1 << 20, replicas: 10 });
    Testing.synth(stack, true);
    expect(annotations(cluster)).toEqual([]);
  });
});
