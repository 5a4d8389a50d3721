/**
 * The leases this instance holds, kept alive by revision-checked renewals well inside the
 * TTL. A lease counts as held only until `validUntil` = (send time of the last successful
 * claim or renewal) + TTL - guard: the servers expire it TTL after they *received* that
 * write, which is later, so this instance gives a shard up before anyone else can claim it
 * (the guard absorbs clock-rate differences). `owns()` reads the clock itself, so a process
 * that was frozen (SIGSTOP, a long GC) refuses at once on waking, before any timer has run.
 *
 * A lease alone is not mutual exclusion (a frozen holder can wake up after losing it): the
 * journal's appends carry the expected last sequence of the shard's subject, so a stale
 * holder's next write is refused by the log itself. The lease decides who *tries*.
 */
import { LeaseConflictError, type LeaseStore, type LeaseValue } from "./lease-store.js";
import type { LeaseTimers } from "./lease-timers.js";

export interface ShardLeasesOptions {
  readonly store: LeaseStore;
  readonly timers: LeaseTimers;
  /** This instance: its id and the address gateways dial. */
  readonly self: LeaseValue;
  readonly ttlMs: number;
  /** Renewal period; default a quarter of the TTL (three renewals may fail before the lease lapses). */
  readonly renewEveryMs?: number;
  /**
   * How long after sending a successful claim or renewal the lease counts as held; default
   * TTL minus the guard. Longer than that is unsafe (ownership.unsafeLeaseValidityMs: tests
   * of the journal's fence only): another instance may claim while this one still serves.
   */
  readonly validForMs?: number;
  /** A held shard was lost (the renewal found another holder, or none succeeded in time). Called once per loss. */
  readonly onLost: (shard: number, reason: string) => void;
}

interface Held {
  revision: number;
  /** The claim's revision: the shard's epoch while this instance holds it. */
  readonly epoch: number;
  validUntil: number;
  deadline: unknown;
}

/** Of the TTL, the part a holder gives up early (clock-rate differences between hosts). */
const GUARD_FRACTION = 0.2;

export class ShardLeases {
  private readonly held = new Map<number, Held>();
  private readonly owners = new Map<number, LeaseValue>();
  private renewTimer: unknown;
  /** The renewal round in flight, if any (a release waits for it: it may move the revision). */
  private renewing: Promise<void> | undefined;
  private stopped = false;
  readonly renewEveryMs: number;
  private readonly validForMs: number;
  /**
   * Set by a validity beyond the safe window (tests of the journal's fence): a renewal that
   * finds another holder is ignored as well, as if its answer had not come yet, so only the
   * local clock or the log's fence stops this instance (otherwise which of the renewal's
   * answer and the first append's refusal comes first is a race, and the fence is shown
   * only sometimes).
   */
  private readonly unsafe: boolean;

  constructor(private readonly o: ShardLeasesOptions) {
    this.renewEveryMs = o.renewEveryMs ?? Math.max(1, Math.floor(o.ttlMs / 4));
    this.validForMs = o.validForMs ?? o.ttlMs * (1 - GUARD_FRACTION);
    this.unsafe = this.validForMs > o.ttlMs * (1 - GUARD_FRACTION);
    if (this.renewEveryMs >= this.validForMs) throw new Error(`lease renewal every ${this.renewEveryMs} ms is not well inside the TTL of ${o.ttlMs} ms`);
  }

  /** True while this instance holds the shard's lease by its own clock. */
  owns(shard: number): boolean {
    const h = this.held.get(shard);
    return h !== undefined && this.o.timers.now() < h.validUntil;
  }

  /** The shards held now. */
  heldShards(): number[] {
    return [...this.held.keys()].filter((s) => this.owns(s)).sort((a, b) => a - b);
  }

  epochOf(shard: number): number | undefined {
    return this.owns(shard) ? this.held.get(shard)!.epoch : undefined;
  }

  /** The last holder seen for a shard this instance does not hold (from a claim that lost, or `observe`). */
  ownerOf(shard: number): LeaseValue | undefined {
    return this.owns(shard) ? this.o.self : this.owners.get(shard);
  }

  /** Claims a free shard; its epoch, or undefined when someone holds it (remembered as its owner). */
  async claim(shard: number): Promise<number | undefined> {
    if (this.held.has(shard)) return this.held.get(shard)!.epoch;
    const sentAt = this.o.timers.now();
    let revision: number;
    try {
      revision = await this.o.store.create(shard, this.o.self);
    } catch (e) {
      if (!(e instanceof LeaseConflictError)) throw e;
      await this.observe(shard);
      return undefined;
    }
    if (this.stopped) return undefined;
    const h: Held = { revision, epoch: revision, validUntil: sentAt + this.validForMs, deadline: undefined };
    this.held.set(shard, h);
    this.owners.set(shard, this.o.self);
    this.armDeadline(shard, h);
    this.scheduleRenewal();
    return revision;
  }

  /** Reads the shard's holder (undefined: free) and remembers it for `ownerOf`. */
  async observe(shard: number): Promise<LeaseValue | undefined> {
    const r = await this.o.store.read(shard);
    if (r) this.owners.set(shard, r.value);
    else this.owners.delete(shard);
    return r?.value;
  }

