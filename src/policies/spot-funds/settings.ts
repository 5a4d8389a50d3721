/** SpotFundsPolicy's settings (pricing, slippage, limit modes, P&L barriers): validation and JSON form. */
import { SettingsValidationError } from "../../engine/errors.js";
import type { AccountGroupId, AccountId, InstrumentId } from "../../param/ids.js";
import type { Asset } from "../../param/instrument.js";
import { Pnl, Quantity } from "../../param/values.js";
import {
  fail,
  onlyKeys,
  optional,
  readAccountGroupId,
  readAccountId,
  readAsset,
  readDecimal,
  readInstrumentId,
  readInteger,
  readObject,
  readObjectList,
  readString,
  type Json,
} from "../settings-json.js";

/** Where a market order's base price comes from before slippage. */
export type SpotFundsPricingSource = "Mark" | "BookTop";
export const SPOT_FUNDS_PRICING_SOURCES: readonly SpotFundsPricingSource[] = ["Mark", "BookTop"];

/** `Enforce` rejects a hold larger than the spendable funds; `TrackOnly` records it anyway. */
export type SpotFundsLimitMode = "Enforce" | "TrackOnly";
export const SPOT_FUNDS_LIMIT_MODES: readonly SpotFundsLimitMode[] = ["Enforce", "TrackOnly"];

/** Inclusive upper bound of every slippage value, in basis points (100 %). */
export const MAX_SLIPPAGE_BPS = 10_000;

/**
 * Bounds on an account's SpotFunds realized P&L (in the account currency). Breached when
 * P&L < lower or P&L > upper (strict). At least one bound is required.
 */
export interface SpotFundsPnlBarrier {
  /**
   * The currency the bounds are written in (OpenPit's newer `SpotFundsPnlBoundsBarrier`).
   * Bounds are compared as stored, never FX-converted: an account-tier barrier in another
   * currency than the account's blocks (fails closed); a group or global one is skipped.
   * Absent = the pre-currency behaviour: the barrier applies whatever the account currency.
   */
  currency?: Asset;
  lower?: Pnl;
  upper?: Pnl;
}

/**
 * A slippage override for one instrument (market-data id), optionally narrowed to one
 * account or one account group. Resolution per order: (instrument, account) →
 * (instrument, group) → instrument → the global `slippageBps`. A later duplicate of the
 * same target wins.
 */
export interface SpotFundsSlippageOverride {
  instrumentId: InstrumentId;
  /** Set at most one of `accountId` and `accountGroupId`. */
  accountId?: AccountId;
  accountGroupId?: AccountGroupId;
  slippageBps: number;
}

/**
 * The runtime-updatable settings of `SpotFundsPolicy` (every field can be retuned through
 * `engine.configure().update(...)`; holdings and P&L ledgers are never touched by it).
 */
export interface SpotFundsSettings {
  /** Global market-order slippage, 0..=10 000 bps. */
  slippageBps: number;
  pricingSource: SpotFundsPricingSource;
  slippageOverrides: SpotFundsSlippageOverride[];
  /** Global funds limit mode; cascade account → account group → global. */
  limitMode: SpotFundsLimitMode;
  accountLimitModes: Map<AccountId, SpotFundsLimitMode>;
  accountGroupLimitModes: Map<AccountGroupId, SpotFundsLimitMode>;
  /** Account-P&L barriers; the most specific one applies: account → account group → global. */
  pnlBarrier?: SpotFundsPnlBarrier;
  accountGroupPnlBarriers: Map<AccountGroupId, SpotFundsPnlBarrier>;
  accountPnlBarriers: Map<AccountId, SpotFundsPnlBarrier>;
  /**
   * Worst-case position limits per (account, asset) (OpenPit's `set_position_limit`): a
   * symmetric, inclusive magnitude checked on normal and dry-run orders in both limit
   * modes, never on drop-copy. Zero is allowed. No group, global or instrument tier.
   */
  positionLimits: Map<AccountId, Map<Asset, Quantity>>;
}

