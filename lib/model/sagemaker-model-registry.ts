import { Construct } from "constructs";
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { DataAwsRegion } from "@cdktf/provider-aws/lib/data-aws-region";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { SagemakerModelPackageGroup } from "@cdktf/provider-aws/lib/sagemaker-model-package-group";
import { SagemakerModelPackageGroupPolicy } from "@cdktf/provider-aws/lib/sagemaker-model-package-group-policy";
import { IWorkloadIdentity, WorkloadIdentityKind } from "../core/cluster";
import { iamPolicy } from "../core/generated-names";
import { attachRolePolicy, requireIdentity } from "../core/grants";
import { IObjectStore, ObjectStoreKind } from "../core/object-store";
import { invalid, isUnresolved, validateKmsKeyArn, validateStringList, validateUniqueList } from "../core/validation";
import { storeBasePath } from "./registry-internal";

/** SageMaker model package group names: 1-63 letters, digits and single or repeated hyphens, starting and ending with a letter or digit. */
const GROUP_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;
const ACCOUNT = /^[0-9]{12}$/;
const PREFIX = /^(?!\/)(?!.*\/\/)(?!.*\.\.)[A-Za-z0-9_.=\/-]*\/$/;

/** Props of `SageMakerModelRegistry`. */
export interface SageMakerModelRegistryProps {
  /** Model package groups to create, one per model (e.g. `["churn", "fraud"]`). */
  readonly modelPackageGroupNames: string[];
  /** The S3 store model artifacts live in (typically `lake.zone(LakeZone.MODELS)`). */
  readonly artifactStore: IObjectStore;
  /**
   * Key prefix (relative to the store's root) the execution role reads and writes.
   * @default "sagemaker/"
   */
  readonly artifactPrefix?: string;
  /**
   * Key ARN of the customer-managed KMS key that encrypts the artifacts (and that training jobs use
   * for volumes and output); the execution role may use it only through S3 and SageMaker.
   * @default - no KMS permissions (the bucket uses S3-managed keys)
   */
  readonly kmsKeyArn?: string;
  /**
   * AWS accounts that may read the groups and their packages (a resource policy on each group), for
   * deploying from another account.
   * @default - no resource policy: only this account
   */
  readonly crossAccountIds?: string[];
}

/**
 * The managed alternative to MLflow on AWS: SageMaker Model Registry model package groups, a
 * SageMaker execution role (trusted by `sagemaker.amazonaws.com` for this account only) with
 * least-privilege access to the artifact prefix, the KMS key, its logs and ECR images, and grants
 * for workload identities to register and describe packages or to start training jobs.
 *
 * Not an `IModelRegistry`: SageMaker has no MLflow tracking URI and no aliases. Model package
 * versions carry an approval status instead; the promotion contract maps `ModelAlias.PRODUCTION`
 * to the latest `Approved` package of a group and `ModelAlias.STAGING` to the latest
 * `PendingManualApproval` one (see docs/model.md).
 *
 * @example
 * const registry = new SageMakerModelRegistry(infra, "Registry", {
 *   modelPackageGroupNames: ["churn"], artifactStore: lake.zone(LakeZone.MODELS), kmsKeyArn: lakeKeyArn,
 * });
 * registry.grantRegister(trainerIdentity);
 */
export class SageMakerModelRegistry extends Construct {
  /** The model package groups, by name. */
  public readonly groups: { [name: string]: SagemakerModelPackageGroup };
  /** The SageMaker execution role (training jobs, model creation). */
  public readonly executionRole: IamRole;
  /** ARN of the execution role. */
  public readonly executionRoleArn: string;
  /** URI of the artifact prefix, `<store uri>/<artifactPrefix>`. */
  public readonly artifactUri: string;

  private readonly partition: string;
  private readonly region: string;
  private readonly account: string;
  private readonly groupNames: string[];

