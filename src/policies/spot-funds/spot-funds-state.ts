/** The state SpotFunds' hook implementations share: holdings, P&L ledger, market data and settings. */
import type { MarketDataSource } from "../../marketdata/market-data-source.js";
import type { PolicyGroupId } from "../../param/ids.js";
import type { AccountPnlLedger } from "./account-pnl.js";
import type { HoldingsStore } from "./holdings-store.js";
import type { ResolvedSpotFundsSettings } from "./resolved-settings.js";

/** What the policy's hook implementations share: its tables, its market data, its settings. */
export interface SpotFundsState {
  readonly store: HoldingsStore;
  readonly ledger: AccountPnlLedger;
  readonly marketData: MarketDataSource | undefined;
  readonly policyGroupId: PolicyGroupId;
  /** The settings published now (read once per call). */
  readonly settings: ResolvedSpotFundsSettings;
}
