// Records written by FileJournal read back identical, across segment rollovers, reopenings and
// a record larger than a segment; plus the memory journal and the open factory.
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it, vi } from "vitest";
import {
  FileJournal,
  JournalClosedError,
  JournalCorruptionError,
  MemoryJournal,
  openJournal,
  readJournal,
} from "../../../src/state/journal/index.js";
import { SMALL_SEGMENT, nextTurn, payloadFor, range, readAll, useTempDirs } from "./journal-test-helpers.js";

const tempDir = useTempDirs();

describe("FileJournal round trip", () => {
  it("reads back every record, including a one-byte one and one larger than a segment, in order; refuses an empty one", async () => {
    const dir = tempDir();
    const j = FileJournal.open({ dataDir: dir, mode: "sync", segmentBytes: SMALL_SEGMENT });
    const written: Buffer[] = [];
    const add = (p: Buffer) => {
      written.push(p);
      expect(j.append(p)).toBe(BigInt(written.length));
    };
    // An empty record is never written: a frame length of 0 means bytes never written (segment-scan.ts).
    expect(() => j.append(Buffer.alloc(0))).toThrow(new RangeError("a journal record must not be empty"));
    add(Buffer.alloc(1));
    for (let i = 0; i < 1500; i++) add(payloadFor(i));
    add(Buffer.alloc(3 * SMALL_SEGMENT, 0xab)); // larger than a segment: gets a segment of its own size
    add(Buffer.alloc(1));
    for (let i = 0; i < 500; i++) add(payloadFor(i));
    await j.flush();
    const last = BigInt(written.length);
    expect(j.status()).toMatchObject({ lastSequence: last, durableSequence: last });
    await j.close();

    const back = readAll(dir);
    expect(back.seqs).toEqual(range(1, written.length));
    expect(back.payloads).toEqual(written);
    expect(back.result.tornTail).toBeUndefined();
    expect(back.result.lastSequence).toBe(last);
    // Several segments, each named after its first record, the big one sized to fit its record.
    const segs = back.result.segments;
    expect(segs.length).toBeGreaterThanOrEqual(4);
    for (const s of segs) {
      const firstInIt = back.offsets.findIndex((o) => o.file === s.file);
      expect(back.seqs[firstInIt]).toBe(s.firstSequence);
      expect(s.bytes).toBeGreaterThanOrEqual(SMALL_SEGMENT);
    }
    expect(segs.some((s) => s.bytes > 3 * SMALL_SEGMENT)).toBe(true);
    expect(fs.readdirSync(dir).filter((n) => n.endsWith(".tmp"))).toEqual([]);
  });

  it("appends over several turns, using background-prepared segments, and stays contiguous", async () => {
    const dir = tempDir();
    const j = FileJournal.open({ dataDir: dir, mode: "sync", segmentBytes: SMALL_SEGMENT });
    let n = 0;
    for (let turn = 0; turn < 12; turn++) {
      for (let i = 0; i < 100; i++) j.append(payloadFor(n++));
      await j.flush();
      // Let a preparation that this turn started finish, so the next rollover can take it.
      await vi.waitFor(() => expect(j.status().nextSegment).not.toBe("preparing"));
    }
    const { rollovers } = j.status();
    expect(rollovers.prepared).toBeGreaterThanOrEqual(2);
    expect(rollovers.inline).toBe(0);
    await j.close();
    const back = readAll(dir);
    expect(back.seqs).toEqual(range(1, n));
    expect(back.payloads).toEqual(range(1, n).map((s) => payloadFor(Number(s) - 1)));
    expect(back.result.segments.length).toBeGreaterThan(3);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("reopens and continues appending where the data ends, seqs contiguous", async () => {
    const dir = tempDir();
    let j = FileJournal.open({ dataDir: dir, mode: "sync", segmentBytes: SMALL_SEGMENT });
    for (let i = 0; i < 100; i++) j.append(payloadFor(i));
    await j.close();

    j = FileJournal.open({ dataDir: dir, mode: "async", segmentBytes: SMALL_SEGMENT });
    expect(j.lastSequence).toBe(100n);
    expect(j.append(payloadFor(100))).toBe(101n);
    await j.close();

    // With the end handed over by a reader that just ran (the recovery path).
    const read = readJournal(dir);
    j = FileJournal.open({ dataDir: dir, mode: "sync", segmentBytes: SMALL_SEGMENT, end: read.end });
    for (let i = 101; i < 2000; i++) j.append(payloadFor(i));
    await j.close();

    const back = readAll(dir);
    expect(back.seqs).toEqual(range(1, 2000));
    expect(back.payloads).toEqual(range(1, 2000).map((s) => payloadFor(Number(s) - 1)));
  });

  it("reopens an empty journal and a journal whose newest segment was never written", async () => {
    const dir = tempDir();
    await FileJournal.open({ dataDir: dir, mode: "sync" , segmentBytes: SMALL_SEGMENT}).close();
    expect(readJournal(dir).lastSequence).toBe(0n);
    // A segment renamed into place whose first batch never reached the disk: all zeros.
    fs.writeFileSync(path.join(dir, "journal-00000000000000000001.seg"), Buffer.alloc(SMALL_SEGMENT));
    const j = FileJournal.open({ dataDir: dir, mode: "sync", segmentBytes: SMALL_SEGMENT });
    expect(j.append(Buffer.from("first"))).toBe(1n);
    await j.close();
    expect(readAll(dir).payloads).toEqual([Buffer.from("first")]);
  });

  it("starts a new segment at nextSequence when a snapshot is ahead of the journal", async () => {
    const dir = tempDir();
    let j = FileJournal.open({ dataDir: dir, mode: "sync", segmentBytes: SMALL_SEGMENT });
    for (let i = 0; i < 10; i++) j.append(payloadFor(i));
    await j.close();

    expect(() => FileJournal.open({ dataDir: dir, mode: "sync", nextSequence: 10n })).toThrow(/reuse sequence numbers/);
    j = FileJournal.open({ dataDir: dir, mode: "sync", segmentBytes: SMALL_SEGMENT, nextSequence: 50n });
    expect(j.append(Buffer.from("fifty"))).toBe(50n);
    await j.close();

    expect(fs.readdirSync(dir)).toContain("journal-00000000000000000050.seg");
    const fromSnapshot = readAll(dir, { fromSequence: 50n });
    expect(fromSnapshot.seqs).toEqual([50n]);
    expect(() => readJournal(dir, { fromSequence: 1n })).toThrow(JournalCorruptionError);
  });

  it("refuses appends after close and resolves flush at once when idle", async () => {
    const dir = tempDir();
    const j = FileJournal.open({ dataDir: dir, mode: "sync", segmentBytes: SMALL_SEGMENT });
    await j.flush();
    j.append(Buffer.from("x"));
    await j.close();
    await j.close(); // idempotent
    expect(() => j.append(Buffer.from("y"))).toThrow(JournalClosedError);
    expect(() => j.afterDurable(() => undefined)).toThrow(JournalClosedError);
  });
});

describe("MemoryJournal and openJournal", () => {
  it("numbers records, runs afterDurable at once and keeps nothing", async () => {
    const j = new MemoryJournal({ nextSequence: 5n });
    expect(j.append(new Uint8Array(3))).toBe(5n);
    expect(j.append(new Uint8Array(0))).toBe(6n);
    let ran = false;
    j.afterDurable(() => (ran = true));
    expect(ran).toBe(true);
    await j.flush();
    j.noteSnapshot(4n);
    expect(j.status()).toMatchObject({ mode: "ephemeral", dataDir: undefined, lastSequence: 6n, durableSequence: 0n, lastSnapshotSequence: 4n });
    await j.close();
    expect(() => j.append(new Uint8Array(1))).toThrow(JournalClosedError);
  });

  it("picks the implementation from the mode", async () => {
    expect(openJournal({ mode: "ephemeral" })).toBeInstanceOf(MemoryJournal);
    const dir = tempDir();
    const j = openJournal({ mode: "async", dataDir: dir, segmentBytes: SMALL_SEGMENT });
    expect(j).toBeInstanceOf(FileJournal);
    j.append(Buffer.from("a"));
    await nextTurn();
    await j.close();
    expect(readAll(dir).seqs).toEqual([1n]);
  });
});
