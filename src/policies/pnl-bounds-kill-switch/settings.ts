/** The kill switch's barriers and initial P&L seeds: their types, validation, copying and JSON form. */
import { SettingsValidationError } from "../../engine/errors.js";
import type { AccountId } from "../../param/ids.js";
import type { Asset } from "../../param/instrument.js";
import { Pnl } from "../../param/values.js";
import {
  fail,
  onlyKeys,
  optional,
  readAccountId,
  readArray,
  readAsset,
  readDecimal,
  readObject,
  type Json,
} from "../settings-json.js";

/** Bounds on the realized P&L of one settlement asset; applies to every account. */
export interface PnlBoundsBrokerBarrier {
  settlementAsset: Asset;
  /** Usually negative (the loss limit). Breached when P&L < lowerBound. */
  lowerBound?: Pnl;
  /** Usually positive (the profit-taking limit). Breached when P&L > upperBound. */
  upperBound?: Pnl;
}

/** Bounds for one (account, settlement asset) pair, checked in addition to the broker barrier. */
export interface PnlBoundsAccountBarrier extends PnlBoundsBrokerBarrier {
  accountId: AccountId;
}

/**
 * The runtime-updatable settings. Bound signs and ordering are deliberately not validated:
 * inverted bounds (lower > upper) simply breach for every value. Duplicate keys (the same
 * settlement asset, or the same account + asset) are allowed: the last entry wins.
 */
export interface PnlBoundsKillSwitchSettings {
  brokerBarriers: PnlBoundsBrokerBarrier[];
  accountBarriers: PnlBoundsAccountBarrier[];
}

/** An account barrier at construction, with the P&L accrued before the engine started. */
export interface PnlBoundsAccountBarrierWithSeed extends PnlBoundsAccountBarrier {
  /** Seeds the pair's accumulator (default 0). Construction only: ignored by `publishSettings`. */
  initialPnl?: Pnl;
}

/**
 * What the constructor takes: the settings plus optional `initialPnl` seeds. The seed is
 * kept out of `PnlBoundsKillSwitchSettings` on purpose (as OpenPit's update DTO has no
 * seed): a runtime update must never reset or re-seed a live accumulator. A plain
 * `PnlBoundsKillSwitchSettings` value is also a valid construction argument.
 */
export interface PnlBoundsKillSwitchInitialSettings extends PnlBoundsKillSwitchSettings {
  accountBarriers: PnlBoundsAccountBarrierWithSeed[];
}

/**
 * Throws `SettingsValidationError` (`NoBoundsConfigured: …` / `NoBarriersConfigured: …`)
 * if a barrier has neither bound or if there is no barrier at all.
 */
export function validatePnlBoundsKillSwitchSettings(settings: PnlBoundsKillSwitchSettings): void {
  const barriers: [string, PnlBoundsBrokerBarrier[]][] = [
    ["brokerBarriers", settings.brokerBarriers],
    ["accountBarriers", settings.accountBarriers],
  ];
  for (const [field, list] of barriers) {
    list.forEach((barrier, i) => {
      if (barrier.lowerBound === undefined && barrier.upperBound === undefined) {
        throw new SettingsValidationError(
          `NoBoundsConfigured: ${field}[${i}]: at least one of lowerBound or upperBound must be configured ` +
            `for settlement asset ${barrier.settlementAsset}`,
        );
      }
    });
  }
  if (settings.brokerBarriers.length === 0 && settings.accountBarriers.length === 0) {
    throw new SettingsValidationError(
      "NoBarriersConfigured: at least one broker or account+asset barrier must be configured",
    );
  }
}

/**
 * A detached copy holding only the runtime fields, so a draft edit (or a seed smuggled in
 * through structural typing) can never reach the live settings. Value objects are
 * immutable and are shared.
 */
export function copyPnlBoundsKillSwitchSettings(settings: PnlBoundsKillSwitchSettings): PnlBoundsKillSwitchSettings {
  return {
    brokerBarriers: settings.brokerBarriers.map((b) => copyBounds(b, { settlementAsset: b.settlementAsset })),
    accountBarriers: settings.accountBarriers.map((b) =>
      copyBounds(b, { accountId: b.accountId, settlementAsset: b.settlementAsset }),
    ),
  };
}

