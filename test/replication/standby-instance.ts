/**
 * One instance of a failover group for the coordinator tests: a sidecar state, its lease
 * view (`view`, over the shared `store`), the bucket watch, the gate and the coordinator, on
 * hand-moved timers. `events` (when given) hears its claims, fencing and takeovers.
 */
import { buildState } from "../../src/app/build-sidecar.js";
import { ManualClock } from "../../src/engine/index.js";
import { FailoverCoordinator, type JournalSource } from "../../src/replication/failover-coordinator.js";
import { LeaseOwnershipGate } from "../../src/replication/lease-ownership-gate.js";
import { LeaseOwners } from "../../src/replication/lease-owners.js";
import type { LeaseStore } from "../../src/replication/lease-store.js";
import { ShardLeases } from "../../src/replication/shard-leases.js";
import { parseSidecarConfig } from "../../src/server/config/sidecar-config.js";
import { MemoryJournal } from "../../src/state/journal/memory-journal.js";
import { testConfig } from "../server/harness.js";
import type { ManualTimers, MemoryLeaseStore } from "./lease-fakes.js";

export interface StandbyOptions {
  readonly id: string;
  readonly view: LeaseStore;
  readonly store: MemoryLeaseStore;
  readonly timers: ManualTimers;
  readonly ttlMs: number;
  readonly shards: readonly number[];
  readonly events?: string[];
}

export function standbyInstance(o: StandbyOptions): { coordinator: FailoverCoordinator; leases: ShardLeases; source: JournalSource } {
  const { id, timers, events } = o;
  const state = buildState(parseSidecarConfig(testConfig()), new ManualClock(1000));
  const journal = new MemoryJournal();
  const source: JournalSource = {
    appliedSequence: () => journal.lastSequence,
    takeOver: async (epoch) => {
      events?.push(`${id} claims at ${epoch}`);
      state.attachJournal(journal);
      state.closeRecoveredChannels();
    },
  };
  const self = { owner: id, address: `${id}:1` };
  let coordinator: FailoverCoordinator | undefined;
  const leases = new ShardLeases({ store: o.view, timers, self, ttlMs: o.ttlMs, onLost: (s, r) => coordinator!.leaseLost(s, r) });
  const owners = new LeaseOwners({ timers, ttlMs: o.ttlMs });
  owners.follow(o.store);
  const gate = new LeaseOwnershipGate({ leases, shardCount: o.shards.length, instanceId: id, severalOwners: false, perInstance: false, owners });
  coordinator = new FailoverCoordinator({
    state,
    leases,
    gate,
    health: { setOwnedShards: () => undefined },
    source,
    timers,
    instanceId: id,
    advertisedAddress: self.address,
    shardCount: o.shards.length,
    shards: [...o.shards],
    owners,
    onFenced: (reason) => events?.push(`${id} fenced: ${reason}`),
    onTakeover: ({ epoch }) => events?.push(`${id} serves at ${epoch}`),
  });
  return { coordinator, leases, source };
}
