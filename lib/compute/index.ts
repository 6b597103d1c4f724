export * from "./aws-vpc";
export * from "./eks-cluster";
export * from "./eks-workload-identity";
export * from "./existing-cluster";
export * from "./gcp-network";
export * from "./gke-cluster";
export * from "./gke-workload-identity";
