// `journal cut`: the operator's way past damage recovery refuses to skip. The cut happens
// only on the operator's word (the last record kept, which must be the one before the
// damage), never under a running sidecar, and moves what it cuts aside instead of deleting.
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { FileJournal, readJournal, writeSnapshot } from "../../../src/state/journal/index.js";
import { CUT_MANIFEST, cutJournal, JournalCutRefusedError } from "../../../src/state/journal/journal-cut.js";
import { runJournalCli } from "../../../src/state/journal/journal-cli.js";
import { runCli } from "../../../src/cli/run-cli.js";
import { SMALL_SEGMENT, corruption, flipByte, payloadFor, readAll, useTempDirs } from "./journal-test-helpers.js";

const tempDir = useTempDirs();
const FIRST = "journal-00000000000000000001.seg";
const NOW = new Date("2026-12-04T07:00:00.000Z");
const CUT_DIR = (seq: number) => `cut-${seq}-20261204T070000Z`;

async function journalOf(records: number) {
  const dir = tempDir();
  const j = FileJournal.open({ dataDir: dir, mode: "sync", segmentBytes: SMALL_SEGMENT });
  for (let i = 0; i < records; i++) j.append(payloadFor(i));
  await j.close();
  return { dir, back: readAll(dir) };
}

/** Every file under `dir` with its bytes, to show that a refused cut changed nothing. */
function contents(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of fs.readdirSync(dir, { recursive: true }) as string[]) {
    const full = path.join(dir, name);
    if (fs.statSync(full).isFile()) out[name] = fs.readFileSync(full).toString("base64");
  }
  return out;
}

function refused(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof JournalCutRefusedError) return e.message;
    throw e;
  }
  throw new Error("the cut was not refused");
}

const cliRun = (...args: string[]) => {
  let out = "";
  let err = "";
  const code = runJournalCli(args, { out: (t) => (out += t), err: (t) => (err += t) }, () => NOW);
  return { code, out, err };
};

