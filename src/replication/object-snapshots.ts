/**
 * State snapshots in a JetStream object store, so a cold sidecar starts from the newest
 * snapshot plus the journal's tail after it instead of the whole stream.
 *
 * One snapshot per journal, i.e. per ownership group (journal-subjects.ts), not per shard:
 * the group's shards are one state machine on one instance (its engine only ever sees the
 * group's accounts), so its snapshot is one object: `<stream>.state` for the default group
 * (every shard), `<stream>.state.<group>` (e.g. `J.state.0-1`) for a group of some shards.
 * It is keyed (in its header) with the journal sequence it covers, the epoch of the
 * writer, and the stream sequence a reader resumes at (SnapshotPoint in jetstream-journal.ts).
 * A put replaces the object only once all its chunks are stored (the object store's metadata
 * entry is written last), and a get checks the SHA-256 digest. A put deletes the replaced
 * object's chunks right after its entry is in, so a read under way (or one served an older
 * entry by a lagging replica) can find its chunks gone: the object store's get then waits for
 * ever (its consumer's heartbeats keep it alive) or ends with a digest mismatch. read()
 * therefore gives up on a get when no chunk arrives for `readIdleMs` and reads the entry
 * again, which names chunks that exist: a reader sees the previous snapshot or the new one
 * whole. A put never replaces a newer snapshot (a later record, or
 * the same record from a later epoch; the point is also in the entry's metadata): it is
 * conditional on the entry it compared against, so a deposed writer's put that was under way
 * when it was fenced and finishes after the new writer's is refused (write()).
 *
 * Object bytes: header (40 bytes, little endian: magic "OPRS" u32, version u32, sequence u64,
 * epoch u64, resume stream sequence u64, data length u64) + the plain-data snapshot.
 * Version 2 (replication.signing, record-signing.ts) adds a signature after the data: key id
 * and HMAC-SHA256 over the object's name and every byte before it (header and data), so a
 * snapshot written without the key, or another journal's snapshot copied under this name, is
 * refused as a damaged one is (DurableStateError: the instance does not start from it). An
 * old signed snapshot put back is a true snapshot of an earlier point: the reader replays the
 * stream after it (or finds the stream's history gone and refuses), so it forges nothing.
 */
import { JetStreamApiCodes, JetStreamApiError } from "@nats-io/jetstream";
import { Objm, type ObjectStore } from "@nats-io/obj";
import type { NatsConnection } from "@nats-io/transport-node";
import type { SnapshotPoint } from "./jetstream-journal.js";
import { retryTransient, type TransientRetryOptions } from "./transient-retry.js";
import { MIN_STREAM_MAX_MSG_SIZE, selfDeletingSettings } from "./journal-stream.js";
import { SIGNATURE_BYTES, type RecordSigner } from "./record-signing.js";

const MAGIC = 0x5352504f; // "OPRS"
const VERSION = 1;
/** VERSION's header and data, then a signature (SIGNATURE_BYTES). */
const SIGNED_VERSION = 2;
const HEADER_BYTES = 40;
/** The meta entry's metadata key holding `<sequence>/<epoch>` (what a writer compares against). */
const POINT_KEY = "openpit-point";
/** Puts refused because another went in meanwhile, before giving up. */
const MAX_PUT_ATTEMPTS = 5;
/**
 * No chunk of a get for this long: its chunks were deleted under it (above). Chunks stream at
 * network speed, so this is only reached when none will come (26 KB/s at 128 KiB chunks).
 */
export const DEFAULT_SNAPSHOT_READ_IDLE_MS = 5_000;
/** The object store's own chunk size (@nats-io/obj: 128 KiB, or the server's max_payload when lower). */
const DEFAULT_CHUNK_BYTES = 128 * 1024;
/**
 * Room left under the bucket stream's max_msg_size for a chunk message's headers, which the
 * stream counts: @nats-io/obj 3.4 publishes a chunk with none (a chunk of exactly the cap is
 * taken), but its batched put adds batch headers, and a later version may add others.
 */
const CHUNK_HEADER_ROOM = 512;

