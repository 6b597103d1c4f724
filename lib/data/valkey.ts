import { Construct } from "constructs";
import { ICache } from "../core/cache";
import { IWorkloadIdentity } from "../core/cluster";
import { ClusterConnection } from "../core/connection";
import { SecretKind, SecretReference } from "../core/database";
import { validateKubernetesSecret } from "../core/database-internal";
import { HelmChart, PinnedChart } from "../core/helm-chart";
import { NamingRule, validateName } from "../core/naming";
import { CaCertificateSecret } from "../core/object-store";
import { invalid, isUnresolved, validateBoolean, validateNamespaceName, warning } from "../core/validation";

/** Valkey server version the pinned chart (0.11.0) ships; pinned explicitly as the image tag. */
const VALKEY_IMAGE_TAG = "9.1.1";
/** Kubernetes quantity (binary or decimal suffix), e.g. `8Gi`. */
const QUANTITY = /^[1-9][0-9]*(Ki|Mi|Gi|Ti|Pi|k|M|G|T|P)?$/;

/** Props of `ValkeyOnlineStore`. */
export interface ValkeyOnlineStoreProps {
  /** The cluster connection (platform stack) to install the chart through. */
  readonly connection: ClusterConnection;
  /** Namespace to install into; create it first with `ClusterConnection.addNamespace`. */
  readonly namespace: string;
  /**
   * Helm release name; also the name of the Valkey Service (`fullnameOverride`).
   * @default "valkey"
   */
  readonly releaseName?: string;
  /**
   * Name of an existing Kubernetes Secret (in `namespace`) holding the password of Valkey's `default`
   * ACL user. Required: authentication is off in the chart's defaults and always on here. Create it
   * outside Terraform (External Secrets, sealed secrets, `kubectl create secret`) so the password
   * never reaches Terraform state.
   */
  readonly authSecretName: string;
  /**
   * Data key of the password in `authSecretName`.
   * @default "default" (the chart's convention: the key is the user name)
   */
  readonly authSecretKey?: string;
  /**
   * Name of a `kubernetes.io/tls` Secret (keys `server.crt`, `server.key`, `ca.crt`; e.g. from
   * cert-manager) for Valkey's TLS listener. Required unless `allowPlaintext: true`.
   * @default - none: `allowPlaintext` must be set
   */
  readonly tlsSecretName?: string;
  /**
   * Permit serving without TLS (no `tlsSecretName`). The password and features then cross the pod
   * network unencrypted: only with a CNI that encrypts pod traffic, or for development.
   * @default false
   */
  readonly allowPlaintext?: boolean;
  /**
   * Size of the persistent volume for Valkey's data (RDB/AOF).
   * @default "8Gi"
   */
  readonly storageSize?: string;
  /**
   * StorageClass of the data volume.
   * @default - the cluster's default StorageClass
   */
  readonly storageClassName?: string;
}

/**
 * An in-cluster Valkey server (the Valkey project's chart `valkey` 0.11.0, Valkey 9.1.1) as an
 * `ICache`: Feast's on-prem online store (Feast 0.66 uses it unchanged with `type: redis`).
 * Unlike the chart's defaults, authentication (ACL `default` user, password from an existing
 * Secret), persistence (a PVC) and the readiness probe are on, the image tag is pinned, and TLS is
 * on unless `allowPlaintext` says otherwise. One persistent primary: an online store can be rebuilt
 * by materialization, and the chart has no failover (no Sentinel, no cluster mode).
 *
 * @example
 * const online = new ValkeyOnlineStore(platform, "OnlineStore", {
 *   connection, namespace: "feast", authSecretName: "valkey-users", tlsSecretName: "valkey-tls",
 * });
 */
export class ValkeyOnlineStore extends Construct implements ICache {
  /** `<releaseName>.<namespace>.svc.cluster.local`. */
  public readonly host: string;
  /** 6379. */
  public readonly port: number;
  /** Whether clients connect with TLS. */
  public readonly tlsEnabled: boolean;
  /** The Kubernetes Secret (in `namespace`) holding the `default` user's password (always set). */
  public readonly authSecret?: SecretReference;
  /** Namespace of the server. */
  public readonly namespace: string;
  /**
   * The CA certificate clients verify the server with: key `ca.crt` of `tlsSecretName` (clients in
   * other namespaces get a copy of only that key). Undefined without TLS.
   */
  public readonly caCertificate?: CaCertificateSecret;
  /** The Helm release. */
  public readonly chart: HelmChart;