describe("journal cut", () => {
  it("cuts a damaged middle record and everything after it, on the operator's word, and the journal appends again", async () => {
    const { dir, back } = await journalOf(1000);
    const segments = back.result.segments;
    expect(segments.length).toBeGreaterThanOrEqual(3);
    // Record 5 is damaged with valid records after it: recovery refuses to skip it.
    const at = back.offsets[4]!.offset;
    flipByte(path.join(dir, FIRST), at + 20);
    const damage = corruption(() => readJournal(dir)).message;

    // The wrong record named: refused, and nothing changed.
    const before = contents(dir);
    expect(refused(() => cutJournal(dir, 10n, NOW))).toBe(`${damage}; the cut keeps records up to 4: name that record to confirm (got 10)`);
    expect(contents(dir)).toEqual(before);

    const r = cliRun("cut", dir, "--after", "4");
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const cutDir = path.join(dir, CUT_DIR(5));
    const tailName = `${FIRST}.from-${at}`;
    const firstSegmentBytes = fs.readFileSync(path.join(cutDir, tailName)).length;
    expect(JSON.parse(r.out)).toEqual({
      cutDir,
      damage,
      keptThrough: "4",
      file: FIRST,
      offset: at,
      movedBytes: firstSegmentBytes,
      movedFiles: segments.slice(1).map((s) => s.file),
      lastSequence: "4",
    });
    // What was cut is kept: the tail's bytes are the damaged segment's, from the damage on.
    expect(Buffer.from(before[FIRST]!, "base64").subarray(at, at + firstSegmentBytes)).toEqual(fs.readFileSync(path.join(cutDir, tailName)));
    expect(JSON.parse(fs.readFileSync(path.join(cutDir, CUT_MANIFEST), "utf8"))).toMatchObject({ keptThrough: "4", file: FIRST, offset: at, tail: { file: tailName, bytes: firstSegmentBytes } });
    for (const s of segments.slice(1)) expect(fs.existsSync(path.join(cutDir, s.file))).toBe(true);
    // Every record behind the damage reads back (what the docs tell the operator to inspect): the
    // ones after it in the tail file first, then the moved segments', as a journal of their own.
    // Found by review (session 29): inspect skipped the tail file, so when the damage was in
    // the newest segment it listed nothing, acknowledged orders included.
    const moved = cliRun("inspect", cutDir);
    expect(moved.code).toBe(0);
    const lines = moved.out.trim().split("\n").map((l) => JSON.parse(l) as { seq: string; file: string; payload: unknown });
    expect(lines.map((l) => l.seq)).toEqual(Array.from({ length: 995 }, (_, i) => String(i + 6)));
    expect(lines.map((l) => l.payload)).toEqual(back.payloads.slice(5).map((p) => JSON.parse(Buffer.from(p).toString())));
    expect(lines.filter((l) => l.file === tailName).map((l) => l.seq)).toEqual(
      Array.from({ length: Number(segments[1]!.firstSequence) - 6 }, (_, i) => String(i + 6)),
    );
    expect(JSON.parse(moved.err)).toMatchObject({ records: 995, cutTailRecords: Number(segments[1]!.firstSequence) - 6, printed: 995 });

    // Recovery now reads records 1..4, and the next append is record 5.
    const read = readAll(dir);
    expect(read.seqs).toEqual([1n, 2n, 3n, 4n]);
    expect(read.payloads).toEqual([0, 1, 2, 3].map(payloadFor));
    const j = FileJournal.open({ dataDir: dir, mode: "sync", segmentBytes: SMALL_SEGMENT });
    expect(j.append(Buffer.from("after the cut"))).toBe(5n);
    await j.close();
    expect(readAll(dir).seqs).toEqual([1n, 2n, 3n, 4n, 5n]);
  });

  it("the manifest's undo puts the damaged journal back as it was", async () => {
    const { dir, back } = await journalOf(1000);
    const at = back.offsets[4]!.offset;
    flipByte(path.join(dir, FIRST), at + 20);
    const before = contents(dir);
    cutJournal(dir, 4n, NOW);
    const cutDir = path.join(dir, CUT_DIR(5));
    const manifest = JSON.parse(fs.readFileSync(path.join(cutDir, CUT_MANIFEST), "utf8")) as { tail: { file: string }; offset: number; movedFiles: string[]; undo: string };
    // Found by review (session 32): the undo read "stop the sidecar, then …", valid at any time;
    // after a start on the cut journal it overwrites the records acknowledged since.
    expect(manifest.undo).toBe(
      `only if no sidecar has started on this directory since the cut (its records since would be overwritten): dd if=${manifest.tail.file} of=../${FIRST} bs=1M seek=${at} oflag=seek_bytes conv=notrunc,fsync; move the other files back`,
    );
    // What `dd … seek=OFFSET conv=notrunc` and moving the files back do.
    const fd = fs.openSync(path.join(dir, FIRST), "r+");
    fs.writeSync(fd, fs.readFileSync(path.join(cutDir, manifest.tail.file)), 0, undefined, manifest.offset);
    fs.closeSync(fd);
    for (const f of manifest.movedFiles) fs.renameSync(path.join(cutDir, f), path.join(dir, f));
    fs.rmSync(cutDir, { recursive: true });
    expect(contents(dir)).toEqual(before);
  });

  it("`openpit journal cut` passes --after through", async () => {
    const { dir, back } = await journalOf(20);
    flipByte(path.join(dir, FIRST), back.offsets[4]!.offset + 20);
    let out = "";
    let err = "";
    const io = { out: (t: string) => (out += t), err: (t: string) => (err += t) };
    expect(await runCli(["journal", "cut", dir], io, {})).toBe(2);
    expect(err).toMatch(/^cut needs --after SEQ: the last record to keep\n/);
    expect(await runCli(["journal", "cut", dir, "--after", "4"], io, {})).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ keptThrough: "4", lastSequence: "4" });
    expect(readJournal(dir).lastSequence).toBe(4n);
  });

  it("a missing middle segment: the segments after the gap move out whole", async () => {
    const { dir, back } = await journalOf(1000);
    const segs = back.result.segments;
    fs.renameSync(path.join(dir, segs[1]!.file), path.join(tempDir(), segs[1]!.file));
    const keep = segs[1]!.firstSequence - 1n;
    const report = cutJournal(dir, keep, NOW);
    expect(report).toMatchObject({ file: segs[2]!.file, offset: 0, movedBytes: fs.statSync(path.join(report.cutDir, segs[2]!.file)).size, lastSequence: keep });
    expect(report.movedFiles).toEqual(segs.slice(2).map((s) => s.file));
    expect(readJournal(dir).lastSequence).toBe(keep);
  });

  it("refuses a journal that reads back whole, damage a snapshot covers with newer records behind it, a running sidecar, and a cut without --after", async () => {
    const { dir, back } = await journalOf(1000);
    expect(refused(() => cutJournal(dir, 999n, NOW))).toBe("nothing to cut: the journal reads back whole (last record 1000)");

    // A snapshot at 10 covers the damaged record 5, but records 11.. are behind it in the same segment.
    await writeSnapshot(dir, 10n, Buffer.from("state"));
    const at = back.offsets[4]!.offset;
    flipByte(path.join(dir, FIRST), at + 20);
    const before = contents(dir);
    expect(refused(() => cutJournal(dir, 4n, NOW))).toMatch(
      /; the newest valid snapshot covers records up to 10, past the damage, so a cut would drop record 11 and any after it, which only the journal holds; restore the directory from a backup$/,
    );
    expect(contents(dir)).toEqual(before);

    // The data directory's lock held by a live process (the test runner's parent).
    fs.writeFileSync(path.join(dir, "LOCK"), `${process.ppid} ${(await import("node:os")).hostname()}\n`);
    expect(() => cutJournal(dir, 4n, NOW)).toThrow(`data directory ${dir} is in use by process ${process.ppid}`);
    fs.rmSync(path.join(dir, "LOCK"));

    const usage = cliRun("cut", dir);
    expect(usage.code).toBe(2);
    expect(usage.err).toMatch(/^cut needs --after SEQ: the last record to keep\n/);
    expect(cliRun("cut", dir, "--from", "3").code).toBe(2);
    const cli = cliRun("cut", dir, "--after", "4");
    expect(cli.code).toBe(1);
    expect(cli.err).toMatch(/past the damage, so a cut would drop record 11 and any after it/);
    expect(contents(dir)).toEqual(before);
  });
});
