import { Construct } from "constructs";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { KEY_USER_ACTIONS, serviceKeyPolicy } from "../core/kms-key-policy";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { SagemakerFeatureGroup as CfnFeatureGroup } from "@cdktf/provider-aws/lib/sagemaker-feature-group";
import { IWorkloadIdentity, WorkloadIdentityKind } from "../core/cluster";
import { iamPolicy } from "../core/generated-names";
import { attachRolePolicy, requireIdentity } from "../core/grants";
import { IObjectStore, ObjectStoreKind } from "../core/object-store";
import {
  invalid,
  isUnresolved,
  typeName,
  validateBoolean,
  validateEnum,
  validateInteger,
  validateKmsKeyArn,
  validateList,
  validateUniqueList,
} from "../core/validation";

/** Type of a SageMaker feature. */
export enum SageMakerFeatureType {
  /** Integers (`Integral`). */
  INTEGRAL = "Integral",
  /** Floating-point numbers (`Fractional`). */
  FRACTIONAL = "Fractional",
  /** Strings (`String`). */
  STRING = "String",
}

/** Unit of a SageMaker online-store TTL. */
export enum SageMakerTtlUnit {
  /** Seconds. */
  SECONDS = "Seconds",
  /** Minutes. */
  MINUTES = "Minutes",
  /** Hours. */
  HOURS = "Hours",
  /** Days. */
  DAYS = "Days",
  /** Weeks. */
  WEEKS = "Weeks",
}

/** One feature of a feature group. */
export interface SageMakerFeatureDefinition {
  /** Feature name: 1 to 64 letters and digits, '-' and '_' inside; not a reserved name. */
  readonly name: string;
  /** Feature type. */
  readonly featureType: SageMakerFeatureType;
}

/** Options of a feature-group grant. */
export interface SageMakerFeatureGroupGrantOptions {
  /**
   * With `grantWrite`: also allow `sagemaker:DeleteRecord`.
   * @default false
   */
  readonly allowDelete?: boolean;
}

/** Props of `SageMakerFeatureGroup`. */
export interface SageMakerFeatureGroupProps {
  /** Feature group name: 1 to 64 letters, digits and '-' (not first or last). */
  readonly featureGroupName: string;
  /** Name of the feature that identifies a record (a `STRING` or `INTEGRAL` feature). */
  readonly recordIdentifierFeatureName: string;
  /** Name of the feature that holds the event time (a `STRING` in ISO-8601 or a `FRACTIONAL` Unix time). */
  readonly eventTimeFeatureName: string;
  /** The features (at least the record identifier and the event time; at most 2500). */
  readonly features: SageMakerFeatureDefinition[];
  /**
   * S3 object store (e.g. a data-lake bucket) for the offline store: SageMaker writes Parquet
   * under `offlineStorePrefix`. Must be an `ObjectStoreKind.S3` store.
   * @default - no offline store (online only)
   */
  readonly offlineStore?: IObjectStore;
  /**
   * Key prefix of the offline store in `offlineStore` (no leading '/', ends with '/').
   * @default "features/sagemaker/<featureGroupName>/"
   */
  readonly offlineStorePrefix?: string;
  /**
   * Turn the online store off (offline store only; needs `offlineStore`).
   * @default false (online store on)
   */
  readonly disableOnlineStore?: boolean;
  /**
   * Key ARN of an existing customer-managed KMS key for both stores; the offline-store role may
   * use it. It must also be the key (or one of the keys) the offline bucket accepts.
   * @default - a new customer-managed key with rotation on
   */
  readonly kmsKeyArn?: string;
  /**
   * Online-store record TTL value (1 to 10000 in `ttlUnit`); records older than this are not
   * returned by GetRecord.
   * @default - no TTL
   */
  readonly ttlValue?: number;
  /**
   * Unit of `ttlValue`.
   * @default SageMakerTtlUnit.DAYS
   */
  readonly ttlUnit?: SageMakerTtlUnit;
  /**
   * Let `terraform destroy` delete the feature group (and the online records) and the key.
   * @default false (prevent_destroy)
   */
  readonly allowDestroy?: boolean;
}

const FEATURE_GROUP_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,63}$/;
const FEATURE_NAME = /^[a-zA-Z0-9]([-_]*[a-zA-Z0-9]){0,63}$/;
/** Names SageMaker adds to every offline-store record (case-insensitive). */
const RESERVED_FEATURE_NAMES = ["is_deleted", "write_time", "api_invocation_time"];

