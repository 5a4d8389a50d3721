/**
 * Found by review: cutJournal copied the damaged segment's tail aside with ONE fs.writeSync and never
 * checked how many bytes it wrote. A full disk (or RLIMIT_FSIZE, whose SIGXFSZ Node ignores)
 * makes write(2) return short without an error: the copy is fsynced short, the manifest and
 * the report claim every byte, and step 3 then zeroes the original bytes. The cut records are
 * gone, though the tool promises "Nothing is deleted". (snapshot-files.ts's writeWhole exists
 * for exactly this reason.)
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it, vi } from "vitest";

const shortWrites = vi.hoisted(() => ({ on: false }));
vi.mock("node:fs", async (importOriginal) => {
  const real = await importOriginal<typeof import("node:fs")>();
  const writeSync = (...args: unknown[]): number => {
    const [fd, buffer, offset, length, position] = args as [number, Uint8Array, number, number, number];
    // A disk that fills up part-way: a large write goes through only half-way, no error.
    if (shortWrites.on && buffer instanceof Uint8Array && typeof length === "number" && length > 4096) {
      return real.writeSync(fd, buffer, offset, length >> 1, position);
    }
    return (real.writeSync as (...a: unknown[]) => number)(...args);
  };
  return { ...real, default: { ...real, writeSync }, writeSync };
});

const { FileJournal, readJournal } = await import("../../../src/state/journal/index.js");
const { cutJournal } = await import("../../../src/state/journal/journal-cut.js");
const { SMALL_SEGMENT, corruption, flipByte, payloadFor, readAll, useTempDirs } = await import("./journal-test-helpers.js");

const tempDir = useTempDirs();
const FIRST = "journal-00000000000000000001.seg";

describe("review: journal cut keeps every byte it cuts", () => {
  it("a short write of the tail copy is not taken for a whole one", async () => {
    const dir = tempDir();
    const j = FileJournal.open({ dataDir: dir, mode: "sync", segmentBytes: SMALL_SEGMENT });
    for (let i = 0; i < 1000; i++) j.append(payloadFor(i));
    await j.close();
    const back = readAll(dir);
    const at = back.offsets[4]!.offset;
    flipByte(path.join(dir, FIRST), at + 20);
    corruption(() => readJournal(dir));
    const original = fs.readFileSync(path.join(dir, FIRST));

    shortWrites.on = true;
    let report: ReturnType<typeof cutJournal> | undefined;
    let threw: unknown;
    try {
      report = cutJournal(dir, 4n, new Date("2026-12-04T07:00:00.000Z"));
    } catch (e) {
      threw = e;
    } finally {
      shortWrites.on = false;
    }
    if (threw !== undefined) {
      // Refusing is fine, as long as the damaged segment still holds its bytes.
      expect(fs.readFileSync(path.join(dir, FIRST))).toEqual(original);
      return;
    }
    const tail = fs.readFileSync(path.join(report!.cutDir, `${FIRST}.from-${at}`));
    // Every byte the report says was moved is in the copy...
    expect(tail.length).toBe(report!.movedBytes);
    expect(tail).toEqual(original.subarray(at, at + report!.movedBytes));
  });
});
