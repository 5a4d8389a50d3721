/**
 * A rollover whose new segment cannot be created (a full disk, no descriptor left: here a
 * directory in the way of the temporary file it creates). The append that needed it throws
 * and nothing else changes: the current segment stays open and current, so a later record
 * that fits it is written there and is durable. The rollover used to retire and close the
 * current segment first, and later appends wrote through the closed descriptor: EBADF, or
 * into another file that had reused its number, acknowledged and then missing after a
 * restart (found by review).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { buildState } from "../../../src/app/build-sidecar.js";
import { ManualClock } from "../../../src/engine/index.js";
import { AccountId } from "../../../src/param/index.js";
import { parseSidecarConfig, type SidecarConfig } from "../../../src/server/config/sidecar-config.js";
import { FileJournal } from "../../../src/state/journal/index.js";
import { recoverState } from "../../../src/state/recovery.js";
import { testConfig } from "../../server/harness.js";
import { nextTurn, readAll, useTempDirs } from "./journal-test-helpers.js";

function durableConfig(dataDir: string): SidecarConfig {
  return parseSidecarConfig(testConfig({ durability: { mode: "sync", dataDir, snapshotEveryRecords: 0, snapshotEverySeconds: 0, segmentBytes: 4096 } }));
}

const tempDir = useTempDirs();

/** A journal whose segment (4 KiB) is nearly full, with the next segment's creation made to fail. */
async function nearlyFull() {
  const dir = tempDir();
  const j = FileJournal.open({ dataDir: dir, mode: "sync", segmentBytes: 4096, prepareAhead: false });
  for (let i = 0; i < 30; i++) j.append(Buffer.from(`record ${i} `.padEnd(100, "x")));
  await j.flush(); // 16 + 30 * 116 = 3496 bytes used: 600 left
  // The inline rollover creates its segment at the preparer's first temporary name; a
  // directory there makes it fail the way a full disk or fd exhaustion would.
  fs.mkdirSync(path.join(dir, `journal-next-${process.pid}-1.seg.tmp`));
  expect(() => j.append(Buffer.alloc(1000, 0x61))).toThrow(/EISDIR/);
  fs.rmdirSync(path.join(dir, `journal-next-${process.pid}-1.seg.tmp`));
  return { dir, j };
}

describe("a rollover whose new segment cannot be created", () => {
  it("does not leave the journal writing into the segment it closed", async () => {
    const { dir, j } = await nearlyFull();
    // A smaller record still fits the old segment.
    const seq = j.append(Buffer.from("fits"));
    const outcome = await j.flush().then(
      () => "durable",
      (e: Error) => e.message,
    );
    expect(outcome).toBe("durable");
    expect(readAll(dir).seqs).toContain(seq);
    await j.close().catch(() => undefined);
  });

  it("never acknowledges a record it wrote into another file through a reused descriptor", async () => {
    const { dir, j } = await nearlyFull();
    // Some other file is opened meanwhile (a snapshot, a prepared segment, a socket...): it
    // takes the lowest free descriptor, the one the old segment had.
    const victim = path.join(dir, "other-file");
    const fd = fs.openSync(victim, "w+");
    const seq = j.append(Buffer.from("acknowledged but where?"));
    let acknowledged = false;
    j.afterDurable(() => {
      acknowledged = true;
    });
    await j.flush().catch(() => undefined);
    await nextTurn();
    const inVictim = fs.readFileSync(victim).includes(Buffer.from("acknowledged but where?"));
    fs.closeSync(fd);
    await j.close().catch(() => undefined);
    const inJournal = readAll(dir).seqs.includes(seq);
    expect({ acknowledged, inJournal, inVictim }).toEqual({ acknowledged: true, inJournal: true, inVictim: false });
  });

  it("through the door: the change that needed the new segment is refused, and an acknowledged one after it survives a restart", async () => {
    const dataDir = tempDir();
    const config = durableConfig(dataDir);
    const state = buildState(config, new ManualClock(1_000));
    await recoverState(state, config.durability);
    // New segments cannot be created (a full disk; here: directories in the way of the
    // temporary names the preparer and the inline rollover use).
    const blockers = Array.from({ length: 20 }, (_, i) => path.join(dataDir, `journal-next-${process.pid}-${i + 1}.seg.tmp`));
    for (const b of blockers) fs.mkdirSync(b);
    for (let i = 0; i < 5; i++) state.admin({ kind: "blockAccount", accountId: AccountId.fromU64(100 + i), reason: "x".repeat(200) });
    await state.journal.flush();
    // A change whose record does not fit what is left of the segment: refused with the error.
    expect(() => state.admin({ kind: "blockAccount", accountId: AccountId.fromU64(999), reason: "y".repeat(3000) })).toThrow(/EISDIR/);
    for (const b of blockers) fs.rmdirSync(b);
    await new Promise((r) => setImmediate(r));

    // Something else opens a file meanwhile (a snapshot, a log, a prepared segment).
    const other = fs.openSync(path.join(dataDir, "other-file"), "w+");
    let acknowledged = false;
    state.admin({ kind: "blockAccount", accountId: AccountId.fromU64(7), reason: "compliance hold" });
    state.afterDurable(() => {
      acknowledged = true;
    });
    await state.journal.flush().catch(() => undefined);
    fs.closeSync(other);
    await state.journal.close().catch(() => undefined);

    const restarted = buildState(config, new ManualClock(2_000));
    await recoverState(restarted, config.durability);
    await restarted.journal.close();
    expect(acknowledged).toBe(true);
    expect(restarted.engine.accounts().blockOf(AccountId.fromU64(7))?.reason).toBe("compliance hold");
    // The refused change ran nothing (write-ahead: its append failed first); the earlier ones are there.
    expect(restarted.engine.accounts().blockOf(AccountId.fromU64(999))).toBeUndefined();
    expect([100, 101, 102, 103, 104].map((id) => restarted.engine.accounts().blockOf(AccountId.fromU64(id))?.reason.length)).toEqual([200, 200, 200, 200, 200]);
  });
});
