import { Construct } from "constructs";
import { NamespaceV1 } from "@cdktf/provider-kubernetes/lib/namespace-v1";
import { NetworkPolicyV1 } from "@cdktf/provider-kubernetes/lib/network-policy-v1";
import { NodePoolInfo, NodePoolPurpose } from "../core/cluster";
import { ClusterConnection, PodSecurityLevel } from "../core/connection";
import { HelmChart, PinnedChart } from "../core/helm-chart";
import { MANAGED_BY_LABELS } from "../core/labels";
import { NamingRule, validateName } from "../core/naming";
import { CertManager } from "../core/cert-manager";
import { CaCertificateSecret, S3CompatibleBucket } from "../core/object-store";
import { Scheduling } from "../core/scheduling";
import {
  invalid,
  isUnresolved,
  typeName,
  validateBoolean,
  validateInteger,
  validateList,
  validateNamespaceName,
  validateNonEmpty,
  validateUniqueList,
} from "../core/validation";

/** Release name: the chart names its objects after the chart (`seaweedfs-s3`, ...), so one release per namespace. */
const RELEASE_NAME = "seaweedfs";
/** The community image (never `chrislusf/seaweedfs-enterprise`). */
const IMAGE_NAME = "chrislusf/seaweedfs";
/**
 * Image tag: the chart's appVersion. SeaweedFS tags its releases `4.44` while the chart is `4.44.0`
 * (conformance README: "tag 4.44", chart `seaweedfs` 4.44.0).
 */
const IMAGE_TAG = "4.44";
/** HTTPS port of the S3 gateway (the chart's `s3.httpsPort`, off by default). */
const S3_HTTPS_PORT = 8443;
/** Plain HTTP port of the S3 gateway (chart default `s3.port`). */
const S3_HTTP_PORT = 8333;
/** UID/GID the pods run as. */
const RUN_AS = 1000;

/** CPU and memory of one pod of a SeaweedFS component. */
export interface SeaweedFsResources {
  /** CPU request, in millicores. */
  readonly cpuMillis: number;
  /** Memory request and limit, in MiB. */
  readonly memoryMiB: number;
}

