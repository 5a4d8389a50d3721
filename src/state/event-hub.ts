/** Account events fanned out to monitors, numbered. */
import type { AccountGroupId, AccountId, PolicyGroupId } from "../param/index.js";
import type { EngineEvent } from "../engine/index.js";
import type { PnlHaltReason } from "../model/index.js";

/** Engine events plus what the sidecar adds (P&L halts seen on post-trade results). */
export type SidecarEvent =
  | EngineEvent
  | { readonly kind: "pnlHalted"; readonly accountId: AccountId; readonly policyGroupId: PolicyGroupId; readonly reason: PnlHaltReason }
  /** Reservations a crash left open, rolled back during recovery (disconnect = drop). */
  | { readonly kind: "reservationsRolledBack"; readonly accountId: AccountId; readonly reservationIds: readonly bigint[]; readonly reason: "recovery" };

export type SequencedEvent = { readonly sequence: bigint; readonly event: SidecarEvent };

/**
 * Fans account events out to monitors, numbered so a monitor can tell it missed none.
 * Subscribers are plain callbacks; the gRPC event service is one of them.
 */
export class EventHub {
  private sequence = 0n;
  private readonly subscribers = new Set<(e: SequencedEvent) => void>();

  subscribe(listener: (e: SequencedEvent) => void): () => void {
    this.subscribers.add(listener);
    return () => this.subscribers.delete(listener);
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  publish(event: SidecarEvent): void {
    this.sequence += 1n;
    const sequenced = { sequence: this.sequence, event };
    for (const s of this.subscribers) s(sequenced);
  }

}

export type { AccountGroupId };
