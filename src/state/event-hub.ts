/** Account events fanned out to monitors, numbered. */
import type { AccountId, PolicyGroupId } from "../param/index.js";
import type { EngineEvent } from "../engine/index.js";
import type { AccountBlock, BlockedBy, ControlScope, PnlHaltReason, TradingStateName } from "../model/index.js";
import { guarded } from "./guarded.js";
import type { AuditRecord } from "./audit-log.js";

/** Engine events plus what the sidecar adds (P&L halts seen on post-trade results). */
export type SidecarEvent =
  | EngineEvent
  | { readonly kind: "pnlHalted"; readonly accountId: AccountId; readonly policyGroupId: PolicyGroupId; readonly reason: PnlHaltReason }
  /**
   * Reservations rolled back without their channel asking: a crash left them open
   * (recovery, retained for late subscribers), their channel ended (cancel on
   * disconnect: lost involuntarily, ended by the client, shut down, or closed by a
   * policy's reject), their time to live passed, or another channel took their account.
   */
  | {
      readonly kind: "reservationsRolledBack";
      readonly accountId: AccountId;
      readonly reservationIds: readonly bigint[];
      readonly reason: RollbackReason;
      /** The channel that held them; absent for recovery. */
      readonly channelId?: bigint;
    }
  /** A trading state changed (TradingStatePolicy, by SetTradingState). */
  | {
      readonly kind: "tradingStateChanged";
      readonly scope: ControlScope;
      readonly state: TradingStateName;
      readonly previous: TradingStateName;
      readonly reason: string;
    }
  /** A block told the channels holding its accounts to cancel their working orders. */
  | {
      readonly kind: "cancelWorkingOrdersSent";
      readonly scope: ControlScope;
      readonly accountIds: readonly AccountId[];
      readonly channelIds: readonly bigint[];
      readonly blockedBy: BlockedBy;
      readonly block: AccountBlock;
    }
  /** An admin command ran or a call was denied: the audit trail's new record. */
  | { readonly kind: "auditRecorded"; readonly record: AuditRecord };

/** Why reservations were rolled back without their channel asking (events.proto RollbackReason). */
export type RollbackReason = "recovery" | "connectionLost" | "clientEnded" | "shutdown" | "closedByPolicy" | "expired" | "fenced";

/** How many recent events a sidecar keeps for monitors that resume (limits.eventsKeptForResume). */
export const DEFAULT_EVENTS_KEPT = 10_000;

/** Why a monitor cannot resume where it asked: `AHEAD` of this hub's numbering, or events it needs `NOT_KEPT`. */
export class EventResumeError extends Error {
  override name = "EventResumeError";
  constructor(
    readonly kind: "AHEAD" | "NOT_KEPT",
    message: string,
  ) {
    super(message);
  }
}

/** `actor`: who caused the event (an admin command's or a denial's actor); absent otherwise. */
export type SequencedEvent = { readonly sequence: bigint; readonly event: SidecarEvent; readonly actor?: string };

/**
 * Fans account events out to monitors, numbered so a monitor can tell it missed none.
 * Subscribers are plain callbacks; the gRPC event service is one of them.
 *
 * The numbers are part of the state: an event is numbered when the command that makes it
 * runs, live or replayed, and delivered only live (once durable). So a restart, a replay or a
 * standby's takeover goes on from the number the journal reached, and never hands out again
 * a number monitors already hold (found by review: every start counted from 1 again).
 */
export class EventHub {
  private sequence = 0n;
  /**
   * The last `keep` events numbered, live or replayed, in order: a monitor that lost its
   * stream (a restart, a failover, falling behind) resumes after the last number it holds and
   * misses none (`resume`). Part of the state, as the numbering is (a snapshot carries them).
   * A ring: `kept[(keptStart + i) % kept.length]` is the i-th oldest.
   */
  private kept: SequencedEvent[] = [];
  private keptStart = 0;
  /**
   * Every event up to this number is out of a resume's reach: numbered before this state's
   * kept events begin (a snapshot from before they were kept), or pushed out of the ring.
   */
  private forgottenThrough = 0n;
  /**
   * The last number known durable: delivered live, or numbered by a replay. A resume hands
   * over kept events up to it; later ones reach the monitor when they are delivered.
   */
  private durableThrough = 0n;
  private readonly subscribers = new Set<(e: SequencedEvent) => void>();
  /**
   * Events every new subscriber is told first. Recovery's rollbacks happen before anyone
   * can subscribe, and a monitor must still learn of them after a restart.
   */
  private readonly retained: SequencedEvent[] = [];
  /**
   * The server's own listener (metrics and logs): told of every event as it is published,
   * not a subscriber (it is not counted, nor told the retained events again).
   */
  tap: ((e: SequencedEvent) => void) | undefined;

  /** `keep`: how many recent events are kept for resuming monitors (0: none). */
  constructor(private readonly keep = DEFAULT_EVENTS_KEPT) {}

  /** Retained events are delivered to the new subscriber first, in order. */
  subscribe(listener: (e: SequencedEvent) => void): () => void {
    for (const e of this.retained) guarded("an event subscriber", () => listener(e));
    this.subscribers.add(listener);
    return () => this.subscribers.delete(listener);
  }

