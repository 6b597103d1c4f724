import { Construct } from "constructs";
import { NamespaceV1 } from "@cdktf/provider-kubernetes/lib/namespace-v1";
import { IWorkloadIdentity } from "../core/cluster";
import { ClusterConnection, PodSecurityLevel } from "../core/connection";
import { HelmChart, PinnedChart } from "../core/helm-chart";
import { IObjectStore, ObjectStoreKind } from "../core/object-store";
import { Scheduling } from "../core/scheduling";
import { validatePrefix } from "./pipeline-internal";
import { NamingRule, validateName } from "../core/naming";
import {
  awsPartitionOfRegion,
  invalid,
  isUnresolved,
  validateAwsRegion,
  validateBoolean,
  validateEnum,
  validateInteger,
  validateNamespaceName,
  validateNonEmpty,
  warn,
} from "../core/validation";
import { systemPool } from "./operator-internal";

/** Argo Workflows release the chart runs (its appVersion); every Argo image is pinned to it. */
const ARGO_VERSION = "v4.0.6";
/** kubectl image of the chart's CRD install Job (the chart's default, pinned here). */
const KUBECTL_IMAGE_REPOSITORY = "registry.k8s.io/kubectl";
const KUBECTL_IMAGE_TAG = "v1.36.2";
/** Where the chart's hook downloads the full CRDs from when no mirror is given (the chart's own default). */
const GITHUB_CRD_BASE_URL = "https://raw.githubusercontent.com/argoproj/argo-helm/argo-workflows-1.0.18/charts/argo-workflows/files/crds/full";
/** Requests/limits of the controller, the server and the executor sidecars (the chart sets none). */
const CONTROLLER_RESOURCES = { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "512Mi" } };
const SERVER_RESOURCES = { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "256Mi" } };
const EXECUTOR_RESOURCES = { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "256Mi" } };
const CRD_JOB_RESOURCES = { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "256Mi" } };
/** Restricted Pod Security for every container Argo adds to a workflow pod (init, wait) and for its own pods. */
const RESTRICTED_CONTAINER = {
  runAsNonRoot: true,
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ["ALL"] },
  seccompProfile: { type: "RuntimeDefault" },
};
const RESTRICTED_POD = { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } };
/** System-workload names registered on the cluster. */
const CONTROLLER_WORKLOAD = "argo-workflows-controller";
const SERVER_WORKLOAD = "argo-workflows-server";

/**
 * How the Argo Workflows CRDs reach the cluster. The chart 1.0.18 applies the *full* CRDs (2.5 MB
 * each, with complete schemas) from a pre-install hook Job that downloads them from GitHub at
 * install time, which fails in a cluster without internet access.
 */
export enum ArgoCrdInstall {
  /**
   * The chart's default: the hook Job downloads the full CRDs from raw.githubusercontent.com.
   * Needs egress from the cluster to GitHub.
   */
  DOWNLOAD_FROM_GITHUB = "download-from-github",
  /**
   * The hook Job downloads the full CRDs from `crdBaseUrl`, a mirror you host inside your
   * network (an HTTPS folder holding the chart's `files/crds/full/argoproj.io_*.yaml`).
   */
  MIRROR = "mirror",
  /**
   * The chart installs its bundled *minimal* CRDs (spec preserved as unknown fields) as ordinary
   * templates: no hook Job, no download. The API server then does not validate or prune Argo
   * objects against a schema; Strata's own objects are checked against the full schemas at synth.
   */
  MINIMAL_FROM_CHART = "minimal-from-chart",
  /**
   * The chart installs no CRDs: you apply the full CRDs of Argo Workflows v4.0.6 before the
   * platform stack (see docs/model.md for the command), for example from a machine
   * that has the chart or the release files.
   */
  PREINSTALLED = "preinstalled",
}

