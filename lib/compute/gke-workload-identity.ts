import { Construct } from "constructs";
import { Token } from "cdktf";
import { ServiceAccount } from "@cdktf/provider-google/lib/service-account";
import { ServiceAccountIamMember } from "@cdktf/provider-google/lib/service-account-iam-member";
import { IWorkloadIdentity, WorkloadIdentityKind } from "../core/cluster";
import { generatedName } from "../core/generated-names";
import { NamingRule, validateName } from "../core/naming";
import { invalid } from "../core/validation";
import type { GkeCluster } from "./gke-cluster";

/** Google service account IDs: 6-30 characters. */
const ACCOUNT_ID_MAX = 30;
const ACCOUNT_ID_MIN = 6;

/**
 * A Google service account ID (6-30 lowercase letters, digits and `-`, starting with a letter)
 * built from readable parts. Dots (allowed in Kubernetes service account names) become `-`; long
 * IDs are cut with a hash suffix (see `generatedName`); IDs shorter than 6 characters get `suffix`
 * appended. The first part must start with a letter (a GKE cluster name does).
 */
function gcpAccountId(parts: string[], suffix: string): string {
  const clean = parts.map((p) => (Token.isUnresolved(p) ? p : p.toLowerCase().replace(/[^a-z0-9-]/g, "-")));
  const id = generatedName(clean, ACCOUNT_ID_MAX);
  if (!Token.isUnresolved(id) && id.length < ACCOUNT_ID_MIN) {
    return generatedName([...clean, suffix], ACCOUNT_ID_MAX);
  }
  return id;
}

/** Props of `GkeWorkloadIdentity`. */
export interface GkeWorkloadIdentityProps {
  /** The cluster whose pods impersonate the Google service account. */
  readonly cluster: GkeCluster;
  /** Namespace of the Kubernetes service account. */
  readonly namespace: string;
  /** Name of the Kubernetes service account. */
  readonly serviceAccountName: string;
  /**
   * Not used on GKE (credentials Secrets are for on-prem clusters); setting it is an error.
   * @default - none
   */
  readonly credentialsSecretName?: string;
}

/**
 * A Google service account for one Kubernetes service account of a GKE cluster, impersonated
 * through Workload Identity: the Google service account (no keys, no roles: grant them through
 * an `IObjectStore` or your own IAM members) and a `roles/iam.workloadIdentityUser` binding for
 * exactly `serviceAccount:<project>.svc.id.goog[<namespace>/<name>]`. The Kubernetes service
 * account must carry the `iam.gke.io/gcp-service-account` annotation in `serviceAccountAnnotations`
 * (`ClusterConnection.addServiceAccount` sets it). Usually created with `GkeCluster.addWorkloadIdentity`.
 *
 * @example
 * const trainer = cluster.addWorkloadIdentity("Trainer", { namespace: "training", serviceAccountName: "trainer" });
 */
export class GkeWorkloadIdentity extends Construct implements IWorkloadIdentity {
  /** Always `WorkloadIdentityKind.GCP_SERVICE_ACCOUNT`. */
  public readonly kind = WorkloadIdentityKind.GCP_SERVICE_ACCOUNT;
  /** Namespace of the Kubernetes service account. */
  public readonly namespace: string;
  /** Name of the Kubernetes service account. */
  public readonly serviceAccountName: string;
  /** The Google service account. */
  public readonly serviceAccount: ServiceAccount;
  /** Email of the Google service account (same as `serviceAccount.email`). */
  public readonly gcpServiceAccountEmail?: string;
  /** `iam.gke.io/gcp-service-account: <email>`. */
  public readonly serviceAccountAnnotations: { [key: string]: string };

  constructor(scope: Construct, id: string, props: GkeWorkloadIdentityProps) {
    super(scope, id);
    validateName(this, "namespace", props.namespace, NamingRule.DNS1123_LABEL);
    validateName(this, "serviceAccountName", props.serviceAccountName, NamingRule.DNS1123_SUBDOMAIN);
    if (props.credentialsSecretName !== undefined) {
      invalid(
        this,
        "credentialsSecretName",
        props.credentialsSecretName,
        "is only for on-prem clusters; GKE workloads use a Google service account through Workload Identity",
      );
    }
    const cluster = props.cluster;
    this.namespace = props.namespace;
    this.serviceAccountName = props.serviceAccountName;

    this.serviceAccount = new ServiceAccount(this, "ServiceAccount", {
      accountId: gcpAccountId([cluster.clusterName, props.namespace, props.serviceAccountName], "wi"),
      project: cluster.project,
      displayName: `${props.namespace}/${props.serviceAccountName} on ${cluster.clusterName}`.slice(0, 100),
      description: `Workload identity of ${props.namespace}/${props.serviceAccountName} in GKE cluster ${cluster.clusterName}`,
    });
    // The workload pool exists once the cluster does: bind only after it is created.
    new ServiceAccountIamMember(this, "WorkloadIdentityUser", {
      serviceAccountId: this.serviceAccount.name,
      role: "roles/iam.workloadIdentityUser",
      member: `serviceAccount:${cluster.workloadPool}[${props.namespace}/${props.serviceAccountName}]`,
      dependsOn: [cluster.resource],
    });
    this.gcpServiceAccountEmail = this.serviceAccount.email;
    this.serviceAccountAnnotations = { "iam.gke.io/gcp-service-account": this.serviceAccount.email };
  }
}
