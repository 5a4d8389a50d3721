// Snapshot files: atomic write, newest-valid read with fallback, and pruning of the segments and
// snapshots they supersede while the journal keeps appending.
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import {
  FileJournal,
  JournalCorruptionError,
  listSnapshots,
  pruneAfterSnapshot,
  readJournal,
  readLatestSnapshot,
  writeSnapshot,
} from "../../../src/state/journal/index.js";
import { SMALL_SEGMENT, flipByte, payloadFor, range, readAll, useTempDirs } from "./journal-test-helpers.js";

const tempDir = useTempDirs();
const snap = (seq: number) => `snapshot-${String(seq).padStart(20, "0")}.snap`;

describe("snapshot files", () => {
  it("writes atomically and reads back the newest", async () => {
    const dir = path.join(tempDir(), "nested", "data"); // created on demand
    expect(readLatestSnapshot(dir)).toBeUndefined();
    await writeSnapshot(dir, 10n, Buffer.from("state at 10"));
    const written = await writeSnapshot(dir, 25n, Buffer.from("state at 25"));
    expect(written).toEqual({ file: snap(25), seq: 25n, bytes: 32 + 11 });
    await writeSnapshot(dir, 7n, new Uint8Array(0));
    expect(fs.readdirSync(dir).sort()).toEqual([snap(7), snap(10), snap(25)]);
    const latest = readLatestSnapshot(dir)!;
    expect(latest.seq).toBe(25n);
    expect(latest.file).toBe(snap(25));
    expect(Buffer.from(latest.data).toString()).toBe("state at 25");
    expect(latest.skipped).toEqual([]);
  });

  it("falls back to the next older snapshot when the newest fails its checks, and says why", async () => {
    const dir = tempDir();
    await writeSnapshot(dir, 10n, Buffer.from("ten"));
    await writeSnapshot(dir, 20n, Buffer.from("twenty"));
    await writeSnapshot(dir, 30n, Buffer.from("thirty"));
    flipByte(path.join(dir, snap(30)), 32 + 2); // data
    fs.truncateSync(path.join(dir, snap(20)), 40); // cut short
    fs.writeFileSync(path.join(dir, `${snap(40)}.tmp`), "half-written"); // a crash mid-write: ignored
    const latest = readLatestSnapshot(dir)!;
    expect(latest.seq).toBe(10n);
    expect(Buffer.from(latest.data).toString()).toBe("ten");
    expect(latest.skipped).toEqual([
      { file: snap(30), reason: "data fails its CRC check" },
      { file: snap(20), reason: "header says 6 data bytes, file holds 8" },
    ]);
    expect(listSnapshots(dir).map((s) => [s.seq, s.invalid === undefined])).toEqual([
      [30n, false],
      [20n, false],
      [10n, true],
    ]);
    // A snapshot renamed to another sequence is refused too.
    fs.renameSync(path.join(dir, snap(10)), path.join(dir, snap(11)));
    expect(readLatestSnapshot(dir)).toBeUndefined();
  });
});

describe("pruning after a snapshot", () => {
  it("deletes covered segments and old snapshots; the journal keeps appending; replay from the snapshot works", async () => {
    const dir = tempDir();
    const j = FileJournal.open({ dataDir: dir, mode: "sync", segmentBytes: SMALL_SEGMENT });
    for (let i = 0; i < 2000; i++) j.append(payloadFor(i));
    await j.flush();
    const before = readJournal(dir).segments;
    expect(before.length).toBeGreaterThanOrEqual(5);
    expect(j.status().segments).toBe(before.length);

    // Snapshot at a record in the middle of the fourth segment.
    const S = before[3]!.firstSequence + 5n;
    await writeSnapshot(dir, 100n, Buffer.from("old"));
    await writeSnapshot(dir, 200n, Buffer.from("older than newest"));
    await writeSnapshot(dir, S, Buffer.from("newest"));
    j.noteSnapshot(S);
    const pruned = await pruneAfterSnapshot(dir, S);
    expect(pruned.deletedSegments).toEqual(before.slice(0, 3).map((s) => s.file));
    expect(pruned.deletedSnapshots).toEqual([snap(100)]);
    expect(j.status()).toMatchObject({ segments: before.length - 3, lastSnapshotSequence: S });

    // A segment that ends exactly at the snapshot goes too: its successor starts at S + 1.
    const next = before[4]!.firstSequence;
    await writeSnapshot(dir, next - 1n, Buffer.from("at the segment boundary"));
    expect((await pruneAfterSnapshot(dir, next - 1n)).deletedSegments).toEqual([before[3]!.file]);

    for (let i = 2000; i < 3000; i++) j.append(payloadFor(i));
    await j.close();

    const replay = readAll(dir, { fromSequence: readLatestSnapshot(dir)!.seq + 1n });
    expect(replay.seqs).toEqual(range(Number(next), 3000));
    expect(replay.payloads[replay.payloads.length - 1]).toEqual(payloadFor(2999));
    // The records between the older snapshot and the boundary are gone: replaying from it is refused.
    expect(() => readJournal(dir, { fromSequence: S + 1n })).toThrow(JournalCorruptionError);
  });

  it("never deletes the newest segment and keeps the requested number of snapshots", async () => {
    const dir = tempDir();
    const j = FileJournal.open({ dataDir: dir, mode: "sync", segmentBytes: SMALL_SEGMENT });
    for (let i = 0; i < 20; i++) j.append(payloadFor(i));
    await j.close();
    for (const s of [5n, 10n, 15n, 20n]) await writeSnapshot(dir, s, Buffer.from(String(s)));
    fs.writeFileSync(path.join(dir, `${snap(3)}.tmp`), "stale");
    const r = await pruneAfterSnapshot(dir, 20n, 3);
    expect(r).toEqual({ deletedSegments: [], deletedSnapshots: [snap(5)] });
    expect(fs.readdirSync(dir).sort()).toEqual(["journal-00000000000000000001.seg", snap(10), snap(15), snap(20)]);
    // Nothing to replay past a snapshot at the journal's end; appends continue.
    expect(readAll(dir, { fromSequence: 21n }).seqs).toEqual([]);
    const j2 = FileJournal.open({ dataDir: dir, mode: "sync", segmentBytes: SMALL_SEGMENT });
    expect(j2.status().lastSnapshotSequence).toBe(20n);
    expect(j2.append(Buffer.from("21"))).toBe(21n);
    await j2.close();
  });
});
