/**
 * Execution ids already applied: the venue's id of each fill (FIX ExecID), remembered per
 * account so that a report sent again is recognised and not applied a second time.
 *
 * Why the engine keeps them: a gateway whose feed stream broke cannot tell which of the
 * reports in flight were applied, and the account state cannot tell it either (one fill more
 * or less is a plausible state). Without ids a re-sent fill moves positions, balances and
 * P&L twice; with them the gateway re-sends everything it holds no answer for.
 *
 * Bounded, as everything a client can grow: an id is forgotten once `retainMs` have passed
 * since it was applied, and the oldest are forgotten first once more than `maxRemembered` are
 * kept. Time is the command's (the engine clock), never the wall clock, so a replay forgets
 * exactly what the live run forgot. The clock never steps back, so insertion order is the
 * order of the times they were applied at and the oldest is always first.
 */
import type { AccountId } from "../param/ids.js";
import { EngineBuildError, SnapshotError } from "./errors.js";

export interface ExecutionIdBounds {
  /** How long an applied id is remembered, milliseconds (at least 1). */
  readonly retainMs: number;
  /** How many ids are remembered over all accounts together; 0 = none (reports are never recognised as repeats). */
  readonly maxRemembered: number;
}

/** A trading day, and a million ids (about 150 MB at the most; docs/configuration.md). */
export const DEFAULT_EXECUTION_ID_BOUNDS: ExecutionIdBounds = Object.freeze({ retainMs: 86_400_000, maxRemembered: 1_000_000 });

/**
 * The remembered ids as plain data, in the order they were applied: the key is the account
 * id in decimal (empty for a report without an account), "|" and the execution id; the value
 * the engine time it was applied at.
 */
export type ExecutionIdsData = ReadonlyMap<string, number>;

export class ExecutionIds {
  /** The keys remembered (see ExecutionIdsData). */
  private readonly remembered = new Set<string>();
  /**
   * The same keys in the order applied, and their times, from `head` on: a queue, so that the
   * oldest is found at once. Forgetting the first entries of a Map instead walks the holes
   * its deletions leave at its front, up to a table's worth at every report.
   */
  private keys: string[] = [];
  private times: number[] = [];
  private head = 0;
  private bounds: ExecutionIdBounds = DEFAULT_EXECUTION_ID_BOUNDS;

  get current(): ExecutionIdBounds {
    return this.bounds;
  }

  get size(): number {
    return this.remembered.size;
  }

  /** New bounds; a lower `maxRemembered` forgets the oldest now (retention is applied at the next report). */
  setBounds(bounds: ExecutionIdBounds): void {
    checkBounds(bounds);
    this.bounds = { retainMs: bounds.retainMs, maxRemembered: bounds.maxRemembered };
    this.forgetOldest(this.remembered.size - bounds.maxRemembered);
  }

  /**
   * Whether `executionId` was applied for this account less than `retainMs` before `nowMs`
   * (and is still remembered). If not, it is remembered as applied at `nowMs`: the caller
   * applies the report.
   */
  isRepeat(accountId: AccountId | undefined, executionId: string, nowMs: number): boolean {
    const { retainMs, maxRemembered } = this.bounds;
    if (maxRemembered === 0) return false;
    this.forgetAppliedBy(nowMs - retainMs);
    const key = `${accountId === undefined ? "" : accountId}|${executionId}`;
    if (this.remembered.has(key)) return true;
    this.remember(key, nowMs);
    this.forgetOldest(this.remembered.size - maxRemembered);
    return false;
  }

  toData(): ExecutionIdsData {
    const data = new Map<string, number>();
    for (let i = this.head; i < this.keys.length; i++) data.set(this.keys[i]!, this.times[i]!);
    return data;
  }

  /** Replaces what is remembered with a snapshot's (absent: nothing, a snapshot from before ids were kept). */
  restore(data: ExecutionIdsData | undefined): void {
    checkData(data);
    this.remembered.clear();
    this.keys = [];
    this.times = [];
    this.head = 0;
    if (data === undefined) return;
    // Not trimmed to the bounds in force here: the snapshot's own come with the settings it
    // was taken under, and a replay must forget only what the live run forgot.
    for (const [key, at] of data) this.remember(key, at);
  }

  private remember(key: string, at: number): void {
    this.remembered.add(key);
    this.keys.push(key);
    this.times.push(at);
  }

  /** Forgets every id applied at or before `cutoff` (they are first: the clock never steps back). */
  private forgetAppliedBy(cutoff: number): void {
    let head = this.head;
    while (head < this.keys.length && this.times[head]! <= cutoff) this.remembered.delete(this.keys[head++]!);
    this.moveHead(head);
  }

  private forgetOldest(count: number): void {
    if (count <= 0) return;
    let head = this.head;
    for (; count > 0; count--) this.remembered.delete(this.keys[head++]!);
    this.moveHead(head);
  }

  /** Drops the forgotten front of the queue once it is half of it (each entry is moved at most once per halving). */
  private moveHead(head: number): void {
    if (head === this.head) return;
    if (head >= 1024 && head * 2 >= this.keys.length) {
      this.keys = this.keys.slice(head);
      this.times = this.times.slice(head);
      head = 0;
    } else if (head === this.keys.length) {
      this.keys.length = 0;
      this.times.length = 0;
      head = 0;
    } else {
      // The forgotten key is not kept alive by the queue.
      for (let i = this.head; i < head; i++) this.keys[i] = "";
    }
    this.head = head;
  }
}

/** Refuses what `toData` cannot have made, before anything changes (engine-snapshot.ts checks first). */
export function checkData(data: unknown): asserts data is ExecutionIdsData | undefined {
  if (data === undefined) return;
  if (!(data instanceof Map)) throw new SnapshotError("Malformed", "engine snapshot: 'executionIds' must be a Map");
  let last = -Infinity;
  for (const [key, at] of data as Map<unknown, unknown>) {
    // In the order applied, so never a time before the one before it.
    if (typeof key !== "string" || !key.includes("|") || typeof at !== "number" || !Number.isFinite(at) || at < last) {
      throw new SnapshotError("Malformed", `engine snapshot: execution id entry ${JSON.stringify(String(key))} is malformed`);
    }
    last = at;
  }
}

function checkBounds(b: ExecutionIdBounds): void {
  if (!Number.isSafeInteger(b.retainMs) || b.retainMs < 1) throw new EngineBuildError("InvalidExecutionIdBounds", `execution id retention must be a whole number of milliseconds, at least 1 (got ${String(b.retainMs)})`);
  if (!Number.isSafeInteger(b.maxRemembered) || b.maxRemembered < 0) {
    throw new EngineBuildError("InvalidExecutionIdBounds", `the number of execution ids remembered must be a whole number, at least 0 (got ${String(b.maxRemembered)})`);
  }
}