/**
 * `Some(limit)` inserts or replaces the limit for (account, asset); `undefined` clears it
 * (OpenPit's `SpotFundsSettings::set_position_limit`). Cannot fail.
 */
export function setPositionLimit(settings: SpotFundsSettings, accountId: AccountId, asset: Asset, limit: Quantity | undefined): void {
  let assets = settings.positionLimits.get(accountId);
  if (limit === undefined) {
    if (assets?.delete(asset) && assets.size === 0) settings.positionLimits.delete(accountId);
    return;
  }
  if (assets === undefined) {
    assets = new Map();
    settings.positionLimits.set(accountId, assets);
  }
  assets.set(asset, limit);
}

/** Mark pricing, no slippage, Enforce, no barriers: what an empty settings object means. */
export function defaultSpotFundsSettings(): SpotFundsSettings {
  return {
    slippageBps: 0,
    pricingSource: "Mark",
    slippageOverrides: [],
    limitMode: "Enforce",
    accountLimitModes: new Map(),
    accountGroupLimitModes: new Map(),
    accountGroupPnlBarriers: new Map(),
    accountPnlBarriers: new Map(),
    positionLimits: new Map(),
  };
}

function invalid(kind: string, message: string): never {
  throw new SettingsValidationError(`${kind}: ${message}`);
}

function checkSlippage(bps: unknown, where: string): void {
  if (typeof bps !== "number" || !Number.isInteger(bps) || bps < 0) {
    invalid("SlippageOutOfRange", `${where}: slippage must be a whole number of basis points, got ${String(bps)}`);
  }
  if (bps > MAX_SLIPPAGE_BPS) {
    invalid("SlippageOutOfRange", `${where}: slippage ${bps} bps is out of range (must be <= 10 000 bps)`);
  }
}

function checkMode(mode: unknown, where: string): void {
  if (!SPOT_FUNDS_LIMIT_MODES.includes(mode as SpotFundsLimitMode)) {
    invalid("InvalidLimitMode", `${where}: limit mode must be Enforce or TrackOnly, got ${String(mode)}`);
  }
}

function checkBarrier(barrier: SpotFundsPnlBarrier, where: string): void {
  if (barrier.lower === undefined && barrier.upper === undefined) {
    invalid("NoPnlBoundsConfigured", `${where}: spot-funds P&L bounds must configure at least one bound`);
  }
}

/**
 * Throws `SettingsValidationError` whose message starts with the OpenPit error kind
 * (`SlippageOutOfRange`, `NoPnlBoundsConfigured`, and for values OpenPit's types make
 * unrepresentable: `InvalidPricingSource`, `InvalidLimitMode`, `InvalidOverrideTarget`).
 */
export function validateSpotFundsSettings(settings: SpotFundsSettings): void {
  checkSlippage(settings.slippageBps, "slippageBps");
  if (!SPOT_FUNDS_PRICING_SOURCES.includes(settings.pricingSource)) {
    invalid("InvalidPricingSource", `pricingSource must be Mark or BookTop, got ${String(settings.pricingSource)}`);
  }
  settings.slippageOverrides.forEach((o, i) => {
    const where = `slippageOverrides[${i}]`;
    if (o.accountId !== undefined && o.accountGroupId !== undefined) {
      invalid("InvalidOverrideTarget", `${where}: set accountId or accountGroupId, not both`);
    }
    checkSlippage(o.slippageBps, where);
  });
  checkMode(settings.limitMode, "limitMode");
  for (const [account, mode] of settings.accountLimitModes) checkMode(mode, `accountLimitModes[${account}]`);
  for (const [group, mode] of settings.accountGroupLimitModes) checkMode(mode, `accountGroupLimitModes[${group}]`);
  if (settings.pnlBarrier !== undefined) checkBarrier(settings.pnlBarrier, "pnlBarrier");
  for (const [group, b] of settings.accountGroupPnlBarriers) checkBarrier(b, `accountGroupPnlBarriers[${group}]`);
  for (const [account, b] of settings.accountPnlBarriers) checkBarrier(b, `accountPnlBarriers[${account}]`);
  for (const [account, limits] of settings.positionLimits ?? []) {
    for (const [asset, limit] of limits) {
      if (!(limit instanceof Quantity)) invalid("InvalidPositionLimit", `positionLimits[${account}][${asset}]: limit must be a Quantity`);
    }
  }
}

