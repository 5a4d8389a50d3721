/**
 * ExactSum (a running sum kept on integers while it can) against chained `add` calls over
 * random sequences straddling the integer path's edges: same value, same scale, same
 * comparisons, same error past the domain; reusable after `reset`.
 */
import { describe, expect, it } from "vitest";
import { ExactSum, PositionSize } from "../../src/param/index.js";
import { seededRandom } from "../../bench/workload.js";

const VALUES = [
  "0", "0.00", "1", "-1", "2.5", "-2.50", "185.25", "0.001", "999999999999999", "-999999999999999", "4503599627370495",
  "9007199254740991", "12345678901234567", "0.0000000000000001", "-0.00000000000000001", "79228162514264337593543950335",
  "7922816251426433759354395033.5", "-39614081257132168796771975167", "0.5000000000000000000000000001",
];

function attempt<T>(f: () => T): T | { threw: string } {
  try {
    return f();
  } catch (e) {
    return { threw: String(e) };
  }
}

describe("ExactSum", () => {
  it("gives the value, scale and comparisons of chained add over random sequences", () => {
    const random = seededRandom(96);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
    const sum = new ExactSum(PositionSize);
    let leftIntegers = 0;
    let threw = 0;
    for (let run = 0; run < 5_000; run++) {
      sum.reset();
      let expected = PositionSize.zero();
      const length = 1 + Math.floor(random() * 6);
      const terms = Array.from({ length }, () => PositionSize.fromString(pick(VALUES)));
      const chained = attempt(() => terms.reduce((acc, t) => acc.add(t), expected));
      const ours = attempt(() => {
        for (const t of terms) {
          // Both entry points: a value, or its mantissa and scale when it has small ones.
          if (t.small === t.small && random() < 0.5) sum.addSmall(t.small, t.scale);
          else sum.add(t);
        }
        return sum.value;
      });
      if ("threw" in chained) {
        threw++;
        expect(ours, terms.join(" + ")).toEqual(chained);
        continue;
      }
      expected = chained;
      expect(ours.toString(), terms.join(" + ")).toBe(expected.toString());
      if (expected.small !== expected.small) leftIntegers++;
      for (const other of [expected, terms[0]!, PositionSize.fromString(pick(VALUES))]) {
        expect(sum.compare(other)).toBe(expected.compare(other));
      }
    }
    expect(leftIntegers).toBeGreaterThan(500);
    expect(threw).toBeGreaterThan(10);
  });
});
