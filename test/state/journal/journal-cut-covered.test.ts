/**
 * Found by review: damage the newest snapshot covers, with no record after the snapshot
 * behind it (a graceful shutdown's last snapshot covers the whole journal). Recovery refuses
 * the damage (the snapshot covers it: it was durable); `journal cut` refused it too, whenever
 * the snapshot was past the damage, though the cut drops nothing the snapshot does not hold:
 * the directory could neither start nor be repaired. The cut now keeps that snapshot, and
 * the sidecar starts from it.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, expect, it } from "vitest";
import { AccountId } from "../../../src/param/index.js";
import { cutJournal } from "../../../src/state/journal/journal-cut.js";
import { readJournal } from "../../../src/state/journal/journal-reader.js";
import { allHeld, durableConfig, heldReasons, holdAccounts, startState } from "../durable-state.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

it("journal cut: damage a snapshot covers with nothing after the snapshot is cut, the snapshot kept, and the sidecar starts", async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "openpit-cut-covered-"));
  dirs.push(dataDir);
  const config = durableConfig(dataDir, 1 << 20); // one segment
  const { state } = await startState(config);
  holdAccounts(state, 0, 40);
  await state.journal.flush();
  await state.snapshots!.take(); // a graceful shutdown's last snapshot: covers every record
  const last = state.journal.lastSequence;
  await state.journal.close();

  // Damage one record in the middle (its payload, so its CRC fails; valid records follow).
  const records: { seq: bigint; file: string; offset: number }[] = [];
  readJournal(dataDir, { onRecord: (r, file, offset) => records.push({ seq: r.seq, file, offset }) });
  const victim = records.find((r) => r.seq === 20n)!;
  const file = path.join(dataDir, victim.file);
  const buf = fs.readFileSync(file);
  buf[victim.offset + 20] = buf[victim.offset + 20]! ^ 0xff;
  fs.writeFileSync(file, buf);

  // Recovery refuses (documented: damage among the records the snapshot covers).
  await expect(startState(config)).rejects.toThrow(/record 20 fails its CRC check/);
  fs.rmSync(path.join(dataDir, "LOCK"), { force: true });

  // The documented way out: cut just before the damage. Nothing after the snapshot (at `last`) exists.
  let refusal: string | undefined;
  try {
    cutJournal(dataDir, 19n, new Date("2030-01-01T00:00:00Z"));
  } catch (e) {
    refusal = (e as Error).message;
  }
  expect(refusal, `snapshot covers up to ${last}, journal ends at ${last}`).toBeUndefined();
  expect(fs.readdirSync(dataDir).filter((f) => f.startsWith("snapshot")).length).toBeGreaterThan(0);

  const { state: back } = await startState(config);
  expect(heldReasons(back, 40)).toEqual(allHeld(40));
  // The journal resumes after the snapshot: the start's `served` record, then this one.
  back.admin({ kind: "unblockAccount", accountId: AccountId.fromU64(1000) });
  await back.journal.flush();
  expect(back.journal.lastSequence).toBe(last + 2n);
  await back.journal.close();
});
