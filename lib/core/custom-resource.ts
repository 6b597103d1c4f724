import { Construct } from "constructs";
import { TerraformStack } from "cdktf";
import { Manifest } from "@cdktf/provider-kubernetes/lib/manifest";
import { ClusterConnection } from "./connection";
import { HelmChart, orderStacks } from "./helm-chart";
import { NamingRule, validateName } from "./naming";
import { invalid, isUnresolved, validateAnnotations, validateLabels, validateNamespaceName } from "./validation";

/** Props of `CustomResource`. */
export interface CustomResourceProps {
  /** The cluster connection (workloads stack) to create the resource through. */
  readonly connection: ClusterConnection;
  /**
   * The whole object: `apiVersion`, `kind`, `metadata` (with `name`) and `spec`. The name,
   * namespace, label and annotation keys and label values are checked against Kubernetes' syntax.
   */
  readonly manifest: { [key: string]: any };
}

/** Removes keys whose value is undefined, recursively (the API server drops them; schemas reject null). */
function withoutUndefined(value: any): any {
  if (Array.isArray(value)) return value.map(withoutUndefined);
  if (value !== null && typeof value === "object" && !isUnresolved(value)) {
    const out: Record<string, any> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = withoutUndefined(v);
    return out;
  }
  return value;
}

/**
 * A Kubernetes custom resource (`kubernetes_manifest`) created through a `ClusterConnection`.
 * Fails synth when the Helm chart that installs its CRD is in the same stack: Terraform plans a
 * `kubernetes_manifest` against the CRDs that already exist, so custom resources belong in the
 * workloads stack, after the platform stack that installs the operators.
 *
 * @example
 * new CustomResource(workloads, "Flavor", {
 *   connection,
 *   manifest: { apiVersion: "kueue.x-k8s.io/v1beta2", kind: "ResourceFlavor", metadata: { name: "spot" }, spec: {} },
 * });
 */
export class CustomResource extends Construct {
  /** The kubernetes_manifest resource. */
  public readonly resource: Manifest;
  /** `apiVersion` of the object. */
  public readonly apiVersion: string;
  /** API group of the object (empty for the core group). */
  public readonly group: string;
  /** `kind` of the object. */
  public readonly kind: string;
  /** `metadata.name` of the object. */
  public readonly name: string;
  /** The manifest as emitted (undefined keys removed). */
  public readonly manifest: { [key: string]: any };
  /** The connection the resource is created through. */
  public readonly connection: ClusterConnection;

  constructor(scope: Construct, id: string, props: CustomResourceProps) {
    super(scope, id);
    const manifest = withoutUndefined(props.manifest);
    const apiVersion = manifest.apiVersion;
    if (typeof apiVersion !== "string" || !/^([a-z0-9.-]+\/)?v\d+((alpha|beta)\d+)?$/.test(apiVersion)) {
      invalid(this, "manifest.apiVersion", apiVersion, 'must be "<group>/<version>", e.g. "kueue.x-k8s.io/v1beta2"');
    }
    if (typeof manifest.kind !== "string" || !/^[A-Z][A-Za-z0-9]*$/.test(manifest.kind)) {
      invalid(this, "manifest.kind", manifest.kind, "must be a Kubernetes kind in UpperCamelCase");
    }
    validateName(this, "manifest.metadata.name", manifest.metadata?.name, NamingRule.DNS1123_SUBDOMAIN);
    if (manifest.metadata.namespace !== undefined) validateNamespaceName(this, "manifest.metadata.namespace", manifest.metadata.namespace);
    validateLabels(this, "manifest.metadata.labels", manifest.metadata.labels);
    validateAnnotations(this, "manifest.metadata.annotations", manifest.metadata.annotations);
    this.apiVersion = apiVersion;
    this.group = apiVersion.includes("/") ? apiVersion.split("/")[0] : "";
    this.kind = manifest.kind;
    this.name = manifest.metadata.name;
    this.manifest = manifest;
    this.connection = props.connection;

    const chart = TerraformStack.of(this)
      .node.findAll()
      .find((c): c is HelmChart => c instanceof HelmChart && c.chart.crdGroups.includes(this.group));
    if (chart) {
      invalid(
        this,
        "manifest",
        `${apiVersion}/${this.kind}`,
        `its CRD is installed by ${chart.node.path} in the same stack; Terraform plans custom resources against CRDs that already exist, ` +
          "so create custom resources through a connection in a later (workloads) stack",
      );
    }
    // Apply after the stack whose chart installs this resource's CRD on the same cluster.
    for (const other of this.node.root.node.findAll()) {
      if (other instanceof HelmChart && other.chart.crdGroups.includes(this.group)) orderStacks(other, this);
    }
    this.resource = new Manifest(this, "Resource", {
      provider: props.connection.kubernetesProvider,
      manifest,
    });
  }
}
