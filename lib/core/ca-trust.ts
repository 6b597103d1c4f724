import { Construct, IConstruct } from "constructs";
import { TerraformResource, TerraformStack } from "cdktf";
import { ConfigMapV1 } from "@cdktf/provider-kubernetes/lib/config-map-v1";
import { CronJobV1 } from "@cdktf/provider-kubernetes/lib/cron-job-v1";
import { JobV1 } from "@cdktf/provider-kubernetes/lib/job-v1";
import { RoleBindingV1 } from "@cdktf/provider-kubernetes/lib/role-binding-v1";
import { RoleV1 } from "@cdktf/provider-kubernetes/lib/role-v1";
import { SecretV1 } from "@cdktf/provider-kubernetes/lib/secret-v1";
import { ServiceAccountV1 } from "@cdktf/provider-kubernetes/lib/service-account-v1";
import { ClusterConnection } from "./connection";
import { generatedName, hash8 } from "./generated-names";
import { MANAGED_BY_LABELS } from "./labels";
import { CaCertificateSecret, validateCaCertificateSecret } from "./object-store";
import { validateNamespaceName } from "./validation";

/**
 * kubectl image of the copy Job: the Kubernetes project's own build (distroless, no shell), at the
 * tag the Argo Workflows chart 1.0.18 pins for its CRD Job (the conformance data); kubectl's
 * client-server skew policy covers one minor version either side of the API server.
 */
const KUBECTL_IMAGE = "registry.k8s.io/kubectl:v1.36.2";
/** UID of the distroless `nonroot` user. */
const NONROOT_UID = "65532";
/** Where the Job sees its kustomization and the CA certificate (one projected directory). */
const WORK_DIR = "/work";
/** The data key of the copied certificate. */
const KEY = "ca.crt";

/** Props of `CaCertificateCopy`. */
export interface CaCertificateCopyProps {
  /** The cluster connection (of the consumer's stack). */
  readonly connection: ClusterConnection;
  /** The Secret with the CA certificate (and possibly the CA's private key). */
  readonly source: CaCertificateSecret;
  /** Namespace the copy (a Secret with only `ca.crt`) is written to. */
  readonly targetNamespace: string;
}

/**
 * Copies only the public CA certificate of a private CA (`ca.crt`) from its Secret (which may
 * also hold the CA's private key) into a Secret of another namespace, from inside the cluster, so
 * that pods there can verify a TLS server signed by that CA. Terraform never reads the source
 * Secret: no key material reaches Terraform state.
 *
 * - Terraform creates the target Secret empty (`strata-ca-<source namespace>-<source name>`,
 *   data ignored afterwards): RBAC cannot scope `create` by name, so the copier only needs `get`
 *   and `patch` on that one Secret (a Role in the target namespace, `resourceNames`).
 * - The copier runs in the source namespace (where the CA Secret already lives) as its own
 *   service account. Its pod mounts only the `ca.crt` item of the source Secret (the kubelet
 *   mounts it; the service account has no read access to any Secret), next to a kustomization
 *   from a ConfigMap, and runs `kubectl apply --server-side -k` with a pinned, distroless kubectl
 *   image (`registry.k8s.io/kubectl:v1.36.2`), non-root under the restricted profile.
 * - First apply: a Job does the first copy and Terraform waits for it to complete, after the
 *   source's `readyAfter` resource (the store's Helm release), so consumer pods start with the
 *   certificate present (consumers depend on `ready`).
 * - CA rotation: a CronJob repeats the copy every hour; mounted Secret volumes follow within the
 *   kubelet's sync period, and clients that read the CA at start-up pick it up when restarted
 *   (cert-manager renews SeaweedFS's 10-year CA 30 days before it expires).
 *
 * Use `CaCertificateCopy.into` to share one copy per namespace and source.
 *
 * @example
 * const copy = CaCertificateCopy.into(workloads, connection, store.caCertificate!, "spark-jobs");
 */
export class CaCertificateCopy extends Construct {
  /** The kubectl image the copy runs. */
  public static readonly IMAGE = KUBECTL_IMAGE;

