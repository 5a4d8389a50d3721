/** Tells whether a realized P&L is outside a barrier, with barriers indexed by asset and by account. */
import type { AccountId } from "../../param/ids.js";
import type { Asset } from "../../param/instrument.js";
import type { Pnl } from "../../param/values.js";
import type { PnlBoundsBrokerBarrier, PnlBoundsKillSwitchSettings } from "./settings.js";

/** Which side(s) of a barrier a realized P&L is outside of, as the reject details name them. */
export type BreachedSides = "lower" | "upper" | "lower and upper";

/**
 * Strict comparison: a P&L equal to a bound is inside. With inverted bounds (lower > upper)
 * both sides can breach at once, which is why "lower and upper" exists.
 */
export function breachedSides(barrier: PnlBoundsBrokerBarrier, realized: Pnl): BreachedSides | undefined {
  const lower = barrier.lowerBound !== undefined && realized.lt(barrier.lowerBound);
  const upper = barrier.upperBound !== undefined && realized.gt(barrier.upperBound);
  if (lower && upper) return "lower and upper";
  if (lower) return "lower";
  if (upper) return "upper";
  return undefined;
}

/**
 * The published barriers indexed for the hot path: broker barriers by settlement asset,
 * account barriers by account then asset. Rebuilt on every publish; duplicates: last wins.
 */
export class BarrierBook {
  private readonly broker = new Map<Asset, PnlBoundsBrokerBarrier>();
  private readonly account = new Map<AccountId, Map<Asset, PnlBoundsBrokerBarrier>>();

  constructor(settings: PnlBoundsKillSwitchSettings) {
    for (const b of settings.brokerBarriers) this.broker.set(b.settlementAsset, b);
    for (const b of settings.accountBarriers) {
      let byAsset = this.account.get(b.accountId);
      if (!byAsset) this.account.set(b.accountId, (byAsset = new Map()));
      byAsset.set(b.settlementAsset, b);
    }
  }

  brokerBarrier(settlementAsset: Asset): PnlBoundsBrokerBarrier | undefined {
    return this.broker.get(settlementAsset);
  }

  accountBarrier(accountId: AccountId, settlementAsset: Asset): PnlBoundsBrokerBarrier | undefined {
    // None configured (the usual case): no lookup by the bigint account id, which hashes
    // the bigint on every order.
    if (this.account.size === 0) return undefined;
    return this.account.get(accountId)?.get(settlementAsset);
  }

  /** True if `realized` is outside the broker or the account barrier of this pair. */
  isOutside(accountId: AccountId, settlementAsset: Asset, realized: Pnl): boolean {
    const broker = this.brokerBarrier(settlementAsset);
    if (broker && breachedSides(broker, realized)) return true;
    const account = this.accountBarrier(accountId, settlementAsset);
    return account !== undefined && breachedSides(account, realized) !== undefined;
  }
}
