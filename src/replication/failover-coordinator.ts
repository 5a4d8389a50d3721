/**
 * One instance's replication role: warm standby, active owner, or fenced.
 *
 * Standby: the journal is tailed into this instance's own engine through the door's replay
 * path (the `source` does that from its start), health is NOT_SERVING and every command is
 * refused NOT_OWNER naming the owner. Every renewal period it tries to create the leases of
 * the shards it is configured for; it succeeds once the owner's leases lapsed (TTL) or were
 * released (a planned step-down). Holding all of them, it takes over: reads the journal to
 * its end, fences it with the lease revision as the epoch (`source.claim`: an epoch marker on
 * every subject with the expected last subject sequence it read), attaches the journal,
 * closes the channels the old owner left open (their reservations rolled back, journaled),
 * and serves.
 *
 * Active: a lost lease or a refused append (another writer fenced the journal) ends it:
 * commands are refused at once (the gate reads the lease clock itself), health turns
 * NOT_SERVING and `onFenced` is told (the process exits; restarted, it is a standby again,
 * rebuilt from the journal, since its engine may hold decisions the journal refused).
 */
import type { SidecarState } from "../state/sidecar-state.js";
import { StepDownRefusedError, type ReplicationControl, type ReplicationRoleName, type ReplicationStatusView } from "./replication-control.js";
import type { LeaseOwnershipGate } from "./lease-ownership-gate.js";
import { knownHolder, type LeaseOwners } from "./lease-owners.js";
import type { LeaseTimers } from "./lease-timers.js";
import type { ShardLeases } from "./shard-leases.js";

/**
 * The replicated journal as the coordinator needs it: the JetStream tail and claim behind it
 * (JournalReplica). The source applies the stream to the state from its start (warm).
 */
export interface JournalSource {
  /** The last journal sequence applied to the state (tailed, or written once active). */
  appliedSequence(): bigint;
  /**
   * Reads the journal to its end, fences it with `epoch` (above every epoch in it: an epoch
   * marker on every subject with the expected last subject sequence), stops the tail,
   * attaches the journal for appends and closes the channels the previous writer left open
   * (rolled back, journaled). Appends that fail afterwards (fenced by a newer writer) must
   * reach `FailoverCoordinator.journalFailed`.
   */
  takeOver(epoch: bigint): Promise<void>;
}

/** Health of the shards, as the server shows it. */
export interface ShardHealth {
  setOwnedShards(shardCount: number, owned: ReadonlySet<number>): void;
}

export interface FailoverCoordinatorOptions {
  /** For StepDown's flush: everything acknowledged is in the journal before the leases go. */
  readonly state: Pick<SidecarState, "journal">;
  readonly leases: ShardLeases;
  readonly gate: LeaseOwnershipGate;
  readonly health: ShardHealth;
  readonly source: JournalSource;
  readonly timers: LeaseTimers;
  readonly instanceId: string;
  readonly advertisedAddress: string;
  readonly shardCount: number;
  /** The shards this instance takes over together: its ownership group (all of them with one active owner). */
  readonly shards: readonly number[];
  /** The holders the lease bucket names now (the gate's source too); without it, those the leases last saw. */
  readonly owners?: LeaseOwners;
  /** Told once this instance stops serving for good (lease lost, append fenced, stepped down). */
  readonly onFenced: (reason: string) => void;
  /** Told of each takeover, with how long it took from holding the leases to serving. */
  readonly onTakeover?: (info: { epoch: bigint; claimMs: number; totalMs: number }) => void;
  /** Progress lines for the operator's log. */
  readonly log?: (line: string) => void;
}

type Role = ReplicationRoleName | "claiming" | "stepping-down";

export class FailoverCoordinator implements ReplicationControl {
  private role: Role = "standby";
  private timer: unknown;
  /** A try is under way (one at a time). */
  private trying = false;
  private stopped = false;
  /** A shutdown started (leave()): no new try for the leases. */
  private leaving = false;
  private epoch: bigint | undefined;
  private unwatch: (() => void) | undefined;

  constructor(private readonly o: FailoverCoordinatorOptions) {}

