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
   * Told of every refused call and every refused command (no or bad credentials, a missing
   * role, an account out of scope), after the refusal and before anything else: the audit
   * trail records it. Nothing was changed by what was refused.
   */
  onDenied?: (denial: Denial) => void;
}

/** A refused call or command, for the audit trail. */
export interface Denial {
  /** The principal's name, or "(unauthenticated)". */
  readonly actor: string;
  /** The full gRPC method path, with the command kind for a refused channel command or report. */
  readonly action: string;
  /** What was refused, in the words the caller was told (plus the peer address when unauthenticated). */
  readonly detail: string;
  /** UNAUTHENTICATED or PERMISSION_DENIED. */
  readonly reason: "UNAUTHENTICATED" | "PERMISSION_DENIED";
}

/** What a command is told when the phase refuses it (the same words on every service). */
export const PHASE_REFUSALS = {
  recovering: "the sidecar is recovering its state; retry shortly",
  stopping: "the sidecar is shutting down",
} as const;
