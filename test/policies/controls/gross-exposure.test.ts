/** GrossExposureLimitPolicy: positions + open same-side orders + this order at reference, reducing orders pass, fail closed. */
import { describe, expect, it } from "vitest";
import { GrossExposureLimitPolicy, parseGrossExposureSettingsJson } from "../../../src/policies/index.js";
import { TradeAmount, type Order } from "../../../src/model/index.js";
import { AccountGroupId, Volume, Price, instrument } from "../../../src/param/index.js";
import { AAPL_USD, ACCOUNT, MSFT_USD, expectNoAccountIds, fill, only, order, quote, submit, world } from "../../helpers/controls.js";

const SAP_EUR = instrument("SAP", "EUR");
const EUR_USD = instrument("EUR", "USD");
const USD_EUR = instrument("USD", "EUR");

function limited(max = "1000") {
  const w = world((md) => [new GrossExposureLimitPolicy(parseGrossExposureSettingsJson({ default: { settlementAsset: "USD", maxNotional: max } }), md)]);
  quote(w, AAPL_USD, { mark: "100" });
  quote(w, MSFT_USD, { mark: "50" });
  return w;
}

const EXCEEDED = (after: string, before: string, max = "1000") => [
  "GrossExposureLimitExceeded",
  "gross exposure limit exceeded",
  `gross exposure would be ${after} USD (now ${before} USD), max allowed: ${max} USD`,
  "order",
];

