import { createHash } from "crypto";
import { Token } from "cdktf";

/**
 * Internal: builds a name for a resource Strata creates (an IAM role, a service account)
 * from readable parts. When the joined name is longer than `maxLength`, it is cut and an
 * 8-character hash of the full name is appended, so it stays unique and deterministic.
 * Unresolved tokens are kept as they are (their length is unknown at synth time).
 */
export function generatedName(parts: string[], maxLength: number, separator = "-"): string {
  const full = parts.filter((p) => p.length > 0).join(separator);
  if (Token.isUnresolved(full) || full.length <= maxLength) return full;
  const hash = hash8(full);
  const head = full.slice(0, maxLength - hash.length - separator.length).replace(/[-_.]+$/, "");
  return `${head}${separator}${hash}`;
}

/** Internal: the first 8 hex characters of the SHA-256 of `value`: a short, stable key for construct ids and names. */
export function hash8(value: string): string {
  return createHash("sha256").update(value).digest("hex").slice(0, 8);
}

/** Internal: an IAM policy document as a JSON string (tokens inside are resolved at synth). */
export function iamPolicy(statements: object[]): string {
  return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}
