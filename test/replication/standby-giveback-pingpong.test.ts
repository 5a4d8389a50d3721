/**
 * Found by review of session 30's give-back: a try that ends without every lease deletes the leases it claimed. A
 * delete is what watchReleases reports (meant for a planned step-down: "try at once"), so
 * every give-back wakes every other idle standby of the group for an immediate try. With a
 * lease of the group held elsewhere (a step-down whose delete of one shard failed and which
 * lapses after its TTL; an owner fenced by losing one lease while the other stays until its
 * TTL), two standbys alternately claim and give back the free shard with no pause at all:
 * a hot loop of KV writes until the held lease lapses. Each standby should try at most once
 * per renewal period when nothing was handed over: a release wakes a standby at once only when
 * no other lease of its group is known to be held elsewhere.
 */
import { describe, expect, it } from "vitest";
import type { LeaseStore } from "../../src/replication/lease-store.js";
import { ManualTimers, MemoryLeaseStore } from "./lease-fakes.js";
import { standbyInstance } from "./standby-instance.js";

const TTL = 2000;
/** Past this many creates the store refuses every call (so a hot loop ends and the test can report it). */
const GUARD = 200;

function world() {
  const timers = new ManualTimers();
  const store = new MemoryLeaseStore(timers, TTL);
  let creates = 0;
  const instance = (id: string) => {
    const view: LeaseStore = {
      create: async (shard, value) => {
        if (++creates > GUARD) throw new Error("guard: too many creates");
        // A network round trip: the answer comes on a later turn, as from NATS.
        await new Promise<void>((r) => setImmediate(r));
        return store.create(shard, value);
      },
      update: (...a) => store.update(...a),
      read: async (...a) => {
        await new Promise<void>((r) => setImmediate(r));
        return store.read(...a);
      },
      release: async (...a) => {
        await new Promise<void>((r) => setImmediate(r));
        return store.release(...a);
      },
      watchReleases: (l) => store.watchReleases((s) => setImmediate(() => l(s))),
    };
    const { coordinator } = standbyInstance({ id, view, store, timers, ttlMs: TTL, shards: [0, 1] });
    return { coordinator };
  };
  return { timers, store, instance, creates: () => creates };
}

/** Lets real-turn promises (setImmediate) run, without moving the manual clock. */
async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise<void>((r) => setImmediate(r));
}

describe("two standbys while one lease of their group is held elsewhere", () => {
  it("do not claim and give back the free lease in a hot loop: each tries about once per renewal period", async () => {
    const { timers, store, instance, creates } = world();
    // The old owner's lease of shard 1 is still there (its delete failed at a step-down, say); shard 0 is free.
    await store.create(1, { owner: "old", address: "old:1" });
    const a = instance("a");
    const b = instance("b");
    a.coordinator.start();
    b.coordinator.start();
    // No time passes on the lease clock: only the first try of each is due.
    // A real timer of 0 ms fires on a later turn: let the turns and the 0 ms timers run in turn.
    for (let i = 0; i < 60; i++) {
      await timers.advance(0);
      await turns(20);
    }
    // One try each at time 0 (2 creates each at most: shard 0, shard 1 refused).
    expect(creates()).toBeLessThanOrEqual(4);
    a.coordinator.stop();
    b.coordinator.stop();
  });
});
