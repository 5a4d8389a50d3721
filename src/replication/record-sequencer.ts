/**
 * Puts the records read from the journal's stream back into journal order. The stream
 * orders messages, not records: one writer publishes to several subjects at once, so a
 * record can reach the stream before a smaller-numbered one on another subject. Records are
 * delivered strictly by journal sequence, each once, with no gap: a record waits until every
 * smaller one has been delivered.
 *
 * Epochs settle who wrote a sequence number. A writer that lost its journal (fenced, or its
 * connection gone) may leave records behind a gap: acknowledged by the stream, but never
 * answered, because an answer waits for every record before it. The next writer claims the
 * journal after reading every message the old one got in (claim.ts), continues at the end of
 * the contiguous run, and writes with a higher epoch. So: once a record of epoch E has been
 * delivered, records of lower epochs are dropped; of two records with the same sequence, the
 * higher epoch's wins.
 */
import type { JournalRecord } from "../state/journal/journal.js";

export type SequencedRecordListener = (record: JournalRecord, epoch: bigint) => void;

interface Held {
  readonly epoch: bigint;
  readonly payload: Uint8Array;
}

export class RecordSequencer {
  private next: bigint;
  private current: bigint;
  private readonly held = new Map<bigint, Held>();
  /** Highest epoch of any record or marker seen (a new writer's epoch must be above it). */
  maxEpochSeen: bigint;

  /**
   * @param nextSequence the first record to deliver (a snapshot covers those before it)
   * @param epoch the epoch of the writer of the record before `nextSequence` (0 for none)
   */
  constructor(nextSequence: bigint, epoch: bigint, private readonly deliver: SequencedRecordListener) {
    this.next = nextSequence;
    this.current = epoch;
    this.maxEpochSeen = epoch;
  }

  /** The last record delivered (nextSequence - 1 before any). */
  get lastDelivered(): bigint {
    return this.next - 1n;
  }

  /** The epoch of the last record delivered. */
  get epoch(): bigint {
    return this.current;
  }

  /** Records held back, waiting for a smaller sequence (or dropped once a newer epoch passes them). */
  get heldCount(): number {
    return this.held.size;
  }

  noteEpoch(epoch: bigint): void {
    if (epoch > this.maxEpochSeen) this.maxEpochSeen = epoch;
  }

  /** Takes a message's records and delivers every record that is now next in line. */
  offer(epoch: bigint, records: readonly JournalRecord[]): void {
    this.noteEpoch(epoch);
    if (epoch < this.current) return;
    for (const r of records) {
      if (r.seq < this.next) continue;
      const other = this.held.get(r.seq);
      if (other === undefined || other.epoch < epoch) this.held.set(r.seq, { epoch, payload: r.payload });
    }
    this.drain();
  }

  private drain(): void {
    for (;;) {
      const h = this.held.get(this.next);
      if (h === undefined) return;
      this.held.delete(this.next);
      if (h.epoch < this.current) continue; // an old writer's leftover: wait for the new one's
      this.current = h.epoch;
      const seq = this.next++;
      this.deliver({ seq, payload: h.payload }, h.epoch);
    }
  }
}
