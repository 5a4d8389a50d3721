/**
 * Replicated mode with failover (the `ownership` section; docs/high-availability.md): the
 * state follows the replicated journal (newest snapshot, then the stream, applied through
 * the door's replay) while the server answers as a standby (health NOT_SERVING, commands
 * refused NOT_OWNER naming the owner); the leases, the ownership gate and the coordinator
 * take the journal over when this instance holds every lease of its ownership group (every
 * shard by default; `ownership.shards` for one of several active owners, whose journal,
 * fence and snapshot are the group's: journal-subjects.ts).
 *
 * This is one branch of `startSidecar` (start-sidecar.ts), after the server is built and its
 * gRPC and HTTP listeners are bound: a standby and an active owner have the same listeners,
 * metrics, console and structured log as any sidecar, plus the replication ones here.
 */
import type { OwnershipConfig } from "../server/config/ownership-config.js";
import { severalActiveOwners } from "../server/config/ownership-config.js";
import { groupName } from "../replication/journal-subjects.js";
import { ALL_SHARDS_GROUP } from "../server/services/events-service.js";
import type { LeaseStore } from "../replication/lease-store.js";
import type { ReplicationConfig } from "../server/config/replication-config.js";
import type { SidecarConfig } from "../server/config/sidecar-config.js";
import type { SidecarServer } from "../server/server.js";
import { errorFields } from "../server/log/sidecar-log.js";
import { logRestoredAgainstFile } from "./restored-state-log.js";
import { registerReplicationMetrics } from "../server/metrics/replication-metrics.js";
import { FailoverCoordinator } from "../replication/failover-coordinator.js";
import { KvLeaseStore } from "../replication/kv-lease-store.js";
import { highestJournalEpoch } from "../replication/journal-stream.js";
import { LeaseOwnershipGate } from "../replication/lease-ownership-gate.js";
import { LeaseOwners } from "../replication/lease-owners.js";
import { realLeaseTimers } from "../replication/lease-timers.js";
import { retryTransient } from "../replication/transient-retry.js";
import { ShardLeases } from "../replication/shard-leases.js";
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
 * Each read waits up to `leaderWaitMs` for the bucket's stream to have a leader (a bucket
 * another instance has just created, or an election): a start's request, as every other.
 */
