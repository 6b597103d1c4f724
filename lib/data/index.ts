export * from "./event-stream";
export * from "./event-stream-kinesis";
export * from "./event-stream-msk";
export * from "./event-stream-pubsub";
export * from "./event-stream-strimzi";
