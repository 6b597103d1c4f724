import { Construct } from "constructs";
import { IResolvable, IResolveContext, ITerraformDependable, Token } from "cdktf";
import { DaemonSetV1 } from "@cdktf/provider-kubernetes/lib/daemon-set-v1";
import { NamespaceV1 } from "@cdktf/provider-kubernetes/lib/namespace-v1";
import { NetworkPolicyV1 } from "@cdktf/provider-kubernetes/lib/network-policy-v1";
import { ResourceQuotaV1 } from "@cdktf/provider-kubernetes/lib/resource-quota-v1";
import { ClusterTarget, NodePoolInfo, NodePoolPurpose, NodeTaint, TaintEffect, Toleration } from "../core/cluster";
import { ClusterConnection, PodSecurityLevel } from "../core/connection";
import { Gpu } from "../core/gpu";
import { HelmChart, PinnedChart } from "../core/helm-chart";
import { GKE_NO_DEFAULT_DEVICE_PLUGIN_LABEL, GPU_OPERATOR_OPERANDS_LABEL, MANAGED_BY_LABELS } from "../core/labels";
import { NamingRule, validateName } from "../core/naming";
import { Scheduling } from "../core/scheduling";
import { invalid, validateBoolean, validateEnum, warn } from "../core/validation";

/** Which NVIDIA software the GPU operator chart deploys on the GPU nodes. */
export enum GpuSoftware {
  /**
   * The full operator: driver and container toolkit where the platform needs them, device plugin,
   * GPU feature discovery, DCGM exporter, MIG manager and the chart's other defaults.
   */
  OPERATOR = "operator",
  /**
   * Only what advertising `nvidia.com/gpu` needs: Node Feature Discovery (how the operator finds GPU
   * nodes), the driver and container toolkit where the platform needs them, the device plugin, GPU
   * feature discovery (the `nvidia.com/gpu.product` label Strata's scheduling selects on) and the
   * operator's validator. DCGM, the DCGM exporter, the MIG manager, the node status exporter,
   * GPUDirect Storage, GDRCopy, the vGPU, VFIO, sandbox and Kata device plugins and the confidential
   * computing manager are switched off.
   */
  DEVICE_PLUGIN_ONLY = "device-plugin-only",
}

/** Who installs the NVIDIA kernel driver on the GPU nodes. */
export enum GpuDriverMode {
  /**
   * Decided by the cluster target: preinstalled on EKS (the EKS-optimized AL2023 NVIDIA AMI ships the
   * driver and the container toolkit) and on GKE (Google's driver installer), installed by the
   * operator on-prem.
   */
  AUTO = "auto",
  /**
   * The operator's driver containers install and upgrade the driver. Needs a node OS the operator
   * supports (Ubuntu; on GKE Ubuntu node pools with GKE's driver installation disabled, on EKS an AMI
   * without an NVIDIA driver).
   */
  OPERATOR_MANAGED = "operator-managed",
  /** The node image (or the node's owner) already installed the driver; the operator leaves it alone. */
  PREINSTALLED = "preinstalled",
}

/** How MIG (Multi-Instance GPU) devices are advertised by the device plugin and GPU feature discovery. */
export enum MigStrategy {
  /** MIG is not used: whole GPUs are advertised as `nvidia.com/gpu`. */
  NONE = "none",
  /** Every GPU of a node is cut into the same MIG profile, advertised as `nvidia.com/gpu`. */
  SINGLE = "single",
  /** GPUs may carry different MIG profiles, each advertised as `nvidia.com/mig-<profile>`. */
  MIXED = "mixed",
}

