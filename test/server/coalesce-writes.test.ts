import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { coalesceWrites } from "../../src/transport/coalesce-writes.js";

/** An object-mode Writable whose `_write` completes only when the test says so, like grpc-js's. */
class HeldWrites extends Writable {
  readonly handed: string[] = [];
  readonly callbacks: ((error?: Error | null) => void)[] = [];
  constructor() {
    super({ objectMode: true });
  }
  override _write(chunk: string, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.handed.push(chunk);
    this.callbacks.push(callback);
  }
  completeAll(error?: Error): void {
    for (const cb of this.callbacks.splice(0)) cb(error);
  }
}

/** Node runs a write's completion in a later tick; this lets it. */
const ticks = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("coalesceWrites", () => {
  it("without it a stream hands one message per completed write", async () => {
    const s = new HeldWrites();
    for (const m of ["a", "b", "c", "d"]) s.write(m);
    expect(s.handed).toEqual(["a"]);
    s.completeAll();
    await ticks();
    expect(s.handed).toEqual(["a", "b"]);
  });

  it("hands every message queued behind the pending write at once, in order, through _write", async () => {
    const s = new HeldWrites();
    coalesceWrites(s);
    for (const m of ["a", "b", "c", "d"]) s.write(m);
    expect(s.handed).toEqual(["a"]);
    s.completeAll();
    await ticks();
    expect(s.handed).toEqual(["a", "b", "c", "d"]);
    let drained = false;
    s.once("drain", () => (drained = true));
    s.completeAll();
    await ticks();
    expect(s.writableLength).toBe(0);
    // Not asked for (the buffer never reached the high-water mark): no drain, nothing pending.
    expect(drained).toBe(false);
  });

  it("a failed message fails the batch once", async () => {
    const s = new HeldWrites();
    coalesceWrites(s);
    const errors: Error[] = [];
    s.on("error", (e) => errors.push(e));
    for (const m of ["a", "b", "c"]) s.write(m);
    s.completeAll();
    await ticks();
    s.completeAll(new Error("broken"));
    await ticks();
    expect(errors.map((e) => e.message)).toEqual(["broken"]);
  });
});
