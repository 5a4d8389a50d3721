// The durable journal: appends frame records into the batch of the current event-loop turn;
// the commit pipeline writes and fdatasyncs batches in order (sync mode acks after that).
import * as fs from "node:fs";
import * as path from "node:path";
import { Batch, CommitPipeline, closeIfDone, type SegmentTarget } from "./commit-pipeline.js";
import { JournalClosedError, RecordTooLargeError, type JournalFailedError, type Journal, type JournalStatus } from "./journal.js";
import { createZeroedFileSync, ensureDirDurable, fsyncDirSync, listSegments, listSnapshotFiles, readDirNames, writeWholeSync, writeZerosSync } from "./journal-files.js";
import { nodeJournalIo, type JournalIo } from "./journal-io.js";
import { readJournal, type JournalEnd } from "./journal-reader.js";
import {
  FRAME_HEADER_BYTES,
  MAX_PAYLOAD_BYTES,
  MAX_SEQUENCE,
  SEGMENT_HEADER_BYTES,
  encodeFrame,
  encodeSegmentHeader,
  isSegmentTempName,
  segmentFileName,
} from "./segment-format.js";
import { SegmentPreparer } from "./segment-preparer.js";

export const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;
const MIN_SEGMENT_BYTES = 4096;

export interface FileJournalOptions {
  readonly dataDir: string;
  readonly mode: "sync" | "async";
  /** Preallocated size of each segment (default 64 MiB); a larger record gets a segment of its own size. */
  readonly segmentBytes?: number;
  /**
   * Sequence of the next append (default: the journal's last record + 1). Larger than that when
   * a snapshot is ahead of the journal: a new segment then starts at this sequence.
   */
  readonly nextSequence?: bigint;
  /** Where the valid data ends, from a readJournal() that just ran; read from disk when absent. */
  readonly end?: JournalEnd;
  /** Called once when a write or fsync fails; the journal refuses appends from then on. */
  readonly onFatal?: (err: JournalFailedError) => void;
  /** Called once the journal has closed (its descriptors too): recovery releases the directory's LOCK here. */
  readonly onClosed?: () => void;
  /** Replaces the pipeline's file operations (tests hold or fail fdatasync with it). */
  readonly io?: Partial<JournalIo>;
  /**
   * A group of at most this many bytes is synced on the event loop (fdatasyncSync) instead of
   * the thread pool: at low load that saves a thread hop and a wake-up per answer; a larger
   * group (load) keeps the loop free to collect the next one. 0 (default) = never inline.
   */
  readonly inlineSyncBytes?: number;
  /** Prepare the next segment in the background once the current one is half full (default true). */
  readonly prepareAhead?: boolean;
  /** Newest snapshot, for status(); defaults to the newest snapshot file name in dataDir. */
  readonly lastSnapshotSequence?: bigint;
}

export class FileJournal implements Journal {
  readonly mode: "sync" | "async";
  readonly dataDir: string;
  /** A frame's length field bounds it (segment-format.ts). */
  readonly maxRecordBytes = MAX_PAYLOAD_BYTES;
  private readonly segmentBytes: number;
  private readonly prepareAhead: boolean;
  private readonly pipeline: CommitPipeline;
  private readonly preparer: SegmentPreparer;
  private readonly dirFd: number;
  private seg: SegmentTarget;
  /** Offset in `seg` where the next frame goes (0: the segment header must be written first). */
  private offset: number;
  private last: bigint;
  private openBatch: Batch | undefined;
  private sealScheduled = false;
  private closing: Promise<void> | undefined;
  private snapshotSeq: bigint | undefined;
  private rolloversPrepared = 0;
  private rolloversInline = 0;
  /** Segments left behind by rollovers whose last parts are still in flight (the pipeline closes them when done). */
  private readonly retiredOpen = new Set<SegmentTarget>();
  private readonly onClosed: (() => void) | undefined;

