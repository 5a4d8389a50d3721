/**
 * Found by review of c54bece (session 41): the rule that takes a write's first frame whose
 * length lost its low bytes at a sector edge for a torn tail first looked only at the zeros
 * from the frame to the edge. Those bytes are the low byte(s) of the length, zero in an intact
 * frame whose length is a multiple of 256 (1 byte before the edge) or 65 536 (2 bytes). Damage
 * elsewhere in such a frame (a sector of its payload lost) then read as a torn tail, and the
 * acknowledged records of that write were cut. It is refused as damage again: the frame must
 * check out whole with the length the write's next record gives.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { FileJournal, readJournal } from "../../src/state/journal/index.js";
import { SEGMENT_HEADER_BYTES } from "../../src/state/journal/segment-format.js";

const PAGE = 4096;
const FIRST = "journal-00000000000000000001.seg";
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

/** Record 1 acknowledged, ending `lead` bytes before 4096; records 2..4 one acknowledged write, record 2's payload `len` bytes. */
async function acknowledged(lead: number, len: number): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "damage-first-record-"));
  dirs.push(dir);
  const j = FileJournal.open({ dataDir: dir, mode: "sync", segmentBytes: 1 << 20, prepareAhead: false });
  j.append(Buffer.alloc(PAGE - lead - SEGMENT_HEADER_BYTES - 16, 0x61));
  await j.flush();
  j.append(Buffer.alloc(len, 0x62));
  j.append(Buffer.from('{"order":"y"}'));
  j.append(Buffer.from('{"order":"z"}'));
  await j.flush(); // records 2..4 acknowledged
  await j.close();
  return dir;
}

describe("damage in an acknowledged write's first frame whose length has zero low bytes", () => {
  for (const [lead, len] of [
    [1, 1024],
    [1, 2048],
    [2, 65536],
  ] as const) {
    it(`lead ${lead}, record 2 of ${len} bytes, one payload sector lost: refused as damage, not cut as a torn tail`, async () => {
      const dir = await acknowledged(lead, len);
      const file = path.join(dir, FIRST);
      const buf = fs.readFileSync(file);
      const at = PAGE - lead;
      // Sanity: the intact length field's low byte(s), from `at` to the sector edge, are zero.
      expect(buf.subarray(at, PAGE).every((b) => b === 0)).toBe(true);
      expect(buf.readUInt32LE(at) & 0x7fffffff).toBe(len);
      expect(readJournal(dir).lastSequence).toBe(4n);
      // A whole sector inside record 2's payload is lost (reads back as zeros): damage.
      buf.fill(0, PAGE + 512, PAGE + 1024);
      fs.writeFileSync(file, buf);
      let outcome: string;
      try {
        const r = readJournal(dir);
        outcome = `read with lastSequence ${r.lastSequence}, torn tail at ${r.tornTail?.offset}: ${r.tornTail?.reason}`;
      } catch (e) {
        outcome = `refused: ${(e as Error).message}`;
      }
      // Records 2..4 were acknowledged: recovery must refuse, not cut them.
      expect(outcome).toMatch(/^refused: .*refusing to skip|^refused/);
    });
  }
});