/** Props of `ArgoWorkflows`. */
export interface ArgoWorkflowsProps {
  /** The cluster connection of the platform stack. */
  readonly connection: ClusterConnection;
  /**
   * Bucket of the artifact repository (workflow outputs and archived logs), under
   * `artifactPrefix`. Workflow pods reach it with their own workload identity
   * (`grantArtifacts`); in the cloud no static key is ever configured.
   */
  readonly artifactStore: IObjectStore;
  /**
   * Key prefix of the artifact repository (no leading '/', ends with '/').
   * @default "argo-artifacts/"
   */
  readonly artifactPrefix?: string;
  /**
   * AWS region of an S3 artifact bucket (required for S3: Argo addresses the regional endpoint).
   * @default - none; required when the store is Amazon S3, not allowed otherwise
   */
  readonly artifactRegion?: string;
  /**
   * S3-compatible stores only (on-prem): name of the Secret in `namespace` holding the keys as
   * `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` (the Secret of an on-prem workload identity).
   * Not allowed for Amazon S3 or Cloud Storage, where workload identity is used.
   * @default - none; required for an S3-compatible store
   */
  readonly artifactCredentialsSecretName?: string;
  /**
   * Namespace the controller runs in and the only namespace it manages (`singleNamespace`: the
   * controller gets a Role there, no ClusterRole). Pipelines run in this namespace. Created with
   * restricted Pod Security and default-deny ingress from other namespaces.
   * @default "ml-pipelines"
   */
  readonly namespace?: string;
  /**
   * How the CRDs are installed (see `ArgoCrdInstall`).
   * @default - `ArgoCrdInstall.MIRROR` when `crdBaseUrl` is set, otherwise
   * `ArgoCrdInstall.DOWNLOAD_FROM_GITHUB` with a synth warning
   */
  readonly crdInstall?: ArgoCrdInstall;
  /**
   * HTTPS URL of a folder holding the full CRD files of chart 1.0.18 (`argoproj.io_workflows.yaml`,
   * ...), for `ArgoCrdInstall.MIRROR`.
   * @default - none
   */
  readonly crdBaseUrl?: string;
  /**
   * Registry of the Argo images (controller, executor, server), for a mirror such as
   * `registry.example.com/quay`. Tags stay pinned to v4.0.6.
   * @default "quay.io"
   */
  readonly imageRegistry?: string;
  /**
   * Repository of the kubectl image the CRD install Job runs (tag pinned to v1.36.2).
   * @default "registry.k8s.io/kubectl"
   */
  readonly crdJobImageRepository?: string;
  /**
   * Controller replicas; with 2 or more, leader election keeps one active and a
   * PodDisruptionBudget (`minAvailable: 1`) is added.
   * @default 2
   */
  readonly controllerReplicas?: number;
  /**
   * Run the Argo server (UI and API) with `client` authentication only: every request carries
   * the caller's own Kubernetes token. `server` authentication (the server's own service account
   * for everyone) is never configured. The service stays internal (ClusterIP).
   * @default false
   */
  readonly enableServer?: boolean;
  /**
   * Node pool of the controller, the server and the CRD Job.
   * @default - the cluster's first SYSTEM pool; no node selector when it has none (on-prem)
   */
  readonly systemPoolName?: string;
  /**
   * Helm release name.
   * @default "argo-workflows"
   */
  readonly releaseName?: string;
  /**
   * Seconds to wait for the release.
   * @default 900
   */
  readonly timeoutSeconds?: number;
}

/**
 * Installs Argo Workflows v4.0.6 (chart `argo-workflows` 1.0.18) in the platform stack, for
 * training pipelines (`TrainingPipeline`):
 *
 * - the controller manages one namespace only (`singleNamespace`: a Role, no ClusterRole;
 *   cluster workflow templates off), runs non-root with requests on the system pool, 2 replicas;
 * - the server is off unless `enableServer`, and then accepts `client` authentication only;
 * - the artifact repository is `artifactStore` under `artifactPrefix`, reached by the workflow
 *   pods' workload identities (`useSDKCreds` on S3, Workload Identity on Cloud Storage; static
 *   keys only for S3-compatible on-prem stores, from a Secret you name);
 * - the executor's init and wait containers are restricted (non-root, no capabilities);
 * - images pinned to v4.0.6 (`imageRegistry` for a mirror); the CRDs are installed as
 *   `crdInstall` says, so that the install also works in a cluster without internet access.
 *
 * @example
 * new ArgoWorkflows(platform, "Pipelines", {
 *   connection, artifactStore: lake.zone(LakeZone.MODELS), artifactRegion: "eu-west-1",
 *   crdBaseUrl: "https://mirror.example.com/argo-helm/argo-workflows-1.0.18/crds/full",
 * });
 */