/** Props of `GpuOperator`. */
export interface GpuOperatorProps {
  /**
   * The connection (platform stack) to install through. Its cluster's `target` decides the platform
   * defaults, its node pools the placement and tolerations.
   */
  readonly connection: ClusterConnection;
  /**
   * What the chart deploys on the GPU nodes.
   * @default GpuSoftware.OPERATOR
   */
  readonly software?: GpuSoftware;
  /**
   * Who installs the NVIDIA driver.
   * @default GpuDriverMode.AUTO (preinstalled on EKS and GKE, operator-managed on-prem)
   */
  readonly driver?: GpuDriverMode;
  /**
   * MIG strategy of the device plugin and GPU feature discovery (chart value `mig.strategy`).
   * @default MigStrategy.NONE
   */
  readonly migStrategy?: MigStrategy;
  /**
   * Deploy the DCGM exporter (GPU metrics on port 9400). Not available with `DEVICE_PLUGIN_ONLY`.
   * @default true (false with GpuSoftware.DEVICE_PLUGIN_ONLY)
   */
  readonly dcgmExporter?: boolean;
  /**
   * Let the operator create a ServiceMonitor for the DCGM exporter. Needs the prometheus-operator CRDs
   * (`monitoring.coreos.com`) installed before the operator reconciles: without them the operator stops
   * at the exporter and never deploys the components that come after it.
   * @default - same as `dcgmExporter`
   */
  readonly serviceMonitor?: boolean;
  /**
   * Namespace the operator is installed into; it is created with the privileged Pod Security level.
   * @default "gpu-operator"
   */
  readonly namespace?: string;
  /**
   * GKE only: create Google's NVIDIA driver-installer DaemonSet (Container-Optimized OS) in the
   * operator's namespace, for the GPU pools with `GkeGpuDriverMode.OPERATOR_DEVICE_PLUGIN`, whose
   * driver GKE does not install. Set false only when you apply Google's installer yourself.
   * @default true (created when the cluster has such a pool and the driver is not operator-managed)
   */
  readonly gkeDriverInstaller?: boolean;
}

/** The GPU taint's key: every GPU pool carries `nvidia.com/gpu` (with the value `present` in Strata pools). */
const GPU_TAINT_KEY = Scheduling.gpuTaint().key;
/** Where GKE's driver installer puts the driver, and where the toolkit must go on GKE node images. */
const GKE_NVIDIA_DIR = "/home/kubernetes/bin/nvidia";
/** Catalog GPUs that can be partitioned with MIG. */
const MIG_CAPABLE_GPUS: Gpu[] = [Gpu.NVIDIA_A100_40GB, Gpu.NVIDIA_A100_80GB, Gpu.NVIDIA_H100_80GB, Gpu.NVIDIA_H200];
/** Namespaces that already exist in every cluster; the construct creates its namespace, so they are refused. */
const RESERVED_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease"];
/** The chart's own toleration of control-plane nodes (kept when a toleration list is replaced). */
const CONTROL_PLANE_TOLERATION: Toleration = {
  key: "node-role.kubernetes.io/control-plane",
  operator: "Equal",
  value: "",
  effect: TaintEffect.NO_SCHEDULE,
};
/** Operator-managed components switched off by `DEVICE_PLUGIN_ONLY`. */
const NOT_IN_DEVICE_PLUGIN_ONLY = [
  "dcgm",
  "migManager",
  "nodeStatusExporter",
  "gds",
  "gdrcopy",
  "vgpuManager",
  "vgpuDeviceManager",
  "vfioManager",
  "sandboxDevicePlugin",
  "kataSandboxDevicePlugin",
  "ccManager",
];

/**
 * A `depends_on` entry for `dependable`, rendered as cdktf renders the `dependsOn` config argument
 * (a bare reference). Needed because the chart's release is created by `HelmChart`.
 */
function dependsOnEntry(dependable: ITerraformDependable): string {
  const entry: IResolvable = {
    creationStack: [],
    resolve: (context: IResolveContext) => {
      context.suppressBraces = true;
      return dependable.fqn;
    },
    toString: () => dependable.fqn,
  };
  return Token.asString(entry);
}

function sameToleration(a: Toleration, b: Toleration): boolean {
  return a.key === b.key && a.operator === b.operator && (a.value ?? "") === (b.value ?? "") && a.effect === b.effect;
}

/** True when `toleration` lets a pod onto a node tainted with `taint`. */
function tolerates(toleration: Toleration, taint: NodeTaint): boolean {
  if (toleration.key !== taint.key || toleration.effect !== taint.effect) return false;
  return toleration.operator === "Exists" || (toleration.value ?? "") === (taint.value ?? "");
}

/** `toleration` as the chart expects it (no `value` key with `Exists`). */
function toValue(toleration: Toleration): { [key: string]: string } {
  return toleration.value === undefined
    ? { key: toleration.key, operator: toleration.operator, effect: toleration.effect }
    : { key: toleration.key, operator: toleration.operator, value: toleration.value, effect: toleration.effect };
}

/** Port the DCGM exporter serves metrics on. */
const DCGM_EXPORTER_PORT = 9400;

