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
import { AccountId } from "../param/ids.js";
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

/** Every `accountId` an object in `json` holds (an account's tier, an account-scoped entry): its path under the settings and the id as digits. */
function settingsAccounts(json: unknown, path: string, out: (readonly [string, string])[]): (readonly [string, string])[] {
  if (Array.isArray(json)) {
    json.forEach((item, i) => settingsAccounts(item, `${path}[${i}]`, out));
  } else if (json !== null && typeof json === "object") {
    for (const [key, value] of Object.entries(json)) {
      if (key === "accountId" && (typeof value === "number" || typeof value === "string") && /^\d+$/.test(String(value))) {
        out.push([`${path}.accountId`, BigInt(value).toString()] as const);
      } else settingsAccounts(value, `${path}.${key}`, out);
    }
  }
  return out;
}

/**
 * UNKNOWN_NAME for the first account a policy's new settings (`next`, as they will apply)
 * name that the settings in force (`shown`) do not and `isKnown` refuses (found by review:
 * ConfigurePolicy took a halt for a mistyped account that SetTradingState refuses). Accounts
 * the settings already name pass: the configuration file's settings are not checked against
 * the list, and `openpit configure` sends back what it read.
 */
export function refuseUnlistedSettings(next: unknown, shown: unknown, isKnown: (accountId: AccountId) => boolean): CommandError | undefined {
  const inForce = new Set(settingsAccounts(shown, "", []).map(([, id]) => id));
  for (const [path, id] of settingsAccounts(next, "", [])) {
    if (!inForce.has(id) && !isKnown(AccountId.fromU64(BigInt(id)))) return unconfiguredAccount(`settings_json${path}`);
  }
  return undefined;
}
