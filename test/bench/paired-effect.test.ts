/**
 * bench/cold-order-effect.ts's arithmetic (bench/paired-effect.ts): the median difference read
 * from cold-order-ab's report, the effect and the load-order bias of a pair of runs made both
 * ways round, and the mean with its standard error.
 */
import { describe, expect, it } from "vitest";
import { meanAndError, medianDifference, pairEstimate } from "../../bench/paired-effect.js";

const REPORT = `A = /tmp/base@stream
B = /work/main@stream
2 rounds of 2000 pairs, TLB evicted before each order; whole order µs
round   A p50 / p90        B p50 / p90        B − A median   B faster
    1   15.68 /  20.18    14.78 /  19.13    -0.87         65.5 %
    2   15.46 /  19.82    14.74 /  19.14    -0.69         61.2 %
  all   15.56 /  19.95    14.75 /  19.13    -0.78         63.3 %
`;

describe("paired effect", () => {
  it("reads the median difference of the closing 'all' line, not a round's", () => {
    expect(medianDifference(REPORT)).toBe(-0.78);
    expect(medianDifference(REPORT.replace("-0.78", "0.65"))).toBe(0.65);
  });

  it("refuses a report without an 'all' line", () => {
    expect(() => medianDifference(REPORT.split("\n").slice(0, 5).join("\n"))).toThrow(/no 'all' line/);
  });

  it("splits a pair of runs into the effect (half the difference) and the bias (half the sum)", () => {
    // True effect of B: −0.3 µs; the second-loaded copy gains 1.0 µs in either order.
    const forward = -0.3 + -1.0; // run as A B: B − A = effect + bias
    const backward = 0.3 + -1.0; // run as B A: A − B = −effect + bias
    const { effect, bias } = pairEstimate(forward, backward);
    expect(effect).toBeCloseTo(-0.3, 12);
    expect(bias).toBeCloseTo(-1.0, 12);
  });

  it("gives the mean and the standard error of the mean", () => {
    expect(meanAndError([1, 2, 3, 4])).toEqual({ mean: 2.5, error: Math.sqrt(5 / 3 / 4) });
    expect(meanAndError([0.4])).toEqual({ mean: 0.4, error: 0 });
    expect(() => meanAndError([])).toThrow(/no values/);
  });
});
