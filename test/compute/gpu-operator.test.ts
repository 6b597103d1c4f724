import * as fs from "fs";
import * as path from "path";
import { Construct } from "constructs";
import { App, TerraformStack, Testing } from "cdktf";
import {
  CapacityType,
  ClusterAccess,
  ClusterTarget,
  IKubernetesCluster,
  IWorkloadIdentity,
  NodePoolInfo,
  NodePoolPurpose,
  NodeTaint,
  TaintEffect,
  SystemWorkload,
  WorkloadIdentityOptions,
} from "../../lib/core/cluster";
import { ClusterConnection } from "../../lib/core/connection";
import { Gpu } from "../../lib/core/gpu";
import { Scheduling } from "../../lib/core/scheduling";
import { ExistingCluster, ExistingGpuNodes } from "../../lib/compute/existing-cluster";
import { GpuDriverMode, GpuOperator, GpuOperatorProps, GpuSoftware, MigStrategy } from "../../lib/compute/gpu-operator";
import { annotations, bareStack, onlyResource, prepareApp, resourcesOfType, SynthJson, testApp } from "../support/synth";
import { checkHelmReleases, conformanceRoot, describeConformance, helmReleaseValues } from "../support/conformance";
import { PINNED_CHART_VALUES } from "../support/charts";

// ---------------------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------------------

const SYSTEM_LABELS = { "strata.io/pool": "system", "strata.io/purpose": "system", "strata.io/capacity-type": "on-demand" };
const GKE_NO_DP = { "gke-no-default-nvidia-gpu-device-plugin": "true" };

/** A managed cluster (EKS or GKE) reduced to the contract, so the tests do not depend on EKS/GKE code. */
class FakeCloudCluster extends Construct implements IKubernetesCluster {
  public readonly clusterName = "ml";
  public readonly nodePools: NodePoolInfo[] = [];
  constructor(
    scope: Construct,
    id: string,
    public readonly target: ClusterTarget,
  ) {
    super(scope, id);
  }
  public registerNodePool(pool: NodePoolInfo): void {
    this.nodePools.push(pool);
  }
  public readonly systemWorkloads: SystemWorkload[] = [];
  public addSystemWorkload(workload: SystemWorkload): void {
    this.systemWorkloads.push(workload);
  }
  public addWorkloadIdentity(_id: string, _options: WorkloadIdentityOptions): IWorkloadIdentity {
    throw new Error("not used");
  }
  public accessFor(): ClusterAccess {
    return this.target === ClusterTarget.AWS_EKS
      ? {
          host: "https://eks.example.internal",
          clusterCaCertificate: "-----BEGIN CERTIFICATE-----\nMIIBeks\n-----END CERTIFICATE-----\n",
          execCommand: "aws",
          execArgs: ["eks", "get-token", "--cluster-name", "ml", "--region", "us-east-1"],
        }
      : {
          host: "https://gke.example.internal",
          clusterCaCertificate: "-----BEGIN CERTIFICATE-----\nMIIBgke\n-----END CERTIFICATE-----\n",
          execCommand: "gke-gcloud-auth-plugin",
        };
  }
}

function pool(name: string, overrides: Partial<NodePoolInfo> = {}): NodePoolInfo {
  return {
    name,
    purpose: NodePoolPurpose.INFERENCE,
    capacityType: CapacityType.ON_DEMAND,
    labels: { "strata.io/pool": name },
    taints: [Scheduling.gpuTaint()],
    minNodes: 0,
    maxNodes: 2,
    gpu: Gpu.NVIDIA_L4,
    gpusPerNode: 1,
    ...overrides,
  };
}

const SYSTEM_POOL: NodePoolInfo = {
  name: "system",
  purpose: NodePoolPurpose.SYSTEM,
  capacityType: CapacityType.ON_DEMAND,
  labels: SYSTEM_LABELS,
  taints: [],
  minNodes: 2,
  maxNodes: 3,
};

function eksPools(): NodePoolInfo[] {
  return [
    SYSTEM_POOL,
    pool("l4", { labels: { "strata.io/pool": "l4" } }),
    pool("h100-spot", {
      purpose: NodePoolPurpose.TRAINING,
      capacityType: CapacityType.SPOT,
      gpu: Gpu.NVIDIA_H100_80GB,
      gpusPerNode: 8,
      taints: [Scheduling.gpuTaint(), Scheduling.trainingTaint()],
    }),
  ];
}

function gkePools(): NodePoolInfo[] {
  return eksPools().map((p) => (p.gpu ? { ...p, labels: { ...p.labels, ...GKE_NO_DP } } : p));
}

interface Setup {
  app: App;
  platform: TerraformStack;
  connection: ClusterConnection;
  operator: GpuOperator;
  synth: string;
  json: SynthJson;
  /** The decoded chart values (the only `values` entry). */
  values: any;
}

/** A managed cluster in `infra`, its connection and the operator in `platform`. */
function cloud(target: ClusterTarget, props: Partial<GpuOperatorProps> = {}, pools: NodePoolInfo[] = target === ClusterTarget.GCP_GKE ? gkePools() : eksPools()): Setup {
  const app = testApp();
  const cluster = new FakeCloudCluster(bareStack(app, "infra"), "Cluster", target);
  pools.forEach((p) => cluster.registerNodePool(p));
  const platform = bareStack(app, "platform");
  const connection = new ClusterConnection(platform, "Conn", { cluster });
  const operator = new GpuOperator(platform, "Gpu", { connection, ...props });
  return finish(app, platform, connection, operator);
}