/** True when at least one account-P&L barrier is configured (the preset's precondition). */
export function hasPnlBarriers(settings: SpotFundsSettings): boolean {
  return (
    settings.pnlBarrier !== undefined || settings.accountGroupPnlBarriers.size > 0 || settings.accountPnlBarriers.size > 0
  );
}

function copyBarrier(b: SpotFundsPnlBarrier): SpotFundsPnlBarrier {
  const out: SpotFundsPnlBarrier = {};
  if (b.currency !== undefined) out.currency = b.currency;
  if (b.lower !== undefined) out.lower = b.lower;
  if (b.upper !== undefined) out.upper = b.upper;
  return out;
}

function copyBarrierMap<K>(map: ReadonlyMap<K, SpotFundsPnlBarrier>): Map<K, SpotFundsPnlBarrier> {
  const out = new Map<K, SpotFundsPnlBarrier>();
  for (const [k, b] of map) out.set(k, copyBarrier(b));
  return out;
}

/**
 * A detached deep copy: a draft edited by a configure closure (or the caller's original
 * object) can never reach the live settings. Decimal values are immutable and shared.
 */
export function copySpotFundsSettings(settings: SpotFundsSettings): SpotFundsSettings {
  const out: SpotFundsSettings = {
    slippageBps: settings.slippageBps,
    pricingSource: settings.pricingSource,
    slippageOverrides: settings.slippageOverrides.map((o) => ({ ...o })),
    limitMode: settings.limitMode,
    accountLimitModes: new Map(settings.accountLimitModes),
    accountGroupLimitModes: new Map(settings.accountGroupLimitModes),
    accountGroupPnlBarriers: copyBarrierMap(settings.accountGroupPnlBarriers),
    accountPnlBarriers: copyBarrierMap(settings.accountPnlBarriers),
    positionLimits: new Map([...(settings.positionLimits ?? [])].map(([account, limits]) => [account, new Map(limits)])),
  };
  if (settings.pnlBarrier !== undefined) out.pnlBarrier = copyBarrier(settings.pnlBarrier);
  return out;
}

// ── JSON form ────────────────────────────────────────────────────────────────────────

const TOP_KEYS = [
  "slippageBps",
  "pricingSource",
  "slippageOverrides",
  "limitMode",
  "accountLimitModes",
  "accountGroupLimitModes",
  "pnlBarrier",
  "accountGroupPnlBarriers",
  "accountPnlBarriers",
  "positionLimits",
] as const;

function readBps(json: Json, path: string): number {
  return readInteger(json, path, 0, MAX_SLIPPAGE_BPS);
}

function readEnum<T extends string>(json: Json, path: string, allowed: readonly T[]): T {
  const text = readString(json, path);
  if (!allowed.includes(text as T)) fail(path, `must be one of: ${allowed.join(", ")}`);
  return text as T;
}

function readBounds(obj: Record<string, Json>, path: string): SpotFundsPnlBarrier {
  const barrier: SpotFundsPnlBarrier = {};
  const currency = optional(obj.currency, `${path}.currency`, readAsset);
  if (currency !== undefined) barrier.currency = currency;
  const lower = optional(obj.lower, `${path}.lower`, (j, p) => readDecimal(j, p, Pnl));
  const upper = optional(obj.upper, `${path}.upper`, (j, p) => readDecimal(j, p, Pnl));
  if (lower !== undefined) barrier.lower = lower;
  if (upper !== undefined) barrier.upper = upper;
  // Checked here, where the entry's place in its list is known: the settings' own check names
  // an account's or group's barrier by its id (found by review: an operator was sent to the
  // wrong entry of a long list).
  if (lower === undefined && upper === undefined) fail(path, "NoPnlBoundsConfigured: spot-funds P&L bounds must configure at least one bound");
  return barrier;
}

