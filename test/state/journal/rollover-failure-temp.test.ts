/**
 * A rollover whose new segment fails half made (the disk filled while it was being
 * zero-filled) leaves no temporary file behind, and the next rollover, once there is room,
 * works. Each failed attempt used to leave its partial file, taking what space had come
 * free (found by review).
 */
import * as fsReal from "node:fs";
import { afterEach, expect, it, vi } from "vitest";

/** While set, zero-filling a temporary segment fails with ENOSPC after its first write. */
let diskFull = false;
vi.mock("node:fs", async (importOriginal) => {
  const fs = await importOriginal<typeof import("node:fs")>();
  const temps = new Set<number>();
  const openSync = ((p: fsReal.PathLike, ...rest: unknown[]) => {
    const fd = (fs.openSync as (...a: unknown[]) => number)(p, ...rest);
    if (String(p).endsWith(".seg.tmp")) temps.add(fd);
    else temps.delete(fd);
    return fd;
  }) as typeof fs.openSync;
  let writes = 0;
  const writeSync = ((fd: number, ...rest: unknown[]) => {
    if (diskFull && temps.has(fd) && writes++ > 0) throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
    return (fs.writeSync as (...a: unknown[]) => number)(fd, ...rest);
  }) as typeof fs.writeSync;
  const patched = { ...fs, openSync, writeSync };
  return { ...patched, default: patched };
});

const { FileJournal } = await import("../../../src/state/journal/index.js");
const { readAll, useTempDirs } = await import("./journal-test-helpers.js");

const tempDir = useTempDirs();
afterEach(() => {
  diskFull = false;
});

it("a new segment that fails half made is removed, and the next rollover works", async () => {
  const dir = tempDir();
  // 2 MiB segments: zero-filling one takes two writes of the 1 MiB zero buffer.
  const j = FileJournal.open({ dataDir: dir, mode: "sync", segmentBytes: 2 * 1024 * 1024, prepareAhead: false });
  const big = Buffer.alloc(1024 * 1024, 0x61);
  j.append(big);
  await j.flush();
  diskFull = true;
  for (let attempt = 0; attempt < 3; attempt++) expect(() => j.append(big)).toThrow(/ENOSPC/);
  expect(fsReal.readdirSync(dir).filter((n) => n.endsWith(".tmp"))).toEqual([]);
  diskFull = false;
  const seq = j.append(big);
  await j.flush();
  await j.close();
  expect(seq).toBe(2n);
  expect(readAll(dir).seqs).toEqual([1n, 2n]);
});
