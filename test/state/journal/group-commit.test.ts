// Group commit: a turn's records form one batch; its callbacks run only after that batch's
// fdatasync, batches complete in order, and a failed write or fsync never acknowledges anything.
import * as fs from "node:fs";
import { describe, expect, it, vi } from "vitest";
import { FileJournal, JournalFailedError, type JournalIo } from "../../../src/state/journal/index.js";
import { SMALL_SEGMENT, heldFsync, nextTurn, readAll, useTempDirs } from "./journal-test-helpers.js";

const tempDir = useTempDirs();
const rec = (text: string) => Buffer.from(text);

function openHeld(mode: "sync" | "async" = "sync") {
  const held = heldFsync();
  const j = FileJournal.open({ dataDir: tempDir(), mode, segmentBytes: SMALL_SEGMENT, io: held.io, prepareAhead: false });
  return { j, held };
}

describe("group commit (sync mode)", () => {
  it("runs a turn's callbacks only after its batch's fdatasync", async () => {
    const { j, held } = openHeld();
    const log: string[] = [];
    j.append(rec("a"));
    j.append(rec("b"));
    j.afterDurable(() => log.push("ack ab"));
    j.append(rec("c"));
    j.afterDurable(() => log.push("ack abc"));
    expect(log).toEqual([]);

    await nextTurn();
    expect(held.count()).toBe(1); // one fdatasync for the whole turn
    expect(log).toEqual([]);
    expect(j.status()).toMatchObject({ lastSequence: 3n, durableSequence: 0n, pendingBatches: 1 });

    await held.releaseNext();
    expect(log).toEqual(["ack ab", "ack abc"]);
    expect(j.status()).toMatchObject({ durableSequence: 3n, fsyncCount: 1, pendingBatches: 0 });
    expect(j.status().fsyncLatencyUs.max).toBeGreaterThan(0);
    await j.close();
  });

  it("completes batches in order; batches sealed during an fsync go out together in the next one", async () => {
    const { j, held } = openHeld();
    const log: number[] = [];
    j.append(rec("1"));
    j.afterDurable(() => log.push(1));
    await nextTurn();
    j.append(rec("2"));
    j.afterDurable(() => log.push(2));
    j.afterDurable(() => log.push(3));
    await nextTurn();
    j.append(rec("3"));
    j.afterDurable(() => log.push(4));
    await nextTurn();
    expect(held.count()).toBe(1); // the later batches wait: nothing of theirs is written yet
    expect(j.status().pendingBatches).toBe(3);
    const recordsInFile = () => readAll(j.dataDir).seqs.length;
    expect(recordsInFile()).toBe(1);

    await held.releaseNext();
    expect(log).toEqual([1]);
    expect(j.durableSequence).toBe(1n);
    expect(held.count()).toBe(1); // one fdatasync for the two batches that queued up
    expect(recordsInFile()).toBe(3);
    await held.releaseNext();
    expect(log).toEqual([1, 2, 3, 4]);
    expect(j.status()).toMatchObject({ durableSequence: 3n, fsyncCount: 2, pendingBatches: 0 });
    await j.close();
  });

  it("makes a callback from a turn that appended nothing wait for the earlier batches", async () => {
    const { j, held } = openHeld();
    const log: string[] = [];
    j.append(rec("x"));
    j.afterDurable(() => log.push("after x"));
    await nextTurn();
    j.afterDurable(() => log.push("empty turn"));
    await nextTurn();
    await nextTurn();
    expect(log).toEqual([]);
    await held.releaseNext();
    expect(log).toEqual(["after x", "empty turn"]);
    expect(held.count()).toBe(0); // the empty batch needed no fsync
    await j.close();
  });

  it("runs a callback registered on an idle journal at the end of the turn, not synchronously", async () => {
    const { j } = openHeld();
    let ran = false;
    j.afterDurable(() => (ran = true));
    expect(ran).toBe(false);
    await nextTurn();
    expect(ran).toBe(true);
    await j.close();
  });

  it("resolves flush only once everything appended so far is durable", async () => {
    const { j, held } = openHeld();
    j.append(rec("a"));
    let flushed = false;
    const f = j.flush().then(() => (flushed = true));
    await nextTurn();
    await nextTurn();
    expect(flushed).toBe(false);
    await held.releaseNext();
    await f;
    expect(flushed).toBe(true);
    await j.close();
  });
});

