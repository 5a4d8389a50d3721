/**
 * The MAC of replication.signing (src/replication/record-signing.ts): a signature verifies
 * only for its key, its kind, its name and its bytes.
 */
import { describe, expect, it } from "vitest";
import { RecordSigner, SIGNATURE_BYTES } from "../../src/replication/record-signing.js";

const key = (fill: number) => Buffer.alloc(32, fill);
const bytes = Buffer.from("the content that decides meaning");

describe("record signatures", () => {
  const signer = new RecordSigner(key(1));

  it("verify what was signed, under the same kind and name", () => {
    const sig = signer.sign("journal-message", "openpit.journal.3", bytes);
    expect(sig).toHaveLength(SIGNATURE_BYTES);
    expect(sig.subarray(0, 4).toString("hex")).toBe(signer.keyId);
    expect(signer.verify("journal-message", "openpit.journal.3", sig, bytes)).toEqual({ ok: true });
    // The content may come in parts: the same bytes, the same MAC.
    expect(signer.verify("journal-message", "openpit.journal.3", sig, bytes.subarray(0, 5), bytes.subarray(5))).toEqual({ ok: true });
  });

  it("refuse a changed byte, another name, another kind, another key", () => {
    const sig = signer.sign("journal-message", "openpit.journal.3", bytes);
    const changed = Buffer.from(bytes);
    changed[7]! ^= 1;
    expect(signer.verify("journal-message", "openpit.journal.3", sig, changed)).toMatchObject({ ok: false, reason: expect.stringContaining("MAC does not match") });
    expect(signer.verify("journal-message", "openpit.journal.4", sig, bytes)).toMatchObject({ ok: false, reason: expect.stringContaining("moved here from another subject") });
    expect(signer.verify("lease-value", "openpit.journal.3", sig, bytes)).toMatchObject({ ok: false, reason: expect.stringContaining("another key") });
    const other = new RecordSigner(key(2));
    expect(other.verify("journal-message", "openpit.journal.3", sig, bytes)).toEqual({
      ok: false,
      reason: `it is signed with key ${signer.keyId}, this instance's key is ${other.keyId} (the instances must share one key)`,
    });
    // A name's end cannot be shifted into the content: the name is length-prefixed.
    const shifted = signer.sign("snapshot", "J.state", Buffer.from(".0-1data"));
    expect(signer.verify("snapshot", "J.state.0-1", shifted, Buffer.from("data")).ok).toBe(false);
    const bad = Buffer.from(sig);
    bad[SIGNATURE_BYTES - 1]! ^= 0x80;
    expect(signer.verify("journal-message", "openpit.journal.3", bad, bytes).ok).toBe(false);
    expect(signer.verify("journal-message", "openpit.journal.3", sig.subarray(1), bytes)).toMatchObject({ ok: false, reason: "its signature is 35 bytes, not 36" });
  });

  it("a key under 32 bytes is refused", () => {
    expect(() => new RecordSigner(Buffer.alloc(31, 1))).toThrow(RangeError);
  });
});
