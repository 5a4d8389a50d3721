/** Written by review (it passed on the code as it was): KnownIds against a plain Map model under random appends, removals, expiry, retirement and compaction. */
import { describe, expect, it } from "vitest";
import { KnownIds } from "../../src/policies/client-order-id/known-ids.js";
import type { AccountId } from "../../src/param/index.js";

function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

describe("KnownIds model check", () => {
  for (const seed of [1, 2]) {
    it(`seed ${seed}`, () => {
      const r = rng(seed);
      const ids = new KnownIds();
      const model = new Map<string, { a: bigint; id: string; since: number }>();
      const key = (a: bigint, id: string) => `${a}|${id}`;
      let now = 0;
      const retention = seed % 2 === 0 ? 0 : 5000;
      for (let step = 0; step < 40000; step++) {
        now += Math.floor(r() * 3);
        const a = BigInt(1 + Math.floor(r() * 3));
        const id = `c${Math.floor(r() * 3000)}`;
        const op = r();
        ids.expire(now, retention);
        for (const [k, v] of model) if (retention > 0 && now - v.since >= retention) model.delete(k);
        if (op < 0.55) {
          const cell = ids.find(a as AccountId, id);
          expect(cell >= 0).toBe(model.has(key(a, id)));
          if (cell < 0) {
            ids.append(a as AccountId, id, now, undefined);
            model.set(key(a, id), { a, id, since: now });
          }
        } else if (op < 0.97) {
          const cell = ids.find(a as AccountId, id);
          expect(cell >= 0).toBe(model.has(key(a, id)));
          if (cell >= 0) {
            expect(ids.sinceAt(cell)).toBe(model.get(key(a, id))!.since);
            ids.removeAt(cell);
            model.delete(key(a, id));
          }
        } else if (op < 0.975) {
          ids.dropAccount(a as AccountId);
          for (const [k, v] of model) if (v.a === a) model.delete(k);
        }
        if (step % 5000 === 0) {
          expect(ids.size).toBe(model.size);
          expect(ids.inOrder().map((e) => key(e.accountId, e.clientOrderId)).sort()).toEqual([...model.keys()].sort());
        }
      }
      expect(ids.size).toBe(model.size);
      for (const v of model.values()) expect(ids.find(v.a as AccountId, v.id)).toBeGreaterThanOrEqual(0);
    });
  }
});
