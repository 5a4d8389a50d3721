/**
 * Found by review of 8d911e0 (session 41): a duplicate PubAck counted only after one read of
 * the subject's last message. A retry of this writer's own publish that landed unanswered is
 * what nats-servers checking duplicates first answer as a duplicate; when that single read
 * failed once (the same blip that lost the first answer), the journal failed closed blaming
 * "another publisher used this writer's message id", though the stream held this very message.
 * The read is now tried again until the append's deadline; a read that never answers fails
 * the journal saying so, not blaming anyone.
 */
import { describe, expect, it } from "vitest";
import type { JournalFailedError } from "../../src/state/journal/journal.js";
import { feed, journalOn } from "../replication/fake-jetstream-journal.js";

describe("a retried append answered as a duplicate of its own landing", () => {
  it("is acknowledged when the first read of the subject's last message fails transiently", async () => {
    let attempts = 0;
    let reads = 0;
    let id: string | undefined;
    let sent: Uint8Array | undefined;
    let failure: JournalFailedError | undefined;
    const { journal } = journalOn(
      async (_subject, data, opts) => {
        attempts++;
        id = opts?.msgID;
        sent = data;
        if (attempts === 1) throw new Error("TIMEOUT"); // landed at 7, the answer lost
        return { seq: 7, duplicate: true } as { seq: number };
      },
      {
        appendTimeoutMs: 5_000,
        onFatal: (e) => (failure = e),
        lastMessageOf: async () => {
          reads++;
          if (reads === 1) throw new Error("503 no responders");
          return { seq: 7, msgID: id, data: sent! };
        },
      },
    );
    journal.append(new Uint8Array([1, 2, 3]), feed(1n));
    await journal.flush().catch(() => undefined);
    expect(failure?.message).toBeUndefined();
    expect(journal.durableSequence).toBe(1n);
  });

  it("fails closed, saying the landing could not be confirmed, when no read answers before the deadline", async () => {
    let attempts = 0;
    let failure: JournalFailedError | undefined;
    const { journal } = journalOn(
      async () => {
        attempts++;
        if (attempts === 1) throw new Error("TIMEOUT");
        return { seq: 7, duplicate: true } as { seq: number };
      },
      {
        appendTimeoutMs: 300,
        onFatal: (e) => (failure = e),
        lastMessageOf: async () => {
          throw new Error("503 no responders");
        },
      },
    );
    journal.append(new Uint8Array([1, 2, 3]), feed(1n));
    await journal.flush().catch(() => undefined);
    expect(failure?.message).toMatch(/as a duplicate of stream sequence 7, and the subject's last message could not be read within the append's deadline to confirm it is this append/);
    expect(journal.durableSequence).toBe(0n);
  });
});