/**
 * A SageMaker Feature Store feature group: online store encrypted with a customer-managed KMS key,
 * offline store (Parquet) under a prefix of an S3 `IObjectStore` encrypted with the same key, an
 * IAM role SageMaker assumes to write the offline store (least privilege: that prefix, that key),
 * destroy protection. Grants to a workload identity are inline policies on its role scoped to this
 * group's ARN and key.
 *
 * @example
 * const group = new SageMakerFeatureGroup(infra, "Customers", {
 *   featureGroupName: "customers",
 *   recordIdentifierFeatureName: "customer_id",
 *   eventTimeFeatureName: "event_time",
 *   features: [
 *     { name: "customer_id", featureType: SageMakerFeatureType.STRING },
 *     { name: "event_time", featureType: SageMakerFeatureType.FRACTIONAL },
 *     { name: "orders_30d", featureType: SageMakerFeatureType.INTEGRAL },
 *   ],
 *   offlineStore: lakeBucket,
 *   ttlValue: 30,
 * });
 * group.grantRead(cluster.addWorkloadIdentity("Ranker", { namespace: "serving", serviceAccountName: "ranker" }));
 */
export class SageMakerFeatureGroup extends Construct {
  /** The aws_sagemaker_feature_group resource. */
  public readonly featureGroup: CfnFeatureGroup;
  /** The key Strata created (undefined when `kmsKeyArn` was given). */
  public readonly kmsKey?: KmsKey;
  /** ARN of the key both stores encrypt with. */
  public readonly kmsKeyArn: string;
  /** The role SageMaker assumes to write the offline store. */
  public readonly role: IamRole;
  /** Feature group name. */
  public readonly featureGroupName: string;
  /** Feature group ARN. */
  public readonly featureGroupArn: string;
  /** `s3://<bucket>/<prefix>` of the offline store (undefined without one). */
  public readonly offlineStoreUri?: string;
  private readonly onlineStore: boolean;

