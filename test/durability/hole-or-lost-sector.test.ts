/**
 * Found by review (session 40): zeros where a record starts that reach a sector boundary were
 * read as a hole (a write the crash cut short) whatever followed them. When a record began
 * exactly on a sector boundary, a whole lost sector matched that pattern: recovery cut every
 * acknowledged record after it as a torn tail and zero-filled them on reopening. The first
 * frame of each write now carries a mark (segment format 2): only the write that left a hole
 * can have frames after it, so a marked frame after the zeros means they replaced durable
 * records, and the start is refused.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { FileJournal, readJournal } from "../../src/state/journal/index.js";
import { SEGMENT_HEADER_BYTES, startsCommit } from "../../src/state/journal/segment-format.js";
import { corruption, patchFile, readAll, useTempDirs } from "../state/journal/journal-test-helpers.js";

const tempDir = useTempDirs();
const FIRST = "journal-00000000000000000001.seg";
const SECTOR = 512;
const record = (i: number) => Buffer.from(`{"record":${i},"pad":"${"x".repeat(60)}"}`);

/**
 * Record 1 ends exactly at offset 512 (16-byte segment header, 16-byte frame header, 480
 * bytes); records 2..20 follow, each its own write when `eachDurable`, else one write.
 */
async function journalWithRecordOnSector(dir: string, eachDurable: boolean): Promise<void> {
  const j = FileJournal.open({ dataDir: dir, mode: "sync", segmentBytes: 1 << 16, prepareAhead: false });
  j.append(Buffer.alloc(SECTOR - SEGMENT_HEADER_BYTES - 16, 0x61));
  await j.flush();
  for (let i = 2; i <= 20; i++) {
    j.append(record(i));
    if (eachDurable) await j.flush();
  }
  await j.close();
}

