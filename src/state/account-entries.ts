/**
 * The configuration file's `accounts.list` entries at a restart. The file's groups and
 * currencies seed a fresh state; on an existing one the journal's win (runtime changes through
 * AdminService stay), except for an account this start admits for the first time: an account
 * added to the file's list would otherwise trade outside the group (and currency) its entry
 * names, e.g. while that group is HALTED (found by review). An account whose group or
 * currency an operator changed is not new, even once it holds nothing: the change stays.
 */
import type { AccountGroupId, AccountId, Asset } from "../param/index.js";
import { knownAccountIds } from "./account-directory.js";
import { CONFIGURATION_ACTOR, type AccountEntryChange, type Command } from "./commands.js";
import { checkRecordWithin, recordBudget, recordBytes, runsWithin } from "./record-budget.js";
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
  /** Accounts whose entry's group or currency this start put in force (journaled `applyAccountEntries`), ascending. */
  readonly applied: readonly AccountId[];
  /** Entries of accounts the restored state already admitted that name another group or currency. */
  readonly differences: readonly AccountEntryDifference[];
}

/**
 * Bounds of one `applyAccountEntries` command: an entry's record form is about 100 bytes
 * (plus its currency's length), so a long list added at once stays far below a file
 * journal's record bound (1 GiB) and its audit record stays readable: at most 1000 entries,
 * and about 256 KiB by that estimate. And its record, measured with the real codec
 * (record-budget.ts), within the journal's own bound (Journal.maxRecordBytes): under a
 * JetStream stream's max_msg_size of 64 KiB (a bound of 64 992 bytes) about 910 entries with a
 * 20-digit id, a one-digit group and a 3-letter currency (71 bytes each). Before, only the
 * first two bounded it: a command of more such entries (up to 1000) was over that bound, and
 * the start (or a standby's takeover) failed, "command too large to journal". A command ends
 * at whichever bound comes first.
 */
const ENTRIES_PER_COMMAND = 1000;
const BYTES_PER_COMMAND = 256 * 1024;
const entryBytes = (c: AccountEntryChange) => 100 + (c.currency?.length ?? 0);

/**
 * After a replay, before the configured execution settings are journaled (so before a strict
 * list admits a new account: a crash in between leaves it unadmitted, and the next start
 * applies its entry again). An entry whose account the restored state did not admit gets the
 * group and currency it names, as `applyAccountEntries` admin commands (actor
 * `(configuration)`): under a restored strict list, an account not on it; without one (every
 * account admitted), an account the state has never seen: no holdings, P&L, block, group,
 * currency or pin (`knownAccountIds`), and no group or currency a command decided since it
 * was last new (`decidedAccounts`: a RegisterGroup, UnregisterGroup, SetAccountCurrency or an
 * earlier `applyAccountEntries`; a RetireAccount makes it new again). Without the latter an
 * operator's UnregisterGroup or cleared currency was undone by the next start (found by
 * review, session 34: decided-accounts.ts). Each account's group and currency go in one command,
 * which applies whole or not at all: without a strict list a group alone makes an account
 * known, so a crash between a group and a currency journaled apart left the account in its
 * group without its currency for good (the next start no longer saw it as new; found by
 * review). A long list goes in several commands, each entry whole in one of them. For every
 * other entry the state's group and currency stay, and each one the entry names otherwise is
 * returned as a difference (the start logs it). Fields an entry does not name change nothing.
 */
export function applyAccountEntries(state: SidecarState, entries: readonly AccountEntry[]): AccountEntriesOutcome {
  const naming = entries.filter((e) => e.group !== undefined || e.currency !== undefined);
  if (naming.length === 0) return { applied: [], differences: [] };
  const admittedList = state.knownAccounts;
  // Without a strict list, "seen" is what the state holds and every account whose group and
  // currency a command decided: one whose only state was the group or currency an operator
  // took away looked new, and its entry applied again (found by review, session 34).
  const seen = admittedList === undefined ? new Set([...knownAccountIds(state), ...state.decidedAccounts]) : undefined;
  const admitted = (id: AccountId) => (admittedList ? admittedList.has(id) : seen!.has(id));
  const accounts = state.engine.accounts();
  const differences: AccountEntryDifference[] = [];
  const changes: AccountEntryChange[] = [];
  for (const entry of naming) {
    const group = accounts.groupOf(entry.id);
    const currency = accounts.ownCurrencyOf(entry.id);
    const newcomer = !admitted(entry.id);
    const joins = entry.group !== undefined && entry.group !== group;
    const sets = entry.currency !== undefined && entry.currency !== currency;
    if (!newcomer) {
      if (joins) differences.push({ accountId: entry.id, field: "group", file: String(entry.group), state: group === undefined ? undefined : String(group) });
      if (sets) differences.push({ accountId: entry.id, field: "currency", file: entry.currency!, state: currency });
    } else if (joins || sets) {
      changes.push({ accountId: entry.id, ...(joins ? { group: entry.group! } : {}), ...(sets ? { currency: entry.currency! } : {}) });
    }
  }
  for (const chunk of chunks(changes, state)) state.admin({ kind: "applyAccountEntries", entries: chunk }, CONFIGURATION_ACTOR);
  const applied = changes.map((c) => c.accountId);
  return { applied: applied.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)), differences };
}

/** `changes` in commands within the bounds above, in order; an entry is never split. */
function chunks(changes: readonly AccountEntryChange[], state: SidecarState): AccountEntryChange[][] {
  if (changes.length === 0) return [];
  const bound = state.journal.mode === "ephemeral" ? Number.POSITIVE_INFINITY : state.journal.maxRecordBytes;
  const command = (entries: readonly AccountEntryChange[]): Command => ({ kind: "admin", command: { kind: "applyAccountEntries", entries }, actor: CONFIGURATION_ACTOR, ts: state.liveTimeMs() });
  const estimate = { emptyBytes: 0, room: BYTES_PER_COMMAND, sizeOf: entryBytes };
  const out = runsWithin(changes, [estimate, recordBudget(recordBytes(command([])), bound)], ENTRIES_PER_COMMAND);
  for (const chunk of out) checkRecordWithin(command(chunk), chunk.length, bound, "applyAccountEntries");
  return out;
}