/**
 * The chunk size a put uses under the bucket stream's max_msg_size `cap` (> 0; -1 or 0 is no
 * cap, the library's own then): the library lowers its 128 KiB chunks to the server's
 * max_payload but not to the stream's cap, which refuses a larger message ("message size
 * exceeds maximum allowed"), so every snapshot over the cap would fail. A cap under
 * MIN_STREAM_MAX_MSG_SIZE is refused, as the journal stream's is.
 */
export function snapshotChunkBytes(bucket: string, cap: number | undefined): number | undefined {
  if (cap === undefined || cap <= 0) return undefined;
  if (cap < MIN_STREAM_MAX_MSG_SIZE) {
    throw new Error(
      `snapshot bucket '${bucket}' (stream OBJ_${bucket}) exists with max_msg_size ${cap}: a snapshot is written in chunks under it (${CHUNK_HEADER_ROOM} bytes left for headers), and under ${MIN_STREAM_MAX_MSG_SIZE} bytes, as for the journal stream, a large state would take too many; remove the setting or raise it to ${MIN_STREAM_MAX_MSG_SIZE} or more (docs/high-availability.md)`,
    );
  }
  return Math.min(DEFAULT_CHUNK_BYTES, cap - CHUNK_HEADER_ROOM);
}

/** The object already holds a newer snapshot (another writer's, after a takeover): this one is not written. */
export class SnapshotSupersededError extends Error {
  override name = "SnapshotSupersededError";
}

/** Whether `a` covers more of the journal than `b`: a later record, or the same record from a later epoch. */
function newer(a: { sequence: bigint; epoch: bigint }, b: { sequence: bigint; epoch: bigint }): boolean {
  return a.sequence > b.sequence || (a.sequence === b.sequence && a.epoch > b.epoch);
}

export interface StoredSnapshot {
  readonly point: SnapshotPoint;
  readonly data: Uint8Array;
}

/** The snapshot object of a journal: `<stream>.state`, or `<stream>.state.<group>` for an ownership group of some shards. */
export const snapshotObjectName = (stream: string, group?: string): string => (group === undefined ? `${stream}.state` : `${stream}.state.${group}`);

/** What a snapshot store uses of the object store (a fake stands in for it in tests). */
export type SnapshotObjects = Pick<ObjectStore, "info" | "putBlob" | "get">;

export class ObjectSnapshotStore {
  private constructor(
    private readonly store: SnapshotObjects,
    /** The object's name: one per journal (ownership group). */
    readonly objectName: string,
    private readonly retry: TransientRetryOptions,
    private readonly readIdleMs: number,
    /** The chunk size of a put when the bucket's stream caps its messages (snapshotChunkBytes); else the library's. */
    private readonly chunkBytes: number | undefined,
    /** replication.signing: snapshots written are signed, snapshots read checked. */
    private readonly signer: RecordSigner | undefined,
  ) {}

  /**
   * Opens (creating if needed) the bucket; `group`: the ownership group's name (groupName), none
   * for every shard; `retry`: how long opening and reading wait for leaders.
   */
  static async open(
    nc: NatsConnection,
    bucket: string,
    stream: string,
    replicas: number,
    group?: string,
    retry: TransientRetryOptions = {},
    readIdleMs = DEFAULT_SNAPSHOT_READ_IDLE_MS,
    signer?: RecordSigner,
  ): Promise<ObjectSnapshotStore> {
    const store = await retryTransient(`opening object store ${bucket}`, () => new Objm(nc).create(bucket, { replicas }), retry);
    // One made by an earlier configuration keeps its replica count: refused, as the journal
    // stream is, so snapshots are never held by fewer servers than the configuration says.
    // Not deleted or changed here: the snapshot may be all that covers a purged journal.
    const status = await retryTransient(`reading object store ${bucket}`, () => store.status(), retry);
    const held = status.replicas;
    if (held !== replicas) {
      throw new Error(`snapshot bucket '${bucket}' has ${held} replicas, the configuration says ${replicas} (raise its stream OBJ_${bucket} to ${replicas} replicas in place, or configure replication.replicas = ${held})`);
    }
    // One whose stream deletes messages by itself (a bucket made with a TTL: max_age; or a
    // count or size cap with discard "old") is refused, as the journal stream is: the
    // snapshot would disappear later, silently, and a cold start after a head purge of the
    // journal would have nothing to recover from.
    const deleting = selfDeletingSettings(status.streamInfo.config);
    if (deleting.length > 0) {
      throw new Error(
        `snapshot bucket '${bucket}' (stream OBJ_${bucket}) exists with ${deleting.join(", ")}: the stream would delete snapshots by itself, and the journal's records they cover may already be purged; remove these settings (a bucket keeps one snapshot object per journal, docs/high-availability.md)`,
      );
    }
    // One whose stream caps its messages (max_msg_size) is written in chunks under the cap,
    // read here, at open: a cap changed later takes effect at the next start.
    const chunkBytes = snapshotChunkBytes(bucket, status.streamInfo.config.max_msg_size);
    return new ObjectSnapshotStore(store, snapshotObjectName(stream, group), retry, readIdleMs, chunkBytes, signer);
  }