/**
 * Requests of the pods the chart adds to the system nodes, from the chart's defaults: the operator's
 * from `nvidia-gpu-operator-v26.7.0.values.yaml` (`operator.resources.requests`: 200m, 100Mi); Node
 * Feature Discovery's from its subchart's defaults (`master` 100m/128Mi, `gc` 10m/128Mi, `worker`
 * 5m/64Mi), which the conformance data does not carry: recalled from the node-feature-discovery
 * chart, to be checked against the subchart bundled with gpu-operator v26.7.0. The NFD worker runs on
 * every node, system nodes included; the operator's own node daemonsets run on GPU nodes only.
 */
const GPU_OPERATOR_SYSTEM_WORKLOADS = [
  { name: "gpu-operator", cpuMillis: 200, memoryMiB: 100 },
  { name: "node-feature-discovery-master", cpuMillis: 100, memoryMiB: 128 },
  { name: "node-feature-discovery-gc", cpuMillis: 10, memoryMiB: 128 },
  { name: "node-feature-discovery-worker", cpuMillis: 5, memoryMiB: 64, perNode: true },
];

/**
 * Google's NVIDIA driver installer for Container-Optimized OS: the DaemonSet of
 * `nvidia-driver-installer/cos/daemonset-preloaded.yaml` in GoogleCloudPlatform/container-engine-accelerators
 * (read at commit 068b15a980977bdaab46eb73e1ac8fba47e41f60), which installs the default driver of the
 * node's COS image (the driver COS qualifies with that image), not the newest one as
 * `daemonset-preloaded-latest.yaml` (`--version=latest`) does. Its installer image,
 * `cos-nvidia-installer:fixed`, is preloaded on every GKE GPU node by GKE for that node's image
 * (pull policy Never), so the node version pins it; the other images are pinned as upstream pins them.
 */
const GKE_DRIVER_INSTALLER = {
  name: "nvidia-driver-installer",
  installerImage: "cos-nvidia-installer:fixed",
  partitionImage: "gcr.io/gke-release/nvidia-partition-gpu@sha256:c54fd003948fac687c2a93a55ea6e4d47ffbd641278a9191e75e822fe72471c2",
  pauseImage: "gcr.io/google-containers/pause:2.0",
};

/**
 * The NVIDIA GPU Operator (chart `gpu-operator` v26.7.0) installed through a `ClusterConnection` in
 * the platform stack, with values chosen for the cluster's target:
 *
 * - **EKS** (EKS-optimized AL2023 NVIDIA AMI): the AMI ships the driver and the NVIDIA container
 *   toolkit but no device plugin, so the operator's driver and toolkit are off and its device plugin on.
 *   Bottlerocket NVIDIA nodes (and EKS Auto Mode, which uses them) also bring their own device plugin
 *   and are not a fit for these defaults.
 * - **GKE**: Google's driver installer provides the driver under `/home/kubernetes/bin/nvidia`; the
 *   operator's driver is off, its toolkit is installed into that directory (the writable, persistent
 *   location on GKE node images) and reads containerd's configuration from its file, and CDI is on.
 *   A ResourceQuota admits the operator's `system-node-critical` pods outside `kube-system`; with a
 *   MIG strategy the MIG manager reboots nodes to apply a layout. Each GKE GPU pool has one driver
 *   mode (`GkeGpuDriverMode`): `OPERATOR_DEVICE_PLUGIN` pools (GKE's driver installation disabled,
 *   node label `gke-no-default-nvidia-gpu-device-plugin=true`) get Google's driver-installer
 *   DaemonSet from this construct and the operator's device plugin; `GKE_MANAGED` pools (node label
 *   `nvidia.com/gpu.deploy.operands=false`) keep GKE's driver and device plugin, and the operator
 *   runs nothing on them. A warning names every pool with neither label (two advertisers) or both.
 * - **On-prem**: the operator installs the driver and the toolkit.
 *
 * The namespace (`gpu-operator` unless `namespace` says otherwise) is created with the **privileged**
 * Pod Security level: the operator's node daemonsets (driver, container toolkit, device plugin, DCGM
 * exporter, validator) run privileged containers with host paths and cannot run under `baseline` or
 * `restricted`.
 *
 * The operator controller runs on the cluster's system pool when it has one. Every node daemonset
 * (including Node Feature Discovery's worker, which finds the GPU nodes) tolerates the GPU taint
 * (`nvidia.com/gpu`, any value), the training taint (`workload=training:NoSchedule`) and every other
 * taint of the GPU pools registered on the cluster when the construct is created, so that it reaches
 * every GPU pool. The chart installs the `nvidia.com` CRDs: ClusterPolicy custom resources belong in a
 * later stack. The DCGM exporter's ServiceMonitor (on by default) needs the prometheus-operator CRDs
 * in the cluster before this release is applied (install kube-prometheus-stack first, or set
 * `serviceMonitor: false`).
 *
 * @example
 * const platform = new TerraformStack(app, "platform");
 * const conn = cluster.connect(platform, "Ml");
 * new GpuOperator(platform, "Gpu", { connection: conn, migStrategy: MigStrategy.SINGLE });
 */
