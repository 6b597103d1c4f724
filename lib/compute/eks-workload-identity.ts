import { Construct } from "constructs";
import { Fn } from "cdktf";
import { EksPodIdentityAssociation } from "@cdktf/provider-aws/lib/eks-pod-identity-association";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IWorkloadIdentity, WorkloadIdentityKind } from "../core/cluster";
import { generatedName, iamPolicy } from "../core/generated-names";
import { NamingRule, validateName } from "../core/naming";
import { invalid, validateBoolean } from "../core/validation";
import type { EksCluster } from "./eks-cluster";

/** Props of `EksWorkloadIdentity`. */
export interface EksWorkloadIdentityProps {
  /** The cluster whose pods assume the role. */
  readonly cluster: EksCluster;
  /** Namespace of the Kubernetes service account. */
  readonly namespace: string;
  /** Name of the Kubernetes service account. */
  readonly serviceAccountName: string;
  /**
   * Not used on EKS (credentials Secrets are for on-prem clusters); setting it is an error.
   * @default - none
   */
  readonly credentialsSecretName?: string;
  /**
   * The service account belongs to an EKS add-on that creates the pod identity association
   * itself (through the add-on's `pod_identity_association`); no separate association is made.
   * @default false
   */
  readonly managedByAddon?: boolean;
}

/**
 * An IAM role for one Kubernetes service account of an EKS cluster: trusted by EKS Pod Identity
 * (with a pod identity association, and conditions on the session tags EKS Pod Identity sets:
 * `eks-cluster-arn`, `kubernetes-namespace` and `kubernetes-service-account`, so only this service
 * account of this cluster assumes it) or by the cluster's OIDC provider for exactly
 * `system:serviceaccount:<namespace>:<name>` (IRSA).
 * Usually created with `EksCluster.addWorkloadIdentity`.
 *
 * @example
 * const trainer = cluster.addWorkloadIdentity("Trainer", { namespace: "training", serviceAccountName: "trainer" });
 */
export class EksWorkloadIdentity extends Construct implements IWorkloadIdentity {
  /** Always `WorkloadIdentityKind.AWS_IAM_ROLE`. */
  public readonly kind = WorkloadIdentityKind.AWS_IAM_ROLE;
  /** Namespace of the Kubernetes service account. */
  public readonly namespace: string;
  /** Name of the Kubernetes service account. */
  public readonly serviceAccountName: string;
  /** The IAM role. */
  public readonly role: IamRole;
  /** ARN of the IAM role (same as `role.arn`). */
  public readonly awsRoleArn?: string;
  /** Name of the IAM role (same as `role.name`). */
  public readonly awsRoleName?: string;
  /** `eks.amazonaws.com/role-arn` in IRSA mode; none with Pod Identity. */
  public readonly serviceAccountAnnotations: { [key: string]: string };

  constructor(scope: Construct, id: string, props: EksWorkloadIdentityProps) {
    super(scope, id);
    validateName(this, "namespace", props.namespace, NamingRule.DNS1123_LABEL);
    validateName(this, "serviceAccountName", props.serviceAccountName, NamingRule.DNS1123_SUBDOMAIN);
    validateBoolean(this, "managedByAddon", props.managedByAddon);
    if (props.credentialsSecretName !== undefined) {
      invalid(this, "credentialsSecretName", props.credentialsSecretName, "is only for on-prem clusters; EKS workloads use an IAM role");
    }
    const cluster = props.cluster;
    this.namespace = props.namespace;
    this.serviceAccountName = props.serviceAccountName;

    const irsa = cluster.oidcProvider;
    let trust: object;
    if (irsa) {
      const issuer = Fn.replace(cluster.resource.identity.get(0).oidc.get(0).issuer, "https://", "");
      trust = {
        Effect: "Allow",
        Principal: { Federated: irsa.arn },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: {
            [`${issuer}:sub`]: `system:serviceaccount:${props.namespace}:${props.serviceAccountName}`,
            [`${issuer}:aud`]: "sts.amazonaws.com",
          },
        },
      };
    } else {
      // The trust policy the Amazon EKS User Guide documents for EKS Pod Identity ("Create IAM role with trust
      // policy required by EKS Pod Identity", docs.aws.amazon.com/eks/latest/userguide/pod-id-role.html):
      // `pods.eks.amazonaws.com` with `sts:AssumeRole` and `sts:TagSession`, narrowed with the session tags EKS
      // Pod Identity adds to every AssumeRole request ("List of session tags added by EKS Pod Identity",
      // .../userguide/pod-id-abac.html: eks-cluster-arn, eks-cluster-name, kubernetes-namespace,
      // kubernetes-service-account, kubernetes-pod-name, kubernetes-pod-uid). Only EKS sets these tags (the
      // principal is the EKS service), so they pin the role to this cluster (its ARN names the account and the
      // region: the confused-deputy protection) and to this one service account, where a bare service
      // principal would let any pod identity association in the account assume the role. No `aws:SourceArn`:
      // the guide does not say what EKS puts there (a user report has it as the association's ARN, not the
      // cluster's: awslabs/mountpoint-s3-csi-driver#781), so a cluster-ARN condition on it may never match.
      // The tags require session tags on the association (`disableSessionTags` false, set below).
      trust = {
        Effect: "Allow",
        Principal: { Service: "pods.eks.amazonaws.com" },
        Action: ["sts:AssumeRole", "sts:TagSession"],
        Condition: {
          StringEquals: {
            "aws:RequestTag/eks-cluster-arn": cluster.resource.arn,
            "aws:RequestTag/kubernetes-namespace": props.namespace,
            "aws:RequestTag/kubernetes-service-account": props.serviceAccountName,
          },
        },
      };
    }
    this.role = new IamRole(this, "Role", {
      name: generatedName([cluster.clusterName, props.namespace, props.serviceAccountName], 64),
      description: `Workload identity of ${props.namespace}/${props.serviceAccountName} in EKS cluster ${cluster.clusterName}`,
      assumeRolePolicy: iamPolicy([trust]),
    });
    this.awsRoleArn = this.role.arn;
    this.awsRoleName = this.role.name;
    this.serviceAccountAnnotations = irsa ? { "eks.amazonaws.com/role-arn": this.role.arn } : {};

    if (!irsa && !props.managedByAddon) {
      new EksPodIdentityAssociation(this, "Association", {
        clusterName: cluster.resource.name,
        namespace: props.namespace,
        serviceAccount: props.serviceAccountName,
        roleArn: this.role.arn,
        // The trust policy matches the session tags; keep them on even if someone turns them off by hand.
        disableSessionTags: false,
      });
    }
  }
}
