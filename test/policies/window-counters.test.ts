/**
 * SlidingWindowLog (the exact window of the account rate limits and both throttles) against
 * a plain array of event times over random pushes, peeks, time steps and restores: counts and
 * entries must agree while the ring wraps and grows (its growth copies the wrapped halves).
 */
import { describe, expect, it } from "vitest";
import { SlidingWindowLog } from "../../src/policies/rate-limit/window-counters.js";
import { seededRandom } from "../../bench/workload.js";

/** expect(actual).toBe(expected) without vitest's cost while they agree: checked at every one of 120 000 steps (the test ran 6 s, past 20 s on a loaded machine). */
function agree(actual: unknown, expected: unknown): void {
  if (!Object.is(actual, expected)) expect(actual).toBe(expected);
}

function sameTimes(actual: readonly number[], expected: readonly number[]): void {
  if (actual.length !== expected.length || actual.some((t, i) => t !== expected[i])) expect(actual).toEqual(expected);
}

describe("SlidingWindowLog", () => {
  it("matches an array of times over random sequences, through wraps and growth", () => {
    let grown = 0;
    for (let seed = 1; seed <= 30; seed++) {
      const random = seededRandom(900 + seed);
      const windowMs = 1 + Math.floor(random() * 200);
      let log = new SlidingWindowLog();
      let model: number[] = [];
      let now = 0;
      let largest = 0;
      for (let step = 0; step < 4000; step++) {
        const r = random();
        // Bursts (many events at once: the ring fills and grows) and pauses (it empties, the head moves).
        if (r < 0.6) {
          const n = log.push(now, windowMs);
          model = model.filter((t) => now - t < windowMs);
          model.push(now);
          agree(n, model.length);
        } else if (r < 0.8) {
          agree(log.peek(now, windowMs), model.filter((t) => now - t < windowMs).length + 1);
        } else if (r < 0.99) {
          now += random() < 0.9 ? Math.floor(random() * 5) : Math.floor(random() * 2 * windowMs);
        } else {
          const restored = new SlidingWindowLog();
          restored.restore(log.entries());
          log = restored;
        }
        sameTimes(log.entries(), model);
        agree(log.size, model.length);
        largest = Math.max(largest, model.length);
      }
      if (largest > 16) grown++;
    }
    expect(grown).toBeGreaterThan(10);
  });
});
