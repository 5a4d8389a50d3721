// Group commit: sealed batches are written and made durable strictly in order (positional
// writes, then one fdatasync per segment touched); only then do their callbacks run.
import * as fs from "node:fs";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { JournalFailedError } from "./journal.js";
import type { JournalIo } from "./journal-io.js";
import { markCommitStart, SEGMENT_HEADER_BYTES } from "./segment-format.js";

/** A segment file as the writer sees it. */
export interface SegmentTarget {
  /** Final file name (journal-<firstSeq>.seg). */
  readonly file: string;
  readonly firstSeq: bigint;
  readonly fd: number;
  readonly size: number;
  /**
   * A segment is prepared before its first sequence is known, under a temporary name. It is
   * renamed when the pipeline writes its first batch, i.e. only after every earlier record is
   * durable, so a segment name never claims records that an older segment lost in a crash.
   */
  renameFrom: string | undefined;
  /** No more records will be appended to it (the writer rolled over). */
  retired: boolean;
  /** Batch parts that target it and are not durable yet. */
  pendingParts: number;
  closed: boolean;
}

/** A contiguous run of bytes for one segment. */
export interface BatchPart {
  readonly target: SegmentTarget;
  readonly position: number;
  buffer: Buffer;
  length: number;
}

interface Waiter {
  readonly resolve: () => void;
  readonly reject: (e: Error) => void;
}

/** The records and callbacks of one event-loop turn. */
export class Batch {
  readonly parts: BatchPart[] = [];
  /** Last record in this batch, or -1 when it holds none. */
  lastSeq = -1n;
  readonly callbacks: (() => void)[] = [];
  readonly waiters: Waiter[] = [];

  /** The part to append `bytes` at `position` of `target` to, with room for them at part.length. */
  reserve(target: SegmentTarget, position: number, bytes: number): BatchPart {
    let part = this.parts[this.parts.length - 1];
    if (part === undefined || part.target !== target || part.position + part.length !== position) {
      part = { target, position, buffer: takeBuffer(bytes), length: 0 };
      target.pendingParts++;
      this.parts.push(part);
    } else if (part.length + bytes > part.buffer.length) {
      const bigger = takeBuffer(Math.max(part.length + bytes, part.buffer.length * 2));
      part.buffer.copy(bigger, 0, 0, part.length);
      releaseBuffer(part.buffer);
      part.buffer = bigger;
    }
    return part;
  }
}

// Batch buffers are recycled: a busy journal would otherwise allocate one per turn.
const POOL: Buffer[] = [];
const MIN_BUFFER = 64 * 1024;
const MAX_POOLED = 4 * 1024 * 1024;

function takeBuffer(min: number): Buffer {
  for (let i = POOL.length - 1; i >= 0; i--) {
    const b = POOL[i]!;
    if (b.length >= min) {
      POOL.splice(i, 1);
      return b;
    }
  }
  let size = MIN_BUFFER;
  while (size < min) size *= 2;
  return Buffer.allocUnsafe(size);
}

function releaseBuffer(b: Buffer): void {
  if (b.length <= MAX_POOLED && POOL.length < 8) POOL.push(b);
}

/**
 * Runs a durable batch's callbacks in order. A throwing callback is the caller's bug, not the
 * journal's: it surfaces on the next tick, without stalling the callbacks and batches after it.
 */
export function runDurableCallbacks(callbacks: readonly (() => void)[]): void {
  let thrown: { e: unknown } | undefined;
  for (const cb of callbacks) {
    try {
      cb();
    } catch (e) {
      thrown ??= { e };
    }
  }
  if (thrown) {
    const { e } = thrown;
    process.nextTick(() => {
      throw e;
    });
  }
}

/** Closes a segment's fd once the writer has left it and its last part is durable. */
export function closeIfDone(t: SegmentTarget): void {
  if (t.retired && t.pendingParts === 0 && !t.closed) {
    t.closed = true;
    fs.closeSync(t.fd);
  }
}

export class CommitPipeline {
  durableSeq: bigint;
  fsyncCount = 0;
  fsyncLastUs = 0;
  fsyncMaxUs = 0;
  private fsyncTotalUs = 0;
  failure: JournalFailedError | undefined;
  /** Told each fdatasync's latency (µs): FileJournal.onFsync. */
  onFsync: ((us: number) => void) | undefined;
  private readonly queue: Batch[] = [];
  private inFlight: Batch[] | undefined;

  constructor(
    private readonly io: JournalIo,
    private readonly dataDir: string,
    private readonly dirFd: number,
    durableSeq: bigint,
    private readonly onFatal: (err: JournalFailedError) => void,
    private readonly inlineSyncBytes = 0,
  ) {
    this.durableSeq = durableSeq;
  }

  get pendingBatches(): number {
    return this.queue.length + (this.inFlight?.length ?? 0);
  }

  get fsyncMeanUs(): number {
    return this.fsyncCount === 0 ? 0 : this.fsyncTotalUs / this.fsyncCount;
  }

  /** True when no sealed batch is waiting or in flight. */
  get idle(): boolean {
    return this.inFlight === undefined && this.queue.length === 0;
  }

