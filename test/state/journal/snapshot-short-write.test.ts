/**
 * A snapshot written to a disk that takes only part of each write (a full disk or a file-size
 * limit: the write returns short, without an error) is written whole or not at all. It used
 * to be fsynced, renamed into place and counted after one short write, and pruning by it
 * deleted the last good snapshot and the segments that one needed: two such snapshots in a
 * row and the data directory no longer recovered (found by review).
 */
import { readdirSync } from "node:fs";
import { afterEach, describe, expect, it, vi } from "vitest";

/** How the disk behaves: "ok", "short" (each write takes half of what is asked, at least 1 byte) or "full" (nothing). */
let disk: "ok" | "short" | "full" = "ok";
vi.mock("node:fs/promises", async (importOriginal) => {
  const fsp = await importOriginal<typeof import("node:fs/promises")>();
  const open = (async (...args: Parameters<typeof fsp.open>) => {
    const handle = await fsp.open(...args);
    return new Proxy(handle, {
      get(target, key) {
        if (key === "write" && disk !== "ok") {
          return async (buffer: Uint8Array, offset: number, length: number, position: number) => {
            if (disk === "full") return { bytesWritten: 0, buffer };
            return target.write(buffer, offset, Math.max(1, Math.floor(length / 2)), position);
          };
        }
        if (key === "writev" && disk !== "ok") {
          return async (buffers: Uint8Array[], position: number) => {
            const all = Buffer.concat(buffers);
            if (disk === "full") return { bytesWritten: 0, buffers };
            const { bytesWritten } = await target.write(all, 0, Math.max(1, Math.floor(all.length / 2)), position ?? 0);
            return { bytesWritten, buffers };
          };
        }
        const v = Reflect.get(target, key) as unknown;
        return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
  }) as typeof fsp.open;
  return { ...fsp, open, default: { ...fsp, open } };
});

const { writeSnapshot, readLatestSnapshot } = await import("../../../src/state/journal/index.js");
const { allHeld, durableConfig, heldReasons, holdAccounts, startState } = await import("../durable-state.js");
const { useTempDirs } = await import("./journal-test-helpers.js");

const tempDir = useTempDirs();
afterEach(() => {
  disk = "ok";
});

describe("snapshots on a disk that takes only part of a write", () => {
  it("a short write is completed: the snapshot on disk is whole and reads back", async () => {
    const dir = tempDir();
    disk = "short";
    const data = Buffer.alloc(10_000, 0x7b);
    expect(await writeSnapshot(dir, 5n, data)).toEqual({ file: "snapshot-00000000000000000005.snap", seq: 5n, bytes: 10_032 });
    disk = "ok";
    const latest = readLatestSnapshot(dir)!;
    expect([latest.seq, Buffer.from(latest.data).equals(data)]).toEqual([5n, true]);
  });

  it("a write that takes nothing fails the snapshot and leaves no file, not even the temporary one", async () => {
    const dir = tempDir();
    disk = "full";
    await expect(writeSnapshot(dir, 5n, Buffer.alloc(10_000, 0x7b))).rejects.toThrow("snapshot write made no progress at byte 0 (disk full?)");
    expect(readdirSync(dir)).toEqual([]);
  });

  for (const mode of ["short", "full"] as const) {
    it(`two snapshots in a row on a ${mode === "short" ? "short-writing" : "full"} disk leave a directory that recovers every record`, async () => {
      const dataDir = tempDir();
      const config = durableConfig(dataDir);
      const { state } = await startState(config); // snapshot 0, on a good disk
      holdAccounts(state, 0);
      await state.journal.flush();
      disk = mode; // the journal's segments are preallocated: it keeps writing
      await state.snapshots!.take();
      holdAccounts(state, 40);
      await state.journal.flush();
      await state.snapshots!.take();
      disk = "ok";
      await state.journal.close();

      const { state: again } = await startState(config, 2_000);
      await again.journal.close();
      expect(heldReasons(again, 80)).toEqual(allHeld(80));
    });
  }
});
