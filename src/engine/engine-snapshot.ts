/** The engine's snapshot format, and capturing/restoring the account state the engine itself keeps. */
import type { AccountGroupId, AccountId } from "../param/ids.js";
import type { Asset } from "../param/instrument.js";
import type { AccountBlock } from "../model/reject.js";
import type { AccountBlocks } from "./account-blocks.js";
import type { AccountRegistry } from "./account-registry.js";
import { SnapshotError } from "./errors.js";
import type { PreTradePolicy } from "./pretrade/policy.js";
import type { AccountBook, AccountBookData } from "./account-book/account-book.js";
import { checkData as checkExecutionIds, type ExecutionIds, type ExecutionIdsData } from "./execution-ids.js";

/**
 * Engine state as plain data (`engine.snapshotState()`), restored with
 * `engine.restoreState(s)` on a fresh engine built with the same policies. Maps keep
 * insertion order, which is part of the state: it decides the order of later iterations.
 */
export interface EngineSnapshot {
  readonly format: 1;
  /** Each policy's `snapshotState()` (undefined for a stateless one), keyed by name, in engine order. */
  readonly policies: ReadonlyMap<string, unknown>;
  /**
   * Each policy's policy group id (0: none), keyed by name: its state holds prices and
   * reservations under that group, and the journal's locks name it. Absent in snapshots from
   * before it was kept (not checked then).
   */
  readonly policyGroups?: ReadonlyMap<string, number>;
  readonly accountBlocks: ReadonlyMap<AccountId, AccountBlock>;
  readonly groupBlocks: ReadonlyMap<AccountGroupId, AccountBlock>;
  /** The latch set by a kill switch on a report without an account; absent = not set. */
  readonly globalBlock?: AccountBlock;
  readonly accountGroups: ReadonlyMap<AccountId, AccountGroupId>;
  readonly accountCurrencies: ReadonlyMap<AccountId, Asset>;
  /** Group 0 holds the engine-wide default currency. */
  readonly groupCurrencies: ReadonlyMap<AccountGroupId, Asset>;
  /** Positions, open orders, pending quantities; absent in snapshots from before the book (= empty). */
  readonly accountBook?: AccountBookData;
  /** Execution ids applied, in the order applied (execution-ids.ts); absent in snapshots from before they were kept (= none). */
  readonly executionIds?: ExecutionIdsData;
}

/**
 * Names of policies that keep state but could not hand it over (neither stateless nor both
 * hooks). Settings an operator can retune (`publishSettings`) are state whatever a policy
 * declares: three "stateless" controls once lost a ConfigurePolicy change at every snapshot.
 */
export function unsnapshottable(policies: readonly PreTradePolicy[]): string[] {
  return policies.filter((p) => (p.stateless !== true || isRetunable(p)) && !(p.snapshotState && p.restoreState)).map((p) => p.name);
}

function isRetunable(policy: PreTradePolicy): boolean {
  return typeof (policy as { publishSettings?: unknown }).publishSettings === "function";
}

function refuseUnsnapshottable(policies: readonly PreTradePolicy[]): void {
  const missing = unsnapshottable(policies);
  if (missing.length > 0) {
    throw new SnapshotError("NotSnapshottable", `stateful policies without snapshotState/restoreState: ${missing.join(", ")}`, missing[0]);
  }
}

export function captureEngine(
  policies: readonly PreTradePolicy[],
  blocks: AccountBlocks,
  registry: AccountRegistry,
  book: AccountBook,
  executionIds: ExecutionIds,
): EngineSnapshot {
  refuseUnsnapshottable(policies);
  const states = new Map<string, unknown>();
  for (const p of policies) states.set(p.name, p.snapshotState ? p.snapshotState() : undefined);
  const snapshot = {
    format: 1 as const,
    policies: states,
    policyGroups: new Map(policies.map((p) => [p.name, Number(p.policyGroupId ?? 0)] as const)),
    accountBlocks: new Map(blocks.accounts),
    groupBlocks: new Map(blocks.groups),
    accountGroups: new Map(registry.groupByAccount),
    accountCurrencies: new Map(registry.currencyByAccount),
    groupCurrencies: new Map(registry.currencyByGroup),
    accountBook: book.toData(),
    executionIds: executionIds.toData(),
  };
  return blocks.global === undefined ? snapshot : { ...snapshot, globalBlock: blocks.global };
}