  constructor(scope: Construct, id: string, props: ValkeyOnlineStoreProps) {
    super(scope, id);
    validateNamespaceName(this, "namespace", props.namespace);
    const releaseName = props.releaseName ?? "valkey";
    validateName(this, "releaseName", releaseName, NamingRule.DNS1123_LABEL);
    if (props.authSecretName === undefined) {
      invalid(this, "authSecretName", undefined, "is required: Valkey's authentication is off by default and Strata turns it on with the password from an existing Secret");
    }
    validateKubernetesSecret(this, "authSecret", props.authSecretName, props.authSecretKey, undefined);
    validateBoolean(this, "allowPlaintext", props.allowPlaintext);
    if (props.tlsSecretName !== undefined) {
      validateName(this, "tlsSecretName", props.tlsSecretName, NamingRule.DNS1123_SUBDOMAIN);
      if (props.allowPlaintext === true) invalid(this, "allowPlaintext", true, "contradicts tlsSecretName: remove one of them");
    } else if (props.allowPlaintext !== true) {
      invalid(
        this,
        "tlsSecretName",
        undefined,
        "is required: give a TLS Secret (server.crt, server.key, ca.crt) for Valkey, or set allowPlaintext: true to serve without TLS",
      );
    }
    const storageSize = props.storageSize ?? "8Gi";
    if (!isUnresolved(storageSize) && (typeof storageSize !== "string" || !QUANTITY.test(storageSize))) {
      invalid(this, "storageSize", storageSize, 'must be a Kubernetes quantity such as "8Gi"');
    }
    if (props.storageClassName !== undefined) validateName(this, "storageClassName", props.storageClassName, NamingRule.DNS1123_SUBDOMAIN);

    const key = props.authSecretKey ?? "default";
    this.namespace = props.namespace;
    this.host = `${releaseName}.${props.namespace}.svc.cluster.local`;
    this.port = 6379;
    this.tlsEnabled = props.tlsSecretName !== undefined;
    this.authSecret = { kind: SecretKind.KUBERNETES_SECRET, name: props.authSecretName, key, namespace: props.namespace };
    this.chart = new HelmChart(this, "Chart", {
      connection: props.connection,
      chart: PinnedChart.VALKEY,
      releaseName,
      namespace: props.namespace,
      values: {
        fullnameOverride: releaseName,
        image: { tag: VALKEY_IMAGE_TAG },
        auth: {
          enabled: true,
          usersExistingSecret: props.authSecretName,
          // The default user is the one Feast's redis client authenticates as (password only).
          aclUsers: { default: { permissions: "~* &* +@all", passwordKey: key } },
        },
        dataStorage: {
          enabled: true,
          requestedSize: storageSize,
          ...(props.storageClassName === undefined ? {} : { className: props.storageClassName }),
          keepPvc: true,
        },
        readinessProbe: { enabled: true },
        ...(props.tlsSecretName === undefined ? {} : { tls: { enabled: true, existingSecret: props.tlsSecretName } }),
      },
    });
    if (props.tlsSecretName !== undefined) {
      this.caCertificate = { secretName: props.tlsSecretName, namespace: props.namespace, key: "ca.crt", readyAfter: this.chart.release };
    }
  }

  /** `rediss://<host>:6379` (`redis://` without TLS). */
  public connectionUri(): string {
    return `${this.tlsEnabled ? "rediss" : "redis"}://${this.host}:${this.port}`;
  }

  /**
   * Nothing for Terraform to grant: clients authenticate with the password in the Secret. A pod
   * reads a Secret only in its own namespace, so an identity in another namespace records a warning
   * that the Secret must be copied there (e.g. by External Secrets).
   */
  public grantConnect(identity: IWorkloadIdentity): void {
    if (identity.namespace !== this.namespace) {
      warning(
        this,
        `${this.node.path}: ${identity.namespace}/${identity.serviceAccountName} connects to Valkey in namespace "${this.namespace}": ` +
          `the password Secret "${this.authSecret?.name}" must also exist in namespace "${identity.namespace}"`,
      );
    }
  }
}
