import { Construct } from "constructs";
import { TerraformStack } from "cdktf";
import { HelmProvider } from "@cdktf/provider-helm/lib/provider";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { NamespaceV1 } from "@cdktf/provider-kubernetes/lib/namespace-v1";
import { NetworkPolicyV1, NetworkPolicyV1SpecIngress } from "@cdktf/provider-kubernetes/lib/network-policy-v1";
import { ServiceAccountV1 } from "@cdktf/provider-kubernetes/lib/service-account-v1";
import { ClusterAuthentication, ClusterTarget, ConnectOptions, IKubernetesCluster, IWorkloadIdentity } from "./cluster";
import { NamingRule, validateName } from "./naming";
import { MANAGED_BY_LABELS } from "./labels";
import {
  invalid,
  isUnresolved,
  validateAnnotations,
  validateBoolean,
  validateCidrList,
  validateEnum,
  validateLabels,
  validateNamespaceName,
  validateNonEmpty,
  validateUniqueList,
} from "./validation";

/** The exec credential API version understood by the kubernetes and helm providers. */
const EXEC_API_VERSION = "client.authentication.k8s.io/v1beta1";


/**
 * Pod Security Standards level enforced on a namespace. Every level still audits and warns at
 * `restricted`, so relaxed pods show up in the audit log and in `kubectl` warnings.
 */
export enum PodSecurityLevel {
  /** Restricted: non-root, no privilege escalation, seccomp, all capabilities dropped. The default. */
  RESTRICTED = "restricted",
  /**
   * Baseline: an explicit relaxation for ML images that do not run under `restricted`, such as
   * CUDA images that run as root. Host namespaces, privileged containers and host paths stay
   * blocked. Baseline admits only the default container capabilities: `IPC_LOCK` (pinned memory
   * for RDMA / GPUDirect) is not among them, so RDMA pods need `PRIVILEGED` with a reason.
   */
  BASELINE = "baseline",
  /**
   * Privileged: no restrictions (device plugins, GPU drivers, CNI agents, RDMA pods with
   * `IPC_LOCK`). Needs `privilegedReason` on `addNamespace`.
   */
  PRIVILEGED = "privileged",
}

/** Which NetworkPolicy a namespace starts with. */
export enum NamespaceIsolation {
  /**
   * Default-deny ingress: pods accept traffic only from pods of the same namespace (and from the
   * `allowHealthChecksFrom` CIDRs). The policy is named `strata-deny-ingress-except-same-namespace`.
   * Other layers add explicit allows (an ingress gateway, Prometheus scrapes). Egress is not restricted.
   */
  DENY_INGRESS_FROM_OTHER_NAMESPACES = "deny-ingress-from-other-namespaces",
  /**
   * No NetworkPolicy. For operator namespaces whose webhooks the API server must reach, which
   * arrives from addresses a namespace selector cannot match.
   */
  NONE = "none",
}


/** Label keys Strata sets on every namespace; `labels` may not set them. */
const RESERVED_NAMESPACE_LABELS = [
  "app.kubernetes.io/managed-by",
  "pod-security.kubernetes.io/enforce",
  "pod-security.kubernetes.io/audit",
  "pod-security.kubernetes.io/warn",
];

/** Props of `ClusterConnection`. */
export interface ClusterConnectionProps extends ConnectOptions {
  /** The cluster to connect to (usually created in the infra stack). */
  readonly cluster: IKubernetesCluster;
}

/** Options for `ClusterConnection.addNamespace`. */
export interface NamespaceOptions {
  /**
   * Pod Security Standards level enforced on the namespace. `BASELINE` is an explicit relaxation
   * for training images that run as root; `PRIVILEGED` also needs `privilegedReason`.
   * @default PodSecurityLevel.RESTRICTED
   */
  readonly podSecurity?: PodSecurityLevel;
  /**
   * Why the namespace must run privileged pods (required with `PodSecurityLevel.PRIVILEGED`, not
   * allowed otherwise). Recorded on the namespace as the `strata.io/privileged-reason` annotation.
   * @default - none
   */
  readonly privilegedReason?: string;
  /**
   * Extra labels (Kubernetes label syntax). The managed-by and pod-security labels are Strata's
   * and may not be set here.
   * @default - only the managed-by and pod-security labels
   */
  readonly labels?: { [key: string]: string };
  /**
   * The NetworkPolicy the namespace starts with.
   * @default NamespaceIsolation.DENY_INGRESS_FROM_OTHER_NAMESPACES
   */
  readonly isolation?: NamespaceIsolation;
  /**
   * IPv4 CIDRs whose load-balancer health checks (and load-balancer traffic from them) the
   * default-deny policy admits, for serving namespaces behind a cloud load balancer:
   * `ClusterConnection.GCP_HEALTH_CHECK_CIDRS` on GKE (NEG and load-balancer health checks, which
   * also carry Google front-end traffic), the VPC CIDR on EKS (NLB/ALB health checks in IP target
   * mode come from the load balancer's addresses in the VPC). Only with the default-deny isolation.
   * @default [] (nothing outside the namespace)
   */
  readonly allowHealthChecksFrom?: string[];
}

