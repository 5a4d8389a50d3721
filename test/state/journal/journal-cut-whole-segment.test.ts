/**
 * Damage at a segment's start (its header) moves the whole segment aside. Found by review
 * (session 42): it moved under its own name, so `journal inspect` of the cut directory read it
 * as a segment, stopped at the same header and listed none of the records behind the damage,
 * which an operator must compare with the venues. It moves as the tail, `FILE.from-0`.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { expect, it } from "vitest";
import { FileJournal } from "../../../src/state/journal/index.js";
import { CUT_MANIFEST, cutJournal } from "../../../src/state/journal/journal-cut.js";
import { listSegments } from "../../../src/state/journal/journal-files.js";
import { runJournalCli } from "../../../src/state/journal/journal-cli.js";
import { useTempDirs } from "./journal-test-helpers.js";

const tempDir = useTempDirs();

it("a segment whose header is damaged moves as the cut's tail: inspect of the cut directory lists every record behind it", async () => {
  const dir = tempDir();
  const j = FileJournal.open({ dataDir: dir, mode: "sync", segmentBytes: 4096 });
  for (let i = 1; i <= 300; i++) j.append(Buffer.from(JSON.stringify({ i, text: "x".repeat(20) })));
  await j.close();
  const segments = listSegments(dir);
  expect(segments.length).toBeGreaterThan(3);
  const damaged = segments[1]!;
  const fd = fs.openSync(path.join(dir, damaged.file), "r+");
  fs.writeSync(fd, Buffer.from([0x00, 0x00]), 0, 2, 0); // the header's magic
  fs.closeSync(fd);

  const report = cutJournal(dir, damaged.firstSequence - 1n, new Date("2026-12-07T11:00:00Z"));
  expect(report).toMatchObject({ file: damaged.file, offset: 0, keptThrough: damaged.firstSequence - 1n, movedFiles: segments.slice(2).map((s) => s.file) });
  const cutDir = report.cutDir;
  expect(fs.readdirSync(cutDir).sort()).toEqual([CUT_MANIFEST, `${damaged.file}.from-0`, ...segments.slice(2).map((s) => s.file)].sort());
  const manifest = JSON.parse(fs.readFileSync(path.join(cutDir, CUT_MANIFEST), "utf8")) as { tail: { file: string }; undo: string };
  expect(manifest.tail.file).toBe(`${damaged.file}.from-0`);
  expect(manifest.undo).toContain(`mv ${damaged.file}.from-0 ../${damaged.file}`);

  let out = "";
  let err = "";
  const code = runJournalCli(["inspect", cutDir], { out: (t) => (out += t), err: (t) => (err += t) });
  expect({ code, err: err.split("\n")[0] && JSON.parse(err.split("\n")[0]!).records }).toEqual({ code: 0, err: 300 - Number(damaged.firstSequence - 1n) });
  const seqs = out.trim().split("\n").map((l) => Number((JSON.parse(l) as { seq: string }).seq));
  // Records behind the damaged header: all of them check out (only the magic was hit).
  expect(seqs).toEqual(Array.from({ length: 300 - Number(damaged.firstSequence) + 1 }, (_, k) => Number(damaged.firstSequence) + k));
});