/**
 * Checks everything before anything changes, so a refused snapshot leaves the engine as it
 * was: the format, the policy list (same names, same order) and that every policy holding
 * state can take it back.
 */
export function checkSnapshot(snapshot: EngineSnapshot, policies: readonly PreTradePolicy[]): void {
  if (typeof snapshot !== "object" || snapshot === null || snapshot.format !== 1) {
    throw new SnapshotError("Malformed", `not an engine snapshot of format 1`);
  }
  for (const key of ["policies", "accountBlocks", "groupBlocks", "accountGroups", "accountCurrencies", "groupCurrencies"] as const) {
    if (!(snapshot[key] instanceof Map)) throw new SnapshotError("Malformed", `engine snapshot: '${key}' must be a Map`);
  }
  const theirs = [...snapshot.policies.keys()];
  const ours = policies.map((p) => p.name);
  const at = firstDifference(theirs, ours);
  if (at !== undefined) {
    const what = `at position ${at} the snapshot has ${quoted(theirs[at])} and the engine ${quoted(ours[at])}`;
    throw new SnapshotError(
      "PolicyMismatch",
      `snapshot policies [${theirs.join(", ")}] differ from the engine's [${ours.join(", ")}]: ${what}`,
      theirs[at] ?? ours[at],
    );
  }
  // Found by review (session 37): a policy group id changed in the file was taken at the next
  // start, and the journal's reports, whose locks name the old group, replayed otherwise (a
  // fill acknowledged live found no lock price under the new group: its hold came back).
  if (snapshot.policyGroups !== undefined) {
    if (!(snapshot.policyGroups instanceof Map)) throw new SnapshotError("Malformed", "engine snapshot: 'policyGroups' must be a Map");
    for (const p of policies) {
      const theirGroup = snapshot.policyGroups.get(p.name);
      const ourGroup = Number(p.policyGroupId ?? 0);
      if (theirGroup !== undefined && theirGroup !== ourGroup) {
        throw new SnapshotError(
          "PolicyMismatch",
          `policy ${quoted(p.name)} has policyGroupId ${theirGroup} in the snapshot and ${ourGroup} in the engine: its state and the journal's locks are under group ${theirGroup}`,
          p.name,
        );
      }
    }
  }
  checkExecutionIds(snapshot.executionIds);
  refuseUnsnapshottable(policies);
  for (const p of policies) {
    if (snapshot.policies.get(p.name) !== undefined && !p.restoreState) {
      throw new SnapshotError("NotSnapshottable", `policy '${p.name}' has state in the snapshot but no restoreState`, p.name);
    }
  }
}

/** Replaces the engine's blocks and registry with the snapshot's (fresh Maps, same order). */
export function restoreAccounts(snapshot: EngineSnapshot, blocks: AccountBlocks, registry: AccountRegistry): void {
  refill(blocks.accounts, snapshot.accountBlocks);
  refill(blocks.groups, snapshot.groupBlocks);
  blocks.global = snapshot.globalBlock ?? undefined;
  refill(registry.groupByAccount, snapshot.accountGroups);
  refill(registry.currencyByAccount, snapshot.accountCurrencies);
  refill(registry.currencyByGroup, snapshot.groupCurrencies);
}

function refill<K, V>(target: Map<K, V>, source: ReadonlyMap<K, V>): void {
  target.clear();
  for (const [k, v] of source) target.set(k, v);
}

function firstDifference(a: readonly string[], b: readonly string[]): number | undefined {
  for (let i = 0; i < Math.max(a.length, b.length); i++) if (a[i] !== b[i]) return i;
  return undefined;
}

function quoted(name: string | undefined): string {
  return name === undefined ? "nothing" : `'${name}'`;
}
