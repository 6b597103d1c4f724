export * from "./data-lake";
export * from "./s3-data-lake";
export * from "./gcs-data-lake";
export * from "./seaweedfs";
export * from "./feature-store-operator";
export * from "./feature-store";
export * from "./valkey";
