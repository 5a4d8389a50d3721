/**
 * A hole in the newest segment: zeros where the next frame (or the segment header) should
 * start, reaching a sector boundary, then data again. Two things leave it:
 *  - a power loss in the middle of a batch whose write spans several pages: the kernel wrote
 *    later pages but not the first one (none of those records was acknowledged: the answers
 *    wait for the fdatasync that covers the whole batch);
 *  - a live backup copy (docs/durability.md, "Inspection and backup") taken while the write
 *    head crossed the copy program's read boundary.
 * Recovery truncates there as a torn tail, zero-fills everything after it on reopening (so a
 * stale record can never reappear behind new ones), and still refuses a hole in an older
 * segment and zeros that do not look like a hole.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { FileJournal, readJournal } from "../../src/state/journal/index.js";
import { SEGMENT_HEADER_BYTES, encodeFrame, encodeSegmentHeader } from "../../src/state/journal/segment-format.js";
import { SMALL_SEGMENT, corruption, expectJournalEndsWith, patchFile, payloadFor, readAll, useTempDirs } from "../state/journal/journal-test-helpers.js";

const tempDir = useTempDirs();
const FIRST = "journal-00000000000000000001.seg";
const PAGE = 4096;
const SECTOR = 512;

/** True when the file's bytes [from, to) are all zero. */
function zeroIn(file: string, from: number, to: number): boolean {
  return fs.readFileSync(file).subarray(from, to).every((b) => b === 0);
}

/** A closed journal of records 1..n (payloadFor) in `dir`. */
async function journalOf(dir: string, n: number, segmentBytes = SMALL_SEGMENT): Promise<void> {
  const j = FileJournal.open({ dataDir: dir, mode: "sync", segmentBytes });
  for (let i = 0; i < n; i++) j.append(payloadFor(i));
  await j.close();
}

/**
 * Reopens `dir` for appending (as recovery does), appends `payloads`, closes; then reads the
 * journal again from scratch and checks it holds exactly 1..last, the new payloads at the end.
 */
async function appendAndReread(dir: string, payloads: Buffer[]) {
  const j = FileJournal.open({ dataDir: dir, mode: "sync", segmentBytes: SMALL_SEGMENT });
  const firstNew = j.lastSequence + 1n;
  for (const p of payloads) j.append(p);
  await j.close();
  return expectJournalEndsWith(dir, firstNew, payloads);
}

