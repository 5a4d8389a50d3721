/** GrossExposureLimitPolicy's caps per account, group and default: validation, copying and JSON form. */
import type { Asset } from "../../param/instrument.js";
import { Volume } from "../../param/values.js";
import { SettingsValidationError } from "../../engine/errors.js";
import { copyTiers, readAccountTiers, validateTiers, type AccountTiers } from "../account-tiers.js";
import { onlyKeys, readAsset, readDecimal, readObject, type Json } from "../settings-json.js";

/**
 * Gross notional in `settlementAsset` over every instrument: at most `maxNotional` (equal
 * passes). Instruments settling in other assets are converted at a fresh FX reference
 * (limit-price.ts).
 */
export interface ExposureLimit {
  settlementAsset: Asset;
  maxNotional: Volume;
}

export type GrossExposureSettings = AccountTiers<ExposureLimit>;

export function validateGrossExposureSettings(s: GrossExposureSettings): void {
  validateTiers(s, (l, where) => {
    if (!(l.maxNotional instanceof Volume)) throw new SettingsValidationError(`InvalidLimit: maxNotional must be a Volume (at ${where})`);
    if (typeof l.settlementAsset !== "string" || l.settlementAsset.trim() === "") {
      throw new SettingsValidationError(`InvalidLimit: settlementAsset must be a non-empty asset (at ${where})`);
    }
  });
}

export function copyGrossExposureSettings(s: GrossExposureSettings): GrossExposureSettings {
  return copyTiers(s, (l) => ({ ...l }));
}

// { "default": { "settlementAsset": "USD", "maxNotional": "1000000" },
//   "accounts": [ { "accountId": 99224416, "limit": { "settlementAsset": "USD", "maxNotional": "50000" } } ] }

function readLimit(json: Json, path: string): ExposureLimit {
  const obj = readObject(json, path);
  onlyKeys(obj, path, ["settlementAsset", "maxNotional"]);
  return { settlementAsset: readAsset(obj.settlementAsset, `${path}.settlementAsset`), maxNotional: readDecimal(obj.maxNotional, `${path}.maxNotional`, Volume) };
}

export function parseGrossExposureSettingsJson(json: unknown, path = "settings"): GrossExposureSettings {
  return readAccountTiers(readObject(json, path), path, [], readLimit);
}
