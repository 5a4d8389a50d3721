// A crash mid-write leaves a torn tail in the newest segment: the reader reports it, reopening
// zero-fills it so it cannot resurface, and appends continue with the right sequence.
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { FileJournal, readJournal } from "../../../src/state/journal/index.js";
import { encodeFrame } from "../../../src/state/journal/segment-format.js";
import { SMALL_SEGMENT, expectJournalEndsWith, flipByte, patchFile, payloadFor, readAll, useTempDirs } from "./journal-test-helpers.js";

const tempDir = useTempDirs();
const FIRST = "journal-00000000000000000001.seg";

/** A closed journal of records 1..10 in one segment; where record 10 starts and where the data ends. */
async function tenRecords() {
  const dir = tempDir();
  const j = FileJournal.open({ dataDir: dir, mode: "sync", segmentBytes: SMALL_SEGMENT });
  for (let i = 0; i < 10; i++) j.append(payloadFor(i));
  await j.close();
  const back = readAll(dir);
  const file = path.join(dir, FIRST);
  return { dir, file, rec10: back.offsets[9]!.offset, end: back.result.end!.offset };
}

function readBytes(file: string, from: number, length: number): Buffer {
  const buf = Buffer.alloc(length);
  const fd = fs.openSync(file, "r");
  try {
    fs.readSync(fd, buf, 0, length, from);
  } finally {
    fs.closeSync(fd);
  }
  return buf;
}

/** Reopens, appends `payloads`, closes, and checks a clean re-read of 1..n. */
async function continueAndCheck(dir: string, firstNew: bigint, payloads: Buffer[], useReaderEnd: boolean) {
  const end = useReaderEnd ? readJournal(dir).end : undefined;
  const j = FileJournal.open({ dataDir: dir, mode: "sync", segmentBytes: SMALL_SEGMENT, end });
  expect(j.lastSequence).toBe(firstNew - 1n);
  for (const [i, p] of payloads.entries()) expect(j.append(p)).toBe(firstNew + BigInt(i));
  await j.close();
  return expectJournalEndsWith(dir, firstNew, payloads);
}

