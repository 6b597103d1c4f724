export * from "./rds-postgres-database";
export * from "./cloud-sql-postgres-database";
