/**
 * Found by review (session 34): `journal status` and `inspect` read from the oldest segment
 * still there, while recovery reads from the record after the newest valid snapshot.
 * - A journal that lost its first segment, with no snapshot, was called healthy (exit 0);
 *   recovery refuses it ("records 1..N are missing").
 * - `inspect --from 1` on a healthy journal whose first segments a snapshot pruned was called
 *   corrupt.
 * - `inspect` on a damaged journal dropped the records it had read but not yet printed (they
 *   were printed 1024 at a time, the last batch after the read).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { expect, it } from "vitest";
import { FileJournal } from "../../../src/state/journal/file-journal.js";
import { listSegments } from "../../../src/state/journal/journal-files.js";
import { pruneAfterSnapshot, writeSnapshot } from "../../../src/state/journal/snapshot-files.js";
import { flipByte, journalCli, readAll, useTempDirs } from "./journal-test-helpers.js";

const tempDir = useTempDirs();

async function journalOf(n: number, segmentBytes: number): Promise<string> {
  const dir = tempDir();
  const j = FileJournal.open({ dataDir: dir, mode: "sync", segmentBytes });
  for (let i = 1; i <= n; i++) j.append(Buffer.from(JSON.stringify({ i })));
  await j.close();
  return dir;
}

const seqs = (out: string) => out.split("\n").filter((l) => l !== "").map((l) => Number((JSON.parse(l) as { seq: string }).seq));

it("a journal without its first segment and no snapshot: status and inspect exit 1 with recovery's message", async () => {
  const dir = await journalOf(400, 4096);
  const [lost, next] = listSegments(dir);
  fs.rmSync(path.join(dir, lost!.file));
  const missing = `the journal starts at record ${next!.firstSequence} but records from 1 are needed (records 1..${next!.firstSequence - 1n} are missing)`;
  for (const argv of [["status", dir], ["inspect", dir, "--limit", "0"]]) {
    const r = journalCli(argv);
    expect({ argv, code: r.code, err: r.err }).toEqual({ argv, code: 1, err: `journal corrupt: ${next!.file} offset 0: ${missing}\n` });
  }
  // Asked from a record the journal holds, inspect reads from there.
  const from300 = journalCli(["inspect", dir, "--from", "300", "--limit", "1"]);
  expect({ code: from300.code, seqs: seqs(from300.out) }).toEqual({ code: 0, seqs: [300] });
});

it("inspect --from below what a snapshot pruned starts at the first record kept", async () => {
  const dir = await journalOf(400, 4096);
  await writeSnapshot(dir, 300n, Buffer.from("state"));
  expect((await pruneAfterSnapshot(dir, 300n)).deletedSegments.length).toBeGreaterThan(0);
  const first = Number(listSegments(dir)[0]!.firstSequence);
  const r = journalCli(["inspect", dir, "--from", "1", "--limit", "2"]);
  expect({ code: r.code, seqs: seqs(r.out) }).toEqual({ code: 0, seqs: [first, first + 1] });
  expect(journalCli(["status", dir]).code).toBe(0);
});

it("inspect on a damaged journal prints every record before the damage, then reports it", async () => {
  const dir = await journalOf(1600, 1 << 20);
  const rec = readAll(dir).offsets[1500]!; // record 1501
  flipByte(path.join(dir, rec.file), rec.offset + 17);
  const r = journalCli(["inspect", dir]);
  expect({ code: r.code, printed: seqs(r.out).length, last: seqs(r.out).at(-1), err: r.err }).toEqual({
    code: 1,
    printed: 1500,
    last: 1500,
    err: expect.stringMatching(/^journal corrupt: .*record 1501 fails its CRC check/) as unknown,
  });
});
