/**
 * The codec: the one place where generated protobuf types meet domain types.
 * Everything else in `server/` speaks domain types, or passes generated messages through.
 */
export * from "../../state/command-error.js";
export * from "./scalars.js";
export * from "./enums.js";
export * from "./decode-order.js";
export * from "./decode-report.js";
export * from "./decode-adjustment.js";
export * from "./encode.js";
export * from "./encode-results.js";
export * from "./decode-commands.js";
export * from "./encode-events.js";
export * from "./admin.js";
export * from "./audit.js";
export * from "./operator.js";
export * from "./write-answers.js";
