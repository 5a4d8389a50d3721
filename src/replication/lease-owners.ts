/**
 * Who holds each shard's lease, as the lease bucket said last, for the NOT_OWNER refusals:
 * fed by a watch on the bucket (every claim and renewal names its holder, a release names
 * none), so a refusal names a new owner the moment its claim is written, also on an
 * instance that has just lost its own lease and on a standby between its tries.
 *
 * A lease that nobody renews expires on the servers without a marker (nats-server 2.9), so
 * a holder not seen writing for a TTL counts as gone: "no owner yet" (a failover is under
 * way) rather than the address of an instance that may be dead.
 */
import type { LeaseStore, LeaseValue } from "./lease-store.js";
import type { LeaseTimers } from "./lease-timers.js";
import type { ShardLeases } from "./shard-leases.js";

export interface LeaseOwnersOptions {
  readonly timers: LeaseTimers;
  readonly ttlMs: number;
}

export class LeaseOwners {
  private readonly seen = new Map<number, { readonly holder: LeaseValue; readonly at: number }>();
  private readonly listeners = new Set<() => void>();

  constructor(private readonly o: LeaseOwnersOptions) {}

  /** Follows the store's writes (a no-op for a store that cannot watch); returns the unsubscribe. */
  follow(store: LeaseStore): () => void {
    return store.watchHolders?.((shard, holder) => this.note(shard, holder)) ?? (() => {});
  }

  /** A write seen on `shard`: its holder, or undefined for a release. */
  note(shard: number, holder: LeaseValue | undefined): void {
    if (holder === undefined) this.seen.delete(shard);
    else this.seen.set(shard, { holder, at: this.o.timers.now() });
    for (const l of [...this.listeners]) l();
  }

  /** The shard's holder, unless none was seen writing within the TTL. */
  holderOf(shard: number): LeaseValue | undefined {
    const s = this.seen.get(shard);
    return s !== undefined && this.o.timers.now() - s.at < this.o.ttlMs ? s.holder : undefined;
  }

  /** Tells of every write seen from now on; returns the unsubscribe. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/**
 * The shard's holder as this instance knows it best: the bucket watch when it has one, else
 * what its own lease reads and claims last saw (tests and stores that cannot watch).
 */
export function knownHolder(shard: number, leases: ShardLeases, owners: LeaseOwners | undefined): LeaseValue | undefined {
  return owners ? owners.holderOf(shard) : leases.ownerOf(shard);
}
