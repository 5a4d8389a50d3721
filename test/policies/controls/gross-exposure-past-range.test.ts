/**
 * Found by review (session 30): with the instrument's worst case NOW past the decimal range
 * (a long of 5·10^28 with as much more open to buy), every order was refused "gross exposure
 * would be beyond …", the reducing ones too: the range guard wrapped the whole check,
 * including the worst case before the order. Documented: an order that does not raise its
 * instrument's worst case always passes, even past the limit and without prices. Past the
 * range, "raises" is now decided in unbounded arithmetic; only an order that raises it gets
 * the beyond-range reject.
 */
import { describe, expect, it } from "vitest";
import { GrossExposureLimitPolicy, parseGrossExposureSettingsJson } from "../../../src/policies/index.js";
import { TradeAmount, type Order } from "../../../src/model/index.js";
import { Volume } from "../../../src/param/index.js";
import { AAPL_USD, ACCOUNT, fill, only, order, quote, submit, world } from "../../helpers/controls.js";

const HALF = "50000000000000000000000000000"; // 5·10^28: two of them are past 2^96 − 1
const BEYOND = "gross exposure would be beyond 79228162514264337593543950335 USD, max allowed: 1000 USD";

/** Long (or short) 5·10^28 filled, as much more open on the same side (drop copies: already at the venue); no quote. */
function pastRange(side: "BUY" | "SELL") {
  const w = world((md) => [new GrossExposureLimitPolicy(parseGrossExposureSettingsJson({ default: { settlementAsset: "USD", maxNotional: "1000" } }), md)]);
  w.engine.applyExecutionReport(fill(HALF, { side }));
  expect(w.engine.applyDropCopy(order({ side, qty: HALF })).rejects).toEqual([]);
  return w;
}

const details = (rejects: readonly { code: string; details: string }[]) => rejects.map((r) => `${r.code}: ${r.details}`);
const marketByVolume = (side: "BUY" | "SELL", volume: string): Order => ({
  operation: { ...order({ side }).operation, price: undefined, tradeAmount: TradeAmount.volume(Volume.fromString(volume)) },
});

describe("GrossExposureLimitPolicy: the worst case now past the decimal range", () => {
  it("passes an order that reduces the position (a SELL of a long, a BUY of a short), without prices", () => {
    expect(details(submit(pastRange("BUY").engine, order({ side: "SELL", qty: "1" })))).toEqual([]);
    expect(details(submit(pastRange("SELL").engine, order({ side: "BUY", qty: "1" })))).toEqual([]);
    // Down to flat and a little past it: |5·10^28 − 5·10^28 − 1| stays under the worst case 10^29.
    expect(details(submit(pastRange("BUY").engine, order({ side: "SELL", qty: HALF })))).toEqual([]);
    // The largest SELL there is still reduces: |5·10^28 − (2^96 − 1)| is under the worst case 10^29.
    expect(details(submit(pastRange("BUY").engine, order({ side: "SELL", qty: "79228162514264337593543950335" })))).toEqual([]);
  });

  it("refuses an order that raises it, beyond the range", () => {
    expect(only(submit(pastRange("BUY").engine, order({ side: "BUY", qty: "1" })))[2]).toBe(BEYOND);
    expect(only(submit(pastRange("SELL").engine, order({ side: "SELL", qty: "1" })))[2]).toBe(BEYOND);
  });

  it("a market order by volume is sized at the reference price: a reducing one passes, one that raises is refused", () => {
    const w = pastRange("BUY");
    quote(w, AAPL_USD, { mark: "100" });
    const sell = w.engine.executePreTrade(marketByVolume("SELL", "100"));
    expect(sell.ok).toBe(true);
    if (sell.ok) sell.reservation.rollback();
    expect(only(submit(w.engine, marketByVolume("BUY", "100")))[2]).toBe(BEYOND);
    expect(w.engine.book.position(ACCOUNT, AAPL_USD).toString()).toBe(HALF);
  });
});
