/**
 * Found by review (session 29, of this session's own fixes), fixed.
 * Probe (review of 1b6ac56d): a retried publish refused as a wrong last sequence now reads the
 * subject's last message (lastMessageOf, in claim.ts a JetStream API request with the
 * manager's own timeout, 5 s by default) before deciding. That read is not bounded by the
 * publish's deadline: the journal documents "retried ... until `appendTimeoutMs` after its
 * first attempt ... the timeout fail[s] the journal", but while the read hangs (a leader
 * election: exactly when retries happen) nothing fails, and the commands behind it wait
 * unanswered past appendTimeoutMs for as long as the read takes. Now the read is bounded by
 * the append's deadline.
 */
import { describe, expect, it } from "vitest";
import { JetStreamApiCodes, JetStreamApiError } from "@nats-io/jetstream";
import type { JournalFailedError } from "../../src/state/journal/journal.js";
import { feed, journalOn } from "./fake-jetstream-journal.js";

describe("a retried publish refused by the fence, whose last-message read never answers", () => {
  it("still fails the journal once appendTimeoutMs has passed since the first attempt", async () => {
    const APPEND_TIMEOUT_MS = 200;
    let attempts = 0;
    let failed!: (err: JournalFailedError) => void;
    const failure = new Promise<JournalFailedError>((r) => (failed = r));
    const t0 = performance.now();
    const { journal } = journalOn(
      async () => {
        attempts++;
        // The first attempt lands but its answer is lost; the retry is refused by the fence.
        if (attempts === 1) throw new Error("TIMEOUT");
        throw new JetStreamApiError({ err_code: JetStreamApiCodes.StreamWrongLastSequence, code: 400, description: "wrong last sequence: 1" } as never);
      },
      {
        appendTimeoutMs: APPEND_TIMEOUT_MS,
        onFatal: failed,
        // As a JetStream API request during an election, at worst: no answer at all. Before the
        // fix the journal waited on it for ever (in production, the request's own 5 s timeout).
        lastMessageOf: () => new Promise(() => undefined),
      },
    );
    journal.append(new Uint8Array([1]), feed(1n));
    let durable = false;
    journal.afterDurable(() => (durable = true));
    const err = await failure;
    // Node's timers run on the loop's millisecond clock, so one may fire up to a millisecond
    // before performance.now() says its time is up (a clean-clone CI run read 199.x ms).
    expect({ attempts, durable, afterTimeout: performance.now() - t0 >= APPEND_TIMEOUT_MS - 2 }).toEqual({ attempts: 2, durable: false, afterTimeout: true });
    // Nothing shows another writer: the message says the landing could not be confirmed (found by review, session 41).
    expect(err.message).toMatch(/the stream refused a retried append to j\.\d as a wrong last sequence \(expected \d+\), and the subject.s last message could not be read within the append.s deadline to confirm it is this append/);
  });
});
