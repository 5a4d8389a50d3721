/**
 * Found by review: records up to the newest snapshot file's sequence were durable (and
 * acknowledged) before that file was renamed into place, valid or not (docs/durability.md,
 * Recovery 3./4.). With the newest snapshot damaged, recovery restored the older one and
 * replayed the journal; when the journal ENDED there (cleanly, no hole) below the damaged
 * snapshot's sequence — its newest segment lost, or its tail zeroed to the end of the file —
 * the start went on: acknowledged records were gone, new records took their numbers, `journal
 * cut` said "nothing to cut" and `journal status` called the directory healthy. Now the reader
 * refuses it, recovery, status, inspect and cut agree, and the cut moves the damaged snapshot
 * aside so that the sidecar starts, knowingly without those records.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { expect, it } from "vitest";
import { CUT_MANIFEST, cutJournal } from "../../src/state/journal/journal-cut.js";
import { readJournal } from "../../src/state/journal/journal-reader.js";
import { snapshotFileName } from "../../src/state/journal/segment-format.js";
import { allHeld, durableConfig, heldReasons, holdAccounts, startRefusal, startState } from "../state/durable-state.js";
import { flipByte, journalCli, useTempDirs } from "../state/journal/journal-test-helpers.js";

const tempDir = useTempDirs();
const cli = journalCli;
const NOW = new Date("2030-01-01T00:00:00Z");

/** Snapshot 41 (holds 0..39), then 80 more holds (records 42..121) and snapshot 121; 4 KiB segments, stopped. */
async function twoSnapshots(): Promise<{ dataDir: string; config: ReturnType<typeof durableConfig>; segments: string[] }> {
  const dataDir = tempDir();
  const config = durableConfig(dataDir); // 4 KiB segments
  const { state } = await startState(config);
  holdAccounts(state, 0, 40);
  await state.journal.flush();
  expect(await state.snapshots!.take()).toBe(41n);
  holdAccounts(state, 40, 80); // acknowledged; spans several segments
  await state.journal.flush();
  expect(await state.snapshots!.take()).toBe(121n);
  await state.journal.close();
  const segments = fs
    .readdirSync(dataDir)
    .filter((f) => f.endsWith(".seg"))
    .sort();
  expect(segments.length).toBeGreaterThan(2);
  return { dataDir, config, segments };
}

const contents = (dir: string) =>
  fs
    .readdirSync(dir)
    .sort()
    .map((f) => [f, fs.statSync(path.join(dir, f)).isFile() ? fs.readFileSync(path.join(dir, f)).toString("base64") : "dir"]);