/**
 * A keyed list's entries into `target`, in order; a key an earlier entry gave is refused
 * naming the entry's key field (`field(i)`), as the tiers and the scoped controls refuse it:
 * the later entry silently winning hid a typo in a risk limit (found by review, session 34).
 * Refused here, in the parser a replay runs too, because no record of a build that records
 * its writer holds such a list: a ConfigurePolicy is journaled as it applied (these lists
 * from the Maps, one entry a key; admin-commands.ts), records of older builds are not
 * replayed (journal-writer.ts), and a snapshot keeps the Maps, not this JSON.
 */
function setEach<K, V>(target: Map<K, V>, entries: readonly (readonly [K, V])[], field: (i: number) => string, what: string): void {
  entries.forEach(([key, value], i) => {
    if (target.has(key)) fail(field(i), `repeats an earlier entry's ${what}`);
    target.set(key, value);
  });
}

/**
 * Reads the settings from JSON and validates them. Every field is optional (defaults:
 * 0 bps, Mark, Enforce, no overrides, no barriers); unknown keys are refused:
 *
 * ```json
 * {
 *   "slippageBps": 50,
 *   "pricingSource": "Mark",
 *   "slippageOverrides": [
 *     { "instrumentId": 7, "slippageBps": 10 },
 *     { "instrumentId": 7, "accountGroupId": 3, "slippageBps": 20 },
 *     { "instrumentId": 7, "accountId": 99224416, "slippageBps": 30 }
 *   ],
 *   "limitMode": "Enforce",
 *   "accountLimitModes": [{ "accountId": 99224416, "limitMode": "TrackOnly" }],
 *   "accountGroupLimitModes": [{ "accountGroupId": 3, "limitMode": "TrackOnly" }],
 *   "pnlBarrier": { "lower": "-1000", "upper": "5000" },
 *   "accountGroupPnlBarriers": [{ "accountGroupId": 3, "lower": "-10" }],
 *   "accountPnlBarriers": [{ "accountId": 99224416, "currency": "USD", "lower": "-50", "upper": "100" }],
 *   "positionLimits": [{ "accountId": 99224416, "asset": "AAPL", "limit": "1000" }]
 * }
 * ```
 *
 * Decimals are strings; account and instrument ids are u64 numbers or digit strings;
 * account groups are 1..2^32-1. An account, group or (account, asset) listed twice in one
 * keyed list is refused, naming the later entry (`settings.positionLimits[1]: repeats an
 * earlier entry's account and asset`). A `slippageOverrides` target repeated for one
 * instrument is not (the last wins): see there.
 */