export class ArgoWorkflows extends Construct {
  /** API version of the Argo custom resources. */
  public static readonly API_VERSION = "argoproj.io/v1alpha1";
  /** The Argo Workflows version Strata pins. */
  public static readonly VERSION = ARGO_VERSION;

  /** The Helm release. */
  public readonly chart: HelmChart;
  /** Namespace of the controller and of the pipelines. */
  public readonly namespace: string;
  /** The namespace resource. */
  public readonly namespaceResource: NamespaceV1;
  /** The connection the release is installed through. */
  public readonly connection: ClusterConnection;
  /** The artifact repository's bucket. */
  public readonly artifactStore: IObjectStore;
  /** Key prefix of the artifact repository. */
  public readonly artifactPrefix: string;
  /** How the CRDs are installed. */
  public readonly crdInstall: ArgoCrdInstall;
  /** The executor image workflow pods use. */
  public readonly executorImage: string;

  constructor(scope: Construct, id: string, props: ArgoWorkflowsProps) {
    super(scope, id);
    const namespace = props.namespace ?? "ml-pipelines";
    const releaseName = props.releaseName ?? "argo-workflows";
    const replicas = props.controllerReplicas ?? 2;
    const registry = props.imageRegistry ?? "quay.io";
    const kubectlRepository = props.crdJobImageRepository ?? KUBECTL_IMAGE_REPOSITORY;
    const artifactPrefix = props.artifactPrefix ?? "argo-artifacts/";
    const enableServer = props.enableServer ?? false;

    // ---- validation ----
    validateNamespaceName(this, "namespace", namespace);
    validateNonEmpty(this, "releaseName", releaseName);
    validateInteger(this, "controllerReplicas", replicas, 1, 5);
    validateInteger(this, "timeoutSeconds", props.timeoutSeconds, 1, 86400);
    validateBoolean(this, "enableServer", props.enableServer);
    validateEnum(this, "crdInstall", props.crdInstall, ArgoCrdInstall, "ArgoCrdInstall");
    validateImageRepository(this, "imageRegistry", registry);
    validateImageRepository(this, "crdJobImageRepository", kubectlRepository);
    const store = props.artifactStore;
    if (store === undefined || store === null || typeof store !== "object" || typeof (store as IObjectStore).grantReadWrite !== "function") {
      invalid(this, "artifactStore", store, "must be an IObjectStore (a data-lake zone or a bucket reference)");
    }
    validatePrefix(this, "artifactPrefix", artifactPrefix);
    if (store.kind === ObjectStoreKind.S3) {
      if (props.artifactRegion === undefined) invalid(this, "artifactRegion", props.artifactRegion, "is required for an Amazon S3 artifact store (Argo addresses the bucket's regional endpoint)");
      validateAwsRegion(this, "artifactRegion", props.artifactRegion);
    } else if (props.artifactRegion !== undefined) {
      invalid(this, "artifactRegion", props.artifactRegion, `only applies to an Amazon S3 artifact store (this one is ${store.kind})`);
    }
    if (store.kind === ObjectStoreKind.S3_COMPATIBLE) {
      if (props.artifactCredentialsSecretName === undefined) {
        invalid(this, "artifactCredentialsSecretName", undefined, "is required for an S3-compatible artifact store: name the Secret (keys AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) in the pipeline namespace");
      }
      validateName(this, "artifactCredentialsSecretName", props.artifactCredentialsSecretName, NamingRule.DNS1123_SUBDOMAIN);
    } else if (props.artifactCredentialsSecretName !== undefined) {
      invalid(this, "artifactCredentialsSecretName", props.artifactCredentialsSecretName, "must not be set for a cloud store: workflow pods reach it through workload identity, never static keys");
    }
    const crdInstall = props.crdInstall ?? (props.crdBaseUrl !== undefined ? ArgoCrdInstall.MIRROR : ArgoCrdInstall.DOWNLOAD_FROM_GITHUB);
    if (crdInstall === ArgoCrdInstall.MIRROR) {
      if (props.crdBaseUrl === undefined) invalid(this, "crdBaseUrl", undefined, "is required with ArgoCrdInstall.MIRROR: the HTTPS folder holding the full CRD files of chart 1.0.18");
    } else if (props.crdBaseUrl !== undefined) {
      invalid(this, "crdBaseUrl", props.crdBaseUrl, `only applies with ArgoCrdInstall.MIRROR (crdInstall is ${crdInstall})`);
    }
    if (props.crdBaseUrl !== undefined) {
      validateNonEmpty(this, "crdBaseUrl", props.crdBaseUrl);
      if (!isUnresolved(props.crdBaseUrl) && !/^https:\/\/[^\s/?#]+(\/[^\s?#]*)?$/.test(props.crdBaseUrl)) {
        invalid(this, "crdBaseUrl", props.crdBaseUrl, 'must be an https:// URL of a folder without query or fragment, e.g. "https://mirror.example.com/argo/crds/full"');
      }
    }
    if (props.crdInstall === undefined && props.crdBaseUrl === undefined) {
      warn(
        this,
        "crdInstall",
        undefined,
        "not set: the chart's hook Job downloads the CRDs from raw.githubusercontent.com at install time, which fails without egress to GitHub; " +
          "set crdBaseUrl (a mirror), crdInstall: ArgoCrdInstall.MINIMAL_FROM_CHART or PREINSTALLED, or DOWNLOAD_FROM_GITHUB to accept the download",
      );
    }

    const connection = props.connection;
    const cluster = connection.cluster;
    if (cluster.systemWorkloads.some((w) => w.name === CONTROLLER_WORKLOAD)) {
      invalid(this, "connection.cluster", cluster.clusterName, "already has Argo Workflows installed by Strata; install it once per cluster (its CRDs are cluster-wide)");
    }
    const pool = systemPool(this, cluster, props.systemPoolName);
    if (connection.namespaceResource(namespace)) {
      invalid(this, "namespace", namespace, `is already created on connection ${connection.node.path}; ArgoWorkflows creates its namespace: remove that addNamespace call or choose another namespace`);
    }

    this.namespaceResource = connection.addNamespace(namespace, { podSecurity: PodSecurityLevel.RESTRICTED });
    this.namespace = namespace;
    this.connection = connection;
    this.artifactStore = store;
    this.artifactPrefix = artifactPrefix;
    this.crdInstall = crdInstall;
    this.executorImage = `${registry}/argoproj/argoexec:${ARGO_VERSION}`;

    const placement: Record<string, any> = {};
    if (pool) {
      placement.nodeSelector = Scheduling.nodeSelectorFor(pool);
      const tolerations = Scheduling.tolerationsFor(pool);
      if (tolerations.length > 0) placement.tolerations = tolerations;
    }

    const crds: Record<string, any> = { install: crdInstall !== ArgoCrdInstall.PREINSTALLED, keep: true, full: crdInstall !== ArgoCrdInstall.MINIMAL_FROM_CHART };
    if (crdInstall === ArgoCrdInstall.DOWNLOAD_FROM_GITHUB || crdInstall === ArgoCrdInstall.MIRROR) {
      crds.upgradeJob = {
        image: { repository: kubectlRepository, tag: KUBECTL_IMAGE_TAG },
        crdBaseURL: crdInstall === ArgoCrdInstall.MIRROR ? props.crdBaseUrl : GITHUB_CRD_BASE_URL,
        resources: CRD_JOB_RESOURCES,
        podSecurityContext: RESTRICTED_POD,
        ...placement,
      };
    }

    const values: Record<string, any> = {
      images: { pullPolicy: "IfNotPresent" },
      crds,
      singleNamespace: true,
      // Every TrainingPipeline brings its own service accounts and a Role for Argo's task results.
      workflow: { serviceAccount: { create: false }, rbac: { create: false } },
      controller: {
        image: { registry, tag: ARGO_VERSION },
        replicas,
        ...(replicas >= 2 ? { pdb: { enabled: true, minAvailable: 1 } } : {}),
        resources: CONTROLLER_RESOURCES,
        podSecurityContext: RESTRICTED_POD,
        securityContext: RESTRICTED_CONTAINER,
        clusterWorkflowTemplates: { enabled: false },
        ...placement,
      },
      executor: {
        image: { registry, tag: ARGO_VERSION },
        resources: EXECUTOR_RESOURCES,
        securityContext: RESTRICTED_CONTAINER,
      },
      server: enableServer
        ? {
            enabled: true,
            image: { registry, tag: ARGO_VERSION },
            authModes: ["client"],
            secure: true,
            serviceType: "ClusterIP",
            resources: SERVER_RESOURCES,
            podSecurityContext: RESTRICTED_POD,
            securityContext: RESTRICTED_CONTAINER,
            clusterWorkflowTemplates: { enabled: false },
            ...placement,
          }
        : { enabled: false },
      ...artifactRepository(store, artifactPrefix, props.artifactRegion, props.artifactCredentialsSecretName),
    };

    cluster.addSystemWorkload({ name: CONTROLLER_WORKLOAD, cpuMillis: 100, memoryMiB: 256, replicas });
    if (enableServer) cluster.addSystemWorkload({ name: SERVER_WORKLOAD, cpuMillis: 50, memoryMiB: 128, replicas: 1 });

    this.chart = new HelmChart(this, "Chart", {
      connection,
      chart: PinnedChart.ARGO_WORKFLOWS,
      releaseName,
      namespace: this.namespaceResource.metadata.name,
      values,
      timeoutSeconds: props.timeoutSeconds,
    });
  }

  /**
   * Lets a workflow pod's identity read and write the artifact repository (its prefix only, no
   * delete). `TrainingPipeline` calls this for the identity of its container steps.
   */
  public grantArtifacts(identity: IWorkloadIdentity): void {
    this.artifactStore.grantReadWrite(identity, { prefix: this.artifactPrefix });
  }
}

/** The chart's `useStaticCredentials` and `artifactRepository` values for the store's kind. */
function artifactRepository(store: IObjectStore, prefix: string, region: string | undefined, secretName: string | undefined): Record<string, any> {
  // Argo expands these variables per pod: one folder per workflow and pod under the prefix.
  const keyFormat = `${prefix}{{workflow.namespace}}/{{workflow.name}}/{{pod.name}}`;
  if (store.kind === ObjectStoreKind.GCS) {
    // The chart passes the gcs block through Helm's `tpl`: Argo's braces are escaped for it as Go
    // template raw strings ({{`{{workflow.name}}`}} renders {{workflow.name}}).
    // No serviceAccountKeySecret: the pods' GKE Workload Identity is used.
    return {
      useStaticCredentials: false,
      artifactRepository: { archiveLogs: false, gcs: { bucket: store.bucketName, keyFormat: keyFormat.replace(/\{\{([^}]+)\}\}/g, "{{`{{$1}}`}}") } },
    };
  }
  if (store.kind === ObjectStoreKind.S3) {
    const partition = region === undefined || isUnresolved(region) ? "aws" : awsPartitionOfRegion(region);
    const suffix = partition === "aws-cn" ? "amazonaws.com.cn" : "amazonaws.com";
    return {
      useStaticCredentials: false,
      artifactRepository: {
        archiveLogs: false,
        // useSDKCreds: the AWS SDK's default chain in the pod (EKS Pod Identity or IRSA of its service account).
        s3: { bucket: store.bucketName, endpoint: `s3.${region}.${suffix}`, region, insecure: false, useSDKCreds: true, keyFormat },
      },
    };
  }
  const endpoint = store.endpoint ?? "";
  const insecure = endpoint.startsWith("http://");
  return {
    useStaticCredentials: true,
    artifactRepository: {
      archiveLogs: false,
      s3: {
        bucket: store.bucketName,
        // Argo takes host[:port] and a separate `insecure` flag.
        endpoint: isUnresolved(endpoint) ? endpoint : endpoint.replace(/^https?:\/\//, "").replace(/\/+$/, ""),
        insecure,
        accessKeySecret: { name: secretName, key: "AWS_ACCESS_KEY_ID" },
        secretKeySecret: { name: secretName, key: "AWS_SECRET_ACCESS_KEY" },
        keyFormat,
      },
    },
  };
}

/** An image registry or repository (`quay.io`, `registry.example.com/mirror`), without tag or digest. */
function validateImageRepository(scope: Construct, prop: string, value: unknown): void {
  validateNonEmpty(scope, prop, value as string);
  if (isUnresolved(value)) return;
  if (!/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/.test(value as string)) {
    invalid(scope, prop, value, 'must be a registry host or repository without tag or digest, e.g. "registry.example.com/mirror"');
  }
}
