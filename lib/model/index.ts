export * from "./rds-postgres-database";
