/**
 * SpotFunds' answer to account retirement (OpenPit `spot_funds/retirement.rs`, §B.3), checks
 * in order, the first that fails deciding. OperationInProgress never applies here: the
 * sidecar is single-threaded, so no reservation step, P&L lease or P&L assertion can be
 * in flight while the engine runs the retirement.
 */
import type { AccountRetirementRefusal } from "../../engine/account-retirement.js";
import type { Mutations } from "../../engine/pretrade/mutations.js";
import type { AccountId } from "../../param/ids.js";
import { isEmptyHoldings } from "./holdings-store.js";
import type { SpotFundsSettings } from "./settings.js";
import type { SpotFundsState } from "./spot-funds-state.js";

/**
 * True when a setting names the account: a position limit, an account limit mode, an
 * account P&L barrier or an account slippage override (OpenPit's `references_account`,
 * whose exact predicate is unconfirmed: these are every account-keyed SpotFunds setting).
 */
export function spotFundsSettingsReference(settings: SpotFundsSettings, accountId: AccountId): boolean {
  return (
    settings.positionLimits.has(accountId) ||
    settings.accountLimitModes.has(accountId) ||
    settings.accountPnlBarriers.has(accountId) ||
    settings.slippageOverrides.some((o) => o.accountId === accountId)
  );
}

/**
 * 1. NonZeroState: the account P&L line exists and is not exactly 0 (a halt counts).
 * 2. NonZeroState: a holdings slot is not retirable (anything but all-zero with no average
 *    price and a zero or untracked realized P&L: the store's own emptiness test).
 * 3. ConfigurationReferencesAccount.
 * Otherwise the removals are queued: on commit each slot and the P&L line are removed if
 * still retirable then.
 */
export function retireSpotFundsAccount(state: SpotFundsState, accountId: AccountId, mutations: Mutations): AccountRetirementRefusal | undefined {
  const pnl = state.ledger.get(accountId);
  if (pnl !== undefined && !(pnl.kind === "value" && pnl.value.isZero())) return "NonZeroState";
  for (const holdings of state.store.slotsOf(accountId)?.values() ?? []) if (!isEmptyHoldings(holdings)) return "NonZeroState";
  if (spotFundsSettingsReference(state.settings.source, accountId)) return "ConfigurationReferencesAccount";
  mutations.push(
    () => {
      const line = state.ledger.get(accountId);
      if (line?.kind === "value" && line.value.isZero()) state.ledger.set(accountId, undefined);
      for (const [asset, holdings] of state.store.slotsOf(accountId) ?? []) {
        if (isEmptyHoldings(holdings)) state.store.put(accountId, asset, holdings);
      }
    },
    undefined,
  );
  return undefined;
}
