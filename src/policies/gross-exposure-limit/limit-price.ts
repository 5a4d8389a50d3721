/**
 * Prices in the limit's asset. The limit caps the notional over all instruments
 * (controls.md), so an instrument settling in another asset is valued at its reference
 * converted with an FX reference, the way SpotFunds converts P&L (openpit-semantics.md
 * §2.5: the pair `<asset>/<limit asset>`, else 1 / the reverse pair). Unlike SpotFunds'
 * accounting, a limit check takes only fresh references (the TTL cascade of
 * `referencePrice`): a missing or stale rate refuses the order (fail closed), never lets it
 * through unvalued.
 */
import type { AccountGroupId, AccountId } from "../../param/ids.js";
import { instrument as instrumentOf, type Asset, type Instrument } from "../../param/instrument.js";
import { ParamError } from "../../param/param-error.js";
import { Price } from "../../param/values.js";
import { exactProduct, Unbounded } from "../../param/decimal-value.js";
import type { Decimal } from "decimal.js";
import type { MarketDataSource } from "../../marketdata/market-data-source.js";
import { instrumentText } from "../policy-texts.js";
import { referencePrice } from "../reference-price.js";

/** A price that could not be had: the instrument (or FX pair) it lacks, and why. */
export interface ExposureFailure {
  readonly ok: false;
  readonly instrument: Instrument;
  readonly reason: string;
}

/**
 * `price` as the decimal domain holds it; `unrounded`, when present, the exact product of
 * reference × FX rate that `price` is rounded from (past 29 digits): a limit compares that.
 */
export type LimitPrice = { readonly ok: true; readonly price: Price; readonly unrounded?: Decimal } | ExposureFailure;
export type FoundLimitPrice = Extract<LimitPrice, { ok: true }>;

const ONE = Price.fromInt(1);
const SAME_ASSET: LimitPrice = Object.freeze({ ok: true, price: ONE });

/** The reference of `instrument` in `asset`: its own reference, times the FX rate when it settles elsewhere. */
export function priceInLimitAsset(
  marketData: MarketDataSource,
  instrument: Instrument,
  asset: Asset,
  accountId: AccountId,
  group: AccountGroupId | undefined,
): LimitPrice {
  const ref = referencePrice(marketData, instrument, accountId, group);
  if (!ref.ok) return { ok: false, instrument, reason: ref.reason };
  // The reference itself (it has the price): no object more per instrument on the hot path.
  if (instrument.settlementAsset === asset) return ref;
  const fx = fxRate(marketData, instrument.settlementAsset, asset, accountId, group);
  if (!fx.ok) return fx;
  const exact = exactProduct(ref.price, fx.price);
  if (exact !== undefined) return { ok: true, price: exact };
  return { ok: true, price: ref.price.mul(fx.price), unrounded: new Unbounded(ref.price.decimal).times(fx.price.decimal) };
}

/**
 * How many units of `to` one unit of `from` is worth: the fresh reference of `from/to`,
 * else 1 / that of `to/from`. Neither: a failure naming `from/to`, with both reasons.
 */
export function fxRate(marketData: MarketDataSource, from: Asset, to: Asset, accountId: AccountId, group: AccountGroupId | undefined): LimitPrice {
  if (from === to) return SAME_ASSET;
  const pair = instrumentOf(from, to);
  const direct = referencePrice(marketData, pair, accountId, group);
  if (direct.ok) return { ok: true, price: direct.price };
  const reverse = instrumentOf(to, from);
  const inverse = referencePrice(marketData, reverse, accountId, group);
  if (inverse.ok) {
    try {
      return { ok: true, price: ONE.div(inverse.price) };
    } catch (e) {
      // A reference is never zero; only a quotient past the decimal range lands here.
      if (!(e instanceof ParamError)) throw e;
      return { ok: false, instrument: pair, reason: `FX rate unavailable: 1 / ${instrumentText(reverse)} is out of range` };
    }
  }
  return { ok: false, instrument: pair, reason: `FX rate unavailable: ${direct.reason}; ${instrumentText(reverse)}: ${inverse.reason}` };
}