  /** Opens for append, recovering the end of the journal (and zero-filling a torn tail) first. Synchronous: startup only. */
  static open(options: FileJournalOptions): FileJournal {
    const dataDir = path.resolve(options.dataDir);
    const segmentBytes = options.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
    if (!Number.isSafeInteger(segmentBytes) || segmentBytes < MIN_SEGMENT_BYTES) {
      throw new RangeError(`segmentBytes must be an integer ≥ ${MIN_SEGMENT_BYTES}, got ${segmentBytes}`);
    }
    ensureDirDurable(dataDir);
    removeSegmentTemps(dataDir);
    const end = options.end ?? readJournal(dataDir, { fromSequence: MAX_SEQUENCE + 1n }).end;
    const last = end?.lastSequence ?? 0n;
    const next = options.nextSequence ?? last + 1n;
    if (next < 1n || next > MAX_SEQUENCE) throw new RangeError(`nextSequence ${next} is out of range`);
    if (next <= last) {
      throw new RangeError(`nextSequence ${next} would reuse sequence numbers: the journal holds records up to ${last}`);
    }
    const dirFd = fs.openSync(dataDir, "r");
    try {
      let seg: SegmentTarget;
      let offset: number;
      if (end !== undefined && next === last + 1n) {
        const fd = reopenEnd(dataDir, end);
        seg = target(end.file, end.firstSequence, fd, fs.fstatSync(fd).size);
        offset = end.headerPresent ? end.offset : 0;
      } else {
        if (end !== undefined) {
          // Appends resume past a gap (a snapshot is ahead of the journal): leave the old
          // newest segment clean and start a new one at `next`.
          fs.closeSync(reopenEnd(dataDir, end));
          if (end.offset <= SEGMENT_HEADER_BYTES) fs.unlinkSync(path.join(dataDir, end.file));
        }
        seg = createSegmentSync(dataDir, next, segmentBytes);
        offset = SEGMENT_HEADER_BYTES;
      }
      fs.fsyncSync(dirFd);
      return new FileJournal(options, dataDir, segmentBytes, dirFd, seg, offset, next - 1n);
    } catch (e) {
      fs.closeSync(dirFd);
      throw e;
    }
  }

  private constructor(
    options: FileJournalOptions,
    dataDir: string,
    segmentBytes: number,
    dirFd: number,
    seg: SegmentTarget,
    offset: number,
    last: bigint,
  ) {
    this.mode = options.mode;
    this.dataDir = dataDir;
    this.segmentBytes = segmentBytes;
    this.prepareAhead = options.prepareAhead ?? true;
    this.dirFd = dirFd;
    this.seg = seg;
    this.offset = offset;
    this.last = last;
    this.snapshotSeq = options.lastSnapshotSequence ?? listSnapshotFiles(dataDir)[0]?.seq;
    const io: JournalIo = { ...nodeJournalIo, ...options.io };
    const onFatal = options.onFatal ?? (() => undefined);
    this.pipeline = new CommitPipeline(io, dataDir, dirFd, last, onFatal, options.inlineSyncBytes ?? 0);
    this.preparer = new SegmentPreparer(dataDir);
    this.onClosed = options.onClosed;
  }

  get lastSequence(): bigint {
    return this.last;
  }

  get durableSequence(): bigint {
    return this.pipeline.durableSeq;
  }

  get recordsAwaitingDurability(): number {
    return Number(this.last - this.pipeline.durableSeq);
  }

  append(payload: Uint8Array): bigint {
    this.checkOpen();
    const len = payload.length;
    if (len > this.maxRecordBytes) throw new RecordTooLargeError(len, this.maxRecordBytes);
    // Never written, so that a frame whose length reads 0 is bytes never written (segment-scan.ts).
    if (len === 0) throw new RangeError("a journal record must not be empty");
    const seq = this.last + 1n;
    const frame = FRAME_HEADER_BYTES + len;
    if (this.offset + (this.offset === 0 ? SEGMENT_HEADER_BYTES : 0) + frame > this.seg.size) this.rollover(seq, frame);
    const batch = this.batch();
    const header = this.offset === 0 ? SEGMENT_HEADER_BYTES : 0;
    const part = batch.reserve(this.seg, this.offset, header + frame);
    if (header > 0) {
      encodeSegmentHeader(part.buffer, this.seg.firstSeq, part.length);
      part.length += header;
      this.offset = header;
    }
    part.length += encodeFrame(part.buffer, part.length, seq, payload);
    this.offset += frame;
    this.last = seq;
    batch.lastSeq = seq;
    if (this.prepareAhead && this.offset * 2 > this.seg.size) this.preparer.ensure(this.segmentBytes);
    return seq;
  }

  afterDurable(callback: () => void): void {
    this.checkOpen();
    if (this.mode === "async") callback();
    else this.batch().callbacks.push(callback);
  }

