/**
 * A snapshot that passes its checks (magic, length, CRC) but does not restore stops the start.
 * Before, the error said only why; an operator could not tell that the snapshot before it and
 * the journal's records after that one are still on disk (pruning goes by the previous
 * snapshot), so that moving the newest aside gets the acknowledged state back. The refusal now
 * says so, naming the older snapshot, or says to restore a backup when there is none.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { expect, it } from "vitest";
import { snapshotFileName } from "../../src/state/journal/segment-format.js";
import { writeSnapshot } from "../../src/state/journal/snapshot-files.js";
import { cutJournal } from "../../src/state/journal/journal-cut.js";
import { readJournal } from "../../src/state/journal/journal-reader.js";
import { allHeld, durableConfig, heldReasons, holdAccounts, startRefusal, startState } from "./durable-state.js";
import { useTempDirs } from "./journal/journal-test-helpers.js";

const tempDir = useTempDirs();

/** A durable state with snapshots s1 (30 accounts held) and s2 (30 more), closed, its lock gone. */
async function twoSnapshots(dataDir: string) {
  const cfg = durableConfig(dataDir, 1 << 20);
  const { state } = await startState(cfg);
  holdAccounts(state, 0, 30);
  await state.journal.flush();
  await state.snapshots!.take();
  const s1 = state.journal.lastSequence;
  holdAccounts(state, 30, 30);
  await state.journal.flush();
  await state.snapshots!.take();
  const s2 = state.journal.lastSequence;
  await state.journal.close();
  fs.rmSync(path.join(dataDir, "LOCK"), { force: true });
  return { cfg, s1, s2 };
}

/** Flips a byte inside record `seq`'s payload, as bit rot would. */
function damageRecord(dataDir: string, seq: bigint): void {
  const records: { seq: bigint; file: string; offset: number }[] = [];
  readJournal(dataDir, { onRecord: (r, file, offset) => void records.push({ seq: r.seq, file, offset }) });
  const victim = records.find((r) => r.seq === seq)!;
  const segment = path.join(dataDir, victim.file);
  const bytes = fs.readFileSync(segment);
  bytes[victim.offset + 20] = bytes[victim.offset + 20]! ^ 0xff;
  fs.writeFileSync(segment, bytes);
}

const refusedToBackup = (s2: bigint) =>
  new RegExp(`^snapshot ${snapshotFileName(s2)} cannot be restored: .+; no older snapshot with the journal's records after it is here: restore the directory from a backup$`);

it("the newest snapshot checks out but does not restore: the refusal names the older one to fall back on; moved aside, the older one and the journal give the state back", async () => {
  const dataDir = tempDir();
  const cfg = durableConfig(dataDir, 4096);
  const { state } = await startState(cfg);
  holdAccounts(state, 0, 60);
  await state.journal.flush();
  await state.snapshots!.take();
  const s1 = state.journal.lastSequence;
  holdAccounts(state, 60, 60);
  await state.journal.flush();
  await state.snapshots!.take(); // prunes what snapshot s1 covers, not what s2 does
  const s2 = state.journal.lastSequence;
  await state.journal.close();
  // Header and CRC right, content not a state.
  await writeSnapshot(dataDir, s2, Buffer.from('{"engine":42}'));

  const e = await startRefusal(startState(cfg, 2_000));
  expect(e.message).toMatch(
    new RegExp(
      `^snapshot ${snapshotFileName(s2)} cannot be restored: .+; ${snapshotFileName(s1)} checks out and the journal keeps the records after it: ` +
        `move ${snapshotFileName(s2)} out of the directory \\(e\\.g\\. into ${path.join(dataDir, "damaged-snapshots").replace(/[.\\/]/g, "\\$&")}\\) and start again, which restores ${snapshotFileName(s1)} and replays the records since$`,
    ),
  );

  fs.mkdirSync(path.join(dataDir, "damaged-snapshots"));
  fs.renameSync(path.join(dataDir, snapshotFileName(s2)), path.join(dataDir, "damaged-snapshots", snapshotFileName(s2)));
  const { state: back, report } = await startState(cfg, 3_000);
  expect({ snapshot: report.snapshotSequence, replayed: report.replayed, held: heldReasons(back, 120) }).toEqual({
    snapshot: s1,
    replayed: Number(s2 - s1),
    held: allHeld(120),
  });
  await back.journal.close();
});

