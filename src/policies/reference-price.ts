/** The reference price controls compare against: a fresh quote's mark, else its mid; fail closed otherwise. */
import type { MarketDataSource, Quote } from "../marketdata/market-data-source.js";
import type { AccountGroupId, AccountId } from "../param/ids.js";
import type { Instrument } from "../param/instrument.js";
import { ParamError } from "../param/param-error.js";
import { Price } from "../param/values.js";
import type { PolicyReject } from "../model/reject.js";
import { instrumentText } from "./policy-texts.js";

export type ReferencePrice =
  | { readonly ok: true; readonly price: Price; readonly field: "mark" | "mid"; readonly quote: Quote }
  | { readonly ok: false; readonly reason: string };

const FAILURES = {
  UnknownInstrument: "instrument is not registered with market data",
  QuoteUnavailable: "no quote available",
  QuoteExpired: "quote expired",
} as const;

const TWO = Price.fromInt(2);

/**
 * The reference of `instrument` for the account: the quote selected under the TTL cascade
 * (account, then group, then default bucket), its mark, else the mid of bid and ask. A
 * stale quote does not fall back to an older or less specific one: the caller fails closed.
 */
export function referencePrice(
  marketData: MarketDataSource,
  instrument: Instrument,
  accountId: AccountId,
  group: AccountGroupId | undefined,
): ReferencePrice {
  const id = marketData.resolve(instrument);
  if (id === undefined) return { ok: false, reason: FAILURES.UnknownInstrument };
  const found = marketData.lookup(id, accountId, group, "AccountThenGroupThenDefault");
  if (!found.ok) return { ok: false, reason: FAILURES[found.error] };
  const quote = found.quote;
  if (quote.mark !== undefined) return usable(quote.mark, "mark", quote);
  if (quote.bid !== undefined && quote.ask !== undefined) return usable(midOf(quote.bid, quote.ask), "mid", quote);
  return { ok: false, reason: "quote has neither a mark nor both bid and ask" };
}

/**
 * (bid + ask) / 2. The mid of two prices is inside the decimal domain, but their sum may not
 * be (both near ±7.9e28, so of one sign): then it is bid + (ask - bid) / 2, whose difference
 * cannot overflow (found by review: the overflow escaped as the policy's internal error
 * instead of a price).
 */
function midOf(bid: Price, ask: Price): Price {
  try {
    return bid.add(ask).div(TWO);
  } catch (e) {
    if (!(e instanceof ParamError)) throw e;
    return bid.add(ask.sub(bid).div(TWO));
  }
}

function usable(price: Price, field: "mark" | "mid", quote: Quote): ReferencePrice {
  if (price.isZero()) return { ok: false, reason: `${field} price is zero` };
  return { ok: true, price, field, quote };
}

/** ReferenceDataUnavailable (37): the order cannot be checked, so it is refused (fail closed). */
export function referenceUnavailable(instrument: Instrument, why: string): readonly PolicyReject[] {
  return [{ code: "ReferenceDataUnavailable", reason: "reference price unavailable", details: `${instrumentText(instrument)}: ${why}`, scope: "order" }];
}