describe("GrossExposureLimitPolicy", () => {
  it("counts open orders and this order at the reference price; equal to the limit passes", () => {
    const { engine } = limited();
    expect(submit(engine, order({ qty: "6", price: "90" }))).toEqual([]);
    expect(submit(engine, order({ qty: "4", price: "200" }))).toEqual([]);
    const past = submit(engine, order({ qty: "0.01" }));
    expect(only(past)).toEqual(EXCEEDED("1001.00", "1000"));
    expectNoAccountIds(past);
  });

  it("adds every instrument and values each at its reference", () => {
    const { engine } = limited();
    engine.applyExecutionReport(fill("5"));
    expect(submit(engine, order({ instrument: MSFT_USD, qty: "10", side: "SELL", price: "50" }))).toEqual([]);
    expect(only(submit(engine, order({ instrument: MSFT_USD, qty: "1", side: "SELL", price: "50" })))).toEqual(EXCEEDED("1050", "1000"));
  });

  it("counts instruments settling in another asset at an FX reference; without a fresh rate it refuses", () => {
    const w = limited("2000");
    w.engine.applyExecutionReport(fill("5")); // 5 AAPL at 100: 500 USD
    w.marketData.register(SAP_EUR);
    quote(w, SAP_EUR, { mark: "100" });
    // No EUR/USD nor USD/EUR: the order cannot be valued in USD, so it is refused (fail closed).
    expect(only(submit(w.engine, order({ instrument: SAP_EUR, qty: "1" })))).toEqual([
      "ReferenceDataUnavailable",
      "reference price unavailable",
      "EUR/USD: FX rate unavailable: instrument is not registered with market data; USD/EUR: instrument is not registered with market data",
      "order",
    ]);
    // The direct pair: 10 SAP at 100 EUR × 1.1 = 1100 USD; 1 more is past 2000.
    w.marketData.register(EUR_USD);
    quote(w, EUR_USD, { mark: "1.1" });
    expect(submit(w.engine, order({ instrument: SAP_EUR, qty: "10" }))).toEqual([]);
    expect(only(submit(w.engine, order({ instrument: SAP_EUR, qty: "4" })))).toEqual(EXCEEDED("2040.0", "1600.0", "2000"));
    // The book's EUR instrument counts for a USD order too, and an expired rate fails closed.
    expect(only(submit(w.engine, order({ qty: "5" })))).toEqual(EXCEEDED("2100.0", "1600.0", "2000"));
    w.clock.advance(10_000);
    quote(w, AAPL_USD, { mark: "100" });
    quote(w, SAP_EUR, { mark: "100" });
    expect(only(submit(w.engine, order({ qty: "1" })))[2]).toBe("EUR/USD: FX rate unavailable: quote expired; USD/EUR: instrument is not registered with market data");
  });

  it("takes 1 / the reverse pair when only it is quoted, and converts a market order's volume", () => {
    const w = limited("1000");
    w.marketData.register(SAP_EUR);
    w.marketData.register(USD_EUR);
    quote(w, SAP_EUR, { mark: "100" });
    quote(w, USD_EUR, { mark: "0.8" }); // 1 EUR = 1.25 USD
    expect(submit(w.engine, order({ instrument: SAP_EUR, qty: "4" }))).toEqual([]); // 500 USD
    expect(only(submit(w.engine, order({ instrument: SAP_EUR, qty: "5" })))).toEqual(EXCEEDED("1125.00", "500.00"));
    const byVolume: Order = { operation: { ...order({ instrument: SAP_EUR }).operation, price: undefined, tradeAmount: TradeAmount.volume(Volume.fromString("401")) } };
    // 401 EUR × 1.25 = 501.25 USD on top of 500.
    expect(only(submit(w.engine, byVolume))).toEqual(EXCEEDED("1001.25", "500.00"));
  });

  it("always passes an order that reduces the position, even over the limit or without prices", () => {
    const w = limited("100");
    w.engine.applyExecutionReport(fill("5"));
    expect(only(submit(w.engine, order({ qty: "1" })))).toEqual(EXCEEDED("600", "500", "100"));
    expect(submit(w.engine, order({ side: "SELL", qty: "3" }))).toEqual([]);
    w.clock.advance(10_000);
    expect(submit(w.engine, order({ side: "SELL", qty: "2" }))).toEqual([]);
    // Open sells of 5 against a long of 5: selling 6 more would flip to −6, past the long.
    expect(only(submit(w.engine, order({ side: "SELL", qty: "6" })))[0]).toBe("ReferenceDataUnavailable");
  });

  it("fails closed when an instrument at stake has no fresh reference", () => {
    const w = limited();
    w.engine.applyExecutionReport(fill("1", { instrument: MSFT_USD }));
    w.clock.advance(5_000);
    quote(w, AAPL_USD, { mark: "100" });
    expect(only(submit(w.engine, order()))).toEqual(["ReferenceDataUnavailable", "reference price unavailable", "MSFT/USD: quote expired", "order"]);
  });

  it("refuses an account no tier covers (fail closed) and takes its drop copy", () => {
    const w = world((md) => [new GrossExposureLimitPolicy(parseGrossExposureSettingsJson({ groups: [{ group: 3, limit: { settlementAsset: "USD", maxNotional: "1000" } }] }), md)]);
    quote(w, AAPL_USD, { mark: "100" });
    expect(only(submit(w.engine, order()))).toEqual(["RiskConfigurationMissing", "gross exposure limit not configured", "no gross exposure limit applies to this account", "order"]);
    expect(w.engine.applyDropCopy(order()).rejects).toEqual([]);
    w.engine.accounts().registerGroup([ACCOUNT], AccountGroupId.fromU32(3));
    expect(submit(w.engine, order())).toEqual([]);
  });

  it("takes a drop copy into the book without a reference: not checked, never refused", () => {
    const w = limited();
    w.clock.advance(5_000); // every quote stale
    const r = w.engine.applyDropCopy(order({ qty: "50", price: "100" }));
    expect(r.ok).toBe(true);
    expect(r.rejects).toEqual([]);
    expect(w.engine.book.pendingQuantity(ACCOUNT, AAPL_USD, "BUY").toString()).toBe("50");
  });

  it("rejects, never throws, when a notional is past the decimal range", () => {
    const { engine } = limited();
    // 10^27 × 100 is past 2^96 − 1.
    expect(only(submit(engine, order({ qty: "1000000000000000000000000000", price: "100" })))).toEqual([
      "GrossExposureLimitExceeded",
      "gross exposure limit exceeded",
      "gross exposure would be beyond 79228162514264337593543950335 USD, max allowed: 1000 USD",
      "order",
    ]);
    // Small quantities (the integer path) at a reference so high that the notional is past it.
    const w = limited();
    quote(w, AAPL_USD, { mark: "100000000000000000000000000" });
    expect(only(submit(w.engine, order({ qty: "1000", price: "1" })))[2]).toBe("gross exposure would be beyond 79228162514264337593543950335 USD, max allowed: 1000 USD");
  });

  it("counts a market order by volume at its volume", () => {
    const { engine } = limited();
    const byVolume: Order = { operation: { ...order().operation, price: undefined, tradeAmount: TradeAmount.volume(Volume.fromString("1001")) } };
    expect(only(submit(engine, byVolume))).toEqual(EXCEEDED("1001", "0"));
  });

  const marketByVolume = (side: "BUY" | "SELL", volume: string): Order => ({
    operation: { ...order({ side }).operation, price: undefined, tradeAmount: TradeAmount.volume(Volume.fromString(volume)) },
  });

  it("keeps counting an accepted market order by volume: the book holds it at the reference price", () => {
    const w = limited();
    expect(submit(w.engine, marketByVolume("BUY", "600"))).toEqual([]);
    expect(w.engine.book.pendingQuantity(ACCOUNT, AAPL_USD, "BUY").toString()).toBe("6");
    // 6 open at 100 = 600, and 600 more is over 1000.
    expect(only(submit(w.engine, marketByVolume("BUY", "600")))).toEqual(EXCEEDED("1200", "600"));
    expect(only(submit(w.engine, order({ qty: "5" })))).toEqual(EXCEEDED("1100", "600"));
  });

  // Found by review: on a flat instrument without a reference it passed unsized, entered the
  // book with nothing pending, and the next one saw a flat instrument again: both of these passed.
  it("refuses a market order by volume without a reference even on a flat instrument (fail closed)", () => {
    const w = world((md) => [new GrossExposureLimitPolicy(parseGrossExposureSettingsJson({ default: { settlementAsset: "USD", maxNotional: "1000" } }), md)]);
    const unavailable = ["ReferenceDataUnavailable", "reference price unavailable", "AAPL/USD: no quote available", "order"];
    expect(only(submit(w.engine, marketByVolume("BUY", "900")))).toEqual(unavailable);
    expect(only(submit(w.engine, marketByVolume("BUY", "900")))).toEqual(unavailable);
    expect(w.engine.book.openOrders(ACCOUNT)).toBe(0);
    // Quoted, the first enters the book at the reference price and the second is over the limit.
    quote(w, AAPL_USD, { mark: "100" });
    expect(submit(w.engine, marketByVolume("BUY", "900"))).toEqual([]);
    expect(only(submit(w.engine, marketByVolume("BUY", "900")))).toEqual(EXCEEDED("1800", "900"));
  });

  it("passes a market order by volume that reduces the position, sized at the reference price; one that flips it counts its volume", () => {
    const w = limited();
    expect(submit(w.engine, order({ qty: "10" }))).toEqual([]);
    w.engine.applyExecutionReport(fill("10", { final: true })); // long 10 at mark 100: 1000, at the limit
    expect(submit(w.engine, marketByVolume("SELL", "500"))).toEqual([]);
    expect(submit(w.engine, marketByVolume("SELL", "1500"))).toEqual([]); // now 5 + 15 pending sells: worst |10 − 20| = 10, not raised
    // 20 pending sells against 10 long: one more sell raises the worst case, and counts whole.
    expect(only(submit(w.engine, marketByVolume("SELL", "100")))).toEqual(EXCEEDED("1100", "1000"));
  });

  it("answers a dry run the same, and applies a runtime change", () => {
    const { engine } = limited();
    expect(engine.executePreTradeDryRun(order({ qty: "11" })).rejects[0]!.code).toBe("GrossExposureLimitExceeded");
    engine.configure().update("GrossExposureLimitPolicy", GrossExposureLimitPolicy, (d) => {
      d.default = { settlementAsset: "USD", maxNotional: Volume.fromString("1100") };
    });
    expect(submit(engine, order({ qty: "11" }))).toEqual([]);
    expect(only(submit(engine, order({ qty: "0.5" }))).slice(2)).toEqual(["gross exposure would be 1150.0 USD (now 1100 USD), max allowed: 1100 USD", "order"]);
  });

  it("validates settings naming the field", () => {
    expect(() => parseGrossExposureSettingsJson({ default: { settlementAsset: "USD", maxNotional: "-1" } })).toThrow("settings.default.maxNotional:");
    expect(() => parseGrossExposureSettingsJson({ default: { maxNotional: "1" } })).toThrow("settings.default.settlementAsset: must be a string");
    void Price;
  });
});
