/**
 * Execution ids already applied: the venue's id of each fill (FIX ExecID), remembered per
 * account with the report's content (report-fingerprint.ts), so that a report sent again is
 * recognised and not applied a second time.
 *
 * Why the engine keeps them: a gateway whose feed stream broke cannot tell which of the
 * reports in flight were applied, and the account state cannot tell it either (one fill more
 * or less is a plausible state). Without ids a re-sent fill moves positions, balances and
 * P&L twice; with them the gateway re-sends everything it holds no answer for.
 *
 * Bounded, as everything a client can grow: an id is forgotten `retainMs` after it was applied
 * (the retention in force then: a later change does not move it), and the oldest are forgotten
 * first once more than `maxRemembered` are kept. Time is the command's (the engine clock),
 * never the wall clock, so a replay forgets exactly what the live run forgot.
 *
 * Forgetting is spread out: each report forgets at most FORGET_PER_REPORT ids past their
 * time (a report after a quiet weekend would otherwise forget a whole day's ids while every
 * order waits), and a lookup reads an id past its time as forgotten whether or not it has
 * been yet. So what is remembered (and in a snapshot) may include ids past their time, the
 * same ones in a replay, and the answers are the same either way.
 */
import type { AccountId } from "../param/ids.js";
import { EngineBuildError, SnapshotError } from "./errors.js";

export interface ExecutionIdBounds {
  /** How long an applied id is remembered, milliseconds (at least 1). */
  readonly retainMs: number;
  /** How many ids are remembered over all accounts together; 0 = none (reports are never recognised as repeats). */
  readonly maxRemembered: number;
}

/**
 * A trading day, and a hundred thousand ids: about 20–30 MB of memory and 5–7 MB of every
 * snapshot (docs/configuration.md, `limits.maxExecutionIds`).
 */
export const DEFAULT_EXECUTION_ID_BOUNDS: ExecutionIdBounds = Object.freeze({ retainMs: 86_400_000, maxRemembered: 100_000 });

/** Ids past their time forgotten by one report at most (more are read as forgotten until then). */
export const FORGET_PER_REPORT = 32;

/**
 * The remembered ids as plain data, in the order they were applied: each key is the account
 * id in decimal (empty for a report without an account), "|", the report's fingerprint, "|"
 * and the execution id; `forgetAt[i]` the engine time key i is forgotten at. Two arrays, not
 * a Map: a snapshot of a hundred thousand encodes in a fifth of the time.
 */
export interface ExecutionIdsData {
  readonly keys: readonly string[];
  readonly forgetAt: readonly number[];
}

export class ExecutionIds {
  /** Key (see ExecutionIdsData) → the time it is forgotten at. */
  private readonly forgetAt = new Map<string, number>();
  /**
   * The keys in the order applied, with their forget times, from `head` on: a queue, so that
   * the oldest is found at once (forgetting the first entries of a Map walks the holes its
   * deletions leave at its front, up to a table's worth at every report). An entry whose key
   * was applied again since (after its time) is stale: the Map holds the later time.
   */
  private keys: string[] = [];
  private times: number[] = [];
  private head = 0;
  private bounds: ExecutionIdBounds = DEFAULT_EXECUTION_ID_BOUNDS;
  /** Ids forgotten by the count before their time (a repeat of one is applied again); this process's, not state. */
  private early = 0;
  /** Stale places in the queue, or more (those the front passed are not taken off). */
  private stale = 0;

  get current(): ExecutionIdBounds {
    return this.bounds;
  }

  /** Ids remembered (some may be past their time, not yet forgotten), and ids forgotten early since this process started. */
  stats(): { readonly remembered: number; readonly forgottenEarly: number } {
    return { remembered: this.forgetAt.size, forgottenEarly: this.early };
  }

  /**
   * New bounds: a retention for the ids applied from now on; a lower count forgets the oldest
   * now (`nowMs` only decides which of those count as forgotten early; the order is by age).
   */
  setBounds(bounds: ExecutionIdBounds, nowMs = -Infinity): void {
    checkBounds(bounds);
    this.bounds = { retainMs: bounds.retainMs, maxRemembered: bounds.maxRemembered };
    this.forgetOverCount(nowMs);
  }

  /**
   * Whether `executionId` was applied for this account with this content (`fingerprint`) and
   * is still remembered at `nowMs`. If not, it is remembered from now on: the caller applies
   * the report.
   */
  isRepeat(accountId: AccountId | undefined, executionId: string, fingerprint: string, nowMs: number): boolean {
    const { retainMs, maxRemembered } = this.bounds;
    if (maxRemembered === 0) return false;
    this.forgetPastTime(nowMs);
    const key = `${accountId === undefined ? "" : accountId}|${fingerprint}|${executionId}`;
    const at = this.forgetAt.get(key);
    if (at !== undefined && at > nowMs) return true;
    // Past its time and not forgotten yet: its place in the queue goes stale.
    if (at !== undefined) {
      this.forgetAt.delete(key);
      if (++this.stale > this.forgetAt.size + 1024) this.dropStale();
    }
    this.forgetAt.set(key, nowMs + retainMs);
    this.keys.push(key);
    this.times.push(nowMs + retainMs);
    this.forgetOverCount(nowMs);
    return false;
  }