  /**
   * Subscribes a monitor that already holds every event up to `after`: the kept events after
   * it are delivered first, then live ones, each number once (retained events come from the
   * kept ones like the rest). Refused with an EventResumeError when this hub cannot hand over
   * every event after `after`: some are no longer kept, or it has not numbered that far.
   */
  resume(after: bigint, listener: (e: SequencedEvent) => void): () => void {
    if (after > this.sequence) {
      throw new EventResumeError(
        "AHEAD",
        `after_sequence ${after} is past the last event this sidecar has numbered (${this.sequence}): it is behind the one that event came from (a standby, or state restored from an older point); subscribe where the accounts are served`,
      );
    }
    if (after < this.forgottenThrough) {
      const oldest = this.kept.length === 0 ? undefined : this.keptAt(0).sequence;
      throw new EventResumeError(
        "NOT_KEPT",
        `events after ${after} are no longer all kept (${oldest === undefined ? "none is" : `the oldest kept is ${oldest}`}; this sidecar keeps the last ${this.keep} it saw since it started, limits.eventsKeptForResume): reconcile through QueryAudit and the state reads, then subscribe without after_sequence`,
      );
    }
    let handedOver = after;
    for (let i = 0; i < this.kept.length; i++) {
      const e = this.keptAt(i);
      if (e.sequence <= after) continue;
      // Not durable yet: it reaches the monitor live, when it is delivered.
      if (e.sequence > this.durableThrough) break;
      guarded("an event subscriber", () => listener(e));
      handedOver = e.sequence;
    }
    // Each number once: not one the monitor had, nor one handed over above and delivered
    // again (recovery's rollbacks: numbered by the replay, announced once it is over).
    const live = (e: SequencedEvent) => {
      if (e.sequence > handedOver) listener(e);
    };
    this.subscribers.add(live);
    return () => this.subscribers.delete(live);
  }

  /** `e` is durable (a replay numbered it from its record, or it is delivered): a resume may hand it over. */
  replayed(e: SequencedEvent): void {
    if (e.sequence > this.durableThrough) this.durableThrough = e.sequence;
  }

  /** The kept events, oldest first (a snapshot carries them). */
  keptEvents(): SequencedEvent[] {
    return Array.from({ length: this.kept.length }, (_, i) => this.keptAt(i));
  }

  /**
   * On a freshly built state: numbering goes on after `sequence`, with `kept` (a snapshot's
   * kept events, each durable) as the ones a resume can reach; absent in a snapshot from
   * before they were kept, so nothing up to `sequence` is.
   */
  restore(sequence: bigint, kept: readonly SequencedEvent[] | undefined): void {
    this.sequence = sequence;
    this.durableThrough = sequence;
    const last = kept === undefined || this.keep === 0 ? [] : kept.slice(-this.keep);
    this.kept = last;
    this.keptStart = 0;
    this.forgottenThrough = last.length > 0 && last.at(-1)!.sequence === sequence ? last[0]!.sequence - 1n : sequence;
  }

  private keepForResume(e: SequencedEvent): void {
    if (this.keep === 0) {
      this.forgottenThrough = e.sequence;
      return;
    }
    if (this.kept.length < this.keep) this.kept.push(e);
    else {
      this.forgottenThrough = this.kept[this.keptStart]!.sequence;
      this.kept[this.keptStart] = e;
      this.keptStart = (this.keptStart + 1) % this.keep;
    }
  }

  private keptAt(i: number): SequencedEvent {
    return this.kept[(this.keptStart + i) % this.kept.length]!;
  }

  /** At most how many events `resume(after)` hands over at once (the kept ones after it). */
  keptAfter(after: bigint): number {
    const newer = this.sequence - after;
    return newer <= 0n ? 0 : newer < BigInt(this.kept.length) ? Number(newer) : this.kept.length;
  }

  /** Events every new subscriber is told first. */
  get retainedCount(): number {
    return this.retained.length;
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  /** The last number handed out (a snapshot carries it). */
  get lastSequence(): bigint {
    return this.sequence;
  }

  /** Gives `event` the next number, without delivering it (a replay numbers what it does not deliver). */
  number(event: SidecarEvent, actor?: string): SequencedEvent {
    this.sequence += 1n;
    const sequenced = actor === undefined ? { sequence: this.sequence, event } : { sequence: this.sequence, event, actor };
    this.keepForResume(sequenced);
    return sequenced;
  }

  /** Numbers and delivers at once. */
  publish(event: SidecarEvent, retain = false, actor?: string): void {
    this.deliver(this.number(event, actor), retain);
  }

  /**
   * An event a standby applied from the shared journal (durable: the stream acknowledged it),
   * to this instance's monitors, so they follow the deployment from any instance. Not to its
   * metrics and log: the instance that made it counted and logged it.
   */
  relay(sequenced: SequencedEvent): void {
    this.replayed(sequenced);
    for (const s of this.subscribers) guarded("an event subscriber", () => s(sequenced));
  }

  /**
   * Delivers an event numbered earlier (once durable); `retain`: every later subscriber is told
   * it first; `heard`: this hub's monitors already have it (relayed while following), so it is
   * only retained and tapped.
   */
  deliver(sequenced: SequencedEvent, retain = false, heard = false): void {
    if (retain) this.retained.push(sequenced);
    this.replayed(sequenced);
    const tap = this.tap;
    if (tap) guarded("an event tap", () => tap(sequenced));
    if (heard) return;
    // One subscriber's throw must not keep the event from the others, nor reach the command.
    for (const s of this.subscribers) guarded("an event subscriber", () => s(sequenced));
  }
}

