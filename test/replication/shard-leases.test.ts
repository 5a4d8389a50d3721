import { describe, expect, it } from "vitest";
import { ShardLeases } from "../../src/replication/shard-leases.js";
import { shardOf } from "../../src/replication/shard-of.js";
import { ManualTimers, MemoryLeaseStore } from "./lease-fakes.js";

const A = { owner: "a", address: "127.0.0.1:1001" };
const B = { owner: "b", address: "127.0.0.1:1002" };
const TTL = 2000;

function setup() {
  const timers = new ManualTimers();
  const store = new MemoryLeaseStore(timers, TTL);
  const lost: string[] = [];
  const leases = (self: typeof A) =>
    new ShardLeases({ store, timers, self, ttlMs: TTL, onLost: (shard, reason) => lost.push(`${self.owner}:${shard}: ${reason}`) });
  return { timers, store, lost, a: leases(A), b: leases(B) };
}

describe("shard leases", () => {
  it("claims by create: the first claimer holds the shard, the second learns its owner", async () => {
    const { a, b } = setup();
    expect(await a.claim(0)).toBe(1);
    expect(await b.claim(0)).toBeUndefined();
    expect(a.owns(0)).toBe(true);
    expect(b.owns(0)).toBe(false);
    expect(b.ownerOf(0)).toEqual(A);
    expect(a.epochOf(0)).toBe(1);
  });

  it("renews well inside the TTL: held for many TTLs while the store answers", async () => {
    const { a, b, timers, lost } = setup();
    await a.claim(3);
    for (let i = 0; i < 20; i++) await timers.advance(TTL / 2);
    expect(a.owns(3)).toBe(true);
    expect(await b.claim(3)).toBeUndefined();
    expect(lost).toEqual([]);
    // The epoch is the claim's revision, renewals do not change it.
    expect(a.epochOf(3)).toBe(1);
  });

  it("a holder that cannot renew stops owning before the store lets anyone else claim", async () => {
    const { a, b, timers, store, lost } = setup();
    await a.claim(1);
    store.unreachable = true;
    // Validity is TTL minus a 20 % guard, from the send time of the claim.
    await timers.advance(1599);
    expect(a.owns(1)).toBe(true);
    await timers.advance(1);
    expect(a.owns(1)).toBe(false);
    expect(lost).toEqual(["a:1: the lease was not renewed within 1600 ms"]);
    store.unreachable = false;
    // The store still holds it until TTL after the last write.
    expect(await b.claim(1)).toBeUndefined();
    await timers.advance(400);
    expect(await b.claim(1)).toBe(2);
    expect(b.owns(1)).toBe(true);
  });

  it("owns() reads the clock: a frozen holder refuses on waking before any timer ran", async () => {
    const { a, timers } = setup();
    await a.claim(0);
    // Time jumps (SIGSTOP/SIGCONT) without the timers having had a chance to run.
    (timers as unknown as { t: number }).t += 5000;
    expect(a.owns(0)).toBe(false);
    expect(a.heldShards()).toEqual([]);
  });

  it("a renewal that finds another holder loses the shard at once", async () => {
    const { a, b, timers, store, lost } = setup();
    await a.claim(2);
    // a is frozen past the TTL in the store's eyes; b claims.
    store.unreachable = true;
    await timers.advance(2000);
    store.unreachable = false;
    expect(await b.claim(2)).toBe(2);
    expect(lost).toEqual(["a:2: the lease was not renewed within 1600 ms"]);
    expect(b.owns(2)).toBe(true);
    await timers.advance(500);
    expect(b.owns(2)).toBe(true);
  });

  it("renewal conflict (lease moved) loses the shard without waiting for the deadline", async () => {
    const { a, timers, store, lost } = setup();
    await a.claim(4);
    // Someone rewrote the key (an operator, or a claim after a store-side expiry).
    await store.release(4, 1);
    await store.create(4, B);
    await timers.advance(500);
    expect(a.owns(4)).toBe(false);
    expect(lost).toEqual(["a:4: another instance holds the lease"]);
  });

  it("with a validity beyond the safe window (fence tests) a conflicting renewal is ignored: only the clock or the log's fence stops it", async () => {
    const { timers, store } = setup();
    const lost: string[] = [];
    const a = new ShardLeases({ store, timers, self: A, ttlMs: TTL, validForMs: 60_000, onLost: (s, r) => lost.push(`${s}: ${r}`) });
    await a.claim(4);
    await store.release(4, 1);
    await store.create(4, B);
    await timers.advance(500);
    expect(a.owns(4)).toBe(true);
    expect(lost).toEqual([]);
    await timers.advance(60_000);
    expect(a.owns(4)).toBe(false);
    expect(lost).toEqual(["4: the lease was not renewed within 60000 ms"]);
  });

  it("release (planned step-down) frees the shard at once for the standby", async () => {
    const { a, b, lost } = setup();
    await a.claim(0);
    await a.release(0);
    expect(a.owns(0)).toBe(false);
    expect(await b.claim(0)).toBe(2);
    expect(lost).toEqual([]);
  });

  it("refuses a renewal period that is not well inside the TTL", () => {
    const { store, timers } = setup();
    expect(() => new ShardLeases({ store, timers, self: A, ttlMs: 1000, renewEveryMs: 800, onLost: () => {} })).toThrow(
      "lease renewal every 800 ms is not well inside the TTL of 1000 ms",
    );
  });
});

