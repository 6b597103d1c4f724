import { Construct } from "constructs";
import { Fn, TerraformStack } from "cdktf";
import { Release } from "@cdktf/provider-helm/lib/release";
import { ClusterConnection } from "./connection";
import { CustomResource } from "./custom-resource";
import { NamingRule, validateName } from "./naming";
import {
  invalid,
  isUnresolved,
  validateChartRepository,
  validateHelmChartVersion,
  validateInteger,
  validateNamespaceName,
  validateNonEmpty,
} from "./validation";

/** Props of a `PinnedChart`. */
export interface PinnedChartProps {
  /** Chart name, e.g. `gpu-operator`. */
  readonly chart: string;
  /** Chart repository URL (`https://...` or `oci://...`; a URL without a scheme or with plain `http://` is rejected). */
  readonly repository: string;
  /** Exact chart version (SemVer, e.g. `1.14.1` or `v26.7.0`); `latest` and ranges are rejected. */
  readonly version: string;
  /**
   * API groups of the CRDs the chart installs; custom resources of these groups must go in a
   * later stack than the chart.
   * @default - none
   */
  readonly crdGroups?: string[];
}

/**
 * A Helm chart at the exact version Strata is tested with. Versions are pinned: upgrading a chart
 * is a Strata release, checked against the chart's default values and CRD schemas.
 */
export class PinnedChart {
  /** NVIDIA GPU Operator v26.7.0. */
  public static readonly GPU_OPERATOR = new PinnedChart({
    chart: "gpu-operator",
    repository: "https://helm.ngc.nvidia.com/nvidia",
    version: "v26.7.0",
    crdGroups: ["nvidia.com"],
  });
  /** Kueue v0.19.2. */
  public static readonly KUEUE = new PinnedChart({
    chart: "kueue",
    repository: "oci://registry.k8s.io/kueue/charts",
    version: "0.19.2",
    crdGroups: ["kueue.x-k8s.io"],
  });
  /** Karpenter v1.14.1 (AWS). */
  public static readonly KARPENTER = new PinnedChart({
    chart: "karpenter",
    repository: "oci://public.ecr.aws/karpenter",
    version: "1.14.1",
    crdGroups: ["karpenter.sh", "karpenter.k8s.aws"],
  });
  /**
   * Karpenter's CRDs (NodePool, NodeClaim, EC2NodeClass) v1.14.1, as their own chart so that they
   * upgrade with Karpenter (Helm never upgrades the CRDs of a chart's `crds/` folder).
   */
  public static readonly KARPENTER_CRD = new PinnedChart({
    chart: "karpenter-crd",
    repository: "oci://public.ecr.aws/karpenter",
    version: "1.14.1",
    crdGroups: ["karpenter.sh", "karpenter.k8s.aws"],
  });
  /** Kubernetes Cluster Autoscaler chart 9.59.0 (app 1.35.0). */
  public static readonly CLUSTER_AUTOSCALER = new PinnedChart({
    chart: "cluster-autoscaler",
    repository: "https://kubernetes.github.io/autoscaler",
    version: "9.59.0",
  });
  /**
   * Strimzi Kafka operator 1.2.0 (Kafka, KafkaNodePool, KafkaTopic, KafkaUser `kafka.strimzi.io/v1`).
   * Repository: Strimzi's OCI charts on quay.io (also published at https://strimzi.io/charts/).
   */
  public static readonly STRIMZI_KAFKA_OPERATOR = new PinnedChart({
    chart: "strimzi-kafka-operator",
    repository: "oci://quay.io/strimzi-helm",
    version: "1.2.0",
    crdGroups: ["kafka.strimzi.io", "core.strimzi.io"],
  });

  /** Valkey (the Valkey project's chart, valkey-io/valkey-helm) 0.11.0, app 9.1.1: no CRDs. */
  public static readonly VALKEY = new PinnedChart({
    chart: "valkey",
    repository: "https://valkey.io/valkey-helm/",
    version: "0.11.0",
  });

  /**
   * SeaweedFS chart 4.44.0 (app 4.44): the in-cluster S3-compatible object store. No CRDs. Published
   * to GitHub Pages (`helm repo add seaweedfs https://seaweedfs.github.io/seaweedfs/helm`) and
   * `oci://ghcr.io/seaweedfs` with every release.
   */
  public static readonly SEAWEEDFS = new PinnedChart({
    chart: "seaweedfs",
    repository: "https://seaweedfs.github.io/seaweedfs/helm",
    version: "4.44.0",
  });