describe("a hole in the newest segment is where its durable data ends", () => {
  it("a segment copied while the journal writes across the copy's read boundary recovers (torn tail), as documented", async () => {
    // From the review (test/review-dur/live-backup-copy.test.ts on review-dur, e68c9f4).
    const CHUNK = 128 * 1024; // cp's read size
    const live = tempDir();
    const backup = tempDir();
    const j = FileJournal.open({ dataDir: live, mode: "sync", segmentBytes: 1024 * 1024 });
    const record = (i: number) => Buffer.from(JSON.stringify({ i, pad: "x".repeat(200) }));
    let i = 0;
    // The write head just before the first chunk's end (record 560 ends at 130946).
    while (j.lastSequence < 560n) j.append(record(i++));
    await j.flush();
    const src = fs.openSync(path.join(live, FIRST), "r");
    const dst = fs.openSync(path.join(backup, FIRST), "w");
    const chunk = Buffer.alloc(CHUNK);
    // cp reads the first chunk...
    let n = fs.readSync(src, chunk, 0, CHUNK, 0);
    fs.writeSync(dst, chunk, 0, n, 0);
    // ...the sidecar goes on appending (past the chunk boundary)...
    for (let k = 0; k < 40; k++) j.append(record(i++));
    await j.flush();
    // ...cp reads the rest.
    for (let at = CHUNK; (n = fs.readSync(src, chunk, 0, CHUNK, at)) > 0; at += n) fs.writeSync(dst, chunk, 0, n, at);
    fs.closeSync(src);
    fs.closeSync(dst);
    await j.close();

    const liveEnd = readJournal(live).end!.offset;
    expect(liveEnd).toBe(140306);
    const r = readJournal(backup);
    expect(r.lastSequence).toBe(560n);
    expect(r.end).toMatchObject({ file: FIRST, offset: 130946, lastSequence: 560n, zeroFillUntil: liveEnd });
    expect(r.tornTail).toEqual({
      file: FIRST,
      offset: 130946,
      expectedSequence: 561n,
      zeroFillUntil: liveEnd,
      reason:
        "non-zero bytes after the end of data (record 561 would start here): bytes 130946..131071 were never written (a hole), " +
        "so the data after them (up to offset 140306, holding record 562 at offset 131180) was never made durable",
    });

    // Restoring the backup: appends continue at 561, and what the copy held past the hole is gone for good.
    const back = await appendAndReread(backup, [Buffer.from("561 again"), Buffer.from("562 again")]);
    expect(zeroIn(path.join(backup, FIRST), back.result.end!.offset, liveEnd)).toBe(true);
  });

  it.each([1, 2])(
    "power lost during a batch spanning several pages, %i page(s) at its start never written: truncated at the batch start",
    async (lostPages) => {
      const dir = tempDir();
      const file = path.join(dir, FIRST);
      const j = FileJournal.open({ dataDir: dir, mode: "sync", segmentBytes: SMALL_SEGMENT });
      let i = 0;
      // Durable records, ending well inside a page: the batch's first page holds older records before it.
      const headOf = () => readJournal(dir).end!.offset;
      while (j.lastSequence < 10n || headOf() % PAGE < 16 || headOf() % PAGE > PAGE - 100) {
        j.append(payloadFor(i++));
        await j.flush();
      }
      const durable = j.lastSequence;
      const head = headOf();
      const before = fs.readFileSync(file);
      // One batch (one turn) of about four pages.
      for (let bytes = 0; bytes < 4 * PAGE; ) {
        const payload = payloadFor(i++);
        j.append(payload);
        bytes += 16 + payload.length;
      }
      await j.close();
      const after = fs.readFileSync(file);
      const batchEnd = readJournal(dir).end!.offset;

      // The disk after the power loss: the batch's first pages as they were, the later ones written.
      const firstPage = Math.floor(head / PAGE) * PAGE;
      const holeEnd = firstPage + lostPages * PAGE;
      const crashed = Buffer.from(after);
      before.copy(crashed, firstPage, firstPage, holeEnd);
      fs.writeFileSync(file, crashed);

      const r = readJournal(dir);
      expect(r.lastSequence).toBe(durable);
      expect(r.tornTail).toMatchObject({ file: FIRST, offset: head, expectedSequence: durable + 1n, zeroFillUntil: batchEnd });
      expect(r.tornTail!.reason).toMatch(
        new RegExp(`^non-zero bytes after the end of data \\(record ${durable + 1n} would start here\\): bytes ${head}\\.\\.${holeEnd - 1} were never written \\(a hole\\)`),
      );
      const back = await appendAndReread(dir, [Buffer.from("after the crash")]);
      expect(back.seqs.length).toBe(Number(durable) + 1);
      expect(zeroIn(file, back.result.end!.offset, batchEnd)).toBe(true);
    },
  );

  // Found by review (session 28): the zeros left were shorter than a frame header (16 bytes),
  // read as a record failing its CRC with records after it, and recovery refused the directory.
  it.each([4090, 4088, 4084, 4081])("power lost during a batch that began at offset %i, a few bytes before the page the crash kept unwritten: truncated there", async (head) => {
    const dir = tempDir();
    const file = path.join(dir, FIRST);
    const j = FileJournal.open({ dataDir: dir, mode: "sync", segmentBytes: SMALL_SEGMENT });
    j.append(Buffer.alloc(head - SEGMENT_HEADER_BYTES - 16, 0x61)); // one record, ending at `head`
    await j.flush();
    const before = fs.readFileSync(file);
    for (let k = 0; k < 12; k++) j.append(Buffer.alloc(1000, 0x62 + k)); // one batch of about three pages, never acknowledged
    await j.close();
    const crashed = fs.readFileSync(file);
    before.copy(crashed, 0, 0, PAGE); // the batch's first page as it was, the later ones written
    fs.writeFileSync(file, crashed);
    const r = readJournal(dir);
    expect([r.lastSequence, r.tornTail?.offset]).toEqual([1n, head]);
    expect(r.tornTail!.reason).toMatch(new RegExp(`: bytes ${head}\\.\\.\\d+ were never written \\(a hole\\)`));
  });

  it("zeros, then garbage, then stale valid frames: truncated at the zeros; a new record ending where a stale one starts does not bring it back", async () => {
    const dir = tempDir();
    await journalOf(dir, 10);
    const file = path.join(dir, FIRST);
    const head = readJournal(dir).end!.offset;
    // Zeros from the head to a sector boundary, 300 bytes of garbage, then frames 12 and 13.
    const holeEnd = Math.ceil((head + 16) / SECTOR) * SECTOR;
    const garbage = Buffer.from(Array.from({ length: 300 }, (_, k) => (k * 37 + 11) & 0xff));
    const staleAt = holeEnd + garbage.length;
    const stale = Buffer.alloc(200);
    let len = encodeFrame(stale, 0, 12n, Buffer.from("stale twelve"));
    len += encodeFrame(stale, len, 13n, Buffer.from("stale thirteen"));
    patchFile(file, holeEnd, garbage);
    patchFile(file, staleAt, stale.subarray(0, len));
    const dataEnd = staleAt + len;

    const r = readJournal(dir);
    expect(r.lastSequence).toBe(10n);
    expect(r.tornTail).toEqual({
      file: FIRST,
      offset: head,
      expectedSequence: 11n,
      zeroFillUntil: dataEnd,
      reason:
        `non-zero bytes after the end of data (record 11 would start here): bytes ${head}..${holeEnd - 1} were never written (a hole), ` +
        `so the data after them (up to offset ${dataEnd}, holding record 12 at offset ${staleAt}) was never made durable`,
    });

    // Record 11 is sized to end exactly where the stale frame 12 starts: had the stale bytes
    // been left in place, the next scan would read 11 (new), 12 and 13 (stale).
    const eleven = Buffer.alloc(staleAt - head - 16, 0x41);
    const back = await appendAndReread(dir, [eleven]);
    expect(back.offsets[10]).toEqual({ file: FIRST, offset: head });
    expect(back.result.end!.offset).toBe(staleAt);
    expect(zeroIn(file, staleAt, dataEnd)).toBe(true);
    // And the next recovery continues from 11 with new records 12 and 13, not the stale ones.
    await appendAndReread(dir, [Buffer.from("new twelve"), Buffer.from("new thirteen")]);
  });

  it("a new segment whose header never reached the disk but whose later records did: truncated at offset 0, the header rewritten", async () => {
    const dir = tempDir();
    await journalOf(dir, 10);
    const name = "journal-00000000000000000011.seg";
    const file = path.join(dir, name);
    // What the first batch of the prepared segment wrote (header, records 11..40)...
    const seg = Buffer.alloc(SMALL_SEGMENT);
    encodeSegmentHeader(seg, 11n);
    let p = SEGMENT_HEADER_BYTES;
    for (let s = 11; s <= 40; s++) p += encodeFrame(seg, p, BigInt(s), payloadFor(s));
    // ...with its first sector lost.
    seg.fill(0, 0, SECTOR);
    fs.writeFileSync(file, seg);

    const r = readJournal(dir);
    expect(r.lastSequence).toBe(10n);
    expect(r.end).toMatchObject({ file: name, offset: 0, headerPresent: false, lastSequence: 10n, zeroFillUntil: p });
    expect(r.tornTail).toMatchObject({ file: name, offset: 0, expectedSequence: 11n, zeroFillUntil: p });
    expect(r.tornTail!.reason).toMatch(/^segment header is blank but data follows: bytes 0\.\.511 were never written \(a hole\), so the data after them \(up to offset \d+, holding record \d+ at offset \d+\) was never made durable$/);

    const back = await appendAndReread(dir, [Buffer.from("eleven")]);
    expect(back.offsets[10]).toEqual({ file: name, offset: SEGMENT_HEADER_BYTES });
    expect(zeroIn(file, back.result.end!.offset, p)).toBe(true);
  });
});