/** Options for `ClusterConnection.addServiceAccount`. */
export interface ServiceAccountOptions {
  /**
   * Mount the service account's API token into pods. Only workloads that call the Kubernetes
   * API need it.
   * @default false
   */
  readonly automountToken?: boolean;
}

/**
 * The kubernetes and helm providers for one cluster in one stack (platform or workloads),
 * configured from the cluster's attributes through cross-stack references.
 *
 * Layer constructs in later stacks take a `ClusterConnection` and set its providers on every
 * resource they create, so several clusters can share a stack (give each an `alias`).
 *
 * @example
 * const infra = new TerraformStack(app, "infra");
 * const cluster = new EksCluster(infra, "Cluster", { clusterName: "ml" });
 * const platform = new TerraformStack(app, "platform");
 * const conn = cluster.connect(platform, "Ml");
 * conn.addNamespace("serving");
 */
export class ClusterConnection extends Construct {
  /**
   * Source ranges of Google Cloud load-balancer and NEG health checks (and of Google front ends
   * proxying load-balancer traffic): `35.191.0.0/16` and `130.211.0.0/22`.
   */
  public static readonly GCP_HEALTH_CHECK_CIDRS: string[] = ["35.191.0.0/16", "130.211.0.0/22"];
  /** Name of the NetworkPolicy that `NamespaceIsolation.DENY_INGRESS_FROM_OTHER_NAMESPACES` creates in each namespace. */
  public static readonly ISOLATION_POLICY_NAME = "strata-deny-ingress-except-same-namespace";

  /** The cluster this connection reaches. */
  public readonly cluster: IKubernetesCluster;
  /** The kubernetes provider for the cluster in this stack. */
  public readonly kubernetesProvider: KubernetesProvider;
  /** The helm provider for the cluster in this stack. */
  public readonly helmProvider: HelmProvider;
  /** The provider alias, or undefined for the stack's default providers. */
  public readonly alias?: string;
  /** The identity each service account created through this connection belongs to, by `<namespace>/<name>`. */
  private readonly serviceAccountOwners = new Map<string, string>();

  constructor(scope: Construct, id: string, props: ClusterConnectionProps) {
    super(scope, id);
    this.cluster = props.cluster;
    this.alias = props.alias;
    const authentication = props.authentication ?? ClusterAuthentication.EXEC_PLUGIN;
    validateEnum(this, "authentication", authentication, ClusterAuthentication, "ClusterAuthentication");

    const stack = TerraformStack.of(this);
    if (props.cluster.target !== ClusterTarget.ON_PREM && TerraformStack.of(props.cluster) === stack) {
      invalid(
        this,
        "cluster",
        props.cluster.node.path,
        `must be created in an earlier stack than the connection (stack "${stack.node.id}"): a provider cannot be ` +
          "configured from a cluster created in the same apply. Create the cluster in the infra stack and call " +
          "cluster.connect(platformStack, ...)",
      );
    }
    if (props.alias !== undefined) {
      validateName(this, "alias", props.alias, NamingRule.DNS1123_LABEL);
      if (!isUnresolved(props.alias) && !/^[a-z]/.test(props.alias)) {
        invalid(this, "alias", props.alias, "must start with a letter (Terraform provider aliases cannot start with a digit)");
      }
    }
    const clash = stack.node
      .findAll()
      .filter((c): c is ClusterConnection => c instanceof ClusterConnection && c !== this && c.alias === props.alias);
    if (clash.length > 0) {
      invalid(
        this,
        "alias",
        props.alias,
        `stack "${stack.node.id}" already has a connection with this alias (${clash[0].node.path}); give each ` +
          "connection in a stack its own alias",
      );
    }

    const access = props.cluster.accessFor(this, authentication);
    const exec =
      access.execCommand !== undefined
        ? { apiVersion: EXEC_API_VERSION, command: access.execCommand, args: access.execArgs ?? [] }
        : undefined;

    this.kubernetesProvider = new KubernetesProvider(this, "Kubernetes", {
      alias: props.alias,
      host: access.host,
      clusterCaCertificate: access.clusterCaCertificate,
      token: access.token,
      configPath: access.configPath,
      configContext: access.configContext,
      exec: exec ? [exec] : undefined,
    });
    this.helmProvider = new HelmProvider(this, "Helm", {
      alias: props.alias,
      kubernetes: {
        host: access.host,
        clusterCaCertificate: access.clusterCaCertificate,
        token: access.token,
        configPath: access.configPath,
        configContext: access.configContext,
        exec,
      },
    });
  }