  submit(batch: Batch): void {
    if (this.failure) return this.drop([batch]);
    this.queue.push(batch);
    this.pump();
  }

  /**
   * Starts the next commit: every batch sealed while the previous fdatasync ran goes out
   * together (one fdatasync per segment for all of them), so a backlog costs one fsync, not
   * one per turn. Batches still complete one by one, in order.
   */
  private pump(): void {
    while (this.inFlight === undefined && !this.failure && this.queue.length > 0) {
      const group = this.queue.splice(0, this.queue.length);
      const parts = group.flatMap((b) => b.parts);
      if (parts.length === 0) {
        // Only callbacks: their predecessors are done, so they are durable as they stand.
        this.completeGroup(group);
        continue;
      }
      this.inFlight = group;
      this.runSegment(group, parts, 0);
    }
  }

  /**
   * Writes the run of parts from `index` on that target the same segment, then one
   * fdatasync for all of them. Segments run one after another: a rollover makes the old segment's tail durable
   * before the new segment is renamed into place and written, so recovery never sees a newer
   * segment holding records while an older one misses some.
   */
  private runSegment(group: Batch[], parts: BatchPart[], index: number): void {
    if (this.inFlight !== group) return; // failed meanwhile
    const first = parts[index];
    if (first === undefined) return this.completeGroup(group);
    const t = first.target;
    let end = index;
    while (end < parts.length && parts[end]!.target === t) end++;
    let renamed = false;
    let position = first.position;
    // The write's first frame carries the mark (after the segment header when it opens the file).
    markCommitStart(first.buffer, first.position === 0 ? SEGMENT_HEADER_BYTES : 0);
    try {
      if (t.renameFrom !== undefined) {
        fs.renameSync(t.renameFrom, path.join(this.dataDir, t.file));
        t.renameFrom = undefined;
        renamed = true;
      }
      for (let i = index; i < end; i++) {
        const part = parts[i]!;
        position = part.position;
        for (let done = 0; done < part.length; ) {
          const n = this.io.writeSync(t.fd, part.buffer, done, part.length - done, part.position + done);
          if (!(n > 0)) throw new Error(`write returned ${n}`);
          done += n;
        }
        releaseBuffer(part.buffer);
        part.buffer = EMPTY;
      }
    } catch (e) {
      const what = t.renameFrom !== undefined ? `rename into place of ${t.file}` : `write to ${t.file} at offset ${position}`;
      return this.fail(e, what);
    }

    let waiting = renamed ? 2 : 1;
    let error: { cause: unknown; what: string } | undefined;
    const settle = (): void => {
      if (--waiting > 0) return;
      if (error) return this.fail(error.cause, error.what);
      t.pendingParts -= end - index;
      closeIfDone(t);
      this.runSegment(group, parts, end);
    };
    const started = performance.now();
    const synced = (err: unknown): void => {
      const us = (performance.now() - started) * 1000;
      this.fsyncCount++;
      this.fsyncLastUs = us;
      this.fsyncTotalUs += us;
      if (us > this.fsyncMaxUs) this.fsyncMaxUs = us;
      this.onFsync?.(us);
      if (err && !error) error = { cause: err, what: `fdatasync of ${t.file}` };
      settle();
    };
    let bytes = 0;
    for (let i = index; i < end; i++) bytes += parts[i]!.length;
    if (!renamed && bytes <= this.inlineSyncBytes) {
      let failure: unknown = null;
      try {
        this.io.fdatasyncSync(t.fd);
      } catch (e) {
        failure = e;
      }
      return synced(failure);
    }
    this.io.fdatasync(t.fd, synced);
    if (renamed) {
      this.io.fsync(this.dirFd, (err) => {
        if (err && !error) error = { cause: err, what: `fsync of directory ${this.dataDir} after creating ${t.file}` };
        settle();
      });
    }
  }

  private completeGroup(group: Batch[]): void {
    if (this.inFlight === group) this.inFlight = undefined;
    for (const batch of group) {
      if (batch.lastSeq > this.durableSeq) this.durableSeq = batch.lastSeq;
      runDurableCallbacks(batch.callbacks);
      for (const w of batch.waiters) w.resolve();
    }
    this.pump();
  }

  private fail(cause: unknown, what: string): void {
    if (this.failure) return;
    const message = cause instanceof Error ? cause.message : String(cause);
    const err = new JournalFailedError(
      `journal failed: ${what}: ${message}; records after ${this.durableSeq} are not durable and no further appends are accepted`,
      { cause },
    );
    this.failure = err;
    const dropped = [...(this.inFlight ?? []), ...this.queue];
    this.inFlight = undefined;
    this.queue.length = 0;
    this.drop(dropped);
    this.onFatal(err);
  }

  /** Batches that can never become durable: their callbacks never run, their waiters reject. */
  private drop(batches: Batch[]): void {
    const err = this.failure!;
    for (const b of batches) {
      for (const w of b.waiters) w.reject(err);
      b.callbacks.length = 0;
    }
  }
}

const EMPTY = Buffer.alloc(0);
