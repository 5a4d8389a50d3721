/**
 * Found by review (session 29, fault injection), fixed: a short write of the 16-byte segment
 * header when a segment is created at start-up was not continued (createZeroedFileSync ignored
 * fs.writeSync's return value for `head`; every other write in the journal loops on short
 * writes). The header was left half written, the segment fdatasynced and renamed into place,
 * records appended after it and acknowledged, and the next start could not read them back.
 */
import * as fsReal from "node:fs";
import { expect, it, vi } from "vitest";

let shortHeader = false;
vi.mock("node:fs", async (importOriginal) => {
  const fs = await importOriginal<typeof import("node:fs")>();
  const temps = new Set<number>();
  const openSync = ((p: fsReal.PathLike, ...rest: unknown[]) => {
    const fd = (fs.openSync as (...a: unknown[]) => number)(p, ...rest);
    if (/journal-new-\d+\.seg\.tmp$/.test(String(p))) temps.add(fd);
    else temps.delete(fd);
    return fd;
  }) as typeof fs.openSync;
  const writeSync = ((fd: number, buf: Uint8Array, off: number, len: number, pos: number) => {
    if (shortHeader && temps.has(fd) && len === 16 && pos === 0) {
      shortHeader = false;
      // The kernel may return fewer bytes than asked without an error; write only half.
      return fs.writeSync(fd, buf, off, 8, pos);
    }
    return (fs.writeSync as (...a: unknown[]) => number)(fd, buf, off, len, pos);
  }) as typeof fs.writeSync;
  const patched = { ...fs, openSync, writeSync };
  return { ...patched, default: patched };
});

const { FileJournal } = await import("../../../src/state/journal/index.js");
const { readJournal } = await import("../../../src/state/journal/journal-reader.js");
const os = await import("node:os");
const path = await import("node:path");

it("acknowledged records behind a short-written segment header are recovered", async () => {
  const dir = fsReal.mkdtempSync(path.join(os.tmpdir(), "review-hdr-"));
  try {
    shortHeader = true;
    const j = FileJournal.open({ dataDir: dir, mode: "sync", segmentBytes: 64 * 1024, prepareAhead: false });
    const acked: bigint[] = [];
    for (const t of ["a", "b", "c"]) {
      const seq = j.append(Buffer.from(t));
      j.afterDurable(() => acked.push(seq));
    }
    await j.flush();
    await j.close();
    expect(acked).toEqual([1n, 2n, 3n]); // all three were acknowledged as durable
    expect(shortHeader).toBe(false); // the fault was injected

    // The next start reads the journal back: every acknowledged record must be there.
    const seqs: bigint[] = [];
    let error: unknown;
    try {
      readJournal(dir, { fromSequence: 1n, onRecord: (r) => seqs.push(r.seq) });
    } catch (e) {
      error = e;
    }
    expect(error).toBeUndefined();
    expect(seqs).toEqual([1n, 2n, 3n]);
  } finally {
    fsReal.rmSync(dir, { recursive: true, force: true });
  }
});
