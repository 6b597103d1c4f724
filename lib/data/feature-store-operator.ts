import { Construct } from "constructs";
import { TerraformStack } from "cdktf";
import { DataKubernetesResources } from "@cdktf/provider-kubernetes/lib/data-kubernetes-resources";
import { ClusterConnection } from "../core/connection";
import { invalid } from "../core/validation";

/** Props of `FeastOperator`. */
export interface FeastOperatorProps {
  /** The cluster connection (platform stack) the operator is installed on. */
  readonly connection: ClusterConnection;
}

/**
 * The Feast operator v0.66.0 (`FeatureStore` `feast.dev/v1`) as a checked prerequisite of the
 * platform stack.
 *
 * The operator has no Helm chart: upstream installs it from one pinned release manifest
 * (`infra/feast-operator/dist/install.yaml`: the CRD, namespace `feast-operator-system`, RBAC and
 * the Deployment `quay.io/feastdev/feast-operator:0.66.0`), about 1.4 MB, which Strata does not
 * vendor into the package. Terraform cannot download it at plan time without an extra provider,
 * and splitting it into `kubernetes_manifest` resources would need the CRD planned in an earlier
 * apply than everything else in it. So installing it is a documented step run once per cluster
 * (and per operator upgrade) before `cdktf deploy platform`:
 *
 *   kubectl apply --server-side -f https://raw.githubusercontent.com/feast-dev/feast/v0.66.0/infra/feast-operator/dist/install.yaml
 *
 * This construct makes that step checked rather than assumed: it reads the
 * `featurestores.feast.dev` CRD through the connection, and the plan of the platform stack fails
 * with the command above when the CRD is missing. A `FeatureStore` given this operator is applied
 * in a later stack than it.
 *
 * @example
 * const feast = new FeastOperator(platform, "Feast", { connection: platformConnection });
 */
export class FeastOperator extends Construct {
  /** Operator version Strata is tested with. */
  public static readonly VERSION = "0.66.0";
  /** The pinned release manifest. */
  public static readonly MANIFEST_URL = `https://raw.githubusercontent.com/feast-dev/feast/v${FeastOperator.VERSION}/infra/feast-operator/dist/install.yaml`;
  /** The command that installs (or upgrades) the operator. */
  public static readonly INSTALL_COMMAND = `kubectl apply --server-side -f ${FeastOperator.MANIFEST_URL}`;
  /** API group of the CRD the operator installs. */
  public static readonly CRD_GROUP = "feast.dev";

  /** The connection the operator is checked through. */
  public readonly connection: ClusterConnection;
  /** The data source that reads the `featurestores.feast.dev` CRD. */
  public readonly crdCheck: DataKubernetesResources;

  constructor(scope: Construct, id: string, props: FeastOperatorProps) {
    super(scope, id);
    if (!(props.connection instanceof ClusterConnection)) {
      invalid(this, "connection", props.connection, "must be a ClusterConnection (cluster.connect(platformStack, ...))");
    }
    const existing = TerraformStack.of(this)
      .node.findAll()
      .find((c) => c instanceof FeastOperator && c !== this && c.connection.cluster === props.connection.cluster);
    if (existing) invalid(this, "connection", props.connection.cluster.node.path, `already has a FeastOperator in this stack (${existing.node.path})`);
    this.connection = props.connection;
    this.crdCheck = new DataKubernetesResources(this, "Crd", {
      provider: props.connection.kubernetesProvider,
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      fieldSelector: "metadata.name=featurestores.feast.dev",
      lifecycle: {
        postcondition: [
          {
            condition: "${length(self.objects) == 1}",
            errorMessage: `The Feast operator v${FeastOperator.VERSION} is not installed on this cluster (no CRD featurestores.feast.dev): run ${FeastOperator.INSTALL_COMMAND}`,
          },
        ],
      },
    });
  }
}
