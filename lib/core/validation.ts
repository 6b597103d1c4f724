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
  if (!Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer from ${min} to ${max}`;
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
  if (min > max) {
    invalid(scope, minProp, min, `must be less than or equal to ${maxProp} (${max})`);
  }
}

/** One of a fixed set of string values. */
export function validateOneOf(scope: IConstruct, prop: string, value: string | undefined, allowed: readonly string[]): void {
  if (value === undefined || isUnresolved(value)) return;
  if (!allowed.includes(value)) {
    invalid(scope, prop, value, `must be one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}`);
  }
}

/** A non-empty string. */
export function validateNonEmpty(scope: IConstruct, prop: string, value: string | undefined): void {
  if (value === undefined) invalid(scope, prop, value, "is required and must be a non-empty string");
  if (isUnresolved(value)) return;
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
  values.forEach((v, i) => {
    validateCidr(scope, `${prop}[${i}]`, v);
    if (!options.allowAnywhere && !isUnresolved(v) && parseIpv4Cidr(v)?.prefix === 0) {
      invalid(scope, `${prop}[${i}]`, v, options.anywhereHint ?? "must not be 0.0.0.0/0 (the whole internet)");
    }
  });
}
