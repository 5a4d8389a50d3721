/** What every gRPC service adapter shares: the door, the live streams and the serving phase. */
import type { SidecarState } from "../../state/sidecar-state.js";
import type { LiveStreams } from "./live-streams.js";

/** Recovering: the journal is being replayed (UNAVAILABLE); stopping: graceful shutdown (SHUTTING_DOWN). */
export type ServingPhase = "recovering" | "serving" | "stopping";

export interface ServiceContext {
  readonly state: SidecarState;
  readonly streams: LiveStreams;
  phase(): ServingPhase;
  /** Writers of the live channels, for the notices the door sends them (fenced, expired). */
  readonly channelWriters: Map<bigint, (message: import("../../../gen/openpit/sidecar/v1/channel_pb.js").OpenResponse) => void>;
}