  /**
   * cert-manager v1.21.1 (chart `cert-manager` from https://charts.jetstack.io; images at the chart's
   * appVersion). Installs the `cert-manager.io` and `acme.cert-manager.io` CRDs with `crds.enabled`.
   */
  public static readonly CERT_MANAGER = new PinnedChart({
    chart: "cert-manager",
    repository: "https://charts.jetstack.io",
    version: "v1.21.1",
    crdGroups: ["cert-manager.io", "acme.cert-manager.io"],
  });

  /** Kubeflow Spark operator chart 2.5.2 (SparkApplication, ScheduledSparkApplication v1beta2). */
  public static readonly SPARK_OPERATOR = new PinnedChart({
    chart: "spark-operator",
    repository: "https://kubeflow.github.io/spark-operator",
    version: "2.5.2",
    crdGroups: ["sparkoperator.k8s.io"],
  });

  /**
   * Label Studio chart 2.0.5 (app 1.23.0), HumanSignal's `label-studio` from https://charts.heartex.com/.
   * No CRDs.
   */
  public static readonly LABEL_STUDIO = new PinnedChart({
    chart: "label-studio",
    repository: "https://charts.heartex.com/",
    version: "2.0.5",
  });

  /**
   * Argo Workflows chart 1.0.18 (app v4.0.6): WorkflowTemplate, CronWorkflow, Workflow
   * `argoproj.io/v1alpha1`. Its full CRDs are applied by a pre-install hook Job that downloads them
   * (see `ArgoWorkflows` in the model layer for installing them without internet access).
   */
  public static readonly ARGO_WORKFLOWS = new PinnedChart({
    chart: "argo-workflows",
    repository: "https://argoproj.github.io/argo-helm",
    version: "1.0.18",
    crdGroups: ["argoproj.io"],
  });

  /**
   * CloudNativePG operator chart 0.29.0 (app 1.30.0): Cluster, ScheduledBackup, Backup `postgresql.cnpg.io/v1`.
   * The chart installs its CRDs from templates (`crds.create`), so they upgrade with the chart.
   */
  public static readonly CLOUDNATIVE_PG = new PinnedChart({
    chart: "cloudnative-pg",
    repository: "https://cloudnative-pg.github.io/charts",
    version: "0.29.0",
    crdGroups: ["postgresql.cnpg.io"],
  });

  /**
   * Kubeflow Trainer chart 2.3.0 (TrainJob, TrainingRuntime, ClusterTrainingRuntime
   * `trainer.kubeflow.org/v1alpha1`; bundles JobSet as a dependency, `jobset.x-k8s.io`).
   * Repository: Kubeflow's OCI charts on ghcr.io.
   */
  public static readonly KUBEFLOW_TRAINER = new PinnedChart({
    chart: "kubeflow-trainer",
    repository: "oci://ghcr.io/kubeflow/charts",
    version: "2.3.0",
    crdGroups: ["trainer.kubeflow.org", "jobset.x-k8s.io"],
  });

  /**
   * MLflow (community-charts `mlflow`) chart 1.11.5, app 3.15.1: tracking server and model registry.
   * No CRDs.
   */
  public static readonly MLFLOW = new PinnedChart({
    chart: "mlflow",
    repository: "https://community-charts.github.io/helm-charts",
    version: "1.11.5",
  });

  /**
   * A chart Strata does not pin (your own, or a newer version). You own its compatibility. The
   * version must still be exact and the repository `https://` or `oci://`: `HelmChart` checks both.
   */
  public static custom(props: PinnedChartProps): PinnedChart {
    return new PinnedChart(props);
  }

  /** Chart name. */
  public readonly chart: string;
  /** Repository URL. */
  public readonly repository: string;
  /** Exact version. */
  public readonly version: string;
  /** API groups of the CRDs the chart installs. */
  public readonly crdGroups: string[];

  private constructor(props: PinnedChartProps) {
    this.chart = props.chart;
    this.repository = props.repository;
    this.version = props.version;
    this.crdGroups = props.crdGroups ?? [];
  }
}

/** Props of `HelmChart`. */
export interface HelmChartProps {
  /** The cluster connection (platform stack) to install through. */
  readonly connection: ClusterConnection;
  /** The pinned chart. */
  readonly chart: PinnedChart;
  /** Release name (a DNS-1123 label of at most 53 characters). */
  readonly releaseName: string;
  /** Namespace to install into; create it first with `ClusterConnection.addNamespace`. */
  readonly namespace: string;
  /**
   * Chart values, encoded with `yamlencode` so that references to other resources resolve.
   * @default - the chart's defaults
   */
  readonly values?: { [key: string]: any };
  /**
   * Seconds to wait for the release's resources to become ready.
   * @default 900
   */
  readonly timeoutSeconds?: number;
}

