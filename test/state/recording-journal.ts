/** A journal for tests: keeps every record in memory, durable at once ("async" semantics). */
import type { Journal, JournalStatus } from "../../src/state/journal/journal.js";

export class RecordingJournal implements Journal {
  readonly mode = "async" as const;
  readonly records: Uint8Array[] = [];
  private snapshotSeq: bigint | undefined;

  get lastSequence(): bigint {
    return BigInt(this.records.length);
  }

  append(payload: Uint8Array): bigint {
    this.records.push(payload);
    return this.lastSequence;
  }

  afterDurable(callback: () => void): void {
    callback();
  }

  flush(): Promise<void> {
    return Promise.resolve();
  }

  noteSnapshot(seq: bigint): void {
    this.snapshotSeq = seq;
  }

  status(): JournalStatus {
    return {
      mode: this.mode,
      dataDir: undefined,
      lastSequence: this.lastSequence,
      durableSequence: this.lastSequence,
      segments: 0,
      lastSnapshotSequence: this.snapshotSeq,
      fsyncCount: 0,
      fsyncLatencyUs: { last: 0, mean: 0, max: 0 },
      pendingBatches: 0,
      failure: undefined,
    };
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
