/**
 * A `settings` record too large for the journal: a strict `accounts.list` in parts.
 *
 * A start (or a standby's takeover) journals the configured execution settings when they
 * differ from the journal's (recovery.ts, resumeServing). The record held a strict list whole:
 * about 30 bytes an account with 20-digit ids, so under a JetStream stream's max_msg_size of
 * 64 KiB (a record bound of 64 992 bytes) a list of about 2 150 such accounts, at the default
 * max_payload about 35 000, made that start fail before it served ("command too large to
 * journal"), and HA could not run with a long list.
 *
 * Now, when the whole record does not fit `Journal.maxRecordBytes`, the change of the list
 * goes first, in `accountListPart` records (the accounts the list gains and loses against the
 * list in force, as many records as the bound needs), then a `settings` record without the
 * list that names the parts (`listParts`: how many, and how many accounts the list holds
 * then). The list in force changes only at that `settings` record, all at once: the parts
 * are collected aside (`pendingAccountList`), part 0 dropping whatever an earlier, crashed
 * start's parts left there. So a crash between the parts (a torn tail after any of them)
 * leaves the list and the settings as they were before that start, nothing was served on
 * them (these records come before `served`), and the next start compares the configuration
 * with that list again and journals the whole change from part 0. A list that fits stays in
 * one record as before, and a `settings` record with a whole list (every record journaled
 * before parts existed) replays as it did.
 *
 * Design: the difference rather than the new list cut in pieces, because the usual change (an
 * account or a few added to a long list) then takes one small part; and collected aside rather
 * than applied part by part, so no state (a standby's that takes over, a replay cut between
 * parts) ever holds a list that is neither the old nor the new one, and the accounts a start
 * admits anew are still judged against the list really in force (account-entries.ts).
 * The parts are not in snapshots: they are written in one synchronous run just before their
 * `settings` record, and no snapshot is taken in between (snapshot-schedule.ts starts after
 * `served`; a first start's snapshot follows the settings); a snapshot that nevertheless
 * lost them would make the `settings` record fail its check (below) rather than put a partial
 * list in force.
 *
 * The instruments `marketData.instruments` lists go the same way (found by review, session 37):
 * the `settings` record carries the file's quote TTLs, every listed instrument's entry (about
 * 65 bytes each), and that was never split nor checked, so under a 64 KiB stream cap a file
 * listing about 960 instruments (15 000 at the default max_payload) failed every start that
 * had to journal settings (any change of a setting or a TTL), "command too large to journal".
 * Now, when the `settings` record (without the list, if that went in parts) still does not
 * fit, the listed instruments' entries go in `quoteTtlPart` records (the whole list in order,
 * cut by the bound; after the list's parts), and the `settings` record carries the quote TTLs
 * with no instrument and names the parts (`ttlParts`: how many, and how many instruments).
 * Collected aside (`pendingQuoteTtls`, part 0 starting afresh) and put in force at that
 * `settings` record, all at once, as the list is. The entries whole rather than a difference:
 * the TTLs in force are compared and replaced whole (door-settings.ts), and a list of 15 000
 * instruments takes 15 parts at most. The final `settings` record is checked against the
 * bound as the parts are.
 */
import type { AccountId } from "../param/index.js";
import type { AccountListParts, Command, CommandBody, ExecutionSettings, InstrumentTtlSetting, QuoteTtlParts } from "./commands.js";
import type { DoorInternals } from "./door-internals.js";
import { checkRecordWithin, recordBudget, recordBytes, roomWithin, runsWithin } from "./record-budget.js";

/** The parts of a list collected so far (part 0 ..), not yet in force. */
export interface PendingAccountList {
  readonly parts: number;
  readonly added: readonly AccountId[];
  readonly removed: readonly AccountId[];
}

/** The listed instruments' TTL entries collected so far (part 0 ..), not yet in force. */
export interface PendingQuoteTtls {
  readonly parts: number;
  readonly instruments: readonly InstrumentTtlSetting[];
}

/**
 * The records that put `configured` in force over `current` (the state's settings): the
 * `settings` record whole when it fits `bound`, otherwise the list's parts, the listed
 * instruments' parts when the record still does not fit without the list, and a `settings`
 * record naming them. `ts`: the time the records will get (measured with it).
 */
