/**
 * Found by review (session 30): a standby whose try for the leases ended without every lease
 * kept the ones it had claimed (and renewed them). A slow lease answer (a KV stream leader
 * election) made B's lease on shard 0 lapse locally while its claim of shard 1 succeeded: B
 * held {1}. When shard 0's entry expired, standby C claimed it and then met B's shard 1: C
 * held {0}. Neither gave anything back, and nobody ever served the group. Now a try without
 * every lease gives back what it claimed, so whoever claims the lowest shard first wins.
 *
 * Driven by hand-moved timers: the times below (B's tries every 500 ms, the late answer)
 * line up the race exactly (before the fix: B ends holding {1}, C {0}, nobody active).
 */
import { describe, expect, it } from "vitest";
import type { LeaseStore } from "../../src/replication/lease-store.js";
import { ManualTimers, MemoryLeaseStore } from "./lease-fakes.js";
import { standbyInstance } from "./standby-instance.js";

const TTL = 2000;

function world() {
  const timers = new ManualTimers();
  const store = new MemoryLeaseStore(timers, TTL);
  const events: string[] = [];
  const instance = (id: string) => {
    /** When set, the answer to the next create of this shard comes this many ms late (the write lands at once). */
    const slow = { shard: -1, ms: 0 };
    const view: LeaseStore = {
      create: async (shard, value) => {
        const r = await store.create(shard, value);
        if (slow.shard === shard) {
          slow.shard = -1;
          await new Promise<void>((resolve) => timers.setTimeout(resolve, slow.ms));
        }
        return r;
      },
      update: (...a) => store.update(...a),
      read: (...a) => store.read(...a),
      release: (...a) => store.release(...a),
      watchReleases: (l) => store.watchReleases(l),
    };
    const { coordinator, leases, source } = standbyInstance({ id, view, store, timers, ttlMs: TTL, shards: [0, 1], events });
    return { id, coordinator, leases, slow, source };
  };
  return { timers, store, events, instance };
}

describe("several standbys of one group", () => {
  it("two standbys never end holding one lease each, with nobody serving: a try without every lease gives back what it claimed", async () => {
    const { timers, events, instance } = world();
    const a = instance("a");
    const b = instance("b");
    const c = instance("c");
    a.coordinator.start();
    await timers.advance(0);
    expect(a.coordinator.roleName).toBe("active");
    b.coordinator.start(); // tries at 0, 500, 1000, ...
    await timers.advance(600); // a renewed at 500
    a.coordinator.stop(); // a crashes at 600: its entries (written at 500) expire at 2500
    b.slow.shard = 0;
    b.slow.ms = 1700; // b's claim of shard 0 at 2500 is answered at 4200, past its 1600 ms validity
    await timers.advance(4550 - 600);
    // b claimed shard 1 at 4200 (fresh) but its shard 0 had lapsed locally (before the fix it kept shard 1).
    expect(b.coordinator.roleName).toBe("standby");
    // c starts between shard 0's expiry (4500) and b's next try (4700).
    c.coordinator.start();
    await timers.advance(20_000);
    const roles = [b, c].map((i) => `${i.id}:${i.coordinator.roleName}:[${i.leases.heldShards().join(",")}]`);
    // 20 s (10 TTLs) after the owner (a) died, one of the standbys must serve the group.
    expect(roles.filter((r) => r.includes(":active:")), `roles after 20 s: ${roles.join(" ")}; events: ${events.join(" | ")}`).toHaveLength(1);
    // The one serving holds the group; the other holds nothing.
    expect([b, c].map((i) => i.leases.heldShards()).sort((x, y) => y.length - x.length)).toEqual([[0, 1], []]);
  });
});

