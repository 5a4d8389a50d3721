/**
 * Refusals name the owner the lease bucket names now (lease-owners.ts, a watch on the
 * bucket): right after this instance lost its lease or was fenced, "no owner yet" until
 * someone claims, then that owner at once, without waiting for a try or a read. A holder
 * not seen writing for a TTL counts as gone (expiries write no marker on nats-server 2.9).
 */
import { describe, expect, it } from "vitest";
import { LeaseOwners } from "../../src/replication/lease-owners.js";
import { LeaseOwnershipGate } from "../../src/replication/lease-ownership-gate.js";
import type { LeaseStore } from "../../src/replication/lease-store.js";
import { ShardLeases } from "../../src/replication/shard-leases.js";
import { shardOf } from "../../src/replication/shard-of.js";
import { ManualTimers, MemoryLeaseStore } from "./lease-fakes.js";

const SHARDS = 4;
const TTL = 2000;
const ACCOUNT = 99224416n as never;
const SHARD = shardOf(ACCOUNT, SHARDS);

function setup() {
  const timers = new ManualTimers();
  const store = new MemoryLeaseStore(timers, TTL);
  const instance = (id: string) => {
    let cut = false;
    const check = () => {
      if (cut) throw new Error("no servers available");
    };
    // This instance's view of the shared store: it can be cut off alone (frozen, partitioned).
    const own: LeaseStore = {
      create: async (...a) => (check(), store.create(...a)),
      update: async (...a) => (check(), store.update(...a)),
      read: async (...a) => (check(), store.read(...a)),
      release: async (...a) => (check(), store.release(...a)),
    };
    const lost: string[] = [];
    const leases = new ShardLeases({ store: own, timers, self: { owner: id, address: `${id}:1` }, ttlMs: TTL, onLost: (s, r) => lost.push(`${s}: ${r}`) });
    const owners = new LeaseOwners({ timers, ttlMs: TTL });
    owners.follow(store);
    const gate = new LeaseOwnershipGate({ leases, shardCount: SHARDS, instanceId: id, severalOwners: false, perInstance: false, owners });
    return { leases, owners, gate, lost, cutOff: () => (cut = true) };
  };
  return { timers, store, a: instance("a"), b: instance("b") };
}

describe("lease owners for the refusals", () => {
  it("an owner that lost its lease refuses 'no owner yet', then names the new owner the moment it claims", async () => {
    const { timers, a, b } = setup();
    for (let s = 0; s < SHARDS; s++) await a.leases.claim(s);
    expect(a.gate.refuseAccount(ACCOUNT, "f")).toBeUndefined();
    expect(b.gate.refuseAccount(ACCOUNT, "f")).toMatchObject({ code: "NOT_OWNER", ownerAddress: "a:1" });

    a.cutOff();
    await timers.advance(TTL * 0.8);
    expect(a.lost).toHaveLength(SHARDS);
    // The lease lapsed on A's clock, and the servers still hold it (until TTL): nobody serves.
    a.gate.fencedBecause = "lost the lease of shard 0";
    const lapsed = a.gate.refuseAccount(ACCOUNT, "f")!;
    expect(lapsed).toMatchObject({ code: "NOT_OWNER", ownerAddress: "" });
    expect(lapsed.message).toBe(
      `f: this instance ('a') was fenced off and serves nothing (lost the lease of shard 0); account ${ACCOUNT} is on shard ${SHARD}: no instance owns it yet (a failover is under way): retry shortly`,
    );
    expect(a.gate.refuseUnowned("")!.message).toBe("this instance ('a') was fenced off and serves nothing (lost the lease of shard 0): no instance owns a shard yet (a failover is under way): retry shortly");
    // B has seen A's last renewal within the TTL: it still names A, until a TTL without one has passed.
    expect(b.gate.refuseAccount(ACCOUNT, "f")?.ownerAddress).toBe("a:1");
    await timers.advance(TTL * 0.2);
    expect(b.gate.refuseAccount(ACCOUNT, "f")).toMatchObject({ ownerAddress: "" });
    expect(b.gate.refuseAccount(ACCOUNT, "f")!.message).toMatch(/which this instance \('b'\) does not own: no instance owns it yet \(a failover is under way\): retry shortly$/);
    expect(a.gate.allOwnedElsewhere()).toBe(false);

    // B claims: A's very next refusal names it (no try, no read on A's side).
    for (let s = 0; s < SHARDS; s++) expect(await b.leases.claim(s)).toBeGreaterThan(0);
    expect(a.gate.refuseAccount(ACCOUNT, "f")).toMatchObject({
      code: "NOT_OWNER",
      ownerAddress: "b:1",
      message: `f: this instance ('a') was fenced off and serves nothing (lost the lease of shard 0); account ${ACCOUNT} is on shard ${SHARD}: owned by instance 'b' at b:1; send it there`,
    });
    expect(a.gate.refuseUnowned("")).toMatchObject({ ownerAddress: "b:1" });
    expect(a.gate.allOwnedElsewhere()).toBe(true);
    // B's renewals keep it named for as long as B holds the leases.
    await timers.advance(5 * TTL);
    expect(a.gate.refuseAccount(ACCOUNT, "f")?.ownerAddress).toBe("b:1");
  });

  it("a release is seen at once: no owner until the next claim", async () => {
    const { a, b } = setup();
    for (let s = 0; s < SHARDS; s++) await a.leases.claim(s);
    let changes = 0;
    b.owners.onChange(() => changes++);
    await a.leases.release(SHARD);
    expect(changes).toBe(1);
    expect(b.owners.holderOf(SHARD)).toBeUndefined();
    expect(b.gate.refuseAccount(ACCOUNT, "f")).toMatchObject({ ownerAddress: "" });
    expect(b.owners.holderOf((SHARD + 1) % SHARDS)).toEqual({ owner: "a", address: "a:1" });
  });

  it("a watcher started late learns the current holders at once", async () => {
    const { timers, store, a } = setup();
    for (let s = 0; s < SHARDS; s++) await a.leases.claim(s);
    const late = new LeaseOwners({ timers, ttlMs: TTL });
    late.follow(store);
    expect([0, 1, 2, 3].map((s) => late.holderOf(s)?.owner)).toEqual(["a", "a", "a", "a"]);
  });
});