  /**
   * The copy of `source` into `targetNamespace` on `connection`'s cluster: the existing one when
   * some construct of the app already made it (its stack then applies before `scope`'s), else a new
   * one under `scope`.
   */
  public static into(scope: Construct, connection: ClusterConnection, source: CaCertificateSecret, targetNamespace: string): CaCertificateCopy {
    const key = copyKey(source, targetNamespace);
    const existing = scope.node.root.node
      .findAll()
      .find((c): c is CaCertificateCopy => c instanceof CaCertificateCopy && c.key === key && c.connection.cluster === connection.cluster);
    if (existing) {
      const own = TerraformStack.of(scope);
      const theirs = TerraformStack.of(existing);
      if (own !== theirs) own.addDependency(theirs);
      return existing;
    }
    return new CaCertificateCopy(scope, `CaCopy-${hash8(key)}`, { connection, source, targetNamespace });
  }

  /** Name of the target Secret. */
  public readonly secretName: string;
  /** Namespace of the target Secret. */
  public readonly namespace: string;
  /** Data key of the certificate in the target Secret (`ca.crt`). */
  public readonly secretKey: string = KEY;
  /** The target Secret (created empty; the copier fills it). */
  public readonly secret: SecretV1;
  /** The first copy: consumers depend on it so that their pods start with the certificate. */
  public readonly ready: JobV1;
  /** The hourly copy that follows CA rotation. */
  public readonly cronJob: CronJobV1;
  /** The connection the copy is applied through. */
  public readonly connection: ClusterConnection;
  private readonly key: string;

  constructor(scope: Construct, id: string, props: CaCertificateCopyProps) {
    super(scope, id);
    validateCaCertificateSecret(this, "source", props.source);
    validateNamespaceName(this, "targetNamespace", props.targetNamespace);
    const source = props.source;
    const sourceKey = source.key ?? KEY;
    const target = props.targetNamespace;
    this.key = copyKey(source, target);
    this.connection = props.connection;
    this.namespace = target;
    this.secretName = generatedName(["strata-ca", source.namespace, source.secretName], 63);
    // At most 44 characters: a CronJob name (with "-refresh") may have 52.
    const copier = generatedName(["strata-ca-copy", target, source.secretName], 44);
    const provider = props.connection.kubernetesProvider;
    const labels = { ...MANAGED_BY_LABELS, "app.kubernetes.io/component": "ca-copy" };

    // Order: after the source Secret exists (same stack: depends_on; another stack: applied first).
    const ready = source.readyAfter;
    const after: TerraformResource[] = [];
    if (ready !== undefined) {
      if (TerraformStack.of(ready) === TerraformStack.of(this)) after.push(ready);
      else TerraformStack.of(this).addDependency(TerraformStack.of(ready));
    }
    const targetNs = props.connection.namespaceResource(target);
    const sourceNs = props.connection.namespaceResource(source.namespace);

    this.secret = new SecretV1(this, "Secret", {
      provider,
      metadata: { name: this.secretName, namespace: target, labels },
      type: "Opaque",
      // Filled by the copier; Terraform keeps only the (public) certificate the copier writes.
      lifecycle: { ignoreChanges: ["data", "metadata[0].annotations"] },
      dependsOn: targetNs ? [targetNs] : undefined,
    });
    const serviceAccount = new ServiceAccountV1(this, "ServiceAccount", {
      provider,
      metadata: { name: copier, namespace: source.namespace, labels },
      automountServiceAccountToken: false,
      dependsOn: [...after, ...(sourceNs ? [sourceNs] : [])],
    });
    const role = new RoleV1(this, "Role", {
      provider,
      metadata: { name: copier, namespace: target, labels },
      rule: [{ apiGroups: [""], resources: ["secrets"], resourceNames: [this.secretName], verbs: ["get", "patch"] }],
      dependsOn: targetNs ? [targetNs] : undefined,
    });
    const binding = new RoleBindingV1(this, "RoleBinding", {
      provider,
      metadata: { name: copier, namespace: target, labels },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
      subject: [{ kind: "ServiceAccount", name: serviceAccount.metadata.name, namespace: source.namespace }],
    });
    const kustomization = new ConfigMapV1(this, "Kustomization", {
      provider,
      metadata: { name: copier, namespace: source.namespace, labels },
      data: {
        "kustomization.yaml": [
          "apiVersion: kustomize.config.k8s.io/v1beta1",
          "kind: Kustomization",
          `namespace: ${target}`,
          "generatorOptions:",
          "  disableNameSuffixHash: true",
          "secretGenerator:",
          `  - name: ${this.secretName}`,
          "    type: Opaque",
          "    files:",
          `      - ${KEY}`,
          "",
        ].join("\n"),
      },
      dependsOn: [...after, ...(sourceNs ? [sourceNs] : [])],
    });

    const podSpec = {
      serviceAccountName: serviceAccount.metadata.name,
      // The token is mounted for kubectl; the account may only get and patch the target Secret.
      automountServiceAccountToken: true,
      restartPolicy: "OnFailure",
      securityContext: { runAsNonRoot: true, runAsUser: NONROOT_UID, runAsGroup: NONROOT_UID, seccompProfile: { type: "RuntimeDefault" } },
      container: [
        {
          name: "copy",
          image: KUBECTL_IMAGE,
          command: ["kubectl", "apply", "--server-side", "--force-conflicts", "--field-manager=strata-ca-copy", "-k", WORK_DIR],
          env: [{ name: "HOME", value: "/tmp" }],
          resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "128Mi" } },
          securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
          volumeMount: [
            { name: "work", mountPath: WORK_DIR, readOnly: true },
            { name: "tmp", mountPath: "/tmp" },
          ],
        },
      ],
      volume: [
        {
          name: "work",
          projected: {
            sources: [
              { configMap: [{ name: kustomization.metadata.name, items: [{ key: "kustomization.yaml", path: "kustomization.yaml" }] }] },
              // Only the certificate item: the CA's private key never enters the pod.
              { secret: [{ name: source.secretName, items: [{ key: sourceKey, path: KEY }] }] },
            ],
          },
        },
        { name: "tmp", emptyDir: { sizeLimit: "16Mi" } },
      ],
    };
    const jobLabels = { ...labels, "strata.io/ca-copy": hash8(this.key) };
    const dependsOn = [this.secret, binding, kustomization, serviceAccount, ...after];
    this.ready = new JobV1(this, "FirstCopy", {
      provider,
      metadata: { name: `${copier}-first`, namespace: source.namespace, labels: jobLabels },
      spec: { backoffLimit: 6, activeDeadlineSeconds: 900, template: { metadata: { labels: jobLabels }, spec: podSpec as any } },
      waitForCompletion: true,
      timeouts: { create: "15m", update: "15m" },
      dependsOn,
    });
    this.cronJob = new CronJobV1(this, "Refresh", {
      provider,
      metadata: { name: `${copier}-refresh`, namespace: source.namespace, labels: jobLabels },
      spec: {
        schedule: `${parseInt(hash8(this.key), 16) % 60} * * * *`,
        concurrencyPolicy: "Forbid",
        successfulJobsHistoryLimit: 1,
        failedJobsHistoryLimit: 3,
        startingDeadlineSeconds: 600,
        jobTemplate: {
          metadata: { labels: jobLabels },
          spec: { backoffLimit: 3, activeDeadlineSeconds: 600, template: { metadata: { labels: jobLabels }, spec: podSpec as any } },
        },
      },
      dependsOn,
    });
  }
}

