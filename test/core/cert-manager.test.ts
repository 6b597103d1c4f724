import { App, TerraformStack, Testing } from "cdktf";
import { Construct } from "constructs";
import { CapacityType, NodePoolInfo, NodePoolPurpose, TaintEffect } from "../../lib/core/cluster";
import { CertManager, CertManagerProps } from "../../lib/core/cert-manager";
import { ClusterConnection } from "../../lib/core/connection";
import { HelmChart, PinnedChart } from "../../lib/core/helm-chart";
import { Scheduling } from "../../lib/core/scheduling";
import { ExistingCluster } from "../../lib/compute/existing-cluster";
import { PINNED_CHART_VALUES } from "../support/charts";
import { checkHelmReleases, describeConformance, helmReleaseValues } from "../support/conformance";
import { bareStack, resourcesOfType, synthJson, testApp } from "../support/synth";

const SYSTEM_POOL: NodePoolInfo = {
  name: "system",
  purpose: NodePoolPurpose.SYSTEM,
  capacityType: CapacityType.ON_DEMAND,
  labels: { [Scheduling.POOL_LABEL]: "system" },
  taints: [{ key: "CriticalAddonsOnly", value: "true", effect: TaintEffect.NO_SCHEDULE }],
  minNodes: 2,
  maxNodes: 3,
};

interface Env {
  app: App;
  cluster: ExistingCluster;
  platform: TerraformStack;
  conn: ClusterConnection;
}

function env(pools: NodePoolInfo[] = []): Env {
  const app = testApp();
  const infra = bareStack(app, "infra");
  const cluster = new ExistingCluster(infra, "Cluster", { clusterName: "dc1", kubeconfigContext: "dc1-admin" });
  pools.forEach((p) => cluster.registerNodePool(p));
  const platform = bareStack(app, "platform");
  return { app, cluster, platform, conn: cluster.connect(platform, "Conn") };
}

function manager(e: Env, props: Partial<CertManagerProps> = {}): CertManager {
  return new CertManager(e.platform, "CertManager", { connection: e.conn, ...props } as CertManagerProps);
}

function values(e: Env): any {
  const releases = helmReleaseValues(Testing.synth(e.platform)).filter((r) => r.chart === "cert-manager");
  expect(releases).toHaveLength(1);
  return releases[0].values[0];
}

/** A construct that needs cert-manager, with a Helm release to order. */
class NeedsCerts extends Construct {
  public readonly chart: HelmChart;
  constructor(scope: Construct, id: string, connection: ClusterConnection) {
    super(scope, id);
    connection.addNamespace("needs-certs");
    this.chart = new HelmChart(this, "Chart", { connection, chart: PinnedChart.VALKEY, releaseName: "v", namespace: "needs-certs" });
    CertManager.require(this, connection, "NeedsCerts", this.chart.release);
  }
}