/** Props of `SeaweedFsObjectStore`. */
export interface SeaweedFsObjectStoreProps {
  /** The cluster connection of the platform stack. */
  readonly connection: ClusterConnection;
  /**
   * Name of an existing Secret in `namespace` holding the S3 gateway's identities: key
   * `seaweedfs_s3_config`, the SeaweedFS IAM JSON (`{"identities": [{"name", "credentials":
   * [{"accessKey", "secretKey"}], "actions": ["Read:bucket", ...]}]}`). You create it (sealed
   * secrets, External Secrets, `kubectl create secret`), so no secret key ever reaches Terraform state.
   */
  readonly s3ConfigSecretName: string;
  /**
   * Storage class of every persistent volume (master metadata, filer metadata, volume data); a
   * class with `allowVolumeExpansion` lets you grow the sizes later.
   */
  readonly storageClassName: string;
  /**
   * Data replication of every volume, SeaweedFS's `XYZ` string: X copies in other data centers,
   * Y in other racks, Z on other servers of the same rack. The volume servers of one release
   * share one data center and rack, so only `000` (no copy) to `00N` are satisfiable, with N at
   * most `volumeReplicas - 1`.
   * @default "001" (two copies on two servers)
   */
  readonly replication?: string;
  /**
   * Volume servers (a StatefulSet, one per node: the chart's anti-affinity is required).
   * @default 3
   */
  readonly volumeReplicas?: number;
  /**
   * Master servers (Raft): 1, 3 or 5, one per node.
   * @default 3
   */
  readonly masterReplicas?: number;
  /**
   * S3 gateway pods.
   * @default 2
   */
  readonly s3Replicas?: number;
  /**
   * Size of each volume server's data volume (a Kubernetes quantity in Mi, Gi or Ti, e.g. `500Gi`).
   * @default "500Gi"
   */
  readonly volumeStorageSize?: string;
  /**
   * Size of each master's metadata volume (Raft log and snapshots).
   * @default "10Gi"
   */
  readonly masterStorageSize?: string;
  /**
   * Size of the filer's metadata volume (its embedded LevelDB store: every object's name and chunks).
   * @default "50Gi"
   */
  readonly filerStorageSize?: string;
  /**
   * Requests of each master pod.
   * @default { cpuMillis: 250, memoryMiB: 512 }
   */
  readonly masterResources?: SeaweedFsResources;
  /**
   * Requests of each volume server pod.
   * @default { cpuMillis: 500, memoryMiB: 2048 }
   */
  readonly volumeResources?: SeaweedFsResources;
  /**
   * Requests of the filer pod.
   * @default { cpuMillis: 500, memoryMiB: 1024 }
   */
  readonly filerResources?: SeaweedFsResources;
  /**
   * Requests of each S3 gateway pod.
   * @default { cpuMillis: 250, memoryMiB: 512 }
   */
  readonly s3Resources?: SeaweedFsResources;
  /**
   * Node pool the pods run on (a CPU pool: GPU pools are rejected). Its labels become the node
   * selector and its taints are tolerated.
   * @default - the cluster's first GENERAL pool, else its first SYSTEM pool, else no node selector (the GPU nodes' taints and a node affinity keep the pods off GPU nodes)
   */
  readonly nodePoolName?: string;
  /**
   * Namespace to create and install into.
   * @default "seaweedfs"
   */
  readonly namespace?: string;
  /**
   * Namespaces whose pods may reach the S3 gateway's HTTPS port (the namespace is otherwise
   * closed to other namespaces).
   * @default [] (only pods of the store's own namespace)
   */
  readonly clientNamespaces?: string[];
  /**
   * Name of an existing `kubernetes.io/tls` Secret in `namespace` (keys `tls.crt`, `tls.key`)
   * the S3 gateway serves HTTPS with, e.g. issued by your own CA.
   * @default - the certificate the chart issues from its own cert-manager CA (clients trust Secret `seaweedfs-ca-cert`)
   */
  readonly tlsSecretName?: string;
  /**
   * Name of the Secret in `namespace` holding the certificate of the CA that signed
   * `tlsSecretName` (required with it): clients in other namespaces get a copy of only this
   * certificate (see `CaCertificateCopy`). It may be the TLS Secret itself when that has a `ca.crt`.
   * @default - with `tlsSecretName`: none (required); otherwise the chart's CA Secret `seaweedfs-ca-cert`
   */
  readonly tlsCaSecretName?: string;
  /**
   * Data key of the PEM CA certificate in `tlsCaSecretName`.
   * @default "ca.crt"
   */
  readonly tlsCaSecretKey?: string;
  /**
   * Serve the S3 API over plain HTTP only (port 8333) and skip the chart's mTLS between
   * components (which needs cert-manager). Credentials and data then cross the network unencrypted.
   * @default false
   */
  readonly allowInsecureHttp?: boolean;
  /**
   * Seconds to wait for the release to become ready.
   * @default 900
   */
  readonly timeoutSeconds?: number;
}

const DEFAULT_RESOURCES = {
  master: { cpuMillis: 250, memoryMiB: 512 },
  volume: { cpuMillis: 500, memoryMiB: 2048 },
  filer: { cpuMillis: 500, memoryMiB: 1024 },
  s3: { cpuMillis: 250, memoryMiB: 512 },
};

/** A storage size: a positive integer with a binary suffix Mi, Gi or Ti. */
const STORAGE_SIZE = /^[1-9][0-9]{0,6}(Mi|Gi|Ti)$/;

