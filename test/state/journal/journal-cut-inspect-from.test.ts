/**
 * Found by review (session 29, of this session's own fixes), fixed.
 * Probe (review of 426fe49d): `journal-cli inspect` on a cut directory lists the records in the
 * cut's tail file, filtered by `--from` (journal-cli.ts passes `args.from` as `tailFrom`), and
 * the usage says "--from skips records below SEQ". But the same --from is also handed to
 * readJournal over the moved segments as `fromSequence`, and readJournal refuses a start below
 * its first segment: any --from that falls in the tail file (the records an operator must
 * reconcile) fails the whole command (exit 1, "records 10..313 are missing"), and the tail
 * lines already collected are never written (they sat in `chunk`).
 * Observed: {code: 1, count: 0, err: "journal corrupt: ... records 10..313 are missing"}.
 */
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { FileJournal, readJournal } from "../../../src/state/journal/index.js";
import { runJournalCli } from "../../../src/state/journal/journal-cli.js";
import { SMALL_SEGMENT, corruption, flipByte, payloadFor, readAll, useTempDirs } from "./journal-test-helpers.js";

const tempDir = useTempDirs();
const FIRST = "journal-00000000000000000001.seg";
const NOW = new Date("2026-12-04T07:00:00.000Z");

const cliRun = (...args: string[]) => {
  let out = "";
  let err = "";
  const code = runJournalCli(args, { out: (t) => (out += t), err: (t) => (err += t) }, () => NOW);
  return { code, out, err };
};

describe("inspect a cut directory with --from inside its tail file", () => {
  it("lists the tail's records from SEQ on, then the moved segments'", async () => {
    const dir = tempDir();
    const j = FileJournal.open({ dataDir: dir, mode: "sync", segmentBytes: SMALL_SEGMENT });
    for (let i = 0; i < 1000; i++) j.append(payloadFor(i));
    await j.close();
    const back = readAll(dir);
    const segments = back.result.segments;
    expect(segments.length).toBeGreaterThanOrEqual(3);
    flipByte(path.join(dir, FIRST), back.offsets[4]!.offset + 20);
    corruption(() => readJournal(dir));
    expect(cliRun("cut", dir, "--after", "4").code).toBe(0);
    const cutDir = path.join(dir, "cut-5-20261204T070000Z");
    const whole = cliRun("inspect", cutDir);
    expect(whole.code).toBe(0);

    const r = cliRun("inspect", cutDir, "--from", "10");
    const seqs = r.out.trim() === "" ? [] : r.out.trim().split("\n").map((l) => (JSON.parse(l) as { seq: string }).seq);
    // Expected: exit 0, records 10..1000 (the tail's from 10, then every moved segment's).
    expect({ code: r.code, first: seqs[0], count: seqs.length, err: r.code === 0 ? "" : r.err }).toEqual({ code: 0, first: "10", count: 991, err: "" });
  });
});
