/** What every gRPC service adapter shares: the door, the live streams and the serving phase. */
import type { OpenResponse } from "../../../gen/openpit/sidecar/v1/channel_pb.js";
import type { SidecarState } from "../../state/sidecar-state.js";
import type { LiveStreams } from "./live-streams.js";

/** Recovering: the journal is being replayed (UNAVAILABLE); stopping: graceful shutdown (SHUTTING_DOWN). */
export type ServingPhase = "recovering" | "serving" | "stopping";

export interface ServiceContext {
  readonly state: SidecarState;
  readonly streams: LiveStreams;
  phase(): ServingPhase;
  /** Writers of the live channels, for the notices the door sends them (fenced, expired). */
  readonly channelWriters: Map<bigint, (message: OpenResponse) => void>;
}

/** What a command is told when the phase refuses it (the same words on every service). */
export const PHASE_REFUSALS = {
  recovering: "the sidecar is recovering its state; retry shortly",
  stopping: "the sidecar is shutting down",
} as const;
