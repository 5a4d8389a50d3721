/**
 * The owner-following client with several owners: A owns one account's shard, B another's.
 * Following a NOT_OWNER to B must not drop the channel to A: what A answered stands (its
 * reservations stay open, to be committed there), and what is still in flight on it is answered.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AmbiguousHandleError, OwnerFollowingChannel } from "../../src/client/index.js";
import { shardOf } from "../../src/replication/shard-of.js";
import { ON_B, SHARDS, TTL, commit, reserve, stopTwoOwners, twoOwners, type OwnerNode, type TwoOwners } from "./two-owners.js";
import { ACCOUNT, holdingsOf } from "../server/harness.js";
import { as } from "../server/results.js";
import type { ManualTimers, MemoryLeaseStore } from "./lease-fakes.js";

describe("owner-following client, several owners", () => {
  let w: TwoOwners | undefined;
  let timers: ManualTimers;
  let store: MemoryLeaseStore;
  let a: OwnerNode;
  let b: OwnerNode;
  beforeEach(async () => {
    w = await twoOwners();
    ({ timers, store, a, b } = w);
  });
  afterEach(async () => {
    await stopTwoOwners(w);
  });

  it("a mixed batch: A's reservations stay open after the move to B and are committed on A; a handle open on both is refused on the client", async () => {
    const moves: string[] = [];
    const ch = new OwnerFollowingChannel(a.h.address, { onRedirect: (from, to) => moves.push(`${from} -> ${to}`) });
    try {
      const [a1, a2, b1] = await ch.send(reserve(ACCOUNT), reserve(ACCOUNT), reserve(ON_B));
      expect(moves).toEqual([`${a.h.address} -> ${b.h.address}`]);
      for (const r of [a1, a2, b1]) expect(as(r, "execute")).toMatchObject({ accepted: true, committed: false });
      const [idA1, idA2, idB1] = [a1, a2, b1].map((r) => as(r, "execute").reservationId);
      // Each sidecar numbers its channel's handles from the same start.
      expect(idB1).toBe(idA1);
      expect((await holdingsOf(a.h)).USD).toEqual({ available: "98000", held: "2000", incoming: "0" });

      // A's second reservation is open only there: its commit goes to A, though the channel now talks to B.
      const [committed] = await ch.send(commit(idA2!));
      expect(as(committed, "finalize").id).toBe(idA2);
      // The first id is open on both: nothing is sent, the gateway must pick the channel.
      await expect(ch.send(commit(idA1!))).rejects.toThrow(AmbiguousHandleError);
      await expect(ch.send(commit(idA1!))).rejects.toThrow(`handle ${idA1} is open on ${a.h.address} and ${b.h.address}`);
      const [onA] = await ch.sendAt(a.h.address, commit(idA1!));
      expect(as(onA, "finalize").id).toBe(idA1);
      const [onB] = await ch.send(commit(idB1!));
      expect(as(onB, "finalize").id).toBe(idB1);
      expect((await holdingsOf(a.h)).USD).toEqual({ available: "98000", held: "2000", incoming: "0" });
      expect((await holdingsOf(b.h, ON_B)).USD).toEqual({ available: "99000", held: "1000", incoming: "0" });
    } finally {
      await ch.close();
    }
  });

  it("a commit refused with no owner named is retried at the sidecar holding the reservation, not where the channel moved", async () => {
    const pauses: number[] = [];
    const moves: string[] = [];
    const ch = new OwnerFollowingChannel(a.h.address, {
      onRedirect: (from, to) => moves.push(`${from} -> ${to}`),
      onNoOwner: (_n, ms) => pauses.push(ms),
      // A claims its shard back during the pause: the retry must find the reservation on A.
      pause: async () => void expect(await a.leases.claim(shardOf(ACCOUNT, SHARDS))).toBeGreaterThan(0),
    });
    try {
      const [onA, onB] = await ch.send(reserve(ACCOUNT), reserve(ON_B, true));
      expect(ch.address).toBe(b.h.address);
      // Every lease lapses (the store unreachable for a TTL): nobody owns A's shard for a moment.
      store.unreachable = true;
      await timers.advance(TTL);
      store.unreachable = false;
      const id = as(onA, "execute").reservationId;
      expect(as(onB, "execute").committed).toBe(true);
      const [committed] = await ch.send(commit(id));
      expect(pauses).toEqual([50]);
      expect(as(committed, "finalize").id).toBe(id);
      // Straight back to A: not by way of B, and the channel still talks to B.
      expect(moves).toEqual([`${a.h.address} -> ${b.h.address}`]);
      expect(ch.address).toBe(b.h.address);
      expect((await holdingsOf(a.h)).USD).toEqual({ available: "99000", held: "1000", incoming: "0" });
    } finally {
      await ch.close();
    }
  });

  it("sends in flight on A when another follows to B are all answered, and ran once", async () => {
    const ch = new OwnerFollowingChannel(a.h.address);
    try {
      const sends: Promise<unknown>[] = [];
      for (let i = 0; i < 20; i++) {
        sends.push(ch.send(reserve(ACCOUNT, true)));
        if (i === 9) sends.push(ch.send(reserve(ON_B, true)));
      }
      const settled = await Promise.allSettled(sends);
      expect(settled.filter((s) => s.status === "rejected")).toEqual([]);
      expect((await holdingsOf(a.h)).USD).toEqual({ available: "80000", held: "20000", incoming: "0" });
      expect((await holdingsOf(b.h, ON_B)).USD).toEqual({ available: "99000", held: "1000", incoming: "0" });
    } finally {
      await ch.close();
    }
  });
});
