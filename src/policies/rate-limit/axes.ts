/** Compiles rate-limit settings into one window counter per key, keeping live windows across a retune. */
import type { AccountId } from "../../param/ids.js";
import type { Asset } from "../../param/instrument.js";
import type { RateLimit, RateLimitSettings } from "./settings.js";
import { FixedWindowCounter, SlidingWindowLog } from "./window-counters.js";

export interface WindowCounter {
  push(now: number, windowMs: number): number;
  peek(now: number, windowMs: number): number;
}

/** A limit with the live counter enforcing it. */
export interface Slot<C extends WindowCounter> {
  readonly limit: RateLimit;
  readonly counter: C;
}

/**
 * The settings compiled for the hot path: one Map lookup per axis, no array scans, no key
 * strings built per order (account+asset is a Map of Maps).
 */
export interface Axes {
  readonly broker: Slot<FixedWindowCounter> | undefined;
  readonly assets: ReadonlyMap<Asset, Slot<FixedWindowCounter>>;
  readonly accounts: ReadonlyMap<AccountId, Slot<SlidingWindowLog>>;
  readonly accountAssets: ReadonlyMap<AccountId, ReadonlyMap<Asset, Slot<SlidingWindowLog>>>;
  /** Whether an order must carry an instrument / an account id for these axes. */
  readonly needsSettlement: boolean;
  readonly needsAccount: boolean;
}

/**
 * Builds the axes for `settings`. A key that also existed in `previous` keeps its live
 * counter (a retune never resets a window, so a flood cannot escape by waiting for a
 * config change); a new key starts empty; a removed key's counter is dropped. Entries are
 * applied in order, so a repeated key ends with its last limit.
 */
export function compileAxes(settings: RateLimitSettings, previous?: Axes): Axes {
  const broker = settings.broker && {
    limit: settings.broker,
    counter: previous?.broker?.counter ?? new FixedWindowCounter(),
  };

  const assets = new Map<Asset, Slot<FixedWindowCounter>>();
  for (const { settlementAsset, limit } of settings.assetBarriers) {
    const counter = assets.get(settlementAsset)?.counter ?? previous?.assets.get(settlementAsset)?.counter;
    assets.set(settlementAsset, { limit, counter: counter ?? new FixedWindowCounter() });
  }

  const accounts = new Map<AccountId, Slot<SlidingWindowLog>>();
  for (const { accountId, limit } of settings.accountBarriers) {
    const counter = accounts.get(accountId)?.counter ?? previous?.accounts.get(accountId)?.counter;
    accounts.set(accountId, { limit, counter: counter ?? new SlidingWindowLog() });
  }

  const accountAssets = new Map<AccountId, Map<Asset, Slot<SlidingWindowLog>>>();
  for (const { accountId, settlementAsset, limit } of settings.accountAssetBarriers) {
    let byAsset = accountAssets.get(accountId);
    if (!byAsset) accountAssets.set(accountId, (byAsset = new Map()));
    const counter = byAsset.get(settlementAsset)?.counter ?? previous?.accountAssets.get(accountId)?.get(settlementAsset)?.counter;
    byAsset.set(settlementAsset, { limit, counter: counter ?? new SlidingWindowLog() });
  }

  return {
    broker,
    assets,
    accounts,
    accountAssets,
    needsSettlement: assets.size > 0 || accountAssets.size > 0,
    needsAccount: accounts.size > 0 || accountAssets.size > 0,
  };
}
