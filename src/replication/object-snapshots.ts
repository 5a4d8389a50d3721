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
 * entry is written last), and a get checks the SHA-256 digest: a reader sees the previous
 * snapshot or the new one whole.
 *
 * Object bytes: header (40 bytes, little endian: magic "OPRS" u32, version u32, sequence u64,
 * epoch u64, resume stream sequence u64, data length u64) + the plain-data snapshot.
 */
import { Objm, type ObjectStore } from "@nats-io/obj";
import type { NatsConnection } from "@nats-io/transport-node";
import type { SnapshotPoint } from "./jetstream-journal.js";
import { retryTransient, type TransientRetryOptions } from "./transient-retry.js";

const MAGIC = 0x5352504f; // "OPRS"
const VERSION = 1;
const HEADER_BYTES = 40;

export interface StoredSnapshot {
  readonly point: SnapshotPoint;
  readonly data: Uint8Array;
}

/** The snapshot object of a journal: `<stream>.state`, or `<stream>.state.<group>` for an ownership group of some shards. */
export const snapshotObjectName = (stream: string, group?: string): string => (group === undefined ? `${stream}.state` : `${stream}.state.${group}`);

export class ObjectSnapshotStore {
  private constructor(
    private readonly store: ObjectStore,
    /** The object's name: one per journal (ownership group). */
    readonly objectName: string,
    private readonly retry: TransientRetryOptions,
  ) {}

  /**
   * Opens (creating if needed) the bucket; `group`: the ownership group's name (groupName), none
   * for every shard; `retry`: how long opening and reading wait for leaders.
   */
  static async open(nc: NatsConnection, bucket: string, stream: string, replicas: number, group?: string, retry: TransientRetryOptions = {}): Promise<ObjectSnapshotStore> {
    const store = await retryTransient(`opening object store ${bucket}`, () => new Objm(nc).create(bucket, { replicas }), retry);
    return new ObjectSnapshotStore(store, snapshotObjectName(stream, group), retry);
  }

  async write(point: SnapshotPoint, data: Uint8Array): Promise<void> {
    const out = Buffer.allocUnsafe(HEADER_BYTES + data.length);
    out.writeUInt32LE(MAGIC, 0);
    out.writeUInt32LE(VERSION, 4);
    out.writeBigUInt64LE(point.sequence, 8);
    out.writeBigUInt64LE(point.epoch, 16);
    out.writeBigUInt64LE(BigInt(point.resumeStreamSequence), 24);
    out.writeBigUInt64LE(BigInt(data.length), 32);
    out.set(data, HEADER_BYTES);
    await this.store.putBlob({ name: this.objectName, description: `openpit-sidecar state at journal record ${point.sequence}` }, out);
  }

  /** The stored snapshot, or undefined when there is none. A damaged one throws (the message says why). */
  async read(): Promise<StoredSnapshot | undefined> {
    const bytes = await retryTransient(`reading ${this.objectName}`, () => this.store.getBlob(this.objectName), this.retry);
    if (bytes === null) return undefined;
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const where = `snapshot object ${this.objectName}`;
    if (buf.length < HEADER_BYTES) throw new Error(`${where} is ${buf.length} bytes, shorter than its ${HEADER_BYTES}-byte header`);
    if (buf.readUInt32LE(0) !== MAGIC) throw new Error(`${where}: bad magic`);
    if (buf.readUInt32LE(4) !== VERSION) throw new Error(`${where}: unsupported version ${buf.readUInt32LE(4)}`);
    const length = buf.readBigUInt64LE(32);
    if (length !== BigInt(buf.length - HEADER_BYTES)) throw new Error(`${where}: header says ${length} data bytes, object holds ${buf.length - HEADER_BYTES}`);
    return {
      point: { sequence: buf.readBigUInt64LE(8), epoch: buf.readBigUInt64LE(16), resumeStreamSequence: Number(buf.readBigUInt64LE(24)) },
      data: buf.subarray(HEADER_BYTES),
    };
  }
}
