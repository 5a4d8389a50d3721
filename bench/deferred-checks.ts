/**
 * The oracle's checks of answers, run after the answers around them were timed.
 *
 * One socket read of the generator often holds several answers (in the open loop at 80 %,
 * a dozen or more). If each answer were checked (and its fills queued) before the next
 * one was even decoded, answer k's latency would include the oracle's work on answers
 * 1..k-1: generator time counted as the sidecar's. So a handler made by `stampThenCheck`
 * stamps its answer at once (the pacer's `answered`, with everything before the bytes
 * were read still counted) and only queues the check; the queue is drained in a
 * microtask, which runs after the whole chunk (the stream's synchronous 'data' work) was
 * split, decoded and stamped, and before any later tick or read. Checks run in the order
 * the answers arrived, so the oracle's books move exactly as before; nothing is skipped.
 */
import type { AnswerView } from "./answer-wire.js";
import type { AnswerHandler } from "./raw-channel.js";

export class DeferredChecks {
  // Parallel arrays, reused from drain to drain: no object per answer.
  private checks: AnswerHandler<never>[] = [];
  private tokens: unknown[] = [];
  private answers: (AnswerView | Error)[] = [];
  private scheduled = false;

  /** Runs `check(token, answer)` at the end of this chunk (a microtask), after earlier deferred checks. */
  defer<T>(check: AnswerHandler<T>, token: T, answer: AnswerView | Error): void {
    this.checks.push(check as AnswerHandler<never>);
    this.tokens.push(token);
    this.answers.push(answer);
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(this.run);
    }
  }

  /** Checks waiting for the end of their chunk. */
  get pending(): number {
    return this.checks.length;
  }

  /** Runs every waiting check now (the microtask does it too; a no-op when none waits). */
  readonly run = (): void => {
    this.scheduled = false;
    // A check that throws (an oracle bug) must not cost the checks after it: one of them may
    // be a fill batch's, whose bookkeeping the final drain waits for. Every check runs, then
    // the first error is rethrown (from the microtask: the run fails loudly).
    let failure: { error: unknown } | undefined;
    // A check may defer another (none does today): it joins this drain.
    for (let k = 0; k < this.checks.length; k++) {
      try {
        (this.checks[k] as AnswerHandler<unknown>)(this.tokens[k], this.answers[k]!);
      } catch (error) {
        failure ??= { error };
      }
    }
    this.checks.length = 0;
    this.tokens.length = 0;
    this.answers.length = 0;
    if (failure) throw failure.error;
  };
}

/** A handler that stamps each answer at once (`stamp`) and checks it at the end of its chunk (`check`). */
export function stampThenCheck<T>(stamp: AnswerHandler<T>, check: AnswerHandler<T>, checks: DeferredChecks): AnswerHandler<T> {
  return (token, answer) => {
    stamp(token, answer);
    checks.defer(check, token, answer);
  };
}

/** `check` deferred to the end of the chunk, with no stamp (top-ups and fills: nothing times them). */
export function checkLater<T>(check: AnswerHandler<T>, checks: DeferredChecks): AnswerHandler<T> {
  return (token, answer) => checks.defer(check, token, answer);
}