export function settingsRecords(current: ExecutionSettings, configured: ExecutionSettings, bound: number, ts: number): CommandBody[] {
  const fits = (c: CommandBody) => recordBytes({ ...c, ts } as Command) <= roomWithin(bound);
  const whole: CommandBody = { kind: "settings", settings: configured };
  if (!Number.isFinite(bound) || fits(whole)) return [whole];

  const parts: CommandBody[] = [];
  let settings = configured;
  let listParts: AccountListParts | undefined;
  if (configured.knownAccounts !== undefined) {
    const list = accountListParts(current, configured.knownAccounts, bound, ts);
    parts.push(...list);
    settings = { ...settings, knownAccounts: undefined };
    listParts = { parts: list.length, accounts: new Set(configured.knownAccounts).size };
  }
  let record: CommandBody = { kind: "settings", settings, ...(listParts && { listParts }) };
  const quoteTtls = settings.quoteTtls;
  if (quoteTtls !== undefined && quoteTtls.instruments.length > 0 && !fits(record)) {
    const ttls = quoteTtlParts(quoteTtls.instruments, bound, ts);
    parts.push(...ttls);
    const ttlParts: QuoteTtlParts = { parts: ttls.length, instruments: quoteTtls.instruments.length };
    record = { kind: "settings", settings: { ...settings, quoteTtls: { ...quoteTtls, instruments: [] } }, ...(listParts && { listParts }), ttlParts };
  }
  // The entries the record still carries: a record over the room with two or more of them is a measure gone wrong.
  const entries = (record.settings.knownAccounts?.length ?? 0) + (record.settings.quoteTtls?.instruments.length ?? 0);
  checkRecordWithin({ ...record, ts } as Command, entries, bound, "settings record");
  return [...parts, record];
}

/** The `accountListPart` records of the change from `current`'s list to `wanted`, each within `bound`. */
function accountListParts(current: ExecutionSettings, knownAccounts: readonly AccountId[], bound: number, ts: number): CommandBody[] {
  const inForce = new Set(current.knownAccounts ?? []);
  const wanted = new Set(knownAccounts);
  const added = [...wanted].filter((id) => !inForce.has(id));
  const removed = [...inForce].filter((id) => !wanted.has(id));
  // Tagged, so one run may hold removed accounts and then added ones; each id is the same size in either list.
  const changes = [...removed.map((id) => ({ id, added: false })), ...added.map((id) => ({ id, added: true }))];
  const part = (i: number, run: readonly { id: AccountId; added: boolean }[]): CommandBody => ({
    kind: "accountListPart",
    part: i,
    added: run.filter((c) => c.added).map((c) => c.id),
    removed: run.filter((c) => !c.added).map((c) => c.id),
  });
  // Measured at the last index a part can have: from part 10 (100, 1000) on, the index takes
  // one more byte, and a part filled to the last byte measured at part 0 was over the room
  // and failed the start (found by review, session 36: 340 000 accounts under 64 KiB).
  const emptyBytes = recordBytes({ ...part(Math.max(changes.length - 1, 0), []), ts } as Command);
  // An empty difference (a list that is the same set in another order) still takes one part.
  const runs = changes.length === 0 ? [[]] : runsWithin(changes, [recordBudget(emptyBytes, bound, (c) => idBytes(c.id))]);
  const parts = runs.map((run, i) => part(i, run));
  for (const [i, p] of parts.entries()) checkRecordWithin({ ...p, ts } as Command, runs[i]!.length, bound, "accounts.list part");
  return parts;
}

/** The `quoteTtlPart` records of `instruments` (all of them, in order), each within `bound`. */
function quoteTtlParts(instruments: readonly InstrumentTtlSetting[], bound: number, ts: number): CommandBody[] {
  const part = (i: number, run: readonly InstrumentTtlSetting[]): CommandBody => ({ kind: "quoteTtlPart", part: i, instruments: run });
  // Measured at the last index a part can have, as the list's parts are.
  const emptyBytes = recordBytes({ ...part(instruments.length - 1, []), ts } as Command);
  const runs = runsWithin(instruments, [recordBudget(emptyBytes, bound)]);
  const parts = runs.map((run, i) => part(i, run));
  for (const [i, p] of parts.entries()) checkRecordWithin({ ...p, ts } as Command, runs[i]!.length, bound, "marketData.instruments part");
  return parts;
}

