/** A stream writer that holds at most a bound of messages while its reader is not reading. */

/** What the writer needs of a stream: grpc-js's server streams are these. */
export interface FlowControlledSink<T> {
  /** False once the stream's own buffer is full: wait for 'drain' before writing more. */
  write(message: T): boolean;
  once(event: "drain", listener: () => void): unknown;
}

/**
 * Writes messages in order; while the sink reports it is full, holds them in a queue of at
 * most `maxQueued`. One more is an overflow: the queue is dropped, nothing more is written
 * and `onOverflow` runs once (the caller ends the stream). Memory per slow reader is thus
 * the sink's own buffer plus `maxQueued` messages, never more.
 *
 * `allowance`: the first that many messages (a backlog handed over at once, held in memory
 * anyway) may come on top of the bound; each one handed to the sink gives its place back, so
 * once the backlog is written the bound is `maxQueued` again. (Found by review: a resumed
 * monitor kept the wider bound for the life of its stream.)
 */
export class BoundedWriter<T> {
  private readonly queue: T[] = [];
  private blocked = false;
  private overflowed = false;
  /** The most messages ever held at once (for tests and diagnostics). */
  private peak = 0;
  /** Runs once the queue has been handed to the sink (`endWhenWritten`). */
  private onWritten: (() => void) | undefined = undefined;
  /** Messages handed to the sink so far (up to `allowance`: only the backlog's count matters). */
  private written = 0;
  private lostAtOverflow = 0;

  constructor(
    private readonly sink: FlowControlledSink<T>,
    readonly maxQueued: number,
    private readonly onOverflow: () => void,
    private readonly allowance = 0,
  ) {}

  /** The messages the overflow threw away: those queued, and the one that overflowed. */
  get lost(): number {
    return this.lostAtOverflow;
  }

  get queued(): number {
    return this.queue.length;
  }

  get peakQueued(): number {
    return this.peak;
  }

  get dropped(): boolean {
    return this.overflowed;
  }

  /** Writes now, queues, or (past the bound) drops the reader; a no-op once dropped. */
  push(message: T): void {
    if (this.overflowed) return;
    if (!this.blocked) {
      this.writeOne(message);
      return;
    }
    const backlogLeft = this.allowance - this.written;
    if (this.queue.length >= this.maxQueued + (backlogLeft > 0 ? backlogLeft : 0)) {
      this.overflowed = true;
      this.lostAtOverflow = this.queue.length + 1;
      this.queue.length = 0;
      this.onOverflow();
      return;
    }
    this.queue.push(message);
    if (this.queue.length > this.peak) this.peak = this.queue.length;
  }

  /**
   * Calls `end` once every held message has been handed to the sink: now if none is held,
   * else when the last one is written. Nothing may be pushed after it. A reader dropped for
   * falling behind is not ended again (its stream already has its status).
   */
  endWhenWritten(end: () => void): void {
    if (this.overflowed) return;
    if (!this.blocked) return end();
    this.onWritten = end;
  }

  private writeOne(message: T): void {
    if (this.written < this.allowance) this.written += 1;
    if (this.sink.write(message)) return;
    this.blocked = true;
    this.sink.once("drain", () => this.flush());
  }

  private flush(): void {
    this.blocked = false;
    while (this.queue.length > 0 && !this.blocked && !this.overflowed) this.writeOne(this.queue.shift()!);
    if (this.blocked || this.onWritten === undefined) return;
    const end = this.onWritten;
    this.onWritten = undefined;
    end();
  }
}