/** The identity of a copy: source Secret and key, target namespace. */
function copyKey(source: CaCertificateSecret, targetNamespace: string): string {
  return `${source.namespace}/${source.secretName}/${source.key ?? KEY}->${targetNamespace}`;
}

/** Internal: what a pod mounts to trust a CA: a Secret of its own namespace and the certificate's key. */
export interface TrustedCaMount {
  /** Secret name (in the pod's namespace). */
  readonly secretName: string;
  /** Data key of the PEM certificate. */
  readonly key: string;
  /**
   * Resource to depend on before pods start (in the consumer's stack).
   * @default - nothing to wait for in this stack
   */
  readonly ready?: TerraformResource;
}

/**
 * Internal: the Secret a pod in `namespace` mounts to trust `source`: the source itself when it is
 * in that namespace (mount only its certificate item), else a `CaCertificateCopy`.
 */
export function trustedCaMount(scope: IConstruct, connection: ClusterConnection, source: CaCertificateSecret, namespace: string): TrustedCaMount {
  if (source.namespace === namespace) {
    const ready = source.readyAfter;
    if (ready !== undefined && TerraformStack.of(ready) !== TerraformStack.of(scope)) TerraformStack.of(scope).addDependency(TerraformStack.of(ready));
    return {
      secretName: source.secretName,
      key: source.key ?? KEY,
      ready: ready !== undefined && TerraformStack.of(ready) === TerraformStack.of(scope) ? ready : undefined,
    };
  }
  const copy = CaCertificateCopy.into(scope as Construct, connection, source, namespace);
  return { secretName: copy.secretName, key: copy.secretKey, ready: TerraformStack.of(copy) === TerraformStack.of(scope) ? copy.ready : undefined };
}
