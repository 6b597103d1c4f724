import { Testing } from "cdktf";
import { ExistingCluster } from "../../lib/compute/existing-cluster";
import { CapacityType, NodePoolInfo, NodePoolPurpose, TaintEffect } from "../../lib/core/cluster";
import { Gpu } from "../../lib/core/gpu";
import { Scheduling } from "../../lib/core/scheduling";
import { bareStack } from "../support/synth";

const spotTraining: NodePoolInfo = {
  name: "spot-training",
  purpose: NodePoolPurpose.TRAINING,
  capacityType: CapacityType.SPOT,
  labels: { "strata.io/pool": "spot-training" },
  taints: [Scheduling.gpuTaint(), Scheduling.trainingTaint()],
  minNodes: 0,
  maxNodes: 4,
  gpu: Gpu.NVIDIA_L4,
  gpusPerNode: 1,
};

function clusterWithPools() {
  const stack = bareStack(Testing.app());
  const cluster = new ExistingCluster(stack, "Cluster", {
    clusterName: "dc1",
    kubeconfigContext: "dc1",
    gpuNodes: [{ name: "l4", gpu: Gpu.NVIDIA_L4, nodeCount: 2, gpusPerNode: 1, taints: [Scheduling.gpuTaint()] }],
  });
  cluster.registerNodePool(spotTraining);
  cluster.registerNodePool({ ...spotTraining, name: "spot-inference", purpose: NodePoolPurpose.INFERENCE, taints: [Scheduling.gpuTaint()] });
  cluster.registerNodePool({
    name: "cpu",
    purpose: NodePoolPurpose.INFERENCE,
    capacityType: CapacityType.ON_DEMAND,
    labels: { "strata.io/pool": "cpu" },
    taints: [],
    minNodes: 1,
    maxNodes: 3,
  });
  return { stack, cluster };
}

describe("Scheduling", () => {
  test("the taint contract", () => {
    expect(Scheduling.gpuTaint()).toEqual({ key: "nvidia.com/gpu", value: "present", effect: TaintEffect.NO_SCHEDULE });
    expect(Scheduling.trainingTaint()).toEqual({ key: "workload", value: "training", effect: "NoSchedule" });
  });

  test("tolerations match every taint of a pool exactly; valueless taints use Exists", () => {
    expect(Scheduling.tolerationsFor(spotTraining)).toEqual([
      { key: "nvidia.com/gpu", operator: "Equal", value: "present", effect: "NoSchedule" },
      { key: "workload", operator: "Equal", value: "training", effect: "NoSchedule" },
    ]);
    expect(
      Scheduling.tolerationsFor({ ...spotTraining, taints: [{ key: "dedicated", effect: TaintEffect.NO_EXECUTE }] }),
    ).toEqual([{ key: "dedicated", operator: "Exists", effect: "NoExecute" }]);
  });

  test("node selectors are copies of the pool labels", () => {
    const selector = Scheduling.nodeSelectorFor(spotTraining);
    expect(selector).toEqual(spotTraining.labels);
    expect(selector).not.toBe(spotTraining.labels);
  });

  test("serving pools exclude spot and training pools unless spot is allowed", () => {
    const { cluster } = clusterWithPools();
    expect(Scheduling.servingPools(cluster, true, false).map((p) => p.name)).toEqual(["l4"]);
    expect(Scheduling.servingPools(cluster, true, true).map((p) => p.name)).toEqual(["l4", "spot-inference"]);
    expect(Scheduling.servingPools(cluster, false, false).map((p) => p.name)).toEqual(["cpu"]);
  });

  test("serving on a spot or training pool needs an explicit opt-in", () => {
    const { cluster } = clusterWithPools();
    const pools = Object.fromEntries(cluster.nodePools.map((p) => [p.name, p]));
    expect(() => Scheduling.assertServingPlacement(cluster, "nodePool", pools["spot-training"], false)).toThrow(
      'infra/Cluster: invalid nodePool "spot-training": is a training pool; serving must run on an inference pool (set allowSpotCapacity: true to accept interruptions)',
    );
    expect(() => Scheduling.assertServingPlacement(cluster, "nodePool", pools["spot-inference"], false)).toThrow(
      'infra/Cluster: invalid nodePool "spot-inference": is a spot pool; serving endpoints run on on-demand capacity unless allowSpotCapacity: true',
    );
    expect(() => Scheduling.assertServingPlacement(cluster, "nodePool", pools["spot-inference"], true)).not.toThrow();
    expect(() => Scheduling.assertServingPlacement(cluster, "nodePool", pools["l4"], false)).not.toThrow();
  });
});
