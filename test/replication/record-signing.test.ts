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

  it("a rotation: a signer accepts the other keys it is given, by their id, and signs with its own", () => {
    const k1 = new RecordSigner(key(1));
    const next = new RecordSigner(key(1), false, [key(2)]);
    const k2 = new RecordSigner(key(2), false, [key(1)]);
    expect(k2.acceptedKeyIds).toEqual([k1.keyId]);
    const old = k1.sign("snapshot", "J.state", bytes);
    const fresh = k2.sign("snapshot", "J.state", bytes);
    expect(fresh.subarray(0, 4).toString("hex")).toBe(k2.keyId);
    for (const reader of [next, k2]) {
      expect(reader.verify("snapshot", "J.state", old, bytes)).toEqual({ ok: true });
      expect(reader.verify("snapshot", "J.state", fresh, bytes)).toEqual({ ok: true });
    }
    expect(k1.verify("snapshot", "J.state", fresh, bytes)).toMatchObject({ ok: false, reason: expect.stringContaining(`signed with key ${k2.keyId}`) });
    expect(new RecordSigner(key(3), false, [key(1)]).verify("snapshot", "J.state", fresh, bytes)).toMatchObject({
      ok: false,
      reason: expect.stringContaining(`(accepting ${k1.keyId})`),
    });
    // An accepted key's MAC is checked with that key: a changed byte is still refused.
    expect(k2.verify("snapshot", "J.state", old, Buffer.from("another content")).ok).toBe(false);
    expect(new RecordSigner(key(1), false, [key(1)]).acceptedKeyIds).toEqual([]);
  });

  it("a key under 32 bytes is refused", () => {
    expect(() => new RecordSigner(Buffer.alloc(31, 1))).toThrow(RangeError);
  });
});
