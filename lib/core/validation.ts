import { IConstruct } from "constructs";
import { AnnotationMetadataEntryType, Token } from "cdktf";

/**
 * Internal validation helpers shared by every Strata construct.
 *
 * Every error has the same shape so that a user can find the prop at fault:
 *
 *   <construct path>: invalid <prop> <value as JSON>: <what is allowed>
 *
 * Values that are unresolved cdktf tokens are never validated as literals:
 * each helper returns without checking them.
 */

/** True when `value` (or any string/number inside it) is an unresolved token. */
export function isUnresolved(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === "string" || typeof value === "number") {
    return Token.isUnresolved(value);
  }
  if (Array.isArray(value)) {
    return Token.isUnresolved(value) || value.some((v) => isUnresolved(v));
  }
  return Token.isUnresolved(value);
}

/** Render a received value for an error message. */
export function describeValue(value: unknown): string {
  if (value === undefined) return "undefined";
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

/** Throw the standard Strata validation error. */
export function invalid(scope: IConstruct, prop: string, value: unknown, allowed: string): never {
  throw new Error(`${scope.node.path || "<app>"}: invalid ${prop} ${describeValue(value)}: ${allowed}`);
}

/** Record a warning in the standard format (soft problems that do not fail synth). */
export function warn(scope: IConstruct, prop: string, value: unknown, message: string): void {
  warning(scope, `${scope.node.path}: ${prop} ${describeValue(value)}: ${message}`);
}

/**
 * Record a warning annotation without a stack trace. cdktf's `Annotations.addWarning` stores the
 * JavaScript stack (absolute paths, line numbers) in the synthesized manifest, which would make
 * synth output depend on where and how it runs.
 */
export function warning(scope: IConstruct, message: string): void {
  scope.node.addMetadata(AnnotationMetadataEntryType.WARN, message, { stackTrace: false });
  let printer = PRINTERS.get(scope);
  if (!printer) {
    const created: WarningPrinter = { pending: [], validated: false };
    printer = created;
    PRINTERS.set(scope, created);
    // Validations run when the scope's stack synthesizes (`app.synth()`, `cdktf synth`,
    // `Testing.synth(stack, true)`), so each warning is printed once per synth, whatever runs the app.
    scope.node.addValidation({
      validate: () => {
        created.validated = true;
        flushWarnings(created);
        return [];
      },
    });
    // A validation added while its scope is being validated does not run in that pass (constructs
    // iterates a snapshot): the app's own validation, which `app.synth()` runs after every stack,
    // prints whatever is still pending, so a warning recorded by a validation is never lost.
    const root = scope.node.root;
    let printers = ROOT_PRINTERS.get(root);
    if (!printers) {
      const all: WarningPrinter[] = [];
      printers = all;
      ROOT_PRINTERS.set(root, all);
      root.node.addValidation({
        validate: () => {
          for (const p of all) {
            p.validated = true;
            flushWarnings(p);
          }
          return [];
        },
      });
    }
    printers.push(created);
  }
  printer.pending.push(message);
  // A warning recorded by a later validation of an already validated scope is printed at once.
  if (printer.validated) flushWarnings(printer);
}

interface WarningPrinter {
  pending: string[];
  validated: boolean;
}

const PRINTERS = new WeakMap<IConstruct, WarningPrinter>();
const ROOT_PRINTERS = new WeakMap<IConstruct, WarningPrinter[]>();

/** Environment variable that silences the printing (not the recording) of warnings, for test runners. */
export const SILENCE_WARNINGS_ENV = "STRATA_SILENCE_WARNINGS";

function flushWarnings(printer: WarningPrinter): void {
  const messages = printer.pending.splice(0);
  if (process.env[SILENCE_WARNINGS_ENV] === "1") return;
  for (const message of messages) process.stderr.write(`[strata] Warning: ${message}\n`);
}

/** Integer within [min, max] (inclusive). Skips tokens and undefined. */
export function validateInteger(
  scope: IConstruct,
  prop: string,
  value: number | undefined,
  min: number,
  max: number = Number.MAX_SAFE_INTEGER,
): void {
  if (value === undefined || isUnresolved(value)) return;
  const range = max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer from ${min} to ${max}`;
  // A numeric string ("3") from an untyped caller is an error, never coerced.
  if (typeof value !== "number") invalid(scope, prop, value, `must be ${range}, not ${typeName(value)}`);
  if (!Number.isInteger(value) || value < min || value > max) {
    invalid(scope, prop, value, `must be ${range}`);
  }
}

/** `min <= max` for a pair of props. Skips tokens and undefined. */
export function validateMinMax(
  scope: IConstruct,
  minProp: string,
  min: number | undefined,
  maxProp: string,
  max: number | undefined,
): void {
  if (min === undefined || max === undefined || isUnresolved(min) || isUnresolved(max)) return;
  validateNumber(scope, minProp, min);
  validateNumber(scope, maxProp, max);
  if (min > max) {
    invalid(scope, minProp, min, `must be less than or equal to ${maxProp} (${max})`);
  }
}

/** One of a fixed set of string values (for enums, prefer `validateEnum`, whose message names the members). */
export function validateOneOf(scope: IConstruct, prop: string, value: string | undefined, allowed: readonly string[]): void {
  if (value === undefined || isUnresolved(value)) return;
  if (typeof value !== "string" || !allowed.includes(value)) {
    invalid(scope, prop, value, `must be one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}`);
  }
}

/** A non-empty string. */
export function validateNonEmpty(scope: IConstruct, prop: string, value: string | undefined): void {
  if (value === undefined) invalid(scope, prop, value, "is required and must be a non-empty string");
  if (isUnresolved(value)) return;
  if (typeof value !== "string") invalid(scope, prop, value, `must be a non-empty string, not ${typeName(value)}`);
  if (value.trim().length === 0) invalid(scope, prop, value, "must be a non-empty string");
}

/** Dotted-quad and prefix in canonical form: no leading zeros (`010.0.0.0/8`, `10.0.0.0/08` are rejected). */
const IPV4_CIDR = /^(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\/(0|[1-9]\d?)$/;

/** Parse an IPv4 CIDR into its network address (as a 32-bit number) and prefix length, or undefined. */
export function parseIpv4Cidr(cidr: string): { network: number; prefix: number } | undefined {
  const m = IPV4_CIDR.exec(cidr);
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const prefix = Number(m[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return undefined;
  const address = ((octets[0] << 24) >>> 0) + (octets[1] << 16) + (octets[2] << 8) + octets[3];
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  if ((address & mask) >>> 0 !== address) return undefined; // host bits set
  return { network: address, prefix };
}

/**
 * An IPv4 CIDR block in canonical form (no host bits set), with a prefix length in
 * [minPrefix, maxPrefix].
 */
export function validateCidr(
  scope: IConstruct,
  prop: string,
  value: string | undefined,
  minPrefix = 0,
  maxPrefix = 32,
): void {
  if (value === undefined || isUnresolved(value)) return;
  if (typeof value !== "string") invalid(scope, prop, value, `must be an IPv4 CIDR block (a string), not ${typeName(value)}`);
  const parsed = parseIpv4Cidr(value);
  if (!parsed) {
    invalid(scope, prop, value, "must be an IPv4 CIDR block such as 10.0.0.0/16, with no host bits set");
  }
  if (parsed.prefix < minPrefix || parsed.prefix > maxPrefix) {
    invalid(scope, prop, value, `must have a prefix length from /${minPrefix} to /${maxPrefix}`);
  }
}

/** True when two IPv4 CIDR blocks overlap (both must parse). */
export function cidrsOverlap(a: string, b: string): boolean {
  const pa = parseIpv4Cidr(a);
  const pb = parseIpv4Cidr(b);
  if (!pa || !pb) return false;
  const prefix = Math.min(pa.prefix, pb.prefix);
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return (pa.network & mask) >>> 0 === (pb.network & mask) >>> 0;
}

/** A list of CIDRs, each valid; optionally rejects the whole internet (0.0.0.0/0). */
export function validateCidrList(
  scope: IConstruct,
  prop: string,
  values: string[] | undefined,
  options: { allowAnywhere: boolean; anywhereHint?: string },
): void {
  if (values === undefined || isUnresolved(values)) return;
  validateList(scope, prop, values);
  values.forEach((v, i) => {
    validateCidr(scope, `${prop}[${i}]`, v);
    if (!options.allowAnywhere && !isUnresolved(v) && parseIpv4Cidr(v)?.prefix === 0) {
      invalid(scope, `${prop}[${i}]`, v, options.anywhereHint ?? "must not be 0.0.0.0/0 (the whole internet)");
    }
  });
}

// -------------------------------------------------------------------------------------------------
// Values from untyped callers (JavaScript, JSON or YAML configs)
// -------------------------------------------------------------------------------------------------

/** What a JavaScript value is, for "must be a list, not a string" messages. */
export function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "an object";
  return `a ${typeof value}`;
}

/**
 * A list (JavaScript array). Untyped callers may pass a string where a list is expected; without
 * this check the construct would fail later with "forEach is not a function". Token lists
 * (`Token.asList`, `Fn.split`) pass. Skips undefined.
 */
export function validateList(scope: IConstruct, prop: string, value: unknown, example?: string): void {
  if (value === undefined || isUnresolved(value)) return;
  if (!Array.isArray(value)) invalid(scope, prop, value, `must be a list${example ? ` such as ${example}` : ""}, not ${typeName(value)}`);
}

/**
 * A list of strings (each entry a string or a string token). Skips undefined.
 *
 * @param example an example list for the message, written as code (`'["subnet-0123456789abcdef0"]'`)
 */
export function validateStringList(scope: IConstruct, prop: string, value: unknown, example?: string): void {
  validateList(scope, prop, value, example);
  if (value === undefined || !Array.isArray(value)) return;
  value.forEach((entry, i) => {
    if (typeof entry !== "string") invalid(scope, `${prop}[${i}]`, entry, `must be a string, not ${typeName(entry)}`);
  });
}

/**
 * A string value of a string enum, compared exactly (case-sensitive). The error lists every
 * member with its value, e.g. `must be one of EksIdentityMode.POD_IDENTITY ("pod-identity"), ...`,
 * and says so when only the case is wrong, or when the value is a member's name (`"POD_IDENTITY"`,
 * as JSON and YAML configs write it) rather than its value. Skips undefined and tokens.
 *
 * @param enumObject the enum itself (`EksIdentityMode`)
 * @param enumName its name for the message (`"EksIdentityMode"`)
 */
export function validateEnum(scope: IConstruct, prop: string, value: unknown, enumObject: object, enumName: string): void {
  if (value === undefined || isUnresolved(value)) return;
  const members = Object.entries(enumObject).filter(([, v]) => typeof v === "string") as [string, string][];
  if (typeof value === "string" && members.some(([, v]) => v === value)) return;
  const allowed = `must be one of ${members.map(([k, v]) => `${enumName}.${k} (${JSON.stringify(v)})`).join(", ")}`;
  if (typeof value === "string") {
    if (members.some(([, v]) => v.toLowerCase() === value.toLowerCase())) invalid(scope, prop, value, `${allowed} (values are case-sensitive)`);
    const byName = members.find(([k]) => k.toLowerCase() === value.toLowerCase());
    if (byName) invalid(scope, prop, value, `${allowed} (${JSON.stringify(value)} names the member ${enumName}.${byName[0]}; give its value ${JSON.stringify(byName[1])})`);
  }
  invalid(scope, prop, value, allowed);
}

/** `true` or `false` (not `"true"`, not 1). Skips undefined and tokens. */
export function validateBoolean(scope: IConstruct, prop: string, value: unknown): void {
  if (value === undefined || isUnresolved(value)) return;
  if (typeof value !== "boolean") invalid(scope, prop, value, `must be true or false, not ${typeName(value)}`);
}

/** A number (not a numeric string such as `"3"`: it is an error, never coerced). Skips undefined and tokens. */
export function validateNumber(scope: IConstruct, prop: string, value: unknown): void {
  if (value === undefined || isUnresolved(value)) return;
  if (typeof value !== "number" || !Number.isFinite(value)) invalid(scope, prop, value, `must be a number, not ${typeName(value)}`);
}

/** A plain object whose values are all strings (labels, annotations, tags). Skips undefined and tokens. */
export function validateRecord(scope: IConstruct, prop: string, value: unknown): void {
  if (value === undefined || isUnresolved(value)) return;
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    invalid(scope, prop, value, `must be an object of string keys and string values, not ${typeName(value)}`);
  }
  for (const [k, v] of Object.entries(value as object)) {
    if (typeof v !== "string") invalid(scope, `${prop}[${JSON.stringify(k)}]`, v, `must be a string, not ${typeName(v)}`);
  }
}

/**
 * A list without duplicate entries (subnet ids, CIDRs, zones). Skips undefined, token lists and
 * non-lists; token entries are not compared.
 *
 * @param what what an entry is, for the message ("list each CIDR once"); default "entry"
 */
export function validateUniqueList(scope: IConstruct, prop: string, values: unknown, what = "entry"): void {
  if (!Array.isArray(values) || Token.isUnresolved(values)) return;
  const seen = new Map<string, number>();
  values.forEach((v, i) => {
    if (isUnresolved(v)) return;
    const key = JSON.stringify(v);
    const first = seen.get(key);
    if (first !== undefined) invalid(scope, `${prop}[${i}]`, v, `is a duplicate of ${prop}[${first}]; list each ${what} once`);
    seen.set(key, i);
  });
}

// -------------------------------------------------------------------------------------------------
// Kubernetes syntax (k8s.io/apimachinery/pkg/util/validation)
// -------------------------------------------------------------------------------------------------

const K8S_NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS1123_LABEL_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

const QUALIFIED_NAME_ALLOWED =
  "must be an optional DNS subdomain prefix (at most 253 characters) and '/', then a name of 1 to 63 characters " +
  "that starts and ends with a letter or digit and has only letters, digits, '-', '_' and '.' inside (e.g. \"example.com/team\")";

/** What is wrong with a Kubernetes qualified name (label, annotation and taint keys), or undefined. */
export function qualifiedNameProblem(key: string): string | undefined {
  if (isUnresolved(key)) return undefined;
  if (typeof key !== "string") return `must be a string, not ${typeName(key)}`;
  const parts = key.split("/");
  if (parts.length > 2) return `${QUALIFIED_NAME_ALLOWED}; it has more than one '/'`;
  const name = parts[parts.length - 1];
  if (parts.length === 2) {
    const prefix = parts[0];
    if (prefix.length === 0 || prefix.length > 253 || !DNS1123_SUBDOMAIN_RE.test(prefix)) {
      return `${QUALIFIED_NAME_ALLOWED}; the prefix ${JSON.stringify(prefix)} is not a lowercase DNS subdomain of at most 253 characters`;
    }
  }
  if (name.length === 0 || name.length > 63) return `${QUALIFIED_NAME_ALLOWED}; the name part is ${name.length} characters long`;
  if (!K8S_NAME_PART.test(name)) return QUALIFIED_NAME_ALLOWED;
  return undefined;
}

/** What is wrong with a Kubernetes label value, or undefined. */
export function labelValueProblem(value: string): string | undefined {
  if (isUnresolved(value)) return undefined;
  if (typeof value !== "string") return `must be a string, not ${typeName(value)}`;
  if (value.length === 0) return undefined;
  if (value.length > 63 || !K8S_NAME_PART.test(value)) {
    return "must be empty or at most 63 characters that start and end with a letter or digit and have only letters, digits, '-', '_' and '.' inside";
  }
  return undefined;
}

/** A Kubernetes label key (`[prefix/]name`). Skips undefined and tokens. */
export function validateLabelKey(scope: IConstruct, prop: string, key: string | undefined): void {
  if (key === undefined) return;
  const problem = qualifiedNameProblem(key);
  if (problem) invalid(scope, prop, key, problem);
}

/** A Kubernetes label value (at most 63 characters, may be empty). Skips undefined and tokens. */
export function validateLabelValue(scope: IConstruct, prop: string, value: string | undefined): void {
  if (value === undefined) return;
  const problem = labelValueProblem(value);
  if (problem) invalid(scope, prop, value, problem);
}

/** A map of Kubernetes labels: an object of strings, every key and value valid. Skips undefined and tokens. */
export function validateLabels(scope: IConstruct, prop: string, labels: unknown): void {
  validateRecord(scope, prop, labels);
  if (labels === undefined || isUnresolved(labels)) return;
  for (const [k, v] of Object.entries(labels as Record<string, string>)) {
    validateLabelKey(scope, `${prop} key`, k);
    validateLabelValue(scope, `${prop}[${JSON.stringify(k)}]`, v);
  }
}

/** A Kubernetes annotation key (same syntax as a label key). Skips undefined and tokens. */
export function validateAnnotationKey(scope: IConstruct, prop: string, key: string | undefined): void {
  validateLabelKey(scope, prop, key);
}

/** Kubernetes' limit on the total size of an object's annotations (keys and values), in bytes. */
export const ANNOTATIONS_MAX_BYTES = 256 * 1024;

/**
 * A map of Kubernetes annotations: an object of strings, every key a qualified name, keys and
 * values together at most 256 KiB. Skips undefined and tokens.
 */
export function validateAnnotations(scope: IConstruct, prop: string, annotations: unknown): void {
  validateRecord(scope, prop, annotations);
  if (annotations === undefined || isUnresolved(annotations)) return;
  let size = 0;
  for (const [k, v] of Object.entries(annotations as Record<string, string>)) {
    validateAnnotationKey(scope, `${prop} key`, k);
    size += Buffer.byteLength(k) + Buffer.byteLength(v);
  }
  if (size > ANNOTATIONS_MAX_BYTES) {
    invalid(scope, prop, `${size} bytes`, `keys and values together must be at most ${ANNOTATIONS_MAX_BYTES} bytes (256 KiB)`);
  }
}

/** A taint key (label-key syntax, e.g. `nvidia.com/gpu`). Skips undefined and tokens. */
export function validateTaintKey(scope: IConstruct, prop: string, key: string | undefined): void {
  validateLabelKey(scope, prop, key);
}

/** A namespace name: a DNS-1123 label (1-63 lowercase letters, digits and '-'). Required. Skips tokens. */
export function validateNamespaceName(scope: IConstruct, prop: string, value: unknown): void {
  if (isUnresolved(value)) return;
  if (typeof value !== "string") invalid(scope, prop, value, `is required and must be a namespace name (a string), not ${typeName(value)}`);
  if (value.length < 1 || value.length > 63 || !DNS1123_LABEL_RE.test(value)) {
    invalid(
      scope,
      prop,
      value,
      "must be a namespace name: a DNS-1123 label of 1 to 63 lowercase letters, digits and '-', starting and ending with a letter or digit",
    );
  }
}

/** A Kubernetes object name: a DNS-1123 subdomain (1-253 characters). Required. Skips tokens. */
export function validateObjectName(scope: IConstruct, prop: string, value: unknown): void {
  if (isUnresolved(value)) return;
  if (typeof value !== "string") invalid(scope, prop, value, `is required and must be an object name (a string), not ${typeName(value)}`);
  if (value.length < 1 || value.length > 253 || !DNS1123_SUBDOMAIN_RE.test(value)) {
    invalid(
      scope,
      prop,
      value,
      "must be a Kubernetes object name: a DNS-1123 subdomain of 1 to 253 characters, dot-separated lowercase labels of letters, digits and '-'",
    );
  }
}

// -------------------------------------------------------------------------------------------------
// AWS
// -------------------------------------------------------------------------------------------------

/** AWS partitions. */
export const AWS_PARTITIONS: readonly string[] = ["aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc"];

/**
 * AWS regions by partition, as listed in the AWS General Reference on 2025-11-01 (commercial,
 * China, GovCloud). Regions opened after that date are rejected until the list is updated: set
 * the app context key `strata:extraAwsRegions` (a list, e.g. in cdktf.json `"context"`) to
 * accept them meanwhile.
 */
export const AWS_REGIONS: { readonly [partition: string]: readonly string[] } = {
  aws: [
    "af-south-1", "ap-east-1", "ap-east-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1", "ap-south-2",
    "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4", "ap-southeast-5", "ap-southeast-7",
    "ca-central-1", "ca-west-1", "eu-central-1", "eu-central-2", "eu-north-1", "eu-south-1", "eu-south-2", "eu-west-1",
    "eu-west-2", "eu-west-3", "il-central-1", "me-central-1", "me-south-1", "mx-central-1", "sa-east-1", "us-east-1",
    "us-east-2", "us-west-1", "us-west-2",
  ],
  "aws-cn": ["cn-north-1", "cn-northwest-1"],
  "aws-us-gov": ["us-gov-east-1", "us-gov-west-1"],
};

/** Context key with extra AWS regions to accept (regions opened after the built-in list was dated). */
export const EXTRA_AWS_REGIONS_CONTEXT = "strata:extraAwsRegions";
/** Context key with extra GCP regions to accept (regions opened after the built-in list was dated). */
export const EXTRA_GCP_REGIONS_CONTEXT = "strata:extraGcpRegions";

const AWS_REGION_SHAPE = /^[a-z]{2}(-[a-z]+)+-\d+$/;

function extraRegions(scope: IConstruct, key: string): string[] {
  const value = scope.node.tryGetContext(key);
  if (value === undefined) return [];
  if (typeof value === "string") return value.split(",").map((v) => v.trim());
  return Array.isArray(value) ? value.map(String) : [];
}

/** The partition of a known AWS region (or "aws" for an extra region accepted by context). */
export function awsPartitionOfRegion(region: string): string {
  for (const [partition, regions] of Object.entries(AWS_REGIONS)) if (regions.includes(region)) return partition;
  return region.startsWith("cn-") ? "aws-cn" : region.startsWith("us-gov-") ? "aws-us-gov" : "aws";
}

/**
 * An AWS region from the known list (see `AWS_REGIONS`), or one added with the
 * `strata:extraAwsRegions` context key. An availability zone (`us-east-1a`) gets its own message.
 * Skips undefined and tokens.
 */
export function validateAwsRegion(scope: IConstruct, prop: string, value: unknown): void {
  if (value === undefined || isUnresolved(value)) return;
  if (typeof value !== "string") invalid(scope, prop, value, `must be an AWS region name (a string), not ${typeName(value)}`);
  if (/^[a-z]{2}(-[a-z]+)+-\d+[a-z]$/.test(value)) {
    invalid(scope, prop, value, `is an availability zone; give its region (${JSON.stringify(value.slice(0, -1))})`);
  }
  if (!AWS_REGION_SHAPE.test(value)) invalid(scope, prop, value, 'must be an AWS region such as "us-east-1"');
  const known = Object.values(AWS_REGIONS).some((regions) => regions.includes(value));
  if (!known && !extraRegions(scope, EXTRA_AWS_REGIONS_CONTEXT).includes(value)) {
    invalid(
      scope,
      prop,
      value,
      "is not an AWS region Strata knows (its list is dated 2025-11-01 and may be out of date); check the spelling, or if AWS " +
        `has opened this region since, accept it with the app context key "${EXTRA_AWS_REGIONS_CONTEXT}": ["${value}"] (cdktf.json "context")`,
    );
  }
}

/** An AWS partition name (`aws`, `aws-cn`, `aws-us-gov`, ...). Skips undefined and tokens. */
export function validateAwsPartition(scope: IConstruct, prop: string, value: unknown): void {
  if (value === undefined || isUnresolved(value)) return;
  if (typeof value !== "string" || !AWS_PARTITIONS.includes(value)) {
    invalid(scope, prop, value, `must be an AWS partition: ${AWS_PARTITIONS.map((p) => JSON.stringify(p)).join(", ")}`);
  }
}

const KMS_KEY_ARN_RE = /^arn:([a-z-]+):kms:([a-z]{2}(?:-[a-z]+)+-\d+):(\d{12}):key\/(mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;
const KMS_KEY_ARN_ALLOWED = "must be a KMS key ARN: arn:<partition>:kms:<region>:<account>:key/<id>";

/**
 * A KMS key ARN (`arn:<partition>:kms:<region>:<account>:key/<id>`). Aliases (`alias/x`), alias
 * ARNs and bare key ids are rejected with the reason: IAM policies and grants name a key only by
 * its key ARN, so a statement on an alias allows nothing. Skips undefined and tokens.
 */
export function validateKmsKeyArn(scope: IConstruct, prop: string, value: unknown): void {
  if (value === undefined || isUnresolved(value)) return;
  if (typeof value !== "string") invalid(scope, prop, value, `${KMS_KEY_ARN_ALLOWED}, not ${typeName(value)}`);
  const why = "IAM policies and key grants name a key only by its key ARN, so a statement on anything else allows nothing";
  if (value.startsWith("alias/") || /^arn:[^:]+:kms:[^:]*:[^:]*:alias\//.test(value)) {
    invalid(scope, prop, value, `is a KMS alias; ${KMS_KEY_ARN_ALLOWED} (${why}; look the key up with the aws_kms_alias data source's target_key_arn)`);
  }
  if (/^(mrk-)?[0-9a-f-]{32,36}$/.test(value)) {
    invalid(scope, prop, value, `is a bare key id; ${KMS_KEY_ARN_ALLOWED} (${why})`);
  }
  const m = KMS_KEY_ARN_RE.exec(value);
  if (!m) invalid(scope, prop, value, KMS_KEY_ARN_ALLOWED);
  if (!AWS_PARTITIONS.includes(m[1])) invalid(scope, prop, value, `has an unknown partition ${JSON.stringify(m[1])}; ${KMS_KEY_ARN_ALLOWED}`);
}

