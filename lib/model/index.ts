export * from "./training-runtime";
export * from "./torch-distributed-runtime";
export * from "./pytorch-job-operator";
export * from "./training-job";