it("newest snapshot damaged and the newest segment lost: refused by recovery, status and inspect; cut moves the snapshot aside and the sidecar starts without the lost records", async () => {
  const { dataDir, config, segments } = await twoSnapshots();
  flipByte(path.join(dataDir, snapshotFileName(121n)), 40);
  const lost = segments[segments.length - 1]!;
  fs.rmSync(path.join(dataDir, lost));
  const kept = readJournal(dataDir, { fromSequence: 42n }).end!; // pruned up to snapshot 41
  const last = kept.lastSequence;
  expect(last).toBeGreaterThan(41n);
  expect(last).toBeLessThan(121n);

  const message = `journal corrupt: ${kept.file} offset ${kept.offset}: the journal ends at record ${last}, but ${snapshotFileName(121n)} covers records up to 121, which were durable before it was written: records ${last + 1n}..121 are missing`;
  const before = contents(dataDir);
  const e = await startRefusal(startState(config, 2_000));
  expect(e.message).toBe(message);
  expect(contents(dataDir)).toEqual(before); // nothing appended, nothing renumbered

  // The operator tools say the same.
  expect(cli(["status", dataDir])).toEqual({ code: 1, out: "", err: `${message}\n` });
  const inspect = cli(["inspect", dataDir]);
  expect(inspect.code).toBe(1);
  expect(inspect.err).toBe(`${message}\n`);

  // The cut names the last record kept, and moves only the damaged snapshot file out.
  expect(cli(["cut", dataDir, "--after", "121"])).toMatchObject({ code: 1, err: `${message}; the cut keeps records up to ${last}: name that record to confirm (got 121)\n` });
  expect(contents(dataDir)).toEqual(before);
  const report = cutJournal(dataDir, last, NOW);
  expect(report).toMatchObject({ keptThrough: last, file: kept.file, offset: kept.offset, movedBytes: 0, movedFiles: [snapshotFileName(121n)], lastSequence: last });
  expect(fs.readdirSync(report.cutDir).sort()).toEqual([CUT_MANIFEST, snapshotFileName(121n)]);
  const manifest = JSON.parse(fs.readFileSync(path.join(report.cutDir, CUT_MANIFEST), "utf8")) as { damage: string; tail: unknown; undo: string };
  expect(manifest).toMatchObject({ damage: message, tail: null });
  expect(manifest.undo).toMatch(/^only if no sidecar has started on this directory since the cut/);
  expect(cli(["status", dataDir]).code).toBe(0);
  expect(cli(["inspect", report.cutDir]).code).toBe(0); // a cut directory holds a part of a journal
  expect(cli(["cut", dataDir, "--after", String(last)]).err).toMatch(/^nothing to cut/);

  // The sidecar starts from snapshot 41 and the journal kept, knowingly without records past it.
  const { state: back, report: recovered } = await startState(config, 3_000);
  expect(recovered.snapshotSequence).toBe(41n);
  expect(recovered.skippedSnapshots).toEqual([]);
  const present = Number(last) - 1; // record 1 is `served`, hold i is record i + 2
  expect(heldReasons(back, 120)).toEqual([...allHeld(present), ...Array<undefined>(120 - present).fill(undefined)]);
  expect(back.journal.lastSequence).toBeGreaterThan(last);
  await back.journal.close();
});

it("newest snapshot damaged and the newest segment's tail zeroed to the end of the file: refused, and cut at the record before the zeros", async () => {
  const { dataDir, config, segments } = await twoSnapshots();
  flipByte(path.join(dataDir, snapshotFileName(121n)), 40);
  const newest = segments[segments.length - 1]!;
  const records: { seq: bigint; file: string; offset: number }[] = [];
  readJournal(dataDir, { fromSequence: 42n, onRecord: (r, file, offset) => records.push({ seq: r.seq, file, offset }) });
  const inNewest = records.filter((r) => r.file === newest);
  expect(inNewest.length).toBeGreaterThan(2);
  const victim = inNewest[1]!; // zeros from the second record of the newest segment on
  const file = path.join(dataDir, newest);
  const size = fs.statSync(file).size;
  const fd = fs.openSync(file, "r+");
  fs.writeSync(fd, Buffer.alloc(size - victim.offset), 0, size - victim.offset, victim.offset);
  fs.closeSync(fd);
  const last = victim.seq - 1n;

  const message = `journal corrupt: ${newest} offset ${victim.offset}: the journal ends at record ${last}, but ${snapshotFileName(121n)} covers records up to 121, which were durable before it was written: records ${victim.seq}..121 are missing`;
  expect((await startRefusal(startState(config, 2_000))).message).toBe(message);
  expect(cli(["status", dataDir]).err).toBe(`${message}\n`);

  const report = cutJournal(dataDir, last, NOW);
  expect(report).toMatchObject({ keptThrough: last, movedFiles: [snapshotFileName(121n)], lastSequence: last });
  const { state: back, report: recovered } = await startState(config, 3_000);
  expect(recovered.snapshotSequence).toBe(41n);
  expect(heldReasons(back, 120).filter((r) => r !== undefined)).toEqual(allHeld(Number(last) - 1));
  await back.journal.close();
});

it("a VALID newest snapshot ahead of the journal is no damage: the records the journal lost are in it", async () => {
  const { dataDir, config, segments } = await twoSnapshots();
  fs.rmSync(path.join(dataDir, segments[segments.length - 1]!));
  expect(cli(["status", dataDir]).code).toBe(0);
  const { state: back, report } = await startState(config, 2_000);
  expect(report.snapshotSequence).toBe(121n);
  expect(heldReasons(back, 120)).toEqual(allHeld(120));
  await back.journal.close();
  expect(cli(["status", dataDir]).code).toBe(0);
});
