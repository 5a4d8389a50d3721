/** RepeatedExecutionThrottlePolicy's limits per account, group and default: validation, copying and JSON form. */
import { SettingsValidationError } from "../../engine/errors.js";
import { copyTiers, readAccountTiers, validateTiers, type AccountTiers } from "../account-tiers.js";
import { fail, onlyKeys, readInteger, readNumber, readObject, type Json } from "../settings-json.js";

/** At most `maxExecutions` fills per `windowMs`; one more blocks the account. */
export interface ExecutionLimit {
  maxExecutions: number;
  windowMs: number;
}

export type RepeatedExecutionSettings = AccountTiers<ExecutionLimit>;

export function validateRepeatedExecutionSettings(s: RepeatedExecutionSettings): void {
  validateTiers(s, (l, where) => {
    if (!Number.isSafeInteger(l.maxExecutions) || l.maxExecutions < 0) {
      throw new SettingsValidationError(`InvalidLimit: maxExecutions must be a non-negative integer, got ${String(l.maxExecutions)} (at ${where})`);
    }
    if (typeof l.windowMs !== "number" || !(l.windowMs > 0) || !Number.isFinite(l.windowMs)) {
      throw new SettingsValidationError(`InvalidLimit: windowMs must be a positive number, got ${String(l.windowMs)} (at ${where})`);
    }
  });
}

export function copyRepeatedExecutionSettings(s: RepeatedExecutionSettings): RepeatedExecutionSettings {
  return copyTiers(s, (l) => ({ ...l }));
}

// { "default": { "maxExecutions": 100, "windowMs": 1000 },
//   "accounts": [ { "accountId": 99224416, "limit": { "maxExecutions": 5, "windowMs": 60000 } } ] }

function readLimit(json: Json, path: string): ExecutionLimit {
  const obj = readObject(json, path);
  onlyKeys(obj, path, ["maxExecutions", "windowMs"]);
  const windowMs = readNumber(obj.windowMs, `${path}.windowMs`);
  if (!(windowMs > 0)) fail(`${path}.windowMs`, "must be positive");
  return { maxExecutions: readInteger(obj.maxExecutions, `${path}.maxExecutions`, 0, Number.MAX_SAFE_INTEGER), windowMs };
}

export function parseRepeatedExecutionSettingsJson(json: unknown, path = "settings"): RepeatedExecutionSettings {
  return readAccountTiers(readObject(json, path), path, [], readLimit);
}
