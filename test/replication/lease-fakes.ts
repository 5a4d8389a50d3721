/** A lease store and timers driven by hand: the store expires entries TTL after their write, on the same clock. */
import { LeaseConflictError, type LeaseRecord, type LeaseStore, type LeaseValue } from "../../src/replication/lease-store.js";
import type { LeaseTimers } from "../../src/replication/lease-timers.js";

export class ManualTimers implements LeaseTimers {
  private t = 0;
  private nextId = 1;
  private readonly pending = new Map<number, { at: number; callback: () => void }>();

  now(): number {
    return this.t;
  }

  setTimeout(callback: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.pending.set(id, { at: this.t + ms, callback });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }

  /** Moves time forward, firing due timers in order (and letting their promises settle). */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      let due: [number, { at: number; callback: () => void }] | undefined;
      for (const e of this.pending) if (e[1].at <= end && (due === undefined || e[1].at < due[1].at)) due = e;
      if (!due) break;
      this.pending.delete(due[0]);
      this.t = Math.max(this.t, due[1].at);
      due[1].callback();
      await settle();
    }
    this.t = end;
    await settle();
  }
}

/** Lets every already-resolved promise chain run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

export class MemoryLeaseStore implements LeaseStore {
  private revision = 0;
  private readonly entries = new Map<number, { value: LeaseValue; revision: number; writtenAt: number }>();
  /** When set, every call fails as if the servers were unreachable. */
  unreachable = false;

  constructor(
    private readonly timers: ManualTimers,
    private readonly ttlMs: number,
  ) {}

  private live(shard: number) {
    const e = this.entries.get(shard);
    if (e && this.timers.now() >= e.writtenAt + this.ttlMs) {
      this.entries.delete(shard);
      return undefined;
    }
    return e;
  }

  private check(): void {
    if (this.unreachable) throw new Error("no servers available");
  }

  async create(shard: number, value: LeaseValue): Promise<number> {
    this.check();
    if (this.live(shard)) throw new LeaseConflictError(`shard ${shard} taken`);
    const revision = ++this.revision;
    this.entries.set(shard, { value, revision, writtenAt: this.timers.now() });
    this.tellHolders(shard, value);
    return revision;
  }

  async update(shard: number, value: LeaseValue, revision: number): Promise<number> {
    this.check();
    const e = this.live(shard);
    if (!e || e.revision !== revision) throw new LeaseConflictError(`shard ${shard} moved`);
    const next = ++this.revision;
    this.entries.set(shard, { value, revision: next, writtenAt: this.timers.now() });
    this.tellHolders(shard, value);
    return next;
  }

  async read(shard: number): Promise<LeaseRecord | undefined> {
    this.check();
    const e = this.live(shard);
    return e && { value: e.value, revision: e.revision };
  }

  async release(shard: number, revision: number): Promise<boolean> {
    this.check();
    if (this.live(shard)?.revision !== revision) return false;
    this.entries.delete(shard);
    for (const l of this.releaseListeners) l(shard);
    this.tellHolders(shard, undefined);
    return true;
  }

  private readonly releaseListeners = new Set<(shard: number) => void>();

  watchReleases(onRelease: (shard: number) => void): () => void {
    this.releaseListeners.add(onRelease);
    return () => this.releaseListeners.delete(onRelease);
  }

  private readonly holderListeners = new Set<(shard: number, holder: LeaseValue | undefined) => void>();

  /** The current holders at once, then every write (a watch on the bucket; expiries write nothing, as on nats-server 2.9). */
  watchHolders(onHolder: (shard: number, holder: LeaseValue | undefined) => void): () => void {
    for (const shard of [...this.entries.keys()]) {
      const e = this.live(shard);
      if (e) onHolder(shard, e.value);
    }
    this.holderListeners.add(onHolder);
    return () => this.holderListeners.delete(onHolder);
  }

  private tellHolders(shard: number, holder: LeaseValue | undefined): void {
    for (const l of [...this.holderListeners]) l(shard, holder);
  }
}
