/**
 * Authentication of what the replicated journal believes as it reads it: journal messages,
 * lease values and snapshot objects (docs/security.md, "Replicated mode"). Without it, anyone
 * who can publish on the journal's subjects or write the buckets forges state (a raised limit,
 * a credited balance, a lifted hold) that every instance applies. With `replication.signing`,
 * the instances share a secret key and each of these carries an HMAC-SHA256 of it:
 * a signature of KEY_ID_BYTES (the key's id) followed by MAC_BYTES (the MAC).
 *
 * The MAC covers a domain (what kind of thing: a journal message's MAC is not a lease's), the
 * name the thing lives under (the subject, the bucket key, the object name: so nothing signed
 * can be moved to another shard's subject, key or object and still verify), the content, and
 * the key id. The name is length-prefixed, so (name, content) pairs cannot be shifted into
 * each other. Replays of a whole signed thing under its own name are not stopped here: the
 * readers deal with them (journal-tail.ts: a subject's epochs never go down).
 *
 * Rotation: a signer signs with one key and may accept others (by their id), so a deployment
 * moves to a new key without a moment where some instance refuses what another writes: every
 * instance first accepts the new key, then every instance signs with it accepting the old one,
 * then the old one is dropped (docs/security.md).
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";

/** The shortest key accepted: HMAC-SHA256's own block of security (a shorter one is guessable sooner). */
export const MIN_SIGNING_KEY_BYTES = 32;
/** The key's id: the first bytes of its SHA-256, so a reader tells "another key" from "forged". */
export const KEY_ID_BYTES = 4;
export const MAC_BYTES = 32;
/** A signature: key id then MAC. */
export const SIGNATURE_BYTES = KEY_ID_BYTES + MAC_BYTES;

/** What is signed: each its own domain, so one kind's MAC never verifies as another's. */
export type SignedKind = "journal-message" | "lease-value" | "snapshot";

/** Why a signature was refused (verify). */
export type SignatureVerdict = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** The id of a key: 8 hex digits of its SHA-256 (what logs may show; never the key). */
export function signingKeyId(key: Uint8Array): string {
  return createHash("sha256").update(key).digest().subarray(0, KEY_ID_BYTES).toString("hex");
}

export class RecordSigner {
  /** Private fields: never printed by util.inspect or JSON.stringify (logs, error dumps). */
  readonly #key: Buffer;
  /** Every key a signature may be made with, by id: this one and the accepted ones. */
  readonly #known = new Map<string, Buffer>();
  readonly id: Buffer;
  /** The key id as logs show it (8 hex digits). */
  readonly keyId: string;
  /** The ids of the other keys accepted (rotation). */
  readonly acceptedKeyIds: readonly string[];

  /**
   * @param key the shared secret (MIN_SIGNING_KEY_BYTES or more)
   * @param acceptUnsigned whether readers take unsigned things (the upgrade from an unsigned deployment)
   * @param accepted other keys whose signatures are taken too (a rotation under way)
   */
  constructor(
    key: Uint8Array,
    readonly acceptUnsigned = false,
    accepted: readonly Uint8Array[] = [],
  ) {
    for (const k of [key, ...accepted]) {
      if (k.length < MIN_SIGNING_KEY_BYTES) throw new RangeError(`a signing key needs at least ${MIN_SIGNING_KEY_BYTES} bytes, this one has ${k.length}`);
      const id = signingKeyId(k);
      const known = this.#known.get(id);
      // Two keys of one id (1 in 2^32): a signature could not say which; refused rather than guessed.
      if (known !== undefined && !known.equals(k)) throw new RangeError(`two signing keys share the id ${id}: make another key`);
      this.#known.set(id, Buffer.from(k));
    }
    this.#key = Buffer.from(key);
    this.keyId = signingKeyId(key);
    this.id = Buffer.from(this.keyId, "hex");
    this.acceptedKeyIds = [...this.#known.keys()].filter((id) => id !== this.keyId);
  }

  private mac(kind: SignedKind, name: string, content: readonly Uint8Array[], id: Uint8Array, key: Buffer = this.#key): Buffer {
    const h = createHmac("sha256", key);
    h.update(`openpit-sidecar ${kind} v1\0`);
    const n = Buffer.from(name, "utf8");
    const length = Buffer.allocUnsafe(4);
    length.writeUInt32LE(n.length, 0);
    h.update(length).update(n);
    for (const c of content) h.update(c);
    return h.update(id).digest();
  }

  /** The signature (key id + MAC) of `content` (its parts in order) under `name`. */
  sign(kind: SignedKind, name: string, ...content: Uint8Array[]): Buffer {
    return Buffer.concat([this.id, this.mac(kind, name, content, this.id)]);
  }

  /** Checks a signature of `content` under `name`; the MAC compared in constant time. */
  verify(kind: SignedKind, name: string, signature: Uint8Array, ...content: Uint8Array[]): SignatureVerdict {
    if (signature.length !== SIGNATURE_BYTES) return { ok: false, reason: `its signature is ${signature.length} bytes, not ${SIGNATURE_BYTES}` };
    const id = signature.subarray(0, KEY_ID_BYTES);
    // The id is not secret (it is in every signature): a map lookup reveals nothing.
    const key = this.#known.get(Buffer.from(id).toString("hex"));
    if (key === undefined) {
      const accepted = this.acceptedKeyIds.length === 0 ? "" : ` (accepting ${this.acceptedKeyIds.join(", ")})`;
      return { ok: false, reason: `it is signed with key ${Buffer.from(id).toString("hex")}, this instance's key is ${this.keyId}${accepted} (the instances must share one key)` };
    }
    const expected = this.mac(kind, name, content, id, key);
    if (!timingSafeEqual(signature.subarray(KEY_ID_BYTES), expected)) {
      return { ok: false, reason: `its MAC does not match (forged, altered, or moved here from another ${kind === "journal-message" ? "subject" : kind === "lease-value" ? "key" : "object"})` };
    }
    return { ok: true };
  }

  /** For logs: the key id alone. */
  toJSON(): { keyId: string; acceptedKeyIds: readonly string[]; acceptUnsigned: boolean } {
    return { keyId: this.keyId, acceptedKeyIds: this.acceptedKeyIds, acceptUnsigned: this.acceptUnsigned };
  }
}