it("the only snapshot does not restore: the refusal says to restore a backup", async () => {
  const dataDir = tempDir();
  const cfg = durableConfig(dataDir, 4096);
  const { state } = await startState(cfg);
  holdAccounts(state, 0, 3);
  await state.journal.close();
  await writeSnapshot(dataDir, 0n, Buffer.from('{"engine":42}'));

  const e = await startRefusal(startState(cfg, 2_000));
  expect(e.message).toMatch(
    new RegExp(`^snapshot ${snapshotFileName(0n)} cannot be restored: .+; no older snapshot with the journal's records after it is here: restore the directory from a backup$`),
  );
});

// Found by the review of the fix above: the refusal checked only that the first segment
// reached back to the older snapshot, not that the records after it run unbroken.
it("after a cut the newest snapshot covers, the refusal does not send the operator to an older snapshot the journal no longer continues", async () => {
  const dataDir = tempDir();
  const { cfg, s1, s2 } = await twoSnapshots(dataDir);
  // A record between the two snapshots is damaged; the documented repair cuts before it.
  damageRecord(dataDir, s1 + 10n);
  cutJournal(dataDir, s1 + 9n, new Date("2030-01-01T00:00:00Z"));
  const { state: after } = await startState(cfg, 2_000); // from s2, which covers the cut
  holdAccounts(after, 60, 5);
  await after.journal.close();
  fs.rmSync(path.join(dataDir, "LOCK"), { force: true });
  await writeSnapshot(dataDir, s2, Buffer.from('{"engine":42}'));

  const e = await startRefusal(startState(cfg, 3_000));
  expect(e.message).toMatch(refusedToBackup(s2));
});

// Found by review: the check above reads the journal with only the older snapshot
// files' cover, and right after such a cut (no start in between to append after it) the
// journal ends, cleanly, before the records the unrestorable snapshot covers. Read so, that
// is no damage, and the refusal said to move the newest aside: the next start then restored
// the older snapshot, replayed up to the cut and served without the records after it, which
// were acknowledged (the snapshot's name says they were durable before it was written).
it("right after a cut the newest snapshot covered, the refusal does not send the operator to an older snapshot whose start would lose the records the cut took", async () => {
  const dataDir = tempDir();
  const { cfg, s1, s2 } = await twoSnapshots(dataDir);
  // A record between the two snapshots is damaged; the documented repair cuts before it and
  // keeps s2, which covers the damage. Then s2 turns out not to restore.
  damageRecord(dataDir, s1 + 10n);
  const cut = cutJournal(dataDir, s1 + 9n, new Date("2030-01-01T00:00:00Z"));
  expect({ kept: cut.keptThrough, moved: cut.movedFiles, s2Stays: fs.existsSync(path.join(dataDir, snapshotFileName(s2))) }).toEqual({
    kept: s1 + 9n,
    moved: [],
    s2Stays: true,
  });
  await writeSnapshot(dataDir, s2, Buffer.from('{"engine":42}'));

  const e = await startRefusal(startState(cfg, 2_000));
  expect(e.message).toMatch(refusedToBackup(s2));
  fs.rmSync(path.join(dataDir, "LOCK"), { force: true });

  // Why: moved aside, s2 takes with it the only proof that records up to s2 were durable, and
  // the start restores s1, replays the ten records the cut kept and serves without the rest.
  fs.mkdirSync(path.join(dataDir, "damaged-snapshots"));
  fs.renameSync(path.join(dataDir, snapshotFileName(s2)), path.join(dataDir, "damaged-snapshots", snapshotFileName(s2)));
  const { state: back, report } = await startState(cfg, 3_000);
  const held = heldReasons(back, 60);
  expect({ snapshot: report.snapshotSequence, replayed: report.replayed, heldCount: held.filter((r) => r !== undefined).length }).toEqual({
    snapshot: s1,
    replayed: 9,
    heldCount: 39,
  });
  await back.journal.close();
});

// The same rule without a cut: the newest snapshot's last record is damaged with nothing after
// it. Read with only the older snapshot's cover it is a torn tail, and the start after moving
// the newest aside truncated it: an acknowledged record lost, where a backup is the way.
it("a damaged last record only the unrestorable snapshot covers is not read as a torn tail: the refusal says to restore a backup", async () => {
  const dataDir = tempDir();
  const { cfg, s2 } = await twoSnapshots(dataDir);
  damageRecord(dataDir, s2);
  await writeSnapshot(dataDir, s2, Buffer.from('{"engine":42}'));

  const e = await startRefusal(startState(cfg, 2_000));
  expect(e.message).toMatch(refusedToBackup(s2));
});
