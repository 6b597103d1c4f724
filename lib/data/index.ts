export * from "./seaweedfs";
