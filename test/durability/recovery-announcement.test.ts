/**
 * The announcement guarantee of recovery's rollbacks (docs/durability.md, "Open reservations
 * across a crash"): a start that crashes after journaling its rollbacks but before its `served`
 * record is durable leaves them to the next start, which announces them. That must hold
 * whether the next start replays those rollbacks from the journal or restores a snapshot
 * taken after them: a start that found no snapshot takes one between its rollbacks and
 * `served` (recovery.ts, resumeServing), so the snapshot carries the rollbacks not yet
 * announced (found by review: it used to drop them, and the next start announced nothing).
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from "vitest";
import { buildState } from "../../src/app/build-sidecar.js";
import { ManualClock } from "../../src/engine/index.js";
import { AccountId } from "../../src/param/index.js";
import { parseSidecarConfig, type SidecarConfig } from "../../src/server/config/sidecar-config.js";
import { decodeCommand } from "../../src/state/command-codec.js";
import { readJournal } from "../../src/state/journal/journal-reader.js";
import { readLatestSnapshot } from "../../src/state/journal/snapshot-files.js";
import { decodePlain, encodePlain } from "../../src/state/plain-data.js";
import { recoverState } from "../../src/state/recovery.js";
import type { SidecarState, StateSnapshot } from "../../src/state/sidecar-state.js";
import { openReservations, recoveryRollback } from "../helpers/recovery-rollbacks.js";
import { ACCOUNT, testConfig } from "../server/harness.js";
import { patchFile } from "../state/journal/journal-test-helpers.js";

const dirs: string[] = [];
/** stderr, where a failed snapshot is reported: captured, each test says what it expects there. */
let stderr: MockInstance<typeof process.stderr.write>;
beforeEach(() => {
  stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
});
afterEach(() => {
  stderr.mockRestore();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** The records whose snapshots were reported failed on stderr, in order. */
const failedSnapshots = () => stderr.mock.calls.map(([text]) => /^openpit-sidecar: snapshot at record (\d+) failed: EISDIR/.exec(String(text))?.[1] ?? String(text));

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "openpit-announce-"));
  dirs.push(d);
  return d;
}

function durableConfig(dataDir: string): SidecarConfig {
  return parseSidecarConfig(testConfig({ durability: { mode: "sync", dataDir, snapshotEveryRecords: 0, snapshotEverySeconds: 0, segmentBytes: 65536 } }));
}

const accountId = AccountId.fromU64(ACCOUNT);
const rolledBack = (ids: readonly bigint[]) => recoveryRollback(accountId, ids);
const snapshotFiles = (dataDir: string) => readdirSync(dataDir).filter((n) => n.endsWith(".snap"));

/**
 * Makes the snapshots of these sequences fail as a transient error would (the temporary file
 * is a directory): a start reports it on stderr and goes on without one. Returns the remover.
 */
function blockSnapshots(dataDir: string, ...sequences: bigint[]): () => void {
  const blockers = sequences.map((seq) => join(dataDir, `snapshot-${seq.toString().padStart(20, "0")}.snap.tmp`));
  for (const b of blockers) mkdirSync(b, { recursive: true });
  return () => {
    for (const b of blockers) rmSync(b, { recursive: true, force: true });
  };
}

/** A start that leaves `count` reservations open on ACCOUNT (the process then dies); returns their ids. */
async function crashWithOpenReservations(dataDir: string, at: number, count: number): Promise<bigint[]> {
  const config = durableConfig(dataDir);
  const state = buildState(config, new ManualClock(at));
  await recoverState(state, config.durability);
  const ids = openReservations(state, accountId, count);
  await state.journal.flush();
  await state.journal.close();
  return ids;
}

/**
 * A start that recovers and then "crashes before its `served` record reached the disk": that
 * record (the journal's last) is overwritten with the zeros the preallocated segment had.
 */
async function recoverThenLoseServed(dataDir: string, at: number): Promise<{ announced: unknown[]; served: bigint }> {
  const config = durableConfig(dataDir);
  const state = buildState(config, new ManualClock(at));
  const announced: unknown[] = [];
  state.events.subscribe((e) => announced.push(e.event));
  await recoverState(state, config.durability);
  await state.journal.close();
  const records: { file: string; offset: number; len: number; seq: bigint; kind: string }[] = [];
  readJournal(dataDir, { onRecord: (r, file, offset) => records.push({ file, offset, len: r.payload.length, seq: r.seq, kind: decodeCommand(r.payload).kind }) });
  const served = records[records.length - 1]!;
  expect(served.kind).toBe("served");
  patchFile(join(dataDir, served.file), served.offset, Buffer.alloc(16 + served.len));
  return { announced, served: served.seq };
}

/** The state a fresh process reaches by replaying the journal's records 1..`upTo` (no snapshot). */
function replayedUpTo(dataDir: string, upTo: bigint): SidecarState {
  const state = buildState(durableConfig(dataDir), new ManualClock(0));
  readJournal(dataDir, { onRecord: (r) => void (r.seq <= upTo && state.replay(r.payload)) });
  return state;
}

async function restart(dataDir: string, at: number) {
  const config = durableConfig(dataDir);
  const state = buildState(config, new ManualClock(at));
  const announced: unknown[] = [];
  state.events.subscribe((e) => announced.push(e.event));
  const report = await recoverState(state, config.durability);
  return { state, announced, report };
}

