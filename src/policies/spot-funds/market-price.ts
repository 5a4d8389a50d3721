/** The prices SpotFunds takes from quotes: a market order's reserve price and currency conversion rates. */
import type { MarketDataSource, Quote } from "../../marketdata/market-data-source.js";
import type { PolicyReject } from "../../model/reject.js";
import type { Side } from "../../param/enums.js";
import type { AccountId } from "../../param/ids.js";
import type { Asset, Instrument } from "../../param/instrument.js";
import { ParamError } from "../../param/param-error.js";
import { Price } from "../../param/values.js";
import { markPriceUnavailable, marketOrdersUnsupported, priceCalculationFailed } from "./rejects.js";
import type { GroupSource, ResolvedSpotFundsSettings } from "./resolved-settings.js";

export type MarketPrice = { readonly ok: true; readonly price: Price } | { readonly ok: false; readonly reject: PolicyReject };

const LOOKUP_FAILURES = {
  UnknownInstrument: "instrument is not registered with market data",
  QuoteUnavailable: "no quote available",
  QuoteExpired: "quote expired",
} as const;

function baseOf(quote: Quote, source: ResolvedSpotFundsSettings["pricingSource"], side: Side): [Price | undefined, string] {
  if (source === "Mark") return [quote.mark, "mark"];
  return side === "BUY" ? [quote.ask, "ask"] : [quote.bid, "bid"];
}

/**
 * The price a market order (no price) is reserved at: the quote's mark (or the book side it
 * would cross, for `BookTop`; never falling back to mark), moved against the order by the
 * resolved slippage. Quotes are read under the TTL cascade, most specific bucket first.
 */
export function marketOrderPrice(
  marketData: MarketDataSource | undefined,
  settings: ResolvedSpotFundsSettings,
  instrument: Instrument,
  side: Side,
  accountId: AccountId,
  groups: GroupSource,
): MarketPrice {
  if (marketData === undefined) return { ok: false, reject: marketOrdersUnsupported() };
  const id = marketData.resolve(instrument);
  if (id === undefined) return { ok: false, reject: markPriceUnavailable(instrument, LOOKUP_FAILURES.UnknownInstrument) };
  const found = marketData.lookup(id, accountId, groups.accountGroup(), "AccountThenGroupThenDefault");
  if (!found.ok) return { ok: false, reject: markPriceUnavailable(instrument, LOOKUP_FAILURES[found.error]) };
  const [base, field] = baseOf(found.quote, settings.pricingSource, side);
  if (base === undefined) return { ok: false, reject: markPriceUnavailable(instrument, `quote has no ${field} price`) };
  const slip = settings.slippageFor(id, accountId, groups);
  const context = `${field} ${base.toString()}, slippage ${slip.bps} bps`;
  if (side === "BUY" && !base.isPositive()) {
    return { ok: false, reject: priceCalculationFailed(`buy base price is not positive: ${context}`) };
  }
  let price: Price;
  try {
    price = base.mul(side === "BUY" ? slip.buyFactor : slip.sellFactor);
  } catch (e) {
    if (e instanceof ParamError) return { ok: false, reject: priceCalculationFailed(`price overflow: ${context}`) };
    throw e;
  }
  if (!price.isPositive()) {
    return { ok: false, reject: priceCalculationFailed(`effective price ${price.toString()} is not positive: ${context}`) };
  }
  return { ok: true, price };
}

/** The identity factor: same currency, nothing to convert (callers skip the multiplication). */
export const SAME_CURRENCY = Price.fromInt(1);

/**
 * How many units of `to` one unit of `from` is worth, for accounting: the mark of
 * `from/to`, else `1 / mark` of `to/from`, from the latest quote in any bucket (a stale
 * quote is accepted: accounting keeps going on the last known rate rather than halting).
 * A zero reverse mark gives no rate (1 / 0), as in OpenPit (`Decimal::ONE.checked_div(mark)?`):
 * a bad tick of 0 must halt the P&L, not book every converted price and fee at 0.
 * `undefined` = no rate (the caller halts P&L with `MissingFx`).
 */
export function conversionFactor(
  marketData: MarketDataSource | undefined,
  from: Asset,
  to: Asset,
  accountId: AccountId,
  groups: GroupSource,
): Price | undefined {
  if (from === to) return SAME_CURRENCY;
  if (marketData === undefined) return undefined;
  const direct = markOf(marketData, { underlyingAsset: from, settlementAsset: to }, accountId, groups);
  if (direct !== undefined) return direct;
  const inverse = markOf(marketData, { underlyingAsset: to, settlementAsset: from }, accountId, groups);
  if (inverse === undefined) return undefined;
  if (inverse.isZero()) return undefined;
  try {
    return SAME_CURRENCY.div(inverse);
  } catch (e) {
    if (e instanceof ParamError) return undefined;
    throw e;
  }
}

function markOf(marketData: MarketDataSource, instrument: Instrument, accountId: AccountId, groups: GroupSource): Price | undefined {
  const id = marketData.resolve(instrument);
  return id === undefined ? undefined : marketData.latest(id, accountId, groups.accountGroup())?.mark;
}