export class GpuOperator extends Construct {
  /** The Helm release of the chart. */
  public readonly chart: HelmChart;
  /** The namespace the operator runs in. */
  public readonly namespace: string;
  /** The privileged namespace resource. */
  public readonly namespaceResource: NamespaceV1;
  /** With the DCGM exporter: the NetworkPolicy that lets Prometheus, in any namespace, scrape it on TCP 9400. */
  public readonly metricsPolicy?: NetworkPolicyV1;
  /** GKE only: the ResourceQuota that admits `system-node-critical` pods in the namespace. */
  public readonly criticalPodsQuota?: ResourceQuotaV1;
  /** GKE only: Google's driver-installer DaemonSet, for pools with `GkeGpuDriverMode.OPERATOR_DEVICE_PLUGIN`. */
  public readonly gkeDriverInstaller?: DaemonSetV1;
  /** What the chart deploys. */
  public readonly software: GpuSoftware;
  /** The resolved driver mode: `OPERATOR_MANAGED` or `PREINSTALLED` (never `AUTO`). */
  public readonly driver: GpuDriverMode;
  /** True when the operator installs the NVIDIA container toolkit. */
  public readonly toolkitEnabled: boolean;
  /** The MIG strategy. */
  public readonly migStrategy: MigStrategy;
  /** The connection the operator is installed through. */
  public readonly connection: ClusterConnection;
  /** The values passed to the chart. */
  public readonly values: { [key: string]: any };

