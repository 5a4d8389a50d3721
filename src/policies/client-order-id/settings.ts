/** ClientOrderIdPolicy's settings: how long an id is remembered at most, and the JSON form. */
import { SettingsValidationError } from "../../engine/errors.js";
import { fail, onlyKeys, optional, readInteger, readObject, type Json } from "../settings-json.js";

export interface ClientOrderIdSettings {
  /**
   * An id is forgotten this long after its order was accepted even if no final report came
   * (a lost report must not pin it forever); 0 = only a final report, rollback or discard
   * releases it.
   */
  retentionMs: number;
}

/** One trading day: the span FIX venues keep ClOrdID unique over. */
export const DEFAULT_RETENTION_MS = 86_400_000;
const MAX_RETENTION_MS = 2 ** 40;

export function validateClientOrderIdSettings(s: ClientOrderIdSettings): void {
  if (!Number.isInteger(s.retentionMs) || s.retentionMs < 0 || s.retentionMs > MAX_RETENTION_MS) {
    throw new SettingsValidationError(`InvalidRetention: retentionMs must be an integer in 0..${MAX_RETENTION_MS}`);
  }
}

// { "retentionMs": 86400000 }   (optional; default one day, 0 = no time limit)
export function parseClientOrderIdSettingsJson(json: Json, path = "settings"): ClientOrderIdSettings {
  const obj = json === undefined || json === null ? {} : readObject(json, path);
  onlyKeys(obj, path, ["retentionMs"]);
  const retentionMs = optional(obj.retentionMs, `${path}.retentionMs`, (j, p) => readInteger(j, p, 0, MAX_RETENTION_MS)) ?? DEFAULT_RETENTION_MS;
  const settings = { retentionMs };
  try {
    validateClientOrderIdSettings(settings);
  } catch (e) {
    return fail(path, e instanceof Error ? e.message : String(e));
  }
  return settings;
}
