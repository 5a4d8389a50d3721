/** RateLimitPolicy's live settings and every window counter as plain data, and back. */
import type { AccountId } from "../../param/ids.js";
import type { Asset } from "../../param/instrument.js";
import { snapshotArray, snapshotFields, snapshotMap } from "../snapshot-data.js";
import type { Axes } from "./axes.js";
import type { RateLimitSettings } from "./settings.js";
import type { FixedWindowCounter, SlidingWindowLog } from "./window-counters.js";

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

export function captureRateLimit(settings: RateLimitSettings, axes: Axes): RateLimitSnapshot {
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
  const snapshot = { settings, assets, accounts, accountAssets };
  return axes.broker ? { ...snapshot, broker: fixedData(axes.broker.counter) } : snapshot;
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
