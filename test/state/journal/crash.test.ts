// A writer killed with SIGKILL mid-stream: every acknowledged record reads back, the journal
// reopens where the data ends, and appending continues with the next sequence.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { FileJournal, readJournal } from "../../../src/state/journal/index.js";
import { range, readAll, useTempDirs } from "./journal-test-helpers.js";

const tempDir = useTempDirs();
const WRITER = fileURLToPath(new URL("./fixtures/crash-writer.ts", import.meta.url));
const REPO = fileURLToPath(new URL("../../../", import.meta.url));

/** Runs the writer until it has acknowledged `acks` records, kills it, returns the highest acknowledged seq. */
function runAndKill(dir: string, acks: number): Promise<bigint> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", WRITER, dir], { cwd: REPO, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    let highest = 0n;
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      const lines = out.split("\n");
      out = lines.pop()!;
      for (const l of lines) highest = BigInt(l);
      if (highest >= BigInt(acks)) child.kill("SIGKILL");
    });
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      if (signal === "SIGKILL") resolve(highest);
      else reject(new Error(`writer exited with ${code}: ${err}`));
    });
  });
}

describe("crash of the writing process", () => {
  it("keeps every acknowledged record and continues after a restart", async () => {
    const dir = tempDir();
    const acked = await runAndKill(dir, 1000);
    const back = readAll(dir);
    expect(back.result.lastSequence).toBeGreaterThanOrEqual(acked);
    expect(back.seqs).toEqual(range(1, Number(back.result.lastSequence)));
    expect(back.result.segments.length).toBeGreaterThan(10);

    const j = FileJournal.open({ dataDir: dir, mode: "sync", segmentBytes: 8192, end: back.result.end });
    expect(j.append(Buffer.from("after restart"))).toBe(back.result.lastSequence + 1n);
    await j.close();
    expect(readJournal(dir).lastSequence).toBe(back.result.lastSequence + 1n);
  });
});