  /**
   * Creates a namespace that enforces a Pod Security Standards level (restricted by default) and,
   * unless `isolation` says otherwise, a NetworkPolicy named `strata-deny-ingress-except-same-namespace`
   * that admits ingress only from pods of the same namespace and from `allowHealthChecksFrom`.
   * A namespace is created once per connection: adding one that this connection (or a construct
   * using it, such as `Kueue`) already created is an error naming the first creator.
   */
  public addNamespace(name: string, options: NamespaceOptions = {}): NamespaceV1 {
    validateNamespaceName(this, "namespace name", name);
    if (options === null || typeof options !== "object") invalid(this, "options", options, "must be a NamespaceOptions object");
    const existing = this.namespaceResource(name);
    if (existing) {
      invalid(
        this,
        "namespace name",
        name,
        `is already created through this connection by ${this.namespaceCreator(existing)}; use that namespace (connection.namespaceResource(${JSON.stringify(name)})) instead of adding it again, or choose another name`,
      );
    }
    validateEnum(this, "podSecurity", options.podSecurity, PodSecurityLevel, "PodSecurityLevel");
    validateEnum(this, "isolation", options.isolation, NamespaceIsolation, "NamespaceIsolation");
    const level = options.podSecurity ?? PodSecurityLevel.RESTRICTED;
    const isolation = options.isolation ?? NamespaceIsolation.DENY_INGRESS_FROM_OTHER_NAMESPACES;
    if (level === PodSecurityLevel.PRIVILEGED) {
      if (options.privilegedReason === undefined) {
        invalid(
          this,
          "podSecurity",
          level,
          `lifts every Pod Security restriction on namespace "${name}"; say why with privilegedReason (e.g. "NVIDIA driver and device plugin DaemonSets"), or use BASELINE for images that only need to run as root`,
        );
      }
      validateNonEmpty(this, "privilegedReason", options.privilegedReason);
    } else if (options.privilegedReason !== undefined) {
      invalid(this, "privilegedReason", options.privilegedReason, `only applies with podSecurity: PodSecurityLevel.PRIVILEGED (namespace "${name}" is ${level})`);
    }
    validateLabels(this, "labels", options.labels);
    for (const key of Object.keys(options.labels ?? {})) {
      if (RESERVED_NAMESPACE_LABELS.includes(key)) {
        invalid(this, "labels key", key, "is set by Strata (use podSecurity for the Pod Security level); remove it from labels");
      }
    }
    validateCidrList(this, "allowHealthChecksFrom", options.allowHealthChecksFrom, {
      allowAnywhere: false,
      anywhereHint: "must not be 0.0.0.0/0: give the load balancer's health-check ranges",
    });
    validateUniqueList(this, "allowHealthChecksFrom", options.allowHealthChecksFrom);
    const healthChecks = options.allowHealthChecksFrom ?? [];
    if (healthChecks.length > 0 && isolation !== NamespaceIsolation.DENY_INGRESS_FROM_OTHER_NAMESPACES) {
      invalid(this, "allowHealthChecksFrom", healthChecks, "only applies with the default-deny isolation (NamespaceIsolation.NONE admits everything already)");
    }
    const namespace = new NamespaceV1(this, `Namespace-${name}`, {
      provider: this.kubernetesProvider,
      metadata: {
        name,
        labels: {
          ...(options.labels ?? {}),
          ...MANAGED_BY_LABELS,
          "pod-security.kubernetes.io/enforce": level,
          "pod-security.kubernetes.io/audit": PodSecurityLevel.RESTRICTED,
          "pod-security.kubernetes.io/warn": PodSecurityLevel.RESTRICTED,
        },
        annotations: options.privilegedReason === undefined ? undefined : { "strata.io/privileged-reason": options.privilegedReason },
      },
    });
    if (isolation === NamespaceIsolation.DENY_INGRESS_FROM_OTHER_NAMESPACES) {
      const ingress: NetworkPolicyV1SpecIngress[] = [{ from: [{ podSelector: {} }] }];
      if (healthChecks.length > 0) ingress.push({ from: healthChecks.map((cidr) => ({ ipBlock: { cidr } })) });
      // The construct id is unchanged (it is the resource address); the object name says what the policy does.
      new NetworkPolicyV1(this, `Namespace-${name}-Isolation`, {
        provider: this.kubernetesProvider,
        metadata: { name: ClusterConnection.ISOLATION_POLICY_NAME, namespace: namespace.metadata.name, labels: { ...MANAGED_BY_LABELS } },
        spec: {
          podSelector: {},
          policyTypes: ["Ingress"],
          ingress,
        },
      });
    }
    return namespace;
  }

