/**
 * The door's observer for metrics: every live command, append and fdatasync counted in
 * plain fields and typed arrays (a few increments per order), read by prom-client only at
 * a scrape (sidecar-metrics.ts). No account id is kept: labels are command kinds, outcomes,
 * reject codes, policy names and error codes, all bounded sets.
 */
import { performance } from "node:perf_hooks";
import type { ChannelCommand } from "../../state/commands.js";
import type { ChannelResult, ReportResult } from "../../state/results.js";
import type { ClosedChannel, DoorObserver, ExpiredReservations, FencedChannel } from "../../state/door-observer.js";
import type { Journal } from "../../state/journal/journal.js";
import { FixedHistograms } from "./fixed-histograms.js";

/** A command's outcome: a pre-trade decision's verdict (and a drop copy's failure), `ok` for everything else, `error` for a CommandError. */
export const OUTCOMES = ["accepted", "rejected", "ok", "error", "retried", "duplicate"] as const;
const ACCEPTED = 0;
const REJECTED = 1;
const OK = 2;
const ERROR = 3;
/** A safe retry answered with its first decision: no new decision, so neither accepted nor rejected again. */
const RETRIED = 4;
/** A report whose execution id was applied already: nothing applied again (execution-ids.ts). */
const DUPLICATE = 5;

/** The feed's reports are a kind of their own (a channel's `report` is the channel's). */
export const FEED_REPORT = "feedReport";

/** The door's command kinds in label order; kinds added later get the next index on first sight. */
const KNOWN_KINDS: readonly string[] = [
  "bind",
  "release",
  "start",
  "executeRequest",
  "discardRequest",
  "execute",
  "startDryRun",
  "executeDryRun",
  "dropCopy",
  "commit",
  "rollback",
  "report",
  "adjust",
  FEED_REPORT,
];

/** Room for kinds beyond the known ones (new commands) without resizing the arrays. */
const MAX_KINDS = 48;

/** Where closes and fences are also told (the log). */
export interface ChannelLifecycleListener {
  channelClosed(closed: ClosedChannel): void;
  channelFenced(fenced: FencedChannel): void;
  reservationsExpired(expired: ExpiredReservations): void;
}

export class DoorCounters implements DoorObserver {
  /**
   * Label index by command kind. A Map: a plain object read with a different key per kind
   * was a megamorphic keyed load in optimised code, a probe of V8's shared stub cache on
   * every order, where a Map of interned strings reads its own small table
   * (docs/performance.md, "Session 22").
   */
  private readonly kindIndex = new Map<string, number>(KNOWN_KINDS.map((k, i) => [k, i]));
  /** Command kind by label index. */
  readonly kinds: string[] = [...KNOWN_KINDS];
  /** Commands by kind × outcome. */
  readonly commands = new Float64Array(MAX_KINDS * OUTCOMES.length);
  /** Rejects of real decisions (dry runs left out): policy → code → count. */
  readonly rejects = new Map<string, Map<string, number>>();
  /** CommandErrors answered by the door: kind → code → count. */
  readonly errors = new Map<string, Map<string, number>>();
  /** Time in the door per command, by kind. */
  readonly engineTime = new FixedHistograms(MAX_KINDS);
  /** From the message's arrival to its answer's write, per command, by kind (the services observe it). */
  readonly sidecarTime = new FixedHistograms(MAX_KINDS);
  readonly journalAppendTime = new FixedHistograms(1);
  readonly fsyncTime = new FixedHistograms(1);
  /** Channels closed by reason (lost, ended, shutdown, recovery, policy); reservations rolled back and requests abandoned by reason (those, fenced, expired). */
  readonly channelsClosed = new Map<string, number>();
  readonly rolledBack = new Map<string, number>();
  readonly abandoned = new Map<string, number>();
  fences = 0;

  private commandTicks = 0;
  private appendTicks = 0;
  private answerTicks = 0;

  /** `sampleEvery`: the latency histograms time one message (or append) in this many; counters count all. */
  constructor(
    private readonly lifecycle?: ChannelLifecycleListener,
    readonly sampleEvery = 1,
  ) {}

