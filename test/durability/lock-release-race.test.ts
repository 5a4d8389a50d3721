/**
 * Found by review (session 41): a start that meets the LOCK of a sidecar just shutting down.
 * lockDataDir links its lock into place, gets EEXIST, then reads the holder's LOCK to see who
 * holds it. When the holder released it in between (a restart overlapping the old process's
 * exit), the read threw ENOENT and the start failed with "cannot start: ENOENT …" (exit 70),
 * although the directory was free. It now takes the lock.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it, vi } from "vitest";

const race = vi.hoisted(() => ({ armed: false }));

vi.mock("node:fs", async (importOriginal) => {
  const real = await importOriginal<typeof import("node:fs")>();
  return {
    ...real,
    linkSync: (existing: fs.PathLike, target: fs.PathLike) => {
      try {
        return real.linkSync(existing, target);
      } catch (e) {
        // The holder exits right after our link found its LOCK: it unlinks it.
        if (race.armed && (e as NodeJS.ErrnoException).code === "EEXIST") {
          race.armed = false;
          real.unlinkSync(target);
        }
        throw e;
      }
    },
  };
});

const { lockDataDir } = await import("../../src/state/journal/data-dir-lock.js");

describe("the data directory's lock, released by its holder while a new start looks at it", () => {
  it("takes the lock (the directory is free), instead of failing with ENOENT", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lock-release-race-"));
    try {
      // A live holder on this host and namespace: our parent process (it runs).
      const mine = fs.readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
      const ns = fs.readlinkSync("/proc/self/ns/pid");
      fs.writeFileSync(path.join(dir, "LOCK"), `${process.ppid} ${os.hostname()} ${mine} ${ns}\n`);
      race.armed = true;
      let release: (() => void) | undefined;
      let error: unknown;
      try {
        release = lockDataDir(dir);
      } catch (e) {
        error = e;
      }
      expect(error === undefined ? "taken" : `${(error as Error).name}: ${(error as Error).message}`).toBe("taken");
      expect(fs.readFileSync(path.join(dir, "LOCK"), "utf8").split(" ")[0]).toBe(String(process.pid));
      release?.();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
