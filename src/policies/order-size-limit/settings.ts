/** OrderSizeLimitPolicy's caps per axis: their types, validation, copying and JSON form. */
import type { AccountId } from "../../param/ids.js";
import type { Asset } from "../../param/instrument.js";
import { Quantity, Volume } from "../../param/values.js";
import { SettingsValidationError } from "../../engine/errors.js";
import {
  fail,
  onlyKeys,
  optional,
  readAccountId,
  readAsset,
  readDecimal,
  readObject,
  type Json,
  readObjectList,
} from "../settings-json.js";

/** Inclusive caps for a single order: equal to the cap passes. */
export interface OrderSizeLimit {
  maxQuantity: Quantity;
  /** In the settlement asset: |price| × quantity, or the order's volume. */
  maxNotional: Volume;
}

export interface OrderSizeAssetBarrier {
  settlementAsset: Asset;
  limit: OrderSizeLimit;
}

export interface OrderSizeAccountAssetBarrier {
  accountId: AccountId;
  settlementAsset: Asset;
  limit: OrderSizeLimit;
}

/**
 * The three axes of `OrderSizeLimitPolicy`. For an order, the account+asset limit
 * overrides the asset limit; the broker limit applies in addition. At least one barrier
 * must exist. A key repeated within an axis: the last entry wins.
 */
export interface OrderSizeLimitSettings {
  broker?: OrderSizeLimit;
  assetBarriers: OrderSizeAssetBarrier[];
  accountAssetBarriers: OrderSizeAccountAssetBarrier[];
}

function limitProblem(limit: OrderSizeLimit): string | undefined {
  if (!(limit.maxQuantity instanceof Quantity)) return "maxQuantity must be a Quantity";
  if (!(limit.maxNotional instanceof Volume)) return "maxNotional must be a Volume";
  return undefined;
}

function validateLimit(limit: OrderSizeLimit, where: string): void {
  const problem = limitProblem(limit);
  if (problem) throw new SettingsValidationError(`InvalidLimit: ${problem} (at ${where})`);
}

/**
 * Throws `SettingsValidationError` (`NoBarriersConfigured: …`, or `InvalidLimit: …` when a
 * cap is not a value object, which only untyped callers can cause) if unusable.
 */
export function validateOrderSizeLimitSettings(s: OrderSizeLimitSettings): void {
  if (s.broker) validateLimit(s.broker, "broker");
  s.assetBarriers.forEach((b, i) => validateLimit(b.limit, `assetBarriers[${i}]`));
  s.accountAssetBarriers.forEach((b, i) => validateLimit(b.limit, `accountAssetBarriers[${i}]`));
  if (!s.broker && s.assetBarriers.length === 0 && s.accountAssetBarriers.length === 0) {
    throw new SettingsValidationError(
      "NoBarriersConfigured: at least one broker, asset, or account+asset barrier must be configured",
    );
  }
}

/** A copy nobody else holds; the decimal values themselves are immutable and shared. */
export function copyOrderSizeLimitSettings(s: OrderSizeLimitSettings): OrderSizeLimitSettings {
  const copy: OrderSizeLimitSettings = {
    assetBarriers: s.assetBarriers.map((b) => ({ settlementAsset: b.settlementAsset, limit: { ...b.limit } })),
    accountAssetBarriers: s.accountAssetBarriers.map((b) => ({
      accountId: b.accountId,
      settlementAsset: b.settlementAsset,
      limit: { ...b.limit },
    })),
  };
  if (s.broker) copy.broker = { ...s.broker };
  return copy;
}

// ---- JSON form -------------------------------------------------------------------------
//
// {
//   "broker": { "maxQuantity": "1000", "maxNotional": "1000000" },             // optional
//   "assetBarriers": [ { "settlementAsset": "USD", "limit": { "maxQuantity": "10", "maxNotional": "1000" } } ],
//   "accountAssetBarriers": [
//     { "accountId": 99224416, "settlementAsset": "USD", "limit": { "maxQuantity": "5", "maxNotional": "500" } }
//   ]
// }
//
// Decimals are strings (non-negative); arrays are optional (absent = empty); account ids
// are u64 numbers or digit strings. Unknown keys are refused.

function readLimit(json: Json, path: string): OrderSizeLimit {
  const obj = readObject(json, path);
  onlyKeys(obj, path, ["maxQuantity", "maxNotional"]);
  return {
    maxQuantity: readDecimal(obj.maxQuantity, `${path}.maxQuantity`, Quantity),
    maxNotional: readDecimal(obj.maxNotional, `${path}.maxNotional`, Volume),
  };
}

export function parseOrderSizeLimitSettingsJson(json: unknown, path = "settings"): OrderSizeLimitSettings {
  const obj = readObject(json, path);
  onlyKeys(obj, path, ["broker", "assetBarriers", "accountAssetBarriers"]);
  const settings: OrderSizeLimitSettings = {
    assetBarriers: readObjectList(obj.assetBarriers, `${path}.assetBarriers`, (b, p) => {
      onlyKeys(b, p, ["settlementAsset", "limit"]);
      return { settlementAsset: readAsset(b.settlementAsset, `${p}.settlementAsset`), limit: readLimit(b.limit, `${p}.limit`) };
    }),
    accountAssetBarriers: readObjectList(obj.accountAssetBarriers, `${path}.accountAssetBarriers`, (b, p) => {
      onlyKeys(b, p, ["accountId", "settlementAsset", "limit"]);
      return {
        accountId: readAccountId(b.accountId, `${p}.accountId`),
        settlementAsset: readAsset(b.settlementAsset, `${p}.settlementAsset`),
        limit: readLimit(b.limit, `${p}.limit`),
      };
    }),
  };
  const broker = optional(obj.broker, `${path}.broker`, readLimit);
  if (broker) settings.broker = broker;
  try {
    validateOrderSizeLimitSettings(settings);
  } catch (e) {
    return fail(path, e instanceof Error ? e.message : String(e));
  }
  return settings;
}
