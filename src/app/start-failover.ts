/**
 * Replicated mode's roles, composed: the lease bucket, the leases, the ownership gate, the
 * coordinator, attached to a listening server whose state follows the replicated journal
 * (`source`). The instance starts as a standby and takes over when it holds every lease.
 */
import type { NatsConnection } from "@nats-io/transport-node";
import type { OwnershipConfig } from "../server/config/ownership-config.js";
import { severalActiveOwners } from "../server/config/ownership-config.js";
import type { SidecarServer } from "../server/server.js";
import { FailoverCoordinator, type JournalSource } from "../replication/failover-coordinator.js";
import { KvLeaseStore } from "../replication/kv-lease-store.js";
import { LeaseOwnershipGate } from "../replication/lease-ownership-gate.js";
import { realLeaseTimers, type LeaseTimers } from "../replication/lease-timers.js";
import { ShardLeases } from "../replication/shard-leases.js";

export interface FailoverOptions {
  readonly server: SidecarServer;
  readonly nc: NatsConnection;
  readonly config: OwnershipConfig;
  readonly source: JournalSource;
  /** This instance stops serving for good (the process exits: restarted, it is a standby again). */
  readonly onFenced: (reason: string) => void;
  readonly log: (line: string) => void;
  readonly timers?: LeaseTimers;
}

/** Several active owners need a journal claim per shard; the journal has one writer for all subjects. */
export class UnsupportedTopologyError extends Error {
  override name = "UnsupportedTopologyError";
}

export async function startFailover(o: FailoverOptions): Promise<FailoverCoordinator> {
  const c = o.config;
  if (severalActiveOwners(c)) {
    throw new UnsupportedTopologyError(
      `ownership.shards lists ${(c.shards as number[]).length} of ${c.shardCount} shards: several active owners need a journal that each owner can fence shard by shard, ` +
        `and this journal has one writer for every subject; use "all" (one active owner and standbys)`,
    );
  }
  const timers = o.timers ?? realLeaseTimers;
  const store = await KvLeaseStore.open(o.nc, { bucket: c.leaseBucket, ttlMs: c.leaseTtlMs, replicas: c.leaseReplicas });
  const shards = c.shards === "all" ? Array.from({ length: c.shardCount }, (_, i) => i) : c.shards;
  let coordinator: FailoverCoordinator | undefined;
  const leases = new ShardLeases({
    store,
    timers,
    self: { owner: c.instanceId, address: c.advertisedAddress },
    ttlMs: c.leaseTtlMs,
    onLost: (shard, reason) => coordinator?.leaseLost(shard, reason),
  });
  const gate = new LeaseOwnershipGate({
    leases,
    shardCount: c.shardCount,
    instanceId: c.instanceId,
    severalOwners: severalActiveOwners(c),
    perInstance: c.crossShard === "per-instance",
  });
  coordinator = new FailoverCoordinator({
    state: o.server.state,
    leases,
    gate,
    health: o.server.health,
    source: o.source,
    timers,
    instanceId: c.instanceId,
    advertisedAddress: c.advertisedAddress,
    shardCount: c.shardCount,
    shards,
    onFenced: o.onFenced,
    log: o.log,
  });
  o.server.attachReplication(gate, coordinator);
  coordinator.start();
  return coordinator;
}
