/** A journal for tests: keeps every record in memory, durable at once ("async" semantics). */
import type { Journal, JournalStatus } from "../../src/state/journal/journal.js";
import { MemoryJournal } from "../../src/state/journal/memory-journal.js";

export class RecordingJournal implements Journal {
  readonly mode = "async" as const;
  readonly records: Uint8Array[] = [];
  private snapshotSeq: bigint | undefined;

  get lastSequence(): bigint {
    return BigInt(this.records.length);
  }

  /** Keeps any record. */
  readonly maxRecordBytes = Number.POSITIVE_INFINITY;

  /** Durable at once: nothing waits. */
  readonly recordsAwaitingDurability = 0;

  append(payload: Uint8Array): bigint {
    this.records.push(payload);
    return this.lastSequence;
  }

  afterDurable(callback: () => void): void {
    callback();
  }

  afterSynced(callback: () => void): void {
    callback();
  }

  flush(): Promise<void> {
    return Promise.resolve();
  }

  noteSnapshot(seq: bigint): void {
    this.snapshotSeq = seq;
  }

  status(): JournalStatus {
    const seq = this.lastSequence;
    return { ...new MemoryJournal().status(), mode: this.mode, lastSequence: seq, durableSequence: seq, lastSnapshotSequence: this.snapshotSeq };
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
