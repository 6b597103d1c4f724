export * from "./feature-store-operator";
export * from "./feature-store";
export * from "./valkey";