export async function checkGroupsDisjoint(
  store: LeaseStore,
  shardCount: number,
  shards: readonly number[],
  group: string | undefined,
  retry: { readonly leaderWaitMs?: number } = {},
): Promise<void> {
  const mine = new Set(shards);
  for (let shard = 0; shard < shardCount; shard++) {
    const held = await retryTransient(`reading the lease of shard ${shard}`, () => store.read(shard), retry);
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
}

export interface StartedFailover {
  readonly coordinator: FailoverCoordinator;
  readonly instanceId: string;
  /** A shutdown starts: a standby tries for the leases no more (FailoverCoordinator.leave). */
  leave(): void;
  /** Stops following and renewing, closes the NATS connection (after the server has shut down). */
  close(): Promise<void>;
}

/** How long a fenced instance keeps refusing with the new owner's address once it knows it. */
const NAMED_OWNER_GRACE_MS = 500;

export type FailoverConfig = SidecarConfig & { ownership: OwnershipConfig; replication: ReplicationConfig };

/** The configuration with failover, or undefined when it has none (no `ownership` section). */
export function failoverConfigOf(config: SidecarConfig): FailoverConfig | undefined {
  const { ownership, replication } = config;
  if (config.durability.mode !== "replicated" || !ownership || !replication) return undefined;
  return { ...config, ownership, replication };
}


/**
 * Follows the journal into `server`'s state as a standby and starts trying for the leases.
 * `server` is built and listening, still "recovering" (nothing is served before the gate
 * is attached); it serves (behind the gate) once this resolves.
 */
export async function startFailover(server: SidecarServer, config: FailoverConfig, hooks: FailoverHooks): Promise<StartedFailover> {
  const o = config.ownership;
  const r = config.replication;
  const log = server.log;
  // The ownership group: every shard, or the configured set (one of several active owners).
  const subjects = journalSubjectsOf(config, r);
  const group = groupName(subjects);
  const shards = o.shards === "all" ? Array.from({ length: r.shardCount }, (_, i) => i) : [...o.shards].sort((a, b) => a - b);
  const instanceId = instanceIdOf(r);
  if (o.unsafeLeaseValidityMs !== undefined) {
    log.warn(
      { event: "unsafe_lease_validity", validityMs: o.unsafeLeaseValidityMs, leaseTtlMs: o.leaseTtlMs },
      `ownership.unsafeLeaseValidityMs = ${o.unsafeLeaseValidityMs} ms: this instance may serve after another one claimed its shards; only the journal's fence stops it (for testing the fence, never in production)`,
    );
  }
  let coordinator: FailoverCoordinator | undefined;
  // The epoch this instance took over with (for the log lines about losing it).
  let epoch: bigint | undefined;
  const { link, replica, signer } = await openReplica(server.state, config, {
    onJournalFailure: (e) => {
      log.error({ event: "journal_refused", epoch: epoch === undefined ? null : String(epoch), ...errorFields(e) }, e.message);
      coordinator?.journalFailed(e);
    },
    onTailError: (e) => {
      log.fatal({ event: "tail_failed", ...errorFields(e) }, `following the journal failed: ${e.message}`);
      hooks.onTailError(e);
    },
    ownsConnection: true,
    // No snapshot yet (a new deployment): the journal's records ran on its first writer's
    // state, its snapshot 0, not on this instance's file. Read it again every renewal period.
    firstSnapshotPollMs: Math.max(1, Math.floor(o.leaseTtlMs / 4)),
    onFollowing: (f) => {
      log.info(
        {
          event: "standby_following",
          snapshotSequence: f.snapshotSequence === undefined ? null : String(f.snapshotSequence),
          fromStreamSequence: f.fromStreamSequence ?? null,
          waitedMs: Math.round(f.waitedMs),
        },
        `the first snapshot is stored (record ${f.snapshotSequence}): restored, following stream ${r.stream} after it as a standby`,
      );
    },
    onTailRestarted: (from, end) => {
      log.warn(
        { event: "tail_restarted", fromStreamSequence: from, streamEnd: end },
        `the journal's reader had stopped at stream sequence ${from - 1} with the stream at ${end}: reading again from ${from}`,
      );
    },
    onSnapshotWaitError: (e) => {
      log.warn({ event: "snapshot_wait_failed", ...errorFields(e) }, `reading the snapshot object while waiting for the first snapshot failed (read again in ${Math.floor(o.leaseTtlMs / 4)} ms): ${e.message}`);
    },
  });
  try {
    const store = await KvLeaseStore.open(link.nc, {
      bucket: o.leaseBucket,
      ttlMs: o.leaseTtlMs,
      replicas: r.replicas,
      leaderWaitMs: r.leaderWaitMs,
      ...(signer !== undefined ? { signer } : {}),
      // A bucket created now (first start, or deleted to change it) takes its epoch base above every epoch in the journal.
      epochFloor: () => highestJournalEpoch(link.jsm, r.stream, subjects.prefix, { leaderWaitMs: r.leaderWaitMs }, signer),
    });
    // Before following: a reader of an overlapping group would otherwise stop on the other group's markers first, less clearly.
    await checkGroupsDisjoint(store, r.shardCount, shards, group, { leaderWaitMs: r.leaderWaitMs });
    const followed = await replica.follow();
    log.info(
      {
        event: "standby",
        instanceId,
        advertisedAddress: o.advertisedAddress,
        shardCount: r.shardCount,
        shards: group ?? "all",
        leaseTtlMs: o.leaseTtlMs,
        stream: r.stream,
        snapshotSequence: followed.snapshotSequence === undefined ? null : String(followed.snapshotSequence),
        fromStreamSequence: followed.fromStreamSequence ?? null,
        waitingForSnapshot: followed.waitingForSnapshot,
        // The keys' ids only (8 hex digits of their SHA-256): which keys, never a key.
        signing: signer?.toJSON() ?? null,
      },
      followed.waitingForSnapshot
        ? `a standby of shards ${group ?? "all"} on stream ${r.stream}, which has no snapshot yet: waiting for the first writer's (its snapshot 0) before following the journal; trying for the leases`
        : `following stream ${r.stream} from the snapshot of record ${followed.snapshotSequence} as a standby of shards ${group ?? "all"}; trying for the leases`,
    );
    // Who holds each lease now, for the refusals (also once this instance is fenced).
    const owners = new LeaseOwners({ timers: realLeaseTimers, ttlMs: o.leaseTtlMs });
    const unfollow = owners.follow(store);
    const leases = new ShardLeases({
      store,
      timers: realLeaseTimers,
      self: { owner: instanceId, address: o.advertisedAddress, ...(group !== undefined ? { group } : {}) },
      ttlMs: o.leaseTtlMs,
      ...(o.unsafeLeaseValidityMs === undefined ? {} : { validForMs: o.unsafeLeaseValidityMs }),
      onLost: (shard, reason) => {
        log.warn({ event: "lease_lost", shard, epoch: epoch === undefined ? null : String(epoch), reason }, `lost the lease of shard ${shard}: ${reason}`);
        coordinator?.leaseLost(shard, reason);
      },
    });
    const gate = new LeaseOwnershipGate({
      leases,
      shardCount: r.shardCount,
      shards,
      instanceId,
      severalOwners: severalActiveOwners(o, r.shardCount),
      perInstance: o.crossShard === "per-instance",
      owners,
    });
    const running = new FailoverCoordinator({
      state: server.state,
      leases,
      gate,
      health: server.health,
      source: {
        appliedSequence: () => replica.appliedSequence,
        takeOver: async (claimed) => {
          const t = await replica.takeOver({ epoch: claimed });
          // The takeover is this instance's recovery: the same gauges as a file journal's start.
          server.metrics.recovered(t);
          log.info(
            { event: "journal_claimed", epoch: String(t.epoch), appliedSequence: String(t.appliedSequence), replayed: t.replayed, rolledBackReservations: t.rolledBackReservations, ms: Math.round(t.ms) },
            `journal claimed at epoch ${t.epoch} after record ${t.appliedSequence}: ${t.replayed} records replayed, ${t.rolledBackReservations} open reservations rolled back`,
          );
          logRestoredAgainstFile(log, config, server.state, t);
        },
      },
      timers: realLeaseTimers,
      instanceId,
      advertisedAddress: o.advertisedAddress,
      shardCount: r.shardCount,
      shards,
      owners,
      onTakeover: (t) => {
        epoch = t.epoch;
        log.info(
          { event: "takeover", epoch: String(t.epoch), shards: leases.heldShards(), claimMs: Math.round(t.claimMs), totalMs: Math.round(t.totalMs) },
          `took over: serving shards ${leases.heldShards().join(",")} as epoch ${t.epoch}`,
        );
      },
      onFenced: (reason) => {
        const fields = { epoch: epoch === undefined ? null : String(epoch), reason };
        // Also a standby told to shut down while taking over (it never served: no epoch of its own yet).
        if (reason === "stepped down") log.info({ event: "stepped_down", ...fields }, `stepped down${epoch === undefined ? " before serving" : ` (epoch ${epoch})`}: the standby takes over`);
        else log.warn({ event: "fenced", ...fields }, `NOT_SERVING for good: ${reason}`);
        // The gate already refuses everything (NOT_OWNER) and health says NOT_SERVING; no
        // snapshot of this state may reach the object store now that another instance writes.
        server.state.snapshots?.fence();
        // Stay up, refusing, until the refusals can name the new owner (a gateway still
        // talking to this instance learns where to go), but no longer than a lease TTL.
        const from = realLeaseTimers.now();
        void untilOwnedElsewhere(gate, owners, o.leaseTtlMs).then(async (known) => {
          // A gateway told "no owner yet" retries within half a second (OwnerFollowingChannel): its retry finds the owner named.
          if (known) await new Promise((resolve) => setTimeout(resolve, NAMED_OWNER_GRACE_MS));
          log.info({ event: "fenced_exit", newOwnerKnown: known, waitedMs: Math.round(realLeaseTimers.now() - from) }, known ? "every shard of the group has a new owner; stopping" : `no new owner within ${o.leaseTtlMs} ms; stopping`);
          hooks.onFenced(reason);
        });
      },
      log: (line) => log.info({ event: "replication" }, line),
    });
    coordinator = running;
    // Event monitors are told which group's journal numbers the events (Subscribe's headers).
    server.attachReplication(gate, running, group ?? ALL_SHARDS_GROUP);
    registerReplicationMetrics(server.metrics.registry, running, () => replica.waitingForSnapshot);
    running.start();
    // Commands now meet the gate: NOT_OWNER until this instance takes over.
    server.startServing();
    return {
      coordinator: running,
      instanceId,
      leave: () => running.leave(),
      async close() {
        running.stop();
        unfollow();
        await replica.stop().catch(() => {});
        await link.nc.drain().catch(() => {});
      },
    };
  } catch (e) {
    await replica.stop().catch(() => {});
    await link.nc.close().catch(() => {});
    throw e;
  }
}

/** Resolves true once every shard of the gate's ownership group has another instance as its holder, or false after `ms`. */
function untilOwnedElsewhere(gate: LeaseOwnershipGate, owners: LeaseOwners, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    if (gate.allOwnedElsewhere()) return resolve(true);
    const done = (known: boolean) => {
      realLeaseTimers.clearTimeout(timer);
      unsubscribe();
      resolve(known);
    };
    const timer = realLeaseTimers.setTimeout(() => done(false), ms);
    const unsubscribe = owners.onChange(() => {
      if (gate.allOwnedElsewhere()) done(true);
    });
  });
}
