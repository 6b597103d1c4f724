export * from "./aws-vpc";
export * from "./eks-cluster";
export * from "./eks-workload-identity";
export * from "./existing-cluster";
