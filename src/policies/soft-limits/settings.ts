/** SoftLimitPolicy's alert shares and watched policies: validation, copying and JSON form. */
import { Price } from "../../param/values.js";
import { SettingsValidationError } from "../../engine/errors.js";
import { fail, onlyKeys, optional, readArray, readDecimal, readObject, readString } from "../settings-json.js";

/**
 * `shares`: fractions of a limit (0 < s ≤ 1, ascending, distinct) at which a warning is
 * sent, e.g. 0.7 and 0.9. `policies`: the names of the policies watched; absent = every
 * policy that reports its usage.
 */
export interface SoftLimitSettings {
  shares: Price[];
  policies?: string[];
}

const ONE = Price.fromInt(1);

export function validateSoftLimitSettings(s: SoftLimitSettings): void {
  if (!Array.isArray(s.shares) || s.shares.length === 0) throw new SettingsValidationError("NoSharesConfigured: at least one share must be configured");
  s.shares.forEach((share, i) => {
    if (!(share instanceof Price) || !share.isPositive() || share.gt(ONE)) {
      throw new SettingsValidationError(`InvalidShare: a share must be in (0, 1] (at shares[${i}])`);
    }
    if (i > 0 && !share.gt(s.shares[i - 1]!)) throw new SettingsValidationError(`InvalidShare: shares must be ascending and distinct (at shares[${i}])`);
  });
}

export function copySoftLimitSettings(s: SoftLimitSettings): SoftLimitSettings {
  const copy: SoftLimitSettings = { shares: [...s.shares] };
  if (s.policies !== undefined) copy.policies = [...s.policies];
  return copy;
}

// { "shares": ["0.7", "0.9"], "policies": ["MaxOpenOrdersPolicy", "GrossExposureLimitPolicy"] }

export function parseSoftLimitSettingsJson(json: unknown, path = "settings"): SoftLimitSettings {
  const obj = readObject(json, path);
  onlyKeys(obj, path, ["shares", "policies"]);
  const shares = readArray(obj.shares, `${path}.shares`).map((v, i) => readDecimal(v, `${path}.shares[${i}]`, Price));
  const settings: SoftLimitSettings = { shares };
  const policies = optional(obj.policies, `${path}.policies`, readArray);
  if (policies !== undefined) settings.policies = policies.map((v, i) => readString(v, `${path}.policies[${i}]`));
  try {
    validateSoftLimitSettings(settings);
  } catch (e) {
    return fail(path, e instanceof Error ? e.message : String(e));
  }
  return settings;
}