describe("torn tail", () => {
  it.each([
    ["inside the payload", 20, /record 10 has length \d+, which runs past the end of the file/],
    ["inside the frame header", 7, /record 10: truncated frame header/],
  ])("a file truncated %s: reported, then appends resume at record 10", async (_what, keep, reason) => {
    const { dir, file, rec10 } = await tenRecords();
    fs.truncateSync(file, rec10 + keep);
    const r = readJournal(dir);
    expect(r.lastSequence).toBe(9n);
    expect(r.tornTail).toMatchObject({ file: FIRST, offset: rec10, expectedSequence: 10n });
    expect(r.tornTail!.reason).toMatch(reason);
    await continueAndCheck(dir, 10n, [Buffer.from("new ten"), Buffer.from("eleven")], false);
  });

  it("a last record failing its CRC: reported, zero-filled on reopen, replaced", async () => {
    const { dir, file, rec10, end } = await tenRecords();
    flipByte(file, rec10 + 16 + 3);
    const r = readJournal(dir);
    expect(r.tornTail).toMatchObject({ file: FIRST, offset: rec10, expectedSequence: 10n, zeroFillUntil: end });
    expect(r.tornTail!.reason).toBe("record 10 fails its CRC check");

    const j = FileJournal.open({ dataDir: dir, mode: "sync", segmentBytes: SMALL_SEGMENT, end: r.end });
    expect(readBytes(file, rec10, end - rec10).every((b) => b === 0)).toBe(true);
    await j.close();
    // A shorter record 10 than the torn one: leftovers of the old would show up if not zeroed.
    await continueAndCheck(dir, 10n, [Buffer.from("x")], true);
  });

  it("a frame with a valid CRC but the wrong sequence at the end: torn", async () => {
    const { dir, file, end } = await tenRecords();
    const frame = Buffer.alloc(64);
    const len = encodeFrame(frame, 0, 99n, Buffer.from("stray"));
    patchFile(file, end, frame.subarray(0, len));
    const r = readJournal(dir);
    expect(r.tornTail).toMatchObject({ offset: end, expectedSequence: 11n, reason: "record 11 holds sequence 99" });
    await continueAndCheck(dir, 11n, [Buffer.from("eleven")], false);
  });

  it("garbage bytes right after the last record: torn, zero-filled, appends continue", async () => {
    const { dir, file, end } = await tenRecords();
    const garbage = Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 37 + 11) & 0xff));
    patchFile(file, end, garbage);
    const r = readJournal(dir);
    expect(r.tornTail).toMatchObject({ file: FIRST, offset: end, expectedSequence: 11n, zeroFillUntil: end + 300 });
    const back = await continueAndCheck(dir, 11n, [Buffer.from("a"), Buffer.from("b")], false);
    // Nothing of the garbage is left past the new records.
    const after = back.result.end!.offset;
    expect(readBytes(file, after, end + 300 - after).every((b) => b === 0)).toBe(true);
  });

  it("non-zero bytes further on, after the end marker: torn, cleaned on reopen", async () => {
    const { dir, file, end } = await tenRecords();
    patchFile(file, end + 5000, Buffer.from("left over by a lost page"));
    const r = readJournal(dir);
    expect(r.tornTail).toMatchObject({ offset: end, expectedSequence: 11n, zeroFillUntil: end + 5000 + 24 });
    expect(r.tornTail!.reason).toMatch(/non-zero bytes after the end of data/);
    await continueAndCheck(dir, 11n, [Buffer.alloc(6000, 1)], false);
  });

  it("a newest segment renamed into place whose first batch never reached the disk", async () => {
    const { dir } = await tenRecords();
    // The rename is durable, the header and records are not: the file is all zeros.
    fs.writeFileSync(path.join(dir, "journal-00000000000000000011.seg"), Buffer.alloc(SMALL_SEGMENT));
    const r = readJournal(dir);
    expect(r.tornTail).toBeUndefined();
    expect(r.end).toMatchObject({ file: "journal-00000000000000000011.seg", offset: 0, headerPresent: false, lastSequence: 10n });
    const back = await continueAndCheck(dir, 11n, [Buffer.from("eleven")], true);
    expect(back.offsets[10]).toEqual({ file: "journal-00000000000000000011.seg", offset: 16 });
  });

  it("a torn segment header in the newest segment", async () => {
    const { dir } = await tenRecords();
    const blank = Buffer.alloc(SMALL_SEGMENT);
    blank.write("OPJ", 0); // the header write was cut short
    fs.writeFileSync(path.join(dir, "journal-00000000000000000011.seg"), blank);
    const r = readJournal(dir);
    expect(r.tornTail).toMatchObject({ file: "journal-00000000000000000011.seg", offset: 0, expectedSequence: 11n });
    await continueAndCheck(dir, 11n, [Buffer.from("eleven")], false);
  });

  it("a write cut at any byte of the last records reads as a clean end or a torn tail, never as corruption", async () => {
    const { dir, file } = await tenRecords();
    const original = fs.readFileSync(file);
    const starts = readAll(dir).offsets.map((o) => o.offset);
    const ends = [...starts.slice(1), readJournal(dir).end!.offset];
    for (let cut = starts[7]!; cut <= ends[9]!; cut++) {
      const complete = ends.filter((e) => e <= cut).length;
      // The file cut short (a size update that made it, data that did not) ...
      fs.writeFileSync(file, original.subarray(0, cut));
      let r = readJournal(dir);
      expect(r.lastSequence).toBe(BigInt(complete));
      expect(r.tornTail === undefined).toBe(cut === ends[complete - 1]);
      // ... or zeros from the cut on (pages that never reached the disk).
      const zeroed = Buffer.from(original);
      zeroed.fill(0, cut);
      fs.writeFileSync(file, zeroed);
      r = readJournal(dir);
      expect(r.lastSequence).toBe(BigInt(complete));
      expect(r.tornTail?.offset ?? r.end!.offset).toBe(ends[complete - 1]);
    }
  });
});
