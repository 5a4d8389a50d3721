/**
 * The configuration file's `accounts.list` entries at a restart. The file's groups and
 * currencies seed a fresh state; on an existing one the journal's win (runtime changes through
 * AdminService stay), except for an account this start admits for the first time: an account
 * added to the file's list would otherwise trade outside the group (and currency) its entry
 * names, e.g. while that group is HALTED (found by review).
 */
import type { AccountGroupId, AccountId, Asset } from "../param/index.js";
import { knownAccountIds } from "./account-directory.js";
import { CONFIGURATION_ACTOR, type AdminCommand } from "./commands.js";
import type { SidecarState } from "./sidecar-state.js";

/** One `accounts.list` entry of the configuration file. */
export interface AccountEntry {
  readonly id: AccountId;
  readonly group?: AccountGroupId;
  readonly currency?: Asset;
}

/** A group or currency an entry names that the restored state holds otherwise: the state's stays in force. */
export interface AccountEntryDifference {
  readonly accountId: AccountId;
  readonly field: "group" | "currency";
  /** What the file's entry names. */
  readonly file: string;
  /** What the state holds (and keeps): undefined = none (the default group; no currency of its own). */
  readonly state: string | undefined;
}

export interface AccountEntriesOutcome {
  /** Accounts whose entry's group or currency this start put in force (journaled admin commands), ascending. */
  readonly applied: readonly AccountId[];
  /** Entries of accounts the restored state already admitted that name another group or currency. */
  readonly differences: readonly AccountEntryDifference[];
}

/** Accounts per registerGroup command: a long list added at once stays far below the journal's record bound. */
const ACCOUNTS_PER_COMMAND = 1000;

/**
 * After a replay, before the configured execution settings are journaled (so before a strict
 * list admits a new account: a crash in between leaves it unadmitted, and the next start
 * applies its entry again). An entry whose account the restored state did not admit gets the
 * group and currency it names, as journaled admin commands (actor `(configuration)`): under a
 * restored strict list, an account not on it; without one (every account admitted), an account
 * the state has never seen (no holdings, P&L, block, group, currency or pin: `knownAccountIds`).
 * For every other entry the state's group and currency stay, and each one the entry names
 * otherwise is returned as a difference (the start logs it). Fields an entry does not name
 * change nothing.
 */
export function applyAccountEntries(state: SidecarState, entries: readonly AccountEntry[]): AccountEntriesOutcome {
  const naming = entries.filter((e) => e.group !== undefined || e.currency !== undefined);
  if (naming.length === 0) return { applied: [], differences: [] };
  const admittedList = state.knownAccounts;
  const seen = admittedList === undefined ? new Set(knownAccountIds(state)) : undefined;
  const admitted = (id: AccountId) => (admittedList ? admittedList.has(id) : seen!.has(id));
  const accounts = state.engine.accounts();
  const differences: AccountEntryDifference[] = [];
  const leaving = new Map<AccountGroupId, AccountId[]>();
  const joining = new Map<AccountGroupId, AccountId[]>();
  const currencies: AdminCommand[] = [];
  const applied = new Set<AccountId>();
  for (const entry of naming) {
    const group = accounts.groupOf(entry.id);
    const currency = accounts.ownCurrencyOf(entry.id);
    const newcomer = !admitted(entry.id);
    if (entry.group !== undefined && entry.group !== group) {
      if (!newcomer) differences.push({ accountId: entry.id, field: "group", file: String(entry.group), state: group === undefined ? undefined : String(group) });
      else {
        if (group !== undefined) leaving.set(group, [...(leaving.get(group) ?? []), entry.id]);
        joining.set(entry.group, [...(joining.get(entry.group) ?? []), entry.id]);
        applied.add(entry.id);
      }
    }
    if (entry.currency !== undefined && entry.currency !== currency) {
      if (!newcomer) differences.push({ accountId: entry.id, field: "currency", file: entry.currency, state: currency });
      else {
        currencies.push({ kind: "setAccountCurrency", accountId: entry.id, currency: entry.currency });
        applied.add(entry.id);
      }
    }
  }
  // A group membership is changed by leaving the old group first (registerGroup refuses an account in any group).
  for (const [group, ids] of leaving) for (const chunk of chunks(ids)) state.admin({ kind: "unregisterGroup", accountIds: chunk, group }, CONFIGURATION_ACTOR);
  for (const [group, ids] of joining) for (const chunk of chunks(ids)) state.admin({ kind: "registerGroup", accountIds: chunk, group }, CONFIGURATION_ACTOR);
  for (const command of currencies) state.admin(command, CONFIGURATION_ACTOR);
  return { applied: [...applied].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)), differences };
}

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += ACCOUNTS_PER_COMMAND) out.push(items.slice(i, i + ACCOUNTS_PER_COMMAND));
  return out;
}
