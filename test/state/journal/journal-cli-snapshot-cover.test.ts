/**
 * Found by review: docs/durability.md says `journal status` / `inspect` on a corrupt journal
 * exit 1 with the same message as recovery. A bad last record the newest valid snapshot
 * covers is damage to recovery (it was durable: the start is refused), but the CLI read
 * without the snapshot's cover, called it a torn tail and exited 0.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, expect, it } from "vitest";
import { FileJournal } from "../../../src/state/journal/file-journal.js";
import { readJournal } from "../../../src/state/journal/journal-reader.js";
import { runJournalCli } from "../../../src/state/journal/journal-cli.js";
import { writeSnapshot } from "../../../src/state/journal/snapshot-files.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

it("journal status and inspect agree with recovery on a damaged record the snapshot covers", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "openpit-cli-status-"));
  dirs.push(dir);
  const j = FileJournal.open({ dataDir: dir, mode: "sync", segmentBytes: 1 << 16 });
  for (let i = 1; i <= 10; i++) j.append(Buffer.from(`record ${i}`));
  await j.flush();
  await j.close();
  await writeSnapshot(dir, 10n, Buffer.from("state")); // covers records 1..10

  // Damage the last record's payload.
  const offsets: number[] = [];
  readJournal(dir, { onRecord: (_r, _f, offset) => offsets.push(offset) });
  const seg = path.join(dir, "journal-00000000000000000001.seg");
  const buf = fs.readFileSync(seg);
  const at = offsets[9]! + 16;
  buf[at] = buf[at]! ^ 0xff;
  fs.writeFileSync(seg, buf);

  // Recovery's read (recovery.ts): refuses.
  let recovery: string | undefined;
  try {
    readJournal(dir, { fromSequence: 11n, durableThrough: 10n });
  } catch (e) {
    recovery = (e as Error).message;
  }
  expect(recovery).toMatch(/record 10 fails its CRC check; snapshot-00000000000000000010.snap covers records up to 10, which were durable before it was written: damage, not a torn tail$/);

  for (const command of ["status", "inspect"]) {
    let err = "";
    const code = runJournalCli([command, dir], { out: () => undefined, err: (t) => (err += t) });
    expect({ command, code, err: err.trim() }).toEqual({ command, code: 1, err: recovery });
  }
});
