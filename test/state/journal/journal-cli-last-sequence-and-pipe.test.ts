/**
 * Found by review (session 42), in the operator's journal tools:
 * - `status` (and inspect's summary) named the segments' last record as the journal's last,
 *   below the newest valid snapshot's, where recovery resumes and `cut` reports: an operator
 *   read records a snapshot holds as lost.
 * - A corrupt journal piped to `head` exited 0 (the closed pipe's early exit won over the
 *   read's exit 1), in both `npm run journal` and `openpit journal`; a pipefail script saw it
 *   healthy.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { FileJournal, writeSnapshot } from "../../../src/state/journal/index.js";
import { runJournalCli } from "../../../src/state/journal/journal-cli.js";
import { readJournal } from "../../../src/state/journal/journal-reader.js";
import { useTempDirs } from "./journal-test-helpers.js";

const tempDir = useTempDirs();
const REPO = fileURLToPath(new URL("../../../", import.meta.url));
const NOW = new Date("2026-12-04T07:00:00.000Z");
const run = (...args: string[]) => {
  let out = "";
  let err = "";
  const code = runJournalCli(args, { out: (t) => (out += t), err: (t) => (err += t) }, () => NOW);
  return { code, out, err };
};

async function journal(records: number, segmentBytes = 4096): Promise<string> {
  const dir = tempDir();
  const j = FileJournal.open({ dataDir: dir, mode: "sync", segmentBytes });
  for (let i = 1; i <= records; i++) j.append(Buffer.from(JSON.stringify({ i, text: "x".repeat(50) })));
  await j.close();
  return dir;
}

/** Flips a byte of record `seq`'s payload: its CRC fails. */
function damage(dir: string, seq: number): void {
  const at: { file: string; offset: number }[] = [];
  readJournal(dir, { onRecord: (r, file, offset) => void (r.seq === BigInt(seq) && at.push({ file, offset })) });
  const fd = fs.openSync(path.join(dir, at[0]!.file), "r+");
  fs.writeSync(fd, Buffer.from([0xee]), 0, 1, at[0]!.offset + 20);
  fs.closeSync(fd);
}

describe("journal status's last sequence", () => {
  it("is the newest valid snapshot's when that covers more than the segments, as recovery counts it", async () => {
    const ahead = await journal(250);
    await writeSnapshot(ahead, 300n, Buffer.from("state"));
    expect(JSON.parse(run("status", ahead).out).lastSequence).toBe("300");

    const inspected = run("inspect", ahead, "--limit", "0");
    expect(inspected.code).toBe(0);
    expect(JSON.parse(inspected.err).lastSequence).toBe("300");
  });

  it("is the segments' last when no snapshot covers more", async () => {
    const dir = await journal(250);
    await writeSnapshot(dir, 100n, Buffer.from("state"));
    expect(JSON.parse(run("status", dir).out).lastSequence).toBe("250");
  });
});

describe("a corrupt journal piped to head", () => {
  it("still exits 1, in npm run journal and in openpit journal; a healthy one exits 0", async () => {
    const corrupt = await journal(20_000, 1 << 20);
    damage(corrupt, 15_001);
    const healthy = await journal(20_000, 1 << 20);
    const exits = (dir: string) =>
      [`node --import tsx src/state/journal/journal-cli.ts inspect ${dir}`, `node bin/openpit.js journal inspect ${dir}`].map((command) => {
        const r = spawnSync("bash", ["-c", `${command} | head -1 >/dev/null; echo "rc=\${PIPESTATUS[0]}"`], { cwd: REPO, encoding: "utf8" });
        return r.stdout.trim();
      });
    expect(exits(corrupt)).toEqual(["rc=1", "rc=1"]);
    expect(exits(healthy)).toEqual(["rc=0", "rc=0"]);
  }, 120_000);
});
