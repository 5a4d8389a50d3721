// Written by review (session 18) to pin the writer's promises; the code passed it as it was.
// A snapshot is written only once every record it covers is durable, and pruning only goes by
// a snapshot that was written whole (file + directory fsync). Probes with a failing journal
// and a failing sink.
import * as fs from "node:fs";
import { describe, expect, it } from "vitest";
import { FileJournal, JournalFailedError } from "../../src/state/journal/index.js";
import { listSegments } from "../../src/state/journal/journal-files.js";
import type { SidecarState } from "../../src/state/sidecar-state.js";
import { SnapshotSchedule } from "../../src/state/snapshot-schedule.js";
import { nextTurn, useTempDirs } from "./journal/journal-test-helpers.js";

const tempDir = useTempDirs();

function fakeState(journal: FileJournal): SidecarState {
  return { snapshot: () => ({ sequence: journal.lastSequence }), onCommand: undefined } as unknown as SidecarState;
}

describe("snapshot schedule against the file journal", () => {
  it("a journal that fails while the snapshot waits for its flush: no snapshot is written, nothing is pruned", async () => {
    const dir = tempDir();
    let failNext = false;
    const j = FileJournal.open({
      dataDir: dir,
      mode: "sync",
      segmentBytes: 4096,
      prepareAhead: false,
      onFatal: () => undefined,
      io: { fdatasync: (fd, cb) => (failNext ? setImmediate(() => cb(Object.assign(new Error("EIO"), { code: "EIO" }))) : fs.fdatasync(fd, cb)) },
    });
    const puts: bigint[] = [];
    const prunes: bigint[] = [];
    const schedule = new SnapshotSchedule(fakeState(j), j, {
      dataDir: dir,
      snapshotEveryRecords: 0,
      snapshotEverySeconds: 0,
      sink: { begin: (s) => async () => void puts.push(s), prune: async (p) => void prunes.push(p) },
    });
    for (let i = 0; i < 100; i++) j.append(Buffer.alloc(100, i));
    await j.flush();
    expect(await schedule.take()).toBe(100n);
    expect(puts).toEqual([100n]);
    failNext = true;
    j.append(Buffer.from("not durable"));
    await schedule.take(); // state read mid-batch: record 101 still in the open batch
    expect(puts).toEqual([100n]);
    expect(prunes).toEqual([0n]);
    expect(schedule.lastError).toMatch(/journal failed/);
    await expect(j.close()).rejects.toBeInstanceOf(JournalFailedError);
  });

  it("a snapshot whose write fails (after rename, at the directory fsync) does not prune", async () => {
    const dir = tempDir();
    const j = FileJournal.open({ dataDir: dir, mode: "sync", segmentBytes: 4096, prepareAhead: false });
    const prunes: bigint[] = [];
    let fail = false;
    const schedule = new SnapshotSchedule(fakeState(j), j, {
      dataDir: dir,
      snapshotEveryRecords: 0,
      snapshotEverySeconds: 0,
      sink: {
        begin: () => async () => {
          if (fail) throw new Error("EIO at directory fsync");
        },
        prune: async (p) => void prunes.push(p),
      },
    });
    for (let i = 0; i < 100; i++) j.append(Buffer.alloc(100, i));
    await schedule.take();
    for (let i = 0; i < 100; i++) j.append(Buffer.alloc(100, i));
    fail = true;
    await schedule.take();
    expect(prunes).toEqual([0n]);
    fail = false;
    for (let i = 0; i < 10; i++) j.append(Buffer.alloc(100, i));
    await schedule.take();
    // prunes by the last snapshot that was written whole (100), not by the failed one (200)
    expect(prunes).toEqual([0n, 100n]);
    expect(listSegments(dir).length).toBeGreaterThan(1);
    await nextTurn();
    await j.close();
  });
});
