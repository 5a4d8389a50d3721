/**
 * A retried publish refused by the fence is this writer's own landing only when the
 * subject's last message is its message: the message id (Nats-Msg-Id, a header in the clear
 * that anyone publishing on the subject can copy) and the bytes. A message of someone else's
 * under the writer's id was taken for the landing: the journal answered records that were
 * never in the stream (what replication.signing protects readers from, the writer's own
 * acknowledgement had to check too).
 */
import { describe, expect, it } from "vitest";
import { JetStreamApiCodes, JetStreamApiError } from "@nats-io/jetstream";
import type { JournalFailedError } from "../../src/state/journal/journal.js";
import { feed, journalOn } from "./fake-jetstream-journal.js";

const fenced = () => new JetStreamApiError({ err_code: JetStreamApiCodes.StreamWrongLastSequence, code: 400, description: "wrong last sequence: 1" } as never);

/** The first attempt lands unanswered (or someone's message takes its place); the retry is refused by the fence. */
function landing(landed: (mine: Uint8Array) => Uint8Array) {
  let attempts = 0;
  let id: string | undefined;
  let sent: Uint8Array | undefined;
  let failure: JournalFailedError | undefined;
  const { journal } = journalOn(
    async (_subject, data, opts) => {
      attempts++;
      id = opts?.msgID;
      sent = data;
      if (attempts === 1) throw new Error("TIMEOUT");
      throw fenced();
    },
    { appendTimeoutMs: 5_000, onFatal: (e) => (failure = e), lastMessageOf: async () => ({ seq: 7, msgID: id, data: landed(sent!) }) },
  );
  return { journal, failure: () => failure };
}

describe("a retried publish refused by the fence", () => {
  it("is acknowledged when the subject's last message is its own id and bytes", async () => {
    const { journal, failure } = landing((mine) => mine);
    journal.append(new Uint8Array([1, 2, 3]), feed(1n));
    await journal.flush();
    expect(failure()).toBeUndefined();
    expect(journal.durableSequence).toBe(1n);
    expect(journal.subjectSequences()).toContain(7);
  });

  it("fails the journal when another message carries its id: its record is not answered", async () => {
    const { journal, failure } = landing((mine) => {
      const other = Uint8Array.from(mine);
      other[other.length - 1]! ^= 0xff;
      return other;
    });
    journal.append(new Uint8Array([1, 2, 3]), feed(1n));
    let answered = false;
    journal.afterDurable(() => (answered = true));
    await expect(journal.flush()).rejects.toThrow(/fenced/);
    expect(answered).toBe(false);
    expect(failure()?.message).toMatch(/fenced: another writer has appended to j\.\d/);
  });
});
