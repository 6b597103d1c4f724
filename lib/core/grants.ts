import { IConstruct } from "constructs";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IWorkloadIdentity, WorkloadIdentityKind } from "./cluster";
// Circular with object-store.ts, which imports this file: only read inside functions, so safe.
import { ObjectStoreAccess, ObjectStoreGrantOptions } from "./object-store";
import { iamPolicy } from "./generated-names";
import { invalid, isUnresolved, typeName, validateBoolean } from "./validation";

/*
 * Internal (not exported from the package): the identity checks and IAM attachments that every
 * grant of the object-store, database and cache contracts shares.
 */

/** What a grant needs, per identity kind, for the standard error message. */
const IDENTITY_NEEDED: Record<WorkloadIdentityKind, string> = {
  [WorkloadIdentityKind.AWS_IAM_ROLE]: "an AWS IAM role identity (EksCluster.addWorkloadIdentity)",
  [WorkloadIdentityKind.GCP_SERVICE_ACCOUNT]: "a GCP service account identity (GkeCluster.addWorkloadIdentity)",
  [WorkloadIdentityKind.KUBERNETES_SECRET]: "a credentials-Secret identity (ExistingCluster.addWorkloadIdentity)",
};

/** Throws the standard error unless `identity` is of `kind` (with its kind's attribute set). */
export function requireIdentity(scope: IConstruct, identity: IWorkloadIdentity, kind: WorkloadIdentityKind, what: string): void {
  const complete =
    kind === WorkloadIdentityKind.AWS_IAM_ROLE
      ? identity.awsRoleName !== undefined
      : kind === WorkloadIdentityKind.GCP_SERVICE_ACCOUNT
        ? identity.gcpServiceAccountEmail !== undefined
        : identity.credentialsSecretName !== undefined;
  if (identity.kind !== kind || !complete) {
    invalid(scope, "identity", identity.node.path, `is a ${identity.kind} identity; ${what} can only be granted to ${IDENTITY_NEEDED[kind]}`);
  }
}

/**
 * One inline policy per (resource, label) on the identity's role, created under the identity;
 * granting twice is a no-op. Construct id `<label>-<resource addr>`, policy name
 * `strata-<label in lower case>-<resource addr>`.
 */
export function attachRolePolicy(resource: IConstruct, identity: IWorkloadIdentity, label: string, statements: object[]): void {
  const suffix = resource.node.addr.slice(0, 8);
  const id = `${label}-${suffix}`;
  if (identity.node.tryFindChild(id)) return; // already granted
  new IamRolePolicy(identity, id, {
    name: `strata-${label.toLowerCase()}-${suffix}`,
    role: identity.awsRoleName!,
    policy: iamPolicy(statements),
  });
}

/** Validates object-store grant options (the standard errors); returns the prefix ("" for the whole bucket) and whether delete is allowed. */
export function grantOptions(scope: IConstruct, access: ObjectStoreAccess, options: ObjectStoreGrantOptions | undefined): { prefix: string; allowDelete: boolean } {
  if (options === undefined) return { prefix: "", allowDelete: false };
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    invalid(scope, "options", options, `must be an ObjectStoreGrantOptions object ({ prefix, allowDelete }), not ${typeName(options)}`);
  }
  validateBoolean(scope, "allowDelete", options.allowDelete);
  if (access === ObjectStoreAccess.READ && options.allowDelete !== undefined) {
    invalid(scope, "allowDelete", options.allowDelete, "does not apply to grantRead; use grantWrite or grantReadWrite with allowDelete: true");
  }
  const prefix = options.prefix;
  if (prefix !== undefined && !isUnresolved(prefix)) {
    if (typeof prefix !== "string") invalid(scope, "prefix", prefix, `must be a key prefix (a string), not ${typeName(prefix)}`);
    if (prefix.length === 0 || prefix.startsWith("/") || !prefix.endsWith("/") || /[*?"\\\s]/.test(prefix) || prefix.includes("//") || prefix.length > 1024) {
      invalid(
        scope,
        "prefix",
        prefix,
        'must be an object key prefix such as "runs/trainer/": no leading \'/\', ending with \'/\' (so "runs/a/" does not also match "runs/ab/"), ' +
          "without wildcards, quotes, backslashes, whitespace or '//'",
      );
    }
  } else if (prefix !== undefined) {
    invalid(scope, "prefix", prefix, "must be a literal: the grant's construct id and IAM condition are keyed on it");
  }
  return { prefix: prefix ?? "", allowDelete: options.allowDelete ?? false };
}
