import { IConstruct } from "constructs";
import { App, Aspects, IAspect, TerraformResource, Token } from "cdktf";
import { Naming, NamingRule } from "./naming";
import { invalid, validateNonEmpty, warning } from "./validation";

/** Props of `StrataTags`. */
export interface StrataTagsProps {
  /** Team or person that owns the resources (tag/label `owner`). */
  readonly owner: string;
  /** Cost centre the resources are billed to (tag/label `cost-centre`). */
  readonly costCentre: string;
  /** Environment, e.g. `prod`, `staging` (tag/label `environment`). */
  readonly environment: string;
  /**
   * Extra tags/labels applied alongside the standard ones.
   * @default - none
   */
  readonly extra?: { [key: string]: string };
}

const AWS_TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

/** GCP resources whose resource labels are not in `labels`. */
const GCP_LABEL_PROPERTY: { [type: string]: string } = {
  google_container_cluster: "resourceLabels",
  // `labels` configures the channel (e.g. `email_address`); the resource labels are `user_labels`.
  google_monitoring_notification_channel: "userLabels",
};

/** True when `obj` (or its prototype chain) has a setter or a plain writable value for `property`. */
function isWritable(obj: object, property: string): boolean {
  for (let o: object | null = obj; o !== null; o = Object.getPrototypeOf(o)) {
    const descriptor = Object.getOwnPropertyDescriptor(o, property);
    if (descriptor) return descriptor.set !== undefined || descriptor.writable === true;
  }
  return false;
}

/**
 * An aspect that tags every taggable AWS resource (`tags`) and labels every labellable GCP
 * resource (`labels`, or `resource_labels` on GKE clusters) with `owner`, `cost-centre`,
 * `environment` and `managed-by: strata`. Tags set explicitly on a resource win.
 *
 * Values must satisfy both clouds' rules (GCP labels are the stricter: lowercase letters,
 * digits, `_` and `-`, at most 63 characters), so the same app can target both.
 *
 * @example
 * StrataTags.apply(infraStack, { owner: "ml-platform", costCentre: "cc-1234", environment: "prod" });
 */
export class StrataTags implements IAspect {
  /** Adds the aspect to `scope` (a stack, or a construct in one) and returns it. An App is rejected: cdktf runs aspects per stack. */
  public static apply(scope: IConstruct, props: StrataTagsProps): StrataTags {
    if (App.isApp(scope)) {
      invalid(
        scope,
        "scope",
        "App",
        "must be a stack (or a construct inside one): cdktf runs aspects from each stack down, so an aspect on the App tags nothing; apply StrataTags to each stack",
      );
    }
    const aspect = new StrataTags(scope, props);
    Aspects.of(scope).add(aspect);
    return aspect;
  }

  /** The tags/labels this aspect applies. */
  public readonly tags: { [key: string]: string };

  /**
   * @param scope the construct the aspect is applied to (used in error messages)
   * @param props the tag values
   */
  constructor(scope: IConstruct, props: StrataTagsProps) {
    const tags: { [key: string]: string } = {
      ...(props.extra ?? {}),
      owner: props.owner,
      "cost-centre": props.costCentre,
      environment: props.environment,
      "managed-by": "strata",
    };
    validateNonEmpty(scope, "owner", props.owner);
    validateNonEmpty(scope, "costCentre", props.costCentre);
    validateNonEmpty(scope, "environment", props.environment);
    for (const [key, value] of Object.entries(tags)) {
      if (Token.isUnresolved(key) || Token.isUnresolved(value)) continue;
      const keyProblem = /^[a-z][a-z0-9_-]{0,62}$/.test(key)
        ? undefined
        : "keys must start with a lowercase letter and contain only lowercase letters, digits, '_' and '-' (at most 63)";
      if (keyProblem) invalid(scope, `tag key`, key, keyProblem);
      const valueProblem =
        Naming.problem(NamingRule.GCP_LABEL_VALUE, value) ??
        (AWS_TAG_VALUE.test(value) ? undefined : "contains characters AWS tags do not allow");
      if (valueProblem) invalid(scope, `tag "${key}"`, value, valueProblem);
    }
    this.tags = tags;
  }

  /** Merges the tags into `node` when it is a taggable AWS or labellable GCP resource. */
  public visit(node: IConstruct): void {
    if (!(node instanceof TerraformResource)) return;
    const type = node.terraformResourceType;
    if (type.startsWith("aws_")) {
      this.merge(node, "tags");
      if (type === "aws_launch_template") this.mergeTagSpecifications(node);
    } else if (type.startsWith("google_")) {
      this.merge(node, GCP_LABEL_PROPERTY[type] ?? "labels");
    }
  }

  /**
   * Launch templates: the instances and volumes they start are tagged through
   * `tag_specifications`, not the template's own tags; GPU instances are the largest cost.
   */
  private mergeTagSpecifications(node: TerraformResource): void {
    const template = node as unknown as {
      tagSpecificationsInput?: unknown;
      putTagSpecifications(value: { resourceType?: string; tags?: Record<string, string> }[]): void;
    };
    const specs = template.tagSpecificationsInput;
    if (!Array.isArray(specs) || specs.some((spec) => Token.isUnresolved(spec) || Token.isUnresolved(spec?.tags))) return;
    template.putTagSpecifications(specs.map((spec) => ({ ...spec, tags: { ...this.tags, ...(spec.tags ?? {}) } })));
  }

  private merge(node: TerraformResource, property: string): void {
    const resource = node as unknown as Record<string, unknown>;
    // Not taggable, or `tags`/`labels` is a nested block rather than a map (e.g.
    // aws_devopsguru_resource_collection, google_monitoring_metric_descriptor): leave it alone.
    if (!(`${property}Input` in resource) || !isWritable(resource, property)) return;
    const current = resource[`${property}Input`];
    if (current !== undefined && Token.isUnresolved(current)) {
      warning(
        node,
        `${node.node.path}: ${property} is a token; Strata tags were not merged into it. Merge StrataTags.tags yourself.`,
      );
      return;
    }
    resource[property] = { ...this.tags, ...((current as Record<string, string> | undefined) ?? {}) };
  }
}