  constructor(scope: Construct, id: string, props: SageMakerFeatureGroupProps) {
    super(scope, id);
    if (props === null || typeof props !== "object") invalid(this, "props", props, "must be a SageMakerFeatureGroupProps object");
    const name = props.featureGroupName as unknown;
    if (!isUnresolved(name) && (typeof name !== "string" || !FEATURE_GROUP_NAME.test(name))) {
      invalid(this, "featureGroupName", name, `must be 1 to 64 letters, digits and '-' (not first or last)${typeof name === "string" ? "" : `, not ${typeName(name)}`}`);
    }
    validateList(this, "features", props.features, '[{ name: "customer_id", featureType: SageMakerFeatureType.STRING }]');
    if (props.features.length === 0 || props.features.length > 2500) invalid(this, "features", props.features.length, "must have 1 to 2500 features");
    const types = new Map<string, SageMakerFeatureType>();
    props.features.forEach((f, i) => {
      if (f === null || typeof f !== "object") invalid(this, `features[${i}]`, f, "must be a SageMakerFeatureDefinition ({ name, featureType })");
      const n = f.name as unknown;
      if (isUnresolved(n)) invalid(this, `features[${i}].name`, n, "must be a literal (the record identifier and event time are checked against it)");
      if (typeof n !== "string" || !FEATURE_NAME.test(n)) {
        invalid(this, `features[${i}].name`, n, "must be 1 to 64 letters and digits, with '-' or '_' only between them");
      }
      if (RESERVED_FEATURE_NAMES.includes(n.toLowerCase())) {
        invalid(this, `features[${i}].name`, n, `is reserved by SageMaker (${RESERVED_FEATURE_NAMES.join(", ")})`);
      }
      validateEnum(this, `features[${i}].featureType`, f.featureType, SageMakerFeatureType, "SageMakerFeatureType");
      types.set(n, f.featureType);
    });
    validateUniqueList(this, "features", props.features.map((f) => f.name.toLowerCase()), "feature name (case-insensitive)");
    this.checkKeyFeature("recordIdentifierFeatureName", props.recordIdentifierFeatureName, types, [SageMakerFeatureType.STRING, SageMakerFeatureType.INTEGRAL]);
    this.checkKeyFeature("eventTimeFeatureName", props.eventTimeFeatureName, types, [SageMakerFeatureType.STRING, SageMakerFeatureType.FRACTIONAL]);
    validateBoolean(this, "disableOnlineStore", props.disableOnlineStore);
    validateBoolean(this, "allowDestroy", props.allowDestroy);
    validateKmsKeyArn(this, "kmsKeyArn", props.kmsKeyArn);
    validateInteger(this, "ttlValue", props.ttlValue, 1, 10000);
    if (props.ttlUnit !== undefined) validateEnum(this, "ttlUnit", props.ttlUnit, SageMakerTtlUnit, "SageMakerTtlUnit");
    this.onlineStore = props.disableOnlineStore !== true;
    if (!this.onlineStore && props.ttlValue !== undefined) invalid(this, "ttlValue", props.ttlValue, "applies to the online store, which disableOnlineStore turns off");
    if (props.ttlUnit !== undefined && props.ttlValue === undefined) invalid(this, "ttlUnit", props.ttlUnit, "needs ttlValue");
    const store = props.offlineStore;
    if (store !== undefined && (store === null || typeof store !== "object" || store.kind !== ObjectStoreKind.S3)) {
      invalid(this, "offlineStore", (store as any)?.node?.path ?? store, "must be an Amazon S3 IObjectStore (ObjectStoreKind.S3)");
    }
    if (store === undefined && props.offlineStorePrefix !== undefined) invalid(this, "offlineStorePrefix", props.offlineStorePrefix, "needs offlineStore");
    if (store === undefined && !this.onlineStore) invalid(this, "disableOnlineStore", true, "needs offlineStore (a feature group needs an online or an offline store)");
    const prefix = props.offlineStorePrefix ?? `features/sagemaker/${props.featureGroupName}/`;
    if (!isUnresolved(prefix)) {
      if (typeof prefix !== "string" || prefix.length === 0 || prefix.startsWith("/") || !prefix.endsWith("/") || /[*?"\\\s]/.test(prefix) || prefix.includes("//")) {
        invalid(this, "offlineStorePrefix", prefix, "must be a key prefix such as \"features/sagemaker/customers/\": no leading '/', ending with '/', no wildcards, quotes, backslashes, whitespace or '//'");
      }
    }
    const protect = props.allowDestroy !== true;

    if (props.kmsKeyArn === undefined) {
      this.kmsKey = new KmsKey(this, "Key", {
        description: `SageMaker feature group ${props.featureGroupName} (Strata)`,
        enableKeyRotation: true,
        deletionWindowInDays: 30,
        // Administered by the account root; used by principals of this account only through
        // SageMaker (the online store: CreateFeatureGroup, PutRecord, GetRecord; SageMaker keeps a
        // grant, hence CreateGrant) and through S3 (the offline store role writes SSE-KMS Parquet),
        // both in this region. The ViaService value for the online store runtime
        // ("sagemaker.<region>.<dns suffix>") and its action list are unverified here.
        policy: serviceKeyPolicy(this, [
          { sid: "UseThroughSageMaker", service: "sagemaker", actions: [...KEY_USER_ACTIONS, "kms:CreateGrant"] },
          { sid: "UseThroughS3", service: "s3" },
        ]),
        lifecycle: { preventDestroy: protect },
      });
    }
    this.kmsKeyArn = props.kmsKeyArn ?? this.kmsKey!.arn;

    this.role = new IamRole(this, "OfflineStoreRole", {
      namePrefix: "strata-sm-fg-",
      description: `SageMaker writes the offline store of feature group ${props.featureGroupName} (Strata)`,
      assumeRolePolicy: iamPolicy([{ Effect: "Allow", Principal: { Service: "sagemaker.amazonaws.com" }, Action: "sts:AssumeRole" }]),
    });
    if (store !== undefined) {
      const partition = new DataAwsPartition(this, "Partition").partition;
      const bucketArn = `arn:${partition}:s3:::${store.bucketName}`;
      this.offlineStoreUri = `s3://${store.bucketName}/${prefix}`;
      // What SageMaker needs to write the offline store (AmazonSageMakerFeatureStoreAccess narrowed
      // to this prefix): PutObject, GetBucketAcl, PutObjectAcl; the KMS key for SSE-KMS objects.
      new IamRolePolicy(this, "OfflineStorePolicy", {
        name: "strata-offline-store",
        role: this.role.name,
        policy: iamPolicy([
          { Effect: "Allow", Action: ["s3:PutObject", "s3:PutObjectAcl"], Resource: `${bucketArn}/${prefix}*` },
          { Effect: "Allow", Action: ["s3:GetBucketAcl"], Resource: bucketArn },
          { Effect: "Allow", Action: ["kms:GenerateDataKey", "kms:Decrypt", "kms:DescribeKey"], Resource: this.kmsKeyArn },
        ]),
      });
    }

    this.featureGroup = new CfnFeatureGroup(this, "Resource", {
      featureGroupName: props.featureGroupName,
      recordIdentifierFeatureName: props.recordIdentifierFeatureName,
      eventTimeFeatureName: props.eventTimeFeatureName,
      roleArn: this.role.arn,
      featureDefinition: props.features.map((f) => ({ featureName: f.name, featureType: f.featureType })),
      onlineStoreConfig: this.onlineStore
        ? {
            enableOnlineStore: true,
            securityConfig: { kmsKeyId: this.kmsKeyArn },
            ttlDuration: props.ttlValue === undefined ? undefined : { value: props.ttlValue, unit: props.ttlUnit ?? SageMakerTtlUnit.DAYS },
          }
        : undefined,
      offlineStoreConfig:
        store === undefined
          ? undefined
          : {
              // No Glue table: creating one needs Glue permissions on the role; query the Parquet
              // files with Athena/Spark from the prefix instead (see docs/data.md).
              disableGlueTableCreation: true,
              s3StorageConfig: { s3Uri: `s3://${store.bucketName}/${prefix}`, kmsKeyId: this.kmsKeyArn },
            },
      lifecycle: { preventDestroy: protect },
    });
    this.featureGroupName = props.featureGroupName;
    this.featureGroupArn = this.featureGroup.arn;
  }

  /**
   * Lets `identity` read online records: `sagemaker:GetRecord` and `sagemaker:BatchGetRecord` on
   * this group, `kms:Decrypt`/`kms:DescribeKey` on its key. Takes no options.
   */
  public grantRead(identity: IWorkloadIdentity, options?: SageMakerFeatureGroupGrantOptions): void {
    if (options !== undefined) invalid(this, "options", options, "grantRead takes no options (allowDelete applies to grantWrite)");
    this.requireOnline("grantRead");
    requireIdentity(this, identity, WorkloadIdentityKind.AWS_IAM_ROLE, "a SageMaker feature group");
    attachRolePolicy(this, identity, "SageMakerFG-read", [
      { Effect: "Allow", Action: ["sagemaker:GetRecord", "sagemaker:BatchGetRecord"], Resource: this.featureGroupArn },
      { Effect: "Allow", Action: ["kms:Decrypt", "kms:DescribeKey"], Resource: this.kmsKeyArn },
    ]);
  }

  /**
   * Lets `identity` ingest records: `sagemaker:PutRecord` (and `sagemaker:DeleteRecord` with
   * `allowDelete`) on this group, `kms:GenerateDataKey`/`kms:Encrypt`/`kms:Decrypt`/`kms:DescribeKey`
   * on its key.
   */
  public grantWrite(identity: IWorkloadIdentity, options?: SageMakerFeatureGroupGrantOptions): void {
    if (options !== undefined && (options === null || typeof options !== "object" || Array.isArray(options))) {
      invalid(this, "options", options, `must be a SageMakerFeatureGroupGrantOptions object ({ allowDelete }), not ${typeName(options)}`);
    }
    validateBoolean(this, "allowDelete", options?.allowDelete);
    const del = options?.allowDelete === true;
    requireIdentity(this, identity, WorkloadIdentityKind.AWS_IAM_ROLE, "a SageMaker feature group");
    attachRolePolicy(this, identity, del ? "SageMakerFG-write-delete" : "SageMakerFG-write", [
      { Effect: "Allow", Action: del ? ["sagemaker:PutRecord", "sagemaker:DeleteRecord"] : ["sagemaker:PutRecord"], Resource: this.featureGroupArn },
      { Effect: "Allow", Action: ["kms:GenerateDataKey", "kms:Encrypt", "kms:Decrypt", "kms:DescribeKey"], Resource: this.kmsKeyArn },
    ]);
  }

  private requireOnline(what: string): void {
    if (!this.onlineStore) invalid(this, "disableOnlineStore", true, `${what} reads the online store, which is off`);
  }

  private checkKeyFeature(prop: string, value: unknown, types: Map<string, SageMakerFeatureType>, allowed: SageMakerFeatureType[]): void {
    if (isUnresolved(value)) invalid(this, prop, value, "must be a literal feature name");
    if (typeof value !== "string" || !types.has(value)) {
      invalid(this, prop, value, `must be the name of one of the features (${[...types.keys()].join(", ")})`);
    }
    const t = types.get(value)!;
    if (!allowed.includes(t)) invalid(this, prop, value, `is a ${t} feature; it must be ${allowed.join(" or ")}`);
  }
}
