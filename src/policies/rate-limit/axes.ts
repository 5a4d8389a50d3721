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
 * The account and account+asset sliding logs, kept by the policy per key outside the
 * settings (OpenPit: "a removed account key leaves its idle log behind … and the log
 * resumes if the key is re-added"). A retune never drops a log that holds calls, so an
 * account whose barrier is removed and re-added within its window keeps what it had spent.
 */
export interface AccountLogs {
  readonly accounts: Map<AccountId, SlidingWindowLog>;
  readonly accountAssets: Map<AccountId, Map<Asset, SlidingWindowLog>>;
}

export function emptyAccountLogs(): AccountLogs {
  return { accounts: new Map(), accountAssets: new Map() };
}

/**
 * Builds the axes for `settings`. A key that also existed in `previous` keeps its live
 * counter (a retune never resets a window, so a flood cannot escape by waiting for a
 * config change); a new broker or asset key starts empty and a removed one's counter is
 * dropped. Account and account+asset keys take their log from `logs`, creating it on first
 * use, so a removed key's log is found again when the key is re-added. Entries are applied
 * in order, so a repeated key ends with its last limit.
 */
export function compileAxes(settings: RateLimitSettings, logs: AccountLogs, previous?: Axes): Axes {
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
    let counter = logs.accounts.get(accountId);
    if (counter === undefined) logs.accounts.set(accountId, (counter = new SlidingWindowLog()));
    accounts.set(accountId, { limit, counter });
  }

  const accountAssets = new Map<AccountId, Map<Asset, Slot<SlidingWindowLog>>>();
  for (const { accountId, settlementAsset, limit } of settings.accountAssetBarriers) {
    let byAsset = accountAssets.get(accountId);
    if (!byAsset) accountAssets.set(accountId, (byAsset = new Map()));
    let logsByAsset = logs.accountAssets.get(accountId);
    if (logsByAsset === undefined) logs.accountAssets.set(accountId, (logsByAsset = new Map()));
    let counter = logsByAsset.get(settlementAsset);
    if (counter === undefined) logsByAsset.set(settlementAsset, (counter = new SlidingWindowLog()));
    byAsset.set(settlementAsset, { limit, counter });
  }

  pruneIdleLogs(logs, accounts, accountAssets);
  return {
    broker,
    assets,
    accounts,
    accountAssets,
    needsSettlement: assets.size > 0 || accountAssets.size > 0,
    needsAccount: accounts.size > 0 || accountAssets.size > 0,
  };
}

/**
 * Drops the logs of keys `settings` no longer name that hold no call: they have nothing to
 * remember, so the maps keep only keys that are configured or were counted. (OpenPit keeps
 * an idle log whatever it holds; an empty one decides nothing, so dropping it changes no
 * verdict.) A removed key's log that still holds calls stays, expired entries included,
 * until its account is retired.
 */
function pruneIdleLogs(
  logs: AccountLogs,
  accounts: ReadonlyMap<AccountId, unknown>,
  accountAssets: ReadonlyMap<AccountId, ReadonlyMap<Asset, unknown>>,
): void {
  for (const [accountId, log] of logs.accounts) {
    if (log.size === 0 && !accounts.has(accountId)) logs.accounts.delete(accountId);
  }
  for (const [accountId, byAsset] of logs.accountAssets) {
    const configured = accountAssets.get(accountId);
    for (const [asset, log] of byAsset) {
      if (log.size === 0 && configured?.has(asset) !== true) byAsset.delete(asset);
    }
    if (byAsset.size === 0) logs.accountAssets.delete(accountId);
  }
}

/** The logs of keys the axes do not name (idle), sorted by account then asset: a stable snapshot order. */
export function idleLogs(logs: AccountLogs, axes: Axes): { accounts: [AccountId, SlidingWindowLog][]; accountAssets: [AccountId, Asset, SlidingWindowLog][] } {
  const accounts: [AccountId, SlidingWindowLog][] = [];
  for (const [accountId, log] of logs.accounts) if (!axes.accounts.has(accountId)) accounts.push([accountId, log]);
  accounts.sort((a, b) => compareIds(a[0], b[0]));
  const accountAssets: [AccountId, Asset, SlidingWindowLog][] = [];
  for (const [accountId, byAsset] of logs.accountAssets) {
    const configured = axes.accountAssets.get(accountId);
    for (const [asset, log] of byAsset) if (configured?.has(asset) !== true) accountAssets.push([accountId, asset, log]);
  }
  accountAssets.sort((a, b) => compareIds(a[0], b[0]) || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return { accounts, accountAssets };
}

function compareIds(a: AccountId, b: AccountId): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