  /**
   * Rebuilds the queue of its live entries. Stale ones are dropped as the front passes them,
   * but after a shorter retention the front may wait a long time (an id under the old one)
   * while one id sent again and again adds a stale place each time (found by review: a
   * hundred thousand places for two ids). Answers do not depend on stale places.
   */
  private dropStale(): void {
    const { keys, forgetAt } = this.toData();
    this.keys = keys as string[];
    this.times = forgetAt as number[];
    this.head = 0;
    this.stale = 0;
  }

  toData(): ExecutionIdsData {
    const keys: string[] = [];
    const forgetAt: number[] = [];
    for (let i = this.head; i < this.keys.length; i++) {
      if (!this.isLive(i)) continue;
      keys.push(this.keys[i]!);
      forgetAt.push(this.times[i]!);
    }
    return { keys, forgetAt };
  }

  /**
   * Replaces what is remembered with a snapshot's (absent: nothing, a snapshot from before ids
   * were kept). Not trimmed to the bounds in force here: the snapshot's own come with the
   * settings it was taken under, and a replay must forget only what the live run forgot.
   */
  restore(data: ExecutionIdsData | undefined): void {
    checkData(data);
    this.forgetAt.clear();
    this.keys = data === undefined ? [] : [...data.keys];
    this.times = data === undefined ? [] : [...data.forgetAt];
    this.head = 0;
    this.stale = 0;
    for (let i = 0; i < this.keys.length; i++) this.forgetAt.set(this.keys[i]!, this.times[i]!);
  }

  /** Whether queue entry `i` is the key's live entry (not stale). */
  private isLive(i: number): boolean {
    return this.forgetAt.get(this.keys[i]!) === this.times[i];
  }

  /**
   * Forgets, from the front, ids past their time: FORGET_PER_REPORT at most, stopping at the
   * first one not due (after a shorter retention a later one may be due first: it waits, read
   * as forgotten meanwhile). Stale entries are dropped free, so the count forgotten does not
   * depend on them, and a restored queue (which has none) forgets the same ids.
   */
  private forgetPastTime(nowMs: number): void {
    let head = this.head;
    let budget = FORGET_PER_REPORT;
    while (head < this.keys.length) {
      if (this.isLive(head)) {
        if (budget === 0 || this.times[head]! > nowMs) break;
        this.forgetAt.delete(this.keys[head]!);
        budget--;
      }
      head++;
    }
    this.moveHead(head);
  }

  /** Forgets the oldest while more than `maxRemembered` are kept; one not yet due at `nowMs` is counted as forgotten early. */
  private forgetOverCount(nowMs: number): void {
    if (this.forgetAt.size <= this.bounds.maxRemembered) return;
    let head = this.head;
    while (this.forgetAt.size > this.bounds.maxRemembered) {
      if (this.isLive(head)) {
        if (this.times[head]! > nowMs) this.early++;
        this.forgetAt.delete(this.keys[head]!);
      }
      head++;
    }
    this.moveHead(head);
  }

  /** Drops the forgotten front of the queue once it is half of it (each entry is moved at most once per halving). */
  private moveHead(head: number): void {
    if (head === this.head) return;
    if (head === this.keys.length) {
      this.keys.length = 0;
      this.times.length = 0;
      head = 0;
    } else if (head >= 1024 && head * 2 >= this.keys.length) {
      this.keys = this.keys.slice(head);
      this.times = this.times.slice(head);
      head = 0;
    } else {
      // The forgotten keys are not kept alive by the queue.
      for (let i = this.head; i < head; i++) this.keys[i] = "";
    }
    this.head = head;
  }
}

/** Refuses what `toData` cannot have made, before anything changes (engine-snapshot.ts checks first). */
export function checkData(data: unknown): asserts data is ExecutionIdsData | undefined {
  if (data === undefined) return;
  const d = data as { keys?: unknown; forgetAt?: unknown };
  if (typeof data !== "object" || data === null || !Array.isArray(d.keys) || !Array.isArray(d.forgetAt) || d.keys.length !== d.forgetAt.length) {
    throw new SnapshotError("Malformed", "engine snapshot: 'executionIds' must hold 'keys' and 'forgetAt' of one length");
  }
  const seen = new Set<string>();
  for (let i = 0; i < d.keys.length; i++) {
    const key: unknown = d.keys[i];
    const at: unknown = d.forgetAt[i];
    // Account, fingerprint and id: two bars at least (the id may hold more); each key once.
    if (typeof key !== "string" || key.split("|", 3).length < 3 || seen.has(key) || typeof at !== "number" || !Number.isFinite(at)) {
      throw new SnapshotError("Malformed", `engine snapshot: execution id entry ${i} (${JSON.stringify(String(key))}) is malformed`);
    }
    seen.add(key);
  }
}

function checkBounds(b: ExecutionIdBounds): void {
  if (!Number.isSafeInteger(b.retainMs) || b.retainMs < 1) throw new EngineBuildError("InvalidExecutionIdBounds", `execution id retention must be a whole number of milliseconds, at least 1 (got ${String(b.retainMs)})`);
  if (!Number.isSafeInteger(b.maxRemembered) || b.maxRemembered < 0) {
    throw new EngineBuildError("InvalidExecutionIdBounds", `the number of execution ids remembered must be a whole number, at least 0 (got ${String(b.maxRemembered)})`);
  }
}