  /** Starts as a standby: NOT_SERVING, trying for the leases every renewal period (the first try at once). */
  start(): void {
    this.o.gate.active = false;
    this.o.health.setOwnedShards(this.o.shardCount, new Set());
    // A planned step-down deletes the leases: try at once rather than at the next period. Only
    // when no lease of the group is known to be held by another instance: a standby's try that
    // met one gives back what it claimed, and that delete woke the other standbys, whose tries
    // met it too and gave back in turn, claim after claim in a hot loop until that lease lapsed
    // (found by review of session 30's give-back). Those wait for the next period.
    this.unwatch = this.o.leases.watchReleases((released) => {
      if (this.role !== "standby" || this.stopped || this.leaving || this.trying) return;
      if (this.o.shards.some((s) => s !== released && !this.o.leases.owns(s) && knownHolder(s, this.o.leases, this.o.owners) !== undefined)) return;
      if (this.timer !== undefined) this.o.timers.clearTimeout(this.timer);
      this.schedule(0);
    });
    this.schedule(0);
  }

  /**
   * A shutdown started: a standby tries for the leases no more. Taking over during the drain
   * would give the shards to an instance about to exit without handing them over, and the
   * others would wait a lease TTL more. An active keeps renewing through the drain (stop()
   * ends that).
   */
  leave(): void {
    this.leaving = true;
    if (this.role === "standby" && this.timer !== undefined) {
      this.o.timers.clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  /** Stops trying and renewing (shutdown); the leases lapse unless stepped down first. */
  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.o.timers.clearTimeout(this.timer);
    this.unwatch?.();
    this.o.leases.stop();
  }

  get roleName(): Role {
    return this.role;
  }

  /** A held lease was lost (wired to ShardLeases' onLost). */
  leaseLost(shard: number, reason: string): void {
    if (this.role === "active" || this.role === "claiming") this.fence(`lost the lease of shard ${shard}: ${reason}`);
  }

  /** The journal refused an append (wired to the journal's onFatal by `claim`). */
  journalFailed(error: Error): void {
    if (this.role !== "fenced") this.fence(`the journal refused an append: ${error.message}`);
    // Already fenced by the lease clock: what it had sealed before is refused by the log too.
    else this.o.log?.(`the journal refused an append after fencing (nothing of it was answered): ${error.message}`);
  }

  status(): ReplicationStatusView {
    const held = new Set(this.o.leases.heldShards());
    return {
      role: this.role === "claiming" ? "standby" : this.role === "stepping-down" ? "active" : this.role,
      instanceId: this.o.instanceId,
      advertisedAddress: this.o.advertisedAddress,
      shardCount: this.o.shardCount,
      shards: Array.from({ length: this.o.shardCount }, (_, shard) => {
        const owner = knownHolder(shard, this.o.leases, this.o.owners);
        const owned = this.role === "active" && held.has(shard);
        return { shard, owned, epoch: owned ? (this.epoch ?? 0n) : 0n, ownerId: owner?.owner ?? "", ownerAddress: owner?.address ?? "" };
      }),
      appliedSequence: this.o.source.appliedSequence(),
    };
  }

  /**
   * Planned hand-over: refuse new commands at once, wait until everything already taken is
   * durable in the journal (so the standby will read it), then delete the leases: the
   * standby's next try claims them without waiting for the TTL.
   */
  async stepDown(starting?: (shards: readonly number[]) => void): Promise<{ shards: readonly number[]; tookMs: number }> {
    if (this.role !== "active") throw new StepDownRefusedError(`this instance ('${this.o.instanceId}') is ${this.role === "claiming" ? "taking over" : this.role}, not active: nothing to hand over`);
    // The last command this instance takes (the audit record of the step-down): the flush below covers it.
    starting?.(this.o.leases.heldShards());
    const started = this.o.timers.now();
    this.role = "stepping-down";
    this.o.gate.active = false;
    this.o.gate.fencedBecause = "it stepped down (a planned hand-over); the standby takes over within a second";
    this.o.health.setOwnedShards(this.o.shardCount, new Set());
    const shards = this.o.leases.heldShards();
    let failure: unknown;
    let releasedShards: number[] = [];
    try {
      await this.o.state.journal.flush();
      releasedShards = await this.releaseHeld(shards, "step-down");
    } catch (e) {
      failure = e;
    }
    const tookMs = this.o.timers.now() - started;
    if (failure === undefined) this.o.log?.(`stepped down: released shards ${releasedShards.join(",")} after ${tookMs.toFixed(0)} ms`);
    // Whatever failed, this instance has stopped serving and ends fenced (its process exits
    // for a restart as a standby); left "stepping-down" it would refuse for ever, never told to exit.
    if (this.role === "stepping-down") {
      this.role = "fenced";
      this.stop();
      this.o.onFenced("stepped down");
    }
    if (failure !== undefined) throw failure;
    // The shards whose leases were deleted (the rest lapse after their TTL).
    return { shards: releasedShards, tookMs };
  }

  private fence(reason: string): void {
    if (this.role === "fenced") return;
    this.role = "fenced";
    this.o.gate.active = false;
    this.o.gate.fencedBecause = reason;
    this.o.health.setOwnedShards(this.o.shardCount, new Set());
    this.o.log?.(`fenced: ${reason}`);
    this.stop();
    this.o.onFenced(reason);
  }

  private schedule(ms: number): void {
    if (this.stopped || this.leaving) return;
    this.timer = this.o.timers.setTimeout(() => {
      this.timer = undefined;
      this.trying = true;
      void this.tryTakeOver()
        .catch((e: unknown) => this.o.log?.(`takeover attempt failed, retrying: ${e instanceof Error ? e.message : String(e)}`))
        .finally(() => {
          this.trying = false;
          if (this.role === "standby") this.schedule(this.o.leases.renewEveryMs);
        });
    }, ms);
  }

  /**
   * A try that ends without taking over (cut short by leave(), a lease still held by another
   * instance, or one of ours lapsed meanwhile) gives back every lease it claimed, at once
   * rather than after their TTL. Kept, they would be renewed for ever: two standbys could
   * each hold part of the group and neither serve it. Given back, the group goes to whoever
   * claims its lowest shard first (every try claims in shard order). A lease claimed here
   * was never used (nothing was written at its epoch), so deleting it, revision-checked,
   * cannot un-fence anyone. A lease that lapsed locally is deleted too while this instance
   * still knows its revision (its deadline has not dropped it yet); otherwise it expires.
   */
  private async giveBack(shards: Iterable<number>): Promise<void> {
    await Promise.all([...shards].map((s) => this.o.leases.release(s).catch(() => {})));
  }

  /**
   * Hands the leases of `shards` over (StepDown, a shutdown during a takeover): the shards
   * whose leases this instance deleted. A release refused by the revision check (the key
   * another instance's, or gone) resolves false and is left out, as a failed one is; each is
   * logged, prefixed `what` (the lease lapses after its TTL: the standby takes over a little later).
   */
  private async releaseHeld(shards: readonly number[], what: string): Promise<number[]> {
    const released = await Promise.allSettled(shards.map((s) => this.o.leases.release(s)));
    released.forEach((r, i) => {
      if (r.status === "rejected") this.o.log?.(`${what}: the lease of shard ${shards[i]} could not be released (${r.reason instanceof Error ? r.reason.message : String(r.reason)}); it lapses after its TTL`);
      else if (!r.value) this.o.log?.(`${what}: the lease of shard ${shards[i]} was not deleted: its key had moved past the revision this instance knew, to another instance's lease or none`);
    });
    return shards.filter((_, i) => {
      const r = released[i]!;
      return r.status === "fulfilled" && r.value;
    });
  }

  /**
   * A shutdown began while this instance was taking the journal over: it does not serve (it
   * is about to exit), and hands the shards over as StepDown does. The journal is fenced at
   * `epoch` and holds what the takeover wrote (the rollbacks of the channels the old owner
   * left open): flushed first, so the next owner reads it, then the leases are deleted; the
   * next claim's revisions are higher, so its epoch fences this one. Ends fenced (told once,
   * with "stepped down": no snapshot of this state is taken after the leases go).
   */
  private async handBackAfterClaim(epoch: number): Promise<void> {
    this.role = "stepping-down";
    this.o.gate.active = false;
    this.o.gate.fencedBecause = "it is shutting down; the standby takes over";
    this.o.health.setOwnedShards(this.o.shardCount, new Set());
    const shards = this.o.leases.heldShards();
    try {
      await this.o.state.journal.flush();
      // Only the leases deleted are named released (a refused or failed delete was swallowed,
      // and every shard named); the others lapse after their TTL.
      const released = await this.releaseHeld(shards, "a shutdown during the takeover");
      const kept = shards.filter((s) => !released.includes(s));
      this.o.log?.(
        `a shutdown began during the takeover (epoch ${epoch}): not serving; released shards ${released.length > 0 ? released.join(",") : "none"}${kept.length > 0 ? `; not released ${kept.join(",")}` : ""}`,
      );
    } catch (e) {
      // Not flushed: the leases are left to lapse (a standby takes over after their TTL and reads what landed).
      this.o.log?.(`a shutdown began during the takeover (epoch ${epoch}): not serving; the journal did not flush (${e instanceof Error ? e.message : String(e)}), the leases lapse after their TTL`);
    }
    if ((this.role as Role) === "stepping-down") {
      this.role = "fenced";
      this.stop();
      this.o.onFenced("stepped down");
    }
  }

  /** One try: claim every free lease of our shards; once all are held, take the journal over. */
  private async tryTakeOver(): Promise<void> {
    if (this.role !== "standby") return;
    const leasesFrom = this.o.timers.now();
    let epoch = 0;
    // The leases claimed by this try (a standby keeps none between tries).
    const claimed = new Set<number>();
    for (const shard of this.o.shards) {
      if (this.stopped || this.role !== "standby") return;
      if (this.leaving) return this.giveBack(claimed);
      let e: number | undefined;
      try {
        e = await this.o.leases.claim(shard);
      } catch (error) {
        // No answer (a timeout, no servers): what this try claimed goes back as on a refusal,
        // not kept and renewed until the next try, which a shutdown may never start (found in session 41).
        await this.giveBack(claimed);
        throw error;
      }
      if (e === undefined) {
        // Held by another instance (the owner, whose lease has not lapsed, or a standby whose
        // try got here first): give back what this try claimed, and learn the others' owners
        // too, for NOT_OWNER answers.
        await this.giveBack(claimed);
        await Promise.all(this.o.shards.filter((s) => !this.o.leases.owns(s)).map((s) => this.o.leases.observe(s)));
        return;
      }
      claimed.add(shard);
      epoch = Math.max(epoch, e);
    }
    if (this.stopped || this.role !== "standby") return;
    if (this.leaving) return this.giveBack(claimed);
    // A lease claimed early in this try may have lapsed (its deadline fired while this instance
    // was a standby: ignored) while the later ones were claimed: give them all back, try again.
    if (!this.o.shards.every((s) => this.o.leases.owns(s))) return this.giveBack(claimed);
    this.role = "claiming";
    const claimFrom = this.o.timers.now();
    try {
      // The highest claiming revision: lease revisions only grow, so every takeover's epoch is above the last.
      await this.o.source.takeOver(BigInt(epoch));
    } catch (e) {
      if ((this.role as Role) !== "claiming") throw e;
      // Could not fence the journal (the old owner kept appending, or the servers are down).
      // The tail may have stopped half-way, so this state cannot be trusted as a standby's:
      // give the leases back and stop (restarted, the instance follows the journal afresh).
      await Promise.all(this.o.shards.map((s) => this.o.leases.release(s).catch(() => {})));
      this.fence(`the journal could not be taken over: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    if ((this.role as Role) !== "claiming") return; // lost a lease meanwhile: fenced already
    if (this.leaving) return this.handBackAfterClaim(epoch);
    this.epoch = BigInt(epoch);
    this.role = "active";
    this.o.gate.active = true;
    this.o.health.setOwnedShards(this.o.shardCount, new Set(this.o.leases.heldShards()));
    const now = this.o.timers.now();
    this.o.log?.(
      `took over shards ${this.o.shards.join(",")} at epoch ${epoch} (journal record ${this.o.source.appliedSequence()}) in ${(now - leasesFrom).toFixed(0)} ms`,
    );
    this.o.onTakeover?.({ epoch: BigInt(epoch), claimMs: now - claimFrom, totalMs: now - leasesFrom });
  }
}
