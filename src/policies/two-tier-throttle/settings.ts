/** TwoTierThrottlePolicy's rates per account, group and default: validation, copying and JSON form. */
import { SettingsValidationError } from "../../engine/errors.js";
import { isWindowDuration, WINDOW_RULE } from "../../param/duration.js";
import { copyTiers, readAccountTiers, validateTiers, type AccountTiers } from "../account-tiers.js";
import { fail, onlyKeys, readInteger, readNumber, readObject, type Json } from "../settings-json.js";

/**
 * Orders per window: more than `softMaxOrders` are rejected one by one; more than
 * `hardMaxOrders` block the account and close the channel. soft ≤ hard.
 */
export interface ThrottleLimit {
  softMaxOrders: number;
  hardMaxOrders: number;
  windowMs: number;
}

export type TwoTierThrottleSettings = AccountTiers<ThrottleLimit>;

function problemOf(l: ThrottleLimit): string | undefined {
  if (!Number.isSafeInteger(l.softMaxOrders) || l.softMaxOrders < 0) return `softMaxOrders must be a non-negative integer, got ${String(l.softMaxOrders)}`;
  if (!Number.isSafeInteger(l.hardMaxOrders) || l.hardMaxOrders < l.softMaxOrders) {
    return `hardMaxOrders must be an integer ≥ softMaxOrders (${l.softMaxOrders}), got ${String(l.hardMaxOrders)}`;
  }
  if (!isWindowDuration(l.windowMs)) return `windowMs must be a number of milliseconds ${WINDOW_RULE}, got ${String(l.windowMs)}`;
  return undefined;
}

export function validateTwoTierThrottleSettings(s: TwoTierThrottleSettings): void {
  validateTiers(s, (l, where) => {
    const problem = problemOf(l);
    if (problem) throw new SettingsValidationError(`InvalidLimit: ${problem} (at ${where})`);
  });
}

export function copyTwoTierThrottleSettings(s: TwoTierThrottleSettings): TwoTierThrottleSettings {
  return copyTiers(s, (l) => ({ ...l }));
}

// { "default": { "softMaxOrders": 50, "hardMaxOrders": 100, "windowMs": 1000 },
//   "accounts": [ { "accountId": 99224416, "limit": { "softMaxOrders": 5, "hardMaxOrders": 10, "windowMs": 1000 } } ] }

function readLimit(json: Json, path: string): ThrottleLimit {
  const obj = readObject(json, path);
  onlyKeys(obj, path, ["softMaxOrders", "hardMaxOrders", "windowMs"]);
  const limit = {
    softMaxOrders: readInteger(obj.softMaxOrders, `${path}.softMaxOrders`, 0, Number.MAX_SAFE_INTEGER),
    hardMaxOrders: readInteger(obj.hardMaxOrders, `${path}.hardMaxOrders`, 0, Number.MAX_SAFE_INTEGER),
    windowMs: readNumber(obj.windowMs, `${path}.windowMs`),
  };
  if (!(limit.windowMs > 0)) fail(`${path}.windowMs`, "must be positive");
  if (!isWindowDuration(limit.windowMs)) fail(`${path}.windowMs`, `must be ${WINDOW_RULE}`);
  if (limit.hardMaxOrders < limit.softMaxOrders) fail(`${path}.hardMaxOrders`, `must be ≥ softMaxOrders (${limit.softMaxOrders})`);
  return limit;
}

export function parseTwoTierThrottleSettingsJson(json: unknown, path = "settings"): TwoTierThrottleSettings {
  return readAccountTiers(readObject(json, path), path, [], readLimit);
}
