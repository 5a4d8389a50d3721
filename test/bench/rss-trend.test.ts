import { describe, expect, it } from "vitest";
import { rssTrend } from "../../bench/soak.js";

describe("rssTrend (the soak's RSS flatness)", () => {
  it("compares the median of the last third of the samples with the first third's", () => {
    expect(rssTrend([100, 100, 100, 110, 120, 130, 125, 125, 125])).toBeCloseTo(0.25, 12);
    // One spike in either third does not move a median.
    expect(rssTrend([100, 400, 100, 105, 100, 100, 100, 90, 100])).toBe(0);
    expect(rssTrend([120, 110, 100])).toBeCloseTo(100 / 120 - 1, 12);
  });

  it("is 0 without two samples to compare", () => {
    expect(rssTrend([])).toBe(0);
    expect(rssTrend([123])).toBe(0);
  });
});