describe("zeros that are not a hole in the newest segment are still refused", () => {
  it("the same hole in a segment that is not the newest: corruption, naming the record after it", async () => {
    const dir = tempDir();
    await journalOf(dir, 1000);
    const back = readAll(dir);
    expect(back.result.segments.length).toBeGreaterThanOrEqual(2);
    const inFirst = back.offsets.filter((o) => o.file === FIRST);
    const at = inFirst[100]!.offset;
    const holeEnd = Math.ceil((at + 16) / SECTOR) * SECTOR + SECTOR;
    patchFile(path.join(dir, FIRST), at, Buffer.alloc(holeEnd - at));
    const next = back.offsets.findIndex((o) => o.file === FIRST && o.offset >= holeEnd);
    expect(next).toBeGreaterThan(100);
    const e = corruption(() => readJournal(dir));
    expect(e.message).toBe(
      `journal corrupt: ${FIRST} offset ${at}: non-zero bytes after the end of data (record 101 would start here); ` +
        `records after it exist (record ${next + 1} at offset ${back.offsets[next]!.offset}), refusing to skip`,
    );
    expect(e).toMatchObject({ file: FIRST, offset: at, expectedSequence: 101n });
  });

  it("a blank header with data after it in a segment that is not the newest: corruption", async () => {
    const dir = tempDir();
    await journalOf(dir, 1000);
    const second = readAll(dir).result.segments[1]!;
    patchFile(path.join(dir, second.file), 0, Buffer.alloc(SECTOR));
    const e = corruption(() => readJournal(dir));
    expect(e).toMatchObject({ file: second.file, offset: 0, expectedSequence: second.firstSequence });
    expect(e.message).toMatch(
      new RegExp(`^journal corrupt: ${second.file} offset 0: segment header is blank but data follows; records after it exist \\(record \\d+ at offset \\d+\\), refusing to skip$`),
    );
  });

  it("a zeroed frame header in the middle of the newest segment that does not reach a sector boundary: corruption; zeros to the boundary: a hole", async () => {
    const dir = tempDir();
    await journalOf(dir, 30);
    const back = readAll(dir);
    const file = path.join(dir, FIRST);
    const original = fs.readFileSync(file);
    // A record whose header (and a little more) lies within one sector.
    const k = back.offsets.findIndex((o, idx) => idx > 0 && (o.offset % SECTOR) + 24 < SECTOR);
    const at = back.offsets[k]!.offset;
    patchFile(file, at, Buffer.alloc(16));
    const e = corruption(() => readJournal(dir));
    expect(e.message).toBe(
      `journal corrupt: ${FIRST} offset ${at}: non-zero bytes after the end of data (record ${k + 1} would start here); ` +
        `records after it exist (record ${k + 2} at offset ${back.offsets[k + 1]!.offset}), refusing to skip`,
    );

    // Zeros from that frame to the sector boundary: what a lost write leaves, a torn tail.
    fs.writeFileSync(file, original);
    const holeEnd = Math.ceil((at + 1) / SECTOR) * SECTOR;
    patchFile(file, at, Buffer.alloc(holeEnd - at));
    const r = readJournal(dir);
    expect(r.lastSequence).toBe(BigInt(k));
    expect(r.tornTail).toMatchObject({ offset: at, expectedSequence: BigInt(k + 1) });
  });

  it("a record failing its CRC with valid records after it, in the newest segment: corruption as before", async () => {
    const dir = tempDir();
    await journalOf(dir, 10);
    const back = readAll(dir);
    const at = back.offsets[4]!.offset;
    // Eight bytes of its payload zeroed: damage inside a record, not zeros where a frame starts.
    patchFile(path.join(dir, FIRST), at + 20, Buffer.alloc(8));
    const e = corruption(() => readJournal(dir));
    expect(e.message).toBe(
      `journal corrupt: ${FIRST} offset ${at}: record 5 fails its CRC check; records after it exist (record 6 at offset ${back.offsets[5]!.offset}), refusing to skip`,
    );
  });
});
