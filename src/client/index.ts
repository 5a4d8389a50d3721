/** A small TypeScript client for the sidecar, over the same generated code as the server. */
export * from "./grpc-clients.js";
export * from "./account-channel.js";
export * from "./owner-redirect.js";
export { AmbiguousHandleError } from "./handle-owners.js";
/** A command's answer on a channel (what `AccountChannel.one` and `send` resolve to). */
export type { CommandResult } from "../../gen/openpit/sidecar/v1/channel_pb.js";
