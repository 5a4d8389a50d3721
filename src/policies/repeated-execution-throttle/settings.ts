/** RepeatedExecutionThrottlePolicy's limits per account, group and default: validation, copying and JSON form. */
import { SettingsValidationError } from "../../engine/errors.js";
import { isWindowDuration, WINDOW_RULE } from "../../param/duration.js";
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
    if (!isWindowDuration(l.windowMs)) {
      throw new SettingsValidationError(`InvalidLimit: windowMs must be a number of milliseconds ${WINDOW_RULE}, got ${String(l.windowMs)} (at ${where})`);
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
  if (!isWindowDuration(windowMs)) fail(`${path}.windowMs`, `must be ${WINDOW_RULE}`);
  return { maxExecutions: readInteger(obj.maxExecutions, `${path}.maxExecutions`, 0, Number.MAX_SAFE_INTEGER), windowMs };
}

export function parseRepeatedExecutionSettingsJson(json: unknown, path = "settings"): RepeatedExecutionSettings {
  return readAccountTiers(readObject(json, path), path, [], readLimit);
}
