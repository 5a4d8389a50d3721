/**
 * The audit trail: one record per admin command the door ran (applied or failed) and per
 * denied call, numbered, with who, when, what was asked and what it changed. Records are
 * state like any other: made while a command runs (a replay makes the same ones), kept in
 * snapshots, bounded in memory with the oldest dropped first.
 */
import type { AccountId } from "../param/ids.js";

/** applied: the change took effect; failed: the door ran it and it was refused (nothing changed); denied: never ran. */
export type AuditOutcome = "applied" | "failed" | "denied";


export interface AuditRecord {
  /** 1, 2, 3… over the sidecar's whole history (not reset by a restart). */
  readonly sequence: bigint;
  /** The command's timestamp (epoch milliseconds, as journaled). */
  readonly time: number;
  readonly actor: string;
  /** An admin command's kind (= its AdminService method, e.g. `blockAccount`); a denial's action as the denying layer names it. */
  readonly action: string;
  /** The command as JSON text (decimals and ids as strings); a denial: `{}`. */
  readonly request: string;
  /** The state the command touches, as JSON text, before and after it ran; absent for denials. */
  readonly effect: { readonly before: string; readonly after: string } | undefined;
  readonly outcome: AuditOutcome;
  /** failed: the error; denied: why; applied: "". */
  readonly reason: string;
  /** denied: what was attempted, in the denying layer's words; otherwise "". */
  readonly detail: string;
  /** The accounts the request names (the query's account filter matches these). */
  readonly accountIds: readonly AccountId[];
}

/** The actor of a call refused before anyone was identified (no credentials, a bad token, the console's refusals). */
export const UNAUTHENTICATED_ACTOR = "(unauthenticated)";

/** A refused call, as the security layer reports it. */
export interface AuditDenial {
  readonly actor: string;
  readonly action: string;
  readonly detail: string;
  readonly reason: string;
  readonly accountIds?: readonly AccountId[];
}

/**
 * How many records of each class are kept. Classes are bounded separately so that a flood
 * of one (a tick stream, a client hammering a denied RPC, anyone who reaches the port) never
 * pushes another out.
 */
export interface AuditRetention {
  /** Admin changes other than quote pushes, applied or failed. */
  readonly records: number;
  /** PushQuote / StreamQuotes ticks. */
  readonly quoteRecords: number;
  /** Denied calls of an identified principal. */
  readonly denials: number;
  /**
   * Denied calls of nobody identified (`UNAUTHENTICATED_ACTOR`): anyone who reaches the port can
   * make them, and at the throttled rate they pushed every principal's denials out of one shared
   * class in minutes (found by review).
   */
  readonly unauthenticatedDenials: number;
}

export const DEFAULT_AUDIT_RETENTION: AuditRetention = { records: 100_000, quoteRecords: 10_000, denials: 10_000, unauthenticatedDenials: 10_000 };

export interface AuditFilter {
  readonly actor?: string;
  readonly action?: string;
  readonly accountId?: AccountId;
  readonly outcome?: AuditOutcome;
  /** Inclusive, epoch ms. */
  readonly fromTime?: number;
  /** Exclusive, epoch ms. */
  readonly toTime?: number;
  /** Exclusive bounds on the sequence (paging). */
  readonly afterSequence?: bigint;
  readonly beforeSequence?: bigint;
  readonly newestFirst: boolean;
  readonly limit: number;
}

export interface AuditQueryResult {
  readonly records: readonly AuditRecord[];
  /** More records matched than `limit`. */
  readonly more: boolean;
}

/** The log in a snapshot: every retained record in sequence order. */
export interface AuditLogData {
  readonly nextSequence: bigint;
  readonly dropped: bigint;
  readonly records: readonly AuditRecord[];
}

type RetentionClass = keyof AuditRetention;

function classOf(r: AuditRecord): RetentionClass {
  if (r.outcome === "denied") return r.actor === UNAUTHENTICATED_ACTOR ? "unauthenticatedDenials" : "denials";
  return r.action === "pushQuote" ? "quoteRecords" : "records";
}

/** A FIFO with amortised O(1) drops from the front. */
class Fifo<T> {
  private items: T[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  at(i: number): T {
    return this.items[this.head + i]!;
  }

  /** Appends, then drops the oldest beyond `bound`; returns how many were dropped. */
  push(item: T, bound: number): number {
    this.items.push(item);
    let dropped = 0;
    while (this.length > bound) {
      this.items[this.head++] = undefined as T;
      dropped++;
    }
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return dropped;
  }

  clear(): void {
    this.items = [];
    this.head = 0;
  }
}

export class AuditLog {
  private readonly classes: Record<RetentionClass, Fifo<AuditRecord>> = {
    records: new Fifo(),
    quoteRecords: new Fifo(),
    denials: new Fifo(),
    unauthenticatedDenials: new Fifo(),
  };
  private nextSequence = 1n;
  private droppedCount = 0n;

