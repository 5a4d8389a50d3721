/** PriceCollarPolicy: the band around a fresh reference, fail closed, market orders by slippage, tiers, retune, dry run. */
import { describe, expect, it } from "vitest";
import { PriceCollarPolicy, parsePriceCollarSettingsJson } from "../../../src/policies/index.js";
import { AccountGroupId, Price } from "../../../src/param/index.js";
import { AAPL_USD, ACCOUNT, MSFT_USD, OTHER, expectNoAccountIds, only, order, quote, submit, world } from "../../helpers/controls.js";

const SETTINGS = { default: { maxDeviationPct: "5" }, marketSlippagePct: "1.5" };

function collar(json: unknown = SETTINGS) {
  const w = world((md) => [new PriceCollarPolicy(parsePriceCollarSettingsJson(json), md)]);
  quote(w, AAPL_USD, { mark: "100", bid: "99", ask: "101" });
  return w;
}

const OUTSIDE = (details: string) => ["PriceOutsideCollar", "price outside collar", details, "order"];

describe("PriceCollarPolicy", () => {
  it("passes at the band and rejects one step past it, either side", () => {
    const { engine } = collar();
    expect(submit(engine, order({ price: "105" }))).toEqual([]);
    expect(submit(engine, order({ price: "95", side: "SELL" }))).toEqual([]);
    const above = submit(engine, order({ price: "105.01" }));
    expect(only(above)).toEqual(OUTSIDE("order price 105.01 is 5.01 % from reference price 100 (mark); collar is 5 %"));
    expect(only(submit(engine, order({ price: "94.99" })))).toEqual(OUTSIDE("order price 94.99 is 5.01 % from reference price 100 (mark); collar is 5 %"));
    expectNoAccountIds(above);
    expect(above[0]!.policy).toBe("PriceCollarPolicy");
  });

  it("fails closed without a reference: unknown instrument, no quote, stale quote", () => {
    const w = collar();
    const unknown = { underlyingAsset: "TSLA", settlementAsset: "USD" };
    const unavailable = (details: string) => ["ReferenceDataUnavailable", "reference price unavailable", details, "order"];
    expect(only(submit(w.engine, order({ instrument: unknown })))).toEqual(unavailable("TSLA/USD: instrument is not registered with market data"));
    expect(only(submit(w.engine, order({ instrument: MSFT_USD })))).toEqual(unavailable("MSFT/USD: no quote available"));
    w.clock.advance(4_999);
    expect(submit(w.engine, order())).toEqual([]);
    w.clock.advance(1);
    expect(only(submit(w.engine, order()))).toEqual(unavailable("AAPL/USD: quote expired"));
  });

  it("uses the mid when the quote has no mark, and refuses a quote with neither", () => {
    const w = collar();
    quote(w, AAPL_USD, { bid: "98", ask: "102" });
    expect(only(submit(w.engine, order({ price: "106" })))).toEqual(OUTSIDE("order price 106 is 6.00 % from reference price 100 (mid); collar is 5 %"));
    quote(w, AAPL_USD, { bid: "98" });
    expect(only(submit(w.engine, order()))[2]).toBe("AAPL/USD: quote has neither a mark nor both bid and ask");
  });

  it("checks a market order's touch against the reference with the market slippage", () => {
    const w = collar();
    expect(submit(w.engine, order({ price: null }))).toEqual([]);
    quote(w, AAPL_USD, { mark: "100", bid: "98.5", ask: "101.5" });
    expect(submit(w.engine, order({ price: null }))).toEqual([]);
    expect(submit(w.engine, order({ price: null, side: "SELL" }))).toEqual([]);
    quote(w, AAPL_USD, { mark: "100", bid: "98.4", ask: "101.6" });
    expect(only(submit(w.engine, order({ price: null })))).toEqual(
      OUTSIDE("market order would trade at ask 101.6, 1.60 % from reference price 100 (mark); allowed slippage is 1.5 %"),
    );
    expect(only(submit(w.engine, order({ price: null, side: "SELL" })))[2]).toBe(
      "market order would trade at bid 98.4, 1.60 % from reference price 100 (mark); allowed slippage is 1.5 %",
    );
    quote(w, AAPL_USD, { mark: "100", bid: "99" });
    expect(only(submit(w.engine, order({ price: null })))[2]).toBe("AAPL/USD: quote has no ask price for a market order");
  });

  it("resolves account, then group, then instrument, then default", () => {
    const w = collar({
      default: { maxDeviationPct: "5" },
      instruments: [{ underlyingAsset: "AAPL", settlementAsset: "USD", limit: { maxDeviationPct: "3" } }],
      groups: [{ group: 7, limit: { maxDeviationPct: "8" } }],
      accounts: [{ accountId: Number(ACCOUNT), limit: { maxDeviationPct: "1" } }],
    });
    expect(only(submit(w.engine, order({ price: "101.5" })))[2]).toContain("collar is 1 %");
    expect(only(submit(w.engine, order({ account: OTHER, price: "104" })))[2]).toContain("collar is 3 %");
    w.engine.accounts().registerGroup([OTHER], AccountGroupId.fromU32(7));
    expect(submit(w.engine, order({ account: OTHER, price: "107" }))).toEqual([]);
    expect(only(submit(w.engine, order({ account: OTHER, price: "108.5" })))[2]).toContain("collar is 8 %");
  });

  it("answers a dry run the same, and a runtime change applies to the next order", () => {
    const w = collar();
    const dry = w.engine.executePreTradeDryRun(order({ price: "106" }));
    expect(dry.isPass).toBe(false);
    expect(dry.rejects[0]!.code).toBe("PriceOutsideCollar");
    w.engine.configure().update("PriceCollarPolicy", PriceCollarPolicy, (draft) => {
      draft.default = { maxDeviationPct: Price.fromString("6") };
    });
    expect(submit(w.engine, order({ price: "106" }))).toEqual([]);
    expect(only(submit(w.engine, order({ price: "106.01" })))[2]).toContain("collar is 6 %");
  });

  it("rejects a price too far off for the decimal domain to hold its deviation, never throws", () => {
    const w = collar();
    // (1e27 − 100) × 100 is past 2^96 − 1: compared unbounded, and the text still says how far.
    expect(only(submit(w.engine, order({ price: "1000000000000000000000000000" })))).toEqual(
      OUTSIDE("order price 1000000000000000000000000000 is 999999999999999999999999900.00 % from reference price 100 (mark); collar is 5 %"),
    );
    // A band so wide that pct × |ref| leaves the domain: inside it, accepted.
    const wide = world((md) => [new PriceCollarPolicy(parsePriceCollarSettingsJson({ default: { maxDeviationPct: "79228162514264337593543950335" } }), md)]);
    quote(wide, AAPL_USD, { mark: "100" });
    expect(submit(wide.engine, order({ price: "1000000000000000000000000000" }))).toEqual([]);
    // Both sides past the domain: still the exact comparison (1e28 is 1e28 % off, the band 7.9e28 %).
    quote(wide, AAPL_USD, { mark: "-100" });
    expect(submit(wide.engine, order({ price: "10000000000000000000000000000" }))).toEqual([]);
  });

  // Found by review (session 31): the bound |ref| × pct was rounded to 29 digits, so a price
  // past the band by less than the 29th digit passed. Exact (BigInt): |3.4433…3 − 3.3333…3| ×
  // 100 = 11 > 3.3333333333333333333333333333 × 3.3 = 10.99999999999999999999999999989.
  it("compares to the last digit: a bound or a difference past 29 digits is not rounded", () => {
    const ref = "3.3333333333333333333333333333";
    const w = collar({ default: { maxDeviationPct: "3.3" } });
    quote(w, AAPL_USD, { mark: ref });
    const past = "3.4433333333333333333333333333";
    expect(only(submit(w.engine, order({ price: past })))).toEqual(OUTSIDE(`order price ${past} is 3.31 % from reference price ${ref} (mark); collar is 3.3 %`));
    // One unit of the 28th place inside: 0.1099999999999999999999999999 × 100 < the bound.
    expect(submit(w.engine, order({ price: "3.4433333333333333333333333332" }))).toEqual([]);
    // The difference itself past 29 digits: 1.0000000000000000000000000001 − (−10) needs 30.
    const atBand = collar({ default: { maxDeviationPct: "110" } });
    quote(atBand, AAPL_USD, { mark: "-10" });
    expect(submit(atBand.engine, order({ price: "1" }))).toEqual([]);
    expect(only(submit(atBand.engine, order({ price: "1.0000000000000000000000000001" })))[0]).toBe("PriceOutsideCollar");
  });

  it("takes a drop copy in with a stale reference or no band: not checked, never refused", () => {
    const w = collar();
    w.clock.advance(5_000); // the quote is stale
    const r = w.engine.applyDropCopy(order({ price: "150" }));
    expect(r.ok).toBe(true);
    expect(r.rejects).toEqual([]);
    expect(w.engine.book.openOrders(ACCOUNT)).toBe(1);
    const unbanded = world((md) => [new PriceCollarPolicy(parsePriceCollarSettingsJson({ instruments: [{ underlyingAsset: "MSFT", settlementAsset: "USD", limit: { maxDeviationPct: "5" } }] }), md)]);
    expect(unbanded.engine.applyDropCopy(order()).ok).toBe(true);
  });

  it("discards its rejects on a drop copy (the order exists at the venue)", () => {
    const w = collar();
    const r = w.engine.executePreTradeDropCopy(order({ price: "150" }));
    expect(r.accountBlock).toBeUndefined();
    r.commit();
    expect(w.engine.book.openOrders(ACCOUNT)).toBe(1);
  });

  it("validates settings naming the field", () => {
    expect(() => parsePriceCollarSettingsJson({ default: { maxDeviationPct: "-1" } })).toThrow("settings.default.maxDeviationPct: must not be negative");
    expect(() => parsePriceCollarSettingsJson({ default: { maxDeviationPct: 5 } })).toThrow("settings.default.maxDeviationPct: must be a decimal string");
    expect(() => parsePriceCollarSettingsJson({ accounts: [{ accountId: 1, limit: { maxDev: "1" } }] })).toThrow("settings.accounts[0].limit.maxDev: unknown field");
    expect(() => parsePriceCollarSettingsJson({})).toThrow("settings: NoLimitsConfigured");
    expect(() => parsePriceCollarSettingsJson({ default: { maxDeviationPct: "1" }, marketSlippagePct: "-2" })).toThrow("settings.marketSlippagePct: must not be negative");
  });
});
