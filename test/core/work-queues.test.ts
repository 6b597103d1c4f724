import { ExistingCluster } from "../../lib/compute/existing-cluster";
import { KueueLocalQueue } from "../../lib/compute/kueue";
import { WorkQueues } from "../../lib/core/work-queues";
import { bareStack, testApp } from "../support/synth";

function cluster(name = "dc1") {
  const app = testApp();
  const infra = bareStack(app, "infra");
  const c = new ExistingCluster(infra, "Cluster", { clusterName: name, kubeconfigContext: `${name}-admin` });
  const workloads = bareStack(app, "workloads");
  return { app, cluster: c, workloads, connection: c.connect(workloads, "Conn") };
}

describe("WorkQueues", () => {
  test("keyed by cluster and namespace; registering twice is harmless", () => {
    const a = cluster();
    const b = cluster();
    WorkQueues.register(a.cluster, "research", "gpu");
    WorkQueues.register(a.cluster, "research", "gpu");
    WorkQueues.register(a.cluster, "research", "cpu");
    expect(WorkQueues.queuesIn(a.cluster, "research")).toEqual(["gpu", "cpu"]);
    expect(WorkQueues.isQueueManaged(a.cluster, "research")).toBe(true);
    expect(WorkQueues.isQueueManaged(a.cluster, "serving")).toBe(false);
    expect(WorkQueues.queuesIn(b.cluster, "research")).toEqual([]);
  });

  test("a KueueLocalQueue registers itself in its namespace on its cluster", () => {
    const e = cluster();
    new KueueLocalQueue(e.workloads, "Queue", { connection: e.connection, namespace: "research", clusterQueueName: "research-cq", queueName: "research" });
    expect(WorkQueues.queuesIn(e.cluster, "research")).toEqual(["research"]);
  });
});
