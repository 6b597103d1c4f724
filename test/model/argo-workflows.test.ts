import { CapacityType, NodePoolInfo, NodePoolPurpose, TaintEffect } from "../../lib/core/cluster";
import { PinnedChart } from "../../lib/core/helm-chart";
import { GcsBucketReference, S3BucketReference, S3CompatibleBucket } from "../../lib/core/object-store";
import { ExistingCluster } from "../../lib/compute/existing-cluster";
import { ArgoCrdInstall, ArgoWorkflows, ArgoWorkflowsProps } from "../../lib/model/argo-workflows";
import { PINNED_CHART_VALUES } from "../support/charts";
import { checkHelmReleases, describeConformance, helmReleaseValues } from "../support/conformance";
import { annotations, bareStack, onlyResource, resourcesOfType, synthJson, testApp } from "../support/synth";

const SYSTEM_POOL: NodePoolInfo = {
  name: "system",
  purpose: NodePoolPurpose.SYSTEM,
  capacityType: CapacityType.ON_DEMAND,
  labels: { "strata.io/pool": "system", "strata.io/purpose": "system" },
  taints: [{ key: "CriticalAddonsOnly", value: "true", effect: TaintEffect.NO_SCHEDULE }],
  minNodes: 2,
  maxNodes: 3,
};
const MIRROR = "https://mirror.example.com/argo-helm/argo-workflows-1.0.18/crds/full";
/** Chart keys documented only in comments of values.yaml (`# minAvailable: 1`). */
const COMMENTED_KEYS = { "argo-workflows": ["controller.pdb.minAvailable"] };

type StoreKind = "s3" | "gcs" | "compatible";

function env(kind: StoreKind = "s3", system = true) {
  const app = testApp();
  const infra = bareStack(app, "infra");
  const cluster = new ExistingCluster(infra, "Cluster", { clusterName: "dc1", kubeconfigContext: "dc1-admin" });
  if (system) cluster.registerNodePool(SYSTEM_POOL);
  const store =
    kind === "s3"
      ? new S3BucketReference(infra, "Lake", { bucketName: "acme-models", partition: "aws" })
      : kind === "gcs"
        ? new GcsBucketReference(infra, "Lake", { bucketName: "acme-models" })
        : new S3CompatibleBucket(infra, "Lake", { bucketName: "models", endpoint: "https://s3.dc1.example.com:8333" });
  const platform = bareStack(app, "platform");
  const connection = cluster.connect(platform, "Conn");
  return { app, cluster, platform, connection, store };
}

function base(kind: StoreKind, e: ReturnType<typeof env>): ArgoWorkflowsProps {
  return {
    connection: e.connection,
    artifactStore: e.store,
    crdBaseUrl: MIRROR,
    ...(kind === "s3" ? { artifactRegion: "eu-west-1" } : {}),
    ...(kind === "compatible" ? { artifactCredentialsSecretName: "argo-artifacts-credentials" } : {}),
  };
}

function install(props: Partial<ArgoWorkflowsProps> = {}, kind: StoreKind = "s3", system = true) {
  const e = env(kind, system);
  const argo = new ArgoWorkflows(e.platform, "Argo", { ...base(kind, e), ...props });
  const json = synthJson(e.platform);
  const values = helmReleaseValues(json)[0].values[0] as any;
  return { ...e, argo, json, values };
}

function build(props: Partial<ArgoWorkflowsProps>, kind: StoreKind = "s3") {
  const e = env(kind);
  return () => new ArgoWorkflows(e.platform, "Argo", { ...base(kind, e), ...props } as ArgoWorkflowsProps);
}

