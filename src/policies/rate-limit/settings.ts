/** RateLimitPolicy's order-count limits per axis: their types, validation, copying and JSON form. */
import type { AccountId } from "../../param/ids.js";
import type { Asset } from "../../param/instrument.js";
import { formatDuration, isWindowDuration } from "../../param/duration.js";
import { SettingsValidationError } from "../../engine/errors.js";
import {
  fail,
  onlyKeys,
  optional,
  readAccountId,
  readAsset,
  readInteger,
  readNumber,
  readObject,
  type Json,
  readObjectList,
} from "../settings-json.js";

/** At most `maxOrders` orders per `windowMs` milliseconds (fractions allowed). */
export interface RateLimit {
  maxOrders: number;
  windowMs: number;
}

export interface RateLimitAssetBarrier {
  settlementAsset: Asset;
  limit: RateLimit;
}

export interface RateLimitAccountBarrier {
  accountId: AccountId;
  limit: RateLimit;
}

export interface RateLimitAccountAssetBarrier {
  accountId: AccountId;
  settlementAsset: Asset;
  limit: RateLimit;
}

/**
 * The four axes of `RateLimitPolicy`. Each is optional or may be empty, but at least one
 * barrier must exist. A key repeated within an axis: the last entry wins.
 */
export interface RateLimitSettings {
  broker?: RateLimit;
  assetBarriers: RateLimitAssetBarrier[];
  accountBarriers: RateLimitAccountBarrier[];
  accountAssetBarriers: RateLimitAccountAssetBarrier[];
}

/** OpenPit validates windows as a Rust `Duration` that must be positive and fit u64 nanoseconds. */
function windowProblem(windowMs: number): string | undefined {
  if (isWindowDuration(windowMs)) return undefined;
  const shown = typeof windowMs === "number" && windowMs >= 0 && Number.isFinite(windowMs) ? formatDuration(windowMs) : `${String(windowMs)}ms`;
  return `InvalidWindow: rate limit window must be positive and fit in u64 nanoseconds, got ${shown}`;
}

function maxOrdersProblem(maxOrders: number): string | undefined {
  if (Number.isSafeInteger(maxOrders) && maxOrders >= 0) return undefined;
  return `InvalidMaxOrders: max orders must be a non-negative integer, got ${String(maxOrders)}`;
}

function validateLimit(limit: RateLimit, where: string): void {
  const problem = windowProblem(limit.windowMs) ?? maxOrdersProblem(limit.maxOrders);
  if (problem) throw new SettingsValidationError(`${problem} (at ${where})`);
}

/**
 * Throws `SettingsValidationError` (`NoBarriersConfigured: …`, `InvalidWindow: …`, or the
 * TypeScript-only `InvalidMaxOrders: …` for a fractional/negative count) if unusable.
 */
export function validateRateLimitSettings(s: RateLimitSettings): void {
  if (s.broker) validateLimit(s.broker, "broker");
  s.assetBarriers.forEach((b, i) => validateLimit(b.limit, `assetBarriers[${i}]`));
  s.accountBarriers.forEach((b, i) => validateLimit(b.limit, `accountBarriers[${i}]`));
  s.accountAssetBarriers.forEach((b, i) => validateLimit(b.limit, `accountAssetBarriers[${i}]`));
  if (!s.broker && s.assetBarriers.length === 0 && s.accountBarriers.length === 0 && s.accountAssetBarriers.length === 0) {
    throw new SettingsValidationError(
      "NoBarriersConfigured: at least one broker, asset, account, or account+asset barrier must be configured",
    );
  }
}

/** A copy nobody else holds: limits are fresh objects, keys are immutable values. */
/** A deep copy; `windowOf` maps each limit's window (a restore brings old ones into range). */
export function copyRateLimitSettings(s: RateLimitSettings, windowOf: (windowMs: number) => number = (ms) => ms): RateLimitSettings {
  const limit = (l: RateLimit): RateLimit => ({ ...l, windowMs: windowOf(l.windowMs) });
  const copy: RateLimitSettings = {
    assetBarriers: s.assetBarriers.map((b) => ({ settlementAsset: b.settlementAsset, limit: limit(b.limit) })),
    accountBarriers: s.accountBarriers.map((b) => ({ accountId: b.accountId, limit: limit(b.limit) })),
    accountAssetBarriers: s.accountAssetBarriers.map((b) => ({
      accountId: b.accountId,
      settlementAsset: b.settlementAsset,
      limit: limit(b.limit),
    })),
  };
  if (s.broker) copy.broker = limit(s.broker);
  return copy;
}

// ---- JSON form -------------------------------------------------------------------------
//
// {
//   "broker": { "maxOrders": 100, "windowMs": 1000 },                          // optional
//   "assetBarriers": [ { "settlementAsset": "USD", "limit": { "maxOrders": 10, "windowMs": 1000 } } ],
//   "accountBarriers": [ { "accountId": 99224416, "limit": { "maxOrders": 5, "windowMs": 60000 } } ],
//   "accountAssetBarriers": [
//     { "accountId": "99224416", "settlementAsset": "USD", "limit": { "maxOrders": 1, "windowMs": 500 } }
//   ]
// }
//
// Every array is optional (absent = empty); windows are milliseconds; account ids are u64
// numbers or digit strings. Unknown keys are refused.

function readRateLimit(json: Json, path: string): RateLimit {
  const obj = readObject(json, path);
  onlyKeys(obj, path, ["maxOrders", "windowMs"]);
  const maxOrders = readInteger(obj.maxOrders, `${path}.maxOrders`, 0, Number.MAX_SAFE_INTEGER);
  const windowMs = readNumber(obj.windowMs, `${path}.windowMs`);
  const problem = windowProblem(windowMs);
  if (problem) fail(`${path}.windowMs`, problem);
  return { maxOrders, windowMs };
}

export function parseRateLimitSettingsJson(json: unknown, path = "settings"): RateLimitSettings {
  const obj = readObject(json, path);
  onlyKeys(obj, path, ["broker", "assetBarriers", "accountBarriers", "accountAssetBarriers"]);
  const settings: RateLimitSettings = {
    assetBarriers: readObjectList(obj.assetBarriers, `${path}.assetBarriers`, (b, p) => {
      onlyKeys(b, p, ["settlementAsset", "limit"]);
      return { settlementAsset: readAsset(b.settlementAsset, `${p}.settlementAsset`), limit: readRateLimit(b.limit, `${p}.limit`) };
    }),
    accountBarriers: readObjectList(obj.accountBarriers, `${path}.accountBarriers`, (b, p) => {
      onlyKeys(b, p, ["accountId", "limit"]);
      return { accountId: readAccountId(b.accountId, `${p}.accountId`), limit: readRateLimit(b.limit, `${p}.limit`) };
    }),
    accountAssetBarriers: readObjectList(obj.accountAssetBarriers, `${path}.accountAssetBarriers`, (b, p) => {
      onlyKeys(b, p, ["accountId", "settlementAsset", "limit"]);
      return {
        accountId: readAccountId(b.accountId, `${p}.accountId`),
        settlementAsset: readAsset(b.settlementAsset, `${p}.settlementAsset`),
        limit: readRateLimit(b.limit, `${p}.limit`),
      };
    }),
  };
  const broker = optional(obj.broker, `${path}.broker`, readRateLimit);
  if (broker) settings.broker = broker;
  try {
    validateRateLimitSettings(settings);
  } catch (e) {
    return fail(path, e instanceof Error ? e.message : String(e));
  }
  return settings;
}
