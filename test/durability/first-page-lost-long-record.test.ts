/**
 * Found by review (session 41). A power loss during a write whose first frame starts 1 to 3
 * bytes before a sector boundary, when the kernel wrote the write's later page(s) but not its
 * first (docs/durability.md, Recovery): only the low byte(s) of the first frame's length are
 * missing; its top byte (with the commit mark), CRC, sequence and payload are on disk, and the
 * records after it belong to the same write. Nothing of that write was acknowledged, everything
 * before it is intact: a torn tail. Session 40's rule covered only a first frame whose surviving
 * length bytes are the mark alone (under 256 bytes for 1 lost byte); a longer one made the same
 * crash "fail its CRC check; records after it exist, refusing to skip", and the sidecar refused
 * to start after an ordinary power loss.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { FileJournal, readJournal } from "../../src/state/journal/index.js";
import { SEGMENT_HEADER_BYTES } from "../../src/state/journal/segment-format.js";
import { runJournalCli } from "../../src/state/journal/journal-cli.js";

const PAGE = 4096;
const FIRST = "journal-00000000000000000001.seg";
const dirs: string[] = [];
const tmp = (): string => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "first-page-lost-"));
  dirs.push(d);
  return d;
};

/**
 * Record 1 (acknowledged) ends `lead` bytes before offset 4096; the next write (records 2..4, the
 * first `firstBytes` long) starts there and runs into the second page. The crash keeps the
 * second page and loses the first page's rewrite: bytes from the write's start to 4096 stay zero.
 */
async function crashedJournal(lead: number, firstBytes: number): Promise<string> {
  const dir = tmp();
  const j = FileJournal.open({ dataDir: dir, mode: "sync", segmentBytes: 1 << 20, prepareAhead: false });
  j.append(Buffer.alloc(PAGE - lead - SEGMENT_HEADER_BYTES - 16, 0x61));
  await j.flush(); // record 1: acknowledged
  const file = path.join(dir, FIRST);
  const before = Buffer.from(fs.readFileSync(file));
  j.append(Buffer.from(`{"order":"${"x".repeat(firstBytes - 13)}"}`));
  j.append(Buffer.from('{"order":"y"}'));
  j.append(Buffer.from('{"order":"z"}'));
  await j.flush();
  await j.close();
  const after = fs.readFileSync(file);
  // The crash: the first page as it was before the write (its rewrite lost), later pages written.
  const crashed = Buffer.from(after);
  before.copy(crashed, 0, 0, PAGE);
  fs.writeFileSync(file, crashed);
  return dir;
}

describe("power loss: a write's first page lost, its later pages written", () => {
  for (const [lead, firstBytes] of [
    [1, 300],
    [2, 70_000],
  ] as const) {
    it(`write starts ${lead} byte(s) before the page, first record ${firstBytes} bytes: a torn tail (records 2.. never acknowledged), not damage`, async () => {
      const dir = await crashedJournal(lead, firstBytes);
      let read;
      try {
        read = readJournal(dir);
      } catch (e) {
        throw new Error(`recovery refused an ordinary crash: ${(e as Error).message}`);
      }
      expect(read.lastSequence).toBe(1n);
      expect(read.tornTail?.offset).toBe(PAGE - lead);
    });
  }

  it("the same crash with a first record under 256 bytes is cut as a torn tail too", async () => {
    const dir = await crashedJournal(1, 200);
    const read = readJournal(dir);
    expect(read.lastSequence).toBe(1n);
    expect(read.tornTail?.offset).toBe(PAGE - 1);
  });

  it("the operator's view of the 1-byte case: `journal status` must not call it corrupt", async () => {
    const dir = await crashedJournal(1, 300);
    let out = "";
    let err = "";
    const code = runJournalCli(["status", dir], { out: (t) => (out += t), err: (t) => (err += t) });
    expect(err).toBe("");
    expect(code).toBe(0);
    expect(JSON.parse(out).tornTail.offset).toBe(PAGE - 1);
  });
});
