import { Construct } from "constructs";
import { TerraformStack } from "cdktf";
import { DataKubernetesResources } from "@cdktf/provider-kubernetes/lib/data-kubernetes-resources";
import { ClusterConnection } from "../core/connection";
import { invalid } from "../core/validation";

/** Props of `PyTorchJobOperator`. */
export interface PyTorchJobOperatorProps {
  /** The cluster connection (platform stack) the operator is checked through. */
  readonly connection: ClusterConnection;
}

/**
 * The legacy Kubeflow training-operator v1.9.0 (`PyTorchJob` `kubeflow.org/v1`) as a checked
 * prerequisite of the platform stack, for teams that keep PyTorchJobs (`TrainingJob` with
 * `TrainingJobKind.PYTORCH_JOB`). New work should use Kubeflow Trainer (`TrainingRuntime`).
 *
 * The operator has no Helm chart at v1.9.0: upstream installs it with kustomize from the pinned
 * release (the `standalone` overlay: CRDs, namespace `kubeflow`, RBAC, the controller and its
 * webhook). Installing it is a documented step, run once per cluster before `cdktf deploy platform`:
 *
 *   kubectl apply --server-side -k "github.com/kubeflow/training-operator.git/manifests/overlays/standalone?ref=v1.9.0"
 *
 * This construct makes that step checked rather than assumed: it reads the
 * `pytorchjobs.kubeflow.org` CRD through the connection, and the plan of the platform stack fails
 * with the command above when it is missing.
 *
 * @example
 * new PyTorchJobOperator(platform, "TrainingOperator", { connection: platformConnection });
 */
export class PyTorchJobOperator extends Construct {
  /** Operator version Strata is tested with. */
  public static readonly VERSION = "1.9.0";
  /** API version of the PyTorchJob custom resource. */
  public static readonly API_VERSION = "kubeflow.org/v1";
  /** The command that installs (or upgrades) the operator (the upstream README's standalone install). */
  public static readonly INSTALL_COMMAND = `kubectl apply --server-side -k "github.com/kubeflow/training-operator.git/manifests/overlays/standalone?ref=v${PyTorchJobOperator.VERSION}"`;
  /** Name of the CRD the check reads. */
  public static readonly CRD_NAME = "pytorchjobs.kubeflow.org";

  /** The connection the operator is checked through. */
  public readonly connection: ClusterConnection;
  /** The data source that reads the `pytorchjobs.kubeflow.org` CRD. */
  public readonly crdCheck: DataKubernetesResources;

  constructor(scope: Construct, id: string, props: PyTorchJobOperatorProps) {
    super(scope, id);
    if (props === undefined || props === null || !(props.connection instanceof ClusterConnection)) {
      invalid(this, "connection", props?.connection, "must be a ClusterConnection (cluster.connect(platformStack, ...))");
    }
    const existing = TerraformStack.of(this)
      .node.findAll()
      .find((c) => c instanceof PyTorchJobOperator && c !== this && c.connection.cluster === props.connection.cluster);
    if (existing) invalid(this, "connection", props.connection.cluster.node.path, `already has a PyTorchJobOperator in this stack (${existing.node.path})`);
    this.connection = props.connection;
    this.crdCheck = new DataKubernetesResources(this, "Crd", {
      provider: props.connection.kubernetesProvider,
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      fieldSelector: `metadata.name=${PyTorchJobOperator.CRD_NAME}`,
      lifecycle: {
        postcondition: [
          {
            condition: "${length(self.objects) == 1}",
            errorMessage: `The Kubeflow training-operator v${PyTorchJobOperator.VERSION} is not installed on this cluster (no CRD ${PyTorchJobOperator.CRD_NAME}): run ${PyTorchJobOperator.INSTALL_COMMAND}`,
          },
        ],
      },
    });
  }
}
