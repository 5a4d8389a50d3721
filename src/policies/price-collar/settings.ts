/** PriceCollarPolicy's bands: per account, group, instrument and default, its validation, copying and JSON form. */
import type { Asset } from "../../param/instrument.js";
import { Price } from "../../param/values.js";
import { SettingsValidationError } from "../../engine/errors.js";
import { copyTiers, readAccountTiers, validateTiers, type AccountTiers } from "../account-tiers.js";
import { fail, onlyKeys, optional, readAsset, readDecimal, readObject, readObjectList, type Json } from "../settings-json.js";

/** The band: an order's price may be at most `maxDeviationPct` % away from the reference. */
export interface CollarLimit {
  maxDeviationPct: Price;
}

export interface CollarInstrument {
  underlyingAsset: Asset;
  settlementAsset: Asset;
  limit: CollarLimit;
}

/**
 * Resolution, most specific to the account first: the account's band, its group's, the
 * instrument's, then the default. At least one must exist.
 */
export interface PriceCollarSettings extends AccountTiers<CollarLimit> {
  instruments: CollarInstrument[];
  /**
   * Market orders (no price): how far (%) the price they would trade at (ask for a buy,
   * bid for a sell) may be from the reference. Absent = the band that applies.
   */
  marketSlippagePct?: Price;
}

function checkPct(value: Price, where: string): void {
  if (!(value instanceof Price) || value.isNegative()) {
    throw new SettingsValidationError(`InvalidPercentage: must be a non-negative decimal (at ${where})`);
  }
}

export function validatePriceCollarSettings(s: PriceCollarSettings): void {
  s.instruments.forEach((i, n) => checkPct(i.limit.maxDeviationPct, `instruments[${n}].limit.maxDeviationPct`));
  if (s.marketSlippagePct !== undefined) checkPct(s.marketSlippagePct, "marketSlippagePct");
  if (s.instruments.length > 0 && s.default === undefined && s.groups.length === 0 && s.accounts.length === 0) return;
  validateTiers(s, (l, where) => checkPct(l.maxDeviationPct, `${where}.maxDeviationPct`));
}

export function copyPriceCollarSettings(s: PriceCollarSettings): PriceCollarSettings {
  const copy: PriceCollarSettings = {
    ...copyTiers(s, (l) => ({ ...l })),
    instruments: s.instruments.map((i) => ({ underlyingAsset: i.underlyingAsset, settlementAsset: i.settlementAsset, limit: { ...i.limit } })),
  };
  if (s.marketSlippagePct !== undefined) copy.marketSlippagePct = s.marketSlippagePct;
  return copy;
}

// ---- JSON form -------------------------------------------------------------------------
//
// {
//   "default": { "maxDeviationPct": "5" },
//   "groups": [ { "group": 7, "limit": { "maxDeviationPct": "10" } } ],
//   "accounts": [ { "accountId": 99224416, "limit": { "maxDeviationPct": "2" } } ],
//   "instruments": [ { "underlyingAsset": "AAPL", "settlementAsset": "USD", "limit": { "maxDeviationPct": "3" } } ],
//   "marketSlippagePct": "1"
// }

function readLimit(json: Json, path: string): CollarLimit {
  const obj = readObject(json, path);
  onlyKeys(obj, path, ["maxDeviationPct"]);
  const pct = readDecimal(obj.maxDeviationPct, `${path}.maxDeviationPct`, Price);
  if (pct.isNegative()) fail(`${path}.maxDeviationPct`, "must not be negative");
  return { maxDeviationPct: pct };
}

export function parsePriceCollarSettingsJson(json: unknown, path = "settings"): PriceCollarSettings {
  const obj = readObject(json, path);
  const instruments = readObjectList(obj.instruments, `${path}.instruments`, (i, p) => {
    onlyKeys(i, p, ["underlyingAsset", "settlementAsset", "limit"]);
    return {
      underlyingAsset: readAsset(i.underlyingAsset, `${p}.underlyingAsset`),
      settlementAsset: readAsset(i.settlementAsset, `${p}.settlementAsset`),
      limit: readLimit(i.limit, `${p}.limit`),
    };
  });
  // A repeated instrument is refused, as a repeated account or group is: the later band
  // silently winning would hide a typo in a risk limit (found by review).
  const seen = new Set<string>();
  instruments.forEach((i, n) => {
    // Unambiguous: joined with "/", BRK/B|USD and BRK|B/USD were one instrument (found by review).
    const key = JSON.stringify([i.underlyingAsset, i.settlementAsset]);
    if (seen.has(key)) fail(`${path}.instruments[${n}]`, "repeats an earlier entry's instrument");
    seen.add(key);
  });
  const extra = ["instruments", "marketSlippagePct"];
  let tiers: AccountTiers<CollarLimit>;
  // Empty tier lists count as absent: GetPolicySettings shows them so (`"groups": []`), and
  // an operator sends those settings back edited (found by review: they were refused). So does
  // null, as everywhere in the settings (found by review, session 36: `"default": null` beside
  // instrument bands was refused "at least one default, group or account limit").
  const none = (list: unknown) => list == null || (Array.isArray(list) && list.length === 0);
  if (instruments.length > 0 && obj.default == null && none(obj.groups) && none(obj.accounts)) {
    onlyKeys(obj, path, ["default", "groups", "accounts", ...extra]);
    tiers = { groups: [], accounts: [] };
  } else {
    tiers = readAccountTiers(obj, path, extra, readLimit);
  }
  const settings: PriceCollarSettings = { ...tiers, instruments };
  const slippage = optional(obj.marketSlippagePct, `${path}.marketSlippagePct`, (j, p) => readDecimal(j, p, Price));
  if (slippage !== undefined) {
    if (slippage.isNegative()) fail(`${path}.marketSlippagePct`, "must not be negative");
    settings.marketSlippagePct = slippage;
  }
  return settings;
}
