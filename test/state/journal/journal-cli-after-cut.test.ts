/**
 * Found by review (session 30): after the documented `journal cut` of damage the newest valid
 * snapshot covers, the sidecar starts from that snapshot and appends in a new segment past it,
 * leaving a gap the snapshot covers between the cut segment and the new one. Recovery reads
 * from after the snapshot and never needs those records, but `journal status` and `journal
 * inspect` read from the oldest segment and called the directory corrupt (exit 1) while the
 * sidecar started from it. Now the CLI accepts a gap wholly under a valid snapshot, as
 * recovery does; a gap past it is still refused.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { expect, it } from "vitest";
import { AccountId } from "../../../src/param/index.js";
import { cutJournal } from "../../../src/state/journal/journal-cut.js";
import { readJournal } from "../../../src/state/journal/journal-reader.js";
import { segmentFileName, snapshotFileName } from "../../../src/state/journal/segment-format.js";
import { allHeld, durableConfig, heldReasons, holdAccounts, startState } from "../durable-state.js";
import { flipByte, journalCli, useTempDirs } from "./journal-test-helpers.js";

const tempDir = useTempDirs();

const cli = journalCli;

it("journal status and inspect read a directory the sidecar recovers from after a cut the snapshot covers", async () => {
  const dataDir = tempDir();
  const config = durableConfig(dataDir, 1 << 20);
  const { state } = await startState(config);
  holdAccounts(state, 0, 40);
  await state.journal.flush();
  await state.snapshots!.take(); // covers records 1..41
  await state.journal.close();

  // Record 20 is damaged, with valid records after it: recovery refuses; the snapshot covers it.
  const records: { seq: bigint; file: string; offset: number }[] = [];
  readJournal(dataDir, { onRecord: (r, file, offset) => records.push({ seq: r.seq, file, offset }) });
  const victim = records.find((r) => r.seq === 20n)!;
  flipByte(path.join(dataDir, victim.file), victim.offset + 20);
  fs.rmSync(path.join(dataDir, "LOCK"), { force: true });
  cutJournal(dataDir, 19n, new Date("2030-01-01T00:00:00Z"));

  const { state: back } = await startState(config);
  back.admin({ kind: "unblockAccount", accountId: AccountId.fromU64(1000) });
  await back.journal.flush();
  await back.journal.close(); // a crash (no shutdown snapshot)
  fs.rmSync(path.join(dataDir, "LOCK"), { force: true });

  // The sidecar starts from this directory...
  const { state: again, report } = await startState(config);
  expect(report.snapshotSequence).toBe(41n);
  expect(heldReasons(again, 40)).toEqual([undefined, ...allHeld(40).slice(1)]);
  await again.journal.close();
  fs.rmSync(path.join(dataDir, "LOCK"), { force: true });

  // ...and the operator tools read it: records 1..19 in the cut segment, then the new segment from 42.
  const status = cli(["status", dataDir]);
  expect({ code: status.code, err: status.err }).toEqual({ code: 0, err: "" });
  const summary = JSON.parse(status.out) as { segments: { file: string; firstSequence: string; lastSequence: string | null }[]; lastSequence: string };
  expect(summary.segments.map((s) => [s.file, s.firstSequence, s.lastSequence])).toEqual([
    [segmentFileName(1n), "1", "19"],
    [segmentFileName(42n), "42", summary.lastSequence],
  ]);
  const inspect = cli(["inspect", dataDir]);
  expect(inspect.code, inspect.err).toBe(0);
  const seqs = inspect.out
    .trim()
    .split("\n")
    .map((l) => BigInt((JSON.parse(l) as { seq: string }).seq));
  expect(seqs.slice(0, 19)).toEqual(Array.from({ length: 19 }, (_, i) => BigInt(i + 1)));
  expect(seqs[19]).toBe(42n);
  expect(cli(["inspect", dataDir, "--from", "1"]).code).toBe(0);

  // Without a valid snapshot over the gap it is missing records, for the CLI as for recovery.
  fs.renameSync(path.join(dataDir, snapshotFileName(41n)), path.join(tempDir(), snapshotFileName(41n)));
  const gap = cli(["status", dataDir]);
  expect(gap.code).toBe(1);
  expect(gap.err).toMatch(/records 20\.\.41 are missing/);
  await expect(startState(config)).rejects.toThrow(/records 20\.\.41 are missing/);
});
