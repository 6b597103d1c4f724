export * from "./spark-operator";
export * from "./spark-job";
export * from "./spark-validation-gate";
