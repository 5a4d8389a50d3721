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

  /** Retained events are delivered to the new subscriber first, in order. */
  subscribe(listener: (e: SequencedEvent) => void): () => void {
    for (const e of this.retained) guarded("an event subscriber", () => listener(e));
    this.subscribers.add(listener);
    return () => this.subscribers.delete(listener);
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

  /** On a freshly built state: numbering goes on after `sequence`. */
  restoreSequence(sequence: bigint): void {
    this.sequence = sequence;
  }

  /** Gives `event` the next number, without delivering it (a replay numbers what it does not deliver). */
  number(event: SidecarEvent, actor?: string): SequencedEvent {
    this.sequence += 1n;
    return actor === undefined ? { sequence: this.sequence, event } : { sequence: this.sequence, event, actor };
  }

  /** Numbers and delivers at once. */
  publish(event: SidecarEvent, retain = false, actor?: string): void {
    this.deliver(this.number(event, actor), retain);
  }

  /** Delivers an event numbered earlier; `retain`: every later subscriber is told it first. */
  deliver(sequenced: SequencedEvent, retain = false): void {
    if (retain) this.retained.push(sequenced);
    const tap = this.tap;
    if (tap) guarded("an event tap", () => tap(sequenced));
    // One subscriber's throw must not keep the event from the others, nor reach the command.
    for (const s of this.subscribers) guarded("an event subscriber", () => s(sequenced));
  }
}