describe("async mode", () => {
  it("acknowledges at once, writes and fsyncs in the background, and reports the loss window", async () => {
    const { j, held } = openHeld("async");
    let ran = false;
    j.append(rec("a"));
    j.append(rec("b"));
    j.afterDurable(() => (ran = true));
    expect(ran).toBe(true);
    await nextTurn();
    expect(held.count()).toBe(1);
    const s = j.status();
    expect(s.lastSequence - s.durableSequence).toBe(2n);
    const f = j.flush();
    await held.releaseNext();
    await f;
    expect(j.status().durableSequence).toBe(2n);
    await j.close();
    expect(readAll(j.dataDir).seqs).toEqual([1n, 2n]);
  });
});

describe("write and fsync failures are fatal", () => {
  const injected = (code: string) => Object.assign(new Error(`${code}: injected`), { code });

  async function expectFailedJournal(io: Partial<JournalIo>, message: RegExp) {
    const fatal: Error[] = [];
    const j = FileJournal.open({ dataDir: tempDir(), mode: "sync", segmentBytes: SMALL_SEGMENT, io, onFatal: (e) => fatal.push(e) });
    const log: string[] = [];
    j.append(rec("doomed"));
    j.afterDurable(() => log.push("first"));
    const flushed = j.flush();
    flushed.catch(() => undefined); // asserted below; the failure may land before the assertion attaches
    await expect(flushed).rejects.toThrow(message);
    expect(() => j.append(rec("more"))).toThrow(JournalFailedError);
    expect(() => j.afterDurable(() => log.push("later"))).toThrow(JournalFailedError);
    await expect(j.flush()).rejects.toBeInstanceOf(JournalFailedError);
    expect(log).toEqual([]);
    expect(fatal).toHaveLength(1);
    expect(fatal[0]).toBeInstanceOf(JournalFailedError);
    expect(j.status().failure).toMatch(message);
    expect(j.status().durableSequence).toBe(0n);
    await expect(j.close()).rejects.toBeInstanceOf(JournalFailedError);
  }

  it("on fdatasync failure: no callback runs, flush rejects, appends throw", async () => {
    await expectFailedJournal({ fdatasync: (_fd, cb) => setImmediate(() => cb(injected("EIO"))) }, /fdatasync of journal-0+1\.seg: EIO/);
  });

  it("on write failure: the same", async () => {
    await expectFailedJournal(
      {
        writeSync: () => {
          throw injected("ENOSPC");
        },
      },
      /write to journal-0+1\.seg at offset 16: ENOSPC/,
    );
  });

  it("drops the callbacks of batches queued behind the failed one", async () => {
    let fail: ((err: Error) => void) | undefined;
    const j = FileJournal.open({
      dataDir: tempDir(),
      mode: "sync",
      segmentBytes: SMALL_SEGMENT,
      io: { fdatasync: (_fd, cb) => (fail = (e) => cb(e)) },
    });
    const log: number[] = [];
    j.append(rec("1"));
    j.afterDurable(() => log.push(1));
    await nextTurn();
    j.append(rec("2"));
    j.afterDurable(() => log.push(2));
    const flushed = j.flush();
    flushed.catch(() => undefined);
    await nextTurn();
    fail!(injected("EIO"));
    await expect(flushed).rejects.toBeInstanceOf(JournalFailedError);
    expect(log).toEqual([]);
    await expect(j.close()).rejects.toBeInstanceOf(JournalFailedError);
  });

  it("surfaces a throwing callback without stalling the batches behind it", async () => {
    const { j, held } = openHeld();
    const errors: unknown[] = [];
    const onUncaught = (e: unknown) => errors.push(e);
    const listeners = process.listeners("uncaughtException");
    process.removeAllListeners("uncaughtException");
    process.on("uncaughtException", onUncaught);
    try {
      const log: string[] = [];
      j.append(rec("a"));
      j.afterDurable(() => {
        throw new Error("callback bug");
      });
      j.afterDurable(() => log.push("next callback"));
      await nextTurn();
      await held.releaseNext();
      expect(log).toEqual(["next callback"]);
      await vi.waitFor(() => expect(errors).toHaveLength(1));
      expect((errors[0] as Error).message).toBe("callback bug");
      j.append(rec("b"));
      const f = j.flush();
      await nextTurn();
      await held.releaseNext();
      await f;
    } finally {
      process.off("uncaughtException", onUncaught);
      for (const l of listeners) process.on("uncaughtException", l);
    }
    await j.close();
  });
});

