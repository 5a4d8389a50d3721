/**
 * Found by review: a claim made while a renewal round is still in flight schedules a second round that
 * overlaps the first; both renew the same shard from the same revision, and the one that loses
 * the compare-and-set makes the holder give up a lease nobody else holds (a spurious fence of
 * the active owner). Also release() stops waiting for the first round once the second starts.
 */
import { describe, expect, it } from "vitest";
import { ShardLeases } from "../../src/replication/shard-leases.js";
import type { LeaseStore } from "../../src/replication/lease-store.js";
import { ManualTimers, MemoryLeaseStore, settle } from "../replication/lease-fakes.js";

const A = { owner: "a", address: "127.0.0.1:1001" };
const TTL = 2000;

describe("review: overlapping renewal rounds", () => {
  it("a slow renewal round overlapped by the next one does not lose a lease this instance still holds", async () => {
    const timers = new ManualTimers();
    const store = new MemoryLeaseStore(timers, TTL);
    let holdNext = false;
    let release: (() => void) | undefined;
    const slow: LeaseStore = {
      create: (s, v) => store.create(s, v),
      read: (s) => store.read(s),
      release: (s, r) => store.release(s, r),
      // The held request reaches the store late (a slow server / network), then is answered.
      update: async (s, v, r) => {
        if (holdNext) {
          holdNext = false;
          await new Promise<void>((res) => (release = res));
        }
        return store.update(s, v, r);
      },
    };
    const lost: string[] = [];
    const leases = new ShardLeases({ store: slow, timers, self: A, ttlMs: TTL, onLost: (s, why) => lost.push(`${s}: ${why}`) });
    expect(await leases.claim(0)).toBeDefined();
    holdNext = true;
    await timers.advance(500); // round 1: shard 0's renewal is slow
    expect(release).toBeDefined();
    expect(await leases.claim(1)).toBeDefined(); // a standby's next try claims another shard meanwhile
    await timers.advance(500); // round 2 renews shard 0 (and 1) while round 1 is still out
    release!(); // round 1's renewal finally reaches the store: refused (revision moved, by this instance)
    await settle();
    await timers.advance(0);
    expect(lost).toEqual([]);
    expect(leases.heldShards()).toEqual([0, 1]);
    expect((await store.read(0))?.value.owner).toBe("a");
  });
});