const H100_TRAINING: ExistingGpuNodes = {
  name: "h100",
  gpu: Gpu.NVIDIA_H100_80GB,
  nodeCount: 2,
  gpusPerNode: 8,
  purpose: NodePoolPurpose.TRAINING,
  taints: [Scheduling.gpuTaint(), Scheduling.trainingTaint()],
};
const L40S_SERVING: ExistingGpuNodes = { name: "l40s", gpu: Gpu.NVIDIA_L40S, nodeCount: 4, gpusPerNode: 8 };

/** An `ExistingCluster` in `infra`, its connection and the operator in `platform`. */
function onPrem(props: Partial<GpuOperatorProps> = {}, gpuNodes: ExistingGpuNodes[] = [L40S_SERVING, H100_TRAINING]): Setup {
  const app = testApp();
  const cluster = new ExistingCluster(bareStack(app, "infra"), "OnPrem", { clusterName: "dc1", kubeconfigContext: "dc1-admin", gpuNodes });
  const platform = bareStack(app, "platform");
  const connection = new ClusterConnection(platform, "Conn", { cluster });
  const operator = new GpuOperator(platform, "Gpu", { connection, ...props });
  return finish(app, platform, connection, operator);
}

function finish(app: App, platform: TerraformStack, connection: ClusterConnection, operator: GpuOperator): Setup {
  prepareApp(app);
  const synth = Testing.synth(platform);
  const releases = helmReleaseValues(synth);
  expect(releases).toHaveLength(1);
  expect(releases[0].values).toHaveLength(1);
  return { app, platform, connection, operator, synth, json: JSON.parse(synth), values: releases[0].values[0] };
}