  /**
   * Planned step-down: stop holding the shard and delete its lease so a standby claims it at
   * once. True when this call deleted it; false when it was not held, or its key holds no
   * write of this instance's to delete (another holder's, or none): the shard is not handed
   * over by this call (a lease of this instance's left in the bucket lapses after the TTL).
   */
  async release(shard: number): Promise<boolean> {
    // A renewal in flight moves the key to a revision this instance does not know yet: a
    // delete naming the old one would be refused, and the lease would stay for a whole TTL
    // instead of handing over at once.
    while (this.renewing !== undefined) await this.renewing;
    const h = this.held.get(shard);
    if (!h) return false;
    this.drop(shard, h);
    if (await this.o.store.release(shard, h.revision)) return true;
    // Refused: the key is past the revision this instance knows. As in afterConflict, a
    // renewal whose answer was lost may have landed: the key then still names this instance
    // at a later revision, and that is the write to delete. Otherwise another instance holds
    // the shard, or nobody does: nothing of this instance's is deleted.
    const current = await this.o.store.read(shard);
    if (current !== undefined && current.value.owner === this.o.self.owner && current.revision > h.revision) {
      return this.o.store.release(shard, current.revision);
    }
    return false;
  }

  /** Tells of leases released by their holders (see LeaseStore.watchReleases); a no-op if the store cannot. */
  watchReleases(onRelease: (shard: number) => void): () => void {
    // A released shard's remembered holder is gone: `ownerOf` must not name it any more.
    return (
      this.o.store.watchReleases?.((shard) => {
        this.owners.delete(shard);
        onRelease(shard);
      }) ?? (() => {})
    );
  }

  /** Stops renewing (shutdown); the leases lapse after the TTL unless released. */
  stop(): void {
    this.stopped = true;
    if (this.renewTimer !== undefined) this.o.timers.clearTimeout(this.renewTimer);
    this.renewTimer = undefined;
    for (const [shard, h] of [...this.held]) this.drop(shard, h);
  }

  private drop(shard: number, h: Held): void {
    this.o.timers.clearTimeout(h.deadline);
    this.held.delete(shard);
    if (this.owners.get(shard) === this.o.self) this.owners.delete(shard);
  }

  /**
   * A renewal was refused: the key is past the revision this instance knows. An earlier
   * renewal whose answer was lost (a timeout) may have landed: then the key still names this
   * instance, and its revision is taken up (the validity stays where the last answered
   * write put it). Otherwise another instance holds the shard, or nobody does.
   */
  private async afterConflict(shard: number, h: Held): Promise<void> {
    let current;
    try {
      current = await this.o.store.read(shard);
    } catch {
      return; // Unreadable now: the next period retries, and the deadline decides.
    }
    if (this.held.get(shard) !== h) return;
    if (current !== undefined && current.value.owner === this.o.self.owner && current.revision > h.revision) {
      h.revision = current.revision;
      return;
    }
    this.lose(shard, h, current === undefined ? "the lease is gone from the store" : "another instance holds the lease");
  }

  private lose(shard: number, h: Held, reason: string): void {
    if (this.held.get(shard) !== h) return;
    this.drop(shard, h);
    this.o.onLost(shard, reason);
  }

  private armDeadline(shard: number, h: Held): void {
    this.o.timers.clearTimeout(h.deadline);
    h.deadline = this.o.timers.setTimeout(
      () => this.lose(shard, h, `the lease was not renewed within ${Math.round(this.validForMs)} ms`),
      Math.max(0, h.validUntil - this.o.timers.now()),
    );
  }

  private scheduleRenewal(): void {
    // A round in flight schedules the next when it ends: two rounds at once would renew a
    // shard twice from one revision, and the refused one would give up a lease still held.
    if (this.renewTimer !== undefined || this.renewing !== undefined || this.stopped || this.held.size === 0) return;
    this.renewTimer = this.o.timers.setTimeout(() => {
      this.renewTimer = undefined;
      const round = this.renewAll().finally(() => {
        this.renewing = undefined;
        this.scheduleRenewal();
      });
      this.renewing = round;
      void round;
    }, this.renewEveryMs);
  }

  private async renewAll(): Promise<void> {
    await Promise.all(
      [...this.held].map(async ([shard, h]) => {
        const sentAt = this.o.timers.now();
        try {
          const revision = await this.o.store.update(shard, this.o.self, h.revision);
          if (this.held.get(shard) !== h) return;
          h.revision = revision;
          // A renewal that comes back after the lease lapsed locally does not revive it:
          // the deadline has fired (or fires now) and the shard is being given up.
          if (this.o.timers.now() >= h.validUntil) return;
          h.validUntil = sentAt + this.validForMs;
          this.armDeadline(shard, h);
        } catch (e) {
          if (e instanceof LeaseConflictError && !this.unsafe) await this.afterConflict(shard, h);
          // Anything else (a server or the network): retried next period; the deadline decides.
        }
      }),
    );
  }
}