describe("fsync of the segment that a batch rolls over into", () => {
  it("syncs the old segment's tail before writing into the new one", async () => {
    const order: string[] = [];
    const fdNames = new Map<number, string>();
    const dir = tempDir();
    const j = FileJournal.open({
      dataDir: dir,
      mode: "sync",
      segmentBytes: 4096,
      prepareAhead: false,
      io: {
        writeSync: (fd, buffer, offset, length, position) => {
          order.push(`write ${fdNames.get(fd) ?? fd}`);
          return fs.writeSync(fd, buffer, offset, length, position);
        },
        fdatasync: (fd, cb) => {
          order.push(`fdatasync ${fdNames.get(fd) ?? fd}`);
          fs.fdatasync(fd, cb);
        },
      },
    });
    for (let i = 0; i < 5; i++) j.append(Buffer.alloc(1000, i));
    await j.flush();
    await j.close();
    // Two segments, one batch: write+fsync the first, then write+fsync the second.
    expect(order).toHaveLength(4);
    expect(order[0]!.startsWith("write")).toBe(true);
    expect(order[1]!.startsWith("fdatasync")).toBe(true);
    expect(order[2]!.startsWith("write")).toBe(true);
    expect(order[3]!.startsWith("fdatasync")).toBe(true);
    expect(order[0]!.slice(6)).toBe(order[1]!.slice(10));
    expect(order[0]!.slice(6)).not.toBe(order[2]!.slice(6));
    expect(readAll(dir).seqs).toEqual([1n, 2n, 3n, 4n, 5n]);
  });
});

describe("inline sync of small groups", () => {
  it("a group up to inlineSyncBytes is synced on the event loop before its callbacks; a larger one goes to the pool", async () => {
    const held = heldFsync();
    const inline: number[] = [];
    const io: Partial<JournalIo> = { ...held.io, fdatasyncSync: (fd: number) => void inline.push(fd) };
    const j = FileJournal.open({ dataDir: tempDir(), mode: "sync", segmentBytes: SMALL_SEGMENT, io, prepareAhead: false, inlineSyncBytes: 64 });
    const log: string[] = [];
    j.append(rec("small"));
    j.afterDurable(() => log.push("small"));
    await nextTurn();
    expect(inline).toHaveLength(1);
    expect(held.count()).toBe(0);
    expect(log).toEqual(["small"]);
    expect(j.status()).toMatchObject({ durableSequence: 1n, fsyncCount: 1 });

    j.append(rec("x".repeat(100)));
    j.afterDurable(() => log.push("large"));
    await nextTurn();
    expect(inline).toHaveLength(1);
    expect(held.count()).toBe(1);
    expect(log).toEqual(["small"]);
    await held.releaseNext();
    expect(log).toEqual(["small", "large"]);
    await j.close();
  });
});
