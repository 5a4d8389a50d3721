/**
 * Found by review (session 18): stopping the journal tail left whoever waited for a stream
 * position (a claim catching up while the process shuts down) waiting until its timeout,
 * 15 s by default, holding the shutdown that long. Both sides run on fake timers: the
 * refusal must come at once, not when the timeout fires.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import { JournalTail, JournalTailError } from "../../src/replication/journal-tail.js";

const tail = () =>
  new JournalTail({
    js: {} as JetStreamClient,
    jsm: {} as JetStreamManager,
    stream: "OPENPIT",
    fromStreamSequence: 1,
    nextSequence: 1n,
    epoch: 0n,
    onRecord: () => {},
  });

describe("JournalTail.stop", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("refuses a pending waitFor at once, and any later one", async () => {
    vi.useFakeTimers();
    const t = tail();
    const waiting = t.waitFor(5, 15_000);
    const outcome = waiting.then(
      () => "resolved",
      (e: unknown) => e,
    );
    await t.stop();
    const settled = await Promise.race([outcome, Promise.resolve("still waiting")]);
    expect(settled).toBeInstanceOf(JournalTailError);
    expect((settled as Error).message).toBe("the journal tail was stopped before it reached stream sequence 5 (read up to 0)");
    await expect(t.waitFor(6, 15_000)).rejects.toThrow("the journal tail was stopped before it reached stream sequence 6 (read up to 0)");
    expect(vi.getTimerCount()).toBe(0);
  });
});
