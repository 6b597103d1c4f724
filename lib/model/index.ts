export * from "./argo-workflows";
export * from "./training-pipeline";
export * from "./rds-postgres-database";
export * from "./cloud-sql-postgres-database";
export * from "./cloudnative-pg-operator";
export * from "./cloudnative-pg-database";
