/** BoundedWriter: what a stream holds for a reader that does not read, counted exactly. */
import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import { BoundedWriter } from "../../src/server/services/bounded-writer.js";

/** A sink that takes `capacity` messages, then reports full until `drain()` empties it. */
class FakeSink extends EventEmitter {
  readonly written: number[] = [];
  private buffered = 0;
  constructor(private readonly capacity: number) {
    super();
  }
  write(m: number): boolean {
    this.written.push(m);
    this.buffered++;
    return this.buffered < this.capacity;
  }
  drain(): void {
    this.buffered = 0;
    this.emit("drain");
  }
}

describe("BoundedWriter", () => {
  it("writes through while the sink takes them, queues up to the bound while it is full, and flushes in order on drain", () => {
    const sink = new FakeSink(3);
    let overflows = 0;
    const w = new BoundedWriter<number>(sink, 5, () => overflows++);
    for (let i = 1; i <= 8; i++) w.push(i);
    expect(sink.written).toEqual([1, 2, 3]);
    expect([w.queued, w.peakQueued, overflows, w.dropped]).toEqual([5, 5, 0, false]);
    sink.drain();
    expect(sink.written).toEqual([1, 2, 3, 4, 5, 6]); // the sink is full again after three
    expect(w.queued).toBe(2);
    sink.drain();
    sink.drain();
    expect(sink.written).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(w.queued).toBe(0);
    expect(sink.listenerCount("drain")).toBe(0);
  });

  it("one past the bound drops the reader: the queue is emptied, onOverflow runs once, nothing more is written", () => {
    const sink = new FakeSink(2);
    let overflows = 0;
    const w = new BoundedWriter<number>(sink, 4, () => overflows++);
    for (let i = 1; i <= 10_000; i++) w.push(i);
    expect(sink.written).toEqual([1, 2]);
    expect([w.peakQueued, w.queued, overflows, w.dropped]).toEqual([4, 0, 1, true]);
    sink.drain();
    expect(sink.written).toEqual([1, 2]);
  });

  it("endWhenWritten ends at once when nothing is held, else only after the last held message is written", () => {
    const idle = new FakeSink(3);
    const a = new BoundedWriter<number>(idle, 5, () => {});
    a.push(1);
    let endedA = 0;
    a.endWhenWritten(() => endedA++);
    expect(endedA).toBe(1);

    const sink = new FakeSink(2);
    const w = new BoundedWriter<number>(sink, 5, () => {});
    for (let i = 1; i <= 5; i++) w.push(i);
    const log: string[] = [];
    w.endWhenWritten(() => log.push(`end after ${sink.written.length}`));
    expect(log).toEqual([]); // 3, 4, 5 still held
    sink.drain();
    expect(log).toEqual([]); // 3 and 4 written, the sink is full again with 5 held
    sink.drain();
    expect(log).toEqual(["end after 5"]);
    sink.drain();
    expect(log).toEqual(["end after 5"]); // once
  });

  it("endWhenWritten does not end a reader already dropped for falling behind (its stream has its status)", () => {
    const sink = new FakeSink(1);
    const w = new BoundedWriter<number>(sink, 1, () => {});
    for (let i = 1; i <= 3; i++) w.push(i);
    expect(w.dropped).toBe(true);
    let ended = 0;
    w.endWhenWritten(() => ended++);
    sink.drain();
    expect(ended).toBe(0);
  });
});