  /** The namespace `name` created with `addNamespace` on this connection, if any. */
  public namespaceResource(name: string): NamespaceV1 | undefined {
    const child = this.node.tryFindChild(`Namespace-${name}`);
    return child instanceof NamespaceV1 ? child : undefined;
  }

  /** True when `addNamespace(name)` was called on this connection (directly or by a construct using it). */
  public hasNamespace(name: string): boolean {
    return this.namespaceResource(name) !== undefined;
  }

  /** Names of the namespaces created through this connection, sorted. */
  public get namespaces(): string[] {
    return this.node.children
      .filter((c): c is NamespaceV1 => c instanceof NamespaceV1)
      .map((c) => c.node.id.slice("Namespace-".length))
      .sort();
  }

  /** The construct that owns `namespace` (one whose public `namespaceResource` is it), else the connection. */
  private namespaceCreator(namespace: NamespaceV1): string {
    const owner = this.node.root.node
      .findAll()
      .find((c) => c !== this && (c as unknown as { namespaceResource?: unknown }).namespaceResource === namespace);
    return owner ? `${owner.node.path} (${owner.constructor.name})` : `an earlier addNamespace call (${namespace.node.path})`;
  }

  /**
   * Creates the Kubernetes service account of a workload identity, annotated so that the
   * cloud binds it (IRSA role ARN, GKE service account email).
   */
  public addServiceAccount(identity: IWorkloadIdentity, options: ServiceAccountOptions = {}): ServiceAccountV1 {
    validateNamespaceName(this, "identity.namespace", identity.namespace);
    validateName(this, "identity.serviceAccountName", identity.serviceAccountName, NamingRule.DNS1123_SUBDOMAIN);
    validateBoolean(this, "automountToken", options.automountToken);
    const annotations = identity.serviceAccountAnnotations;
    validateAnnotations(this, "identity.serviceAccountAnnotations", annotations);
    const key = `${identity.namespace}/${identity.serviceAccountName}`;
    const first = this.serviceAccountOwners.get(key);
    if (first !== undefined) {
      invalid(
        this,
        "identity",
        identity.node.path,
        `service account ${key} is already created through this connection for ${first}; call addServiceAccount once per service account`,
      );
    }
    this.serviceAccountOwners.set(key, identity.node.path);
    const namespace = this.namespaceResource(identity.namespace);
    return new ServiceAccountV1(this, `ServiceAccount-${identity.namespace}-${identity.serviceAccountName}`, {
      provider: this.kubernetesProvider,
      dependsOn: namespace ? [namespace] : undefined,
      metadata: {
        name: identity.serviceAccountName,
        namespace: identity.namespace,
        labels: { ...MANAGED_BY_LABELS },
        annotations: Object.keys(annotations).length > 0 ? annotations : undefined,
      },
      automountServiceAccountToken: options.automountToken ?? false,
    });
  }
}