function copyBounds<T extends PnlBoundsBrokerBarrier>(from: PnlBoundsBrokerBarrier, to: T): T {
  if (from.lowerBound !== undefined) to.lowerBound = from.lowerBound;
  if (from.upperBound !== undefined) to.upperBound = from.upperBound;
  return to;
}

export interface ParsePnlBoundsKillSwitchOptions {
  /**
   * `false` for a runtime update (admin API): `initialPnl` is then refused instead of
   * being silently ignored; use `setAccountPnl` to move an accumulator. Default `true`.
   */
  allowInitialPnl?: boolean;
}

const BROKER_KEYS = ["settlementAsset", "lowerBound", "upperBound"] as const;
const ACCOUNT_KEYS = ["accountId", ...BROKER_KEYS] as const;

/**
 * Reads the settings from JSON and validates them. Shape (both lists optional, default []):
 *
 * ```json
 * {
 *   "brokerBarriers": [{ "settlementAsset": "USD", "lowerBound": "-500", "upperBound": "1000" }],
 *   "accountBarriers": [
 *     { "accountId": 99224416, "settlementAsset": "USD", "lowerBound": "-100", "initialPnl": "-20" }
 *   ]
 * }
 * ```
 *
 * Decimals are strings; account ids are u64 numbers or digit strings; unknown keys are refused.
 */
export function parsePnlBoundsKillSwitchSettingsJson(
  json: Json,
  path = "settings",
  options: ParsePnlBoundsKillSwitchOptions = {},
): PnlBoundsKillSwitchInitialSettings {
  const obj = readObject(json, path);
  onlyKeys(obj, path, ["brokerBarriers", "accountBarriers"]);
  const list = (key: string) => optional(obj[key], `${path}.${key}`, readArray) ?? [];
  const accountKeys: readonly string[] =
    options.allowInitialPnl === false ? ACCOUNT_KEYS : [...ACCOUNT_KEYS, "initialPnl"];

  const settings: PnlBoundsKillSwitchInitialSettings = {
    brokerBarriers: list("brokerBarriers").map((item, i) => {
      const at = `${path}.brokerBarriers[${i}]`;
      const barrier = readObject(item, at);
      onlyKeys(barrier, at, BROKER_KEYS);
      return readBounds(barrier, at, { settlementAsset: readAsset(barrier.settlementAsset, `${at}.settlementAsset`) });
    }),
    accountBarriers: list("accountBarriers").map((item, i) => {
      const at = `${path}.accountBarriers[${i}]`;
      const barrier = readObject(item, at);
      if (options.allowInitialPnl === false && "initialPnl" in barrier) {
        fail(`${at}.initialPnl`, "is construction-only; use setAccountPnl to change a live accumulator");
      }
      onlyKeys(barrier, at, accountKeys);
      const out: PnlBoundsAccountBarrierWithSeed = readBounds(barrier, at, {
        accountId: readAccountId(barrier.accountId, `${at}.accountId`),
        settlementAsset: readAsset(barrier.settlementAsset, `${at}.settlementAsset`),
      });
      const seed = optional(barrier.initialPnl, `${at}.initialPnl`, (j, p) => readDecimal(j, p, Pnl));
      if (seed !== undefined) out.initialPnl = seed;
      return out;
    }),
  };
  try {
    validatePnlBoundsKillSwitchSettings(settings);
  } catch (e) {
    return fail(path, e instanceof Error ? e.message : String(e));
  }
  return settings;
}

function readBounds<T extends PnlBoundsBrokerBarrier>(barrier: Record<string, Json>, at: string, to: T): T {
  const lower = optional(barrier.lowerBound, `${at}.lowerBound`, (j, p) => readDecimal(j, p, Pnl));
  const upper = optional(barrier.upperBound, `${at}.upperBound`, (j, p) => readDecimal(j, p, Pnl));
  // Here, the entry's path known (the settings' own check names the list, not the file's field).
  if (lower === undefined && upper === undefined) {
    fail(at, `NoBoundsConfigured: at least one of lowerBound or upperBound must be configured for settlement asset ${to.settlementAsset}`);
  }
  return copyBounds({ settlementAsset: to.settlementAsset, lowerBound: lower, upperBound: upper }, to);
}
