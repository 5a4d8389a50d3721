/** What every gRPC service adapter shares: the door, the live streams and the serving phase. */
import type { ServerUnaryCall } from "@grpc/grpc-js";
import type { OpenResponse } from "../../../gen/openpit/sidecar/v1/channel_pb.js";
import type { SidecarState } from "../../state/sidecar-state.js";
import type { LiveStreams } from "./live-streams.js";

/** Recovering: the journal is being replayed (UNAVAILABLE); stopping: graceful shutdown (SHUTTING_DOWN). */
export type ServingPhase = "recovering" | "serving" | "stopping";

/** What every call kind has (metadata, peer, auth context): grpc-js does not export its name. */
export type AnyServerCall = Pick<ServerUnaryCall<unknown, unknown>, "metadata" | "getPeer" | "getPath" | "getAuthContext">;

export interface ServiceContext {
  readonly state: SidecarState;
  readonly streams: LiveStreams;
  phase(): ServingPhase;
  /** Writers of the live channels, for the notices the door sends them (fenced, expired). */
  readonly channelWriters: Map<bigint, (message: OpenResponse) => void>;
  /**
   * The principal a call acts as, recorded as the actor of the changes it makes (the audit
   * trail). Absent: every call is "local" (the single-user loopback default).
   */
  readonly actorOf?: (call: AnyServerCall) => string | undefined;
}

/** What a command is told when the phase refuses it (the same words on every service). */
export const PHASE_REFUSALS = {
  recovering: "the sidecar is recovering its state; retry shortly",
  stopping: "the sidecar is shutting down",
} as const;