/**
 * A Helm release of a pinned chart through a `ClusterConnection`: atomic (rolled back on
 * failure), waits for readiness, values as typed objects. Records the CRD groups it installs so
 * that a custom resource of those groups in the same stack fails synth.
 *
 * @example
 * new HelmChart(platform, "Kueue", {
 *   connection, chart: PinnedChart.KUEUE, releaseName: "kueue", namespace: "kueue-system",
 * });
 */
export class HelmChart extends Construct {
  /** The helm_release resource. */
  public readonly release: Release;
  /** The pinned chart. */
  public readonly chart: PinnedChart;
  /** The values passed to the chart. */
  public readonly values: { [key: string]: any };
  /** The connection the chart is installed through. */
  public readonly connection: ClusterConnection;

  constructor(scope: Construct, id: string, props: HelmChartProps) {
    super(scope, id);
    validateName(this, "releaseName", props.releaseName, NamingRule.DNS1123_LABEL);
    if (!isUnresolved(props.releaseName) && props.releaseName.length > 53) {
      invalid(this, "releaseName", props.releaseName, "must be at most 53 characters (Helm's release name limit)");
    }
    validateNamespaceName(this, "namespace", props.namespace);
    validateInteger(this, "timeoutSeconds", props.timeoutSeconds, 1, 86400);
    if (!(props.chart instanceof PinnedChart)) {
      invalid(this, "chart", props.chart, "must be a PinnedChart (PinnedChart.KUEUE, ..., or PinnedChart.custom({ chart, repository, version }))");
    }
    validateNonEmpty(this, "chart.chart", props.chart.chart);
    validateHelmChartVersion(this, "chart.version", props.chart.version);
    validateChartRepository(this, "chart.repository", props.chart.repository);
    if (props.values !== undefined && !isUnresolved(props.values) && (props.values === null || typeof props.values !== "object" || Array.isArray(props.values))) {
      invalid(this, "values", props.values, "must be an object of chart values");
    }
    this.chart = props.chart;
    this.values = props.values ?? {};
    this.connection = props.connection;
    // A custom resource of this chart's CRDs already in the stack would fail at plan time.
    const clash = TerraformStack.of(this)
      .node.findAll()
      .find((c): c is CustomResource => c instanceof CustomResource && props.chart.crdGroups.includes(c.group));
    if (clash) {
      invalid(
        this,
        "chart",
        props.chart.chart,
        `installs the CRDs of API group "${clash.group}", and ${clash.node.path} is a custom resource of that group in the same stack; ` +
          "Terraform plans custom resources against CRDs that already exist, so put custom resources in a later (workloads) stack",
      );
    }
    // Custom resources of this chart's CRDs on the same cluster, in later stacks, must be applied after it.
    for (const resource of this.node.root.node.findAll()) {
      if (resource instanceof CustomResource && props.chart.crdGroups.includes(resource.group)) {
        orderStacks(this, resource);
      }
    }
    const namespace = props.connection.namespaceResource(props.namespace);
    this.release = new Release(this, "Release", {
      provider: props.connection.helmProvider,
      name: props.releaseName,
      namespace: props.namespace,
      chart: props.chart.chart,
      repository: props.chart.repository,
      version: props.chart.version,
      values: Object.keys(this.values).length > 0 ? [Fn.yamlencode(this.values)] : undefined,
      atomic: true,
      cleanupOnFail: true,
      wait: true,
      timeout: props.timeoutSeconds ?? 900,
      maxHistory: 10,
      createNamespace: false,
      dependsOn: namespace ? [namespace] : undefined,
    });
  }
}

/**
 * Internal: makes the stack of `resource` depend on the stack of `chart` when the chart installs
 * the resource's CRD on the same cluster, so that `cdktf deploy` applies the chart first even when
 * no value crosses between the two stacks.
 */
export function orderStacks(chart: HelmChart, resource: CustomResource): void {
  const chartStack = TerraformStack.of(chart);
  const resourceStack = TerraformStack.of(resource);
  if (chartStack !== resourceStack && chart.connection.cluster === resource.connection.cluster) {
    resourceStack.addDependency(chartStack);
  }
}
