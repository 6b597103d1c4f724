/**
 * Strata: CDK for Terraform constructs for production AI infrastructure.
 *
 * Each layer is a submodule: `core` (contracts, GPU catalog, naming, tags), `compute`
 * (clusters and node pools), `data` (data lake, streaming ingestion, transformation jobs, feature
 * store), `model` (experiment tracking and model registry, training, pipelines with an evaluation
 * gate). The serving and ops layers follow the same pattern.
 */
export * as core from "./core";
export * as compute from "./compute";
export * as data from "./data";
export * as model from "./model";