  constructor(scope: Construct, id: string, props: SageMakerModelRegistryProps) {
    super(scope, id);
    if (props === undefined || props === null || typeof props !== "object") invalid(this, "props", props, "must be a SageMakerModelRegistryProps object");
    const names = props.modelPackageGroupNames;
    validateStringList(this, "modelPackageGroupNames", names, '["churn", "fraud"]');
    if (names === undefined || names.length === 0) invalid(this, "modelPackageGroupNames", names, "must list at least one model package group");
    for (const name of names) {
      if (!isUnresolved(name) && !GROUP_NAME.test(name)) {
        invalid(this, "modelPackageGroupNames", name, "must be a model package group name: 1 to 63 letters, digits and hyphens, starting and ending with a letter or digit");
      }
    }
    validateUniqueList(this, "modelPackageGroupNames", names, "group");
    const store = props.artifactStore;
    if (store === undefined || store === null || typeof store !== "object" || typeof store.grantReadWrite !== "function") {
      invalid(this, "artifactStore", store, "must be an IObjectStore (an S3 data-lake zone or bucket reference)");
    }
    if (store.kind !== ObjectStoreKind.S3) invalid(this, "artifactStore", store.kind, "must be an Amazon S3 store: SageMaker reads and writes artifacts in S3");
    const prefix = props.artifactPrefix ?? "sagemaker/";
    if (!isUnresolved(prefix) && (typeof prefix !== "string" || !PREFIX.test(prefix) || prefix === "/")) {
      invalid(this, "artifactPrefix", prefix, "must be a key prefix such as \"sagemaker/\": ends with '/', no leading '/', no '//', '..' or wildcards");
    }
    validateKmsKeyArn(this, "kmsKeyArn", props.kmsKeyArn);
    const accounts = props.crossAccountIds ?? [];
    validateStringList(this, "crossAccountIds", accounts, '["210987654321"]');
    for (const a of accounts) if (!isUnresolved(a) && !ACCOUNT.test(a)) invalid(this, "crossAccountIds", a, "must be a 12-digit AWS account id");
    validateUniqueList(this, "crossAccountIds", accounts, "account");

    this.partition = new DataAwsPartition(this, "Partition").partition;
    this.region = new DataAwsRegion(this, "Region").name;
    this.account = new DataAwsCallerIdentity(this, "Account").accountId;
    this.groupNames = [...names];
    const keyPath = `${storeBasePath(store)}${prefix}`;
    this.artifactUri = `${store.uri}/${prefix}`;

    this.groups = {};
    for (const name of names) {
      const group = new SagemakerModelPackageGroup(this, `Group-${name}`, {
        modelPackageGroupName: name,
        modelPackageGroupDescription: `Model package group ${name} (Strata)`,
      });
      this.groups[name] = group;
      if (accounts.length > 0) {
        new SagemakerModelPackageGroupPolicy(this, `GroupPolicy-${name}`, {
          modelPackageGroupName: group.modelPackageGroupName,
          resourcePolicy: iamPolicy([
            {
              Sid: "CrossAccountRead",
              Effect: "Allow",
              Principal: { AWS: accounts.map((a) => `arn:${this.partition}:iam::${a}:root`) },
              Action: ["sagemaker:DescribeModelPackageGroup", "sagemaker:DescribeModelPackage", "sagemaker:ListModelPackages"],
              Resource: [group.arn, this.packageArn(name)],
            },
          ]),
        });
      }
    }

    this.executionRole = new IamRole(this, "ExecutionRole", {
      namePrefix: "strata-sm-exec-",
      description: "SageMaker execution role for training jobs and models of the Strata model registry",
      assumeRolePolicy: iamPolicy([
        {
          Effect: "Allow",
          Principal: { Service: "sagemaker.amazonaws.com" },
          Action: "sts:AssumeRole",
          // Confused-deputy protection: only SageMaker acting for this account.
          Condition: { StringEquals: { "aws:SourceAccount": this.account } },
        },
      ]),
    });
    this.executionRoleArn = this.executionRole.arn;
    const bucketArn = `arn:${this.partition}:s3:::${store.bucketName}`;
    const statements: object[] = [
      { Sid: "ListPrefix", Effect: "Allow", Action: ["s3:ListBucket", "s3:GetBucketLocation"], Resource: [bucketArn], Condition: { StringLike: { "s3:prefix": [keyPath, `${keyPath}*`] } } },
      { Sid: "Artifacts", Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"], Resource: [`${bucketArn}/${keyPath}*`] },
      {
        Sid: "Logs",
        Effect: "Allow",
        Action: ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
        Resource: [`arn:${this.partition}:logs:${this.region}:${this.account}:log-group:/aws/sagemaker/*`],
      },
      { Sid: "Metrics", Effect: "Allow", Action: ["cloudwatch:PutMetricData"], Resource: ["*"], Condition: { StringLike: { "cloudwatch:namespace": ["/aws/sagemaker/*"] } } },
      // ecr:GetAuthorizationToken has no resource-level permissions.
      { Sid: "EcrToken", Effect: "Allow", Action: ["ecr:GetAuthorizationToken"], Resource: ["*"] },
      {
        Sid: "EcrPull",
        Effect: "Allow",
        Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"],
        Resource: [`arn:${this.partition}:ecr:${this.region}:${this.account}:repository/*`],
      },
    ];
    if (props.kmsKeyArn !== undefined) {
      statements.push(
        {
          Sid: "ArtifactKey",
          Effect: "Allow",
          Action: ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
          Resource: [props.kmsKeyArn],
          Condition: { StringLike: { "kms:ViaService": [`s3.*.amazonaws.com`, `sagemaker.*.amazonaws.com`] } },
        },
        {
          // Training volumes are encrypted by grants SageMaker creates on the role's behalf.
          Sid: "VolumeKeyGrants",
          Effect: "Allow",
          Action: ["kms:CreateGrant"],
          Resource: [props.kmsKeyArn],
          Condition: { Bool: { "kms:GrantIsForAWSResource": "true" } },
        },
      );
    }
    new IamRolePolicy(this, "ExecutionPolicy", { name: "strata-sagemaker-execution", role: this.executionRole.name, policy: iamPolicy(statements) });
  }

  /** ARN of the model package group `name`. */
  public groupArn(name: string): string {
    const group = this.groups[name];
    if (group === undefined) invalid(this, "name", name, `must be one of the registry's groups (${this.groupNames.join(", ")})`);
    return group.arn;
  }

  /**
   * Lets a workload identity register model versions in the groups, describe and list them, and
   * set their approval status (the promotion step): CreateModelPackage, DescribeModelPackage,
   * UpdateModelPackage, ListModelPackages, DescribeModelPackageGroup, AddTags on the groups' packages.
   */
  public grantRegister(identity: IWorkloadIdentity): void {
    requireIdentity(this, identity, WorkloadIdentityKind.AWS_IAM_ROLE, "a SageMaker model registry");
    const groups = this.groupNames.map((n) => this.groups[n].arn);
    const packages = this.groupNames.map((n) => this.packageArn(n));
    attachRolePolicy(this, identity, "SageMaker-register", [
      { Sid: "Groups", Effect: "Allow", Action: ["sagemaker:DescribeModelPackageGroup"], Resource: groups },
      {
        Sid: "Packages",
        Effect: "Allow",
        Action: ["sagemaker:CreateModelPackage", "sagemaker:DescribeModelPackage", "sagemaker:UpdateModelPackage", "sagemaker:AddTags"],
        Resource: [...groups, ...packages],
      },
      // ListModelPackages takes the group as a request parameter, not as a resource.
      { Sid: "List", Effect: "Allow", Action: ["sagemaker:ListModelPackages"], Resource: ["*"] },
    ]);
  }

  /**
   * Lets a workload identity start, describe and stop SageMaker training jobs that run as the
   * execution role (iam:PassRole on that role, only to SageMaker).
   */
  public grantStartTraining(identity: IWorkloadIdentity): void {
    requireIdentity(this, identity, WorkloadIdentityKind.AWS_IAM_ROLE, "a SageMaker model registry");
    attachRolePolicy(this, identity, "SageMaker-training", [
      {
        Sid: "TrainingJobs",
        Effect: "Allow",
        Action: ["sagemaker:CreateTrainingJob", "sagemaker:DescribeTrainingJob", "sagemaker:StopTrainingJob", "sagemaker:AddTags"],
        Resource: [`arn:${this.partition}:sagemaker:${this.region}:${this.account}:training-job/*`],
      },
      { Sid: "PassExecutionRole", Effect: "Allow", Action: ["iam:PassRole"], Resource: [this.executionRole.arn], Condition: { StringEquals: { "iam:PassedToService": "sagemaker.amazonaws.com" } } },
    ]);
  }

  /**
   * Model package ARNs of a group. SageMaker writes resource names in lower case in its ARNs
   * (believed from the AWS docs' examples; not verified here), so the group name is lower-cased.
   */
  private packageArn(name: string): string {
    const lower = isUnresolved(name) ? name : name.toLowerCase();
    return `arn:${this.partition}:sagemaker:${this.region}:${this.account}:model-package/${lower}/*`;
  }
}
