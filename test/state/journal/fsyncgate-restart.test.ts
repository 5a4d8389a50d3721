/**
 * Found by review (session 29, fault injection), fixed: fsyncgate across a restart. Record 2's fdatasync fails with EIO: it is never
 * acknowledged and the process fails closed, as documented. On Linux a failed writeback
 * marks the page clean; the bytes stay readable from the page cache but may never reach the
 * disk, and a later fsync on a new descriptor reports success without writing them
 * (fsync(2), "data may have been lost"). The next start reads record 2 back from the page
 * cache, replays it, and reopenEnd (file-journal.ts) only calls fdatasync on a fresh fd before
 * counting it durable: it never re-wrote the bytes whose writeback failed. Now the newest
 * segment's records are written again (made dirty) before the restarted journal calls them
 * durable and builds acknowledged records on them.
 */
import * as fsReal from "node:fs";
import { expect, it, vi } from "vitest";

const writes: { fd: number; pos: number; len: number }[] = [];
vi.mock("node:fs", async (importOriginal) => {
  const fs = await importOriginal<typeof import("node:fs")>();
  const writeSync = ((fd: number, buf: Uint8Array, off: number, len: number, pos: number) => {
    writes.push({ fd, pos, len });
    return (fs.writeSync as (...a: unknown[]) => number)(fd, buf, off, len, pos);
  }) as typeof fs.writeSync;
  const patched = { ...fs, writeSync };
  return { ...patched, default: patched };
});

const { FileJournal } = await import("../../../src/state/journal/index.js");
const { readJournal } = await import("../../../src/state/journal/journal-reader.js");
const os = await import("node:os");
const path = await import("node:path");

it("a record whose fdatasync failed is not counted durable after a restart without being rewritten", async () => {
  const dir = fsReal.mkdtempSync(path.join(os.tmpdir(), "review-fsyncgate-"));
  try {
    let failNext = false;
    const fatal: Error[] = [];
    const j = FileJournal.open({
      dataDir: dir,
      mode: "sync",
      segmentBytes: 64 * 1024,
      prepareAhead: false,
      onFatal: (e) => fatal.push(e),
      io: {
        fdatasync: (fd, cb) => {
          if (failNext) return setImmediate(() => cb(Object.assign(new Error("EIO: injected"), { code: "EIO" })));
          fsReal.fdatasync(fd, cb);
        },
      },
    });
    const acked: bigint[] = [];
    const s1 = j.append(Buffer.from("one"));
    j.afterDurable(() => acked.push(s1));
    await j.flush();
    failNext = true;
    const s2 = j.append(Buffer.from("two"));
    j.afterDurable(() => acked.push(s2));
    await j.flush().catch(() => undefined);
    expect(acked).toEqual([1n]); // record 2 was never acknowledged
    expect(fatal).toHaveLength(1);
    await j.close().catch(() => undefined);

    // Restart (the supervisor restarts the process after exit 74).
    const read = readJournal(dir, { fromSequence: 1n });
    expect(read.lastSequence).toBe(2n); // record 2 is read back (page cache) and would be replayed
    const r2 = read.end!.offset - (16 + 3); // where record 2's frame starts
    writes.length = 0;
    const j2 = FileJournal.open({ dataDir: dir, mode: "sync", segmentBytes: 64 * 1024, prepareAhead: false, end: read.end });
    // The reopened journal calls record 2 durable...
    expect(j2.durableSequence).toBe(2n);
    // ...and acknowledges record 3 on top of it.
    const s3 = j2.append(Buffer.from("three"));
    let ack3 = false;
    j2.afterDurable(() => (ack3 = true));
    await j2.flush();
    await j2.close();
    expect(ack3).toBe(true);
    // Was record 2's frame ever written again (made dirty) before that? Only then could the
    // successful fdatasync on the new descriptor have put it on the disk.
    const rewroteR2 = writes.some((w) => w.pos <= r2 && w.pos + w.len > r2);
    expect(s3).toBe(3n);
    expect(rewroteR2).toBe(true);
  } finally {
    fsReal.rmSync(dir, { recursive: true, force: true });
  }
});
