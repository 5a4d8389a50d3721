/**
 * The standby/active roles on injected timers and an in-memory lease store and journal:
 * who takes over when, what the gate and health say in each role, and fencing.
 */
import { describe, expect, it } from "vitest";
import { buildState } from "../../src/app/build-sidecar.js";
import { ManualClock } from "../../src/engine/index.js";
import { FailoverCoordinator, type JournalSource } from "../../src/replication/failover-coordinator.js";
import { LeaseOwnershipGate } from "../../src/replication/lease-ownership-gate.js";
import type { LeaseStore } from "../../src/replication/lease-store.js";
import { ShardLeases } from "../../src/replication/shard-leases.js";
import { parseSidecarConfig } from "../../src/server/config/sidecar-config.js";
import { MemoryJournal } from "../../src/state/journal/memory-journal.js";
import { testConfig } from "../server/harness.js";
import { ManualTimers, MemoryLeaseStore, settle } from "./lease-fakes.js";

const SHARDS = 4;
const TTL = 2000;
const ACCOUNT = 99224416n as never;

/** One instance's view of the shared store: it can be cut off alone (frozen, partitioned). */
function view(store: MemoryLeaseStore): LeaseStore & { cut: boolean } {
  const v = {
    cut: false,
    check() {
      if (v.cut) throw new Error("no servers available");
    },
    create: async (...a: Parameters<LeaseStore["create"]>) => (v.check(), store.create(...a)),
    update: async (...a: Parameters<LeaseStore["update"]>) => (v.check(), store.update(...a)),
    read: async (...a: Parameters<LeaseStore["read"]>) => (v.check(), store.read(...a)),
    release: async (...a: Parameters<LeaseStore["release"]>) => (v.check(), store.release(...a)),
    watchReleases: (l: (shard: number) => void) => store.watchReleases(l),
  };
  return v;
}

function setup() {
  const timers = new ManualTimers();
  const store = new MemoryLeaseStore(timers, TTL);
  const events: string[] = [];
  const instance = (id: string) => {
    const leaseView = view(store);
    const state = buildState(parseSidecarConfig(testConfig()), new ManualClock(1000));
    const owned: number[][] = [];
    const journal = new MemoryJournal();
    const source: JournalSource & { refuse?: string } = {
      appliedSequence: () => journal.lastSequence,
      takeOver: async (epoch) => {
        if (source.refuse) throw new Error(source.refuse);
        events.push(`${id} claims the journal at epoch ${epoch}`);
        state.attachJournal(journal);
        state.closeRecoveredChannels();
      },
    };
    const self = { owner: id, address: `${id}:1` };
    let coordinator: FailoverCoordinator | undefined;
    const leases = new ShardLeases({ store: leaseView, timers, self, ttlMs: TTL, onLost: (s, r) => coordinator!.leaseLost(s, r) });
    const gate = new LeaseOwnershipGate({ leases, shardCount: SHARDS, instanceId: id, severalOwners: false, perInstance: false });
    coordinator = new FailoverCoordinator({
      state,
      leases,
      gate,
      health: { setOwnedShards: (_n, set) => owned.push([...set]) },
      source,
      timers,
      instanceId: id,
      advertisedAddress: self.address,
      shardCount: SHARDS,
      shards: [0, 1, 2, 3],
      onFenced: (reason) => events.push(`${id} fenced: ${reason}`),
      onTakeover: ({ epoch }) => events.push(`${id} serves at epoch ${epoch}`),
    });
    return { id, coordinator, gate, leases, leaseView, owned, state, source, fail: (e: Error) => coordinator!.journalFailed(e) };
  };
  return { timers, store, events, a: instance("a"), b: instance("b") };
}