/**
 * An S3-compatible object store in the cluster: SeaweedFS (chart `seaweedfs` 4.44.0, community
 * image `chrislusf/seaweedfs:4.44`) with its S3 gateway, for on-prem data lakes. MinIO's community
 * edition is no longer published; SeaweedFS is Apache-2.0 and released every week or two.
 *
 * Secure by default: S3 authentication on, identities from a Secret you create (no keys in
 * Terraform state); HTTPS on port 8443 with the chart's mTLS between components (needs
 * cert-manager: a `core.CertManager` on the cluster, checked at synth; clients trust the CA
 * through `caCertificate`, copied into their namespaces without the CA key passing through
 * Terraform); master, filer and volume data on persistent volumes of
 * `storageClassName` (no host paths); volumes replicated on two servers (`001`); pods non-root
 * under the restricted Pod Security Standard, with requests and memory limits, on CPU nodes; the
 * namespace closed to other namespaces except `clientNamespaces` on the HTTPS port.
 *
 * `bucket()` returns an `S3CompatibleBucket` at the gateway's in-cluster endpoint for the data
 * lake and other layers.
 *
 * @example
 * const connection = cluster.connect(platform, "Conn");
 * new CertManager(platform, "CertManager", { connection });
 * const store = new SeaweedFsObjectStore(platform, "Store", {
 *   connection,
 *   s3ConfigSecretName: "seaweedfs-s3-identities",
 *   storageClassName: "local-nvme",
 *   clientNamespaces: ["training", "feast"],
 * });
 * const raw = store.bucket("Raw", "lake-raw");
 */
export class SeaweedFsObjectStore extends Construct {
  /** The community image the release runs. */
  public static readonly IMAGE = `${IMAGE_NAME}:${IMAGE_TAG}`;

  /** The Helm release. */
  public readonly chart: HelmChart;
  /** The namespace resource. */
  public readonly namespaceResource: NamespaceV1;
  /** Namespace the store runs in. */
  public readonly namespace: string;
  /** In-cluster S3 endpoint, e.g. `https://seaweedfs-s3.seaweedfs.svc:8443`. */
  public readonly endpoint: string;
  /** The volume replication setting (`XYZ`). */
  public readonly replication: string;
  /**
   * The CA certificate clients verify the S3 gateway with: the chart's cert-manager CA Secret
   * (`seaweedfs-ca-cert`, key `ca.crt`), or `tlsCaSecretName`. Undefined with `allowInsecureHttp`.
   */
  public readonly caCertificate?: CaCertificateSecret;
  private readonly insecure: boolean;
  private readonly bucketNames = new Map<string, string>();

