/**
 * Feeds fills for accepted open-loop orders back on the `ExecutionReportFeedService`, as
 * a venue's drop copy would. Fills are gathered and published every `flushEveryMs` in one
 * message (a report delay of about that much, like OpenPit's harness, whose settlements
 * follow their order by a couple of milliseconds); each result is checked by the oracle,
 * which then counts the fill's credit as confirmed. Published through the raw generator's
 * feed stream (raw-channel.ts), the reports encoded by hand (order-wire.ts).
 */
import type { AnswerView } from "./answer-wire.js";
import { checkLater, type DeferredChecks } from "./deferred-checks.js";
import type { Expectation, Oracle } from "./oracle.js";
import type { FillReport } from "./order-wire.js";
import type { RawReportFeed } from "./raw-channel.js";

type Accepted = Expectation & { accept: true };

/** One report: the order, this fill's quantity and what it leaves open. */
interface Fill extends FillReport {
  readonly order: Accepted;
}

export class FillFeed {
  private queue: Fill[] = [];
  private inFlight = 0;
  private lastFlushNs = process.hrtime.bigint();
  private readonly flushEveryNs: bigint;
  private readonly idle: (() => void)[] = [];
  private readonly onAnswer: (batch: Fill[], answer: AnswerView | Error) => void;
  published = 0;

  constructor(
    private readonly feed: RawReportFeed,
    private readonly oracle: Oracle,
    /** The feed's answers are checked at the end of their chunk, with the orders' (deferred-checks.ts). */
    checks: DeferredChecks,
    flushEveryMs: number,
    private readonly maxPerMessage: number,
  ) {
    this.flushEveryNs = BigInt(Math.round(flushEveryMs * 1e6));
    this.onAnswer = checkLater(this.checkBatch, checks);
  }

  /**
   * Queues the fills of an accepted order: one final fill, or `parts` partial fills of
   * (nearly) equal size, the last one final (a report-heavy flow: more reports than orders).
   */
  add(accepted: Accepted, parts = 1): void {
    const n = Math.max(1, Math.min(parts, accepted.quantity));
    let leaves = accepted.quantity;
    for (let k = 0; k < n; k++) {
      const quantity = k === n - 1 ? leaves : Math.floor(accepted.quantity / n);
      leaves -= quantity;
      this.queue.push({ order: accepted, accountId: accepted.accountId, instrument: accepted.instrument, side: accepted.side, quantity, leaves });
    }
  }

  /** Called from the generator's pacing loop. */
  maybeFlush(nowNs: bigint): void {
    if (this.queue.length > 0 && nowNs - this.lastFlushNs >= this.flushEveryNs) this.flush(nowNs);
  }

  private flush(nowNs: bigint, perMessage = this.maxPerMessage): void {
    this.lastFlushNs = nowNs;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, perMessage);
      this.inFlight++;
      this.published += batch.length;
      this.feed.publish(batch, this.onAnswer, batch);
    }
  }

  private readonly checkBatch = (batch: Fill[], answer: AnswerView | Error): void => {
    if (answer instanceof Error) batch.forEach(() => this.oracle.mismatch(`fill lost: ${answer.message}`));
    else if (answer.error) batch.forEach(() => this.oracle.mismatch(`fills refused whole (${answer.error!.code}): ${answer.error!.message}`));
    else batch.forEach((f, i) => this.oracle.checkFill(f.order, answer.results[i], f.quantity, f.leaves));
    this.inFlight--;
    if (this.inFlight === 0) this.idle.splice(0).forEach((f) => f());
  };

  /** Fills waiting to be published. */
  get queued(): number {
    return this.queue.length;
  }

  /**
   * Publishes what is queued (in messages of `perMessage` fills, by default the feed's
   * maximum) and resolves when every fill has been answered.
   */
  async drain(perMessage = this.maxPerMessage): Promise<void> {
    this.flush(process.hrtime.bigint(), perMessage);
    if (this.inFlight > 0) await new Promise<void>((resolve) => this.idle.push(resolve));
  }
}
