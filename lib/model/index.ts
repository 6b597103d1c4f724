export * from "./model-registry";
