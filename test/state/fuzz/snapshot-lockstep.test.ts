/**
 * Lock-step snapshot fuzz (written by session 30's snapshot review): the live state, copies
 * restored from its snapshots at random points and continued live in lock step, and a replay
 * of its journal from empty must give the same answers, journal the same records and end in
 * the same bytes. Seeded, so a failure repeats; the review found no divergence with it (its
 * finding needed a directed scenario: unsettled-order-restore.test.ts).
 */
import { describe, expect, it } from "vitest";
import { bytes, fuzz } from "./fuzz-run.js";

describe("snapshot lock step", () => {
  it("smoke", () => {
    const { problems } = fuzz(1, 50);
    expect(problems).toEqual([]);
  });
});

describe("snapshot lock step, seeds", () => {
  for (const seed of [2, 3, 4, 5]) {
    it(`seed ${seed}`, () => {
      const { problems, log, state, copies } = fuzz(seed, 600);
      expect(problems, log.slice(-15).join("\n")).toEqual([]);
      for (const c of copies) expect(bytes(c.state)).toBe(bytes(state));
    });
  }
});
