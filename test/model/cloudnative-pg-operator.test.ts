import { CapacityType, NodePoolInfo, NodePoolPurpose, TaintEffect } from "../../lib/core/cluster";
import { PinnedChart } from "../../lib/core/helm-chart";
import { ExistingCluster } from "../../lib/compute/existing-cluster";
import { CloudNativePgOperator, CloudNativePgOperatorProps } from "../../lib/model/cloudnative-pg-operator";
import { PINNED_CHART_VALUES } from "../support/charts";
import { checkHelmReleases, describeConformance, helmReleaseValues } from "../support/conformance";
import { bareStack, onlyResource, resourcesOfType, synthJson, testApp } from "../support/synth";

const SYSTEM_POOL: NodePoolInfo = {
  name: "system",
  purpose: NodePoolPurpose.SYSTEM,
  capacityType: CapacityType.ON_DEMAND,
  labels: { "strata.io/pool": "system", "strata.io/purpose": "system" },
  taints: [{ key: "CriticalAddonsOnly", value: "true", effect: TaintEffect.NO_SCHEDULE }],
  minNodes: 2,
  maxNodes: 3,
};

function env(system = true) {
  const app = testApp();
  const infra = bareStack(app, "infra");
  const cluster = new ExistingCluster(infra, "Cluster", { clusterName: "dc1", kubeconfigContext: "dc1-admin" });
  if (system) cluster.registerNodePool(SYSTEM_POOL);
  const platform = bareStack(app, "platform");
  const connection = cluster.connect(platform, "Conn");
  return { app, cluster, platform, connection };
}

function install(props: Partial<CloudNativePgOperatorProps> = {}, system = true) {
  const e = env(system);
  const operator = new CloudNativePgOperator(e.platform, "Cnpg", { connection: e.connection, ...props });
  const json = synthJson(e.platform);
  const values = helmReleaseValues(json)[0].values[0] as any;
  return { ...e, operator, json, values };
}

describe("CloudNativePgOperator", () => {
  test("installs the pinned chart 0.29.0 (app 1.30.0) atomically in its own restricted namespace", () => {
    const { json, values } = install();
    expect(onlyResource(json, "helm_release")).toMatchObject({
      chart: "cloudnative-pg",
      repository: "https://cloudnative-pg.github.io/charts",
      version: "0.29.0",
      namespace: expect.stringMatching(/kubernetes_namespace_v1\.Conn_Namespace-cnpg-system_.*\.metadata\[0\]\.name/),
      atomic: true,
    });
    expect(PinnedChart.CLOUDNATIVE_PG.crdGroups).toEqual(["postgresql.cnpg.io"]);
    expect(values.image).toEqual({ tag: "1.30.0" });
    expect(values.crds).toEqual({ create: true });
    expect(values.config).toEqual({ clusterWide: true });
    const ns = onlyResource(json, "kubernetes_namespace_v1");
    expect(ns.metadata.labels["pod-security.kubernetes.io/enforce"]).toBe("restricted");
    // The webhook must stay reachable from the API server: no default-deny policy in the operator's namespace.
    expect(resourcesOfType(json, "kubernetes_network_policy_v1")).toEqual({});
  });

  test("runs on the system pool with requests and registers a system workload", () => {
    const { values, cluster } = install({ replicas: 2 });
    expect(values.replicaCount).toBe(2);
    expect(values.nodeSelector).toEqual({ "strata.io/pool": "system", "strata.io/purpose": "system" });
    expect(values.tolerations).toEqual([{ key: "CriticalAddonsOnly", operator: "Equal", value: "true", effect: "NoSchedule" }]);
    expect(values.resources.requests).toEqual({ cpu: "100m", memory: "256Mi" });
    expect(cluster.systemWorkloads).toEqual([{ name: "cloudnative-pg-operator", cpuMillis: 100, memoryMiB: 256, replicas: 2 }]);
  });

  test("no system pool (on-prem): no node selector", () => {
    const { values } = install({}, false);
    expect(values.nodeSelector).toBeUndefined();
    expect(values.tolerations).toBeUndefined();
  });

  describeConformance("conformance", () => {
    test("every value key exists in the chart's defaults", () => {
      expect(checkHelmReleases(install().json, PINNED_CHART_VALUES)).toEqual([]);
    });
  });

  describe("rejects bad input", () => {
    test("a second operator on the same cluster", () => {
      const e = env();
      new CloudNativePgOperator(e.platform, "Cnpg", { connection: e.connection });
      expect(() => new CloudNativePgOperator(e.platform, "Cnpg2", { connection: e.connection, namespace: "cnpg2" })).toThrow(
        'Cnpg2: invalid connection.cluster "dc1": already has the CloudNativePG operator installed by Strata',
      );
    });
    test.each([
      ["replicas", { replicas: 0 }, "invalid replicas 0"],
      ["replicas string", { replicas: "2" }, 'invalid replicas "2"'],
      ["namespace", { namespace: "CNPG" }, 'invalid namespace "CNPG"'],
      ["systemPoolName unknown", { systemPoolName: "gpu" }, 'invalid systemPoolName "gpu": must name a node pool of cluster "dc1" (pools: system)'],
      ["timeoutSeconds", { timeoutSeconds: 0 }, "invalid timeoutSeconds 0"],
      ["connection", { connection: "conn" }, 'invalid connection "conn": must be a ClusterConnection'],
    ])("%s", (_name, props, message) => {
      const e = env();
      expect(() => new CloudNativePgOperator(e.platform, "Cnpg", { connection: e.connection, ...(props as any) })).toThrow(message);
    });
    test("a namespace already created on the connection", () => {
      const e = env();
      e.connection.addNamespace("cnpg-system");
      expect(() => new CloudNativePgOperator(e.platform, "Cnpg", { connection: e.connection })).toThrow('invalid namespace "cnpg-system": is already created on connection');
    });
  });
});
