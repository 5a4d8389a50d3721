/**
 * The owner-following client with several owners: A owns one account's shard, B another's.
 * Following a NOT_OWNER to B must not drop the channel to A: what A answered stands (its
 * reservations stay open, to be committed there), and what is still in flight on it is answered.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AmbiguousHandleError, OwnerFollowingChannel } from "../../src/client/index.js";
import { LeaseOwnershipGate } from "../../src/replication/lease-ownership-gate.js";
import { LeaseOwners } from "../../src/replication/lease-owners.js";
import { ShardLeases } from "../../src/replication/shard-leases.js";
import { shardOf } from "../../src/replication/shard-of.js";
import type { ReplicationControl } from "../../src/server/services/replication-admin.js";
import { ACCOUNT, holdingsOf, order, seed, startHarness, testConfig, type Harness } from "../server/harness.js";
import { as } from "../server/results.js";
import { ManualTimers, MemoryLeaseStore } from "./lease-fakes.js";

const SHARDS = 4;
const TTL = 2000;
/** An account on another shard than ACCOUNT's. */
const ON_B = (() => {
  for (let id = 1n; ; id++) if (shardOf(id, SHARDS) !== shardOf(ACCOUNT, SHARDS)) return id;
})();
const reserve = (accountId: bigint, commitOnAccept = false) => ({ case: "executePreTrade", value: { order: order({ accountId }), commitOnAccept } }) as const;
const commit = (reservationId: bigint) => ({ case: "commitReservation", value: { reservationId } }) as const;

describe("owner-following client, several owners", () => {
  let timers: ManualTimers;
  let store: MemoryLeaseStore;
  let a: { h: Harness; leases: ShardLeases };
  let b: { h: Harness; leases: ShardLeases };

  async function node(id: string) {
    const h = await startHarness(testConfig());
    const leases = new ShardLeases({ store, timers, self: { owner: id, address: h.address }, ttlMs: TTL, onLost: () => {} });
    const owners = new LeaseOwners({ timers, ttlMs: TTL });
    owners.follow(store);
    const gate = new LeaseOwnershipGate({ leases, shardCount: SHARDS, instanceId: id, severalOwners: true, perInstance: true, owners });
    const control: ReplicationControl = {
      status: () => ({ role: "active", instanceId: id, advertisedAddress: h.address, shardCount: SHARDS, shards: [], appliedSequence: 0n }),
      stepDown: () => Promise.reject(new Error("not in this test")),
    };
    h.server.attachReplication(gate, control);
    return { h, leases };
  }

  beforeEach(async () => {
    timers = new ManualTimers();
    store = new MemoryLeaseStore(timers, TTL);
    a = await node("a");
    b = await node("b");
    expect(await a.leases.claim(shardOf(ACCOUNT, SHARDS))).toBeGreaterThan(0);
    expect(await b.leases.claim(shardOf(ON_B, SHARDS))).toBeGreaterThan(0);
    // Both accounts funded where they live, on channels that then close (and unpin them).
    for (const [h, account] of [[a.h, ACCOUNT], [b.h, ON_B]] as const) {
      const funding = h.channel();
      expect(as((await funding.send(seed("USD", "100000", account)))[0], "adjustment").accepted).toBe(true);
      await funding.end();
    }
  });
  afterEach(async () => {
    a.leases.stop();
    b.leases.stop();
    await a.h.close();
    await b.h.close();
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