describe("shardOf", () => {
  it("is a stable function of the account id and the shard count", () => {
    // Pinned: every instance and the journal must map an account to the same shard, release after release.
    expect([1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n, 2n ** 64n - 1n].map((id) => shardOf(id, 4))).toEqual([0, 3, 2, 1, 0, 3, 2, 1, 1]);
    expect(shardOf(123456789n, 16)).toBe(9);
    expect(shardOf(42n, 1)).toBe(0);
    const counts = [0, 0, 0, 0];
    for (let id = 1n; id <= 1000n; id++) counts[shardOf(id, 4)]!++;
    for (const c of counts) expect(c).toBeGreaterThan(150);
  });
});

describe("the gate's cross-shard rule for admin changes", async () => {
  const { LeaseOwnershipGate } = await import("../../src/replication/lease-ownership-gate.js");
  it("several owners: a broker-wide change is refused unless declared per instance; a per-account one follows its shard", async () => {
    const { a } = setup();
    await a.claim(0);
    const gate = (perInstance: boolean) => new LeaseOwnershipGate({ leases: a, shardCount: 4, instanceId: "a", severalOwners: true, perInstance });
    expect(gate(false).refuseAdmin({ kind: "blockGroup", group: 3 as never, reason: "x" })?.message).toBe(
      'blockGroup changes state shared by accounts on every shard, and several instances own shards: it cannot be applied exactly here (declare ownership.crossShard = "per-instance" to apply such changes instance by instance)',
    );
    expect(gate(true).refuseAdmin({ kind: "blockGroup", group: 3 as never, reason: "x" })).toBeUndefined();
    // Account 1 is on shard 0 (held), account 2 on shard 3 (not).
    expect(gate(false).refuseAdmin({ kind: "blockAccount", accountId: 1n as never, reason: "x" })).toBeUndefined();
    expect(gate(false).refuseAdmin({ kind: "blockAccount", accountId: 2n as never, reason: "x" })?.code).toBe("NOT_OWNER");
  });

  it("every change that names accounts follows their shards: retirement, group membership, an account's trading state", async () => {
    const { a, b } = setup();
    await a.claim(0);
    // Account 2's shard is b's (a learns it); account 3's has no holder yet.
    expect(shardOf(2n, 4)).not.toBe(shardOf(3n, 4));
    await b.claim(shardOf(2n, 4));
    await a.observe(shardOf(2n, 4));
    for (const perInstance of [false, true]) {
      const gate = new LeaseOwnershipGate({ leases: a, shardCount: 4, instanceId: "a", severalOwners: true, perInstance });
      const halt = (accountId: bigint) => ({ kind: "setTradingState", scope: { kind: "account", accountId }, state: "HALTED", reason: "halt", cancelWorkingOrders: false }) as never;
      // Owned (shard 0): applied here, never refused as a cross-shard change.
      expect(gate.refuseAdmin({ kind: "retireAccount", accountId: 1n as never })).toBeUndefined();
      expect(gate.refuseAdmin(halt(1n))).toBeUndefined();
      expect(gate.refuseAdmin({ kind: "registerGroup", accountIds: [1n, 5n] as never, group: 3 as never })).toBeUndefined();
      // Another instance's shard: NOT_OWNER, naming the field, even with per-instance broker-wide changes.
      expect(gate.refuseAdmin({ kind: "retireAccount", accountId: 2n as never })).toMatchObject({ code: "NOT_OWNER", field: "account_id" });
      expect(gate.refuseAdmin(halt(2n))).toMatchObject({ code: "NOT_OWNER", field: "scope.account_id" });
      expect(gate.refuseAdmin({ kind: "unregisterGroup", accountIds: [2n] as never, group: 3 as never })).toMatchObject({ code: "NOT_OWNER", field: "account_ids", ownerAddress: B.address });
      // Accounts of this instance's and another's: no single owner can run it (session 43).
      expect(gate.refuseAdmin({ kind: "unregisterGroup", accountIds: [1n, 2n] as never, group: 3 as never })).toMatchObject({ code: "FAILED_PRECONDITION", field: "account_ids" });
      // One with no holder yet (a takeover under way): NOT_OWNER with no address, "retry shortly", whatever else it names.
      expect(gate.refuseAdmin({ kind: "unregisterGroup", accountIds: [1n, 2n, 3n] as never, group: 3 as never })).toMatchObject({ code: "NOT_OWNER", ownerAddress: "" });
    }
  });
});