  constructor(scope: Construct, id: string, props: GpuOperatorProps) {
    super(scope, id);
    const cluster = props.connection.cluster;
    const target = cluster.target;
    const software = props.software ?? GpuSoftware.OPERATOR;
    const driverMode = props.driver ?? GpuDriverMode.AUTO;
    const migStrategy = props.migStrategy ?? MigStrategy.NONE;
    const namespace = props.namespace ?? "gpu-operator";
    const devicePluginOnly = software === GpuSoftware.DEVICE_PLUGIN_ONLY;

    // Validation.
    validateEnum(this, "software", software, GpuSoftware, "GpuSoftware");
    validateEnum(this, "driver", driverMode, GpuDriverMode, "GpuDriverMode");
    validateEnum(this, "migStrategy", migStrategy, MigStrategy, "MigStrategy");
    validateBoolean(this, "dcgmExporter", props.dcgmExporter);
    validateBoolean(this, "serviceMonitor", props.serviceMonitor);
    validateBoolean(this, "gkeDriverInstaller", props.gkeDriverInstaller);
    validateName(this, "namespace", namespace, NamingRule.DNS1123_LABEL);
    if (RESERVED_NAMESPACES.includes(namespace)) {
      invalid(
        this,
        "namespace",
        namespace,
        `is a namespace every cluster already has; the GPU operator gets a namespace of its own (not ${RESERVED_NAMESPACES.map((n) => JSON.stringify(n)).join(", ")})`,
      );
    }
    if (devicePluginOnly && props.dcgmExporter === true) {
      invalid(
        this,
        "dcgmExporter",
        true,
        "is not available with software GpuSoftware.DEVICE_PLUGIN_ONLY, which deploys no DCGM exporter; use GpuSoftware.OPERATOR for GPU metrics",
      );
    }
    const dcgmExporter = props.dcgmExporter ?? !devicePluginOnly;
    if (props.serviceMonitor === true && !dcgmExporter) {
      invalid(
        this,
        "serviceMonitor",
        true,
        "needs the DCGM exporter, which is off; set dcgmExporter: true (with GpuSoftware.OPERATOR) or leave serviceMonitor unset",
      );
    }
    const serviceMonitor = props.serviceMonitor ?? dcgmExporter;
    const other = this.node.root.node
      .findAll()
      .find((c): c is GpuOperator => c instanceof GpuOperator && c !== this && c.connection?.cluster === cluster);
    if (other) {
      invalid(
        this,
        "connection",
        props.connection.node.path,
        `reaches cluster ${cluster.node.path}, which already gets a GPU operator from ${other.node.path}; ` +
          "the chart's ClusterPolicy is one per cluster, so install the operator once",
      );
    }

    const driverByOperator =
      driverMode === GpuDriverMode.OPERATOR_MANAGED || (driverMode === GpuDriverMode.AUTO && target === ClusterTarget.ON_PREM);
    // The EKS-optimized AL2023 NVIDIA AMI ships the container toolkit with its driver; GKE and on-prem nodes do not.
    const toolkitByOperator = !(target === ClusterTarget.AWS_EKS && !driverByOperator);
    const gkeHostDriver = target === ClusterTarget.GCP_GKE && !driverByOperator;
    const gpuPools = cluster.nodePools.filter((p) => p.gpu !== undefined);

    // Warnings: soft problems that do not fail synth.
    if (driverMode === GpuDriverMode.OPERATOR_MANAGED && target === ClusterTarget.GCP_GKE) {
      warn(
        this,
        "driver",
        driverMode,
        "the operator can install the driver only on GKE node pools with the Ubuntu (UBUNTU_CONTAINERD) image and " +
          "GKE's driver installation disabled (gpu_driver_version INSTALLATION_DISABLED); Container-Optimized OS nodes " +
          "(GKE's default image) need the driver from Google's installer (GpuDriverMode.AUTO)",
      );
    }
    if (driverMode === GpuDriverMode.OPERATOR_MANAGED && target === ClusterTarget.AWS_EKS) {
      warn(
        this,
        "driver",
        driverMode,
        "the EKS-optimized AL2023 and Bottlerocket NVIDIA AMIs already carry the driver and the container toolkit; " +
          "an operator-managed driver needs GPU nodes on an AMI without them (NVIDIA documents Ubuntu EKS AMIs)",
      );
    }
    if (migStrategy !== MigStrategy.NONE) {
      const migPools = gpuPools.filter((p) => MIG_CAPABLE_GPUS.includes(p.gpu!));
      if (migPools.length === 0) {
        warn(
          this,
          "migStrategy",
          migStrategy,
          `cluster ${cluster.node.path} has no GPU pool with a MIG-capable GPU (catalog: ${MIG_CAPABLE_GPUS.map((g) => g.displayName).join(", ")}); ` +
            "MIG strategy has no effect on other GPUs",
        );
      }
      if (devicePluginOnly) {
        warn(
          this,
          "migStrategy",
          migStrategy,
          "GpuSoftware.DEVICE_PLUGIN_ONLY deploys no MIG manager, so the GPUs must be partitioned by other means before the device plugin can advertise MIG devices",
        );
      }
    }
    // GKE: exactly one nvidia.com/gpu advertiser per node. Pools with the operator's device plugin
    // carry gke-no-default-nvidia-gpu-device-plugin=true; pools left to GKE carry
    // nvidia.com/gpu.deploy.operands=false, which keeps every operator component off their nodes.
    const operatorGkePools: NodePoolInfo[] = [];
    if (target === ClusterTarget.GCP_GKE) {
      for (const pool of gpuPools) {
        const gkeOff = pool.labels[GKE_NO_DEFAULT_DEVICE_PLUGIN_LABEL] === "true";
        const operatorOff = pool.labels[GPU_OPERATOR_OPERANDS_LABEL] === "false";
        if (gkeOff && operatorOff) {
          warn(
            this,
            "connection",
            props.connection.node.path,
            `GKE GPU pool "${pool.name}" carries both ${GKE_NO_DEFAULT_DEVICE_PLUGIN_LABEL}=true and ${GPU_OPERATOR_OPERANDS_LABEL}=false; ` +
              "neither GKE's device plugin nor the operator's runs on its nodes, so they advertise no nvidia.com/gpu",
          );
        } else if (gkeOff) {
          operatorGkePools.push(pool);
        } else if (!operatorOff) {
          warn(
            this,
            "connection",
            props.connection.node.path,
            `GKE GPU pool "${pool.name}" declares neither ${GKE_NO_DEFAULT_DEVICE_PLUGIN_LABEL}=true nor ${GPU_OPERATOR_OPERANDS_LABEL}=false; ` +
              "GKE's own device plugin and the operator's would both advertise nvidia.com/gpu on its nodes (create GKE pools with GkeCluster.addGpuNodePool and a driverMode)",
          );
        }
      }
      if (gpuPools.length > 0 && operatorGkePools.length === 0) {
        warn(
          this,
          "connection",
          props.connection.node.path,
          `no GKE GPU pool of cluster ${cluster.node.path} uses GkeGpuDriverMode.OPERATOR_DEVICE_PLUGIN; GKE's driver and device plugin serve every pool and the operator runs nothing on GPU nodes`,
        );
      }
    }
    const gkeDriverInstaller = props.gkeDriverInstaller ?? true;
    if (target !== ClusterTarget.GCP_GKE && props.gkeDriverInstaller !== undefined) {
      invalid(this, "gkeDriverInstaller", props.gkeDriverInstaller, "applies to GKE clusters only (Google's driver installer for Container-Optimized OS)");
    }
    const installGkeDriver = gkeHostDriver && gkeDriverInstaller && operatorGkePools.length > 0;
    if (gkeHostDriver && !gkeDriverInstaller && operatorGkePools.length > 0) {
      warn(
        this,
        "gkeDriverInstaller",
        false,
        `GKE GPU pools ${operatorGkePools.map((p) => `"${p.name}"`).join(", ")} have GKE's driver installation disabled; ` +
          "apply Google's driver-installer DaemonSet (container-engine-accelerators nvidia-driver-installer/cos/daemonset-preloaded.yaml) yourself, or their GPUs stay unavailable",
      );
    }

    // Children.
    this.namespaceResource = props.connection.addNamespace(namespace, {
      podSecurity: PodSecurityLevel.PRIVILEGED,
      privilegedReason: "NVIDIA driver, container toolkit, device plugin and DCGM DaemonSets need host access",
    });
    const dependsOn: string[] = [dependsOnEntry(this.namespaceResource)];
    if (dcgmExporter) {
      // The namespace denies ingress from other namespaces; Prometheus scrapes the DCGM exporter from its own.
      this.metricsPolicy = new NetworkPolicyV1(this, "DcgmExporterScrape", {
        provider: props.connection.kubernetesProvider,
        metadata: { name: "strata-allow-dcgm-exporter-scrape", namespace: this.namespaceResource.metadata.name, labels: { ...MANAGED_BY_LABELS } },
        spec: {
          podSelector: { matchLabels: { app: "nvidia-dcgm-exporter" } },
          policyTypes: ["Ingress"],
          ingress: [{ from: [{ namespaceSelector: {} }], ports: [{ port: String(DCGM_EXPORTER_PORT), protocol: "TCP" }] }],
        },
      });
    }
    if (target === ClusterTarget.GCP_GKE) {
      // GKE admits pods of the system-node-critical and system-cluster-critical priority classes outside
      // kube-system only in namespaces with a ResourceQuota scoped to those classes.
      this.criticalPodsQuota = new ResourceQuotaV1(this, "CriticalPodsQuota", {
        provider: props.connection.kubernetesProvider,
        metadata: { name: "gpu-operator-critical-pods", namespace, labels: { ...MANAGED_BY_LABELS } },
        spec: {
          hard: { pods: "10000" },
          scopeSelector: {
            matchExpression: [
              { scopeName: "PriorityClass", operator: "In", values: ["system-node-critical", "system-cluster-critical"] },
            ],
          },
        },
        dependsOn: [this.namespaceResource],
      });
      dependsOn.push(dependsOnEntry(this.criticalPodsQuota));
      if (installGkeDriver) {
        this.gkeDriverInstaller = this.createGkeDriverInstaller(props.connection, this.namespaceResource, this.criticalPodsQuota);
      }
    }

    this.values = this.buildValues({
      target,
      gpuPools,
      systemPool: cluster.nodePools.find((p) => p.purpose === NodePoolPurpose.SYSTEM),
      devicePluginOnly,
      driverByOperator,
      toolkitByOperator,
      gkeHostDriver,
      migStrategy,
      dcgmExporter,
      serviceMonitor,
    });
    this.chart = new HelmChart(this, "Chart", {
      connection: props.connection,
      chart: PinnedChart.GPU_OPERATOR,
      releaseName: "gpu-operator",
      namespace,
      values: this.values,
    });
    this.chart.release.dependsOn = dependsOn;

    // The operator's controller and Node Feature Discovery run on the system nodes.
    for (const workload of GPU_OPERATOR_SYSTEM_WORKLOADS) {
      cluster.addSystemWorkload(workload);
    }

    // Attributes.
    this.connection = props.connection;
    this.namespace = namespace;
    this.software = software;
    this.driver = driverByOperator ? GpuDriverMode.OPERATOR_MANAGED : GpuDriverMode.PREINSTALLED;
    this.toolkitEnabled = toolkitByOperator;
    this.migStrategy = migStrategy;
  }

