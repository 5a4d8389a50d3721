/**
 * Where shard leases live: one key per shard, a value naming the holder, and a revision that
 * every write must name (compare-and-set). The NATS KV implementation is kv-lease-store.ts;
 * tests use an in-memory one. Expiry is the store's business (the KV bucket's TTL): a lease
 * that is not renewed disappears, and then anyone may create it again.
 *
 * With replication.signing a value carries a `sig` field: the key id and HMAC-SHA256
 * (record-signing.ts, hex) over the bucket key it is written under and the value's unsigned
 * encoding, so a value written by someone without the key (naming another holder or, worse,
 * another address the gateways would send orders to) is refused, and so is a value copied to
 * another shard's key. Readers without signing ignore the field (unknown fields always were):
 * a lease only says who holds a shard, and such a reader takes unsigned values unchecked anyway.
 */
import type { RecordSigner } from "./record-signing.js";


/** Who holds a shard: the instance's id and the address gateways should dial. */
export interface LeaseValue {
  readonly owner: string;
  readonly address: string;
  /**
   * The holder's ownership group (journal-subjects.ts groupName), absent for the default group
   * (every shard): an instance configured for another group that overlaps this one is refused.
   */
  readonly group?: string;
}

export interface LeaseRecord {
  readonly value: LeaseValue;
  /** The store's revision of this write; the revision of the claiming write is the shard's epoch. */
  readonly revision: number;
}

/** The write lost a race: the key exists (create) or moved past the named revision (update). */
export class LeaseConflictError extends Error {
  override name = "LeaseConflictError";
}

export interface LeaseStore {
  /** Creates the shard's lease if nobody holds it; its revision. LeaseConflictError if someone does. */
  create(shard: number, value: LeaseValue): Promise<number>;
  /** Rewrites the lease if it is still at `revision`; the new revision. LeaseConflictError otherwise. */
  update(shard: number, value: LeaseValue, revision: number): Promise<number>;
  /** The current holder, or undefined when the lease is free (never claimed, expired or released). */
  read(shard: number): Promise<LeaseRecord | undefined>;
  /**
   * Deletes the lease if it is still at `revision` (planned step-down): true. False when the
   * key moved past it (a later write: another holder's, or a renewal whose answer was lost;
   * or it is gone): nothing is deleted.
   */
  release(shard: number, revision: number): Promise<boolean>;
  /**
   * Tells of every lease deleted from now on (a planned step-down), so a standby claims at
   * once instead of at its next try; optional (a TTL expiry writes no marker on nats-server
   * 2.9, so lapsed leases are still found by trying). Returns the unsubscribe.
   */
  watchReleases?(onRelease: (shard: number) => void): () => void;
  /**
   * Tells of every shard's current holder, then of every write from now on (claims,
   * renewals: the holder; releases: undefined), so a refusal can name an owner the moment
   * one exists (lease-owners.ts); optional. Expiries write nothing on nats-server 2.9: the
   * watcher ages entries out by the TTL itself. Returns the unsubscribe.
   */
  watchHolders?(onHolder: (shard: number, holder: LeaseValue | undefined) => void): () => void;
}

/** A lease value refused by its signature (or unsigned, with signing on and acceptUnsigned off). */
export class LeaseSignatureError extends Error {
  override name = "LeaseSignatureError";
}

/** The value as written under `name` (the bucket key): signed when there is a signer. */
export function encodeSignedLeaseValue(v: LeaseValue, signer: RecordSigner | undefined, name: string): string {
  const plain = encodeLeaseValue(v);
  if (signer === undefined) return plain;
  const sig = signer.sign("lease-value", name, Buffer.from(plain, "utf8")).toString("hex");
  return JSON.stringify({ ...(JSON.parse(plain) as object), sig });
}

/** The value read under `name`, its signature checked when there is a signer (LeaseSignatureError when refused). */
export function decodeSignedLeaseValue(text: string, signer: RecordSigner | undefined, name: string): LeaseValue {
  const value = decodeLeaseValue(text);
  if (signer === undefined) return value;
  const sig = (JSON.parse(text) as { sig?: unknown }).sig;
  if (sig === undefined) {
    if (signer.acceptUnsigned) return value;
    throw new LeaseSignatureError("unsigned value refused: replication.signing is on and acceptUnsigned is not (forged, or written by an instance without the key)");
  }
  if (typeof sig !== "string" || !/^[0-9a-f]+$/.test(sig)) throw new LeaseSignatureError("its signature is not hex");
  // The MAC covers the fields that mean something, in their one encoding: extra fields mean nothing.
  const verdict = signer.verify("lease-value", name, Buffer.from(sig, "hex"), Buffer.from(encodeLeaseValue(value), "utf8"));
  if (!verdict.ok) throw new LeaseSignatureError(`signature refused: ${verdict.reason}`);
  return value;
}

export function encodeLeaseValue(v: LeaseValue): string {
  return JSON.stringify(v.group === undefined ? { owner: v.owner, address: v.address } : { owner: v.owner, address: v.address, group: v.group });
}

export function decodeLeaseValue(text: string): LeaseValue {
  const o = JSON.parse(text) as { owner?: unknown; address?: unknown; group?: unknown };
  if (typeof o.owner !== "string" || typeof o.address !== "string" || (o.group !== undefined && typeof o.group !== "string")) {
    throw new Error(`lease value is not {owner, address, group?}: ${text}`);
  }
  return o.group === undefined ? { owner: o.owner, address: o.address } : { owner: o.owner, address: o.address, group: o.group };
}
