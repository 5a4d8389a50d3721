/**
 * The accounts whose group and currency a command has decided: the configuration file's
 * `accounts.list` entries no longer apply to them at a restart (account-entries.ts).
 *
 * Found by review, session 34: without a strict list a restart applied an entry to every
 * account the state showed nothing for (`knownAccountIds`), read from the state alone. An
 * account whose only state was the group or currency an operator had just taken away
 * (UnregisterGroup, SetAccountCurrency with none) looked brand new, so the next start put it
 * back — an account taken out of a blocked or HALTED group was in it again, journaled as the
 * configuration's own `applyAccountEntries`. So the door keeps, in its own state, every account
 * a RegisterGroup, UnregisterGroup, SetAccountCurrency or `applyAccountEntries` named, live and
 * on replay alike (the set is rebuilt by a replay and carried in snapshots: a standby that
 * takes over decides as the live instance would). A successful RetireAccount takes the account
 * out again: a retired account must look new (docs/controls.md), and a new account on the list
 * gets its entry.
 *
 * Nothing a replay decides reads the set: only the start's `applyAccountEntries`, whose outcome
 * is journaled (a replay applies the record as written), so REPLAY_RULES does not move for it.
 * Its size is bounded by the accounts those commands name (RetireAccount shrinks it).
 */
import type { AccountId, Asset, AccountGroupId } from "../param/index.js";
import type { Engine } from "../engine/index.js";
import type { AdminCommand } from "./commands.js";

/** The accounts whose group or own currency `command` sets; empty for every other command. */
export function accountsDeciding(command: AdminCommand): readonly AccountId[] {
  switch (command.kind) {
    case "registerGroup":
    case "unregisterGroup":
      return Array.isArray(command.accountIds) ? command.accountIds : [];
    case "setAccountCurrency":
      return [command.accountId];
    case "applyAccountEntries":
      // Read before the command checks its entries (it refuses malformed ones, journaled as failed): nothing here may throw first.
      return Array.isArray(command.entries) ? command.entries.flatMap((e) => (typeof e?.accountId === "bigint" ? [e.accountId] : [])) : [];
    default:
      return [];
  }
}

type Held = readonly [AccountGroupId | undefined, Asset | undefined];

/** What `accounts` hold now: read before the command, to tell after a failure whether it changed any. */
export function groupsAndCurrencies(engine: Engine, accounts: readonly AccountId[]): Held[] {
  const admin = engine.accounts();
  return accounts.map((a) => [admin.groupOf(a), admin.ownCurrencyOf(a)] as const);
}

/**
 * After the command ran: every account it named if it succeeded (an operator's decision, even
 * one that changed nothing, such as clearing a currency the account did not have); after a
 * failure only those whose group or currency changed nonetheless (a policy's re-evaluation
 * threw after the change). A failed command changed nothing else, so the file's entry still
 * applies to an account it named: a refused RegisterGroup must not keep a listed account out
 * of the file's group. A successful RetireAccount forgets the account.
 */
export function noteDecided(
  decided: Set<AccountId>,
  engine: Engine,
  command: AdminCommand,
  named: readonly AccountId[],
  before: readonly Held[],
  succeeded: boolean,
  retired: boolean,
): void {
  if (command.kind === "retireAccount") {
    if (retired) decided.delete(command.accountId);
    return;
  }
  if (named.length === 0) return;
  const after = succeeded ? undefined : groupsAndCurrencies(engine, named);
  named.forEach((a, i) => {
    if (after === undefined || after[i]![0] !== before[i]![0] || after[i]![1] !== before[i]![1]) decided.add(a);
  });
}

/**
 * The set from a snapshot's list; a snapshot written before the set was kept has none: then
 * the accounts the restored state holds a group or currency of, all it shows of what commands
 * decided. An account whose group and currency were cleared before such a snapshot cannot be
 * told from a new one, as before this set existed.
 */
export function restoredDecided(engine: Engine, list: readonly AccountId[] | undefined): Set<AccountId> {
  if (list !== undefined) return new Set(list);
  const admin = engine.accounts();
  const out = new Set<AccountId>();
  for (const a of admin.namedAccountIds()) if (admin.groupOf(a) !== undefined || admin.ownCurrencyOf(a) !== undefined) out.add(a);
  return out;
}