  /**
   * Google's driver installer (see `GKE_DRIVER_INSTALLER`) in the operator's privileged namespace,
   * whose ResourceQuota admits its `system-node-critical` pods. Its node affinity (a GPU node whose
   * driver GKE does not manage: no `cloud.google.com/gke-gpu-driver-version` label) is upstream's,
   * so it never runs on `GKE_MANAGED` pools.
   */
  private createGkeDriverInstaller(connection: ClusterConnection, namespace: NamespaceV1, quota: ResourceQuotaV1): DaemonSetV1 {
    const d = GKE_DRIVER_INSTALLER;
    const selector = { "k8s-app": d.name };
    const nvidiaDir = { name: "nvidia-install-dir-host", mountPath: "/usr/local/nvidia" };
    return new DaemonSetV1(this, "GkeDriverInstaller", {
      provider: connection.kubernetesProvider,
      metadata: { name: d.name, namespace: namespace.metadata.name, labels: { ...selector, ...MANAGED_BY_LABELS } },
      spec: {
        selector: { matchLabels: selector },
        strategy: { type: "RollingUpdate" },
        template: {
          metadata: { labels: { name: d.name, ...selector } },
          spec: {
            priorityClassName: "system-node-critical",
            affinity: {
              nodeAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: {
                  nodeSelectorTerm: [
                    {
                      matchExpressions: [
                        { key: "cloud.google.com/gke-accelerator", operator: "Exists" },
                        { key: "cloud.google.com/gke-gpu-driver-version", operator: "DoesNotExist" },
                      ],
                    },
                  ],
                },
              },
            },
            toleration: [{ operator: "Exists" }],
            hostNetwork: true,
            hostPid: true,
            volume: [
              { name: "dev", hostPath: { path: "/dev" } },
              { name: "vulkan-icd-mount", hostPath: { path: `${GKE_NVIDIA_DIR}/vulkan/icd.d` } },
              { name: "nvidia-install-dir-host", hostPath: { path: GKE_NVIDIA_DIR } },
              { name: "root-mount", hostPath: { path: "/" } },
              { name: "cos-tools", hostPath: { path: "/var/lib/cos-tools" } },
              { name: "nvidia-config", hostPath: { path: "/etc/nvidia" } },
            ],
            initContainer: [
              {
                name: d.name,
                image: d.installerImage,
                imagePullPolicy: "Never",
                // No --version: the installer then installs the default driver of the node's COS image
                // (its flag help: "It will install the default GPU driver if the flag is not set explicitly").
                // Not "--version=default": the installer sources read (cos/tools, 2023) know only "" and
                // "latest" as keywords and take any other value as a precise driver version.
                command: ["/cos-gpu-installer", "install"],
                resources: { requests: { cpu: "150m" } },
                securityContext: { privileged: true },
                env: [
                  { name: "NVIDIA_INSTALL_DIR_HOST", value: GKE_NVIDIA_DIR },
                  { name: "NVIDIA_INSTALL_DIR_CONTAINER", value: "/usr/local/nvidia" },
                  { name: "VULKAN_ICD_DIR_HOST", value: `${GKE_NVIDIA_DIR}/vulkan/icd.d` },
                  { name: "VULKAN_ICD_DIR_CONTAINER", value: "/etc/vulkan/icd.d" },
                  { name: "ROOT_MOUNT_DIR", value: "/root" },
                  { name: "COS_TOOLS_DIR_HOST", value: "/var/lib/cos-tools" },
                  { name: "COS_TOOLS_DIR_CONTAINER", value: "/build/cos-tools" },
                ],
                volumeMount: [
                  nvidiaDir,
                  { name: "vulkan-icd-mount", mountPath: "/etc/vulkan/icd.d" },
                  { name: "dev", mountPath: "/dev" },
                  { name: "root-mount", mountPath: "/root" },
                  { name: "cos-tools", mountPath: "/build/cos-tools" },
                ],
              },
              {
                name: "partition-gpus",
                image: d.partitionImage,
                env: [{ name: "LD_LIBRARY_PATH", value: "/usr/local/nvidia/lib64" }],
                resources: { requests: { cpu: "150m" } },
                securityContext: { privileged: true },
                volumeMount: [nvidiaDir, { name: "dev", mountPath: "/dev" }, { name: "nvidia-config", mountPath: "/etc/nvidia" }],
              },
            ],
            container: [{ name: "pause", image: d.pauseImage }],
          },
        },
      },
      // Every GPU node runs the installer; do not hold the apply until each one has finished.
      waitForRollout: false,
      dependsOn: [namespace, quota],
    });
  }

  private buildValues(o: {
    target: ClusterTarget;
    gpuPools: NodePoolInfo[];
    systemPool?: NodePoolInfo;
    devicePluginOnly: boolean;
    driverByOperator: boolean;
    toolkitByOperator: boolean;
    gkeHostDriver: boolean;
    migStrategy: MigStrategy;
    dcgmExporter: boolean;
    serviceMonitor: boolean;
  }): { [key: string]: any } {
    const gke = o.target === ClusterTarget.GCP_GKE;

    // Node daemonsets: the GPU taint with any value (the chart's default toleration), the training
    // taint, and every other taint of the GPU pools, each once.
    const nodeTolerations: Toleration[] = [{ key: GPU_TAINT_KEY, operator: "Exists", effect: TaintEffect.NO_SCHEDULE }];
    const training = Scheduling.trainingTaint();
    for (const taint of [Scheduling.gpuTaint(), training, ...o.gpuPools.flatMap((p) => p.taints)]) {
      if (!nodeTolerations.some((t) => tolerates(t, taint))) {
        nodeTolerations.push(
          taint.value === undefined
            ? { key: taint.key, operator: "Exists", effect: taint.effect }
            : { key: taint.key, operator: "Equal", value: taint.value, effect: taint.effect },
        );
      }
    }

    const operator: { [key: string]: any } = {};
    if (o.systemPool) {
      operator.nodeSelector = { "kubernetes.io/os": "linux", ...Scheduling.nodeSelectorFor(o.systemPool) };
      const poolTolerations = Scheduling.tolerationsFor(o.systemPool);
      if (poolTolerations.length > 0) {
        const all = [CONTROL_PLANE_TOLERATION];
        poolTolerations.forEach((t) => (all.some((a) => sameToleration(a, t)) ? undefined : all.push(t)));
        operator.tolerations = all.map(toValue);
      }
    }

    const toolkit: { [key: string]: any } = { enabled: o.toolkitByOperator };
    if (gke && o.toolkitByOperator) {
      // GKE's containerd is not configured where the toolkit looks by default: read the config file itself.
      toolkit.env = [{ name: "RUNTIME_CONFIG_SOURCE", value: "file" }];
    }
    if (o.gkeHostDriver && o.toolkitByOperator) {
      toolkit.installDir = GKE_NVIDIA_DIR;
    }

    const values: { [key: string]: any } = {
      driver: { enabled: o.driverByOperator },
      toolkit,
      devicePlugin: { enabled: true },
      gfd: { enabled: true },
      mig: { strategy: o.migStrategy },
      dcgmExporter: { enabled: o.dcgmExporter, serviceMonitor: { enabled: o.serviceMonitor } },
      daemonsets: { tolerations: nodeTolerations.map(toValue) },
      "node-feature-discovery": {
        worker: { tolerations: [CONTROL_PLANE_TOLERATION, ...nodeTolerations].map(toValue) },
      },
    };
    if (o.gkeHostDriver) {
      values.hostPaths = { driverInstallDir: GKE_NVIDIA_DIR };
    }
    if (gke) {
      values.cdi = { enabled: true };
    }
    if (Object.keys(operator).length > 0) {
      values.operator = operator;
    }
    if (o.devicePluginOnly) {
      for (const component of NOT_IN_DEVICE_PLUGIN_ONLY) {
        values[component] = { enabled: false };
      }
    } else if (o.gkeHostDriver && o.migStrategy !== MigStrategy.NONE) {
      // With Google's driver on GKE the MIG manager must reboot the node to apply a new MIG layout.
      values.migManager = { env: [{ name: "WITH_REBOOT", value: "true" }] };
    }
    return values;
  }
}