  constructor(scope: Construct, id: string, props: SeaweedFsObjectStoreProps) {
    super(scope, id);
    if (props === null || typeof props !== "object") invalid(this, "props", props, "must be a SeaweedFsObjectStoreProps object");
    const namespace = props.namespace ?? "seaweedfs";
    validateNamespaceName(this, "namespace", namespace);
    validateName(this, "s3ConfigSecretName", props.s3ConfigSecretName, NamingRule.DNS1123_SUBDOMAIN);
    validateName(this, "storageClassName", props.storageClassName, NamingRule.DNS1123_SUBDOMAIN);
    if (props.tlsSecretName !== undefined) validateName(this, "tlsSecretName", props.tlsSecretName, NamingRule.DNS1123_SUBDOMAIN);
    validateBoolean(this, "allowInsecureHttp", props.allowInsecureHttp);
    const insecure = props.allowInsecureHttp === true;
    if (insecure && props.tlsSecretName !== undefined) {
      invalid(this, "tlsSecretName", props.tlsSecretName, "does not apply with allowInsecureHttp: true (the gateway then serves plain HTTP only)");
    }
    if (props.tlsCaSecretName !== undefined) {
      validateName(this, "tlsCaSecretName", props.tlsCaSecretName, NamingRule.DNS1123_SUBDOMAIN);
      if (props.tlsSecretName === undefined) {
        invalid(this, "tlsCaSecretName", props.tlsCaSecretName, "only applies with tlsSecretName (the chart's own certificate is signed by its CA Secret seaweedfs-ca-cert)");
      }
    } else if (props.tlsSecretName !== undefined) {
      invalid(
        this,
        "tlsCaSecretName",
        undefined,
        "is required with tlsSecretName: name the Secret (in the store's namespace) with the certificate of the CA that signed it, so clients can verify the gateway",
      );
    }
    if (props.tlsCaSecretKey !== undefined) {
      if (props.tlsCaSecretName === undefined) invalid(this, "tlsCaSecretKey", props.tlsCaSecretKey, "needs tlsCaSecretName");
      const key: unknown = props.tlsCaSecretKey;
      if (!isUnresolved(key) && (typeof key !== "string" || !/^[-._a-zA-Z0-9]{1,253}$/.test(key))) {
        invalid(this, "tlsCaSecretKey", key, "must be a Secret data key: letters, digits, '-', '_' or '.'");
      }
    }
    validateInteger(this, "timeoutSeconds", props.timeoutSeconds, 1, 86400);
    const volumeReplicas = props.volumeReplicas ?? 3;
    const masterReplicas = props.masterReplicas ?? 3;
    const s3Replicas = props.s3Replicas ?? 2;
    validateInteger(this, "volumeReplicas", volumeReplicas, 1, 100);
    validateInteger(this, "s3Replicas", s3Replicas, 1, 20);
    validateInteger(this, "masterReplicas", masterReplicas, 1, 5);
    if (!isUnresolved(masterReplicas) && masterReplicas % 2 === 0) {
      invalid(this, "masterReplicas", masterReplicas, "must be 1, 3 or 5 (Raft needs an odd number of masters for a majority)");
    }
    const replication = props.replication ?? "001";
    this.validateReplication(replication, volumeReplicas);
    const sizes = {
      volume: props.volumeStorageSize ?? "500Gi",
      master: props.masterStorageSize ?? "10Gi",
      filer: props.filerStorageSize ?? "50Gi",
    };
    this.validateSize("volumeStorageSize", sizes.volume);
    this.validateSize("masterStorageSize", sizes.master);
    this.validateSize("filerStorageSize", sizes.filer);
    const resources = {
      master: this.resources("masterResources", props.masterResources, DEFAULT_RESOURCES.master),
      volume: this.resources("volumeResources", props.volumeResources, DEFAULT_RESOURCES.volume),
      filer: this.resources("filerResources", props.filerResources, DEFAULT_RESOURCES.filer),
      s3: this.resources("s3Resources", props.s3Resources, DEFAULT_RESOURCES.s3),
    };
    validateList(this, "clientNamespaces", props.clientNamespaces, '["training"]');
    const clients = props.clientNamespaces ?? [];
    clients.forEach((c, i) => validateNamespaceName(this, `clientNamespaces[${i}]`, c));
    validateUniqueList(this, "clientNamespaces", clients, "namespace");

    const cluster = props.connection.cluster;
    const pool = this.choosePool(props.nodePoolName, cluster.nodePools, cluster.clusterName);
    // Masters and volume servers each need a node of their own (the chart's required anti-affinity).
    if (pool && !isUnresolved(pool.maxNodes)) {
      for (const [prop, replicas] of [["volumeReplicas", volumeReplicas], ["masterReplicas", masterReplicas]] as [string, number][]) {
        if (!isUnresolved(replicas) && replicas > pool.maxNodes) {
          invalid(
            this,
            prop,
            replicas,
            `needs ${replicas} nodes (one pod per node), and node pool "${pool.name}" has at most ${pool.maxNodes}; lower ${prop} or choose a larger pool (nodePoolName)`,
          );
        }
      }
    }

    // Every pod runs non-root with the restricted profile; no host paths (logs to emptyDir, data on PVCs).
    this.namespaceResource = props.connection.addNamespace(namespace, { podSecurity: PodSecurityLevel.RESTRICTED });
    this.namespace = namespace;
    this.replication = replication;
    this.insecure = insecure;

    const placement: Record<string, any> = {};
    if (pool) {
      placement.nodeSelector = flowMap(Scheduling.nodeSelectorFor(pool));
      const tolerations = Scheduling.tolerationsFor(pool);
      if (tolerations.length > 0) placement.tolerations = flowList(tolerations);
    }
    const security = {
      podSecurityContext: {
        enabled: true,
        runAsNonRoot: true,
        runAsUser: RUN_AS,
        runAsGroup: RUN_AS,
        fsGroup: RUN_AS,
        seccompProfile: { type: "RuntimeDefault" },
      },
      containerSecurityContext: {
        enabled: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ["ALL"] },
      },
    };
    // `size` and `storageClass` of a PVC data dir appear only in a values-file comment, but the
    // templates read them (volume-statefulset.yaml's volumeClaimTemplates at chart 4.44.0 use
    // `$dir.storageClass` and `$dir.size`; master and filer `data` the same way).
    const pvc = (size: string) => ({ type: "persistentVolumeClaim", size, storageClass: props.storageClassName });
    const emptyDirLogs = { type: "emptyDir" };

