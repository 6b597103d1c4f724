import { Construct } from "constructs";
import { IWorkloadIdentity, WorkloadIdentityKind } from "../../lib/core/cluster";

/**
 * A minimal `IWorkloadIdentity` of any kind for contract tests (object stores, databases), so they
 * do not depend on a cluster construct. AWS: role `<sa>`; GCP: `<sa>@<project>.iam.gserviceaccount.com`;
 * on-prem: Secret `<sa>-credentials`.
 */
export class FakeIdentity extends Construct implements IWorkloadIdentity {
  public readonly serviceAccountAnnotations: { [key: string]: string } = {};
  public readonly awsRoleArn?: string;
  public readonly awsRoleName?: string;
  public readonly gcpServiceAccountEmail?: string;
  public readonly credentialsSecretName?: string;

  constructor(
    scope: Construct,
    id: string,
    public readonly kind: WorkloadIdentityKind,
    public readonly namespace = "training",
    public readonly serviceAccountName = "trainer",
    gcpProject = "proj",
  ) {
    super(scope, id);
    if (kind === WorkloadIdentityKind.AWS_IAM_ROLE) {
      this.awsRoleArn = `arn:aws:iam::123456789012:role/${serviceAccountName}`;
      this.awsRoleName = serviceAccountName;
    } else if (kind === WorkloadIdentityKind.GCP_SERVICE_ACCOUNT) {
      this.gcpServiceAccountEmail = `${serviceAccountName}@${gcpProject}.iam.gserviceaccount.com`;
    } else {
      this.credentialsSecretName = `${serviceAccountName}-credentials`;
    }
  }
}