describe("CertManager", () => {
  test("installs the pinned chart v1.21.1 with its CRDs in its own restricted namespace", () => {
    const e = env();
    const m = manager(e);
    const json = synthJson(e.platform);
    const release = Object.values(resourcesOfType(json, "helm_release"))[0] as any;
    expect(release).toMatchObject({ chart: "cert-manager", version: "v1.21.1", repository: "https://charts.jetstack.io", name: "cert-manager", atomic: true, timeout: 600 });
    expect(m.namespace).toBe("cert-manager");
    const ns = Object.values(resourcesOfType(json, "kubernetes_namespace_v1"))[0] as any;
    expect(ns.metadata.name).toBe("cert-manager");
    expect(ns.metadata.labels["pod-security.kubernetes.io/enforce"]).toBe("restricted");
    // The API server must reach the webhook: no default-deny policy in this namespace.
    expect(resourcesOfType(json, "kubernetes_network_policy_v1")).toEqual({});
    const v = values(e);
    expect(v.crds).toEqual({ enabled: true, keep: true });
    expect(v.global.leaderElection.namespace).toBe("cert-manager");
    expect(PinnedChart.CERT_MANAGER.crdGroups).toEqual(["cert-manager.io", "acme.cert-manager.io"]);
  });

  test("two replicas with disruption budgets and resources on every component by default", () => {
    const e = env();
    manager(e);
    const v = values(e);
    for (const c of [v, v.webhook, v.cainjector]) {
      expect(c.replicaCount).toBe(2);
      expect(c.podDisruptionBudget).toEqual({ enabled: true });
      expect(c.resources.requests).toBeDefined();
      expect(c.resources.limits.memory).toBeDefined();
    }
    expect(v.startupapicheck.resources.limits.memory).toBe("64Mi");
  });

  test("one replica: no disruption budgets", () => {
    const e = env();
    manager(e, { replicas: 1 });
    const v = values(e);
    expect(v.replicaCount).toBe(1);
    expect(v.podDisruptionBudget).toBeUndefined();
  });

  test("on the system pool, with its tolerations; pods registered as system workloads", () => {
    const e = env([SYSTEM_POOL]);
    manager(e);
    const v = values(e);
    for (const c of [v, v.webhook, v.cainjector, v.startupapicheck]) {
      expect(c.nodeSelector).toEqual({ "kubernetes.io/os": "linux", [Scheduling.POOL_LABEL]: "system" });
      expect(c.tolerations).toEqual([{ key: "CriticalAddonsOnly", operator: "Equal", value: "true", effect: "NoSchedule" }]);
    }
    expect(e.cluster.systemWorkloads.map((w) => w.name)).toEqual(["cert-manager-controller", "cert-manager-webhook", "cert-manager-cainjector"]);
  });

  test("pods stay non-root: Strata keeps the chart's restricted security contexts", () => {
    const e = env();
    manager(e);
    const v = values(e);
    for (const c of [v, v.webhook, v.cainjector, v.startupapicheck]) {
      expect(c.securityContext).toBeUndefined();
      expect(c.containerSecurityContext).toBeUndefined();
    }
  });

  describeConformance("chart values", () => {
    test("every value key exists in the chart defaults", () => {
      for (const pools of [[], [SYSTEM_POOL]]) {
        const e = env(pools);
        manager(e);
        expect(checkHelmReleases(Testing.synth(e.platform), PINNED_CHART_VALUES)).toEqual([]);
      }
    });

    test("the chart's defaults: CRDs off, pods non-root with a read-only root filesystem", () => {
      const fs = require("fs");
      const path = require("path");
      const YAML = require("yaml");
      const { conformanceRoot } = require("../support/conformance");
      const d = YAML.parse(fs.readFileSync(path.join(conformanceRoot(), "helm-values", PINNED_CHART_VALUES["cert-manager"]), "utf8"));
      expect(d.crds.enabled).toBe(false);
      for (const c of [d, d.webhook, d.cainjector, d.startupapicheck]) {
        expect(c.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
        expect(c.containerSecurityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } });
      }
    });
  });

  describe("require", () => {
    test("fails synth naming the fix when no CertManager is on the cluster", () => {
      const e = env();
      new NeedsCerts(e.platform, "Needs", e.conn);
      expect(() => e.app.synth()).toThrow(
        'platform/Needs: invalid connection "dc1": NeedsCerts needs cert-manager on cluster "dc1", and no CertManager is installed on it; ' +
          'add new CertManager(platformStack, "CertManager", { connection })',
      );
    });

    test.each([
      ["before", true],
      ["after", false],
    ])("orders the dependent release after cert-manager in one stack (CertManager created %s)", (_w, first) => {
      const e = env();
      const m1 = first ? manager(e) : undefined;
      const needs = new NeedsCerts(e.platform, "Needs", e.conn);
      const m = m1 ?? manager(e);
      expect(needs.chart.release.dependsOn).toContain(m.chart.release.fqn);
      expect(() => e.app.synth()).not.toThrow();
    });

    test("across stacks: the dependent's stack is applied after cert-manager's", () => {
      const e = env();
      const workloads = bareStack(e.app, "workloads");
      const conn = e.cluster.connect(workloads, "Conn");
      const needs = new NeedsCerts(workloads, "Needs", conn);
      manager(e);
      expect(workloads.dependencies).toContain(e.platform);
      expect(needs.chart.release.dependsOn ?? []).not.toContain(TerraformStack.of(needs) === e.platform ? "" : CertManager.installedOn(e.platform, e.conn)[0].chart.release.fqn);
    });

    test("installedOn finds the managers of the connection's cluster only", () => {
      const e = env();
      const m = manager(e);
      expect(CertManager.installedOn(e.platform, e.conn)).toEqual([m]);
    });
  });

  describe("bad input", () => {
    const cases: [string, Partial<CertManagerProps>, string][] = [
      ["replicas zero", { replicas: 0 }, "platform/CertManager: invalid replicas 0: must be an integer from 1 to 10"],
      ["replicas string", { replicas: "2" as any }, 'platform/CertManager: invalid replicas "2": must be an integer from 1 to 10, not a string'],
      ["namespace bad", { namespace: "Cert_Manager" }, 'platform/CertManager: invalid namespace "Cert_Manager"'],
      ["release name empty", { releaseName: "" }, 'platform/CertManager: invalid releaseName "": '],
      ["timeout zero", { timeoutSeconds: 0 }, "platform/CertManager: invalid timeoutSeconds 0: must be an integer from 1 to 86400"],
      ["unknown pool", { systemPoolName: "nope" }, 'platform/CertManager: invalid systemPoolName "nope": must name a node pool of cluster "dc1" (pools: none)'],
      ["connection not a connection", { connection: {} as any }, "platform/CertManager: invalid connection {}: must be a ClusterConnection"],
    ];
    test.each(cases)("%s", (_n, props, message) => {
      const e = env();
      expect(() => manager(e, props)).toThrow(message);
    });

    test("twice on one cluster", () => {
      const e = env();
      manager(e);
      expect(() => new CertManager(e.platform, "Again", { connection: e.conn, namespace: "cm2" })).toThrow(
        'platform/Again: invalid connection.cluster "dc1": already has cert-manager installed by Strata; install it once per cluster',
      );
    });

    test("its namespace already created", () => {
      const e = env();
      e.conn.addNamespace("cert-manager");
      expect(() => manager(e)).toThrow('platform/CertManager: invalid namespace "cert-manager": is already created on connection platform/Conn');
    });
  });
});