describe("failover coordinator", () => {
  it("the first to start takes over; the other stays a standby that names it", async () => {
    const { a, b, timers, events } = setup();
    a.coordinator.start();
    await timers.advance(0);
    b.coordinator.start();
    await timers.advance(0);
    expect(events).toEqual(["a claims the journal at epoch 4", "a serves at epoch 4"]);
    expect(a.coordinator.roleName).toBe("active");
    expect(b.coordinator.roleName).toBe("standby");
    expect(a.owned.at(-1)).toEqual([0, 1, 2, 3]);
    expect(b.owned.at(-1)).toEqual([]);
    expect(a.gate.refuseAccount(ACCOUNT, "f")).toBeUndefined();
    expect(b.gate.refuseAccount(ACCOUNT, "f")).toMatchObject({ code: "NOT_OWNER", ownerAddress: "a:1" });
    // Renewals keep A active and B waiting, for as long as A answers.
    await timers.advance(10 * TTL);
    expect(b.coordinator.roleName).toBe("standby");
    expect(b.coordinator.status().shards.map((s) => s.ownerId)).toEqual(["a", "a", "a", "a"]);
  });

  it("an owner cut off stops serving inside the TTL, and the standby serves within TTL + one period", async () => {
    const { a, b, timers, events } = setup();
    a.coordinator.start();
    await timers.advance(0);
    b.coordinator.start();
    await timers.advance(0);
    a.leaseView.cut = true;
    const cutAt = timers.now();
    // A refuses from 80 % of the TTL on (its own clock), before any other instance can claim.
    await timers.advance(1600);
    expect(a.gate.refuseAccount(ACCOUNT, "f")?.code).toBe("NOT_OWNER");
    expect(events.at(-1)).toBe("a fenced: lost the lease of shard 0: the lease was not renewed within 1600 ms");
    expect(b.coordinator.roleName).toBe("standby");
    while (b.coordinator.roleName !== "active") await timers.advance(50);
    const failoverMs = timers.now() - cutAt;
    expect(failoverMs).toBeGreaterThanOrEqual(TTL);
    expect(failoverMs).toBeLessThanOrEqual(TTL + 500);
    // The epoch is B's highest claiming revision: above every revision A ever wrote.
    const epoch = b.coordinator.status().shards[0]!.epoch;
    expect(epoch).toBeGreaterThan(4n);
    expect(events.slice(-2)).toEqual([`b claims the journal at epoch ${epoch}`, `b serves at epoch ${epoch}`]);
    expect(b.gate.refuseAccount(ACCOUNT, "f")).toBeUndefined();
    // A stays fenced even when the servers answer again: it never serves again.
    a.leaseView.cut = false;
    await timers.advance(TTL);
    expect(a.coordinator.roleName).toBe("fenced");
    expect(a.gate.refuseAccount(ACCOUNT, "f")?.message).toMatch(/was fenced off and serves nothing \(lost the lease of shard 0: /);
  });

  it("StepDown hands over at once: the standby hears the leases deleted and claims them without waiting", async () => {
    const { a, b, timers, events } = setup();
    a.coordinator.start();
    await timers.advance(0);
    b.coordinator.start();
    await timers.advance(0);
    const answer = await a.coordinator.stepDown();
    expect(answer.shards).toEqual([0, 1, 2, 3]);
    expect(a.gate.refuseAccount(ACCOUNT, "f")?.message).toMatch(/it stepped down \(a planned hand-over\)/);
    // No time passes: the deletions themselves trigger the standby's claim.
    await timers.advance(0);
    expect(b.coordinator.roleName).toBe("active");
    expect(events).toContain("a fenced: stepped down");
    expect(events.at(-1)).toMatch(/^b serves at epoch \d+$/);
    await expect(a.coordinator.stepDown()).rejects.toThrow("this instance ('a') is fenced, not active: nothing to hand over");
  });

  it("a refused append fences the active at once", async () => {
    const { a, timers, events } = setup();
    a.coordinator.start();
    await timers.advance(0);
    a.fail(new Error("wrong last sequence: 41"));
    await settle();
    expect(a.coordinator.roleName).toBe("fenced");
    expect(events.at(-1)).toBe("a fenced: the journal refused an append: wrong last sequence: 41");
    expect(a.owned.at(-1)).toEqual([]);
    expect(a.gate.refuseUnowned("")?.code).toBe("NOT_OWNER");
  });

  it("a takeover the journal refuses gives the leases back and stops: the next instance may try", async () => {
    const { a, b, timers, events } = setup();
    a.source.refuse = "could not claim the journal in 5 attempts: another writer appended to oms.3 during the claim";
    a.coordinator.start();
    await timers.advance(0);
    expect(a.coordinator.roleName).toBe("fenced");
    expect(events).toEqual([
      "a fenced: the journal could not be taken over: could not claim the journal in 5 attempts: another writer appended to oms.3 during the claim",
    ]);
    b.coordinator.start();
    await timers.advance(0);
    expect(b.coordinator.roleName).toBe("active");
  });
});