  constructor(private readonly retention: AuditRetention = DEFAULT_AUDIT_RETENTION) {}

  /** Numbers and keeps a record; returns it as kept. */
  append(record: Omit<AuditRecord, "sequence">): AuditRecord {
    const kept: AuditRecord = { sequence: this.nextSequence++, ...record };
    const cls = classOf(kept);
    this.droppedCount += BigInt(this.classes[cls].push(kept, this.retention[cls]));
    return kept;
  }

  /** A denied call: no request or effect, only who, what and why. */
  appendDenial(d: AuditDenial, time: number): AuditRecord {
    return this.append({
      time,
      actor: d.actor,
      action: d.action,
      request: "{}",
      effect: undefined,
      outcome: "denied",
      reason: d.reason,
      detail: d.detail,
      accountIds: d.accountIds ?? [],
    });
  }

  /** An action on the process, not the state (StepDown): who, what; no request or effect. */
  appendOperation(o: { readonly actor: string; readonly action: string; readonly detail: string }, time: number): AuditRecord {
    return this.append({ time, actor: o.actor, action: o.action, request: "{}", effect: undefined, outcome: "applied", reason: "", detail: o.detail, accountIds: [] });
  }

  /** Records dropped by the retention bounds since the beginning. */
  get dropped(): bigint {
    return this.droppedCount;
  }

  get size(): number {
    return Object.values(this.classes).reduce((n, fifo) => n + fifo.length, 0);
  }

  /** The records matching `filter`, in the order asked, at most `limit` of them. */
  query(filter: AuditFilter): AuditQueryResult {
    const out: AuditRecord[] = [];
    for (const r of this.ordered(filter.newestFirst)) {
      if (filter.afterSequence !== undefined && r.sequence <= filter.afterSequence) {
        if (filter.newestFirst) break;
        continue;
      }
      if (filter.beforeSequence !== undefined && r.sequence >= filter.beforeSequence) {
        if (filter.newestFirst) continue;
        break;
      }
      if (!matches(r, filter)) continue;
      if (out.length === filter.limit) return { records: out, more: true };
      out.push(r);
    }
    return { records: out, more: false };
  }

  toData(): AuditLogData {
    return { nextSequence: this.nextSequence, dropped: this.droppedCount, records: [...this.ordered(false)] };
  }

  /** Puts a snapshot's records back, trimmed to this log's bounds (they may be smaller now). */
  restore(data: AuditLogData): void {
    for (const fifo of Object.values(this.classes)) fifo.clear();
    this.droppedCount = data.dropped;
    for (const r of data.records) {
      const cls = classOf(r);
      this.droppedCount += BigInt(this.classes[cls].push(r, this.retention[cls]));
    }
    this.nextSequence = data.nextSequence;
  }

  /** Every retained record, merged across classes by sequence, oldest or newest first. */
  private *ordered(newestFirst: boolean): Generator<AuditRecord> {
    const lists = Object.values(this.classes);
    const at = lists.map((l) => (newestFirst ? l.length - 1 : 0));
    for (;;) {
      let best = -1;
      for (let i = 0; i < lists.length; i++) {
        const j = at[i]!;
        if (j < 0 || j >= lists[i]!.length) continue;
        if (best < 0) {
          best = i;
          continue;
        }
        const a = lists[i]!.at(j).sequence;
        const b = lists[best]!.at(at[best]!).sequence;
        if (newestFirst ? a > b : a < b) best = i;
      }
      if (best < 0) return;
      yield lists[best]!.at(at[best]!);
      at[best]! += newestFirst ? -1 : 1;
    }
  }
}

function matches(r: AuditRecord, f: AuditFilter): boolean {
  if (f.actor !== undefined && r.actor !== f.actor) return false;
  if (f.action !== undefined && r.action !== f.action) return false;
  if (f.outcome !== undefined && r.outcome !== f.outcome) return false;
  if (f.fromTime !== undefined && r.time < f.fromTime) return false;
  if (f.toTime !== undefined && r.time >= f.toTime) return false;
  if (f.accountId !== undefined && !r.accountIds.includes(f.accountId)) return false;
  return true;
}
