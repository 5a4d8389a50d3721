// The journal CLI run as the operator runs it (a child process through tsx): JSON lines for
// inspect, a JSON summary for status, exit 1 on corruption and 2 on usage errors.
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { FileJournal, writeSnapshot } from "../../../src/state/journal/index.js";
import { runJournalCli } from "../../../src/state/journal/journal-cli.js";
import { flipByte, readAll, useTempDirs } from "./journal-test-helpers.js";

const tempDir = useTempDirs();
const CLI = fileURLToPath(new URL("../../../src/state/journal/journal-cli.ts", import.meta.url));
const REPO = fileURLToPath(new URL("../../../", import.meta.url));

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, ["--import", "tsx", CLI, ...args], { cwd: REPO, encoding: "utf8" });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

async function smallJournal(): Promise<string> {
  const dir = tempDir();
  const j = FileJournal.open({ dataDir: dir, mode: "sync", segmentBytes: 4096 });
  j.append(Buffer.from(JSON.stringify({ command: "execute", qty: "10" })));
  j.append(Buffer.from([0xff, 0x00, 0x10]));
  j.append(Buffer.from([0x80]));
  for (let i = 0; i < 200; i++) j.append(Buffer.from(JSON.stringify({ i })));
  await j.close();
  await writeSnapshot(dir, 100n, Buffer.from("state"));
  return dir;
}

describe("journal-cli", () => {
  it("inspect prints one JSON line per record and a summary on stderr", async () => {
    const dir = await smallJournal();
    const r = cli("inspect", dir);
    expect(r.code).toBe(0);
    const lines = r.out.trimEnd().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(203);
    expect(lines[0]).toEqual({
      seq: "1",
      file: "journal-00000000000000000001.seg",
      offset: 16,
      bytes: JSON.stringify({ command: "execute", qty: "10" }).length,
      payload: { command: "execute", qty: "10" },
    });
    expect(lines[1]).toMatchObject({ seq: "2", bytes: 3, payload: "base64:/wAQ" });
    expect(lines[2]).toMatchObject({ seq: "3", bytes: 1, payload: "base64:gA==" });
    // Offsets and files agree with the library's reader.
    const back = readAll(dir);
    expect(lines.map((l) => [l.file, l.offset])).toEqual(back.offsets.map((o) => [o.file, o.offset]));
    const summary = JSON.parse(r.err) as Record<string, unknown>;
    expect(summary).toMatchObject({ records: 203, lastSequence: "203", snapshots: 1, tornTail: null });
    expect(summary.segments).toBeGreaterThan(1);
  });

  it("inspect honours --from and --limit", async () => {
    const dir = await smallJournal();
    const r = cli("inspect", dir, "--from", "150", "--limit", "3");
    expect(r.code).toBe(0);
    expect(r.out.trimEnd().split("\n").map((l) => (JSON.parse(l) as { seq: string }).seq)).toEqual(["150", "151", "152"]);
  });

  it("status prints segments, last sequence and snapshots", async () => {
    const dir = await smallJournal();
    const r = cli("status", dir);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.out) as { segments: { file: string; firstSequence: string }[]; lastSequence: string; snapshots: unknown[] };
    expect(s.lastSequence).toBe("203");
    expect(s.segments[0]).toMatchObject({ file: "journal-00000000000000000001.seg", firstSequence: "1" });
    expect(s.snapshots).toEqual([{ file: "snapshot-00000000000000000100.snap", seq: "100", bytes: 37, valid: true }]);
  });

  it("exits 1 with the corruption on stderr", async () => {
    const dir = await smallJournal();
    const rec2 = readAll(dir).offsets[1]!;
    flipByte(path.join(dir, rec2.file), rec2.offset + 17);
    for (const command of ["inspect", "status"]) {
      const r = cli(command, dir);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(`journal corrupt: journal-00000000000000000001.seg offset ${rec2.offset}: record 2 fails its CRC check`);
    }
  });

  it("exits 2 with usage on bad arguments", () => {
    const r = cli("frobnicate", "/tmp");
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/usage: journal-cli inspect DIR/);
    // The other bad forms in process: the same function the script runs.
    for (const args of [[], ["inspect"], ["inspect", "/tmp", "--from", "x"], ["inspect", "/tmp", "--limit"], ["status", "/tmp", "--limit", "1"]]) {
      let err = "";
      expect(runJournalCli(args, { out: () => undefined, err: (t) => (err += t) })).toBe(2);
      expect(err).toMatch(/usage: journal-cli inspect DIR/);
    }
  });
});
