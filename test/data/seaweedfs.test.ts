import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { App, TerraformStack, Testing } from "cdktf";
import { CapacityType, NodePoolInfo, NodePoolPurpose, TaintEffect, WorkloadIdentityKind } from "../../lib/core/cluster";
import { CertManager } from "../../lib/core/cert-manager";
import { ClusterConnection } from "../../lib/core/connection";
import { Gpu } from "../../lib/core/gpu";
import { PinnedChart } from "../../lib/core/helm-chart";
import { ObjectStoreKind } from "../../lib/core/object-store";
import { Scheduling } from "../../lib/core/scheduling";
import { ExistingCluster } from "../../lib/compute/existing-cluster";
import { SeaweedFsObjectStore, SeaweedFsObjectStoreProps } from "../../lib/data/seaweedfs";
import { PINNED_CHART_VALUES } from "../support/charts";
import { checkHelmReleases, conformanceRoot, describeConformance, helmReleaseValues } from "../support/conformance";
import { annotations, bareStack, resourcesOfType, synthJson, testApp } from "../support/synth";

const SYSTEM_POOL: NodePoolInfo = {
  name: "system",
  purpose: NodePoolPurpose.SYSTEM,
  capacityType: CapacityType.ON_DEMAND,
  labels: { [Scheduling.POOL_LABEL]: "system", [Scheduling.PURPOSE_LABEL]: "system" },
  taints: [{ key: "CriticalAddonsOnly", value: "true", effect: TaintEffect.NO_SCHEDULE }],
  minNodes: 3,
  maxNodes: 3,
};

const GENERAL_POOL: NodePoolInfo = {
  name: "cpu",
  purpose: NodePoolPurpose.GENERAL,
  capacityType: CapacityType.ON_DEMAND,
  labels: { [Scheduling.POOL_LABEL]: "cpu", [Scheduling.PURPOSE_LABEL]: "general" },
  taints: [],
  minNodes: 3,
  maxNodes: 6,
};

