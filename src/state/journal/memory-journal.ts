// The "ephemeral" journal: keeps nothing and only numbers the records, for deployments that
// accept losing state on restart (and for tests of the layers above).
import { filelessStatus, JournalClosedError, type Journal, type JournalStatus } from "./journal.js";

export interface MemoryJournalOptions {
  /** Sequence of the first append (default 1). */
  readonly nextSequence?: bigint;
}

export class MemoryJournal implements Journal {
  readonly mode = "ephemeral" as const;
  private last: bigint;
  private closed = false;
  private snapshotSeq: bigint | undefined;

  constructor(options: MemoryJournalOptions = {}) {
    this.last = (options.nextSequence ?? 1n) - 1n;
  }

  get lastSequence(): bigint {
    return this.last;
  }

  /** Keeps nothing: any record is taken. */
  readonly maxRecordBytes = Number.POSITIVE_INFINITY;

  /** Nothing waits: afterDurable runs its callback at once. */
  readonly recordsAwaitingDurability = 0;

  append(_payload: Uint8Array): bigint {
    if (this.closed) throw new JournalClosedError("journal is closed");
    return ++this.last;
  }

  afterDurable(callback: () => void): void {
    if (this.closed) throw new JournalClosedError("journal is closed");
    callback();
  }

  afterSynced(callback: () => void): void {
    this.afterDurable(callback);
  }

  flush(): Promise<void> {
    return Promise.resolve();
  }

  noteSnapshot(seq: bigint): void {
    if (this.snapshotSeq === undefined || seq > this.snapshotSeq) this.snapshotSeq = seq;
  }

  status(): JournalStatus {
    // Nothing ever reaches a disk: the whole journal is the loss window (durable 0).
    return filelessStatus(this.mode, { lastSequence: this.last, durableSequence: 0n, lastSnapshotSequence: this.snapshotSeq });
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}
