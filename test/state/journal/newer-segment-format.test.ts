/**
 * A segment with this journal's header in a format version this build does not read (a
 * newer build's) is refused, never taken for damage: neither zero-filled as a torn tail at
 * the next start (found by review: it was, losing every record the newer build wrote in it)
 * nor set aside by `journal cut`.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { FileJournal, readJournal } from "../../../src/state/journal/index.js";
import { JournalCorruptionError, JournalFormatError } from "../../../src/state/journal/journal-corruption-error.js";
import { cutJournal, JournalCutRefusedError } from "../../../src/state/journal/journal-cut.js";
import { listSegments } from "../../../src/state/journal/journal-files.js";
import { durableConfig, holdAccounts, startRefusal, startState } from "../durable-state.js";
import { payloadFor, useTempDirs } from "./journal-test-helpers.js";

const tempDir = useTempDirs();

/** Rewrites `file` as a "version 3" segment: the same header but version 3, and frames whose checksums follow other rules (none checks out here). */
function asVersion3(file: string): Buffer {
  const buf = fs.readFileSync(file);
  buf.writeUInt32LE(3, 4);
  for (let p = 16; p + 16 <= buf.length; ) {
    const len = buf.readUInt32LE(p) & 0x7fffffff;
    if (len === 0) break;
    buf.writeUInt32LE(~buf.readUInt32LE(p + 4) >>> 0, p + 4);
    p += 16 + len;
  }
  fs.writeFileSync(file, buf);
  return Buffer.from(buf);
}

const reason = (file: string) =>
  `journal unreadable by this build: ${file}: segment format version 3 is not one this build reads (1, 2): a newer build wrote it; ` +
  `start that build, or restore the backup taken before it`;

describe("a segment of a newer format", () => {
  it("as the newest segment: the start is refused naming the version, and the segment is left as it was", async () => {
    const dataDir = tempDir();
    const config = durableConfig(dataDir);
    const { state } = await startState(config);
    holdAccounts(state, 0, 80);
    await state.journal.close();
    fs.rmSync(path.join(dataDir, "LOCK"), { force: true });
    const segments = listSegments(dataDir);
    expect(segments.length).toBeGreaterThan(1);
    const newest = segments[segments.length - 1]!.file;
    const before = asVersion3(path.join(dataDir, newest));

    const refusal = await startRefusal(startState(config, 2_000));
    expect(refusal.message).toContain(reason(newest));
    expect(fs.readFileSync(path.join(dataDir, newest)).equals(before)).toBe(true);
  });

  it("anywhere: the reader throws JournalFormatError, and journal cut refuses with nothing changed", async () => {
    const dir = tempDir();
    const j = FileJournal.open({ dataDir: dir, mode: "sync", segmentBytes: 4096 });
    for (let i = 0; i < 60; i++) j.append(payloadFor(i));
    await j.close();
    const segments = listSegments(dir);
    expect(segments.length).toBeGreaterThan(2);
    const middle = segments[1]!.file;
    const before = asVersion3(path.join(dir, middle));

    const read = (() => {
      try {
        readJournal(dir);
        return undefined;
      } catch (e) {
        return e;
      }
    })();
    expect(read).toBeInstanceOf(JournalFormatError);
    expect((read as Error).message).toBe(reason(middle));
    const listing = fs.readdirSync(dir).sort();
    const keep = segments[1]!.firstSequence - 1n; // the record before the segment, as a cut of damage there would name
    expect(() => cutJournal(dir, keep, new Date(0))).toThrow(JournalCutRefusedError);
    expect(() => cutJournal(dir, keep, new Date(0))).toThrow(`${reason(middle)}; that is not damage, so nothing is cut`);
    expect(fs.readdirSync(dir).sort()).toEqual(listing);
    expect(fs.readFileSync(path.join(dir, middle)).equals(before)).toBe(true);
  });

  it("a version field no build writes (0, or past 255) is damage, as before, not a newer build's", async () => {
    for (const version of [0, 256, 0xdeadbeef]) {
      const dir = tempDir();
      const j = FileJournal.open({ dataDir: dir, mode: "sync", segmentBytes: 4096 });
      for (let i = 0; i < 5; i++) j.append(payloadFor(i));
      await j.close();
      const first = path.join(dir, listSegments(dir)[0]!.file);
      const buf = fs.readFileSync(first);
      buf.writeUInt32LE(version, 4);
      fs.writeFileSync(first, buf);
      const read = (() => {
        try {
          return readJournal(dir);
        } catch (e) {
          return e;
        }
      })();
      // Damage with intact records behind it: refused as damage, which journal cut can set aside.
      expect(read).toBeInstanceOf(JournalCorruptionError);
      expect(read).not.toBeInstanceOf(JournalFormatError);
      expect((read as Error).message).toContain("segment header is not a header for first record 1; records after it exist");
    }
  });
});
