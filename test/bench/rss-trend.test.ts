import { describe, expect, it } from "vitest";
import { rssTrend } from "../../bench/soak.js";

describe("rssTrend (the soak's RSS flatness)", () => {
  it("compares the median of the last third of the samples with the first third's", () => {
    expect(rssTrend([100, 100, 100, 110, 120, 130, 125, 125, 125])).toBeCloseTo(0.25, 12);
    // One spike in either third does not move a median.
    expect(rssTrend([100, 400, 100, 105, 100, 100, 100, 90, 100])).toBe(0);
    expect(rssTrend([120, 110, 100])).toBeCloseTo(100 / 120 - 1, 12);
  });

  // Found by review (session 30): 0 read as "flat", so a soak shorter than its sampling
  // interval reported the target met with nothing measured.
  it("is NaN (not measured, so not met) without two samples to compare", () => {
    expect(rssTrend([])).toBeNaN();
    expect(rssTrend([123])).toBeNaN();
  });
});
