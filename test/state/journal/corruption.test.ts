// Damage that is not a torn tail stops recovery with a JournalCorruptionError naming the file,
// offset and expected sequence: acknowledged records are never skipped silently.
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { FileJournal, JournalCorruptionError, readJournal } from "../../../src/state/journal/index.js";
import { SMALL_SEGMENT, corruption, flipByte, patchFile, payloadFor, range, readAll, useTempDirs } from "./journal-test-helpers.js";

const tempDir = useTempDirs();
const FIRST = "journal-00000000000000000001.seg";

async function journalOf(records: number, segmentBytes = SMALL_SEGMENT) {
  const dir = tempDir();
  const j = FileJournal.open({ dataDir: dir, mode: "sync", segmentBytes });
  for (let i = 0; i < records; i++) j.append(payloadFor(i));
  await j.close();
  return { dir, back: readAll(dir) };
}

describe("corruption", () => {
  it("a flipped byte in a middle record: names file, offset and sequence, refuses to skip", async () => {
    const { dir, back } = await journalOf(10);
    const at = back.offsets[4]!.offset;
    flipByte(path.join(dir, FIRST), at + 20);
    const e = corruption(() => readJournal(dir));
    expect(e.message).toBe(
      `journal corrupt: ${FIRST} offset ${at}: record 5 fails its CRC check; records after it exist (record 6 at offset ${back.offsets[5]!.offset}), refusing to skip`,
    );
    expect(e).toMatchObject({ file: FIRST, offset: at, expectedSequence: 5n });
    // Opening for append reads the newest segment too and refuses just the same.
    expect(() => FileJournal.open({ dataDir: dir, mode: "sync" })).toThrow(JournalCorruptionError);
  });

  it("a zeroed frame header in the middle is not an end of data when records follow", async () => {
    const { dir, back } = await journalOf(10);
    const at = back.offsets[4]!.offset;
    patchFile(path.join(dir, FIRST), at, Buffer.alloc(16));
    const e = corruption(() => readJournal(dir));
    expect(e).toMatchObject({ offset: at, expectedSequence: 5n });
    expect(e.message).toMatch(/records after it exist/);
  });

  it("a bad record at the end of a segment that is not the last", async () => {
    const { dir, back } = await journalOf(1000);
    const firstSegment = back.offsets.filter((o) => o.file === FIRST);
    const lastInFirst = firstSegment[firstSegment.length - 1]!.offset;
    flipByte(path.join(dir, FIRST), lastInFirst + 17);
    const e = corruption(() => readJournal(dir));
    expect(e).toMatchObject({ file: FIRST, offset: lastInFirst, expectedSequence: BigInt(firstSegment.length) });
    expect(e.message).toMatch(/not the last segment/);
  });

  it("a missing middle segment", async () => {
    const { dir, back } = await journalOf(1000);
    const segs = back.result.segments;
    expect(segs.length).toBeGreaterThanOrEqual(3);
    fs.rmSync(path.join(dir, segs[1]!.file));
    const e = corruption(() => readJournal(dir));
    expect(e.file).toBe(segs[2]!.file);
    expect(e.expectedSequence).toBe(segs[1]!.firstSequence);
    expect(e.message).toMatch(new RegExp(`records ${segs[1]!.firstSequence}\\.\\.${segs[2]!.firstSequence - 1n} are missing`));
    // A snapshot past the gap makes it harmless: those records are not needed.
    expect(readAll(dir, { fromSequence: segs[2]!.firstSequence }).seqs[0]).toBe(segs[2]!.firstSequence);
  });

  it("a segment whose header disagrees with its name", async () => {
    const { dir, back } = await journalOf(1000);
    const second = back.result.segments[1]!;
    patchFile(path.join(dir, second.file), 8, Buffer.from([0x7f]));
    const e = corruption(() => readJournal(dir));
    expect(e).toMatchObject({ file: second.file, offset: 0 });
  });

  it("a journal that starts after the sequence replay needs; a snapshot ahead of it is fine", async () => {
    const { dir, back } = await journalOf(1000);
    const segs = back.result.segments;
    fs.rmSync(path.join(dir, segs[0]!.file));
    const e = corruption(() => readJournal(dir, { fromSequence: 1n }));
    expect(e.message).toMatch(/the journal starts at record \d+ but records from 1 are needed/);
    expect(readAll(dir, { fromSequence: segs[1]!.firstSequence }).seqs).toEqual(range(Number(segs[1]!.firstSequence), 1000));
    const ahead = readAll(dir, { fromSequence: 5000n });
    expect(ahead.seqs).toEqual([]);
    expect(ahead.result.lastSequence).toBe(1000n);
  });

  it("does not read segments that a snapshot covers entirely", async () => {
    const { dir, back } = await journalOf(1000);
    const segs = back.result.segments;
    flipByte(path.join(dir, segs[0]!.file), back.offsets[3]!.offset + 20);
    const from = segs[1]!.firstSequence;
    const r = readAll(dir, { fromSequence: from });
    expect(r.seqs).toEqual(range(Number(from), 1000));
    expect(r.result.segments[0]!.records).toBeUndefined();
  });
});
