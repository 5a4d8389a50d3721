/**
 * Where an order's time goes inside the sidecar, for the tail-latency work (issue 10).
 * Off unless `OPENPIT_TRACE_SAMPLE=N` is set: then one channel message in N (by
 * correlation id) gets a timestamp per stage, and every event-loop turn that ran channel
 * or feed work is measured with what ran in it. When off, `stageTrace` is undefined and
 * the hot paths pay one `undefined` check.
 *
 * Clock: `process.hrtime.bigint()` (CLOCK_MONOTONIC), the same clock in every process on
 * the host, so the load generator can join these stamps with its own by correlation id.
 *
 * A "turn" here is the stretch from the first traced work of a macrotask (the earliest is
 * grpc-js deserializing a message) to the check phase that follows it (a setImmediate
 * scheduled by that first work): everything that ran in between — all the messages one
 * socket read delivered, feed batches included — held every order behind it.
 */
import { PerformanceObserver } from "node:perf_hooks";

const now = (): number => Number(process.hrtime.bigint());

/** Stages of one sampled channel message, in ns on the shared monotonic clock. */
export interface OrderStamps {
  readonly cid: string;
  /** grpc-js handed the bytes to our deserializer. */
  deserialized: number;
  /** The channel's 'data' handler got the decoded message. */
  delivered: number;
  /** Messages waiting in the channel's inbox when it arrived (flow-control back-pressure). */
  inboxAhead: number;
  /** Answers of this stream buffered in grpc-js's writable, not yet taken by HTTP/2, then. */
  answersBuffered: number;
  /** Work already done in this turn before this message's engine start: ns and what. */
  turnNsBefore: number;
  turnOrdersBefore: number;
  turnReportsBefore: number;
  engineStart: number;
  engineEnd: number;
  /** `call.write` was called (after `afterDurable`). */
  written: number;
  /** The response's bytes were serialized (inside `call.write`). */
  serialized: number;
  /** grpc-js's write callback: the HTTP/2 stream accepted the bytes. */
  flushed: number;
}

export interface TurnRecord {
  readonly start: number;
  readonly ns: number;
  readonly orders: number;
  readonly orderNs: number;
  readonly feedMessages: number;
  readonly reports: number;
  readonly feedNs: number;
  readonly other: number;
}

export interface TraceDump {
  readonly sample: number;
  readonly orders: readonly OrderStamps[];
  /** Every traced turn (start, length, composition). */
  readonly turns: readonly TurnRecord[];
  /** GC pauses: [start ns on the shared clock, duration ns, kind]. */
  readonly gc: readonly (readonly [number, number, number])[];
  /** Client side: response bytes reached the client's decoder, by correlation id. */
  readonly received: Readonly<Record<string, number>>;
}

export class StageTrace {
  private orders = new Map<string, OrderStamps>();
  private arrivals = new Map<string, number>();
  private turns: TurnRecord[] = [];
  private gc: [number, number, number][] = [];
  private turnOpen = false;
  private turnStart = 0;
  private t = { orders: 0, orderNs: 0, feedMessages: 0, reports: 0, feedNs: 0, other: 0 };
  /** performance.now() origin on the hrtime clock, to place GC entries. */
  private readonly originNs: number;

  constructor(readonly sample: number) {
    this.originNs = now() - performance.now() * 1e6;
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        const kind = (e as unknown as { detail?: { kind?: number } }).detail?.kind ?? 0;
        this.gc.push([this.originNs + e.startTime * 1e6, e.duration * 1e6, kind]);
      }
    }).observe({ entryTypes: ["gc"] });
  }

  sampled(cid: bigint): boolean {
    return cid % BigInt(this.sample) === 0n;
  }

  /** Opens a turn if none is open; it closes in the next check phase. */
  touch(): number {
    const t = now();
    if (!this.turnOpen) {
      this.turnOpen = true;
      this.turnStart = t;
      setImmediate(this.closeTurn);
    }
    return t;
  }

  private readonly closeTurn = (): void => {
    this.turnOpen = false;
    this.turns.push({ start: this.turnStart, ns: now() - this.turnStart, ...this.t });
    this.t = { orders: 0, orderNs: 0, feedMessages: 0, reports: 0, feedNs: 0, other: 0 };
  };

  /** `t`: from `touch()` before the bytes were decoded. */
  deserialized(cid: bigint, t: number): void {
    if (!this.sampled(cid)) return;
    const key = cid.toString();
    this.orders.set(key, { cid: key, deserialized: t, delivered: 0, inboxAhead: 0, answersBuffered: 0, turnNsBefore: 0, turnOrdersBefore: 0, turnReportsBefore: 0, engineStart: 0, engineEnd: 0, written: 0, serialized: 0, flushed: 0 });
  }

  private stamps(cid: bigint): OrderStamps | undefined {
    return this.orders.get(cid.toString());
  }

  delivered(cid: bigint, inboxAhead: number, answersBuffered: number): void {
    const t = this.touch();
    const s = this.stamps(cid);
    if (!s) return;
    s.delivered = t;
    s.inboxAhead = inboxAhead;
    s.answersBuffered = answersBuffered;
  }

  /** Runs one channel message's work, timed; `cid` for the sampled stamps. */
  order<T>(cid: bigint, run: () => T): T {
    const start = this.touch();
    const s = this.stamps(cid);
    if (s) {
      s.engineStart = start;
      s.turnNsBefore = start - this.turnStart;
      s.turnOrdersBefore = this.t.orders;
      s.turnReportsBefore = this.t.reports;
    }
    const value = run();
    const end = now();
    if (s) s.engineEnd = end;
    this.t.orders++;
    this.t.orderNs += end - start;
    return value;
  }

  feed<T>(reports: number, run: () => T): T {
    const start = this.touch();
    const value = run();
    this.t.feedMessages++;
    this.t.reports += reports;
    this.t.feedNs += now() - start;
    return value;
  }

  written(cid: bigint): ((err?: unknown) => void) | undefined {
    const s = this.stamps(cid);
    if (!s) return undefined;
    s.written = now();
    return () => {
      s.flushed = now();
    };
  }

  serialized(cid: bigint): void {
    const s = this.stamps(cid);
    if (s) s.serialized = now();
  }

  /** Client side (the load generator): a sampled response's bytes reached our decoder. */
  received(cid: bigint): void {
    if (this.sampled(cid)) this.arrivals.set(cid.toString(), now());
  }

  /** What was recorded since the last dump (the next run starts empty). */
  dump(): TraceDump {
    const d = { sample: this.sample, orders: [...this.orders.values()], turns: this.turns, gc: this.gc, received: Object.fromEntries(this.arrivals) };
    this.orders = new Map();
    this.arrivals = new Map();
    this.turns = [];
    this.gc = [];
    return d;
  }
}

function sampleFromEnv(): number {
  const n = Number(process.env.OPENPIT_TRACE_SAMPLE ?? 0);
  return Number.isSafeInteger(n) && n > 0 ? n : 0;
}

const SAMPLE = sampleFromEnv();

/** The process's trace, or undefined (the normal case) when OPENPIT_TRACE_SAMPLE is not set. */
export const stageTrace: StageTrace | undefined = SAMPLE > 0 ? new StageTrace(SAMPLE) : undefined;
