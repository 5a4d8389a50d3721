/** What every gRPC service adapter shares: the door, the live streams and the serving phase. */
import type { ServerUnaryCall } from "@grpc/grpc-js";
import type { ChannelNotice } from "../../state/results.js";
import type { AccountId } from "../../param/index.js";
import type { SidecarState } from "../../state/sidecar-state.js";
import type { ChannelCommand } from "../../state/commands.js";
import type { LiveStreams } from "./live-streams.js";
import type { SidecarMetrics } from "../metrics/sidecar-metrics.js";
import type { SidecarLogger } from "../log/sidecar-log.js";
import type { OwnershipGate } from "../../replication/ownership-gate.js";
import type { ReplicationControl } from "../../replication/replication-control.js";

/**
 * Recovering: the journal is being replayed (UNAVAILABLE). Draining: shutdown's first step,
 * health NOT_SERVING, new risk refused (SHUTTING_DOWN), the rest runs. Stopping: streams are
 * being closed, everything new is refused (SHUTTING_DOWN). Failed: the process is failing
 * closed after an uncaught error; everything is refused and the engine is not called again.
 */
export type ServingPhase = "recovering" | "serving" | "draining" | "stopping" | "failed";

/** What every call kind has (metadata, peer, auth context): grpc-js does not export its name. */
export type AnyServerCall = Pick<ServerUnaryCall<unknown, unknown>, "metadata" | "getPeer" | "getPath" | "getAuthContext">;

export interface ServiceContext {
  readonly state: SidecarState;
  readonly streams: LiveStreams;
  phase(): ServingPhase;
  /** The live channels' notice writers, for what the door tells them unasked (fenced, expired, closing, cancel working orders). */
  readonly channelWriters: Map<bigint, (notice: ChannelNotice) => void>;
  /** The gRPC peer of each live channel's stream (the operator's channel list). */
  readonly channelPeers?: Map<bigint, string>;
  /** Who this server is (version, configuration digest, uptime, listeners), for GetServerStatus. */
  readonly identity?: () => ServerIdentityView;
  /** Answer latencies and dropped monitors are counted here (absent: not measured). */
  readonly metrics?: SidecarMetrics;
  /** Connects, disconnects and dropped monitors are logged here (absent: not logged). */
  readonly log?: SidecarLogger;
  /**
   * Told of every refused call and every refused command (no or bad credentials, a missing
   * role, an account out of scope), after the refusal and before anything else: the audit
   * trail records it. Nothing was changed by what was refused.
   */
  onDenied?: (denial: Denial) => void;
  /** Replicated mode only: which accounts this instance may run commands on now. */
  ownership?: OwnershipGate;
  /** Replicated mode only: step-down and status for the admin service. */
  replication?: ReplicationControl;
  /**
   * Replicated mode with failover only: the ownership group whose journal numbers this
   * instance's events ("0-1", or "all" for the default group), told to event monitors.
   */
  ownershipGroup?: string;
}

/** The server's identity as GetServerStatus reports it (counts come from the state). */
export interface ServerIdentityView {
  readonly version: string;
  /** The journal's replay rules of this build; 0 when the server was built without an identity. */
  readonly replayRules: number;
  readonly uptimeMs: number;
  readonly configDigest: string;
  readonly durabilityMode: string;
  readonly listeners: readonly { readonly name: string; readonly address: string }[];
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
  /** The account a refused command or report named, if any: `QueryAudit{account_id}` finds the attempt. */
  readonly accountIds?: readonly AccountId[];
  /** How many refusals this one stands for (a message's refused commands of one kind: message-denials.ts); absent: one. */
  readonly count?: number;
}

/** What a command is told when the phase refuses it (the same words on every service). */
export const PHASE_REFUSALS = {
  recovering: "the sidecar is recovering its state; retry shortly",
  stopping: "the sidecar is shutting down",
  draining: "the sidecar is shutting down: no new orders or binds; commits, rollbacks, releases and reports still run",
} as const;

/**
 * Channel commands refused while draining: each could take on new risk (a pin, a request
 * that leads to a reservation, a reservation). Everything else finishes or records what
 * already happened, so a gateway can wind down its open orders before the channel closes.
 * Drop copies (`dropCopy`) stay allowed: the order is already at the venue.
 */
export const DRAIN_REFUSED_COMMANDS: ReadonlySet<ChannelCommand["kind"]> = new Set(["bind", "start", "executeRequest", "execute"]);
