import type { AccountId } from "../../param/ids.js";
import type { Asset } from "../../param/instrument.js";
import { PositionSize, type Price } from "../../param/values.js";
import type { PnlState } from "../../model/pnl-state.js";

/**
 * One (account, asset) slot. `available` is spendable, `held` is locked by open orders,
 * `incoming` is the informational projection of what open orders will bring in (it never
 * gates). `averageEntryPrice` and `realizedPnl` describe the net position
 * (`available + held`) in the account currency; `realizedPnl` undefined = never tracked.
 * Slots are immutable values: every change writes a new one.
 */
export interface Holdings {
  readonly available: PositionSize;
  readonly held: PositionSize;
  readonly incoming: PositionSize;
  readonly averageEntryPrice: Price | undefined;
  readonly realizedPnl: PnlState | undefined;
}

export const ZERO = PositionSize.zero();

/** `max(0, x)`: the part of a signed flow that is an outflow to reserve (or release). */
export function atLeastZero(x: PositionSize): PositionSize {
  return x.isNegative() ? ZERO : x;
}

/** What a missing slot reads as. */
export const EMPTY_HOLDINGS: Holdings = Object.freeze({
  available: ZERO,
  held: ZERO,
  incoming: ZERO,
  averageEntryPrice: undefined,
  realizedPnl: undefined,
});

/**
 * True when the slot carries nothing worth keeping. A realized P&L of exactly zero is
 * dropped with it: a flat slot starts tracking at zero again on its next opening fill, so
 * nothing observable is lost, while a halted P&L keeps the slot alive (halts are sticky).
 */
export function isEmptyHoldings(h: Holdings): boolean {
  return (
    h.available.isZero() &&
    h.held.isZero() &&
    h.incoming.isZero() &&
    h.averageEntryPrice === undefined &&
    (h.realizedPnl === undefined || (h.realizedPnl.kind === "value" && h.realizedPnl.value.isZero()))
  );
}

/**
 * `(account, asset) → Holdings` as two plain Maps (account first, so one account's slots
 * are found without a scan and the whole table can be snapshotted as data). Empty slots
 * are pruned on write, so a rejected or rolled-back reservation leaves no trace.
 */
export class HoldingsStore {
  private readonly accounts = new Map<AccountId, Map<Asset, Holdings>>();

  get(accountId: AccountId, asset: Asset): Holdings {
    return this.accounts.get(accountId)?.get(asset) ?? EMPTY_HOLDINGS;
  }

  put(accountId: AccountId, asset: Asset, holdings: Holdings): void {
    let slots = this.accounts.get(accountId);
    if (isEmptyHoldings(holdings)) {
      if (slots?.delete(asset) && slots.size === 0) this.accounts.delete(accountId);
      return;
    }
    if (slots === undefined) {
      slots = new Map();
      this.accounts.set(accountId, slots);
    }
    slots.set(asset, holdings);
  }

  /** The account's slots (live view; callers copy before exposing it). */
  slotsOf(accountId: AccountId): ReadonlyMap<Asset, Holdings> | undefined {
    return this.accounts.get(accountId);
  }
}