  /** Over an object store already open (tests: a fake); `objectName` as snapshotObjectName gives it. */
  static over(store: SnapshotObjects, objectName: string, retry: TransientRetryOptions = {}, readIdleMs = DEFAULT_SNAPSHOT_READ_IDLE_MS, signer?: RecordSigner): ObjectSnapshotStore {
    return new ObjectSnapshotStore(store, objectName, retry, readIdleMs, undefined, signer);
  }

  /**
   * Puts the snapshot unless the object holds a newer one (a later journal record, or the same
   * record from a later epoch): then it throws SnapshotSupersededError and nothing changes.
   * The put is conditional on the entry it read (the meta entry's revision, the object store's
   * previousRevision: Nats-Expected-Last-Subject-Sequence), so a put that finishes after
   * another writer's (a deposed active's put under way when it was fenced) is refused by the
   * stream instead of replacing the newer snapshot; it then reads the entry again and decides
   * again.
   */
  async write(point: SnapshotPoint, data: Uint8Array): Promise<void> {
    const signed = this.signer !== undefined;
    const out = Buffer.allocUnsafe(HEADER_BYTES + data.length + (signed ? SIGNATURE_BYTES : 0));
    out.writeUInt32LE(MAGIC, 0);
    out.writeUInt32LE(signed ? SIGNED_VERSION : VERSION, 4);
    out.writeBigUInt64LE(point.sequence, 8);
    out.writeBigUInt64LE(point.epoch, 16);
    out.writeBigUInt64LE(BigInt(point.resumeStreamSequence), 24);
    out.writeBigUInt64LE(BigInt(data.length), 32);
    out.set(data, HEADER_BYTES);
    if (this.signer !== undefined) {
      const end = HEADER_BYTES + data.length;
      this.signer.sign("snapshot", this.objectName, out.subarray(0, end)).copy(out, end);
    }
    for (let attempt = 1; ; attempt++) {
      const current = await retryTransient(`reading ${this.objectName}'s entry`, () => this.store.info(this.objectName), this.retry);
      if (current !== null && !current.deleted) {
        const held = await this.heldPoint(current.metadata);
        if (held !== undefined && newer(held, point)) {
          throw new SnapshotSupersededError(
            `${this.objectName} holds a newer snapshot (record ${held.sequence}, epoch ${held.epoch}) than this one (record ${point.sequence}, epoch ${point.epoch}): not replaced`,
          );
        }
      }
      try {
        await this.store.putBlob(
          {
            name: this.objectName,
            description: `openpit-sidecar state at journal record ${point.sequence}`,
            metadata: { [POINT_KEY]: `${point.sequence}/${point.epoch}` },
            ...(this.chunkBytes === undefined ? {} : { options: { max_chunk_size: this.chunkBytes } }),
          },
          out,
          // No entry: 0, the subject must hold no message (a deleted object's entry is one).
          { previousRevision: current?.revision ?? 0 },
        );
        return;
      } catch (e) {
        // Another put went in since the entry was read: decide again against it.
        if (e instanceof JetStreamApiError && e.code === JetStreamApiCodes.StreamWrongLastSequence && attempt < MAX_PUT_ATTEMPTS) continue;
        throw e;
      }
    }
  }

