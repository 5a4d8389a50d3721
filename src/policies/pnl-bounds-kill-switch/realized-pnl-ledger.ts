/** The running realized P&L of every (account, settlement asset) pair the kill switch was told about. */
import type { AccountId } from "../../param/ids.js";
import type { Asset } from "../../param/instrument.js";
import type { Pnl } from "../../param/values.js";

/**
 * Realized P&L per (account, settlement asset), for every pair ever reported or seeded,
 * whether or not a barrier covers it: a barrier added later must see the true total.
 * Plain nested Maps so the ledger can be snapshotted. Never reset by a settings update.
 */
export class RealizedPnlLedger {
  readonly byAccount = new Map<AccountId, Map<Asset, Pnl>>();

  get(accountId: AccountId, settlementAsset: Asset): Pnl | undefined {
    return this.byAccount.get(accountId)?.get(settlementAsset);
  }

  set(accountId: AccountId, settlementAsset: Asset, pnl: Pnl): void {
    let byAsset = this.byAccount.get(accountId);
    if (!byAsset) this.byAccount.set(accountId, (byAsset = new Map()));
    byAsset.set(settlementAsset, pnl);
  }
}