  afterSynced(callback: () => void): void {
    this.checkOpen();
    this.batch().callbacks.push(callback);
  }

  flush(): Promise<void> {
    if (this.pipeline.failure) return Promise.reject(this.pipeline.failure);
    if (this.openBatch === undefined && this.pipeline.idle) return Promise.resolve();
    return new Promise((resolve, reject) => this.batch().waiters.push({ resolve, reject }));
  }

  noteSnapshot(seq: bigint): void {
    if (this.snapshotSeq === undefined || seq > this.snapshotSeq) this.snapshotSeq = seq;
  }

  get onFsync(): ((us: number) => void) | undefined {
    return this.pipeline.onFsync;
  }

  set onFsync(listener: ((us: number) => void) | undefined) {
    this.pipeline.onFsync = listener;
  }

  status(): JournalStatus {
    const p = this.pipeline;
    const dataDir = this.dataDir;
    // A segment still under its temporary name (the rename is done with the first batch's write).
    const unnamed = this.seg.renameFrom !== undefined ? 1 : 0;
    return {
      mode: this.mode,
      dataDir,
      lastSequence: this.last,
      durableSequence: p.durableSeq,
      // Counted from the directory, when read: pruning deletes old segments behind the
      // journal's back. A directory that cannot be listed throws here only, so the metrics
      // leave out just this series (and the size), not every figure of the status.
      get segments() {
        return listSegments(dataDir, readDirNames(dataDir)).length + unnamed;
      },
      lastSnapshotSequence: this.snapshotSeq,
      fsyncCount: p.fsyncCount,
      fsyncLatencyUs: { last: Math.round(p.fsyncLastUs), mean: Math.round(p.fsyncMeanUs), max: Math.round(p.fsyncMaxUs) },
      pendingBatches: p.pendingBatches + (this.openBatch ? 1 : 0),
      nextSegment: this.preparer.state,
      rollovers: { prepared: this.rolloversPrepared, inline: this.rolloversInline },
      failure: p.failure?.message,
    };
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    try {
      await this.closeFiles();
    } finally {
      this.onClosed?.();
    }
  }

  private async closeFiles(): Promise<void> {
    let error: unknown;
    try {
      if (this.pipeline.failure) throw this.pipeline.failure;
      if (this.openBatch !== undefined || !this.pipeline.idle) {
        await new Promise<void>((resolve, reject) => this.batch().waiters.push({ resolve, reject }));
      }
    } catch (e) {
      error = e;
    }
    await this.preparer.close();
    this.seg.retired = true;
    this.seg.pendingParts = 0; // after a failure, parts that never completed still hold counts
    closeIfDone(this.seg);
    for (const t of this.retiredOpen) {
      t.pendingParts = 0;
      closeIfDone(t);
    }
    fs.closeSync(this.dirFd);
    if (error !== undefined) throw error;
  }

  private checkOpen(): void {
    if (this.pipeline.failure) throw this.pipeline.failure;
    if (this.closing) throw new JournalClosedError("journal is closed");
  }

  /** The batch of this turn; the first use in a turn schedules its sealing for the end of the turn. */
  private batch(): Batch {
    let b = this.openBatch;
    if (b === undefined) {
      b = this.openBatch = new Batch();
      if (!this.sealScheduled) {
        this.sealScheduled = true;
        setImmediate(this.seal);
      }
    }
    return b;
  }

  private readonly seal = (): void => {
    this.sealScheduled = false;
    const b = this.openBatch;
    this.openBatch = undefined;
    if (b !== undefined) this.pipeline.submit(b);
  };

  /**
   * Moves appends to a new segment: the prepared one when it is ready and big enough, else one
   * created here synchronously (correctness first; a record larger than a segment also lands here).
   *
   * The new segment is made before the current one is retired: if it cannot be (a full disk,
   * no descriptor left), the append throws with the current segment still open and current,
   * and a later record that fits it goes on there. Retired first, a failed rollover left
   * appends writing through the closed descriptor: EBADF, or, once another file had reused
   * its number, into that file, fdatasynced and acknowledged but not in the journal.
   */
  private rollover(seq: bigint, frame: number): void {
    const next = this.nextSegment(seq, SEGMENT_HEADER_BYTES + frame);
    const old = this.seg;
    old.retired = true;
    for (const t of this.retiredOpen) if (t.closed) this.retiredOpen.delete(t);
    closeIfDone(old);
    if (!old.closed) this.retiredOpen.add(old);
    this.seg = next;
    this.offset = 0;
  }