    const s3: Record<string, any> = {
      enabled: true,
      replicas: s3Replicas,
      enableAuth: true,
      existingConfigSecret: props.s3ConfigSecretName,
      resources: k8sResources(resources.s3),
      logs: emptyDirLogs,
      ...security,
      ...placement,
    };
    if (!insecure) {
      s3.httpsPort = S3_HTTPS_PORT;
      if (props.tlsSecretName !== undefined) s3.tlsSecret = props.tlsSecretName;
    }
    const serviceHost = `${RELEASE_NAME}-s3.${namespace}.svc`;
    const values: Record<string, any> = {
      global: {
        seaweedfs: {
          image: { name: IMAGE_NAME },
          // mTLS between master, volume, filer and gateway, with certificates from cert-manager.
          enableSecurity: !insecure,
          enableReplication: true,
          replicationPlacement: replication,
          // No Kubernetes API access: the SeaweedFS servers never call it (the weed binary has no
          // client-go dependency); the chart's cluster role (read-write on every pod in the cluster,
          // "hack for delete pod master after migration" in templates/shared/cluster-role.yaml) is
          // off and the shared service account's token is not mounted.
          createClusterRole: false,
          automountServiceAccountToken: false,
        },
      },
      image: { tag: IMAGE_TAG },
      master: {
        replicas: masterReplicas,
        defaultReplication: replication,
        data: pvc(sizes.master),
        logs: emptyDirLogs,
        resources: k8sResources(resources.master),
        affinity: affinity("master"),
        ...security,
        ...placement,
      },
      volume: {
        replicas: volumeReplicas,
        dataDirs: [{ name: "data1", maxVolumes: 0, ...pvc(sizes.volume) }],
        // The resize hook Job (image alpine/k8s) sets no security context and would be refused
        // under the restricted profile: grow PVCs through the storage class instead (docs).
        resizeHook: { enabled: false },
        resources: k8sResources(resources.volume),
        affinity: affinity("volume"),
        ...security,
        ...placement,
      },
      filer: {
        replicas: 1,
        defaultReplicaPlacement: replication,
        data: pvc(sizes.filer),
        logs: emptyDirLogs,
        resources: k8sResources(resources.filer),
        affinity: affinity("filer"),
        ...security,
        ...placement,
      },
      s3,
    };
    if (!insecure) {
      // The certificate the gateway serves must name the Service clients use. Assumption (not
      // verified against the chart's templates): `certificates.dnsNames` is added to the
      // certificates the chart issues.
      values.certificates = { dnsNames: [serviceHost, `${serviceHost}.cluster.local`] };
    }

    if (pool?.purpose === NodePoolPurpose.SYSTEM) {
      const register = (name: string, r: SeaweedFsResources, replicas: number) =>
        cluster.addSystemWorkload({ name: `seaweedfs-${name}`, cpuMillis: r.cpuMillis, memoryMiB: r.memoryMiB, replicas });
      if (cluster.systemWorkloads.some((w) => w.name === "seaweedfs-master")) {
        invalid(this, "connection.cluster", cluster.clusterName, "already has a SeaweedFsObjectStore on its system nodes; install one store per cluster");
      }
      register("master", resources.master, masterReplicas);
      register("volume", resources.volume, volumeReplicas);
      register("filer", resources.filer, 1);
      register("s3", resources.s3, s3Replicas);
    }

