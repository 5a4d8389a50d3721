/**
 * A journal reader that stops moving is made again after the last message read (found by
 * review, session 46: a standby whose NATS server froze for 8 s read nothing more for 40 s after
 * the thaw, said nothing, and its takeover then failed). The tail checks its progress against
 * the stream's end; the checks here are called by hand (no timer), against a fake stream.
 */
import type { ConsumerCallbackFn, JetStreamClient, JetStreamManager, JsMsg } from "@nats-io/jetstream";
import { describe, expect, it } from "vitest";
import { encodeRecordsMessage, frameRecord } from "../../src/replication/journal-message.js";
import { JournalTail } from "../../src/replication/journal-tail.js";

/** A stream of one record per message (record n at stream sequence n), and the readers made on it. */
function fakeStream() {
  const messages: Buffer[] = [];
  const readers: { from: number; deliver: (seq: number) => void; closed: boolean; deleted: boolean }[] = [];
  let infoFails = false;
  /** Set: the next consumer made waits for the test to settle it (`hold`). */
  let held: { called: () => void; failing: Promise<never> } | undefined;
  let gets = 0;
  const append = (count: number) => {
    for (let i = 0; i < count; i++) {
      const frame = frameRecord(BigInt(messages.length + 1), Buffer.from(`record ${messages.length + 1}`));
      messages.push(encodeRecordsMessage(0n, [frame], frame.length));
    }
  };
  const js = {
    consumers: {
      get: async (_stream: string, opts: { opt_start_seq?: number }) => {
        gets++;
        if (held) {
          held.called();
          await held.failing;
        }
        const reader = {
          from: opts.opt_start_seq ?? 1,
          closed: false,
          deleted: false,
          deliver: (seq: number) => {},
        };
        return {
          consume: async ({ callback }: { callback: ConsumerCallbackFn }) => {
            reader.deliver = (seq: number) => callback({ seq, subject: "journal", data: messages[seq - 1]! } as unknown as JsMsg);
            readers.push(reader);
            return {
              close: async () => {
                reader.closed = true;
                return undefined;
              },
            };
          },
          delete: async () => (reader.deleted = true),
        };
      },
    },
  } as unknown as JetStreamClient;
  const jsm = {
    streams: {
      info: async () => {
        if (infoFails) throw new Error("no responders");
        return { state: { first_seq: 1, last_seq: messages.length } };
      },
    },
  } as unknown as JetStreamManager;
  /** The next consumer to be made fails when the test says (after `called` resolved). */
  const hold = () => {
    let fail!: (e: Error) => void;
    let called!: () => void;
    const wasCalled = new Promise<void>((resolve) => (called = resolve));
    const failing = new Promise<never>((_, reject) => (fail = reject));
    held = { called, failing };
    return { wasCalled, fail: (e: Error) => fail(e) };
  };
  return { js, jsm, append, readers, hold, gets: () => gets, failInfo: (fails: boolean) => (infoFails = fails) };
}

function tailOn(stream: ReturnType<typeof fakeStream>) {
  const applied: bigint[] = [];
  const restarts: [number, number][] = [];
  const errors: Error[] = [];
  const tail = new JournalTail({
    js: stream.js,
    jsm: stream.jsm,
    stream: "OPENPIT",
    fromStreamSequence: 1,
    nextSequence: 1n,
    epoch: 0n,
    checkProgressEveryMs: 0,
    onRecord: (r) => applied.push(r.seq),
    onReaderRestarted: (from, end) => restarts.push([from, end]),
    onError: (e) => errors.push(e),
  });
  return { tail, applied, restarts, errors };
}

describe("JournalTail's progress check", () => {
  it("makes a stuck reader again after the last message read; the stuck one's late messages are dropped", async () => {
    const stream = fakeStream();
    stream.append(1);
    const { tail, applied, restarts, errors } = tailOn(stream);
    await tail.start();
    stream.readers[0]!.deliver(1);
    // The reader stops; the writer goes on.
    stream.append(2);
    // The first check notes where the tail is; the second finds the stream past it (the next
    // message may be on its way); the third finds it there still: stuck.
    expect([await tail.checkProgress(), await tail.checkProgress()]).toEqual([false, false]);
    expect(await tail.checkProgress()).toBe(true);
    expect(restarts).toEqual([[2, 3]]);
    // The stuck one is closed and deleted on the server (else it stays there five minutes).
    expect(stream.readers.map((r) => [r.from, r.closed, r.deleted])).toEqual([
      [1, true, true],
      [2, false, false],
    ]);
    // The old reader wakes up late: nothing of it is read.
    stream.readers[0]!.deliver(2);
    stream.readers[1]!.deliver(2);
    stream.readers[1]!.deliver(3);
    expect(applied).toEqual([1n, 2n, 3n]);
    expect(tail.lastStreamSequence).toBe(3);
    expect(errors).toEqual([]);
    await tail.stop();
  });

  it("leaves a reader alone that keeps up, or that moved since the last check, or when the stream cannot be asked", async () => {
    const stream = fakeStream();
    stream.append(2);
    const { tail, restarts } = tailOn(stream);
    await tail.start();
    stream.readers[0]!.deliver(1);
    stream.readers[0]!.deliver(2);
    // At the stream's end: idle, not stuck.
    for (let i = 0; i < 4; i++) expect(await tail.checkProgress()).toBe(false);
    // Behind at one check, then moved: not stuck.
    stream.append(2);
    expect(await tail.checkProgress()).toBe(false);
    stream.readers[0]!.deliver(3);
    expect(await tail.checkProgress()).toBe(false);
    expect(await tail.checkProgress()).toBe(false);
    // Behind, but the stream's end cannot be read: asked again later, nothing restarted.
    stream.failInfo(true);
    for (let i = 0; i < 3; i++) expect(await tail.checkProgress()).toBe(false);
    expect(restarts).toEqual([]);
    expect(stream.readers).toHaveLength(1);
    // Read again, the end is where it was found before the failures, and so is the tail: stuck.
    stream.failInfo(false);
    expect(await tail.checkProgress()).toBe(true);
    expect(restarts).toEqual([[4, 4]]);
    await tail.stop();
    expect(await tail.checkProgress()).toBe(false);
  });

  it("stopped while the reader is being made again, makes no more and reports nothing", async () => {
    const stream = fakeStream();
    stream.append(1);
    const { tail, restarts, errors } = tailOn(stream);
    await tail.start();
    stream.readers[0]!.deliver(1);
    stream.append(2);
    await tail.checkProgress();
    await tail.checkProgress();
    // The new reader's consumer is slow to come (an election), and the tail is stopped meanwhile
    // (a shutdown, or a takeover that finished reading).
    const held = stream.hold();
    const restarting = tail.checkProgress();
    await held.wasCalled;
    await tail.stop();
    held.fail(new Error("timeout"));
    expect(await restarting).toBe(false);
    expect(restarts).toEqual([[2, 3]]);
    expect(stream.gets()).toBe(2);
    expect(errors).toEqual([]);
  });
});