const IAM_ROLE_ARN_RE = /^arn:([a-z-]+):iam::(\d{12}):role\/((?:[\x21-\x7e]+\/)*)([\w+=,.@-]{1,64})$/;

/** An IAM role ARN (`arn:<partition>:iam::<account>:role/[<path>/]<name>`). Skips undefined and tokens. */
export function validateIamRoleArn(scope: IConstruct, prop: string, value: unknown): void {
  if (value === undefined || isUnresolved(value)) return;
  const allowed = "must be an IAM role ARN: arn:<partition>:iam::<12-digit account>:role/[<path>/]<name>";
  if (typeof value !== "string") invalid(scope, prop, value, `${allowed}, not ${typeName(value)}`);
  const m = IAM_ROLE_ARN_RE.exec(value);
  if (!m) invalid(scope, prop, value, allowed);
  if (!AWS_PARTITIONS.includes(m[1])) invalid(scope, prop, value, `has an unknown partition ${JSON.stringify(m[1])}; ${allowed}`);
}

/** Kinds of IAM principal that `validateIamPrincipalArn` accepts. */
export type IamPrincipalKind = "role" | "user" | "root";

/**
 * An IAM principal ARN in a known partition. `kinds` lists what may follow `iam::<account>:`
 * (`role/...`, `user/...`, `root`). Session ARNs (`arn:aws:sts::...:assumed-role/...`) and KMS
 * aliases are rejected. Skips undefined and tokens.
 */