const GPU_TOLERATION = { key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" };
const TRAINING_TOLERATION = { key: "workload", operator: "Equal", value: "training", effect: "NoSchedule" };
const CONTROL_PLANE_TOLERATION = { key: "node-role.kubernetes.io/control-plane", operator: "Equal", value: "", effect: "NoSchedule" };

/** True when one toleration of `tolerations` matches `taint` (Kubernetes semantics). */
function tolerated(tolerations: any[], taint: NodeTaint): boolean {
  return tolerations.some(
    (t) => t.key === taint.key && t.effect === taint.effect && (t.operator === "Exists" || (t.value ?? "") === (taint.value ?? "")),
  );
}

const OFF_IN_DEVICE_PLUGIN_ONLY = {
  dcgm: { enabled: false },
  migManager: { enabled: false },
  nodeStatusExporter: { enabled: false },
  gds: { enabled: false },
  gdrcopy: { enabled: false },
  vgpuManager: { enabled: false },
  vgpuDeviceManager: { enabled: false },
  vfioManager: { enabled: false },
  sandboxDevicePlugin: { enabled: false },
  kataSandboxDevicePlugin: { enabled: false },
  ccManager: { enabled: false },
};

// ---------------------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------------------

describe("GpuOperator", () => {
  describe("release and namespace", () => {
    let s: Setup;
    beforeAll(() => {
      s = onPrem();
    });

    test("installs the pinned gpu-operator chart atomically into gpu-operator, after its namespace", () => {
      const release = onlyResource(s.json, "helm_release");
      expect(release).toMatchObject({
        name: "gpu-operator",
        chart: "gpu-operator",
        repository: "https://helm.ngc.nvidia.com/nvidia",
        version: "v26.7.0",
        namespace: "gpu-operator",
        atomic: true,
        cleanup_on_fail: true,
        wait: true,
        create_namespace: false,
      });
      expect(release.depends_on).toEqual([
        `kubernetes_namespace_v1.${Object.keys(resourcesOfType(s.json, "kubernetes_namespace_v1"))[0]}`,
      ]);
      expect(s.operator.chart.chart.chart).toBe("gpu-operator");
      expect(s.operator.namespace).toBe("gpu-operator");
    });

    test("the namespace enforces the privileged Pod Security level", () => {
      const ns = onlyResource(s.json, "kubernetes_namespace_v1");
      expect(ns.metadata).toEqual({
        name: "gpu-operator",
        labels: {
          "app.kubernetes.io/managed-by": "strata",
          "pod-security.kubernetes.io/enforce": "privileged",
          "pod-security.kubernetes.io/audit": "restricted",
          "pod-security.kubernetes.io/warn": "restricted",
        },
        annotations: {
          "strata.io/privileged-reason": "NVIDIA driver, container toolkit, device plugin and DCGM DaemonSets need host access",
        },
      });
      expect(s.operator.namespaceResource.node.path).toBe("platform/Conn/Namespace-gpu-operator");
    });

    test("no ResourceQuota outside GKE, and no warnings with the defaults", () => {
      expect(resourcesOfType(s.json, "kubernetes_resource_quota_v1")).toEqual({});
      expect(s.operator.criticalPodsQuota).toBeUndefined();
      expect(annotations(s.app)).toEqual([]);
    });

    test("a namespace override moves the namespace and the release", () => {
      const o = onPrem({ namespace: "nvidia-gpu" });
      expect(onlyResource(o.json, "helm_release").namespace).toBe("nvidia-gpu");
      expect(onlyResource(o.json, "kubernetes_namespace_v1").metadata.name).toBe("nvidia-gpu");
      expect(o.operator.namespace).toBe("nvidia-gpu");
    });
  });

  describe("values per target (defaults)", () => {
    test("on-prem: the operator installs driver and toolkit; GPU nodes tolerated; no system pool, no placement", () => {
      const s = onPrem();
      expect(s.values).toEqual({
        driver: { enabled: true },
        toolkit: { enabled: true },
        devicePlugin: { enabled: true },
        gfd: { enabled: true },
        mig: { strategy: "none" },
        dcgmExporter: { enabled: true, serviceMonitor: { enabled: true } },
        daemonsets: { tolerations: [GPU_TOLERATION, TRAINING_TOLERATION] },
        "node-feature-discovery": { worker: { tolerations: [CONTROL_PLANE_TOLERATION, GPU_TOLERATION, TRAINING_TOLERATION] } },
      });
      expect(s.operator.driver).toBe(GpuDriverMode.OPERATOR_MANAGED);
      expect(s.operator.toolkitEnabled).toBe(true);
      expect(s.operator.software).toBe(GpuSoftware.OPERATOR);
      expect(s.operator.migStrategy).toBe(MigStrategy.NONE);
    });

    test("EKS (AL2023 NVIDIA AMI): driver and toolkit off, device plugin on, operator on the system pool", () => {
      const s = cloud(ClusterTarget.AWS_EKS);
      expect(s.values).toEqual({
        driver: { enabled: false },
        toolkit: { enabled: false },
        devicePlugin: { enabled: true },
        gfd: { enabled: true },
        mig: { strategy: "none" },
        dcgmExporter: { enabled: true, serviceMonitor: { enabled: true } },
        daemonsets: { tolerations: [GPU_TOLERATION, TRAINING_TOLERATION] },
        "node-feature-discovery": { worker: { tolerations: [CONTROL_PLANE_TOLERATION, GPU_TOLERATION, TRAINING_TOLERATION] } },
        operator: { nodeSelector: { "kubernetes.io/os": "linux", ...SYSTEM_LABELS } },
      });
      expect(s.operator.driver).toBe(GpuDriverMode.PREINSTALLED);
      expect(s.operator.toolkitEnabled).toBe(false);
      expect(resourcesOfType(s.json, "kubernetes_resource_quota_v1")).toEqual({});
      expect(annotations(s.app)).toEqual([]);
    });

    test("GKE (Google's driver installer): driver off, toolkit into /home/kubernetes/bin/nvidia, CDI on", () => {
      const s = cloud(ClusterTarget.GCP_GKE);
      expect(s.values).toEqual({
        driver: { enabled: false },
        toolkit: {
          enabled: true,
          installDir: "/home/kubernetes/bin/nvidia",
          env: [{ name: "RUNTIME_CONFIG_SOURCE", value: "file" }],
        },
        hostPaths: { driverInstallDir: "/home/kubernetes/bin/nvidia" },
        cdi: { enabled: true },
        devicePlugin: { enabled: true },
        gfd: { enabled: true },
        mig: { strategy: "none" },
        dcgmExporter: { enabled: true, serviceMonitor: { enabled: true } },
        daemonsets: { tolerations: [GPU_TOLERATION, TRAINING_TOLERATION] },
        "node-feature-discovery": { worker: { tolerations: [CONTROL_PLANE_TOLERATION, GPU_TOLERATION, TRAINING_TOLERATION] } },
        operator: { nodeSelector: { "kubernetes.io/os": "linux", ...SYSTEM_LABELS } },
      });
      expect(s.operator.driver).toBe(GpuDriverMode.PREINSTALLED);
      expect(s.operator.toolkitEnabled).toBe(true);
      expect(annotations(s.app)).toEqual([]);
    });

    test("GKE: a ResourceQuota admits system-node-critical pods in the namespace, before the release", () => {
      const s = cloud(ClusterTarget.GCP_GKE);
      const quotas = resourcesOfType(s.json, "kubernetes_resource_quota_v1");
      const [quotaId] = Object.keys(quotas);
      expect(quotas[quotaId]).toMatchObject({
        metadata: { name: "gpu-operator-critical-pods", namespace: "gpu-operator", labels: { "app.kubernetes.io/managed-by": "strata" } },
        spec: {
          hard: { pods: "10000" },
          scope_selector: {
            match_expression: [
              { scope_name: "PriorityClass", operator: "In", values: ["system-node-critical", "system-cluster-critical"] },
            ],
          },
        },
      });
      const nsId = Object.keys(resourcesOfType(s.json, "kubernetes_namespace_v1"))[0];
      expect(quotas[quotaId].depends_on).toEqual([`kubernetes_namespace_v1.${nsId}`]);
      expect(onlyResource(s.json, "helm_release").depends_on).toEqual([
        `kubernetes_namespace_v1.${nsId}`,
        `kubernetes_resource_quota_v1.${quotaId}`,
      ]);
      expect(s.operator.criticalPodsQuota).toBeDefined();
    });

    test("the release and namespace use the connection's providers (aliases work)", () => {
      const app = testApp();
      const cluster = new FakeCloudCluster(bareStack(app, "infra"), "Cluster", ClusterTarget.AWS_EKS);
      const platform = bareStack(app, "platform");
      const connection = new ClusterConnection(platform, "Conn", { cluster, alias: "ml" });
      new GpuOperator(platform, "Gpu", { connection });
      const json = JSON.parse(Testing.synth(platform));
      expect(onlyResource(json, "helm_release").provider).toBe("helm.ml");
      expect(onlyResource(json, "kubernetes_namespace_v1").provider).toBe("kubernetes.ml");
    });
  });

  describe("placement and tolerations", () => {
    test("node daemonsets and the NFD worker tolerate the GPU and training taints and every GPU pool taint", () => {
      const dedicated: NodeTaint = { key: "dedicated", value: "ml", effect: TaintEffect.NO_EXECUTE };
      const bare: NodeTaint = { key: "example.com/gpu-host", effect: TaintEffect.NO_SCHEDULE };
      const s = onPrem({}, [
        { ...L40S_SERVING, taints: [Scheduling.gpuTaint(), dedicated] },
        { ...H100_TRAINING, taints: [Scheduling.gpuTaint(), Scheduling.trainingTaint(), bare, dedicated] },
      ]);
      const ds = s.values.daemonsets.tolerations;
      const nfd = s.values["node-feature-discovery"].worker.tolerations;
      for (const taint of [Scheduling.gpuTaint(), Scheduling.trainingTaint(), dedicated, bare]) {
        expect(tolerated(ds, taint)).toBe(true);
        expect(tolerated(nfd, taint)).toBe(true);
      }
      expect(ds).toEqual([
        GPU_TOLERATION,
        TRAINING_TOLERATION,
        { key: "dedicated", operator: "Equal", value: "ml", effect: "NoExecute" },
        { key: "example.com/gpu-host", operator: "Exists", effect: "NoSchedule" },
      ]);
      expect(nfd).toEqual([CONTROL_PLANE_TOLERATION, ...ds]);
    });

    test("without GPU pools the GPU and training taints are still tolerated", () => {
      const s = onPrem({}, []);
      expect(s.values.daemonsets.tolerations).toEqual([GPU_TOLERATION, TRAINING_TOLERATION]);
    });

    test("a GPU taint with another value (EKS managed node groups often use nvidia.com/gpu=true) is covered", () => {
      const s = cloud(ClusterTarget.AWS_EKS, {}, [
        SYSTEM_POOL,
        pool("a10g", { gpu: Gpu.NVIDIA_A10G, taints: [{ key: "nvidia.com/gpu", value: "true", effect: TaintEffect.NO_SCHEDULE }] }),
      ]);
      expect(s.values.daemonsets.tolerations).toEqual([GPU_TOLERATION, TRAINING_TOLERATION]);
    });

    test("the operator controller goes to the system pool and tolerates its taints (keeping the chart's control-plane one)", () => {
      const tainted: NodePoolInfo = {
        ...SYSTEM_POOL,
        taints: [{ key: "CriticalAddonsOnly", value: "true", effect: TaintEffect.NO_SCHEDULE }],
      };
      const s = cloud(ClusterTarget.AWS_EKS, {}, [tainted, pool("l4")]);
      expect(s.values.operator).toEqual({
        nodeSelector: { "kubernetes.io/os": "linux", ...SYSTEM_LABELS },
        tolerations: [CONTROL_PLANE_TOLERATION, { key: "CriticalAddonsOnly", operator: "Equal", value: "true", effect: "NoSchedule" }],
      });
    });

    test("a cluster without a system pool keeps the chart's operator placement", () => {
      const s = cloud(ClusterTarget.AWS_EKS, {}, [pool("l4")]);
      expect(s.values.operator).toBeUndefined();
    });
  });

  describe("DEVICE_PLUGIN_ONLY", () => {
    test("on-prem: driver, toolkit, device plugin and GPU feature discovery only", () => {
      const s = onPrem({ software: GpuSoftware.DEVICE_PLUGIN_ONLY });
      expect(s.values).toEqual({
        driver: { enabled: true },
        toolkit: { enabled: true },
        devicePlugin: { enabled: true },
        gfd: { enabled: true },
        mig: { strategy: "none" },
        dcgmExporter: { enabled: false, serviceMonitor: { enabled: false } },
        daemonsets: { tolerations: [GPU_TOLERATION, TRAINING_TOLERATION] },
        "node-feature-discovery": { worker: { tolerations: [CONTROL_PLANE_TOLERATION, GPU_TOLERATION, TRAINING_TOLERATION] } },
        ...OFF_IN_DEVICE_PLUGIN_ONLY,
      });
      expect(s.values.nfd).toBeUndefined(); // NFD stays on: the operator finds GPU nodes through its labels
      expect(s.operator.software).toBe(GpuSoftware.DEVICE_PLUGIN_ONLY);
    });

    test("on-prem with a PREINSTALLED driver is fine: driver off, toolkit on, no warnings", () => {
      const s = onPrem({ software: GpuSoftware.DEVICE_PLUGIN_ONLY, driver: GpuDriverMode.PREINSTALLED });
      expect(s.values).toMatchObject({ driver: { enabled: false }, toolkit: { enabled: true }, devicePlugin: { enabled: true } });
      expect(s.operator.driver).toBe(GpuDriverMode.PREINSTALLED);
      expect(annotations(s.app)).toEqual([]);
    });

    test("EKS: only the device plugin (and GFD) on top of the AMI's driver and toolkit", () => {
      const s = cloud(ClusterTarget.AWS_EKS, { software: GpuSoftware.DEVICE_PLUGIN_ONLY });
      expect(s.values).toMatchObject({
        driver: { enabled: false },
        toolkit: { enabled: false },
        devicePlugin: { enabled: true },
        gfd: { enabled: true },
        dcgmExporter: { enabled: false, serviceMonitor: { enabled: false } },
        ...OFF_IN_DEVICE_PLUGIN_ONLY,
      });
    });

    test("GKE: the toolkit stays (GKE has no NVIDIA container toolkit), with GKE's paths", () => {
      const s = cloud(ClusterTarget.GCP_GKE, { software: GpuSoftware.DEVICE_PLUGIN_ONLY });
      expect(s.values).toMatchObject({
        driver: { enabled: false },
        toolkit: { enabled: true, installDir: "/home/kubernetes/bin/nvidia" },
        hostPaths: { driverInstallDir: "/home/kubernetes/bin/nvidia" },
        devicePlugin: { enabled: true },
        ...OFF_IN_DEVICE_PLUGIN_ONLY,
      });
    });
  });

  describe("driver modes", () => {
    test("PREINSTALLED on-prem: driver off, toolkit on", () => {
      const s = onPrem({ driver: GpuDriverMode.PREINSTALLED });
      expect(s.values).toMatchObject({ driver: { enabled: false }, toolkit: { enabled: true } });
      expect(s.values.hostPaths).toBeUndefined();
    });

    test("PREINSTALLED on EKS and GKE is what AUTO picks", () => {
      expect(cloud(ClusterTarget.AWS_EKS, { driver: GpuDriverMode.PREINSTALLED }).values).toEqual(cloud(ClusterTarget.AWS_EKS).values);
      expect(cloud(ClusterTarget.GCP_GKE, { driver: GpuDriverMode.PREINSTALLED }).values).toEqual(cloud(ClusterTarget.GCP_GKE).values);
    });

    test("OPERATOR_MANAGED on EKS: driver and toolkit on, with a warning about the AMI", () => {
      const s = cloud(ClusterTarget.AWS_EKS, { driver: GpuDriverMode.OPERATOR_MANAGED });
      expect(s.values).toMatchObject({ driver: { enabled: true }, toolkit: { enabled: true } });
      expect(s.operator.driver).toBe(GpuDriverMode.OPERATOR_MANAGED);
      expect(annotations(s.app)).toEqual([
        'platform/Gpu: driver "operator-managed": the EKS-optimized AL2023 and Bottlerocket NVIDIA AMIs already carry the driver and the container toolkit; ' +
          "an operator-managed driver needs GPU nodes on an AMI without them (NVIDIA documents Ubuntu EKS AMIs)",
      ]);
    });

    test("OPERATOR_MANAGED on GKE: driver on with the operator's default paths, warned (Ubuntu node pools only)", () => {
      const s = cloud(ClusterTarget.GCP_GKE, { driver: GpuDriverMode.OPERATOR_MANAGED });
      expect(s.values).toMatchObject({
        driver: { enabled: true },
        toolkit: { enabled: true, env: [{ name: "RUNTIME_CONFIG_SOURCE", value: "file" }] },
        cdi: { enabled: true },
      });
      expect(s.values.hostPaths).toBeUndefined();
      expect(s.values.toolkit.installDir).toBeUndefined();
      expect(annotations(s.app)).toEqual([
        'platform/Gpu: driver "operator-managed": the operator can install the driver only on GKE node pools with the Ubuntu (UBUNTU_CONTAINERD) image and ' +
          "GKE's driver installation disabled (gpu_driver_version INSTALLATION_DISABLED); Container-Optimized OS nodes " +
          "(GKE's default image) need the driver from Google's installer (GpuDriverMode.AUTO)",
      ]);
    });

    test("OPERATOR_MANAGED on-prem is AUTO's choice, without warnings", () => {
      const s = onPrem({ driver: GpuDriverMode.OPERATOR_MANAGED });
      expect(s.values).toEqual(onPrem().values);
      expect(annotations(s.app)).toEqual([]);
    });
  });

  describe("MIG", () => {
    test("SINGLE on a cluster with H100s sets mig.strategy, without warnings", () => {
      const s = onPrem({ migStrategy: MigStrategy.SINGLE });
      expect(s.values.mig).toEqual({ strategy: "single" });
      expect(s.values.migManager).toBeUndefined(); // the chart's MIG manager stays on
      expect(annotations(s.app)).toEqual([]);
    });

    test("MIXED on GKE with Google's driver: the MIG manager reboots nodes to apply a layout", () => {
      const s = cloud(ClusterTarget.GCP_GKE, { migStrategy: MigStrategy.MIXED });
      expect(s.values.mig).toEqual({ strategy: "mixed" });
      expect(s.values.migManager).toEqual({ env: [{ name: "WITH_REBOOT", value: "true" }] });
    });

    test("with an operator-managed driver on GKE the chart's MIG manager settings are kept", () => {
      const s = cloud(ClusterTarget.GCP_GKE, { migStrategy: MigStrategy.SINGLE, driver: GpuDriverMode.OPERATOR_MANAGED });
      expect(s.values.mig).toEqual({ strategy: "single" });
      expect(s.values.migManager).toBeUndefined();
    });

    test("a MIG strategy on a cluster without a MIG-capable GPU is a warning", () => {
      const s = onPrem({ migStrategy: MigStrategy.SINGLE }, [L40S_SERVING, { ...L40S_SERVING, name: "t4", gpu: Gpu.NVIDIA_T4, nodeCount: 1, gpusPerNode: 1 }]);
      expect(s.values.mig).toEqual({ strategy: "single" });
      expect(annotations(s.app)).toEqual([
        'platform/Gpu: migStrategy "single": cluster infra/OnPrem has no GPU pool with a MIG-capable GPU ' +
          "(catalog: NVIDIA A100 40GB, NVIDIA A100 80GB, NVIDIA H100 80GB, NVIDIA H200 141GB); MIG strategy has no effect on other GPUs",
      ]);
    });

    test("a MIG strategy with DEVICE_PLUGIN_ONLY warns that nothing partitions the GPUs", () => {
      const s = cloud(ClusterTarget.AWS_EKS, { migStrategy: MigStrategy.MIXED, software: GpuSoftware.DEVICE_PLUGIN_ONLY });
      expect(s.values.mig).toEqual({ strategy: "mixed" });
      expect(s.values.migManager).toEqual({ enabled: false });
      expect(annotations(s.app)).toEqual([
        'platform/Gpu: migStrategy "mixed": GpuSoftware.DEVICE_PLUGIN_ONLY deploys no MIG manager, so the GPUs must be partitioned by other means before the device plugin can advertise MIG devices',
      ]);
    });
  });

  describe("metrics", () => {
    test("serviceMonitor: false keeps the exporter without a ServiceMonitor", () => {
      const s = onPrem({ serviceMonitor: false });
      expect(s.values.dcgmExporter).toEqual({ enabled: true, serviceMonitor: { enabled: false } });
    });

    test("dcgmExporter: false turns the ServiceMonitor off too", () => {
      const s = onPrem({ dcgmExporter: false });
      expect(s.values.dcgmExporter).toEqual({ enabled: false, serviceMonitor: { enabled: false } });
    });

    test("DEVICE_PLUGIN_ONLY with dcgmExporter: false and serviceMonitor: false is accepted", () => {
      const s = onPrem({ software: GpuSoftware.DEVICE_PLUGIN_ONLY, dcgmExporter: false, serviceMonitor: false });
      expect(s.values.dcgmExporter).toEqual({ enabled: false, serviceMonitor: { enabled: false } });
    });
  });

  describe("GKE driver modes: one nvidia.com/gpu advertiser per node", () => {
    const GKE_MANAGED = { "nvidia.com/gpu.deploy.operands": "false" };
    const installer = (s: Setup) => Object.values(resourcesOfType(s.json, "kubernetes_daemon_set_v1")) as any[];

    test("a GKE GPU pool with neither mode label is a warning (two advertisers)", () => {
      const s = cloud(ClusterTarget.GCP_GKE, {}, [SYSTEM_POOL, pool("l4"), pool("h100", { gpu: Gpu.NVIDIA_H100_80GB, labels: GKE_NO_DP })]);
      expect(annotations(s.app)).toEqual([
        'platform/Gpu: connection "platform/Conn": GKE GPU pool "l4" declares neither gke-no-default-nvidia-gpu-device-plugin=true nor nvidia.com/gpu.deploy.operands=false; ' +
          "GKE's own device plugin and the operator's would both advertise nvidia.com/gpu on its nodes (create GKE pools with GkeCluster.addGpuNodePool and a driverMode)",
      ]);
    });

    test("a pool with both labels is a warning (no advertiser)", () => {
      const both = pool("l4", { labels: { ...GKE_NO_DP, ...GKE_MANAGED } });
      const s = cloud(ClusterTarget.GCP_GKE, {}, [SYSTEM_POOL, both, pool("h100", { gpu: Gpu.NVIDIA_H100_80GB, labels: GKE_NO_DP })]);
      expect(annotations(s.app)).toEqual([
        'platform/Gpu: connection "platform/Conn": GKE GPU pool "l4" carries both gke-no-default-nvidia-gpu-device-plugin=true and nvidia.com/gpu.deploy.operands=false; ' +
          "neither GKE's device plugin nor the operator's runs on its nodes, so they advertise no nvidia.com/gpu",
      ]);
    });

    test("OPERATOR_DEVICE_PLUGIN pools get Google's driver installer, only on nodes whose driver GKE does not manage", () => {
      const s = cloud(ClusterTarget.GCP_GKE);
      expect(installer(s)).toHaveLength(1);
      const [ds] = installer(s);
      expect(s.operator.gkeDriverInstaller).toBeDefined();
      expect(ds.metadata.name).toBe("nvidia-driver-installer");
      expect(ds.metadata.namespace).toContain("kubernetes_namespace_v1.");
      const spec = ds.spec.template.spec;
      expect(spec.affinity.node_affinity.required_during_scheduling_ignored_during_execution.node_selector_term[0].match_expressions).toEqual([
        { key: "cloud.google.com/gke-accelerator", operator: "Exists" },
        { key: "cloud.google.com/gke-gpu-driver-version", operator: "DoesNotExist" },
      ]);
      expect(spec.init_container[0]).toMatchObject({
        image: "cos-nvidia-installer:fixed",
        image_pull_policy: "Never",
        // The node image's default driver: no --version flag (not "latest", the newest driver COS offers).
        command: ["/cos-gpu-installer", "install"],
      });
      expect(spec.init_container[0].command.join(" ")).not.toMatch(/--version/);
      expect(spec.init_container[1].image).toMatch(/@sha256:[0-9a-f]{64}$/);
      expect(spec.volume.find((v: any) => v.name === "nvidia-install-dir-host").host_path.path).toBe("/home/kubernetes/bin/nvidia");
      expect(spec.priority_class_name).toBe("system-node-critical");
      expect(ds.depends_on).toEqual(expect.arrayContaining([expect.stringContaining("kubernetes_resource_quota_v1.")]));
      expect(annotations(s.app)).toEqual([]);
    });

    test("GKE_MANAGED pools only: no installer, and a warning that the operator runs nothing on GPU nodes", () => {
      const pools = eksPools().map((p) => (p.gpu ? { ...p, labels: { ...p.labels, ...GKE_MANAGED } } : p));
      const s = cloud(ClusterTarget.GCP_GKE, {}, pools);
      expect(installer(s)).toEqual([]);
      expect(annotations(s.app)).toEqual([
        'platform/Gpu: connection "platform/Conn": no GKE GPU pool of cluster infra/Cluster uses GkeGpuDriverMode.OPERATOR_DEVICE_PLUGIN; ' +
          "GKE's driver and device plugin serve every pool and the operator runs nothing on GPU nodes",
      ]);
    });

    test("no installer with an operator-managed driver (Ubuntu nodes), or with gkeDriverInstaller: false (warned)", () => {
      expect(installer(cloud(ClusterTarget.GCP_GKE, { driver: GpuDriverMode.OPERATOR_MANAGED }))).toEqual([]);
      const s = cloud(ClusterTarget.GCP_GKE, { gkeDriverInstaller: false });
      expect(installer(s)).toEqual([]);
      expect(annotations(s.app)).toEqual([
        'platform/Gpu: gkeDriverInstaller false: GKE GPU pools "l4", "h100-spot" have GKE\'s driver installation disabled; ' +
          "apply Google's driver-installer DaemonSet (container-engine-accelerators nvidia-driver-installer/cos/daemonset-preloaded.yaml) yourself, or their GPUs stay unavailable",
      ]);
    });

    test("gkeDriverInstaller outside GKE is rejected", () => {
      expect(() => cloud(ClusterTarget.AWS_EKS, { gkeDriverInstaller: true })).toThrow(
        "platform/Gpu: invalid gkeDriverInstaller true: applies to GKE clusters only (Google's driver installer for Container-Optimized OS)",
      );
    });

    test("EKS pools need no such label", () => {
      const s = cloud(ClusterTarget.AWS_EKS, {}, [SYSTEM_POOL, pool("l4")]);
      expect(annotations(s.app)).toEqual([]);
    });
  });

  describe("system workloads", () => {
    test("registers the operator and Node Feature Discovery requests on the cluster", () => {
      const s = cloud(ClusterTarget.AWS_EKS);
      expect(s.connection.cluster.systemWorkloads).toEqual([
        { name: "gpu-operator", cpuMillis: 200, memoryMiB: 100 },
        { name: "node-feature-discovery-master", cpuMillis: 100, memoryMiB: 128 },
        { name: "node-feature-discovery-gc", cpuMillis: 10, memoryMiB: 128 },
        { name: "node-feature-discovery-worker", cpuMillis: 5, memoryMiB: 64, perNode: true },
      ]);
    });
  });

  describe("rejected input", () => {
    function build(props: Partial<GpuOperatorProps>): () => void {
      return () => {
        const app = testApp();
        const cluster = new ExistingCluster(bareStack(app, "infra"), "OnPrem", { clusterName: "dc1", kubeconfigContext: "dc1-admin" });
        const platform = bareStack(app, "platform");
        const connection = new ClusterConnection(platform, "Conn", { cluster });
        new GpuOperator(platform, "Gpu", { connection, ...props });
      };
    }

    test("a namespace that is not a DNS-1123 label", () => {
      expect(build({ namespace: "GPU_Operator" })).toThrow(
        'platform/Gpu: invalid namespace "GPU_Operator": must be a DNS-1123 label: lowercase letters, digits and \'-\', starting and ending with a letter or digit',
      );
      expect(build({ namespace: "" })).toThrow('platform/Gpu: invalid namespace "": must be 1 to 63 characters long (got 0)');
      expect(build({ namespace: "g".repeat(64) })).toThrow(/platform\/Gpu: invalid namespace "g{64}": must be 1 to 63 characters long \(got 64\)/);
    });

    test("a namespace every cluster already has", () => {
      expect(build({ namespace: "kube-system" })).toThrow(
        'platform/Gpu: invalid namespace "kube-system": is a namespace every cluster already has; the GPU operator gets a namespace of its own ' +
          '(not "default", "kube-system", "kube-public", "kube-node-lease")',
      );
      expect(build({ namespace: "default" })).toThrow(/invalid namespace "default": is a namespace every cluster already has/);
    });

    test("dcgmExporter: true with DEVICE_PLUGIN_ONLY", () => {
      expect(build({ software: GpuSoftware.DEVICE_PLUGIN_ONLY, dcgmExporter: true })).toThrow(
        "platform/Gpu: invalid dcgmExporter true: is not available with software GpuSoftware.DEVICE_PLUGIN_ONLY, which deploys no DCGM exporter; " +
          "use GpuSoftware.OPERATOR for GPU metrics",
      );
    });

    test("serviceMonitor: true without the DCGM exporter", () => {
      const message =
        "platform/Gpu: invalid serviceMonitor true: needs the DCGM exporter, which is off; set dcgmExporter: true (with GpuSoftware.OPERATOR) or leave serviceMonitor unset";
      expect(build({ dcgmExporter: false, serviceMonitor: true })).toThrow(message);
      expect(build({ software: GpuSoftware.DEVICE_PLUGIN_ONLY, serviceMonitor: true })).toThrow(message);
    });

    test("a second GPU operator for the same cluster (the ClusterPolicy is a singleton)", () => {
      const app = testApp();
      const cluster = new ExistingCluster(bareStack(app, "infra"), "OnPrem", { clusterName: "dc1", kubeconfigContext: "dc1-admin" });
      const platform = bareStack(app, "platform");
      const first = new ClusterConnection(platform, "Conn", { cluster });
      new GpuOperator(platform, "Gpu", { connection: first });
      const other = bareStack(app, "platform2");
      const second = new ClusterConnection(other, "Conn", { cluster });
      expect(() => new GpuOperator(other, "Gpu", { connection: second, namespace: "gpu-operator-2" })).toThrow(
        'platform2/Gpu: invalid connection "platform2/Conn": reaches cluster infra/OnPrem, which already gets a GPU operator from platform/Gpu; ' +
          "the chart's ClusterPolicy is one per cluster, so install the operator once",
      );
    });

    test("one operator per cluster: two clusters in one app are fine", () => {
      const app = testApp();
      const infra = bareStack(app, "infra");
      const a = new ExistingCluster(infra, "A", { clusterName: "a", kubeconfigContext: "a" });
      const b = new ExistingCluster(infra, "B", { clusterName: "b", kubeconfigContext: "b" });
      const platform = bareStack(app, "platform");
      new GpuOperator(platform, "GpuA", { connection: new ClusterConnection(platform, "ConnA", { cluster: a, alias: "a" }) });
      expect(
        () => new GpuOperator(platform, "GpuB", { connection: new ClusterConnection(platform, "ConnB", { cluster: b, alias: "b" }) }),
      ).not.toThrow();
    });

    test("enum values from other jsii languages are checked", () => {
      expect(build({ software: "everything" as GpuSoftware })).toThrow(
        'platform/Gpu: invalid software "everything": must be one of GpuSoftware.OPERATOR ("operator"), GpuSoftware.DEVICE_PLUGIN_ONLY ("device-plugin-only")',
      );
      expect(build({ driver: "dkms" as GpuDriverMode })).toThrow(
        'platform/Gpu: invalid driver "dkms": must be one of GpuDriverMode.AUTO ("auto"), GpuDriverMode.OPERATOR_MANAGED ("operator-managed"), GpuDriverMode.PREINSTALLED ("preinstalled")',
      );
      expect(build({ migStrategy: "all" as MigStrategy })).toThrow(
        'platform/Gpu: invalid migStrategy "all": must be one of MigStrategy.NONE ("none"), MigStrategy.SINGLE ("single"), MigStrategy.MIXED ("mixed")',
      );
    });
  });

  test("synthesis is deterministic", () => {
    expect(cloud(ClusterTarget.GCP_GKE).synth).toBe(cloud(ClusterTarget.GCP_GKE).synth);
  });
});

describeConformance("GpuOperator system workloads", () => {
  test("the operator's registered request is the chart's default (operator.resources.requests)", () => {
    const text = fs.readFileSync(path.join(conformanceRoot()!, "helm-values", "nvidia-gpu-operator-v26.7.0.values.yaml"), "utf8");
    const operator = text.slice(text.indexOf("\noperator:"));
    const requests = /\n {4}requests:\n {6}cpu: (\d+)m\n {6}memory: (\d+)Mi/.exec(operator);
    expect(requests).not.toBeNull();
    expect([Number(requests![1]), Number(requests![2])]).toEqual([200, 100]);
  });
});

describeConformance("GpuOperator conformance", () => {
  const variants: [string, () => Setup][] = [
    ["on-prem defaults", () => onPrem()],
    ["on-prem DEVICE_PLUGIN_ONLY, PREINSTALLED, MIXED", () => onPrem({ software: GpuSoftware.DEVICE_PLUGIN_ONLY, driver: GpuDriverMode.PREINSTALLED, migStrategy: MigStrategy.MIXED })],
    ["EKS defaults", () => cloud(ClusterTarget.AWS_EKS)],
    ["EKS OPERATOR_MANAGED, no ServiceMonitor", () => cloud(ClusterTarget.AWS_EKS, { driver: GpuDriverMode.OPERATOR_MANAGED, serviceMonitor: false })],
    [
      "EKS with a tainted system pool",
      () => cloud(ClusterTarget.AWS_EKS, {}, [{ ...SYSTEM_POOL, taints: [{ key: "CriticalAddonsOnly", value: "true", effect: TaintEffect.NO_SCHEDULE }] }]),
    ],
    ["GKE defaults", () => cloud(ClusterTarget.GCP_GKE)],
    ["GKE SINGLE", () => cloud(ClusterTarget.GCP_GKE, { migStrategy: MigStrategy.SINGLE })],
    ["GKE DEVICE_PLUGIN_ONLY", () => cloud(ClusterTarget.GCP_GKE, { software: GpuSoftware.DEVICE_PLUGIN_ONLY })],
    ["GKE OPERATOR_MANAGED", () => cloud(ClusterTarget.GCP_GKE, { driver: GpuDriverMode.OPERATOR_MANAGED })],
  ];

  test.each(variants)("every value key exists in the chart's defaults: %s", (_name, make) => {
    expect(checkHelmReleases(make().synth, PINNED_CHART_VALUES)).toEqual([]);
  });

  test("every MIG strategy is one the ClusterPolicy accepts", () => {
    const schema = JSON.parse(fs.readFileSync(path.join(conformanceRoot()!, "schemas", "clusterpolicy-v1.json"), "utf8"));
    expect(schema.properties.spec.properties.mig.properties.strategy.enum).toEqual(Object.values(MigStrategy));
  });

  test("every component DEVICE_PLUGIN_ONLY switches off is a ClusterPolicy operand with an enabled switch", () => {
    const schema = JSON.parse(fs.readFileSync(path.join(conformanceRoot()!, "schemas", "clusterpolicy-v1.json"), "utf8"));
    const spec = schema.properties.spec.properties;
    for (const component of Object.keys(OFF_IN_DEVICE_PLUGIN_ONLY)) {
      expect({ component, enabled: spec[component]?.properties?.enabled?.type }).toEqual({ component, enabled: "boolean" });
    }
  });
});

describe("GpuOperator and namespace isolation", () => {
  const policyNames = (json: any) => (Object.values(json.resource.kubernetes_network_policy_v1) as any[]).map((p) => p.metadata.name).sort();

  test("with the DCGM exporter, Prometheus in any namespace may scrape it on TCP 9400", () => {
    const { json } = onPrem({ serviceMonitor: false });
    const policies = Object.values(json.resource!.kubernetes_network_policy_v1) as any[];
    const scrape = policies.find((p) => p.metadata.name === "strata-allow-dcgm-exporter-scrape");
    expect(scrape.spec).toEqual({
      pod_selector: { match_labels: { app: "nvidia-dcgm-exporter" } },
      policy_types: ["Ingress"],
      ingress: [{ from: [{ namespace_selector: {} }], ports: [{ port: "9400", protocol: "TCP" }] }],
    });
    expect(policyNames(json)).toEqual(["strata-allow-dcgm-exporter-scrape", "strata-deny-ingress-except-same-namespace"]);
  });

  test("without the DCGM exporter there is only the namespace's default-deny policy", () => {
    expect(policyNames(onPrem({ software: GpuSoftware.DEVICE_PLUGIN_ONLY }).json)).toEqual(["strata-deny-ingress-except-same-namespace"]);
  });
});