    this.chart = new HelmChart(this, "Chart", {
      connection: props.connection,
      chart: PinnedChart.SEAWEEDFS,
      releaseName: RELEASE_NAME,
      namespace: this.namespaceResource.metadata.name,
      values,
      timeoutSeconds: props.timeoutSeconds,
    });
    if (!insecure) {
      // The chart's certificates (its CA, the gateway's, the components' mTLS) are cert-manager resources.
      CertManager.require(
        this,
        props.connection,
        "SeaweedFsObjectStore with TLS (the chart issues its certificates with cert-manager; or set allowInsecureHttp: true)",
        this.chart.release,
      );
      this.caCertificate = {
        secretName: props.tlsCaSecretName ?? `${RELEASE_NAME}-ca-cert`,
        namespace,
        key: props.tlsCaSecretKey ?? "ca.crt",
        readyAfter: this.chart.release,
      };
    }

    if (clients.length > 0) {
      new NetworkPolicyV1(this, "S3Clients", {
        provider: props.connection.kubernetesProvider,
        metadata: { name: "seaweedfs-s3-clients", namespace: this.namespaceResource.metadata.name, labels: { ...MANAGED_BY_LABELS } },
        spec: {
          podSelector: { matchLabels: { "app.kubernetes.io/instance": RELEASE_NAME, "app.kubernetes.io/component": "s3" } },
          policyTypes: ["Ingress"],
          ingress: [
            {
              from: clients.map((c) => ({ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": c } } })),
              ports: [{ port: String(insecure ? S3_HTTP_PORT : S3_HTTPS_PORT), protocol: "TCP" }],
            },
          ],
        },
      });
    }

    this.endpoint = insecure ? `http://${serviceHost}:${S3_HTTP_PORT}` : `https://${serviceHost}:${S3_HTTPS_PORT}`;
  }

  /**
   * A bucket of this store as an `IObjectStore` at the gateway's in-cluster endpoint. The bucket
   * itself is created with the S3 API (`aws s3 mb`) or `weed shell`; grants record which access
   * the identities in `s3ConfigSecretName` must have.
   */
  public bucket(id: string, bucketName: string): S3CompatibleBucket {
    validateNonEmpty(this, "bucket id", id);
    const bucket = new S3CompatibleBucket(this, id, {
      bucketName,
      endpoint: this.endpoint,
      allowInsecureHttp: this.insecure ? true : undefined,
      caCertificate: this.caCertificate,
    });
    if (!isUnresolved(bucketName)) {
      const first = this.bucketNames.get(bucketName);
      if (first !== undefined) invalid(this, "bucketName", bucketName, `is already a bucket of this store (${first}); call bucket() once per bucket`);
      this.bucketNames.set(bucketName, bucket.node.path);
    }
    return bucket;
  }

  private validateReplication(replication: unknown, volumeReplicas: number): void {
    if (isUnresolved(replication)) return;
    if (typeof replication !== "string") invalid(this, "replication", replication, `must be a three-digit string such as "001", not ${typeName(replication)}`);
    if (!/^[0-9]{3}$/.test(replication)) {
      invalid(this, "replication", replication, 'must be SeaweedFS\'s three-digit XYZ string such as "001" (X copies in other data centers, Y in other racks, Z on other servers)');
    }
    if (replication[0] !== "0" || replication[1] !== "0") {
      invalid(
        this,
        "replication",
        replication,
        'asks for copies in other data centers or racks, but all volume servers of this store share one data center and rack; use "00N" (N copies on other servers)',
      );
    }
    const copies = Number(replication[2]);
    if (!isUnresolved(volumeReplicas) && copies > volumeReplicas - 1) {
      invalid(
        this,
        "replication",
        replication,
        `needs ${copies + 1} volume servers for ${copies + 1} copies, and volumeReplicas is ${volumeReplicas}; raise volumeReplicas or lower the replication`,
      );
    }
  }

  private validateSize(prop: string, value: unknown): void {
    if (isUnresolved(value)) return;
    if (typeof value !== "string" || !STORAGE_SIZE.test(value)) {
      invalid(this, prop, value, 'must be a storage size such as "500Gi": a positive integer with the suffix Mi, Gi or Ti');
    }
  }

  private resources(prop: string, value: SeaweedFsResources | undefined, fallback: SeaweedFsResources): SeaweedFsResources {
    if (value === undefined) return fallback;
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      invalid(this, prop, value, `must be a SeaweedFsResources object ({ cpuMillis, memoryMiB }), not ${typeName(value)}`);
    }
    if (value.cpuMillis === undefined) invalid(this, `${prop}.cpuMillis`, value.cpuMillis, "is required");
    if (value.memoryMiB === undefined) invalid(this, `${prop}.memoryMiB`, value.memoryMiB, "is required");
    validateInteger(this, `${prop}.cpuMillis`, value.cpuMillis, 10, 64000);
    validateInteger(this, `${prop}.memoryMiB`, value.memoryMiB, 64, 1048576);
    return value;
  }

  private choosePool(name: string | undefined, pools: NodePoolInfo[], clusterName: string): NodePoolInfo | undefined {
    if (name === undefined) {
      return pools.find((p) => p.purpose === NodePoolPurpose.GENERAL) ?? pools.find((p) => p.purpose === NodePoolPurpose.SYSTEM);
    }
    validateNonEmpty(this, "nodePoolName", name);
    const pool = pools.find((p) => p.name === name);
    if (!pool) {
      const known = pools.map((p) => `${p.name} (${p.purpose})`).join(", ") || "none declared";
      invalid(this, "nodePoolName", name, `must name a node pool of cluster "${clusterName}" (${known})`);
    }
    if (pool.gpu !== undefined || pool.purpose === NodePoolPurpose.INFERENCE || pool.purpose === NodePoolPurpose.TRAINING) {
      invalid(this, "nodePoolName", name, "is a GPU pool; the object store runs on CPU nodes (a GENERAL or SYSTEM pool)");
    }
    return pool;
  }
}

/** Kubernetes resources: CPU and memory requests, memory limit (no CPU limit: no throttling). */
function k8sResources(r: SeaweedFsResources): Record<string, any> {
  return { requests: { cpu: `${r.cpuMillis}m`, memory: `${r.memoryMiB}Mi` }, limits: { memory: `${r.memoryMiB}Mi` } };
}

/**
 * The chart takes node selectors, tolerations and affinity as YAML strings it renders with `tpl`.
 * Written in flow style with single quotes: a double quote cannot pass through cdktf's yamlencode.
 */
function flowMap(map: { [key: string]: string }): string {
  return `{${Object.entries(map)
    .map(([k, v]) => `${quote(k)}: ${quote(v)}`)
    .join(", ")}}`;
}

function flowList(items: object[]): string {
  return `[${items
    .map((item) => flowMap(Object.fromEntries(Object.entries(item).filter(([, v]) => v !== undefined)) as { [key: string]: string }))
    .join(", ")}]`;
}

function quote(s: string): string {
  return `'${String(s).replace(/'/g, "''")}'`;
}

/**
 * The chart's default anti-affinity (one pod per node, so replicas land on different servers),
 * with literal labels, plus a node affinity that keeps the pods off GPU nodes (labelled by GPU
 * feature discovery or by Strata's pools).
 */
function affinity(component: string): string {
  return [
    "nodeAffinity:",
    "  requiredDuringSchedulingIgnoredDuringExecution:",
    "    nodeSelectorTerms:",
    "      - matchExpressions:",
    "          - key: nvidia.com/gpu.present",
    "            operator: DoesNotExist",
    `          - key: ${Scheduling.GPU_LABEL}`,
    "            operator: DoesNotExist",
    "podAntiAffinity:",
    "  requiredDuringSchedulingIgnoredDuringExecution:",
    "    - labelSelector:",
    "        matchLabels:",
    `          app.kubernetes.io/name: ${RELEASE_NAME}`,
    `          app.kubernetes.io/instance: ${RELEASE_NAME}`,
    `          app.kubernetes.io/component: ${component}`,
    "      topologyKey: kubernetes.io/hostname",
    "",
  ].join("\n");
}
