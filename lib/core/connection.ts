import { Construct } from "constructs";
import { TerraformStack } from "cdktf";
import { HelmProvider } from "@cdktf/provider-helm/lib/provider";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { NamespaceV1 } from "@cdktf/provider-kubernetes/lib/namespace-v1";
import { NetworkPolicyV1 } from "@cdktf/provider-kubernetes/lib/network-policy-v1";
import { ServiceAccountV1 } from "@cdktf/provider-kubernetes/lib/service-account-v1";
import { ClusterAuthentication, ClusterTarget, ConnectOptions, IKubernetesCluster, IWorkloadIdentity } from "./cluster";
import { NamingRule, validateName } from "./naming";
import { MANAGED_BY_LABELS } from "./labels";
import { invalid, isUnresolved, validateOneOf } from "./validation";

/** The exec credential API version understood by the kubernetes and helm providers. */
const EXEC_API_VERSION = "client.authentication.k8s.io/v1beta1";


/** Pod Security Standards level enforced on a namespace. */
export enum PodSecurityLevel {
  /** Restricted: non-root, no privilege escalation, seccomp, dropped capabilities. The default. */
  RESTRICTED = "restricted",
  /** Baseline: blocks known privilege escalations only. */
  BASELINE = "baseline",
  /** Privileged: no restrictions (device plugins, GPU drivers, CNI agents). Opt in explicitly. */
  PRIVILEGED = "privileged",
}

/** Which NetworkPolicy a namespace starts with. */
export enum NamespaceIsolation {
  /**
   * Default-deny ingress: pods accept traffic only from pods of the same namespace. Other
   * layers add explicit allows (an ingress gateway, Prometheus scrapes). Egress is not restricted.
   */
  DENY_INGRESS_FROM_OTHER_NAMESPACES = "deny-ingress-from-other-namespaces",
  /**
   * No NetworkPolicy. For operator namespaces whose webhooks the API server must reach, which
   * arrives from addresses a namespace selector cannot match.
   */
  NONE = "none",
}

/** Props of `ClusterConnection`. */
export interface ClusterConnectionProps extends ConnectOptions {
  /** The cluster to connect to (usually created in the infra stack). */
  readonly cluster: IKubernetesCluster;
}

/** Options for `ClusterConnection.addNamespace`. */
export interface NamespaceOptions {
  /**
   * Pod Security Standards level enforced on the namespace.
   * @default PodSecurityLevel.RESTRICTED
   */
  readonly podSecurity?: PodSecurityLevel;
  /**
   * Extra labels.
   * @default - only the managed-by and pod-security labels
   */
  readonly labels?: { [key: string]: string };
  /**
   * The NetworkPolicy the namespace starts with.
   * @default NamespaceIsolation.DENY_INGRESS_FROM_OTHER_NAMESPACES
   */
  readonly isolation?: NamespaceIsolation;
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
  /** The cluster this connection reaches. */
  public readonly cluster: IKubernetesCluster;
  /** The kubernetes provider for the cluster in this stack. */
  public readonly kubernetesProvider: KubernetesProvider;
  /** The helm provider for the cluster in this stack. */
  public readonly helmProvider: HelmProvider;
  /** The provider alias, or undefined for the stack's default providers. */
  public readonly alias?: string;

  constructor(scope: Construct, id: string, props: ClusterConnectionProps) {
    super(scope, id);
    this.cluster = props.cluster;
    this.alias = props.alias;
    const authentication = props.authentication ?? ClusterAuthentication.EXEC_PLUGIN;

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
   * unless `isolation` says otherwise, a NetworkPolicy that denies ingress from other namespaces.
   */
  public addNamespace(name: string, options: NamespaceOptions = {}): NamespaceV1 {
    validateName(this, "namespace name", name, NamingRule.DNS1123_LABEL);
    if (this.namespaceResource(name)) {
      invalid(this, "namespace name", name, "is already created on this connection (by addNamespace, or by a construct that installs into its own namespace, such as Kueue); create each namespace once");
    }
    const level = options.podSecurity ?? PodSecurityLevel.RESTRICTED;
    const isolation = options.isolation ?? NamespaceIsolation.DENY_INGRESS_FROM_OTHER_NAMESPACES;
    validateOneOf(this, "isolation", isolation, Object.values(NamespaceIsolation));
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
      },
    });
    if (isolation === NamespaceIsolation.DENY_INGRESS_FROM_OTHER_NAMESPACES) {
      new NetworkPolicyV1(this, `Namespace-${name}-Isolation`, {
        provider: this.kubernetesProvider,
        metadata: { name: "strata-default-deny-ingress", namespace: namespace.metadata.name, labels: { ...MANAGED_BY_LABELS } },
        spec: {
          podSelector: {},
          policyTypes: ["Ingress"],
          ingress: [{ from: [{ podSelector: {} }] }],
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

  /**
   * Creates the Kubernetes service account of a workload identity, annotated so that the
   * cloud binds it (IRSA role ARN, GKE service account email).
   */
  public addServiceAccount(identity: IWorkloadIdentity, options: ServiceAccountOptions = {}): ServiceAccountV1 {
    const annotations = identity.serviceAccountAnnotations;
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