export function validateIamPrincipalArn(scope: IConstruct, prop: string, value: unknown, kinds: readonly IamPrincipalKind[]): void {
  if (value === undefined || isUnresolved(value)) return;
  const example = kinds.includes("role") ? "arn:aws:iam::123456789012:role/platform-admins" : "arn:aws:iam::123456789012:user/alice";
  const what = kinds.map((k) => (k === "root" ? "an account root" : `an IAM ${k}`)).join(" or ");
  if (typeof value !== "string") invalid(scope, prop, value, `must be ${what} ARN such as ${example}, not ${typeName(value)}`);
  const partition = /^arn:([^:]*):/.exec(value)?.[1];
  if (partition !== undefined && !AWS_PARTITIONS.includes(partition)) {
    invalid(scope, prop, value, `names the unknown partition ${JSON.stringify(partition)}; AWS partitions are ${AWS_PARTITIONS.join(", ")}`);
  }
  const body = /^arn:[a-z-]+:iam::\d{12}:(.*)$/.exec(value)?.[1];
  const ok =
    body !== undefined &&
    ((kinds.includes("root") && body === "root") ||
      (kinds.includes("role") && /^role\/[\w+=,.@/-]+$/.test(body)) ||
      (kinds.includes("user") && /^user\/[\w+=,.@/-]+$/.test(body)));
  if (!ok) invalid(scope, prop, value, `must be ${what} ARN such as ${example}`);
}

