export * from "./argo-workflows";
export * from "./training-pipeline";
