export * from "./cluster";
export * from "./connection";
export * from "./gpu";
export * from "./naming";
export * from "./object-store";
export * from "./tags";
