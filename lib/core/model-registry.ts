import { IConstruct } from "constructs";
import { IWorkloadIdentity } from "./cluster";

/**
 * Registered-model aliases: the promotion contract between the model layer (which moves an alias
 * to a new version after an evaluation gate) and the serving layer (which serves the version an
 * alias points at). A user may use other aliases; these two are the ones Strata reads and writes.
 */
export enum ModelAlias {
  /** The candidate that passed validation and waits for promotion. */
  STAGING = "staging",
  /** The version production endpoints serve. */
  PRODUCTION = "production",
}

/**
 * One environment variable a registry client needs: a literal value, or a key of a Kubernetes
 * Secret in the client's namespace.
 */
export interface RegistryClientEnvVar {
  /** Variable name, e.g. `MLFLOW_TRACKING_URI`. */
  readonly name: string;
  /**
   * Literal value.
   * @default - read from `secretName`/`secretKey`
   */
  readonly value?: string;
  /**
   * Kubernetes Secret (in the client's namespace) holding the value.
   * @default - a literal `value`
   */
  readonly secretName?: string;
  /**
   * Data key in `secretName`.
   * @default - none (only with `secretName`)
   */
  readonly secretKey?: string;
}

/** Options of `IModelRegistry.clientEnvironment`. */
export interface RegistryClientOptions {
  /** Namespace of the client pods (Secrets named in the environment must exist there). */
  readonly namespace: string;
  /**
   * Kubernetes Secret in `namespace` holding the client's registry credentials, for registries
   * that authenticate clients with a user name and password.
   * @default - the registry's documented default Secret name for clients
   */
  readonly credentialsSecretName?: string;
}

/**
 * The model-registry contract: where training jobs and pipelines log runs and register models,
 * and where serving resolves `models:/<name>@<alias>`. Implemented by the model layer (MLflow,
 * and the managed registries where they fit); read by the model and serving layers.
 */
export interface IModelRegistry extends IConstruct {
  /** Tracking URI clients use, e.g. `http://mlflow.mlflow.svc.cluster.local:80`. */
  readonly trackingUri: string;
  /** URI of the version an alias points at, e.g. `models:/churn@production`. */
  modelUri(modelName: string, alias: ModelAlias): string;
  /** The environment variables a client pod needs (tracking URI, credentials from a Secret). */
  clientEnvironment(options: RegistryClientOptions): RegistryClientEnvVar[];
  /** Allows a workload identity to log runs and artifacts and to register model versions. */
  grantClient(identity: IWorkloadIdentity): void;
}