describe("recovery's rollbacks are announced by the next start when a start crashes before `served`", () => {
  it("a snapshot-less start that took its snapshot after its rollbacks: the next start restores it and announces them", async () => {
    const dataDir = tempDir();
    // First start on an empty directory: its snapshot 0 fails, so the directory holds a
    // journal and no snapshot (`served` = record 1); it dies with two reservations open.
    const unblock = blockSnapshots(dataDir, 0n);
    const ids = await crashWithOpenReservations(dataDir, 1_000, 2);
    unblock();
    expect(snapshotFiles(dataDir)).toEqual([]);
    expect(failedSnapshots()).toEqual(["0"]);

    // Second start: no snapshot, so it replays everything (records 1-5), rolls the two
    // reservations back (closeChannel = record 6), takes a snapshot of record 6, and dies
    // before `served` (record 7) is durable.
    const second = await recoverThenLoseServed(dataDir, 2_000);
    expect(second.announced).toEqual([rolledBack(ids)]);
    expect(second.served).toBe(7n);
    expect(snapshotFiles(dataDir)).toEqual(["snapshot-00000000000000000006.snap"]);

    // The snapshot the live process wrote is the state a replay of records 1-6 reaches, bit
    // for bit: the rollbacks not yet announced included.
    const written = readLatestSnapshot(dataDir)!;
    const replayed = replayedUpTo(dataDir, 6n);
    expect(Buffer.from(encodePlain({ ...replayed.snapshot(), sequence: 6n })).toString()).toBe(Buffer.from(written.data).toString());
    expect((decodePlain(written.data) as StateSnapshot).unannounced).toEqual([{ accountId, reservationIds: [...ids].reverse(), sequence: expect.any(BigInt) }]);

    // Third start: restored from that snapshot, nothing to replay; it announces the rollbacks.
    const third = await restart(dataDir, 3_000);
    expect(third.report).toMatchObject({ snapshotSequence: 6n, replayed: 0, rolledBackReservations: 0, lastSequence: 7n });
    expect(third.announced).toEqual([rolledBack(ids)]);
    // Its own `served` (record 7) says they were: the snapshot it takes now carries none.
    expect(third.state.snapshot().unannounced).toBeUndefined();
    await third.state.journal.close();

    // A fourth start replays that `served` and announces nothing again.
    const fourth = await restart(dataDir, 4_000);
    expect(fourth.report).toMatchObject({ snapshotSequence: 6n, replayed: 1, rolledBackReservations: 0, lastSequence: 8n });
    expect(fourth.announced).toEqual([]);
    await fourth.state.journal.close();
    expect(failedSnapshots()).toEqual(["0"]);
  });

  it("rollbacks an earlier start never announced are carried by a later start's snapshot until a `served` is durable", async () => {
    const dataDir = tempDir();
    // The first start's snapshot (record 0) and the second's (record 5) both fail.
    const unblock = blockSnapshots(dataDir, 0n, 5n);
    const ids = await crashWithOpenReservations(dataDir, 1_000, 1);

    // Second start: its snapshot fails too; it rolls the reservation back (record 5) and dies
    // before `served` (record 6) is durable. No snapshot: the journal alone carries them.
    const second = await recoverThenLoseServed(dataDir, 2_000);
    expect(second.announced).toEqual([rolledBack(ids)]);
    expect(second.served).toBe(6n);
    unblock();
    expect(snapshotFiles(dataDir)).toEqual([]);
    expect(failedSnapshots()).toEqual(["0", "5"]);

    // Third start: replays the rollback without a `served` after it and announces it; it has
    // no channel of its own to close, so its snapshot is of record 5; it dies before `served`.
    const third = await recoverThenLoseServed(dataDir, 3_000);
    expect(third.announced).toEqual([rolledBack(ids)]);
    expect(third.served).toBe(6n);
    expect(snapshotFiles(dataDir)).toEqual(["snapshot-00000000000000000005.snap"]);
    expect(Buffer.from(encodePlain({ ...replayedUpTo(dataDir, 5n).snapshot(), sequence: 5n })).toString()).toBe(Buffer.from(readLatestSnapshot(dataDir)!.data).toString());

    // Fourth start: from the snapshot, nothing replayed; the second start's rollback is still
    // announced, since no `served` record ever followed it.
    const fourth = await restart(dataDir, 4_000);
    expect(fourth.report).toMatchObject({ snapshotSequence: 5n, replayed: 0, rolledBackReservations: 0, lastSequence: 6n });
    expect(fourth.announced).toEqual([rolledBack(ids)]);
    await fourth.state.journal.close();
    expect(failedSnapshots()).toEqual(["0", "5"]);
  });

  it("a snapshot written before the list existed still loads, with nothing to announce", async () => {
    const dataDir = tempDir();
    const unblock = blockSnapshots(dataDir, 0n);
    const ids = await crashWithOpenReservations(dataDir, 1_000, 1);
    unblock();
    await recoverThenLoseServed(dataDir, 2_000);
    const written = decodePlain(readLatestSnapshot(dataDir)!.data) as StateSnapshot;
    expect(written.unannounced).toEqual([{ accountId, reservationIds: ids, sequence: expect.any(BigInt) }]);
    // The same snapshot as a version without the field wrote it.
    const { unannounced: _dropped, ...old } = written;
    const restored = buildState(durableConfig(tempDir()), new ManualClock(0));
    restored.restore(decodePlain(encodePlain(old)) as StateSnapshot);
    const announced: unknown[] = [];
    restored.events.subscribe((e) => announced.push(e.event));
    restored.resumeAfterReplay();
    expect(announced).toEqual([]);
    expect(Buffer.from(encodePlain({ ...restored.snapshot(), sequence: old.sequence })).toString()).toBe(Buffer.from(encodePlain(old)).toString());
    expect(failedSnapshots()).toEqual(["0"]);
  });
});
