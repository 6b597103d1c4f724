import { IConstruct } from "constructs";
import { invalid, isUnresolved, typeName } from "./validation";

/**
 * The naming rules of the targets Strata provisions on. Each rule is the strictest
 * combination of the limits of every resource that uses the name.
 */
export enum NamingRule {
  /** Amazon S3 general purpose bucket names: 3-63 characters, lowercase letters, digits, dots and hyphens. */
  S3_BUCKET = "S3_BUCKET",
  /** Google Cloud Storage bucket names: 3-63 characters (222 with dots), lowercase letters, digits, `-`, `_` and `.`. */
  GCS_BUCKET = "GCS_BUCKET",
  /** Amazon EKS cluster names: 1-100 characters, letters, digits, `-` and `_`, starting with a letter or digit. */
  EKS_CLUSTER = "EKS_CLUSTER",
  /** GKE cluster names: 1-40 characters, lowercase letters, digits and `-`, starting with a letter. */
  GKE_CLUSTER = "GKE_CLUSTER",
  /** Kubernetes DNS-1123 label (namespaces, services, most object names): 1-63 characters. */
  DNS1123_LABEL = "DNS1123_LABEL",
  /** Kubernetes DNS-1123 subdomain (object names that allow dots): 1-253 characters. */
  DNS1123_SUBDOMAIN = "DNS1123_SUBDOMAIN",
  /** GCP label keys and values: up to 63 lowercase letters, digits, `_` and `-` (keys start with a letter). */
  GCP_LABEL_VALUE = "GCP_LABEL_VALUE",
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const IPV4 = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

function s3Problem(v: string): string | undefined {
  if (v.length < 3 || v.length > 63) return `must be 3 to 63 characters long (got ${v.length})`;
  if (!/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(v)) {
    return "must contain only lowercase letters, digits, dots and hyphens, and start and end with a letter or digit";
  }
  if (v.includes("..")) return "must not contain two adjacent dots";
  if (IPV4.test(v)) return "must not be formatted as an IP address";
  for (const prefix of ["xn--", "sthree-", "amzn-s3-demo-"]) {
    if (v.startsWith(prefix)) return `must not start with the reserved prefix "${prefix}"`;
  }
  for (const suffix of ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"]) {
    if (v.endsWith(suffix)) return `must not end with the reserved suffix "${suffix}"`;
  }
  return undefined;
}

function gcsProblem(v: string): string | undefined {
  const max = v.includes(".") ? 222 : 63;
  if (v.length < 3 || v.length > max) return `must be 3 to ${max} characters long (got ${v.length})`;
  if (!/^[a-z0-9][a-z0-9._-]*[a-z0-9]$/.test(v)) {
    return "must contain only lowercase letters, digits, '-', '_' and '.', and start and end with a letter or digit";
  }
  if (v.split(".").some((part) => part.length === 0 || part.length > 63)) {
    return "each dot-separated component must be 1 to 63 characters long";
  }
  if (IPV4.test(v)) return "must not be formatted as an IP address";
  if (v.startsWith("goog")) return 'must not start with "goog"';
  if (/g[o0]{2}g[l1]e/.test(v)) return 'must not contain "google" or a close misspelling of it';
  return undefined;
}

/**
 * Checks names against the naming rules of each target.
 *
 * @example
 * Naming.problem(NamingRule.S3_BUCKET, "My_Bucket"); // "must contain only lowercase letters, ..."
 */
export class Naming {
  /**
   * Returns what is wrong with `value` under `rule`, or undefined when it is valid.
   * Unresolved tokens are never checked and always return undefined.
   */
  public static problem(rule: NamingRule, value: string): string | undefined {
    if (isUnresolved(value)) return undefined;
    if (typeof value !== "string") return `must be a string, not ${typeName(value)}`;
    switch (rule) {
      case NamingRule.S3_BUCKET:
        return s3Problem(value);
      case NamingRule.GCS_BUCKET:
        return gcsProblem(value);
      case NamingRule.EKS_CLUSTER:
        if (value.length < 1 || value.length > 100) return `must be 1 to 100 characters long (got ${value.length})`;
        if (!/^[0-9A-Za-z][A-Za-z0-9_-]*$/.test(value)) {
          return "must contain only letters, digits, '-' and '_', and start with a letter or digit";
        }
        return undefined;
      case NamingRule.GKE_CLUSTER:
        if (value.length < 1 || value.length > 40) return `must be 1 to 40 characters long (got ${value.length})`;
        if (!/^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(value)) {
          return "must contain only lowercase letters, digits and '-', start with a letter and end with a letter or digit";
        }
        return undefined;
      case NamingRule.DNS1123_LABEL:
        if (value.length < 1 || value.length > 63) return `must be 1 to 63 characters long (got ${value.length})`;
        if (!DNS1123_LABEL.test(value)) {
          return "must be a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit";
        }
        return undefined;
      case NamingRule.DNS1123_SUBDOMAIN:
        if (value.length < 1 || value.length > 253) return `must be 1 to 253 characters long (got ${value.length})`;
        if (!DNS1123_SUBDOMAIN.test(value)) {
          return "must be a DNS-1123 subdomain: dot-separated lowercase labels of letters, digits and '-'";
        }
        return undefined;
      case NamingRule.GCP_LABEL_VALUE:
        if (value.length > 63) return `must be at most 63 characters long (got ${value.length})`;
        if (!/^[a-z0-9_-]*$/.test(value)) return "must contain only lowercase letters, digits, '_' and '-'";
        return undefined;
      default:
        return `unknown naming rule ${rule}`;
    }
  }

  /**
   * Returns what is wrong with a KServe InferenceService name in a namespace, or undefined.
   *
   * KServe derives the host `<name>-predictor-<namespace>` (and `-transformer-`, `-explainer-`
   * variants, the longest being `-transformer-`) as one DNS label, which is limited to 63 characters.
   */
  public static kserveHostProblem(name: string, namespace: string): string | undefined {
    if (isUnresolved(name) || isUnresolved(namespace)) return undefined;
    const nameProblem = Naming.problem(NamingRule.DNS1123_LABEL, name);
    if (nameProblem) return nameProblem;
    const namespaceProblem = Naming.problem(NamingRule.DNS1123_LABEL, namespace);
    if (namespaceProblem) return `namespace ${namespaceProblem}`;
    const host = `${name}-transformer-${namespace}`;
    if (host.length > 63) {
      return `makes the KServe host label "${host}" ${host.length} characters long; name and namespace together must be at most ${63 - "-transformer-".length} characters`;
    }
    return undefined;
  }
}

/** Throws the standard validation error when `value` breaks `rule`. Skips tokens. */
export function validateName(scope: IConstruct, prop: string, value: string | undefined, rule: NamingRule): void {
  if (value === undefined) {
    invalid(scope, prop, value, "is required");
  }
  const problem = Naming.problem(rule, value);
  if (problem) invalid(scope, prop, value, problem);
}
