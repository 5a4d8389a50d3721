/** A small TypeScript client for the sidecar, over the same generated code as the server. */
export * from "./grpc-clients.js";
export * from "./account-channel.js";
export * from "./owner-redirect.js";
export { AmbiguousHandleError } from "./handle-owners.js";
