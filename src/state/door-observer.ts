/**
 * What the door tells an observer (the server's metrics and logs) as commands run live.
 * The door stays free of any metrics library: it calls these plain methods, and only when
 * an observer is set; a replay tells nothing (its commands ran, and were told, before).
 *
 * Per-command calls are on every order's path: an implementation keeps them to a few
 * integer increments (see src/server/metrics/door-counters.ts).
 */
import type { AccountId } from "../param/index.js";
import type { ChannelCommand } from "./commands.js";
import type { ChannelResult, ReportResult } from "./results.js";
import type { Journal } from "./journal/journal.js";

export interface DoorObserver {
  /** A monotonic clock in milliseconds (performance.now): the door times commands with it. */
  now(): number;
  /** Whether to time the commands of the message about to run (clock readings cost; the observer samples). */
  timeCommands(): boolean;
  /** Whether to time the journal append about to happen. */
  timeAppend(): boolean;
  /** A channel command ran in the door; `ms` is its time there (pins, handles, engine and policies), or -1 when not timed. */
  channelCommand(kind: ChannelCommand["kind"], result: ChannelResult, ms: number): void;
  /** A feed report was applied (or failed); `ms` as above. */
  feedReport(result: ReportResult, ms: number): void;
  /** A command's record was appended to the journal, taking `ms` (durable modes only). */
  journalAppend(ms: number): void;
  /** Recovery attached the journal commands are appended to from now on. */
  journalAttached(journal: Journal): void;
  /** A channel ended: what it left open was dropped (reservations rolled back, requests abandoned). */
  channelClosed(closed: ClosedChannel): void;
  /** Another channel took `accountIds` over: the old channel's handles for them were dropped. */
  channelFenced(fenced: FencedChannel): void;
  /** Reservations of a channel outlived limits.reservationTtlMs and were rolled back. */
  reservationsExpired(expired: ExpiredReservations): void;
}

export interface ExpiredReservations {
  readonly channelId: bigint;
  readonly owner: string;
  readonly rolledBack: number;
}

export interface ClosedChannel {
  readonly channelId: bigint;
  readonly owner: string;
  /**
   * "lost": the transport died or the client cancelled; "ended": the client ended its stream;
   * "disconnect": either (journals written before the two were told apart); "policy": a
   * policy's reject closed it (the throttle's hard tier).
   */
  readonly reason: "lost" | "ended" | "disconnect" | "shutdown" | "recovery" | "policy";
  readonly rolledBack: number;
  readonly abandoned: number;
  /** Accounts the channel had pinned (now unpinned). */
  readonly unpinned: number;
}

export interface FencedChannel {
  /** The channel that lost the accounts, and its owner. */
  readonly channelId: bigint;
  readonly owner: string;
  readonly accountIds: readonly AccountId[];
  readonly rolledBack: number;
  readonly abandoned: number;
}
