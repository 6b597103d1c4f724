import { IConstruct } from "constructs";
import { EventStreamGrantOptions } from "./event-stream";
import { invalid, isUnresolved, typeName, validateStringList } from "../core/validation";
import { hash8 } from "../core/generated-names";

/*
 * Internal (not exported from the package): name rules and grant-option checks shared by the
 * event-stream constructs.
 */

/** What is wrong with a Kafka topic name (Kafka's `Topic.validate`: 1-249 of [a-zA-Z0-9._-], not "." or ".."), or undefined. */
export function kafkaTopicProblem(value: unknown): string | undefined {
  const allowed = "must be a Kafka topic name: 1 to 249 characters of letters, digits, '.', '_' and '-', not \".\" or \"..\"";
  if (typeof value !== "string") return `${allowed}, not ${typeName(value)}`;
  if (value.length < 1 || value.length > 249) return `${allowed} (got ${value.length} characters)`;
  if (value === "." || value === "..") return allowed;
  if (!/^[a-zA-Z0-9._-]+$/.test(value)) return allowed;
  return undefined;
}

/** A Kafka topic name. Skips tokens. */
export function validateKafkaTopicName(scope: IConstruct, prop: string, value: unknown): void {
  if (isUnresolved(value)) return;
  const problem = kafkaTopicProblem(value);
  if (problem) invalid(scope, prop, value, problem);
}

/**
 * A Pub/Sub topic or subscription name: 3-255 characters, starting with a letter, of letters,
 * digits and `-_.~+%`, not starting with `goog`. `reserve` characters are kept free for a suffix
 * Strata appends (the dead-letter topic). Skips tokens.
 */
export function validatePubSubName(scope: IConstruct, prop: string, value: unknown, reserve = 0): void {
  if (isUnresolved(value)) return;
  const max = 255 - reserve;
  const allowed = `must be a Pub/Sub name: 3 to ${max} letters, digits and '-', '_', '.', '~', '+', '%', starting with a letter`;
  if (typeof value !== "string") invalid(scope, prop, value, `${allowed}, not ${typeName(value)}`);
  if (value.length < 3 || value.length > max) {
    invalid(scope, prop, value, `${allowed} (got ${value.length} characters${reserve ? `; ${reserve} are kept for the "-dead-letter" suffix` : ""})`);
  }
  if (!/^[A-Za-z][A-Za-z0-9._~+%-]*$/.test(value)) invalid(scope, prop, value, allowed);
  if (value.toLowerCase().startsWith("goog")) invalid(scope, prop, value, 'must not start with "goog" (reserved by Google)');
}

/** Validates grant options: known keys only, `topics` a non-empty list of topic names where required. */
export function grantOptions(
  scope: IConstruct,
  options: EventStreamGrantOptions | undefined,
  allowed: ("topics" | "consumerGroup" | "subscription")[],
  topicsRequired: boolean,
): EventStreamGrantOptions {
  if (options !== undefined && (options === null || typeof options !== "object" || Array.isArray(options))) {
    invalid(scope, "options", options, `must be an object of grant options, not ${typeName(options)}`);
  }
  const opts = options ?? {};
  for (const key of Object.keys(opts)) {
    if (!(allowed as string[]).includes(key) && (opts as any)[key] !== undefined) {
      invalid(scope, `options.${key}`, (opts as any)[key], allowed.length ? `does not apply here; allowed: ${allowed.join(", ")}` : "does not apply here: this stream takes no grant options");
    }
  }
  if (topicsRequired && opts.topics === undefined) {
    invalid(scope, "options.topics", undefined, "is required: a Kafka grant names the topics it covers (least privilege)");
  }
  if (opts.topics !== undefined) {
    validateStringList(scope, "options.topics", opts.topics, '["events"]');
    if (!isUnresolved(opts.topics) && opts.topics.length === 0) invalid(scope, "options.topics", opts.topics, "must name at least one topic");
    opts.topics.forEach((t, i) => validateKafkaTopicName(scope, `options.topics[${i}]`, t));
  }
  if (opts.consumerGroup !== undefined && !isUnresolved(opts.consumerGroup)) {
    const g = opts.consumerGroup as unknown;
    if (typeof g !== "string" || g.length < 1 || g.length > 255 || !/^[a-zA-Z0-9._-]+$/.test(g)) {
      invalid(scope, "options.consumerGroup", g, "must be a consumer group id: 1 to 255 letters, digits, '.', '_' and '-'");
    }
  }
  return opts;
}

/** A grant label that keeps grants of different topic sets / groups apart: `<prefix>-<8 hex of the parts>`. */
export function grantLabel(prefix: string, parts: string[]): string {
  return `${prefix}-${hash8(parts.join("\n"))}`;
}