export function parseSpotFundsSettingsJson(json: Json, path = "settings"): SpotFundsSettings {
  const obj = readObject(json, path);
  onlyKeys(obj, path, TOP_KEYS);
  const settings = defaultSpotFundsSettings();
  const bps = optional(obj.slippageBps, `${path}.slippageBps`, readBps);
  if (bps !== undefined) settings.slippageBps = bps;
  const source = optional(obj.pricingSource, `${path}.pricingSource`, (j, p) => readEnum(j, p, SPOT_FUNDS_PRICING_SOURCES));
  if (source !== undefined) settings.pricingSource = source;
  const mode = optional(obj.limitMode, `${path}.limitMode`, (j, p) => readEnum(j, p, SPOT_FUNDS_LIMIT_MODES));
  if (mode !== undefined) settings.limitMode = mode;

  // An (instrument, account | group | none) given twice is not refused (the last wins), unlike
  // the keyed lists below: the journal keeps this list as written (toJson does not merge it),
  // so a ConfigurePolicy record of this build may hold a repeat, and a replay must apply it as
  // it ran live (session 34; refusing it would need a check outside this parser, as for a
  // trading state's reason, server/codec/reason.ts).
  settings.slippageOverrides = readObjectList(obj.slippageOverrides, `${path}.slippageOverrides`, (o, at) => {
    onlyKeys(o, at, ["instrumentId", "accountId", "accountGroupId", "slippageBps"]);
    const override: SpotFundsSlippageOverride = {
      instrumentId: readInstrumentId(o.instrumentId, `${at}.instrumentId`),
      slippageBps: readBps(o.slippageBps, `${at}.slippageBps`),
    };
    const account = optional(o.accountId, `${at}.accountId`, readAccountId);
    const group = optional(o.accountGroupId, `${at}.accountGroupId`, readAccountGroupId);
    if (account !== undefined && group !== undefined) fail(at, "set accountId or accountGroupId, not both");
    if (account !== undefined) override.accountId = account;
    if (group !== undefined) override.accountGroupId = group;
    return override;
  });
  const accountModes = readObjectList(obj.accountLimitModes, `${path}.accountLimitModes`, (o, at) => {
    onlyKeys(o, at, ["accountId", "limitMode"]);
    return [readAccountId(o.accountId, `${at}.accountId`), readEnum(o.limitMode, `${at}.limitMode`, SPOT_FUNDS_LIMIT_MODES)] as const;
  });
  setEach(settings.accountLimitModes, accountModes, (i) => `${path}.accountLimitModes[${i}].accountId`, "account");
  const groupModes = readObjectList(obj.accountGroupLimitModes, `${path}.accountGroupLimitModes`, (o, at) => {
    onlyKeys(o, at, ["accountGroupId", "limitMode"]);
    return [
      readAccountGroupId(o.accountGroupId, `${at}.accountGroupId`),
      readEnum(o.limitMode, `${at}.limitMode`, SPOT_FUNDS_LIMIT_MODES),
    ] as const;
  });
  setEach(settings.accountGroupLimitModes, groupModes, (i) => `${path}.accountGroupLimitModes[${i}].accountGroupId`, "group");
  const global = optional(obj.pnlBarrier, `${path}.pnlBarrier`, (j, p) => {
    const b = readObject(j, p);
    onlyKeys(b, p, ["currency", "lower", "upper"]);
    return readBounds(b, p);
  });
  if (global !== undefined) settings.pnlBarrier = global;
  const groupBarriers = readObjectList(obj.accountGroupPnlBarriers, `${path}.accountGroupPnlBarriers`, (o, at) => {
    onlyKeys(o, at, ["accountGroupId", "currency", "lower", "upper"]);
    return [readAccountGroupId(o.accountGroupId, `${at}.accountGroupId`), readBounds(o, at)] as const;
  });
  setEach(settings.accountGroupPnlBarriers, groupBarriers, (i) => `${path}.accountGroupPnlBarriers[${i}].accountGroupId`, "group");
  const accountBarriers = readObjectList(obj.accountPnlBarriers, `${path}.accountPnlBarriers`, (o, at) => {
    onlyKeys(o, at, ["accountId", "currency", "lower", "upper"]);
    return [readAccountId(o.accountId, `${at}.accountId`), readBounds(o, at)] as const;
  });
  setEach(settings.accountPnlBarriers, accountBarriers, (i) => `${path}.accountPnlBarriers[${i}].accountId`, "account");
  readObjectList(obj.positionLimits, `${path}.positionLimits`, (o, at) => {
    onlyKeys(o, at, ["accountId", "asset", "limit"]);
    return [readAccountId(o.accountId, `${at}.accountId`), readAsset(o.asset, `${at}.asset`), readDecimal(o.limit, `${at}.limit`, Quantity)] as const;
  }).forEach(([account, asset, limit], i) => {
    if (settings.positionLimits.get(account)?.has(asset)) fail(`${path}.positionLimits[${i}]`, "repeats an earlier entry's account and asset");
    setPositionLimit(settings, account, asset, limit);
  });
  try {
    validateSpotFundsSettings(settings);
  } catch (e) {
    return fail(path, e instanceof Error ? e.message : String(e));
  }
  return settings;
}
