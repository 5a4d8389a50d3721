/**
 * Writes a snapshot every N journal records or T seconds, then drops the segments and older
 * snapshots it makes unnecessary. A snapshot is written only once every record it covers is
 * durable, so the journal never restarts below a snapshot's sequence.
 */
import type { Journal } from "./journal/journal.js";
import { pruneAfterSnapshot, writeSnapshot } from "./journal/snapshot-files.js";
import { encodePlain } from "./plain-data.js";
import type { SidecarState } from "./sidecar-state.js";

export interface SnapshotScheduleOptions {
  readonly dataDir: string;
  readonly snapshotEveryRecords: number;
  readonly snapshotEverySeconds: number;
  /** Where snapshots go; default: files in dataDir (pruning the segments they supersede). */
  readonly sink?: SnapshotSink;
  /**
   * The sequence of the valid snapshot the state was restored from, if any: until one is
   * written, a snapshot at this sequence is not written again. Only one that checked out
   * counts (a damaged newest file must be replaced, not trusted).
   */
  readonly restoredSnapshot?: bigint;
}

/** Where a schedule writes its snapshots (files next to the journal, or an object store). */
export interface SnapshotSink {
  /**
   * Called in the same turn the state is read, for what the sink must note about that
   * instant; returns the writer of the snapshot's bytes (called once they are durable).
   */
  begin(sequence: bigint): (bytes: Uint8Array) => Promise<unknown>;
  /** After a snapshot is written: drops what the previous one (at `previous`) made unnecessary. */
  prune(previous: bigint): Promise<unknown>;
}

function fileSink(dataDir: string): SnapshotSink {
  return {
    begin: (sequence) => (bytes) => writeSnapshot(dataDir, sequence, bytes),
    prune: (previous) => pruneAfterSnapshot(dataDir, previous),
  };
}

export class SnapshotSchedule {
  private lastSequence: bigint;
  /**
   * Where the record count towards the next scheduled snapshot starts: the last snapshot
   * written, or the last attempt that failed. A failure waits for the schedule again (another
   * snapshotEveryRecords records, or snapshotEverySeconds): counted from lastSequence, which a
   * failure does not move, the count still held and a full disk was retried every turn.
   */
  private countFrom: bigint;
  /** The sequence of the newest valid snapshot written (or restored from), if any. */
  private onDisk: bigint | undefined;
  private lastAt = performance.now();
  private writing: Promise<unknown> | undefined;
  /** Set by fence(): nothing is written any more. */
  private fenced = false;
  private halted = false;
  /** Set by stop(): no scheduled snapshot starts any more (a shutdown's take() is the last). */
  private stopped = false;
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly everyRecords: bigint;
  private readonly sink: SnapshotSink;
  /** The last attempt's failure (`lastError`). */
  private failure: string | undefined;

  /**
   * The last failure, if the last attempt failed (reported on stderr, tried again on schedule:
   * after another snapshotEveryRecords records or snapshotEverySeconds from the failed attempt).
   * None once fenced: the snapshots are the new owner's, and an earlier failure says nothing
   * about what a restart of this instance replays (found by review: a fenced instance stopped by
   * SIGTERM exited 70, "the last snapshot failed", over a scheduled attempt from before).
   */
  get lastError(): string | undefined {
    return this.fenced ? undefined : this.failure;
  }

  constructor(
    private readonly state: SidecarState,
    private readonly journal: Journal,
    private readonly options: SnapshotScheduleOptions,
  ) {
    this.onDisk = options.restoredSnapshot;
    // What the first snapshot prunes by. Only a snapshot that checked out counts: the
    // journal's own figure falls back to the newest snapshot file's name, which may be a
    // damaged one whose records recovery has just replayed from the segments.
    this.lastSequence = options.restoredSnapshot ?? 0n;
    this.countFrom = this.lastSequence;
    this.everyRecords = BigInt(options.snapshotEveryRecords);
    this.sink = options.sink ?? fileSink(options.dataDir);
  }

  start(): void {
    if (this.closed) return;
    this.stopped = false;
    // The count is checked after every command (one comparison); the clock once a second.
    this.state.onCommand = () => this.check();
    if (this.options.snapshotEverySeconds > 0) {
      this.timer = setInterval(() => this.check(), 1000);
      this.timer.unref();
    }
  }

  /**
   * Another instance writes the snapshots now (this one was fenced, replicated mode): no write
   * starts any more, take() included, and a write still waiting for the journal's flush stops
   * before its put. Its state is at best older than the new owner's. (A put already under way
   * when the fence comes cannot be called back; the object store's put is conditional and
   * never replaces a newer snapshot, object-snapshots.ts, so one that finishes after the new
   * owner's is refused and reported as a failed snapshot.)
   */
  fence(): void {
    this.fenced = true;
    this.stop();
  }

