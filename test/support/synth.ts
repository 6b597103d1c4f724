/**
 * Small, generic helpers for Strata unit tests: stacks with an explicit backend and provider,
 * parsed synth output, and annotation lookup. Keep this file free of construct-specific logic.
 *
 * Note on the cdktf jest matchers (`toHaveResourceWithProperties` etc.): they match with a
 * top-level `expect.objectContaining`, so nested blocks (`metadata`, `vpc_config`) must be given
 * in full. For partial nested checks use `resourcesOfType(...)` with `toMatchObject`.
 */
import { App, DefaultTokenResolver, S3Backend, StringConcat, TerraformStack, Testing, Tokenization } from "cdktf";
import { IConstruct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";

/** Synthesized Terraform JSON of one stack, parsed. */
export type SynthJson = {
  resource?: Record<string, Record<string, any>>;
  data?: Record<string, Record<string, any>>;
  provider?: Record<string, any[]>;
  output?: Record<string, any>;
  terraform?: Record<string, any>;
  [key: string]: unknown;
};

/** A test app (temp outdir, stubbed version; no absolute paths in output). */
export function testApp(): App {
  return Testing.app();
}

/** A stack with an S3 backend and nothing else (no provider). */
export function bareStack(app: App = testApp(), id = "infra"): TerraformStack {
  const stack = new TerraformStack(app, id);
  new S3Backend(stack, { bucket: "strata-test-state", key: `${id}.tfstate`, region: "us-east-1" });
  return stack;
}

/** A stack with an S3 backend and a default AWS provider (us-east-1). */
export function awsStack(app: App = testApp(), id = "infra"): TerraformStack {
  const stack = bareStack(app, id);
  new AwsProvider(stack, "aws", { region: "us-east-1" });
  return stack;
}

/**
 * Runs cdktf's stack preparation on every stack of `app` (what `app.synth()` does first): this
 * turns values read from another stack into `terraform_remote_state` data sources and outputs.
 * `Testing.synth` alone leaves such references pointing at the other stack's resources.
 */
export function prepareApp(app: App): void {
  app.node
    .findAll()
    .filter((c): c is TerraformStack => TerraformStack.isStack(c))
    .forEach((stack) => stack.prepareStack());
}

/** `Testing.synth(stack)` parsed into an object. */
export function synthJson(stack: TerraformStack): SynthJson {
  return JSON.parse(Testing.synth(stack)) as SynthJson;
}

/** The resources of one Terraform type, keyed by logical id (empty object when none). */
export function resourcesOfType(json: SynthJson, type: string): Record<string, any> {
  return json.resource?.[type] ?? {};
}

/** The data sources of one Terraform type, keyed by logical id (empty object when none). */
export function dataSourcesOfType(json: SynthJson, type: string): Record<string, any> {
  return json.data?.[type] ?? {};
}

/** The only resource of `type`; throws when there are none or several. */
export function onlyResource(json: SynthJson, type: string): any {
  const all = Object.values(resourcesOfType(json, type));
  if (all.length !== 1) throw new Error(`expected exactly one ${type}, found ${all.length}`);
  return all[0];
}

/** `type.logicalId` of every resource, sorted: the resource inventory of a stack. */
export function resourceInventory(json: SynthJson): string[] {
  return Object.entries(json.resource ?? {})
    .flatMap(([type, byId]) => Object.keys(byId).map((id) => `${type}.${id}`))
    .sort();
}

/** Messages of annotations of one level (`warn`, `info`, `error`) anywhere under `scope`. */
export function annotations(scope: IConstruct, level: "warn" | "info" | "error" = "warn"): string[] {
  const type = `@cdktf/${level}`;
  return scope.node
    .findAll()
    .flatMap((c) => c.node.metadata.filter((m) => m.type === type).map((m) => String(m.data)));
}

/**
 * Resolves tokens in `value` as they would appear in `scope`'s stack (`"${aws_iam_role.X.arn}"`).
 * Token getters return a new token on every access, so compare resolved values, not tokens.
 */
export function resolve(scope: IConstruct, value: unknown): any {
  return Tokenization.resolve(value, { scope, resolver: new DefaultTokenResolver(new StringConcat()) });
}