/** An `accountListPart` record: collected aside (part 0 starts afresh); the list in force is unchanged. */
export function collectListPart(door: DoorInternals, c: Extract<Command, { kind: "accountListPart" }>): void {
  const pending = door.pendingAccountList;
  if (c.part !== 0 && (pending === undefined || pending.parts !== c.part)) {
    door.pendingAccountList = undefined;
    throw new Error(`accounts.list part ${c.part} does not follow part ${pending === undefined ? "none" : pending.parts - 1}`);
  }
  door.pendingAccountList = {
    parts: c.part + 1,
    added: c.part === 0 ? [...c.added] : [...pending!.added, ...c.added],
    removed: c.part === 0 ? [...c.removed] : [...pending!.removed, ...c.removed],
  };
}

/** A `quoteTtlPart` record: collected aside (part 0 starts afresh); the TTLs in force are unchanged. */
export function collectQuoteTtlPart(door: DoorInternals, c: Extract<Command, { kind: "quoteTtlPart" }>): void {
  const pending = door.pendingQuoteTtls;
  if (c.part !== 0 && (pending === undefined || pending.parts !== c.part)) {
    door.pendingQuoteTtls = undefined;
    throw new Error(`marketData.instruments part ${c.part} does not follow part ${pending === undefined ? "none" : pending.parts - 1}`);
  }
  door.pendingQuoteTtls = { parts: c.part + 1, instruments: c.part === 0 ? [...c.instruments] : [...pending!.instruments, ...c.instruments] };
}

/**
 * The settings a `settings` record puts in force: its own, or, when its list or its listed
 * instruments went in parts, with those the parts collected make (the parts are then dropped).
 * Throws, and changes nothing, when they are not the parts it names.
 */
export function settingsOfRecord(door: DoorInternals, c: Extract<Command, { kind: "settings" }>): ExecutionSettings {
  if (c.listParts === undefined && c.ttlParts === undefined) return c.settings;
  const pendingList = door.pendingAccountList;
  const pendingTtls = door.pendingQuoteTtls;
  door.pendingAccountList = undefined;
  door.pendingQuoteTtls = undefined;
  let settings = c.settings;
  if (c.listParts !== undefined) settings = { ...settings, knownAccounts: listOfParts(door, c.listParts, pendingList) };
  if (c.ttlParts !== undefined) {
    const named = c.ttlParts;
    if (pendingTtls === undefined || pendingTtls.parts !== named.parts) {
      throw new Error(`settings record names ${named.parts} marketData.instruments parts, ${pendingTtls === undefined ? "none" : pendingTtls.parts} precede it`);
    }
    if (pendingTtls.instruments.length !== named.instruments) throw new Error(`settings record names ${named.instruments} listed instruments, its parts hold ${pendingTtls.instruments.length}`);
    if (settings.quoteTtls === undefined) throw new Error("settings record names marketData.instruments parts and no quote TTLs");
    settings = { ...settings, quoteTtls: { ...settings.quoteTtls, instruments: pendingTtls.instruments } };
  }
  return settings;
}

/** The list in force changed by the parts collected, checked against what the `settings` record names. */
function listOfParts(door: DoorInternals, named: AccountListParts, pending: PendingAccountList | undefined): AccountId[] {
  if (pending === undefined || pending.parts !== named.parts) {
    throw new Error(`settings record names ${named.parts} accounts.list parts, ${pending === undefined ? "none" : pending.parts} precede it`);
  }
  const removed = new Set(pending.removed);
  const list = new Set([...(door.knownAccounts ?? [])].filter((id) => !removed.has(id)));
  for (const id of pending.added) list.add(id);
  if (list.size !== named.accounts) throw new Error(`settings record names a list of ${named.accounts} accounts, its parts make ${list.size}`);
  return [...list];
}

const encoder = new TextEncoder();

/** An account id's bytes in a part: `{"$n":"…"}` and a comma (plain-data.ts). */
function idBytes(id: AccountId): number {
  return encoder.encode(id.toString()).length + 10;
}
