// The journal's contract: what the engine-facing layer appends to and waits on, whatever
// the durability mode. Implementations: MemoryJournal (ephemeral), FileJournal (files) and
// JetStreamJournal (src/replication/: a replicated stream on NATS JetStream).
import type { Command } from "../commands.js";

export type DurabilityMode = "sync" | "async" | "ephemeral" | "replicated";

export interface JournalRecord {
  readonly seq: bigint;
  readonly payload: Uint8Array;
}

export interface JournalStatus {
  readonly mode: DurabilityMode;
  readonly dataDir: string | undefined; // undefined for in-memory
  readonly lastSequence: bigint; // last appended
  readonly durableSequence: bigint; // last known on disk (fdatasync completed)
  /**
   * The file journal counts them from its directory when this is read (a getter): reading it
   * throws when the directory cannot be listed (the other figures are the journal's own).
   */
  readonly segments: number;
  readonly lastSnapshotSequence: bigint | undefined;
  readonly fsyncCount: number;
  readonly fsyncLatencyUs: { readonly last: number; readonly mean: number; readonly max: number }; // microseconds
  /** Sealed batches written or waiting to be written (the in-flight one included). */
  readonly pendingBatches: number;
  /** The next segment, prepared in the background so that rolling over does not stall the event loop. */
  readonly nextSegment: "none" | "preparing" | "ready";
  /** Segment rollovers that took a prepared segment, and those that had to create one inline (an event-loop stall). */
  readonly rollovers: { readonly prepared: number; readonly inline: number };
  /** Why the journal stopped accepting appends (a write or fsync failed), if it did. */
  readonly failure: string | undefined;
}

/** The status of a journal that writes no file here (in memory, or a standby following the stream). */
export function filelessStatus(mode: DurabilityMode, figures: Pick<JournalStatus, "lastSequence" | "durableSequence" | "lastSnapshotSequence">): JournalStatus {
  return {
    mode,
    dataDir: undefined,
    ...figures,
    segments: 0,
    fsyncCount: 0,
    fsyncLatencyUs: { last: 0, mean: 0, max: 0 },
    pendingBatches: 0,
    nextSegment: "none",
    rollovers: { prepared: 0, inline: 0 },
    failure: undefined,
  };
}

/** The append side. One writer, single-threaded (Node event loop). */
export interface Journal {
  readonly mode: DurabilityMode;
  /**
   * Appends one record to the open batch (the batch of this event-loop turn); returns its seq.
   * Synchronous, cheap (no syscall required). `command` is the command `payload` encodes: the
   * replicated journal routes the record by the accounts it names; the others ignore it.
   */
  append(payload: Uint8Array, command?: Command): bigint;
  /** sync/replicated: `callback` runs once every record appended before this call is durable (after the fdatasync of its batch; the stream's ack), in call order. async/ephemeral: runs synchronously, at once. */
  afterDurable(callback: () => void): void;
  /**
   * `callback` runs once every record appended before this call is on disk (or acknowledged by
   * the stream), in every mode: as afterDurable, except that async waits for the background
   * fdatasync of the batch too. Events to monitors leave by it: their numbers are a promise
   * (never handed out twice), which an event sent before a crash lost its record would break.
   * Ephemeral: at once.
   */
  afterSynced(callback: () => void): void;
  /** Resolves when everything appended so far is durable (in every mode; ephemeral resolves at once). */
  flush(): Promise<void>;
  readonly lastSequence: bigint;
  /**
   * The largest payload `append` takes (a larger one is refused with RecordTooLargeError):
   * the file journal's MAX_PAYLOAD_BYTES, the replicated journal's room in one message (the
   * server's max_payload or the stream's max_msg_size, less headers: 64 992 bytes under a cap
   * of 64 KiB), unbounded (Infinity) for the ephemeral journal. Writers of commands they may
   * split (a start's account entries and strict list) size them by it.
   */
  readonly maxRecordBytes: number;
  /**
   * Records appended and not yet durable (fdatasync or the stream's ack still to come); 0 for
   * the ephemeral journal, where nothing waits. Cheap: the channels and the feed read it after
   * every message to stop reading while the disk or the stream is behind.
   */
  readonly recordsAwaitingDurability: number;
  status(): JournalStatus;
  /** Records that a snapshot covering every record up to `seq` now exists (reported by status()). */
  noteSnapshot(seq: bigint): void;
  /** Told each fdatasync's latency in microseconds, when set (file journals; the server's metrics set it). */
  onFsync?: ((us: number) => void) | undefined;
  /** Flushes, then closes files. Further appends throw. */
  close(): Promise<void>;
}

/** Thrown by append/afterDurable once a write or fsync failed: nothing after it can be made durable. */
export class JournalFailedError extends Error {
  override name = "JournalFailedError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * Thrown by append, before anything changes, for a record larger than the journal can store
 * (the replicated journal's bound is the NATS server's max_payload, 1 MiB by default, or the
 * stream's max_msg_size when lower; the file journal's is far above any gRPC message). The
 * door refuses the command with it.
 */
export class RecordTooLargeError extends RangeError {
  override name = "RecordTooLargeError";
  constructor(
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(`journal record of ${bytes} bytes exceeds ${limit}`);
  }
}

/** Thrown by append/afterDurable after close() was called. */
export class JournalClosedError extends Error {
  override name = "JournalClosedError";
}
