/**
 * The lease layer's edges (in-memory store and hand-driven timers, as
 * failover-coordinator.test.ts): a StepDown whose lease deletion fails, a renewal that landed
 * but whose answer was lost, and a StepDown racing a renewal in flight.
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

const SHARDS = 2;
const TTL = 2000;

interface View extends LeaseStore {
  failRelease: boolean;
  /** The next update is applied by the store but its answer never comes (a timeout). */
  loseNextUpdateAnswer: boolean;
  /** The next update is applied by the store, its answer held until `answer()`. */
  holdNextUpdate: boolean;
  answer: (() => void) | undefined;
}

function view(store: MemoryLeaseStore): View {
  const v: View = {
    failRelease: false,
    loseNextUpdateAnswer: false,
    holdNextUpdate: false,
    answer: undefined,
    create: (...a) => store.create(...a),
    read: (...a) => store.read(...a),
    update: async (...a) => {
      const rev = await store.update(...a);
      if (v.loseNextUpdateAnswer) {
        v.loseNextUpdateAnswer = false;
        throw new Error("TIMEOUT");
      }
      if (v.holdNextUpdate) {
        v.holdNextUpdate = false;
        await new Promise<void>((r) => (v.answer = r));
      }
      return rev;
    },
    release: async (...a) => {
      if (v.failRelease) throw new Error("no responders available for request");
      return store.release(...a);
    },
    watchReleases: (l) => store.watchReleases(l),
  };
  return v;
}

function setup() {
  const timers = new ManualTimers();
  const store = new MemoryLeaseStore(timers, TTL);
  const events: string[] = [];
  const instance = (id: string) => {
    const v = view(store);
    const state = buildState(parseSidecarConfig(testConfig()), new ManualClock(1000));
    const journal = new MemoryJournal();
    const source: JournalSource = {
      appliedSequence: () => journal.lastSequence,
      takeOver: async () => {
        state.attachJournal(journal);
      },
    };
    let coordinator: FailoverCoordinator | undefined;
    const leases = new ShardLeases({ store: v, timers, self: { owner: id, address: `${id}:1` }, ttlMs: TTL, onLost: (s, r) => coordinator!.leaseLost(s, r) });
    const gate = new LeaseOwnershipGate({ leases, shardCount: SHARDS, instanceId: id, severalOwners: false, perInstance: false });
    coordinator = new FailoverCoordinator({
      state,
      leases,
      gate,
      health: { setOwnedShards: () => undefined },
      source,
      timers,
      instanceId: id,
      advertisedAddress: `${id}:1`,
      shardCount: SHARDS,
      shards: [0, 1],
      onFenced: (reason) => events.push(`${id} fenced: ${reason}`),
      onTakeover: ({ epoch }) => events.push(`${id} serves at epoch ${epoch}`),
    });
    return { coordinator, leases, view: v };
  };
  return { timers, store, events, a: instance("a"), b: instance("b") };
}

describe("lease edges", () => {
  it("a StepDown whose lease deletion fails still ends fenced and told to exit; the lease lapses and the standby takes over", async () => {
    const { a, b, timers, events } = setup();
    a.coordinator.start();
    await timers.advance(0);
    b.coordinator.start();
    await timers.advance(0);
    expect(a.coordinator.roleName).toBe("active");
    a.view.failRelease = true;
    // Nothing could be released: no shard is reported as handed over.
    expect((await a.coordinator.stepDown()).shards).toEqual([]);
    expect(a.coordinator.roleName).toBe("fenced");
    expect(events.filter((e) => e.startsWith("a fenced"))).toEqual(["a fenced: stepped down"]);
    await timers.advance(3 * TTL);
    expect(b.coordinator.roleName).toBe("active");
  });

  it("a renewal that landed but whose answer was lost does not fence its holder: the next renewal takes the revision up", async () => {
    const { a, b, timers, events, store } = setup();
    a.coordinator.start();
    await timers.advance(0);
    b.coordinator.start();
    await timers.advance(0);
    a.view.loseNextUpdateAnswer = true;
    for (let i = 0; i < 8; i++) await timers.advance(TTL / 4);
    await settle();
    expect(events.filter((e) => e.startsWith("a fenced"))).toEqual([]);
    expect(a.coordinator.roleName).toBe("active");
    expect(b.coordinator.roleName).toBe("standby");
    expect((await store.read(0))?.value.owner).toBe("a");
  });

  it("a renewal refused because another instance holds the shard still fences", async () => {
    const { a, b, timers, events, store } = setup();
    a.coordinator.start();
    await timers.advance(0);
    b.coordinator.start();
    await timers.advance(0);
    // Someone else rewrote shard 0's lease (as after a lapse and a claim elsewhere).
    const current = (await store.read(0))!;
    await store.update(0, { owner: "c", address: "c:1" }, current.revision);
    await timers.advance(TTL / 4);
    await settle();
    expect(events.filter((e) => e.startsWith("a fenced"))).toEqual(["a fenced: lost the lease of shard 0: another instance holds the lease"]);
  });

  it("a StepDown racing a renewal in flight waits for it and deletes the renewed lease: the standby takes over at once", async () => {
    const { a, b, timers, store } = setup();
    a.coordinator.start();
    await timers.advance(0);
    b.coordinator.start();
    await timers.advance(0);
    a.view.holdNextUpdate = true;
    await timers.advance(TTL / 4); // the renewal of shard 0 is applied, its answer on its way
    expect(a.view.answer).toBeDefined();
    const stepped = a.coordinator.stepDown();
    await settle();
    a.view.answer!();
    expect((await stepped).shards).toEqual([0, 1]);
    await timers.advance(0);
    expect((await store.read(0))?.value.owner).toBe("b");
    expect(b.coordinator.roleName).toBe("active");
  });
});
