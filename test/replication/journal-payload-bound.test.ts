/**
 * The replicated journal never builds a publish the NATS server cannot take: its max_payload
 * (as the connection reports it) bounds each message, a record too large to travel alone is
 * refused by append before anything changes, and a publish the client library refuses as an
 * invalid argument fails the journal at once instead of being retried as a missing ack until
 * appendTimeoutMs. Found by review (a 1.5 MB admin reason failed a replicated sidecar).
 */
import { describe, expect, it } from "vitest";
import { InvalidArgumentError } from "@nats-io/transport-node";
import { decodeJournalMessage } from "../../src/replication/journal-message.js";
import { RecordSigner } from "../../src/replication/record-signing.js";
import { feed, journalOn } from "./fake-jetstream-journal.js";
import { RecordTooLargeError } from "../../src/state/journal/journal.js";

describe("replicated journal: the server's max_payload", () => {
  it("bounds every message and refuses, in append, a record that cannot travel alone", async () => {
    const sizes: number[] = [];
    let seq = 0;
    const { journal, failures } = journalOn(async (_subject, data) => {
      sizes.push(data.length);
      expect(decodeJournalMessage(data).kind).toBe("records");
      return { seq: ++seq };
    }, { maxPayload: 4096 });
    // 4096 less 512 for the publish's headers, 16 for the message header, 16 for the frame's.
    expect(() => journal.append(new Uint8Array(3553), feed(1n))).toThrow(new RecordTooLargeError(3553, 3552));
    expect(journal.lastSequence).toBe(0n);
    for (let i = 0; i < 10; i++) journal.append(new Uint8Array(1000), feed(1n));
    journal.append(new Uint8Array(3552), feed(1n));
    await journal.flush();
    expect(failures).toEqual([]);
    expect(journal.durableSequence).toBe(11n);
    // One turn: three 1 016-byte frames per message at most (16 + 3 × 1016 = 3064 ≤ 3584), then the big one alone.
    expect(sizes).toEqual([3064, 3064, 3064, 1032, 3584]);
  });

  it("with signing, leaves room for each message's signature and the sequence it follows (44 bytes) and signs each with its subject", async () => {
    const signer = new RecordSigner(Buffer.alloc(32, 7));
    const sizes: number[] = [];
    let seq = 0;
    const { journal, failures } = journalOn(async (subject, data) => {
      sizes.push(data.length);
      expect(decodeJournalMessage(data, { signer, subject }).kind).toBe("records");
      expect(() => decodeJournalMessage(data, { signer, subject: "j.other" })).toThrow("signature refused");
      return { seq: ++seq };
    }, { maxPayload: 4096, signer });
    expect(() => journal.append(new Uint8Array(3509), feed(1n))).toThrow(new RecordTooLargeError(3509, 3508));
    for (let i = 0; i < 3; i++) journal.append(new Uint8Array(1000), feed(1n));
    journal.append(new Uint8Array(3508), feed(1n));
    await journal.flush();
    expect(failures).toEqual([]);
    expect(sizes).toEqual([16 + 3 * 1016 + 44, 3584]);
  });

  it("fails the journal at once when the client library refuses a publish as invalid, without retrying", async () => {
    let calls = 0;
    const { journal, failures } = journalOn(async () => {
      calls++;
      throw InvalidArgumentError.format("payload", "max_payload size exceeded");
    });
    let answered = false;
    journal.append(new Uint8Array(10), feed(1n));
    journal.afterDurable(() => (answered = true));
    await expect(journal.flush()).rejects.toThrow(/the NATS client refused an append to j\.\d: .*max_payload size exceeded/);
    expect([calls, failures.length, answered, journal.retriedPublishes]).toEqual([1, 1, false, 0]);
  });
});
