/**
 * Reports before a commit (docs/controls.md, under Max open orders): the model checker
 * (reported-rollback-model.ts) over all 14 built-in policies. Found by it (session 32): an id
 * reused after its order's final report while that order's reservation was still open.
 * Inside the documented limits (every order the venue answered before its commit got a report
 * naming its client_order_id before any rollback; orders without an id committed on accept),
 * every invariant must hold after every step and at the end.
 */
import { describe, expect, it } from "vitest";
import { run } from "./reported-rollback-model.js";

const failing = (r: ReturnType<typeof run>) => r.problems.filter((p) => !p.includes("outside the limits"));

describe("model check inside the documented limits, ids reused only once the earlier reservation is settled", () => {
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
    it(`seed ${seed} (with restarts, disconnects, TTL, takeovers, retries)`, () => {
      const r = run(seed, 400, { restarts: true, strict: true });
      expect(failing(r), r.log.slice(-20).join("\n")).toEqual([]);
    });
  }
});

describe("model check inside the documented limits, an id reused after its order's final report while that order's reservation is still open", () => {
  for (const seed of [13, 22]) {
    it(`seed ${seed}`, () => {
      const r = run(seed, 300, { restarts: true, strict: true, reuseWhileOpen: true });
      expect(failing(r).slice(0, 2)).toEqual([]);
    });
  }
});