  /**
   * The state may be damaged (the server failed closed): no snapshot starts or is put any more,
   * a scheduled one included, so a restart recovers from the journal, which holds only what was
   * acknowledged (found by review, session 44: a write the last command had scheduled still
   * put the damaged state, and recovery then trusted it).
   */
  halt(): void {
    this.halted = true;
    this.stop();
  }

  /**
   * Halted, or its state failed closed before this schedule was handed to it (during recovery,
   * whose own first snapshot comes from here: found by review of the halt, session 44).
   */
  private get closed(): boolean {
    return this.halted || this.state.failedClosed;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.state.onCommand = undefined;
  }

  private check(): void {
    if (this.writing || this.stopped || this.closed) return;
    // Anything since the last snapshot written (a failed attempt wrote none).
    if (this.journal.lastSequence - this.lastSequence <= 0n) return;
    const byCount = this.everyRecords > 0n && this.journal.lastSequence - this.countFrom >= this.everyRecords;
    const byTime = this.options.snapshotEverySeconds > 0 && performance.now() - this.lastAt >= this.options.snapshotEverySeconds * 1000;
    if (!byCount && !byTime) return;
    // Not inside the command that crossed the line: its answer must not wait for a snapshot.
    this.writing = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.write())
      .finally(() => {
        this.writing = undefined;
        // Commands that came while it was written were not checked: a burst followed by
        // silence would otherwise leave the snapshot that far behind until the next command.
        this.check();
      });
  }

  /**
   * Takes a snapshot now (after the one being written); resolves once it is on disk or its
   * failure reported. Writes never overlap: two at once would write the same sequence and
   * the later would prune by it, deleting the records the snapshot before (recovery's
   * fallback) needs; a scheduled write that ends may start another, so wait until none runs.
   */
  async take(): Promise<bigint | undefined> {
    while (this.writing) await this.writing;
    if (this.fenced || this.closed) return undefined;
    const write = this.write();
    this.writing = write;
    try {
      return await write;
    } finally {
      if (this.writing === write) this.writing = undefined;
    }
  }

  private async write(): Promise<bigint | undefined> {
    if (this.closed) return undefined;
    // Also the time the next scheduled attempt counts from when this one fails.
    this.lastAt = performance.now();
    let sequence: bigint | undefined;
    try {
      const snapshot = this.state.snapshot();
      sequence = snapshot.sequence;
      // Nothing journaled since the snapshot on disk (shutdown right after a timed one): it
      // stands. Written again, it replaced that file and then pruned by its own sequence,
      // deleting the records the snapshot before it (recovery's fallback) needs.
      if (sequence === this.onDisk) return sequence;
      const put = this.sink.begin(sequence);
      const bytes = encodePlain(snapshot);
      await this.journal.flush();
      // Fenced while the journal was flushed: the new owner's snapshot must not be replaced;
      // halted meanwhile: what was captured may hold the damage.
      if (this.fenced || this.closed) return undefined;
      await put(bytes);
      this.onDisk = sequence;
      this.journal.noteSnapshot(sequence);
      // Prune only what the previous snapshot covers: if the new one turns out unreadable,
      // recovery falls back to the previous one and still finds every record after it.
      const previous = this.lastSequence;
      this.lastSequence = sequence;
      this.countFrom = sequence;
      this.failure = undefined;
      await this.prune(previous, sequence);
    } catch (e) {
      // A snapshot is an optimisation: the journal still holds everything. Say so and go on.
      this.failure = e instanceof Error ? e.message : String(e);
      // Tried again on schedule, counted from this attempt (not the next turn: the check after
      // every write would start another at once, each encoding the whole state).
      this.countFrom = sequence ?? this.journal.lastSequence;
      process.stderr.write(`openpit-sidecar: snapshot${sequence === undefined ? "" : ` at record ${sequence}`} failed: ${this.failure}\n`);
    }
    return sequence;
  }

  /**
   * The snapshot is written: a failure to remove what it supersedes is not its failure (found
   * by review: it was reported as "snapshot failed", the snapshot standing). What was left is
   * removed by the next snapshot's prune, which drops everything its predecessor covers.
   */
  private async prune(previous: bigint, sequence: bigint): Promise<void> {
    try {
      await this.sink.prune(previous);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      process.stderr.write(`openpit-sidecar: snapshot at record ${sequence} written; removing what it supersedes failed (removed after the next snapshot): ${message}\n`);
    }
  }
}