const GPU_POOL: NodePoolInfo = {
  name: "l40s",
  purpose: NodePoolPurpose.TRAINING,
  capacityType: CapacityType.ON_DEMAND,
  labels: { [Scheduling.POOL_LABEL]: "l40s" },
  taints: [Scheduling.gpuTaint()],
  minNodes: 1,
  maxNodes: 2,
  gpu: Gpu.NVIDIA_L40S,
  gpusPerNode: 8,
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

const BASE = { s3ConfigSecretName: "seaweedfs-s3-identities", storageClassName: "local-nvme" };

function store(e: Env, props: Partial<SeaweedFsObjectStoreProps> = {}, id = "Store"): SeaweedFsObjectStore {
  return new SeaweedFsObjectStore(e.platform, id, { connection: e.conn, ...BASE, ...props } as SeaweedFsObjectStoreProps);
}

/** The chart values of the only seaweedfs release of the platform stack. */
function values(e: Env): any {
  const releases = helmReleaseValues(Testing.synth(e.platform)).filter((r) => r.chart === "seaweedfs");
  expect(releases).toHaveLength(1);
  return releases[0].values[0];
}

/**
 * Keys the chart documents only in comments (its dataDirs example lists size and storageClass), and
 * that its templates do read: k8s/charts/seaweedfs/templates/volume/volume-statefulset.yaml at 4.44.0
 * (seaweedfs/seaweedfs, commit 3563738) renders a volumeClaimTemplate for every `dataDirs` entry of
 * type "persistentVolumeClaim" with `storageClassName: {{ $dir.storageClass }}` and
 * `storage: {{ $dir.size }}`.
 */
const DOCUMENTED_IN_COMMENTS = { seaweedfs: ["volume.dataDirs[0].size", "volume.dataDirs[0].storageClass"] };

describe("SeaweedFsObjectStore", () => {
  test("installs the pinned chart in the platform stack, in a restricted namespace", () => {
    const e = env();
    store(e);
    const json = synthJson(e.platform);
    const release = Object.values(resourcesOfType(json, "helm_release"))[0] as any;
    expect(release).toMatchObject({
      chart: "seaweedfs",
      version: "4.44.0",
      repository: "https://seaweedfs.github.io/seaweedfs/helm",
      name: "seaweedfs",
      namespace: expect.stringMatching(/^\$\{kubernetes_namespace_v1\.Conn_Namespace-seaweedfs_[0-9A-F]+\.metadata\[0\]\.name\}$/),
      atomic: true,
    });
    const ns = Object.values(resourcesOfType(json, "kubernetes_namespace_v1"))[0] as any;
    expect(ns.metadata.name).toBe("seaweedfs");
    expect(ns.metadata.labels["pod-security.kubernetes.io/enforce"]).toBe("restricted");
  });

  test("S3 gateway on, auth from the user's Secret, HTTPS with mTLS between components", () => {
    const e = env();
    const s = store(e);
    const v = values(e);
    expect(v.s3).toMatchObject({ enabled: true, enableAuth: true, existingConfigSecret: "seaweedfs-s3-identities", httpsPort: 8443 });
    expect(v.s3.tlsSecret).toBeUndefined();
    expect(v.global.seaweedfs.enableSecurity).toBe(true);
    expect(v.certificates.dnsNames).toEqual(["seaweedfs-s3.seaweedfs.svc", "seaweedfs-s3.seaweedfs.svc.cluster.local"]);
    expect(s.endpoint).toBe("https://seaweedfs-s3.seaweedfs.svc:8443");
    // No secret key in Terraform: the identities are only referenced by Secret name.
    expect(Testing.synth(e.platform)).not.toMatch(/secretKey|accessKey/);
  });

  test("tlsSecretName serves the user's certificate; clients trust tlsCaSecretName", () => {
    const e = env();
    const s = store(e, { tlsSecretName: "s3-tls", tlsCaSecretName: "s3-ca", tlsCaSecretKey: "root.pem" });
    expect(values(e).s3.tlsSecret).toBe("s3-tls");
    expect(s.caCertificate).toMatchObject({ secretName: "s3-ca", namespace: "seaweedfs", key: "root.pem" });
    expect(s.bucket("Raw", "raw").caCertificate).toBe(s.caCertificate);
  });

  describe("TLS trust and cert-manager", () => {
    test("the chart's CA Secret is the trust source of the store and its buckets, ready after the release", () => {
      const e = env();
      const s = store(e);
      expect(s.caCertificate).toEqual({ secretName: "seaweedfs-ca-cert", namespace: "seaweedfs", key: "ca.crt", readyAfter: s.chart.release });
      const bucket = s.bucket("Raw", "lake-raw");
      expect(bucket.caCertificate).toEqual(s.caCertificate);
    });

    test("no trust source and no cert-manager requirement with allowInsecureHttp", () => {
      const e = env();
      const s = store(e, { allowInsecureHttp: true });
      expect(s.caCertificate).toBeUndefined();
      expect(s.bucket("Raw", "lake-raw").caCertificate).toBeUndefined();
      expect(() => e.app.synth()).not.toThrow();
    });

    test("TLS without a CertManager on the cluster fails synth with the fix", () => {
      const e = env();
      store(e);
      expect(() => e.app.synth()).toThrow(
        'platform/Store: invalid connection "dc1": SeaweedFsObjectStore with TLS (the chart issues its certificates with cert-manager; or set allowInsecureHttp: true) ' +
          'needs cert-manager on cluster "dc1", and no CertManager is installed on it; add new CertManager(platformStack, "CertManager", { connection })',
      );
    });

    test("a CertManager on another cluster does not count", () => {
      const e = env();
      const other = new ExistingCluster(e.app.node.findChild("infra") as TerraformStack, "Other", { clusterName: "dc2", kubeconfigContext: "dc2" });
      new CertManager(e.platform, "CertManager", { connection: other.connect(e.platform, "OtherConn", { alias: "dc2" }) });
      store(e);
      expect(() => e.app.synth()).toThrow('needs cert-manager on cluster "dc1"');
    });

    test.each([
      ["before", true],
      ["after", false],
    ])("the store's release depends on cert-manager's in the same stack (CertManager created %s)", (_when, first) => {
      const e = env();
      let manager: CertManager | undefined;
      if (first) manager = new CertManager(e.platform, "CertManager", { connection: e.conn });
      const s = store(e);
      if (!first) manager = new CertManager(e.platform, "CertManager", { connection: e.conn });
      expect(s.chart.release.dependsOn).toContain(manager!.chart.release.fqn);
      const json = synthJson(e.platform);
      const release = Object.entries(resourcesOfType(json, "helm_release")).find(([, r]) => (r as any).chart === "seaweedfs")![1] as any;
      expect(release.depends_on).toContain(`\${helm_release.${Object.keys(resourcesOfType(json, "helm_release")).find((k) => k.includes("CertManager"))}}`);
      expect(() => e.app.synth()).not.toThrow();
    });

    test("cert-manager in an earlier stack: the store's stack depends on it", () => {
      const e = env();
      const base = bareStack(e.app, "base");
      const manager = new CertManager(base, "CertManager", { connection: e.cluster.connect(base, "Conn") });
      store(e);
      expect(e.platform.dependencies).toContain(TerraformStack.of(manager));
    });
  });

  test("allowInsecureHttp: plain HTTP endpoint, no mTLS, buckets accept http", () => {
    const e = env();
    const s = store(e, { allowInsecureHttp: true });
    const v = values(e);
    expect(v.s3.httpsPort).toBeUndefined();
    expect(v.global.seaweedfs.enableSecurity).toBe(false);
    expect(v.certificates).toBeUndefined();
    expect(s.endpoint).toBe("http://seaweedfs-s3.seaweedfs.svc:8333");
    expect(s.bucket("Raw", "lake-raw").endpoint).toBe("http://seaweedfs-s3.seaweedfs.svc:8333");
  });

  test("persistent volumes of the storage class for master, filer and volume; no host paths", () => {
    const e = env();
    store(e, { volumeStorageSize: "2Ti", masterStorageSize: "20Gi", filerStorageSize: "100Gi" });
    const v = values(e);
    expect(v.master.data).toEqual({ type: "persistentVolumeClaim", size: "20Gi", storageClass: "local-nvme" });
    expect(v.filer.data).toEqual({ type: "persistentVolumeClaim", size: "100Gi", storageClass: "local-nvme" });
    expect(v.volume.dataDirs).toEqual([{ name: "data1", maxVolumes: 0, type: "persistentVolumeClaim", size: "2Ti", storageClass: "local-nvme" }]);
    for (const c of ["master", "filer", "s3"]) expect(v[c].logs).toEqual({ type: "emptyDir" });
    expect(v.volume.resizeHook).toEqual({ enabled: false });
    expect(JSON.stringify(v)).not.toContain("hostPath");
  });

  test("defaults: replication 001 on three volume servers, three masters, two gateways, sizes", () => {
    const e = env();
    const s = store(e);
    const v = values(e);
    expect(s.replication).toBe("001");
    expect(v.global.seaweedfs).toMatchObject({ enableReplication: true, replicationPlacement: "001" });
    expect(v.master).toMatchObject({ replicas: 3, defaultReplication: "001" });
    expect(v.filer).toMatchObject({ replicas: 1, defaultReplicaPlacement: "001" });
    expect(v.volume.replicas).toBe(3);
    expect(v.s3.replicas).toBe(2);
    expect(v.volume.dataDirs[0].size).toBe("500Gi");
    expect(v.master.data.size).toBe("10Gi");
    expect(v.filer.data.size).toBe("50Gi");
  });

  test("community image pinned at the chart's appVersion", () => {
    const e = env();
    store(e);
    const v = values(e);
    expect(v.global.seaweedfs.image.name).toBe("chrislusf/seaweedfs");
    expect(v.image.tag).toBe("4.44");
    expect(SeaweedFsObjectStore.IMAGE).toBe("chrislusf/seaweedfs:4.44");
    expect(JSON.stringify(v)).not.toContain("enterprise");
  });

  test("no Kubernetes API access: no cluster role, the service account's token not mounted", () => {
    const e = env();
    store(e);
    const v = values(e);
    expect(v.global.seaweedfs.createClusterRole).toBe(false);
    expect(v.global.seaweedfs.automountServiceAccountToken).toBe(false);
  });

  test("non-root security contexts and resources on every component", () => {
    const e = env();
    store(e, { volumeResources: { cpuMillis: 1000, memoryMiB: 4096 } });
    const v = values(e);
    for (const c of ["master", "volume", "filer", "s3"]) {
      expect(v[c].podSecurityContext).toEqual({
        enabled: true,
        runAsNonRoot: true,
        runAsUser: 1000,
        runAsGroup: 1000,
        fsGroup: 1000,
        seccompProfile: { type: "RuntimeDefault" },
      });
      expect(v[c].containerSecurityContext).toEqual({ enabled: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } });
      expect(v[c].resources.requests.cpu).toMatch(/^\d+m$/);
      expect(v[c].resources.limits.memory).toBe(v[c].resources.requests.memory);
    }
    expect(v.volume.resources).toEqual({ requests: { cpu: "1000m", memory: "4096Mi" }, limits: { memory: "4096Mi" } });
  });

  test("pods stay off GPU nodes and spread one per node", () => {
    const e = env([GPU_POOL]);
    store(e);
    const v = values(e);
    for (const c of ["master", "volume", "filer"]) {
      const affinity = YAML.parse(v[c].affinity);
      expect(affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions).toEqual([
        { key: "nvidia.com/gpu.present", operator: "DoesNotExist" },
        { key: "strata.io/gpu", operator: "DoesNotExist" },
      ]);
      expect(affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0]).toEqual({
        labelSelector: { matchLabels: { "app.kubernetes.io/name": "seaweedfs", "app.kubernetes.io/instance": "seaweedfs", "app.kubernetes.io/component": c } },
        topologyKey: "kubernetes.io/hostname",
      });
    }
    // No CPU pool declared: no node selector, and the GPU pool is never chosen.
    expect(v.s3.nodeSelector).toBeUndefined();
    expect(e.cluster.systemWorkloads).toEqual([]);
  });

  test("a GENERAL pool is preferred; its labels become the node selector (YAML strings the chart renders)", () => {
    const e = env([SYSTEM_POOL, GENERAL_POOL, GPU_POOL]);
    store(e);
    const v = values(e);
    for (const c of ["master", "volume", "filer", "s3"]) {
      expect(YAML.parse(v[c].nodeSelector)).toEqual({ "strata.io/pool": "cpu", "strata.io/purpose": "general" });
      expect(v[c].tolerations).toBeUndefined();
    }
    expect(e.cluster.systemWorkloads).toEqual([]);
  });

  test("on the system pool: tolerations, and the pods registered as system workloads", () => {
    const e = env([SYSTEM_POOL, GPU_POOL]);
    store(e);
    const v = values(e);
    expect(YAML.parse(v.volume.tolerations)).toEqual([{ key: "CriticalAddonsOnly", operator: "Equal", value: "true", effect: "NoSchedule" }]);
    expect(YAML.parse(v.s3.nodeSelector)).toEqual({ "strata.io/pool": "system", "strata.io/purpose": "system" });
    expect(e.cluster.systemWorkloads).toEqual([
      { name: "seaweedfs-master", cpuMillis: 250, memoryMiB: 512, replicas: 3 },
      { name: "seaweedfs-volume", cpuMillis: 500, memoryMiB: 2048, replicas: 3 },
      { name: "seaweedfs-filer", cpuMillis: 500, memoryMiB: 1024, replicas: 1 },
      { name: "seaweedfs-s3", cpuMillis: 250, memoryMiB: 512, replicas: 2 },
    ]);
  });

  test("clientNamespaces open the gateway's HTTPS port to those namespaces only", () => {
    const e = env();
    store(e, { clientNamespaces: ["training", "feast"] });
    const policies = resourcesOfType(synthJson(e.platform), "kubernetes_network_policy_v1");
    const policy = Object.values(policies).find((p: any) => p.metadata.name === "seaweedfs-s3-clients") as any;
    expect(policy.spec.pod_selector.match_labels).toEqual({ "app.kubernetes.io/instance": "seaweedfs", "app.kubernetes.io/component": "s3" });
    expect(policy.spec.ingress).toEqual([
      {
        from: [
          { namespace_selector: { match_labels: { "kubernetes.io/metadata.name": "training" } } },
          { namespace_selector: { match_labels: { "kubernetes.io/metadata.name": "feast" } } },
        ],
        ports: [{ port: "8443", protocol: "TCP" }],
      },
    ]);
    const none = env();
    store(none);
    expect(Object.values(resourcesOfType(synthJson(none.platform), "kubernetes_network_policy_v1")).map((p: any) => p.metadata.name)).toEqual([
      ClusterConnection.ISOLATION_POLICY_NAME,
    ]);
  });

  test("bucket() returns an S3-compatible IObjectStore at the gateway endpoint; grants record a warning", () => {
    const e = env();
    const s = store(e);
    const raw = s.bucket("Raw", "lake-raw");
    expect(raw.kind).toBe(ObjectStoreKind.S3_COMPATIBLE);
    expect(raw.uri).toBe("s3://lake-raw");
    expect(raw.endpoint).toBe("https://seaweedfs-s3.seaweedfs.svc:8443");
    const identity = e.cluster.addWorkloadIdentity("Trainer", { namespace: "training", serviceAccountName: "trainer" });
    expect(identity.kind).toBe(WorkloadIdentityKind.KUBERNETES_SECRET);
    raw.grantRead(identity, { prefix: "datasets/" });
    expect(annotations(raw).join("\n")).toContain('grant read on prefix "datasets/" of bucket "lake-raw"');
  });

  describeConformance("chart values", () => {
    test("every value key exists in the chart defaults (or its documented dataDirs example)", () => {
      for (const [pools, props] of [
        [[], {}],
        [[SYSTEM_POOL], { tlsSecretName: "s3-tls", tlsCaSecretName: "s3-tls", clientNamespaces: ["training"] }],
        [[GENERAL_POOL], { allowInsecureHttp: true }],
      ] as [NodePoolInfo[], Partial<SeaweedFsObjectStoreProps>][]) {
        const e = env(pools);
        store(e, props);
        expect(checkHelmReleases(Testing.synth(e.platform), PINNED_CHART_VALUES, DOCUMENTED_IN_COMMENTS)).toEqual([]);
      }
    });

    test("without the allowance, the dataDirs keys are the only ones outside the defaults' keys", () => {
      const e = env();
      store(e);
      expect(checkHelmReleases(Testing.synth(e.platform), PINNED_CHART_VALUES)).toEqual([
        expect.stringContaining('unknown value key "volume.dataDirs[0].size"'),
        expect.stringContaining('unknown value key "volume.dataDirs[0].storageClass"'),
      ]);
    });

    test("the pinned chart maps to its values file", () => {
      expect(PINNED_CHART_VALUES[PinnedChart.SEAWEEDFS.chart]).toBe(`seaweedfs-${PinnedChart.SEAWEEDFS.version}.values.yaml`);
      expect(fs.existsSync(path.join(conformanceRoot()!, "helm-values", PINNED_CHART_VALUES.seaweedfs))).toBe(true);
    });

    test("the chart defaults are the unsafe ones Strata overrides", () => {
      const file = path.join(conformanceRoot()!, "helm-values", PINNED_CHART_VALUES.seaweedfs);
      const raw = fs.readFileSync(file, "utf8");
      const d = YAML.parse(raw);
      expect(d.s3).toMatchObject({ enabled: false, enableAuth: false, httpsPort: 0 });
      expect(d.global.seaweedfs.enableSecurity).toBe(false);
      expect(d.global.seaweedfs.image.name).toBe("chrislusf/seaweedfs");
      expect(d.master.data.type).toBe("hostPath");
      expect(d.volume.dataDirs[0].type).toBe("hostPath");
      expect(d.filer.data.type).toBe("hostPath");
      expect(d.master.defaultReplication).toBe("000");
      expect(d.global.seaweedfs).toMatchObject({ createClusterRole: true, automountServiceAccountToken: true });
      // The dataDirs PVC keys Strata sets are the chart's documented example.
      expect(raw).toContain('#     type: "persistentVolumeClaim"\n  #     size: "24Ti"\n  #     storageClass: "local-path-provisioner"');
    });
  });

  describe("bad input", () => {
    const cases: [string, Partial<SeaweedFsObjectStoreProps>, string][] = [
      ["replication not three digits", { replication: "1" }, 'platform/Store: invalid replication "1": must be SeaweedFS\'s three-digit XYZ string such as "001"'],
      ["replication as a number", { replication: 1 as any }, 'platform/Store: invalid replication 1: must be a three-digit string such as "001", not a number'],
      ["replication across racks", { replication: "010" }, 'platform/Store: invalid replication "010": asks for copies in other data centers or racks, but all volume servers of this store share one data center and rack'],
      ["replication across data centers", { replication: "100" }, 'platform/Store: invalid replication "100": asks for copies in other data centers or racks'],
      ["replication above the servers", { replication: "002", volumeReplicas: 2 }, 'platform/Store: invalid replication "002": needs 3 volume servers for 3 copies, and volumeReplicas is 2'],
      ["size without unit", { volumeStorageSize: "500" }, 'platform/Store: invalid volumeStorageSize "500": must be a storage size such as "500Gi"'],
      ["size decimal unit", { masterStorageSize: "10G" }, 'platform/Store: invalid masterStorageSize "10G": must be a storage size'],
      ["size as number", { filerStorageSize: 50 as any }, "platform/Store: invalid filerStorageSize 50: must be a storage size"],
      ["size zero", { volumeStorageSize: "0Gi" }, 'platform/Store: invalid volumeStorageSize "0Gi": must be a storage size'],
      ["storage class missing", { storageClassName: undefined }, "platform/Store: invalid storageClassName undefined: is required"],
      ["storage class bad syntax", { storageClassName: "Local_NVMe" }, 'platform/Store: invalid storageClassName "Local_NVMe": must be a DNS-1123 subdomain'],
      ["config secret missing", { s3ConfigSecretName: undefined }, "platform/Store: invalid s3ConfigSecretName undefined: is required"],
      ["config secret bad", { s3ConfigSecretName: "My Secret" }, 'platform/Store: invalid s3ConfigSecretName "My Secret": must be a DNS-1123 subdomain'],
      ["tls secret bad", { tlsSecretName: "TLS" }, 'platform/Store: invalid tlsSecretName "TLS": must be a DNS-1123 subdomain'],
      ["tls secret with http", { allowInsecureHttp: true, tlsSecretName: "s3-tls" }, 'platform/Store: invalid tlsSecretName "s3-tls": does not apply with allowInsecureHttp: true'],
      ["tls secret without its CA", { tlsSecretName: "s3-tls" }, "platform/Store: invalid tlsCaSecretName undefined: is required with tlsSecretName: name the Secret (in the store's namespace) with the certificate of the CA that signed it"],
      ["tls CA without tls secret", { tlsCaSecretName: "s3-ca" }, 'platform/Store: invalid tlsCaSecretName "s3-ca": only applies with tlsSecretName'],
      ["tls CA bad", { tlsSecretName: "s3-tls", tlsCaSecretName: "S3 CA" }, 'platform/Store: invalid tlsCaSecretName "S3 CA": must be a DNS-1123 subdomain'],
      ["tls CA key without name", { tlsCaSecretKey: "ca.crt" }, 'platform/Store: invalid tlsCaSecretKey "ca.crt": needs tlsCaSecretName'],
      ["tls CA key bad", { tlsSecretName: "s3-tls", tlsCaSecretName: "s3-ca", tlsCaSecretKey: "ca/crt" }, 'platform/Store: invalid tlsCaSecretKey "ca/crt": must be a Secret data key'],
      ["allowInsecureHttp string", { allowInsecureHttp: "true" as any }, 'platform/Store: invalid allowInsecureHttp "true": must be true or false, not a string'],
      ["even masters", { masterReplicas: 2 }, "platform/Store: invalid masterReplicas 2: must be 1, 3 or 5"],
      ["too many masters", { masterReplicas: 7 }, "platform/Store: invalid masterReplicas 7: must be an integer from 1 to 5"],
      ["volume replicas string", { volumeReplicas: "3" as any }, 'platform/Store: invalid volumeReplicas "3": must be an integer from 1 to 100, not a string'],
      ["s3 replicas zero", { s3Replicas: 0 }, "platform/Store: invalid s3Replicas 0: must be an integer from 1 to 20"],
      ["resources not an object", { s3Resources: "big" as any }, 'platform/Store: invalid s3Resources "big": must be a SeaweedFsResources object ({ cpuMillis, memoryMiB }), not a string'],
      ["resources missing memory", { masterResources: { cpuMillis: 100 } as any }, "platform/Store: invalid masterResources.memoryMiB undefined: is required"],
      ["resources fractional cpu", { filerResources: { cpuMillis: 0.5, memoryMiB: 512 } }, "platform/Store: invalid filerResources.cpuMillis 0.5: must be an integer from 10 to 64000"],
      ["client namespaces as string", { clientNamespaces: "training" as any }, 'platform/Store: invalid clientNamespaces "training": must be a list such as ["training"], not a string'],
      ["client namespace bad", { clientNamespaces: ["Training"] }, 'platform/Store: invalid clientNamespaces[0] "Training"'],
      ["client namespace duplicate", { clientNamespaces: ["a", "a"] }, 'platform/Store: invalid clientNamespaces[1] "a": is a duplicate of clientNamespaces[0]'],
      ["namespace bad", { namespace: "Seaweed" }, 'platform/Store: invalid namespace "Seaweed"'],
      ["unknown pool", { nodePoolName: "nope" }, 'platform/Store: invalid nodePoolName "nope": must name a node pool of cluster "dc1" (l40s (training))'],
      ["GPU pool", { nodePoolName: "l40s" }, 'platform/Store: invalid nodePoolName "l40s": is a GPU pool; the object store runs on CPU nodes'],
    ];
    test.each(cases)("%s", (_name, props, message) => {
      const e = env([GPU_POOL]);
      expect(() => store(e, props)).toThrow(message);
    });

    test("more masters or volume servers than the pool has nodes", () => {
      const small: NodePoolInfo = { ...GENERAL_POOL, minNodes: 1, maxNodes: 2 };
      expect(() => store(env([small]))).toThrow(
        'platform/Store: invalid volumeReplicas 3: needs 3 nodes (one pod per node), and node pool "cpu" has at most 2; lower volumeReplicas or choose a larger pool (nodePoolName)',
      );
      expect(() => store(env([small]), { volumeReplicas: 2 })).toThrow('platform/Store: invalid masterReplicas 3: needs 3 nodes (one pod per node), and node pool "cpu" has at most 2');
      expect(() => store(env([small]), { volumeReplicas: 2, masterReplicas: 1 })).not.toThrow();
    });

    test("bucket names follow the S3 rules", () => {
      const e = env();
      const s = store(e);
      expect(() => s.bucket("A", "Lake_Raw")).toThrow('platform/Store/A: invalid bucketName "Lake_Raw": must contain only lowercase letters, digits, dots and hyphens');
      expect(() => s.bucket("B", "ab")).toThrow('platform/Store/B: invalid bucketName "ab": must be 3 to 63 characters long (got 2)');
      expect(() => s.bucket("C", "xn--lake")).toThrow('platform/Store/C: invalid bucketName "xn--lake": must not start with the reserved prefix "xn--"');
      expect(() => s.bucket("D", "192.168.1.1")).toThrow('platform/Store/D: invalid bucketName "192.168.1.1": must not be formatted as an IP address');
      expect(() => s.bucket("E", undefined as any)).toThrow("platform/Store/E: invalid bucketName undefined: is required");
    });

    test("a bucket name used twice", () => {
      const e = env();
      const s = store(e);
      s.bucket("Raw", "lake-raw");
      expect(() => s.bucket("Raw2", "lake-raw")).toThrow('platform/Store: invalid bucketName "lake-raw": is already a bucket of this store (platform/Store/Raw)');
    });

    test("two stores on one cluster's system nodes", () => {
      const e = env([SYSTEM_POOL]);
      store(e);
      expect(() => store(e, { namespace: "seaweedfs-2" }, "Second")).toThrow(
        'platform/Second: invalid connection.cluster "dc1": already has a SeaweedFsObjectStore on its system nodes',
      );
    });

    test("the namespace created twice names the first creator", () => {
      const e = env();
      e.conn.addNamespace("seaweedfs");
      expect(() => store(e)).toThrow('invalid namespace name "seaweedfs": is already created through this connection');
    });
  });
});
