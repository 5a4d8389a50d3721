/**
 * A hole (zeros to a sector boundary where a record should start) among records a snapshot
 * covers is damage, not a crash: the snapshot was written only after those records were
 * durable. Recovery refuses it and leaves the files as they are. Taken for a torn tail, it
 * cut the journal below the snapshot, and opening for append then zero-filled the
 * acknowledged records written after the snapshot (found by review of the hole rule).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { expect, it } from "vitest";
import { buildState } from "../../src/app/build-sidecar.js";
import { ManualClock } from "../../src/engine/index.js";
import { readJournal } from "../../src/state/journal/journal-reader.js";
import { recoverState } from "../../src/state/recovery.js";
import { durableConfig, holdAccounts, startState } from "../state/durable-state.js";
import { useTempDirs } from "../state/journal/journal-test-helpers.js";

const tempDir = useTempDirs();

it("a hole below the restored snapshot is refused as corruption, and the acknowledged records after the snapshot stay on disk", async () => {
  const dataDir = tempDir();
  const config = durableConfig(dataDir, 1 << 20);
  const { state } = await startState(config);
  holdAccounts(state, 0);
  await state.journal.flush();
  const snapshotAt = (await state.snapshots!.take()) as bigint;
  holdAccounts(state, 40);
  await state.journal.flush(); // durable and acknowledged
  await state.journal.close();

  // Damage: zeros from the start of a record the snapshot covers to the next sector boundary.
  const records: { file: string; offset: number; seq: bigint }[] = [];
  readJournal(dataDir, { onRecord: (r, file, offset) => records.push({ file, offset, seq: r.seq }) });
  const victim = records.find((r) => r.seq < snapshotAt && 512 - (r.offset % 512) >= 16)!;
  const file = path.join(dataDir, victim.file);
  const bytes = fs.readFileSync(file);
  const to = Math.ceil((victim.offset + 1) / 512) * 512;
  bytes.fill(0, victim.offset, to);
  fs.writeFileSync(file, bytes);

  const again = buildState(config, new ManualClock(2_000));
  await expect(recoverState(again, config.durability)).rejects.toThrow(
    new RegExp(`^journal corrupt: ${victim.file} offset ${victim.offset}: non-zero bytes after the end of data \\(record ${victim.seq} would start here\\); records after it exist`),
  );
  // Nothing was truncated or zero-filled: the last acknowledged change is still on disk.
  expect(fs.readFileSync(file).equals(bytes)).toBe(true);
  expect(bytes.includes(Buffer.from("hold 79"))).toBe(true);
});
