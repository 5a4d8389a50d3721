/**
 * A snapshot asked for when nothing was journaled since the one on disk (graceful shutdown
 * of an idle sidecar right after a timed snapshot) is not written again: that file stands,
 * and so do the older snapshot and the records recovery falls back to if it turns out
 * unreadable. Written again, it replaced the file and then pruned by its own sequence,
 * deleting what the fallback needed: the start was refused (found by review).
 */
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildState } from "../../src/app/build-sidecar.js";
import { ManualClock } from "../../src/engine/index.js";
import { AccountId } from "../../src/param/index.js";
import { parseSidecarConfig } from "../../src/server/config/sidecar-config.js";
import { snapshotFileName } from "../../src/state/journal/segment-format.js";
import { readLatestSnapshot } from "../../src/state/journal/snapshot-files.js";
import { recoverState } from "../../src/state/recovery.js";
import { testConfig } from "../server/harness.js";
import { flipByte, useTempDirs } from "./journal/journal-test-helpers.js";

const tempDir = useTempDirs();

async function scenario(takeAgain: boolean): Promise<{ files: string[]; fallback: bigint; recoveredFrom: bigint | undefined; held: (string | undefined)[] }> {
  const dataDir = tempDir();
  const config = parseSidecarConfig(testConfig({ durability: { mode: "sync", dataDir, snapshotEveryRecords: 0, snapshotEverySeconds: 0, segmentBytes: 4096 } }));
  const state = buildState(config, new ManualClock(1_000));
  await recoverState(state, config.durability);
  const block = (from: number) => {
    for (let i = from; i < from + 40; i++) state.admin({ kind: "blockAccount", accountId: AccountId.fromU64(1000 + i), reason: `hold ${i}` });
  };
  block(0);
  await state.journal.flush();
  await state.snapshots!.take();
  const s1 = state.journal.lastSequence;
  block(40);
  await state.journal.flush();
  await state.snapshots!.take();
  const s2 = state.journal.lastSequence;
  // Nothing journaled since s2.
  if (takeAgain) expect(await state.snapshots!.take()).toBe(s2);
  await state.journal.close();
  const files = readdirSync(dataDir).filter((n) => n.endsWith(".snap"));
  expect(files).toEqual([snapshotFileName(s1), snapshotFileName(s2)]);

  // The newest snapshot turns out unreadable: the case pruning "only what the previous one covers" exists for.
  flipByte(join(dataDir, snapshotFileName(s2)), 100);
  const again = buildState(config, new ManualClock(2_000));
  const report = await recoverState(again, config.durability);
  await again.journal.close();
  const held = Array.from({ length: 80 }, (_, i) => again.engine.accounts().blockOf(AccountId.fromU64(1000 + i))?.reason);
  return { files, fallback: s1, recoveredFrom: report.snapshotSequence, held };
}

describe("a snapshot at the sequence of the one on disk", () => {
  for (const takeAgain of [false, true]) {
    it(takeAgain ? "is not written again, so recovery still falls back past an unreadable newest snapshot" : "control: the newest unreadable, recovery falls back to the one before and replays the rest", async () => {
      const r = await scenario(takeAgain);
      expect(r.recoveredFrom).toBe(r.fallback);
      expect(r.held).toEqual(Array.from({ length: 80 }, (_, i) => `hold ${i}`));
    });
  }
});

it("a damaged snapshot file at the current sequence is not taken for the snapshot on disk: a start without a valid one writes it", async () => {
  const dataDir = tempDir();
  const config = parseSidecarConfig(testConfig({ durability: { mode: "sync", dataDir, snapshotEveryRecords: 0, snapshotEverySeconds: 0, segmentBytes: 65536 } }));
  // A file that does not check out (bit rot, or a short snapshot an older version renamed into place).
  writeFileSync(join(dataDir, snapshotFileName(0n)), Buffer.alloc(100, 7));
  const state = buildState(config, new ManualClock(1_000));
  const report = await recoverState(state, config.durability);
  await state.journal.close();
  expect(report.snapshotSequence).toBeUndefined();
  expect(readLatestSnapshot(dataDir)?.seq).toBe(0n);
});
