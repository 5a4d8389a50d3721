/**
 * Found by review (session 30): recovery takes the newest snapshot FILE's name as proof of what
 * was durable (durableCover), even when that snapshot is damaged and an older one is restored,
 * so a bad last record below that name is damage and the start is refused. `journal cut`, the
 * documented way out, looked for damage with only the newest VALID snapshot's cover, took that
 * record for a torn tail and answered "nothing to cut": the directory could neither start nor
 * be cut. Recovery's message also said "the restored snapshot covers records up to 41" when the
 * restored one was snapshot 0. Now the cut reads as recovery does (and moves the damaged
 * snapshot past the cut out with the cut records), and the message names the snapshot file.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { expect, it } from "vitest";
import { cutJournal } from "../../../src/state/journal/journal-cut.js";
import { readJournal } from "../../../src/state/journal/journal-reader.js";
import { snapshotFileName } from "../../../src/state/journal/segment-format.js";
import { allHeld, durableConfig, heldReasons, holdAccounts, startState } from "../durable-state.js";
import { flipByte, journalCli, useTempDirs } from "./journal-test-helpers.js";

const tempDir = useTempDirs();

const cli = journalCli;

it("damage recovery refuses under a damaged newest snapshot is cut (not 'nothing to cut'), and the sidecar starts after the cut", async () => {
  const dataDir = tempDir();
  const config = durableConfig(dataDir, 1 << 20);
  const { state } = await startState(config); // snapshot 0, valid; record 1 is `served`
  holdAccounts(state, 0, 40);
  await state.journal.flush();
  await state.snapshots!.take(); // a snapshot at the last record
  const last = state.journal.lastSequence;
  expect(last).toBe(41n);
  await state.journal.close();
  fs.rmSync(path.join(dataDir, "LOCK"), { force: true });

  // The newest snapshot is damaged (recovery passes it over and restores snapshot 0)...
  flipByte(path.join(dataDir, snapshotFileName(last)), fs.statSync(path.join(dataDir, snapshotFileName(last))).size - 5);
  // ...and so is the last record (its CRC fails; nothing valid after it).
  const recs: { seq: bigint; file: string; offset: number }[] = [];
  readJournal(dataDir, { onRecord: (r, file, offset) => recs.push({ seq: r.seq, file, offset }) });
  const victim = recs.find((r) => r.seq === last)!;
  flipByte(path.join(dataDir, victim.file), victim.offset + 20);

  // Recovery refuses, naming the snapshot file whose name proves the record durable (not "the restored snapshot").
  const message = `journal corrupt: ${victim.file} offset ${victim.offset}: record 41 fails its CRC check; ${snapshotFileName(41n)} covers records up to 41, which were durable before it was written: damage, not a torn tail`;
  await expect(startState(config)).rejects.toThrow(message);
  fs.rmSync(path.join(dataDir, "LOCK"), { force: true });
  // `journal status` says the same.
  expect(cli(["status", dataDir])).toMatchObject({ code: 1, err: `${message}\n` });

  // The cut keeping record 40 is accepted; the damaged snapshot past it moves out with the cut bytes.
  const report = cutJournal(dataDir, last - 1n, new Date("2030-01-01T00:00:00Z"));
  expect(report).toMatchObject({ keptThrough: 40n, file: victim.file, offset: victim.offset, movedFiles: [snapshotFileName(41n)], lastSequence: 40n });
  expect(fs.existsSync(path.join(report.cutDir, snapshotFileName(41n)))).toBe(true);
  expect(cli(["status", dataDir]).code).toBe(0);

  const { state: back, report: recovered } = await startState(config);
  expect(recovered.snapshotSequence).toBe(0n);
  expect(heldReasons(back, 40)).toEqual([...allHeld(39), undefined]);
  await back.journal.close();
});
