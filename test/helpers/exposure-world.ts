/** Random books and quotes for the gross-exposure comparison tests (one account, a few instruments). */
import { ManualClock } from "../../src/engine/index.js";
import { AccountBook } from "../../src/engine/account-book/index.js";
import { MarketDataService, QuoteTtl } from "../../src/marketdata/index.js";
import { AccountId, Price, Quantity, instrument, type Side } from "../../src/param/index.js";

export const EXPOSURE_ACCOUNT = AccountId.fromU64(7);
/** NEW/USD is never registered: UnknownInstrument when it is at stake. */
export const EXPOSURE_INSTRUMENTS = [instrument("AAPL", "USD"), instrument("MSFT", "USD"), instrument("SAP", "EUR"), instrument("TSLA", "USD"), instrument("NEW", "USD")];

const FX_RATES = ["1.1", "0.8", "1.25", "3", "2"];

/**
 * Market data with the first four instruments registered and an EUR/USD or USD/EUR rate, each quoted with probability
 * `quoted` (a mark, or a bid and an ask) under a 1 s TTL, and a book of up to eight random
 * reserves and fills of the account.
 */
export function randomExposureWorld(
  random: () => number,
  quoted: number,
  quantities: readonly string[],
  prices: readonly string[],
): { clock: ManualClock; md: MarketDataService; book: AccountBook } {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const clock = new ManualClock(0);
  const md = new MarketDataService({ defaultTtl: QuoteTtl.within(1_000), clock });
  for (const i of EXPOSURE_INSTRUMENTS.slice(0, 4)) {
    const id = md.register(i);
    if (random() < quoted) md.push(id, random() < 0.8 ? { mark: Price.fromString(pick(prices)) } : { bid: Price.fromString(pick(prices)), ask: Price.fromString(pick(prices)) });
  }
  // An FX rate for EUR into USD and back, quoted like the instruments: the direct pair or
  // only the reverse one (1 / 3 and 1 / 1.1 have no short decimal form).
  const fx = random() < 0.5 ? instrument("EUR", "USD") : instrument("USD", "EUR");
  const fxId = md.register(fx);
  if (random() < quoted) md.push(fxId, { mark: Price.fromString(pick(FX_RATES)) });
  const book = new AccountBook();
  for (let step = 0; step < 1 + Math.floor(random() * 8); step++) {
    const inst = pick(EXPOSURE_INSTRUMENTS);
    const side: Side = random() < 0.5 ? "BUY" : "SELL";
    if (random() < 0.6) book.reserve({ accountId: EXPOSURE_ACCOUNT, instrument: inst, side, quantity: Quantity.fromString(pick(quantities)) });
    else book.applyReport({ operation: { accountId: EXPOSURE_ACCOUNT, instrument: inst, side }, fill: { lastTrade: { price: Price.fromString("1"), quantity: Quantity.fromString(pick(quantities)) }, isFinal: false } });
  }
  return { clock, md, book };
}