  /**
   * A method, not a closure in a field: the door calls it twice per command, and a call
   * through a field was V8's generic call builtin each time (docs/performance.md, "Session 23").
   */
  now(): number {
    return performance.now();
  }

  timeCommands(): boolean {
    return this.commandTicks++ % this.sampleEvery === 0;
  }

  timeAppend(): boolean {
    return this.appendTicks++ % this.sampleEvery === 0;
  }

  /** Whether the services time the message that just arrived (arrival to answer). */
  timeAnswer(): boolean {
    return this.answerTicks++ % this.sampleEvery === 0;
  }

  /** The label index of `kind` (a new kind gets the next one). */
  indexOf(kind: string): number {
    let i = this.kindIndex.get(kind);
    if (i === undefined) {
      // Past the room: counted with the last slot rather than failing an order.
      i = Math.min(this.kinds.length, MAX_KINDS - 1);
      if (i === this.kinds.length) {
        this.kinds.push(kind);
        this.kindIndex.set(kind, i);
      }
    }
    return i;
  }

  channelCommand(kind: ChannelCommand["kind"], result: ChannelResult, ms: number): void {
    const k = this.indexOf(kind);
    if (ms >= 0) this.engineTime.observe(k, ms / 1000);
    let outcome = OK;
    switch (result.kind) {
      case "startAccepted":
        outcome = ACCEPTED;
        break;
      case "executeAccepted":
        outcome = result.retried ? RETRIED : ACCEPTED;
        break;
      case "dropCopy":
        if (result.retried) outcome = RETRIED;
        break;
      case "startRejected":
      case "executeRejected":
      // A drop copy that could not be booked (an order at the venue the sidecar does not
      // account for): as visible as a reject, with its rejects counted.
      case "dropCopyFailed":
        outcome = REJECTED;
        for (const r of result.rejects) count(this.rejects, r.policy, r.code);
        break;
      case "dryRun":
        outcome = result.report.isPass ? ACCEPTED : REJECTED;
        break;
      case "postTrade":
        if (result.result.duplicateExecutionId === true) outcome = DUPLICATE;
        break;
      case "error":
        outcome = ERROR;
        count(this.errors, kind, result.error.code);
        break;
    }
    this.commands[k * OUTCOMES.length + outcome]!++;
  }

  feedReport(result: ReportResult, ms: number): void {
    const k = this.indexOf(FEED_REPORT);
    if (ms >= 0) this.engineTime.observe(k, ms / 1000);
    if (result.kind === "error") {
      count(this.errors, FEED_REPORT, result.error.code);
      this.commands[k * OUTCOMES.length + ERROR]!++;
    } else this.commands[k * OUTCOMES.length + (result.result.duplicateExecutionId === true ? DUPLICATE : OK)]!++;
  }

  /** One command of kind index `k` was answered `seconds` after its message arrived. */
  answered(k: number, seconds: number): void {
    this.sidecarTime.observe(k, seconds);
  }

  journalAppend(ms: number): void {
    this.journalAppendTime.observe(0, ms / 1000);
  }

  journalAttached(journal: Journal): void {
    journal.onFsync = (us) => this.fsyncTime.observe(0, us / 1e6);
  }

  channelClosed(closed: ClosedChannel): void {
    add(this.channelsClosed, closed.reason, 1);
    add(this.rolledBack, closed.reason, closed.rolledBack);
    add(this.abandoned, closed.reason, closed.abandoned);
    this.lifecycle?.channelClosed(closed);
  }

  channelFenced(fenced: FencedChannel): void {
    this.fences++;
    add(this.rolledBack, "fenced", fenced.rolledBack);
    add(this.abandoned, "fenced", fenced.abandoned);
    this.lifecycle?.channelFenced(fenced);
  }

  reservationsExpired(expired: ExpiredReservations): void {
    add(this.rolledBack, "expired", expired.rolledBack);
    this.lifecycle?.reservationsExpired(expired);
  }
}

function add(map: Map<string, number>, key: string, n: number): void {
  map.set(key, (map.get(key) ?? 0) + n);
}

function count(map: Map<string, Map<string, number>>, outer: string, inner: string): void {
  let m = map.get(outer);
  if (!m) map.set(outer, (m = new Map()));
  m.set(inner, (m.get(inner) ?? 0) + 1);
}
