/**
 * Mutations created with a capacity (the main stage sizes its lists up front) hand over
 * exactly what was pushed, in order, with their owners: fewer pushes than the capacity
 * (the unset tail is dropped), more (the lists grow), none, and a second round after a
 * hand-over.
 */
import { describe, expect, it } from "vitest";
import { Mutations, commitOwned, NO_MUTATIONS } from "../../src/engine/pretrade/mutations.js";

function pushAll(m: Mutations, n: number, log: string[]): void {
  for (let i = 0; i < n; i++) {
    m.owner = `p${i}`;
    m.push(() => log.push(`c${i}`), () => log.push(`r${i}`), i % 2 === 0 ? { i } : undefined);
  }
}

describe("Mutations with a capacity", () => {
  for (const capacity of [1, 2, 5, 9]) {
    for (const pushes of [0, 1, 4, 5, 6, 12]) {
      it(`capacity ${capacity}, ${pushes} pushes`, () => {
        const log: string[] = [];
        const m = new Mutations(capacity);
        pushAll(m, pushes, log);
        expect(m.size).toBe(pushes);
        const owned = m.handOver();
        if (pushes === 0) {
          expect(owned).toBe(NO_MUTATIONS);
          return;
        }
        expect(owned.list.length).toBe(pushes);
        expect(owned.owners).toEqual(Array.from({ length: pushes }, (_, i) => `p${i}`));
        expect(owned.list.map((x) => x.record)).toEqual(Array.from({ length: pushes }, (_, i) => (i % 2 === 0 ? { i } : undefined)));
        expect(commitOwned(owned, undefined)).toBeUndefined();
        expect(log).toEqual(Array.from({ length: pushes }, (_, i) => `c${i}`));
        // Handed over: the collector starts empty again and its next lists are new ones.
        expect(m.size).toBe(0);
        pushAll(m, 2, log);
        const again = m.handOver();
        expect(again.owners).toEqual(["p0", "p1"]);
        expect(again.list).not.toBe(owned.list);
        expect(owned.list.length).toBe(pushes);
      });
    }
  }
});
