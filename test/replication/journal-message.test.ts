/** Epoch markers: the default group's (kind 2, as before ownership groups) and a group's, which names it. */
import { describe, expect, it } from "vitest";
import { decodeJournalMessage, encodeEpochMessage, encodeRecordsMessage, frameRecord, JournalMessageError, SIGNED_MESSAGE_VERSION } from "../../src/replication/journal-message.js";
import { RecordSigner } from "../../src/replication/record-signing.js";

describe("epoch markers", () => {
  it("the default group's marker keeps its layout (kind 2) and decodes without a group", () => {
    const m = encodeEpochMessage(7n, 42n, "sidecar-a");
    expect(m.readUInt16LE(6)).toBe(2);
    expect(m.length).toBe(16 + 8 + "sidecar-a".length);
    expect(decodeJournalMessage(m)).toEqual({ kind: "epoch", epoch: 7n, firstSequence: 42n, instanceId: "sidecar-a", group: undefined });
  });

  it("a group's marker (kind 3) names the group; a truncated group is refused", () => {
    const m = encodeEpochMessage(9n, 1n, "b-1", "2-3");
    expect(m.readUInt16LE(6)).toBe(3);
    expect(decodeJournalMessage(m)).toEqual({ kind: "epoch", epoch: 9n, firstSequence: 1n, instanceId: "b-1", group: "2-3" });
    expect(() => decodeJournalMessage(m.subarray(0, 16 + 8 + 3))).toThrow("epoch marker's group is truncated");
  });
});

describe("signed messages (version 3; version 2 still read)", () => {
  const signer = new RecordSigner(Buffer.alloc(32, 3));
  const accepting = new RecordSigner(Buffer.alloc(32, 3), true);
  const frame = frameRecord(5n, new TextEncoder().encode("credit"));

  it("are version 1's header and body, the stream sequence they follow, then the key id and MAC; decoded with the key and the subject", () => {
    const unsigned = encodeRecordsMessage(4n, [frame], frame.length);
    const signed = encodeRecordsMessage(4n, [frame], frame.length, { signer, subject: "j.1", follows: 77 });
    expect(signed.readUInt16LE(4)).toBe(3);
    expect(signed.length).toBe(unsigned.length + 8 + 36);
    expect(signed.subarray(6, unsigned.length)).toEqual(unsigned.subarray(6));
    expect(signed.readBigUInt64LE(unsigned.length)).toBe(77n);
    expect(signed.subarray(unsigned.length + 8, unsigned.length + 12).toString("hex")).toBe(signer.keyId);
    const m = decodeJournalMessage(signed, { signer, subject: "j.1" });
    expect(m.kind === "records" && m.records.map((r) => [r.seq, new TextDecoder().decode(r.payload)])).toEqual([[5n, "credit"]]);
    expect(m.follows).toBe(77);
    const marker = encodeEpochMessage(9n, 1n, "b-1", "2-3", { signer, subject: "j.2", follows: 5 });
    expect(decodeJournalMessage(marker, { signer, subject: "j.2" })).toEqual({ kind: "epoch", epoch: 9n, firstSequence: 1n, instanceId: "b-1", group: "2-3", follows: 5 });
    expect(() => decodeJournalMessage(marker, { signer, subject: "j.3" })).toThrow(JournalMessageError);
  });

  // Found by review (session 43): a signature that does not cover the message's place let a
  // signed append the stream refused be published again and applied (journal-tail.ts).
  it("the sequence a message follows is signed: changed, the signature is refused", () => {
    const signed = encodeRecordsMessage(4n, [frame], frame.length, { signer, subject: "j.1", follows: 77 });
    const moved = Buffer.from(signed);
    moved.writeBigUInt64LE(78n, signed.length - 36 - 8);
    expect(() => decodeJournalMessage(moved, { signer, subject: "j.1" })).toThrow("signature refused");
  });

  it("an older writer's version 2 (no sequence it follows) is still read", () => {
    const unsigned = encodeRecordsMessage(4n, [frame], frame.length);
    const body = Buffer.from(unsigned);
    body.writeUInt16LE(SIGNED_MESSAGE_VERSION, 4);
    const v2 = Buffer.concat([body, signer.sign("journal-message", "j.1", body)]);
    const m = decodeJournalMessage(v2, { signer, subject: "j.1" });
    expect(m.kind === "records" && m.records.map((r) => r.seq)).toEqual([5n]);
    expect(m.follows).toBeUndefined();
  });

  it("signed as version 1 claims to be: refused (the version is signed)", () => {
    const signed = encodeRecordsMessage(4n, [frame], frame.length, { signer, subject: "j.1" });
    const downgraded = Buffer.from(signed);
    downgraded.writeUInt16LE(1, 4);
    // Read as unsigned, the signature is a truncated frame: refused either way, never applied.
    expect(() => decodeJournalMessage(downgraded, { signer: accepting, subject: "j.1" })).toThrow(JournalMessageError);
  });

  it("unsigned: refused with signing on unless acceptUnsigned; signed: refused without signing", () => {
    const unsigned = encodeRecordsMessage(4n, [frame], frame.length);
    expect(() => decodeJournalMessage(unsigned, { signer, subject: "j.1" })).toThrow("unsigned message refused");
    expect(decodeJournalMessage(unsigned, { signer: accepting, subject: "j.1" }).kind).toBe("records");
    expect(decodeJournalMessage(unsigned).kind).toBe("records");
    const signed = encodeRecordsMessage(4n, [frame], frame.length, { signer, subject: "j.1" });
    expect(() => decodeJournalMessage(signed)).toThrow("signed message (version 3), but replication.signing is not configured on this instance");
    expect(() => decodeJournalMessage(signed.subarray(0, 60), { signer, subject: "j.1" })).toThrow("signature refused");
    expect(() => decodeJournalMessage(signed.subarray(0, 40), { signer, subject: "j.1" })).toThrow("has no room for its signature");
  });
});
