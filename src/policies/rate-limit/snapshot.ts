/** RateLimitPolicy's live settings and every window counter as plain data, and back. */
import type { AccountId } from "../../param/ids.js";
import type { Asset } from "../../param/instrument.js";
import { snapshotArray, snapshotFields, snapshotMap } from "../snapshot-data.js";
import { idleLogs, type AccountLogs, type Axes } from "./axes.js";
import type { RateLimitSettings } from "./settings.js";
import { SlidingWindowLog, type FixedWindowCounter } from "./window-counters.js";

/** A fixed window; `windowStart` null = no window opened yet (the counter's −∞, which JSON cannot carry). */
export interface FixedWindowData {
  readonly windowStart: number | null;
  readonly count: number;
}

/**
 * Counters are keyed like the axes they belong to (one per key, however often the key is
 * repeated in the settings); sliding logs are the exact call times, oldest first, so a
 * restored limiter accepts and refuses the same calls at the same instants.
 */
export interface RateLimitSnapshot {
  readonly settings: RateLimitSettings;
  readonly broker?: FixedWindowData;
  readonly assets: ReadonlyMap<Asset, FixedWindowData>;
  readonly accounts: ReadonlyMap<AccountId, readonly number[]>;
  readonly accountAssets: ReadonlyMap<AccountId, ReadonlyMap<Asset, readonly number[]>>;
  /**
   * The logs of account / account+asset keys the settings no longer name that still hold
   * calls (kept for a re-added key), sorted by account then asset; present only when there
   * is one. A snapshot without them (older builds) restores with no idle log.
   */
  readonly idleAccounts?: ReadonlyMap<AccountId, readonly number[]>;
  readonly idleAccountAssets?: ReadonlyMap<AccountId, ReadonlyMap<Asset, readonly number[]>>;
}

const POLICY = "RateLimitPolicy";

function fixedData(counter: FixedWindowCounter): FixedWindowData {
  const start = counter.windowStart;
  return { windowStart: Number.isFinite(start) ? start : null, count: counter.count };
}

function restoreFixed(counter: FixedWindowCounter, data: FixedWindowData | undefined, what: string): void {
  if (data === undefined) return;
  const { windowStart, count } = snapshotFields(data, POLICY, what, ["windowStart", "count"]);
  counter.windowStart = windowStart === null ? Number.NEGATIVE_INFINITY : (windowStart as number);
  counter.count = count as number;
}

function restoreLog(counter: SlidingWindowLog, times: unknown, what: string): void {
  if (times !== undefined) counter.restore(snapshotArray<number>(times, POLICY, what));
}

export function captureRateLimit(settings: RateLimitSettings, axes: Axes, logs: AccountLogs): RateLimitSnapshot {
  const assets = new Map<Asset, FixedWindowData>();
  for (const [asset, slot] of axes.assets) assets.set(asset, fixedData(slot.counter));
  const accounts = new Map<AccountId, number[]>();
  for (const [account, slot] of axes.accounts) accounts.set(account, slot.counter.entries());
  const accountAssets = new Map<AccountId, Map<Asset, number[]>>();
  for (const [account, byAsset] of axes.accountAssets) {
    const logs = new Map<Asset, number[]>();
    for (const [asset, slot] of byAsset) logs.set(asset, slot.counter.entries());
    accountAssets.set(account, logs);
  }
  let snapshot: RateLimitSnapshot = { settings, assets, accounts, accountAssets };
  if (axes.broker) snapshot = { ...snapshot, broker: fixedData(axes.broker.counter) };
  const idle = idleLogs(logs, axes);
  if (idle.accounts.length > 0) {
    snapshot = { ...snapshot, idleAccounts: new Map(idle.accounts.map(([account, log]) => [account, log.entries()])) };
  }
  if (idle.accountAssets.length > 0) {
    const idleAccountAssets = new Map<AccountId, Map<Asset, number[]>>();
    for (const [account, asset, log] of idle.accountAssets) {
      let byAsset = idleAccountAssets.get(account);
      if (byAsset === undefined) idleAccountAssets.set(account, (byAsset = new Map()));
      byAsset.set(asset, log.entries());
    }
    snapshot = { ...snapshot, idleAccountAssets };
  }
  return snapshot;
}

/** The idle logs a snapshot carries (none when it has no such field), as fresh logs to compile the axes against. */
export function restoreIdleLogs(data: RateLimitSnapshot, logs: AccountLogs): void {
  if (data.idleAccounts !== undefined) {
    for (const [account, times] of snapshotMap<AccountId, number[]>(data.idleAccounts, POLICY, "idle account counters")) {
      const log = new SlidingWindowLog();
      restoreLog(log, times, "an idle account counter");
      logs.accounts.set(account, log);
    }
  }
  if (data.idleAccountAssets !== undefined) {
    const pairs = snapshotMap<AccountId, ReadonlyMap<Asset, number[]>>(data.idleAccountAssets, POLICY, "idle account+asset counters");
    for (const [account, byAsset] of pairs) {
      const into = new Map<Asset, SlidingWindowLog>();
      for (const [asset, times] of snapshotMap<Asset, number[]>(byAsset, POLICY, "idle account+asset counters")) {
        const log = new SlidingWindowLog();
        restoreLog(log, times, "an idle account+asset counter");
        into.set(asset, log);
      }
      logs.accountAssets.set(account, into);
    }
  }
}

/** Fills the fresh counters of `axes` (compiled from the snapshot's settings) with the snapshot's counts. */
export function restoreRateLimitCounters(axes: Axes, data: RateLimitSnapshot): void {
  if (axes.broker) restoreFixed(axes.broker.counter, data.broker, "broker counter");
  const assets = snapshotMap<Asset, FixedWindowData>(data.assets, POLICY, "asset counters");
  for (const [asset, slot] of axes.assets) restoreFixed(slot.counter, assets.get(asset), `asset counter ${asset}`);
  const accounts = snapshotMap<AccountId, number[]>(data.accounts, POLICY, "account counters");
  for (const [account, slot] of axes.accounts) restoreLog(slot.counter, accounts.get(account), "an account counter");
  const pairs = snapshotMap<AccountId, ReadonlyMap<Asset, number[]>>(data.accountAssets, POLICY, "account+asset counters");
  for (const [account, byAsset] of axes.accountAssets) {
    const logs = pairs.get(account);
    if (logs === undefined) continue;
    for (const [asset, slot] of byAsset) restoreLog(slot.counter, logs.get(asset), "an account+asset counter");
  }
}