// -------------------------------------------------------------------------------------------------
// Helm and URLs
// -------------------------------------------------------------------------------------------------

const SEMVER = /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

/**
 * An exact Helm chart version (SemVer 2, optionally with a leading `v`): `latest`, ranges
 * (`^1.2.0`, `~1.2`, `>=1.0.0`, `1.x`, `*`) and partial versions are rejected, since they let an
 * upgrade happen without a code change. Skips tokens.
 */
export function validateHelmChartVersion(scope: IConstruct, prop: string, value: unknown): void {
  if (isUnresolved(value)) return;
  if (typeof value !== "string" || !SEMVER.test(value)) {
    invalid(
      scope,
      prop,
      value,
      'must be an exact chart version such as "1.14.1" or "v26.7.0" (SemVer); "latest", ranges and partial versions are not pinned',
    );
  }
}

/**
 * A Helm chart repository URL with a scheme: `https://` (a chart repository) or `oci://` (an OCI
 * registry). Plain `http://` and scheme-less hosts are rejected. Skips tokens.
 */
export function validateChartRepository(scope: IConstruct, prop: string, value: unknown): void {
  if (isUnresolved(value)) return;
  const allowed = 'must be a chart repository URL starting with "https://" or "oci://", e.g. "https://helm.ngc.nvidia.com/nvidia" or "oci://public.ecr.aws/karpenter"';
  if (typeof value !== "string") invalid(scope, prop, value, allowed);
  if (value.startsWith("http://")) invalid(scope, prop, value, `${allowed} (plain http lets the chart be altered in transit)`);
  if (!/^(https|oci):\/\/[A-Za-z0-9.-]+(:\d{1,5})?(\/[^\s]*)?$/.test(value)) invalid(scope, prop, value, allowed);
}