describe("ArgoWorkflows", () => {
  test("installs the pinned chart 1.0.18 atomically in its own restricted, isolated namespace", () => {
    const { json } = install();
    expect(onlyResource(json, "helm_release")).toMatchObject({
      chart: "argo-workflows",
      repository: "https://argoproj.github.io/argo-helm",
      version: "1.0.18",
      atomic: true,
      namespace: expect.stringMatching(/kubernetes_namespace_v1\.Conn_Namespace-ml-pipelines_.*\.metadata\[0\]\.name/),
    });
    expect(PinnedChart.ARGO_WORKFLOWS.crdGroups).toEqual(["argoproj.io"]);
    const ns = onlyResource(json, "kubernetes_namespace_v1");
    expect(ns.metadata.labels["pod-security.kubernetes.io/enforce"]).toBe("restricted");
    expect(Object.keys(resourcesOfType(json, "kubernetes_network_policy_v1"))).toHaveLength(1);
  });

  test("the controller manages its own namespace only, with no cluster-scoped templates and no shared workflow account", () => {
    const { values } = install();
    expect(values.singleNamespace).toBe(true);
    expect(values.controller.clusterWorkflowTemplates).toEqual({ enabled: false });
    expect(values.workflow).toEqual({ serviceAccount: { create: false }, rbac: { create: false } });
  });

  test("images pinned to v4.0.6 (registry overridable for a mirror); kubectl pinned", () => {
    const { values, argo } = install({ imageRegistry: "registry.example.com/quay" });
    expect(values.controller.image).toEqual({ registry: "registry.example.com/quay", tag: "v4.0.6" });
    expect(values.executor.image).toEqual({ registry: "registry.example.com/quay", tag: "v4.0.6" });
    expect(values.crds.upgradeJob.image).toEqual({ repository: "registry.k8s.io/kubectl", tag: "v1.36.2" });
    expect(argo.executorImage).toBe("registry.example.com/quay/argoproj/argoexec:v4.0.6");
  });

  test("controller, executor and CRD Job run non-root with resources; controller and Job on the system pool", () => {
    const { values, cluster } = install();
    for (const v of [values.controller, values.crds.upgradeJob]) {
      expect(v.nodeSelector).toEqual(SYSTEM_POOL.labels);
      expect(v.tolerations).toEqual([{ key: "CriticalAddonsOnly", operator: "Equal", value: "true", effect: "NoSchedule" }]);
      expect(v.podSecurityContext).toEqual({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
      expect(v.resources.requests).toBeDefined();
    }
    for (const v of [values.controller, values.executor]) {
      expect(v.securityContext).toMatchObject({ runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } });
    }
    expect(values.controller.replicas).toBe(2);
    expect(values.controller.pdb).toEqual({ enabled: true, minAvailable: 1 });
    expect(cluster.systemWorkloads).toContainEqual({ name: "argo-workflows-controller", cpuMillis: 100, memoryMiB: 256, replicas: 2 });
  });

  test("one controller replica: no PodDisruptionBudget", () => {
    expect(install({ controllerReplicas: 1 }).values.controller.pdb).toBeUndefined();
  });

  test("without a system pool (on-prem), no node selector is set", () => {
    const { values } = install({}, "s3", false);
    expect(values.controller.nodeSelector).toBeUndefined();
  });

  test("the server is off by default; when enabled it accepts client authentication only, internal, on the system pool", () => {
    expect(install().values.server).toEqual({ enabled: false });
    const { values, cluster } = install({ enableServer: true });
    expect(values.server).toMatchObject({ enabled: true, authModes: ["client"], secure: true, serviceType: "ClusterIP", nodeSelector: SYSTEM_POOL.labels });
    expect(values.server.authMode).toBeUndefined();
    expect(cluster.systemWorkloads.map((w) => w.name)).toContain("argo-workflows-server");
  });

  describe("CRD installation", () => {
    test("a mirror URL: the hook Job downloads from it", () => {
      const { values, argo } = install();
      expect(argo.crdInstall).toBe(ArgoCrdInstall.MIRROR);
      expect(values.crds).toMatchObject({ install: true, full: true, keep: true, upgradeJob: { crdBaseURL: MIRROR } });
    });

    test("minimal CRDs from the chart: no hook Job, no download", () => {
      const { values } = install({ crdBaseUrl: undefined, crdInstall: ArgoCrdInstall.MINIMAL_FROM_CHART });
      expect(values.crds).toEqual({ install: true, keep: true, full: false });
    });

    test("preinstalled: the chart installs no CRDs", () => {
      const { values } = install({ crdBaseUrl: undefined, crdInstall: ArgoCrdInstall.PREINSTALLED });
      expect(values.crds).toEqual({ install: false, keep: true, full: true });
    });

    test("neither set: GitHub download with a warning naming the ways out", () => {
      const { values, argo } = install({ crdBaseUrl: undefined });
      expect(values.crds.upgradeJob.crdBaseURL).toBe(
        "https://raw.githubusercontent.com/argoproj/argo-helm/argo-workflows-1.0.18/charts/argo-workflows/files/crds/full",
      );
      expect(annotations(argo).join("\n")).toMatch(/crdInstall undefined: not set: the chart's hook Job downloads the CRDs from raw.githubusercontent.com.*crdBaseUrl/);
    });

    test("an explicit GitHub download is accepted without a warning", () => {
      const { argo } = install({ crdBaseUrl: undefined, crdInstall: ArgoCrdInstall.DOWNLOAD_FROM_GITHUB });
      expect(annotations(argo)).toEqual([]);
    });
  });

  describe("artifact repository", () => {
    test("S3: the pods' SDK credentials (Pod Identity / IRSA), regional endpoint, no static keys", () => {
      const { values } = install();
      expect(values.useStaticCredentials).toBe(false);
      expect(values.artifactRepository).toEqual({
        archiveLogs: false,
        s3: {
          bucket: "acme-models",
          endpoint: "s3.eu-west-1.amazonaws.com",
          region: "eu-west-1",
          insecure: false,
          useSDKCreds: true,
          keyFormat: "argo-artifacts/{{workflow.namespace}}/{{workflow.name}}/{{pod.name}}",
        },
      });
    });

    test("S3 in China uses the .com.cn endpoint", () => {
      expect(install({ artifactRegion: "cn-north-1" }).values.artifactRepository.s3.endpoint).toBe("s3.cn-north-1.amazonaws.com.cn");
    });

    test("Cloud Storage: Workload Identity (no key Secret); Argo braces escaped for the chart's tpl", () => {
      const { values } = install({ artifactPrefix: "runs/" }, "gcs");
      expect(values.useStaticCredentials).toBe(false);
      expect(values.artifactRepository).toEqual({
        archiveLogs: false,
        gcs: { bucket: "acme-models", keyFormat: "runs/{{`{{workflow.namespace}}`}}/{{`{{workflow.name}}`}}/{{`{{pod.name}}`}}" },
      });
    });

    test("S3-compatible on-prem: keys from the named Secret, host:port endpoint", () => {
      const { values } = install({}, "compatible");
      expect(values.useStaticCredentials).toBe(true);
      expect(values.artifactRepository.s3).toMatchObject({
        bucket: "models",
        endpoint: "s3.dc1.example.com:8333",
        insecure: false,
        accessKeySecret: { name: "argo-artifacts-credentials", key: "AWS_ACCESS_KEY_ID" },
        secretKeySecret: { name: "argo-artifacts-credentials", key: "AWS_SECRET_ACCESS_KEY" },
      });
    });
  });

  describeConformance("conformance", () => {
    test.each(["s3", "gcs", "compatible"] as StoreKind[])("every value key exists in chart 1.0.18 (%s store, server on)", (kind) => {
      const { json } = install({ enableServer: true }, kind);
      expect(checkHelmReleases(json, PINNED_CHART_VALUES, COMMENTED_KEYS)).toEqual([]);
    });
    test.each([ArgoCrdInstall.MINIMAL_FROM_CHART, ArgoCrdInstall.PREINSTALLED, ArgoCrdInstall.DOWNLOAD_FROM_GITHUB])("every value key exists (%s)", (crdInstall) => {
      const { json } = install({ crdBaseUrl: undefined, crdInstall });
      expect(checkHelmReleases(json, PINNED_CHART_VALUES, COMMENTED_KEYS)).toEqual([]);
    });
  });

  describe("rejects", () => {
    test("a mirror without a URL, and a URL without the mirror mode", () => {
      expect(build({ crdBaseUrl: undefined, crdInstall: ArgoCrdInstall.MIRROR })).toThrow(
        "platform/Argo: invalid crdBaseUrl undefined: is required with ArgoCrdInstall.MIRROR",
      );
      expect(build({ crdInstall: ArgoCrdInstall.PREINSTALLED })).toThrow(
        `platform/Argo: invalid crdBaseUrl "${MIRROR}": only applies with ArgoCrdInstall.MIRROR (crdInstall is preinstalled)`,
      );
    });

    test("a crdBaseUrl that is not https or has a query", () => {
      expect(build({ crdBaseUrl: "http://mirror.example.com/crds" })).toThrow('invalid crdBaseUrl "http://mirror.example.com/crds": must be an https:// URL');
      expect(build({ crdBaseUrl: "https://mirror.example.com/crds?x=1" })).toThrow("must be an https:// URL of a folder without query or fragment");
      expect(build({ crdBaseUrl: 42 as any })).toThrow("invalid crdBaseUrl 42: must be a non-empty string, not a number");
    });

    test("a crdInstall value in the wrong case", () => {
      expect(build({ crdInstall: "MIRROR" as any })).toThrow('invalid crdInstall "MIRROR": must be one of ArgoCrdInstall.DOWNLOAD_FROM_GITHUB');
    });

    test("an S3 store without a region, or a region for another store", () => {
      expect(build({ artifactRegion: undefined })).toThrow("platform/Argo: invalid artifactRegion undefined: is required for an Amazon S3 artifact store");
      expect(build({ artifactRegion: "eu-west-1a" })).toThrow('invalid artifactRegion "eu-west-1a": is an availability zone');
      expect(build({ artifactRegion: "eu-west-1" }, "gcs")).toThrow('invalid artifactRegion "eu-west-1": only applies to an Amazon S3 artifact store (this one is gcs)');
    });

    test("static keys for a cloud store; none for an S3-compatible store", () => {
      expect(build({ artifactCredentialsSecretName: "keys" })).toThrow(
        'invalid artifactCredentialsSecretName "keys": must not be set for a cloud store: workflow pods reach it through workload identity, never static keys',
      );
      expect(build({ artifactCredentialsSecretName: undefined }, "compatible")).toThrow("invalid artifactCredentialsSecretName undefined: is required for an S3-compatible artifact store");
      expect(build({ artifactCredentialsSecretName: "Bad_Name" }, "compatible")).toThrow('invalid artifactCredentialsSecretName "Bad_Name"');
    });

    test("a bad artifact store or prefix", () => {
      expect(build({ artifactStore: "acme-models" as any })).toThrow('platform/Argo: invalid artifactStore "acme-models": must be an IObjectStore');
      expect(build({ artifactPrefix: "/argo/" })).toThrow('invalid artifactPrefix "/argo/": must be a key prefix');
      expect(build({ artifactPrefix: "argo" })).toThrow('invalid artifactPrefix "argo": must be a key prefix');
      expect(build({ artifactPrefix: ["argo/"] as any })).toThrow('invalid artifactPrefix ["argo/"]: must be a key prefix (a string such as "argo-artifacts/"), not a list');
    });

    test("bad names, replicas, registries and pools", () => {
      expect(build({ namespace: "ML" })).toThrow('invalid namespace "ML": must be a namespace name');
      expect(build({ controllerReplicas: 0 })).toThrow("invalid controllerReplicas 0: must be an integer from 1 to 5");
      expect(build({ controllerReplicas: "2" as any })).toThrow('invalid controllerReplicas "2": must be an integer from 1 to 5, not a string');
      expect(build({ imageRegistry: "quay.io/argoproj:v4" })).toThrow('invalid imageRegistry "quay.io/argoproj:v4": must be a registry host or repository without tag or digest');
      expect(build({ systemPoolName: "gpu" })).toThrow('invalid systemPoolName "gpu": must name a node pool of cluster "dc1" (pools: system)');
      expect(build({ enableServer: "yes" as any })).toThrow('invalid enableServer "yes": must be true or false, not a string');
    });

    test("a second installation on the same cluster", () => {
      const e = env();
      new ArgoWorkflows(e.platform, "Argo", base("s3", e));
      expect(() => new ArgoWorkflows(e.platform, "Argo2", { ...base("s3", e), namespace: "other" })).toThrow(
        'platform/Argo2: invalid connection.cluster "dc1": already has Argo Workflows installed by Strata',
      );
    });
  });
});
