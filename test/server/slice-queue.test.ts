import { describe, expect, it } from "vitest";
import { SliceQueue } from "../../src/server/services/slice-queue.js";

/** A job of `slices` slices that logs each one as `name:i`. */
function* job(log: string[], name: string, slices: number): Generator<void, void, void> {
  for (let i = 0; i < slices; i++) {
    if (i > 0) yield;
    log.push(`${name}:${i}`);
  }
}

/** A turn scheduler the test drives by hand: no timers, no timing. */
function manualTurns() {
  const queued: (() => void)[] = [];
  return {
    defer: (run: () => void) => queued.push(run),
    /** Runs the next turn; false when nothing was scheduled. */
    turn(): boolean {
      const run = queued.shift();
      run?.();
      return run !== undefined;
    },
  };
}

describe("SliceQueue", () => {
  it("runs a job's first slice at once and one slice per later turn", () => {
    const log: string[] = [];
    const turns = manualTurns();
    const q = new SliceQueue(turns.defer);
    q.push(job(log, "big", 3));
    expect(log).toEqual(["big:0"]);
    expect(turns.turn()).toBe(true);
    expect(log).toEqual(["big:0", "big:1"]);
    expect(turns.turn()).toBe(true);
    expect(log).toEqual(["big:0", "big:1", "big:2"]);
    expect(q.pending).toBe(0);
    expect(turns.turn()).toBe(false);
  });

  it("keeps the stream's order: a message behind a big one waits for its last slice, one slice per turn", () => {
    const log: string[] = [];
    const turns = manualTurns();
    const q = new SliceQueue(turns.defer);
    q.push(job(log, "big", 2));
    q.push(job(log, "small", 1));
    expect(log).toEqual(["big:0"]);
    turns.turn();
    expect(log).toEqual(["big:0", "big:1"]);
    turns.turn();
    expect(log).toEqual(["big:0", "big:1", "small:0"]);
    // Work of other streams (an order) runs between the turns of this one.
  });

  it("an order that arrives with a big batch runs before the batch's last slice", () => {
    const log: string[] = [];
    const turns = manualTurns();
    const feed = new SliceQueue(turns.defer);
    feed.push(job(log, "reports", 4));
    // The order's message is handled in the same turn (another stream: not behind the feed).
    log.push("order");
    while (turns.turn());
    expect(log).toEqual(["reports:0", "order", "reports:1", "reports:2", "reports:3"]);
  });

  it("finishNow runs everything queued to the end, in order (shutdown's drain)", () => {
    const log: string[] = [];
    const turns = manualTurns();
    const q = new SliceQueue(turns.defer);
    q.push(job(log, "a", 3));
    q.push(job(log, "b", 2));
    q.finishNow();
    expect(log).toEqual(["a:0", "a:1", "a:2", "b:0", "b:1"]);
    expect(q.pending).toBe(0);
    // The turn scheduled before finishNow finds nothing left to do.
    turns.turn();
    expect(log).toHaveLength(5);
  });

  it("small jobs run at once, each in the turn it arrives", () => {
    const log: string[] = [];
    const turns = manualTurns();
    const q = new SliceQueue(turns.defer);
    q.push(job(log, "a", 1));
    q.push(job(log, "b", 1));
    expect(log).toEqual(["a:0", "b:0"]);
    expect(turns.turn()).toBe(false);
  });
});
