import { Testing } from "cdktf";
import { CapacityType, NodePoolInfo, NodePoolPurpose, TaintEffect } from "../../lib/core/cluster";
import { PinnedChart } from "../../lib/core/helm-chart";
import { ExistingCluster } from "../../lib/compute/existing-cluster";
import { SparkOperator, SparkOperatorProps } from "../../lib/data/spark-operator";
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

function install(props: Partial<SparkOperatorProps> = {}, system = true) {
  const e = env(system);
  const operator = new SparkOperator(e.platform, "Spark", { connection: e.connection, ...props });
  const json = synthJson(e.platform);
  const values = helmReleaseValues(json)[0].values[0] as any;
  return { ...e, operator, json, values };
}

describe("SparkOperator", () => {
  test("installs the pinned chart 2.5.2 atomically in its own restricted namespace", () => {
    const { json } = install();
    const release = onlyResource(json, "helm_release");
    expect(release).toMatchObject({
      chart: "spark-operator",
      repository: "https://kubeflow.github.io/spark-operator",
      version: "2.5.2",
      namespace: expect.stringMatching(/kubernetes_namespace_v1\.Conn_Namespace-spark-operator_.*\.metadata\[0\]\.name/),
      atomic: true,
    });
    expect(PinnedChart.SPARK_OPERATOR.crdGroups).toEqual(["sparkoperator.k8s.io"]);
  });

  test("sets jobNamespaces to the created job namespaces (not [default]) and creates them restricted", () => {
    const { json, values } = install({ jobNamespaces: ["etl", "features"] });
    const namespaces = Object.values(resourcesOfType(json, "kubernetes_namespace_v1")).map((n: any) => n.metadata.name);
    expect(namespaces.sort()).toEqual(["etl", "features", "spark-operator"]);
    for (const n of Object.values(resourcesOfType(json, "kubernetes_namespace_v1")) as any[]) {
      expect(n.metadata.labels["pod-security.kubernetes.io/enforce"]).toBe("restricted");
    }
    // Names come from the namespace resources, so the release is applied after them.
    expect(values.spark.jobNamespaces).toHaveLength(2);
    expect(values.spark.jobNamespaces[0]).toMatch(/kubernetes_namespace_v1\.Conn_Namespace-etl_.*metadata\[0\]\.name/);
    // Job namespaces keep the default-deny ingress policy; the operator's namespace has none (webhook).
    const policies = Object.values(resourcesOfType(json, "kubernetes_network_policy_v1")).map((p: any) => p.metadata.namespace);
    expect(policies).toHaveLength(2);
  });

  test("defaults to one spark-jobs namespace; default is used without being created", () => {
    expect(install().operator.jobNamespaces).toEqual(["spark-jobs"]);
    const { json, values } = install({ jobNamespaces: ["default"] });
    expect(values.spark.jobNamespaces).toEqual(["default"]);
    expect(Object.keys(resourcesOfType(json, "kubernetes_namespace_v1"))).toHaveLength(1);
  });

  test("reuses a job namespace already created on the connection", () => {
    const e = env();
    e.connection.addNamespace("etl");
    new SparkOperator(e.platform, "Spark", { connection: e.connection, jobNamespaces: ["etl"] });
    expect(Object.keys(resourcesOfType(synthJson(e.platform), "kubernetes_namespace_v1"))).toHaveLength(2);
  });

  test("webhook on, pinned image, no shared spark service account or Role, resources on every pod", () => {
    const { values } = install();
    expect(values.image).toEqual({ tag: "2.5.2" });
    expect(SparkOperator.IMAGE).toBe("ghcr.io/kubeflow/spark-operator/controller:2.5.2");
    expect(values.webhook.enable).toBe(true);
    expect(values.spark.serviceAccount).toEqual({ create: false });
    expect(values.spark.rbac).toEqual({ create: false });
    expect(values.controller.resources.requests).toEqual({ cpu: "100m", memory: "256Mi" });
    expect(values.webhook.resources.limits).toEqual({ memory: "256Mi" });
  });

  test("controller and webhook on the system pool, two replicas with PDBs, registered as system workloads", () => {
    const { values, cluster } = install();
    for (const part of [values.controller, values.webhook]) {
      expect(part.nodeSelector).toEqual(SYSTEM_POOL.labels);
      expect(part.tolerations).toEqual([{ key: "CriticalAddonsOnly", operator: "Equal", value: "true", effect: "NoSchedule" }]);
      expect(part.replicas).toBe(2);
      expect(part.podDisruptionBudget).toEqual({ enable: true, minAvailable: 1 });
    }
    expect(cluster.systemWorkloads.map((w) => w.name)).toEqual(["spark-operator-controller", "spark-operator-webhook"]);
  });

  test("one replica: no PDB; no system pool: no node selector", () => {
    const { values } = install({ replicas: 1 }, false);
    expect(values.controller.podDisruptionBudget).toBeUndefined();
    expect(values.controller.nodeSelector).toBeUndefined();
  });

  describeConformance("conformance", () => {
    test("every value key exists in the chart's defaults", () => {
      const { json } = install({ jobNamespaces: ["etl"] });
      expect(checkHelmReleases(json, PINNED_CHART_VALUES)).toEqual([]);
    });
  });

  describe("rejected input", () => {
    test.each([
      [{ jobNamespaces: [] }, /invalid jobNamespaces \[\]: must name at least one namespace/],
      [{ jobNamespaces: "etl" as any }, /invalid jobNamespaces "etl": must be a list/],
      [{ jobNamespaces: ["Etl"] }, /invalid jobNamespaces\[0\] "Etl"/],
      [{ jobNamespaces: ["etl", "etl"] }, /invalid jobNamespaces\[1\] "etl": is a duplicate of jobNamespaces\[0\]/],
      [{ jobNamespaces: ["spark-operator"] }, /must not be the operator's own namespace/],
      [{ replicas: 0 }, /invalid replicas 0: must be an integer from 1 to 10/],
      [{ systemPoolName: "cpu" }, /invalid systemPoolName "cpu": must name a node pool of cluster "dc1" \(pools: system\)/],
      [{ timeoutSeconds: 0 }, /invalid timeoutSeconds 0/],
    ])("%j", (props, message) => {
      expect(() => install(props as any)).toThrow(message);
    });

    test("a second operator on the same cluster", () => {
      const e = env();
      new SparkOperator(e.platform, "Spark", { connection: e.connection });
      expect(() => new SparkOperator(e.platform, "Again", { connection: e.connection, namespace: "spark2", jobNamespaces: ["jobs2"] })).toThrow(
        /already has the Spark operator installed by Strata/,
      );
    });

    test("an operator namespace already created on the connection", () => {
      const e = env();
      e.connection.addNamespace("spark-operator");
      expect(() => new SparkOperator(e.platform, "Spark", { connection: e.connection })).toThrow(/invalid namespace "spark-operator": is already created/);
    });
  });
});
