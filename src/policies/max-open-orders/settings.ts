/** MaxOpenOrdersPolicy's caps per account, group and default: validation, copying and JSON form. */
import { SettingsValidationError } from "../../engine/errors.js";
import { copyTiers, readAccountTiers, validateTiers, type AccountTiers } from "../account-tiers.js";
import { onlyKeys, readInteger, readObject, type Json } from "../settings-json.js";

/** At most `maxOpenOrders` orders accepted and not yet final (equal passes: the order making it `max` is accepted). */
export interface OpenOrdersLimit {
  maxOpenOrders: number;
}

export type MaxOpenOrdersSettings = AccountTiers<OpenOrdersLimit>;

export function validateMaxOpenOrdersSettings(s: MaxOpenOrdersSettings): void {
  validateTiers(s, (l, where) => {
    if (!Number.isSafeInteger(l.maxOpenOrders) || l.maxOpenOrders < 0) {
      throw new SettingsValidationError(`InvalidLimit: maxOpenOrders must be a non-negative integer, got ${String(l.maxOpenOrders)} (at ${where})`);
    }
  });
}

export function copyMaxOpenOrdersSettings(s: MaxOpenOrdersSettings): MaxOpenOrdersSettings {
  return copyTiers(s, (l) => ({ ...l }));
}

// { "default": { "maxOpenOrders": 100 }, "groups": [ { "group": 7, "limit": { "maxOpenOrders": 500 } } ],
//   "accounts": [ { "accountId": 99224416, "limit": { "maxOpenOrders": 10 } } ] }

function readLimit(json: Json, path: string): OpenOrdersLimit {
  const obj = readObject(json, path);
  onlyKeys(obj, path, ["maxOpenOrders"]);
  return { maxOpenOrders: readInteger(obj.maxOpenOrders, `${path}.maxOpenOrders`, 0, Number.MAX_SAFE_INTEGER) };
}

export function parseMaxOpenOrdersSettingsJson(json: unknown, path = "settings"): MaxOpenOrdersSettings {
  return readAccountTiers(readObject(json, path), path, [], readLimit);
}
