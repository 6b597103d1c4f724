export * from "./model-registry";
export * from "./sagemaker-model-registry";
export * from "./vertex-model-registry";