  /** The point of the live object: from its entry's metadata, else (written before it had any) from its header. */
  private async heldPoint(metadata: Record<string, string> | undefined): Promise<{ sequence: bigint; epoch: bigint } | undefined> {
    const m = /^(\d+)\/(\d+)$/.exec(metadata?.[POINT_KEY] ?? "");
    if (m) return { sequence: BigInt(m[1]!), epoch: BigInt(m[2]!) };
    // A damaged object does not block a new snapshot: the new one replaces it.
    return (await this.read().catch(() => undefined))?.point;
  }

  /** The stored snapshot, or undefined when there is none. A damaged one throws (the message says why). */
  async read(): Promise<StoredSnapshot | undefined> {
    // A get that stalls or fails its digest is tried again (its chunks were replaced under it).
    const bytes = await retryTransient(`reading ${this.objectName}`, () => this.getOnce(), this.retry);
    if (bytes === null) return undefined;
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const where = `snapshot object ${this.objectName}`;
    if (buf.length < HEADER_BYTES) throw new Error(`${where} is ${buf.length} bytes, shorter than its ${HEADER_BYTES}-byte header`);
    if (buf.readUInt32LE(0) !== MAGIC) throw new Error(`${where}: bad magic`);
    const end = buf.length - this.signatureBytes(buf.readUInt32LE(4), where);
    if (end < HEADER_BYTES) throw new Error(`${where} is ${buf.length} bytes, shorter than its header and signature`);
    // Checked before the header is believed: nothing of an object forged without the key is read.
    if (end < buf.length) {
      const verdict = this.signer!.verify("snapshot", this.objectName, buf.subarray(end), buf.subarray(0, end));
      if (!verdict.ok) throw new Error(`${where}: signature refused: ${verdict.reason}`);
    }
    const length = buf.readBigUInt64LE(32);
    if (length !== BigInt(end - HEADER_BYTES)) throw new Error(`${where}: header says ${length} data bytes, object holds ${end - HEADER_BYTES}`);
    return {
      point: { sequence: buf.readBigUInt64LE(8), epoch: buf.readBigUInt64LE(16), resumeStreamSequence: Number(buf.readBigUInt64LE(24)) },
      data: buf.subarray(HEADER_BYTES, end),
    };
  }

  /** The signature's length for an object of `version`; refuses what this store's signing settings do not let in. */
  private signatureBytes(version: number, where: string): number {
    if (version === VERSION) {
      if (this.signer !== undefined && !this.signer.acceptUnsigned) {
        throw new Error(`${where}: unsigned snapshot refused: replication.signing is on and acceptUnsigned is not (forged, or written by an instance without the key)`);
      }
      return 0;
    }
    if (version !== SIGNED_VERSION) throw new Error(`${where}: unsupported version ${version}`);
    if (this.signer === undefined) {
      throw new Error(`${where}: signed snapshot (version 2), but replication.signing is not configured on this instance: it cannot check it (configure the key every instance shares)`);
    }
    return SIGNATURE_BYTES;
  }

  /** One get of the object's bytes; throws when no chunk arrives for `readIdleMs`. */
  private async getOnce(): Promise<Uint8Array | null> {
    const result = await this.store.get(this.objectName);
    if (result === null) return null;
    // Read below through the data; a rejection here is also seen there, not left unhandled.
    const failed = result.error.then(
      (e) => e,
      (e: unknown) => e,
    );
    const reader = result.data.getReader();
    const parts: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      let timer: NodeJS.Timeout | undefined;
      const stalled = new Promise<"stalled">((resolve) => (timer = setTimeout(() => resolve("stalled"), this.readIdleMs)));
      const next = await Promise.race([reader.read(), stalled]).finally(() => clearTimeout(timer));
      if (next === "stalled") {
        await reader.cancel().catch(() => {});
        throw new Error(`no part of the object arrived for ${this.readIdleMs} ms (replaced while being read): reading it again`);
      }
      if (next.done) break;
      parts.push(next.value);
      size += next.value.length;
    }
    const error = await failed;
    if (error !== null && error !== undefined) throw error;
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts, size);
  }
}