describe("a lost sector where a record starts, or a hole", () => {
  it("acknowledged records in later writes after a zeroed sector: refused as corruption, nothing cut", async () => {
    const dir = tempDir();
    await journalWithRecordOnSector(dir, true);
    const back = readAll(dir);
    expect(back.offsets[1]!.offset).toBe(SECTOR);
    const file = path.join(dir, FIRST);
    const original = fs.readFileSync(file);
    patchFile(file, SECTOR, Buffer.alloc(SECTOR));
    // The first whole record after the sector opens a later write.
    const next = back.offsets.findIndex((o) => o.offset >= 2 * SECTOR);
    const e = corruption(() => readJournal(dir));
    expect(e).toMatchObject({ file: FIRST, offset: SECTOR, expectedSequence: 2n });
    expect(e.message).toBe(
      `journal corrupt: ${FIRST} offset ${SECTOR}: non-zero bytes after the end of data (record 2 would start here): zeros where a record should start, but record ${next + 1} at offset ` +
        `${back.offsets[next]!.offset} opens a later write than the one they would belong to, so records that were durable were lost there; ` +
        `records after it exist (record ${next + 1} at offset ${back.offsets[next]!.offset}), refusing to skip`,
    );
    // Nothing was zero-filled: the bytes after the sector are as they were.
    expect(fs.readFileSync(file).subarray(2 * SECTOR).equals(original.subarray(2 * SECTOR))).toBe(true);
  });

  it("the same zeros followed only by records of the write that left them: a hole, cut as a torn tail", async () => {
    const dir = tempDir();
    await journalWithRecordOnSector(dir, false);
    patchFile(path.join(dir, FIRST), SECTOR, Buffer.alloc(SECTOR));
    const r = readJournal(dir);
    expect(r.lastSequence).toBe(1n);
    expect(r.tornTail).toMatchObject({ file: FIRST, offset: SECTOR, expectedSequence: 2n });
  });

  it("marks the first frame of every write and no other; a segment of format 1 (no marks) is read as before", async () => {
    const dir = tempDir();
    const j = FileJournal.open({ dataDir: dir, mode: "sync", segmentBytes: 1 << 16, prepareAhead: false });
    const writes = [3, 1, 4];
    for (const n of writes) {
      for (let k = 0; k < n; k++) j.append(record(k));
      await j.flush();
    }
    await j.close();
    const back = readAll(dir);
    const buf = fs.readFileSync(path.join(dir, FIRST));
    expect(back.offsets.map((o) => startsCommit(buf, o.offset))).toEqual([true, false, false, true, true, false, false, false]);
    expect(buf.readUInt32LE(4)).toBe(2);

    // Format 1: the version in the header and no marks.
    for (const o of back.offsets) buf.writeUInt32LE(buf.readUInt32LE(o.offset) & 0x7fffffff, o.offset);
    buf.writeUInt32LE(1, 4);
    fs.writeFileSync(path.join(dir, FIRST), buf);
    const old = readAll(dir);
    expect({ seqs: old.seqs, payloads: old.payloads }).toEqual({ seqs: back.seqs, payloads: back.payloads });
    // An unknown format is refused.
    buf.writeUInt32LE(3, 4);
    fs.writeFileSync(path.join(dir, FIRST), buf);
    expect(corruption(() => readJournal(dir)).message).toMatch(/segment format version 3 is not one this build reads \(1, 2\)/);
  });

  // Found by review (session 40): appended to after an upgrade, a format-1 segment kept its
  // header, so the build before read the marked lengths as bytes past the end of the file.
  it("a format-1 segment reopened for appending says format 2 before its first marked frame", async () => {
    const dir = tempDir();
    const file = path.join(dir, FIRST);
    const j = FileJournal.open({ dataDir: dir, mode: "sync", segmentBytes: 1 << 16, prepareAhead: false });
    for (let i = 1; i <= 3; i++) j.append(record(i));
    await j.close();
    // As the earlier build wrote it: format 1, no marks.
    const old = fs.readFileSync(file);
    for (const o of readAll(dir).offsets) old.writeUInt32LE(old.readUInt32LE(o.offset) & 0x7fffffff, o.offset);
    old.writeUInt32LE(1, 4);
    fs.writeFileSync(file, old);

    const again = FileJournal.open({ dataDir: dir, mode: "sync", segmentBytes: 1 << 16, prepareAhead: false });
    expect(fs.readFileSync(file).readUInt32LE(4)).toBe(2);
    for (let i = 4; i <= 6; i++) {
      again.append(record(i));
      await again.flush();
    }
    await again.close();
    const back = readAll(dir);
    const buf = fs.readFileSync(file);
    expect({ seqs: back.seqs, marks: back.offsets.map((o) => startsCommit(buf, o.offset)) }).toEqual({
      seqs: [1n, 2n, 3n, 4n, 5n, 6n],
      marks: [false, false, false, true, true, true],
    });
  });

  // Found by review (session 40): a write beginning 1 to 3 bytes before the page a crash kept
  // unwritten leaves only the top byte of its first frame's length, which carries the mark:
  // recovery refused that crash, which format 1 (a zero there) cut as a torn tail.
  it.each([4093, 4094, 4095])("a write that began at %i, its first page lost: a hole at the write's start, cut as a torn tail", async (head) => {
    const PAGE = 4096;
    const dir = tempDir();
    const file = path.join(dir, FIRST);
    const j = FileJournal.open({ dataDir: dir, mode: "sync", segmentBytes: 1 << 16, prepareAhead: false });
    j.append(Buffer.alloc(head - SEGMENT_HEADER_BYTES - 16, 0x61)); // record 1, ending at `head`
    await j.flush();
    const before = fs.readFileSync(file);
    for (let k = 0; k < 60; k++) j.append(record(k)); // one write over two pages, never acknowledged
    await j.close();
    const crashed = fs.readFileSync(file);
    expect(crashed.readUInt32LE(head)).toBeGreaterThanOrEqual(0x80000000);
    before.copy(crashed, 0, 0, PAGE); // the write's first page as the disk held it; the later one written
    fs.writeFileSync(file, crashed);
    const r = readJournal(dir);
    expect({ last: r.lastSequence, tornAt: r.tornTail?.offset }).toEqual({ last: 1n, tornAt: head });
    expect(r.tornTail!.reason).toMatch(new RegExp(`: bytes ${head}\\.\\.\\d+ were never written \\(a hole\\)`));
  });
});