/**
 * A service endpoint URL with no path: `https://host[:port]` (and `http://` when `allowHttp`), as
 * S3-compatible clients expect; a path, query or trailing '/' is rejected. Skips tokens.
 */
export function validateUrlWithoutPath(scope: IConstruct, prop: string, value: unknown, allowHttp = false): void {
  if (isUnresolved(value)) return;
  const example = "https://minio.storage.svc:9000";
  if (typeof value !== "string") invalid(scope, prop, value, `must be a URL such as ${example}, not ${typeName(value)}`);
  const m = /^([a-z]+):\/\/([^/?#\s]+)(.*)$/.exec(value);
  if (!m || (m[1] !== "https" && m[1] !== "http")) invalid(scope, prop, value, `must be an https URL such as ${example}`);
  if (m[1] === "http" && !allowHttp) invalid(scope, prop, value, "must use https; set allowInsecureHttp: true to accept plain http");
  if (!/^[A-Za-z0-9.-]+(:\d{1,5})?$/.test(m[2]) && !/^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/.test(m[2])) {
    invalid(scope, prop, value, `must be ${m[1]}://<host>[:<port>], e.g. ${example}`);
  }
  const port = /:(\d+)$/.exec(m[2])?.[1];
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) invalid(scope, prop, value, "must have a port from 1 to 65535");
  if (m[3] !== "") {
    invalid(scope, prop, value, `must be ${m[1]}://<host>[:<port>] with no path, query or trailing '/' (the bucket is a separate prop)`);
  }
}

// -------------------------------------------------------------------------------------------------
// GCP
// -------------------------------------------------------------------------------------------------

/**
 * Google Cloud regions, as listed on cloud.google.com/about/locations on 2025-11-01 (the one list:
 * it replaces a second list written on 2025-10-01 from the "Regions and zones" page,
 * cloud.google.com/compute/docs/regions-zones, which held the same 42 regions). Regions opened
 * after that date are rejected until the list is updated: set the app context key
 * `strata:extraGcpRegions` (a list) to accept them meanwhile. The GPU catalog (`gpu.ts`) keeps its
 * own, smaller list of the regions whose GPU offerings it read.
 */
export const GCP_REGIONS: readonly string[] = [
  "africa-south1", "asia-east1", "asia-east2", "asia-northeast1", "asia-northeast2", "asia-northeast3", "asia-south1",
  "asia-south2", "asia-southeast1", "asia-southeast2", "australia-southeast1", "australia-southeast2", "europe-central2",
  "europe-north1", "europe-north2", "europe-southwest1", "europe-west1", "europe-west2", "europe-west3", "europe-west4",
  "europe-west6", "europe-west8", "europe-west9", "europe-west10", "europe-west12", "me-central1", "me-central2", "me-west1",
  "northamerica-northeast1", "northamerica-northeast2", "northamerica-south1", "southamerica-east1", "southamerica-west1",
  "us-central1", "us-east1", "us-east4", "us-east5", "us-south1", "us-west1", "us-west2", "us-west3", "us-west4",
];

/**
 * The shape of a Google Cloud region name, e.g. `us-central1` or `northamerica-northeast2` (one
 * pattern for every check, the GPU catalog's included).
 */
export const GCP_REGION_PATTERN = /^[a-z]+(?:-[a-z]+)+\d+$/;
/**
 * The shape of a Google Cloud zone name: a region, a dash and one letter, e.g. `us-central1-a`;
 * group 1 is the region. Every public zone on the 2025-11-01 locations page ends in one letter;
 * zones with other suffixes (if Google adds any) are not accepted until this pattern changes.
 */
export const GCP_ZONE_PATTERN = /^([a-z]+(?:-[a-z]+)+\d+)-[a-z]$/;

/** How a location string reads: a region, or a zone and its region. */
export interface GcpLocation {
  /** The region (the location itself, or the zone's region). */
  readonly region: string;
  /** The zone, when the location is one. */
  readonly zone?: string;
}

/** The region and zone of `location`, or undefined when it is not a well-formed region or zone name. */
export function parseGcpLocation(location: string): GcpLocation | undefined {
  if (typeof location !== "string") return undefined;
  if (GCP_REGION_PATTERN.test(location)) return { region: location };
  const zone = GCP_ZONE_PATTERN.exec(location);
  return zone ? { region: zone[1], zone: location } : undefined;
}

/** True when `region` is on the list of known regions, or added with `strata:extraGcpRegions` in `scope`'s context. */
export function isKnownGcpRegion(scope: IConstruct, region: string): boolean {
  return GCP_REGIONS.includes(region) || extraRegions(scope, EXTRA_GCP_REGIONS_CONTEXT).includes(region);
}

function unknownGcpRegion(scope: IConstruct, prop: string, value: unknown, region: string): never {
  return invalid(
    scope,
    prop,
    value,
    `${value === region ? "is not" : `is in the region ${JSON.stringify(region)}, which is not`} a Google Cloud region Strata knows (its list is dated 2025-11-01 and may be out of date); ` +
      `check the spelling, or if Google has opened this region since, accept it with the app context key "${EXTRA_GCP_REGIONS_CONTEXT}": ["${region}"] (cdktf.json "context")`,
  );
}

/**
 * A Google Cloud project id: 6-30 lowercase letters, digits and '-', starting with a letter and
 * not ending with '-' (domain-scoped ids `example.com:proj` accepted). A display name (capitals,
 * spaces) or a project number gets its own message. Skips tokens.
 */
export function validateGcpProjectId(scope: IConstruct, prop: string, value: unknown): void {
  if (isUnresolved(value)) return;
  const allowed = "must be a Google Cloud project id: 6 to 30 lowercase letters, digits and '-', starting with a letter";
  if (typeof value !== "string" || value.length === 0) invalid(scope, prop, value, `is required and ${allowed}`);
  if (/^\d+$/.test(value)) invalid(scope, prop, value, `is a project number; ${allowed} (the project id, not its number)`);
  if (/[A-Z\s]/.test(value)) {
    invalid(scope, prop, value, `looks like a project display name; ${allowed} (see "gcloud projects list", column PROJECT_ID)`);
  }
  if (!/^(?:[a-z][a-z0-9-]*(?:\.[a-z0-9-]+)+:)?[a-z][a-z0-9-]{4,28}[a-z0-9]$/.test(value)) invalid(scope, prop, value, allowed);
}

/** A Google Cloud region from the known list (or `strata:extraGcpRegions`); a zone gets its own message. Skips undefined and tokens. */
export function validateGcpRegion(scope: IConstruct, prop: string, value: unknown): void {
  if (value === undefined || isUnresolved(value)) return;
  if (typeof value !== "string") invalid(scope, prop, value, `must be a Google Cloud region name (a string), not ${typeName(value)}`);
  const zone = GCP_ZONE_PATTERN.exec(value);
  if (zone) invalid(scope, prop, value, `is a zone; give its region (${JSON.stringify(zone[1])})`);
  if (!GCP_REGION_PATTERN.test(value)) invalid(scope, prop, value, 'must be a Google Cloud region such as "us-central1"');
  if (!isKnownGcpRegion(scope, value)) unknownGcpRegion(scope, prop, value, value);
}

/** A Google Cloud zone (`<region>-<letter>`) in a known region; a region gets its own message. Skips undefined and tokens. */
export function validateGcpZone(scope: IConstruct, prop: string, value: unknown): void {
  if (value === undefined || isUnresolved(value)) return;
  if (typeof value !== "string") invalid(scope, prop, value, `must be a Google Cloud zone name (a string), not ${typeName(value)}`);
  if (GCP_REGION_PATTERN.test(value)) invalid(scope, prop, value, `is a region; give one of its zones, e.g. ${JSON.stringify(`${value}-a`)}`);
  const zone = GCP_ZONE_PATTERN.exec(value);
  if (!zone) invalid(scope, prop, value, 'must be a Google Cloud zone such as "us-central1-a"');
  validateGcpRegion(scope, `${prop} (its region)`, zone[1]);
}

/**
 * A Google Cloud location: a known region (a regional resource) or a zone of one (a zonal
 * resource), returned parsed. Skips tokens (returns undefined).
 */
export function validateGcpLocation(scope: IConstruct, prop: string, value: unknown): GcpLocation | undefined {
  if (isUnresolved(value)) return undefined;
  const allowed = 'must be a region such as "us-central1" (regional) or a zone such as "us-central1-a" (zonal)';
  if (typeof value !== "string") invalid(scope, prop, value, `${allowed}, not ${typeName(value)}`);
  const location = parseGcpLocation(value);
  if (location === undefined) invalid(scope, prop, value, allowed);
  if (!isKnownGcpRegion(scope, location.region)) unknownGcpRegion(scope, prop, value, location.region);
  return location;
}

const CRON_DESCRIPTORS = ["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"];
const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

/** A five-field cron expression or a descriptor (`@daily`, `@every 6h`), as robfig/cron's standard parser takes it. */
export function validateCron(scope: IConstruct, prop: string, value: unknown): void {
  if (isUnresolved(value)) return;
  const allowed =
    'must be a cron schedule of five fields "minute hour day-of-month month day-of-week" (e.g. "0 3 * * *") or one of ' + CRON_DESCRIPTORS.join(", ");
  if (typeof value !== "string") invalid(scope, prop, value, `${allowed}, not ${typeName(value)}`);
  const text = value.trim();
  if (CRON_DESCRIPTORS.includes(text)) return;
  if (/^@every\s/.test(text)) {
    if (!/^@every\s+(\d+(h|m|s))+$/.test(text)) invalid(scope, prop, value, 'must be "@every <duration>" such as "@every 6h" or "@every 1h30m"');
    return;
  }
  const fields = text.split(/\s+/);
  if (fields.length !== 5) invalid(scope, prop, value, `${allowed}; got ${fields.length} field${fields.length === 1 ? "" : "s"}`);
  const specs: [string, number, number, string[]][] = [
    ["minute", 0, 59, []],
    ["hour", 0, 23, []],
    ["day-of-month", 1, 31, []],
    ["month", 1, 12, MONTHS],
    ["day-of-week", 0, 6, DAYS],
  ];
  fields.forEach((field, i) => {
    const [what, min, max, names] = specs[i];
    const num = (s: string): number => {
      const byName = names.indexOf(s.toLowerCase());
      if (byName >= 0) return byName + min;
      return /^\d+$/.test(s) ? Number(s) : NaN;
    };
    for (const part of field.split(",")) {
      const m = /^(\*|\?|([A-Za-z0-9]+)(-([A-Za-z0-9]+))?)(\/(\d+))?$/.exec(part);
      const bad = () => invalid(scope, prop, value, `has an invalid ${what} field "${field}": values ${min}-${max}${names.length ? " or names" : ""}, '*', ranges a-b, lists a,b and steps /n`);
      if (!m) bad();
      if (m![1] === "?" && i !== 2 && i !== 4) bad();
      if (m![2] !== undefined) {
        const lo = num(m![2]);
        const hi = m![4] !== undefined ? num(m![4]) : lo;
        if (!(lo >= min && hi <= max && lo <= hi)) bad();
      }
      if (m![6] !== undefined && Number(m![6]) < 1) bad();
    }
  });
}
