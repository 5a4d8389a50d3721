/**
 * Found by review of 70fa2c3 (session 41). A power loss during one write (records 2..7, never
 * acknowledged) whose first frame starts `lead` bytes before a page edge: the crash loses the
 * write's first page (bytes from the frame to the edge stay zero) and, as page write-back order
 * is free, another page of the write, while its last page reaches the disk. Nothing of it was
 * acknowledged: a torn tail. With only the length's low bytes lost (lead 1 to 3), requiring
 * the first frame to check out whole refused the start when another of its payload pages was
 * lost; the length the next record gives, whose low bytes are not zero, is proof enough.
 * Where the next record itself is lost, that length is unknown and an intact length ending in
 * zero bytes with a damaged sector over both records cannot be told apart: refused.
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

async function written(lead: number, firstLen: number): Promise<{ dir: string; before: Buffer; after: Buffer }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "torn-pages-lost-"));
  dirs.push(dir);
  const j = FileJournal.open({ dataDir: dir, mode: "sync", segmentBytes: 1 << 20, prepareAhead: false });
  j.append(Buffer.alloc(PAGE - lead - SEGMENT_HEADER_BYTES - 16, 0x61));
  await j.flush();
  const file = path.join(dir, FIRST);
  const before = Buffer.from(fs.readFileSync(file));
  j.append(Buffer.from(`{"order":"${"x".repeat(firstLen - 13)}"}`));
  for (let i = 0; i < 5; i++) j.append(Buffer.from(`{"order":"${String.fromCharCode(0x61 + i).repeat(900)}"}`));
  await j.flush();
  await j.close();
  return { dir, before, after: Buffer.from(fs.readFileSync(file)) };
}

function outcome(dir: string): string {
  try {
    const r = readJournal(dir);
    return `last ${r.lastSequence} torn ${r.tornTail?.offset}`;
  } catch (e) {
    return `refused: ${(e as Error).message}`;
  }
}

describe("torn write: first page and another page of the write lost, later pages kept", () => {
  for (const lead of [1, 2, 3, 4, 8]) {
    for (const firstLen of [5000, 9000, 70_000 + 17]) {
      it(`lead ${lead}, first record ${firstLen} bytes: the first page and any other but the last lost is a torn tail, unless the second record is lost with it`, async () => {
        const { dir, before, after } = await written(lead, firstLen);
        const file = path.join(dir, FIRST);
        const end = after.length - [...after].reverse().findIndex((b) => b !== 0);
        const lastPage = Math.ceil(end / PAGE) - 1;
        const pages = Array.from({ length: lastPage - 1 }, (_, i) => i + 2); // pages after the first two of the write
        const bad: string[] = [];
        // the first page (index 0) lost, page 1 kept; one more lost page among the rest (each), the last page kept
        for (const lost of [[], ...pages.filter((p) => p < lastPage).map((p) => [p])]) {
          const crashed = Buffer.from(after);
          for (const p of [0, ...lost]) before.copy(crashed, p * PAGE, p * PAGE, (p + 1) * PAGE);
          fs.writeFileSync(file, crashed);
          const o = outcome(dir);
          // Record 2's payload is firstLen - 1 bytes; record 3 (the write's second, 911 bytes of
          // payload) follows it. Ambiguous only when record 3 is lost too and record 2's length
          // kept more than the write's mark (a length under 256^lead reads as the mark alone,
          // which no written frame has: torn, as session 40's rule says).
          const second = PAGE - lead + 16 + (firstLen - 1);
          const secondLost = lead < 4 && firstLen - 1 >= 256 ** lead && lost.some((p) => p * PAGE < second + 16 + 911 && (p + 1) * PAGE > second);
          const want = secondLost ? /^refused: journal corrupt: .* record 2 fails its CRC check; records after it exist/ : new RegExp(`^last 1 torn ${PAGE - lead}$`);
          if (!want.test(o)) bad.push(`lost pages [0,${lost}]: ${o.slice(0, 160)}`);
        }
        expect(bad).toEqual([]);
      });
    }
  }
});
