/**
 * Two in-process sidecars that each own some shards (several active owners, per-instance
 * cross-shard changes), on one in-memory lease store with manual timers: the world the
 * owner-following client's tests run in.
 */
import { LeaseOwnershipGate } from "../../src/replication/lease-ownership-gate.js";
import { LeaseOwners } from "../../src/replication/lease-owners.js";
import { ShardLeases } from "../../src/replication/shard-leases.js";
import { shardOf } from "../../src/replication/shard-of.js";
import type { ReplicationControl } from "../../src/replication/replication-control.js";
import { ACCOUNT, order, seed, startHarness, testConfig, type Harness } from "../server/harness.js";
import { ManualTimers, MemoryLeaseStore } from "./lease-fakes.js";

export const SHARDS = 4;
export const TTL = 2000;
/** An account on another shard than ACCOUNT's. */
export const ON_B = (() => {
  for (let id = 1n; ; id++) if (shardOf(id, SHARDS) !== shardOf(ACCOUNT, SHARDS)) return id;
})();
export const reserve = (accountId: bigint, commitOnAccept = false) => ({ case: "executePreTrade", value: { order: order({ accountId }), commitOnAccept } }) as const;
export const commit = (reservationId: bigint) => ({ case: "commitReservation", value: { reservationId } }) as const;

export interface OwnerNode {
  readonly h: Harness;
  readonly leases: ShardLeases;
  readonly gate: LeaseOwnershipGate;
}

/** A sidecar named `id` whose ownership gate follows `store`'s leases (it claims none yet). */
export async function ownerNode(id: string, store: MemoryLeaseStore, timers: ManualTimers, config: Record<string, unknown> = testConfig()): Promise<OwnerNode> {
  const h = await startHarness(config);
  const leases = new ShardLeases({ store, timers, self: { owner: id, address: h.address }, ttlMs: TTL, onLost: () => {} });
  const owners = new LeaseOwners({ timers, ttlMs: TTL });
  owners.follow(store);
  const gate = new LeaseOwnershipGate({ leases, shardCount: SHARDS, instanceId: id, severalOwners: true, perInstance: true, owners });
  const control: ReplicationControl = {
    status: () => ({ role: "active", instanceId: id, advertisedAddress: h.address, shardCount: SHARDS, shards: [], appliedSequence: 0n }),
    stepDown: () => Promise.reject(new Error("not in this test")),
  };
  h.server.attachReplication(gate, control);
  return { h, leases, gate };
}

export interface TwoOwners {
  readonly timers: ManualTimers;
  readonly store: MemoryLeaseStore;
  /** Owns ACCOUNT's shard. */
  readonly a: OwnerNode;
  /** Owns ON_B's shard. */
  readonly b: OwnerNode;
}

/**
 * A owning ACCOUNT's shard and B ON_B's; `funded` accounts get 100 000 USD where they live, on
 * channels that then close (and unpin them). `configOfA`: A's configuration (B's is testConfig()).
 */
export async function twoOwners(funded: readonly bigint[] = [ACCOUNT, ON_B], configOfA?: Record<string, unknown>): Promise<TwoOwners> {
  const timers = new ManualTimers();
  const store = new MemoryLeaseStore(timers, TTL);
  const a = await ownerNode("a", store, timers, configOfA);
  const b = await ownerNode("b", store, timers);
  const claimed = [await a.leases.claim(shardOf(ACCOUNT, SHARDS)), await b.leases.claim(shardOf(ON_B, SHARDS))];
  if (claimed.some((epoch) => epoch === undefined || !(epoch > 0))) throw new Error(`the leases were not claimed: ${claimed.join(", ")}`);
  for (const account of funded) {
    const funding = (account === ON_B ? b : a).h.channel();
    const [answer] = await funding.send(seed("USD", "100000", account));
    const result = answer?.result;
    if (result?.case !== "adjustment" || !result.value.accepted) throw new Error(`funding ${account} was refused`);
    await funding.end();
  }
  return { timers, store, a, b };
}

export async function stopTwoOwners(w: TwoOwners | undefined): Promise<void> {
  if (!w) return;
  w.a.leases.stop();
  w.b.leases.stop();
  // A test may have closed one already (to make it unreachable).
  await w.a.h.close().catch(() => {});
  await w.b.h.close().catch(() => {});
}
