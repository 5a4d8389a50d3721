/**
 * GrossExposureLimitPolicy compares the exact exposure with the limit, never a figure rounded
 * to 29 digits (found by review): a product (worst × reference, reference × FX rate, a
 * market order's volume × FX rate) or a partial sum past 29 digits is rounded in the decimal
 * domain, and the rounded total could sit on (or under) the limit while the exposure is one
 * step past it, or over the limit while the exposure is exactly on it. Limits are inclusive
 * (controls.md). Each case runs on both paths: quantities with small mantissas (SmallExposure)
 * and the same quantities written with 16 decimals (worstWith / grossExposurePair).
 */
import { describe, expect, it } from "vitest";
import { TradeAmount, type Order } from "../../../src/model/index.js";
import { Volume, instrument } from "../../../src/param/index.js";
import { AAPL_USD, MSFT_USD, expectNoAccountIds, only, order, quote, submit } from "../../helpers/controls.js";
import { EXCEEDED, limited } from "./gross-exposure-world.js";

const SAP_EUR = instrument("SAP", "EUR");
const EUR_USD = instrument("EUR", "USD");

/** The quantity as given (a small decimal: SmallExposure) or with 16 decimals (past its integers: the decimal path). */
const PATHS = [
  { path: "integer path", q: (qty: string) => qty, atLimit: "1000.0010000000000000000001" },
  // The same figures; a product's scale (and so the domain's trailing zeros) differs.
  { path: "decimal path", q: (qty: string) => (qty.includes(".") ? qty : `${qty}.`).padEnd(qty.split(".")[0]!.length + 17, "0"), atLimit: "1000.0010000000000000000001000" },
] as const;

describe.each(PATHS)("GrossExposureLimitPolicy compares exact exposure ($path)", ({ q, atLimit }) => {
  it("a limit of 0 admits no exposure: 1e-29 USD, a product that rounds to 0, is rejected, every time", () => {
    const w = limited("0");
    quote(w, AAPL_USD, { mark: "0.000000000000001" });
    // 0.00000000000001 × 0.000000000000001 = 1e-29 (scale 29): the domain's figure is 0.
    const o = order({ qty: q("0.00000000000001"), price: "0.000000000000001" });
    for (let i = 0; i < 2; i++) {
      const rejects = submit(w.engine, o);
      expect(only(rejects)).toEqual(EXCEEDED("0.00000000000000000000000000001", "0", "0"));
      expectNoAccountIds(rejects);
    }
  });

  it("one step past the limit is rejected, not rounded back onto it; the text shows the exact exposure", () => {
    const w = limited("1000.0010000000000000000001");
    quote(w, AAPL_USD, { mark: "1000.001" });
    // 1.0000000000000000000000001 × 1000.001 = 1000.0010000000000000000001000001 > the limit;
    // in 29 digits it is 1000.0010000000000000000001000 = the limit.
    const rejects = submit(w.engine, order({ qty: "1.0000000000000000000000001", price: "1000" }));
    expect(only(rejects)).toEqual(EXCEEDED("1000.0010000000000000000001000001", "0", "1000.0010000000000000000001"));
  });

  it("exactly the limit, in all 29 digits, passes; 10^-28 more does not", () => {
    const w = limited("1000.0010000000000000000001");
    quote(w, AAPL_USD, { mark: "1000.0010000000000000000001" });
    expect(submit(w.engine, order({ qty: q("1"), price: "1000" }))).toEqual([]);
    quote(w, MSFT_USD, { mark: "0.0000000000000000000000001" });
    // 0.001 × 10^-25 = 10^-28: 1000.0010000000000000000001000001 exactly, the limit in 29 digits.
    expect(only(submit(w.engine, order({ instrument: MSFT_USD, qty: q("0.001"), price: "1" })))).toEqual(
      EXCEEDED("1000.0010000000000000000001000001", atLimit, "1000.0010000000000000000001"),
    );
  });

  it("an exposure exactly at the limit passes although its rounded terms sum past it", () => {
    const u = (n: number) => `0.${"0".repeat(27)}${n}`; // n × 10^-28
    const w = limited(u(5));
    quote(w, AAPL_USD, { mark: u(3) });
    quote(w, MSFT_USD, { mark: u(7) });
    // 0.5 × 3u = 1.5u, rounded (half even) to 2u; 0.5 × 7u = 3.5u, rounded to 4u: 6u in the
    // domain, exactly 5u = the limit.
    expect(submit(w.engine, order({ qty: q("0.5"), price: "1" }))).toEqual([]);
    expect(submit(w.engine, order({ instrument: MSFT_USD, qty: q("0.5"), price: "1" }))).toEqual([]);
    // 0.1 more AAPL: exactly 5.3u > 5u, rounded 2u + 4u (shown as computed, already past the limit).
    expect(only(submit(w.engine, order({ qty: q("0.1"), price: "1" })))).toEqual(EXCEEDED(u(6), u(6), u(5)));
  });

  it("a sum rounded to 29 digits does not hide the step past the limit", () => {
    // 7.9228162514264337593543950330 + 11 × 10^-28 has a mantissa past 2^96 at scale 28: the
    // domain rounds it down to 7.922816251426433759354395034, the limit; exactly it is past it.
    const w = limited("7.922816251426433759354395034");
    quote(w, AAPL_USD, { mark: "7.9228162514264337593543950330" });
    quote(w, MSFT_USD, { mark: "0.0000000000000000000000000011" });
    expect(submit(w.engine, order({ qty: q("1"), price: "1" }))).toEqual([]);
    expect(only(submit(w.engine, order({ instrument: MSFT_USD, qty: q("1"), price: "1" })))).toEqual(
      EXCEEDED("7.9228162514264337593543950341", "7.9228162514264337593543950330", "7.922816251426433759354395034"),
    );
  });

  it("an FX-converted reference is not rounded before the comparison", () => {
    const w = limited("0");
    w.marketData.register(SAP_EUR);
    w.marketData.register(EUR_USD);
    quote(w, SAP_EUR, { mark: "0.0000000000001" });
    quote(w, EUR_USD, { mark: "0.0000000000000001" });
    // 10^-13 EUR × 10^-16 USD/EUR = 10^-29 USD per SAP: 0 in the domain.
    expect(only(submit(w.engine, order({ instrument: SAP_EUR, qty: q("1"), price: "1" })))).toEqual(EXCEEDED("0.00000000000000000000000000001", "0", "0"));
  });
});

describe("GrossExposureLimitPolicy compares exact exposure (market order by volume)", () => {
  it("a volume converted at an FX rate is not rounded before the comparison", () => {
    const w = limited("0");
    w.marketData.register(SAP_EUR);
    w.marketData.register(EUR_USD);
    quote(w, SAP_EUR, { mark: "1" });
    quote(w, EUR_USD, { mark: "0.0000000000000001" });
    // 0.0000000000001 EUR × 10^-16 = 10^-29 USD: 0 in the domain.
    const byVolume: Order = {
      operation: { ...order({ instrument: SAP_EUR }).operation, price: undefined, tradeAmount: TradeAmount.volume(Volume.fromString("0.0000000000001")) },
    };
    expect(only(submit(w.engine, byVolume))).toEqual(EXCEEDED("0.00000000000000000000000000001", "0", "0"));
  });
});
