/**
 * SmallExposure (the gross-exposure check on plain integers) against the decimal functions
 * it stands in for, worstWith and grossExposurePair, over random books, quotes and orders
 * whose figures straddle the integer path's edges (15-digit mantissas, products past 2^53,
 * scales over 15, negative prices): where it takes an order, the same worst cases, the same
 * verdict, the same totals with the same scales, the same failure naming the same instrument.
 */
import { describe, expect, it } from "vitest";
import { PositionSize, Price, Quantity, type Side } from "../../../src/param/index.js";
import { grossExposurePair, worstWith } from "../../../src/policies/gross-exposure-limit/exposure.js";
import { SmallExposure } from "../../../src/policies/gross-exposure-limit/small-exposure.js";
import { seededRandom } from "../../../bench/workload.js";
import { EXPOSURE_ACCOUNT, EXPOSURE_INSTRUMENTS, randomExposureWorld } from "../../helpers/exposure-world.js";

const ACCOUNT = EXPOSURE_ACCOUNT;
const INSTRUMENTS = EXPOSURE_INSTRUMENTS;
// Small ones, 15 digits (the most a parsed value keeps as an integer), 16+ digits and scales over 15.
const QUANTITIES = ["0", "0", "1", "2.5", "2.50", "10.0", "10", "0.125", "7", "3.10", "999999999999999", "99999999999.9999", "12345678901234567", "0.0000000000000001", "4503599627370496"];
const PRICES = ["100", "50.5", "0.01", "185.25", "3", "-2.5", "99999999.99", "0.00000000000000001", "123456789012345678"];

describe("SmallExposure", () => {
  it("agrees with worstWith and grossExposurePair: worst cases, verdict, totals and scales, failures", () => {
    const random = seededRandom(2026);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
    const small = new SmallExposure();
    let taken = 0;
    let skipped = 0;
    let raising = 0;
    let failures = 0;
    let leftIntegers = 0;
    let overflows = 0;
    for (let run = 0; run < 3000; run++) {
      const { clock, md, book } = randomExposureWorld(random, 0.8, QUANTITIES, PRICES);
      if (random() < 0.3) {
        // Open buys and sells equal in value, not in scale: |position + buys| ties |position − sells|.
        const inst = pick(INSTRUMENTS);
        const [buys, sells] = random() < 0.5 ? ["2.5", "2.50"] : ["2.50", "2.5"];
        book.reserve({ accountId: ACCOUNT, instrument: inst, side: "BUY", quantity: Quantity.fromString(buys) });
        book.reserve({ accountId: ACCOUNT, instrument: inst, side: "SELL", quantity: Quantity.fromString(sells) });
      }
      if (random() < 0.4) {
        // A position filled back to exactly zero keeps the scale of its fills (0.0, 0.000).
        const inst = pick(INSTRUMENTS);
        const position = book.position(ACCOUNT, inst);
        if (!position.isZero()) book.applyReport({ operation: { accountId: ACCOUNT, instrument: inst, side: position.isPositive() ? "SELL" : "BUY" }, fill: { lastTrade: { price: Price.fromString("1"), quantity: Quantity.from(position.abs()) }, isFinal: false } });
      }
      if (random() < 0.2) clock.advance(1_500); // some quotes go stale
      for (const asset of ["USD", "EUR"]) {
        const ordered = pick(INSTRUMENTS.filter((i) => i.settlementAsset === asset));
        const side: Side = random() < 0.5 ? "BUY" : "SELL";
        const extra = Quantity.fromString(pick(QUANTITIES));
        const entry = book.entry(ACCOUNT, ordered);
        const [before, after] = worstWith(entry, side, extra);
        if (!small.worstCases(entry, side, extra)) {
          skipped++;
          continue;
        }
        taken++;
        const worst = [PositionSize.fromString(mantissaText(small.beforeM, small.beforeS)), PositionSize.fromString(mantissaText(small.afterM, small.afterS))];
        expect(worst.map(String)).toEqual([before.toString(), after.toString()]);
        expect(small.orderDoesNotRaise()).toBe(after.lte(before));
        // The policy values only orders that raise their worst case; the figures are compared for all.
        if (!small.orderDoesNotRaise()) raising++;
        const pair = attempt(() => grossExposurePair(book, md, ACCOUNT, undefined, asset, ordered, before, after));
        const failure = attempt(() => small.value(book, md, ACCOUNT, undefined, asset, ordered));
        if ("threw" in pair) {
          // Out of the decimal domain (past 2^96): the same error from both.
          overflows++;
          expect(failure).toEqual(pair);
          continue;
        }
        if (!pair.ok) {
          failures++;
          expect(failure).toEqual(pair);
          continue;
        }
        expect(failure).toBeUndefined();
        // toString shows the scale: equal text = equal value and equal trailing zeros.
        expect([small.now.value.toString(), small.next.value.toString()]).toEqual([pair.now.toString(), pair.next.toString()]);
        if (small.next.value.small !== small.next.value.small) leftIntegers++;
        for (const limit of [pair.next, pair.now, PositionSize.fromString("1000"), PositionSize.fromString("123456789012345678901.5")]) {
          expect(small.next.compare(limit)).toBe(pair.next.compare(limit));
        }
      }
    }
    // Every branch was exercised: the integer path and the fallback, raising orders, failures, totals beyond the integers.
    expect(taken).toBeGreaterThan(2000);
    expect(skipped).toBeGreaterThan(300);
    expect(raising).toBeGreaterThan(1000);
    expect(failures).toBeGreaterThan(50);
    expect(leftIntegers).toBeGreaterThan(100);
    expect(overflows).toBeGreaterThan(0);
  });
});

/** The result, or what was thrown. */
function attempt<T>(f: () => T): T | { threw: string } {
  try {
    return f();
  } catch (e) {
    return { threw: String(e) };
  }
}

/** `m` at scale `s` as decimal text (test side: independent of the library's formatting). */
function mantissaText(m: number, s: number): string {
  const digits = BigInt(Math.abs(m)).toString().padStart(s + 1, "0");
  const body = s === 0 ? digits : `${digits.slice(0, digits.length - s)}.${digits.slice(digits.length - s)}`;
  return m < 0 ? `-${body}` : body;
}
