/**
 * Replicated mode with failover (the `ownership` section; docs/high-availability.md): the
 * state follows the replicated journal (newest snapshot, then the stream, applied through
 * the door's replay) while the server answers as a standby (health NOT_SERVING, commands
 * refused NOT_OWNER naming the owner); the leases, the ownership gate and the coordinator
 * take the journal over when this instance holds every lease of its ownership group (every
 * shard by default; `ownership.shards` for one of several active owners, whose journal,
 * fence and snapshot are the group's: journal-subjects.ts).
 */
import type { Clock } from "../engine/index.js";
import type { OwnershipConfig } from "../server/config/ownership-config.js";
import { severalActiveOwners } from "../server/config/ownership-config.js";
import { groupName } from "../replication/journal-subjects.js";
import type { LeaseStore } from "../replication/lease-store.js";
import type { ReplicationConfig } from "../server/config/replication-config.js";
import type { SidecarConfig } from "../server/config/sidecar-config.js";
import type { SidecarServer } from "../server/server.js";
import { FailoverCoordinator } from "../replication/failover-coordinator.js";
import { KvLeaseStore } from "../replication/kv-lease-store.js";
import { LeaseOwnershipGate } from "../replication/lease-ownership-gate.js";
import { realLeaseTimers } from "../replication/lease-timers.js";
import { ShardLeases } from "../replication/shard-leases.js";
import { wallClock } from "../state/wall-clock.js";
import { buildSidecar } from "./build-sidecar.js";
import { instanceIdOf, journalSubjectsOf, openReplica } from "./start-replicated-journal.js";

/** This instance's ownership group overlaps another instance's (the groups of a deployment must be disjoint or equal). */
export class UnsupportedTopologyError extends Error {
  override name = "UnsupportedTopologyError";
}

/** The shards of a lease's group name (undefined: the default group, every shard). */
const shardsOfGroup = (group: string | undefined, shardCount: number): number[] =>
  group === undefined ? Array.from({ length: shardCount }, (_, i) => i) : group.split("-").map(Number);

/**
 * Refuses to start next to a live instance of an overlapping group: both would write the
 * shared shards' subjects as two journals, and neither group's readers could replay them.
 * Seen only while the other holds a lease; docs/high-availability.md asks for disjoint sets.
 */
async function checkGroupsDisjoint(store: LeaseStore, shardCount: number, shards: readonly number[], group: string | undefined): Promise<void> {
  const mine = new Set(shards);
  for (let shard = 0; shard < shardCount; shard++) {
    const held = await store.read(shard);
    if (held === undefined || held.value.group === group) continue;
    const overlap = shardsOfGroup(held.value.group, shardCount).filter((s) => mine.has(s));
    if (overlap.length > 0) {
      throw new UnsupportedTopologyError(
        `instance '${held.value.owner}' holds shard ${shard} for the shard set ${held.value.group ?? '"all"'}, which shares shard(s) ${overlap.join(",")} ` +
          `with this instance's ownership.shards (${group ?? '"all"'}): the shard sets of a deployment must be equal (active and standby) or disjoint`,
      );
    }
  }
}

export interface FailoverHooks {
  /** This instance stops serving for good: the caller exits (EXIT_CODES.fenced). */
  readonly onFenced: (reason: string) => void;
  /** Following the journal stopped on a record that does not decode or replay. */
  readonly onTailError: (error: Error) => void;
  readonly log: (line: string) => void;
}

export interface StartedStandby {
  readonly server: SidecarServer;
  readonly port: number;
  readonly coordinator: FailoverCoordinator;
  readonly instanceId: string;
  /** Stops following and renewing, closes the NATS connection (after the server has shut down). */
  close(): Promise<void>;
}

export type FailoverConfig = SidecarConfig & { ownership: OwnershipConfig; replication: ReplicationConfig };

export async function startStandby(config: FailoverConfig, hooks: FailoverHooks, timeSource: Clock = wallClock()): Promise<StartedStandby> {
  const o = config.ownership;
  const r = config.replication;
  const subjects = journalSubjectsOf(config, r);
  const group = groupName(subjects);
  const shards = o.shards === "all" ? Array.from({ length: r.shardCount }, (_, i) => i) : [...o.shards].sort((a, b) => a - b);
  const instanceId = instanceIdOf(r);
  // "recovering" (a durable mode) until the gate is attached: nothing is served before.
  const server = buildSidecar(config, timeSource);
  let coordinator: FailoverCoordinator | undefined;
  const { link, replica } = await openReplica(server.state, config, {
    onJournalFailure: (e) => coordinator?.journalFailed(e),
    onTailError: hooks.onTailError,
    ownsConnection: true,
  });
  try {
    const followed = await replica.follow();
    hooks.log(
      `following stream ${r.stream} from ${followed.snapshotSequence === undefined ? "the beginning" : `the snapshot of record ${followed.snapshotSequence}`} (stream sequence ${followed.fromStreamSequence}) as a standby of shards ${group === undefined ? "all" : group}`,
    );
    const port = await server.listen(config.listen);
    const store = await KvLeaseStore.open(link.nc, { bucket: o.leaseBucket, ttlMs: o.leaseTtlMs, replicas: r.replicas });
    await checkGroupsDisjoint(store, r.shardCount, shards, group);
    const leases = new ShardLeases({
      store,
      timers: realLeaseTimers,
      self: { owner: instanceId, address: o.advertisedAddress, ...(group !== undefined ? { group } : {}) },
      ttlMs: o.leaseTtlMs,
      onLost: (shard, reason) => coordinator?.leaseLost(shard, reason),
    });
    const gate = new LeaseOwnershipGate({
      leases,
      shardCount: r.shardCount,
      instanceId,
      severalOwners: severalActiveOwners(o, r.shardCount),
      perInstance: o.crossShard === "per-instance",
    });
    const running = new FailoverCoordinator({
      state: server.state,
      leases,
      gate,
      health: server.health,
      source: {
        appliedSequence: () => replica.appliedSequence,
        takeOver: async (epoch) => {
          const t = await replica.takeOver({ epoch });
          hooks.log(`journal claimed at epoch ${t.epoch} after record ${t.appliedSequence}: ${t.replayed} records replayed, ${t.rolledBackReservations} open reservations rolled back, ${t.ms.toFixed(0)} ms`);
        },
      },
      timers: realLeaseTimers,
      instanceId,
      advertisedAddress: o.advertisedAddress,
      shardCount: r.shardCount,
      shards,
      onFenced: hooks.onFenced,
      log: hooks.log,
    });
    coordinator = running;
    server.attachReplication(gate, running);
    running.start();
    // Commands now meet the gate: NOT_OWNER until this instance takes over.
    server.startServing();
    return {
      server,
      port,
      coordinator: running,
      instanceId,
      async close() {
        running.stop();
        await replica.stop().catch(() => {});
        await link.nc.drain().catch(() => {});
      },
    };
  } catch (e) {
    await server.shutdown().catch(() => {});
    await replica.stop().catch(() => {});
    await link.nc.close().catch(() => {});
    throw e;
  }
}
