/**
 * Re-evaluation of account-P&L barriers when they, or the accounts they resolve through,
 * change (OpenPit 3dec858): the accounts whose effective barrier changed (a tier added,
 * retuned, or an account-tier barrier flipping its currency match) are checked at once and
 * blocked if their P&L (a missing line counts as 0) earns it. Removing a barrier never
 * unblocks, and an unrelated retune never re-blocks.
 */
import type { PolicyConfigurationResult } from "../../engine/pretrade/configurator.js";
import type { AccountsView } from "../../engine/pretrade/policy.js";
import type { AccountId } from "../../param/ids.js";
import type { Pnl } from "../../param/values.js";
import { barrierBlock } from "./account-pnl.js";
import type { EffectivePnlBarrier, ResolvedSpotFundsSettings } from "./resolved-settings.js";
import type { SpotFundsState } from "./spot-funds-state.js";

function effective(settings: ResolvedSpotFundsSettings, accounts: AccountsView | undefined, accountId: AccountId): EffectivePnlBarrier | undefined {
  return settings.pnlBarrierFor(accountId, { accountGroup: () => accounts?.groupOf(accountId) }, () => accounts?.currencyOf(accountId));
}

/**
 * Bounds compare by value, as OpenPit's rust_decimal `==` does: -50 and -50.0 are the same
 * barrier, and re-sending one with another scale (a tool that writes -50.00) is no change.
 * Compared as text, it re-blocked an account the operator had unblocked (found by review).
 */
function sameBound(a: Pnl | undefined, b: Pnl | undefined): boolean {
  return a === b || (a !== undefined && b !== undefined && a.eq(b));
}

/**
 * Whether the account's currency matches is compared, not which currency it has: an account
 * moving from one currency the barrier is not in to another flips nothing (OpenPit's
 * `account_pnl_membership_change_block`), and compared by currency it re-blocked an account
 * the operator had unblocked (found by review, session 36).
 */
function same(a: EffectivePnlBarrier | undefined, b: EffectivePnlBarrier | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return false;
  const mismatchSame = (a.currencyMismatch === undefined) === (b.currencyMismatch === undefined);
  return a.currency === b.currency && mismatchSame && sameBound(a.lower, b.lower) && sameBound(a.upper, b.upper);
}

/** Every account SpotFunds or the registry knows: P&L lines, holdings, account barriers, group members, currency holders. */
function knownAccounts(state: SpotFundsState, previous: ResolvedSpotFundsSettings, accounts: AccountsView | undefined): Set<AccountId> {
  const all = new Set<AccountId>(state.ledger.snapshot().keys());
  for (const a of state.store.snapshot().keys()) all.add(a);
  for (const a of previous.source.accountPnlBarriers.keys()) all.add(a);
  for (const a of state.settings.source.accountPnlBarriers.keys()) all.add(a);
  for (const a of accounts?.knownAccounts?.() ?? []) all.add(a);
  return all;
}

/**
 * Compares each candidate's effective barrier before and after a change and returns the
 * blocks of those that changed. `before`/`after` are (settings, registry view) pairs.
 */
export function reevaluateBarriers(
  state: SpotFundsState,
  before: { settings: ResolvedSpotFundsSettings; accounts: AccountsView | undefined },
  after: { settings: ResolvedSpotFundsSettings; accounts: AccountsView | undefined },
  candidates: Iterable<AccountId> | undefined,
): PolicyConfigurationResult {
  const accountBlocks: { accountId: AccountId; block: NonNullable<ReturnType<typeof barrierBlock>> }[] = [];
  if (!before.settings.hasPnlBarriers && !after.settings.hasPnlBarriers) return { accountBlocks };
  for (const accountId of candidates ?? knownAccounts(state, before.settings, after.accounts)) {
    const next = effective(after.settings, after.accounts, accountId);
    if (next === undefined || same(effective(before.settings, before.accounts, accountId), next)) continue;
    const block = barrierBlock(state.ledger.stateOf(accountId), next);
    if (block !== undefined) accountBlocks.push({ accountId, block });
  }
  return { accountBlocks };
}