  private nextSegment(seq: bigint, need: number): SegmentTarget {
    const prepared = this.preparer.take(need);
    if (prepared !== undefined) {
      const next = target(segmentFileName(seq), seq, prepared.fd, prepared.size);
      next.renameFrom = prepared.tmpPath;
      this.rolloversPrepared++;
      return next;
    }
    const tmpPath = this.preparer.tempPath();
    const size = Math.max(this.segmentBytes, need);
    const next = target(segmentFileName(seq), seq, createZeroedFileSync(tmpPath, size), size);
    next.renameFrom = tmpPath;
    this.rolloversInline++;
    return next;
  }
}

function target(file: string, firstSeq: bigint, fd: number, size: number): SegmentTarget {
  return { file, firstSeq, fd, size, renameFrom: undefined, retired: false, pendingParts: 0, closed: false };
}

/**
 * Opens the newest segment for writing: zero-fills what a torn write left behind (so it can
 * never resurface as data), writes what it holds again and fdatasyncs, before the journal
 * calls those records durable. The fdatasync alone makes durable what a killed process left
 * only in the page cache, but not what a failed fdatasync left there: Linux marks such pages
 * clean after the failed writeback (fsync(2)), so they read back but a later fdatasync does
 * not write them. Written again, they are dirty, and this fdatasync puts them on the disk or
 * fails the start. Only the newest segment can hold such records: a segment is synced whole
 * before the next one is renamed into place. (Found by review, session 29.)
 */
function reopenEnd(dataDir: string, end: JournalEnd): number {
  const fd = fs.openSync(path.join(dataDir, end.file), "r+");
  try {
    if (end.zeroFillUntil > end.offset) writeZerosSync(fd, end.offset, end.zeroFillUntil);
    if (end.offset > 0) {
      const written = Buffer.allocUnsafe(end.offset);
      for (let done = 0; done < end.offset; ) {
        const n = fs.readSync(fd, written, done, end.offset - done, done);
        if (n <= 0) throw new Error(`${end.file}: read ended at byte ${done} of ${end.offset}`);
        done += n;
      }
      // A segment of format 1 (an earlier build's) is appended to with marked frames: its
      // header says format 2 from here on, durable before the first of them, so a build that
      // knows only format 1 refuses the segment rather than reading a marked length as bytes
      // past the end of the file and cutting what follows as a torn tail (found by review).
      if (end.headerPresent && end.offset >= SEGMENT_HEADER_BYTES) encodeSegmentHeader(written, end.firstSequence);
      writeWholeSync(fd, written, 0);
    }
    fs.fdatasyncSync(fd);
    return fd;
  } catch (e) {
    fs.closeSync(fd);
    throw e;
  }
}

/** A new segment at startup: zeros + header under a temporary name, fdatasync, rename, fsync dir. */
function createSegmentSync(dataDir: string, firstSeq: bigint, size: number): SegmentTarget {
  const file = segmentFileName(firstSeq);
  const finalPath = path.join(dataDir, file);
  if (fs.existsSync(finalPath)) throw new Error(`refusing to overwrite existing segment ${finalPath}`);
  const tmpPath = path.join(dataDir, `journal-new-${process.pid}.seg.tmp`);
  const header = Buffer.alloc(SEGMENT_HEADER_BYTES);
  encodeSegmentHeader(header, firstSeq);
  const fd = createZeroedFileSync(tmpPath, size, header);
  try {
    fs.fdatasyncSync(fd);
    fs.renameSync(tmpPath, finalPath);
    fsyncDirSync(dataDir);
  } catch (e) {
    fs.closeSync(fd);
    throw e;
  }
  return target(file, firstSeq, fd, size);
}

/** Leftovers of segments being prepared when the process stopped; they never held records. */
function removeSegmentTemps(dataDir: string): void {
  let removed = false;
  for (const name of readDirNames(dataDir)) {
    if (isSegmentTempName(name)) {
      fs.rmSync(path.join(dataDir, name), { force: true });
      removed = true;
    }
  }
  if (removed) fsyncDirSync(dataDir);
}
