import { describe, expect, it } from "vitest";
import type { ProcessStats } from "../../bench/ipc.js";
import type { OpenLoopResult } from "../../bench/open-loop.js";
import { offHeapTrend, rssTrend, soakResult } from "../../bench/soak.js";

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

  it("is NaN on a first third that is not positive: no growth can be read against it", () => {
    expect(rssTrend([0, 0, 0, 10, 20, 30])).toBeNaN();
    expect(rssTrend([-5, -5, 1, 2, 50, 60])).toBeNaN();
  });
});

describe("offHeapTrend (the soak's target: RSS outside V8's heap)", () => {
  const MiB = 2 ** 20;
  // Shaped like run BI's soak (session 44; its RSS samples, the heap's part made up): the old
  // generation grew 4× between collections, V8's heap in memory rose with RSS for 100 s and fell
  // back at the collection; the memory outside it stayed put.
  const heapSawTooth = [
    [200, 118],
    [208, 126],
    [217, 135],
    [225, 143],
    [233, 151],
    [242, 160],
    [250, 168],
    [258, 176],
    [269, 187],
    [278, 196],
    [205, 123],
    [209, 127],
  ].map(([rss, heap]) => ({ rss: rss! * MiB, heapResident: heap! * MiB }));

  it("is flat when only V8's heap moves (its saw-tooth is judged after GC instead)", () => {
    expect(rssTrend(heapSawTooth.map((s) => s.rss))).toBeGreaterThan(0.1);
    expect(offHeapTrend(heapSawTooth)).toBe(0);
  });

  it("is what the soak reports as its trend (runSoak's result)", () => {
    const stats = { rss: 200 * MiB, heapUsed: 36 * MiB, heapResident: 118 * MiB } as ProcessStats;
    const samples = heapSawTooth.map((s, i) => ({ atMs: (i + 1) * 10_000, heapUsed: 0, ...s }));
    expect(soakResult(120_000, stats, stats, samples, {} as OpenLoopResult).rssTrend).toBe(0);
    const leaking = samples.map((s, i) => ({ ...s, rss: s.rss + i * 3 * MiB }));
    expect(soakResult(120_000, stats, stats, leaking, {} as OpenLoopResult).rssTrend).toBeCloseTo(110.5 / 86.5 - 1, 12);
  });

  it("grows with memory outside the heap (buffers, native), whatever the heap does", () => {
    const leaking = heapSawTooth.map((s, i) => ({ rss: s.rss + i * 3 * MiB, heapResident: s.heapResident }));
    // Medians of the first and last four: 82 + 4.5 and 82 + 28.5 MiB.
    expect(offHeapTrend(leaking)).toBeCloseTo(110.5 / 86.5 - 1, 12);
  });
});
