/**
 * With `accounts.strict`, an admin change that sets a control on an account the list does not
 * hold is refused (UNKNOWN_NAME), as its orders and reports are. Found by review (session 40):
 * `BlockAccount 99224461` for 99224416 answered OK, was journaled and audited as applied, and
 * listed the typed id as an account, while the account meant kept trading. Changes that only
 * undo (unblock, leave a group, clear a currency, a P&L set to 0, set ACTIVE, retire) stay
 * open: an account dropped from the list at a restart may still carry state its operator must
 * be able to clear.
 * Checked before the journal, so records written before this check replay as they ran.
 */
import type { AccountId } from "../param/ids.js";
import { unconfiguredAccount, type CommandError } from "./command-error.js";
import type { AdminCommand } from "./commands.js";

/** The accounts `command` would set a control on, with the request field naming each. */
function controlledAccounts(command: AdminCommand): readonly (readonly [AccountId, string])[] {
  switch (command.kind) {
    case "blockAccount":
    case "replaceAccountBlockReason":
      return [[command.accountId, "account_id"]];
    // A P&L set back to 0 undoes (an account dropped from the list must be retirable, and
    // retirement refuses a P&L that is not 0: found by review).
    case "setSpotFundsAccountPnl":
      return command.state.kind === "value" && command.state.value.isZero() ? [] : [[command.accountId, "account_id"]];
    case "setPnlAccumulator":
      return command.pnl.isZero() ? [] : [[command.accountId, "account_id"]];
    case "setAccountCurrency":
      return command.currency === undefined ? [] : [[command.accountId, "account_id"]];
    case "registerGroup":
      return command.accountIds.map((id, i) => [id, `account_ids[${i}]`] as const);
    case "setTradingState":
      return command.scope.kind === "account" && command.state !== "ACTIVE" ? [[command.scope.accountId, "scope.account_id"]] : [];
    default:
      return [];
  }
}

/** UNKNOWN_NAME for the first account `command` sets a control on that `isKnown` refuses, or undefined. */
export function refuseUnlistedAdmin(command: AdminCommand, isKnown: (accountId: AccountId) => boolean): CommandError | undefined {
  for (const [accountId, field] of controlledAccounts(command)) {
    if (!isKnown(accountId)) return unconfiguredAccount(field);
  }
  return undefined;
}
