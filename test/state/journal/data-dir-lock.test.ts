/**
 * The data directory's LOCK (data-dir-lock.ts). Found by review (session 28):
 * - it was created empty and only then given the owner's pid, and a second starter that read
 *   it in between took it for stale: two sidecars on one directory. It now appears whole
 *   (written aside, then linked into place);
 * - a lock naming this host and a pid this process cannot see (another container sharing the
 *   volume and the hostname, both pid 1) was taken over. It now names the boot and the pid
 *   namespace too: another namespace's lock is refused, one from before a reboot is stale.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { createRequire, syncBuiltinESMExports } from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DataDirLockedError, lockDataDir } from "../../../src/state/journal/data-dir-lock.js";

const cjsFs = createRequire(import.meta.url)("node:fs") as typeof fs;
const realLinkSync = cjsFs.linkSync;
const dirs: string[] = [];
const releases: (() => void)[] = [];
afterEach(() => {
  cjsFs.linkSync = realLinkSync;
  syncBuiltinESMExports();
  for (const r of releases.splice(0)) r();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "openpit-lock-"));
  dirs.push(dir);
  return dir;
}

const boot = fs.readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
const namespace = fs.readlinkSync("/proc/self/ns/pid");
const lockOf = (dir: string) => path.join(dir, "LOCK");

describe("the data directory's lock", () => {
  // Found by review (session 31, fixed in 32): a starter that died between writing its
  // temporary file and removing it left the file there for good.
  it("removes temporary lock files of writers that are gone, once a minute old; keeps a live writer's and a young one", () => {
    const dir = tempDir();
    const dead = spawnSync(process.execPath, ["-e", ""]).pid!;
    const old = Date.now() - 120_000;
    const names = [`LOCK.${dead}.${old}.tmp`, `LOCK.${dead}.${Date.now()}.tmp`, `LOCK.${process.pid}.${old}.tmp`, "LOCK.x.tmp"];
    for (const n of names) fs.writeFileSync(path.join(dir, n), "");
    releases.push(lockDataDir(dir));
    expect(fs.readdirSync(dir).sort()).toEqual(["LOCK", ...names.slice(1)].sort());
  });


  it("appears whole: pid, host, boot and pid namespace, linked into place, never seen empty", () => {
    const dir = tempDir();
    const seenAtLink: (string | undefined)[] = [];
    cjsFs.linkSync = ((from: fs.PathLike, to: fs.PathLike) => {
      seenAtLink.push(fs.existsSync(to) ? "LOCK already there" : fs.readFileSync(from, "utf8"));
      return realLinkSync(from, to);
    }) as typeof fs.linkSync;
    syncBuiltinESMExports();
    releases.push(lockDataDir(dir));
    const owner = `${process.pid} ${os.hostname()} ${boot} ${namespace}`;
    expect(seenAtLink).toEqual([`${owner}\n`]);
    expect(fs.readFileSync(lockOf(dir), "utf8")).toBe(`${owner}\n`);
    expect(fs.readdirSync(dir)).toEqual(["LOCK"]); // the file written aside is gone
  });

  it("refuses a lock of another pid namespace on this host (a container sharing the directory), whatever its pid", () => {
    const dir = tempDir();
    fs.writeFileSync(lockOf(dir), `${process.pid} ${os.hostname()} ${boot} pid:[1]\n`);
    expect(() => lockDataDir(dir)).toThrow(
      new DataDirLockedError(
        `data directory ${dir} is in use by process ${process.pid} in another pid namespace on ${os.hostname()} (${lockOf(dir)}): a container sharing the directory? If it is gone, remove the file`,
      ),
    );
  });

  it("takes over a lock from before a reboot, even one naming a pid that runs now", () => {
    const dir = tempDir();
    fs.writeFileSync(lockOf(dir), `1 ${os.hostname()} 00000000-0000-0000-0000-000000000000 pid:[1]\n`);
    releases.push(lockDataDir(dir));
    expect(fs.readFileSync(lockOf(dir), "utf8").split(" ")[0]).toBe(String(process.pid));
  });

  it("refuses a live process's lock in this namespace; takes over a dead one's; reads the older `pid host` form as before", () => {
    const dir = tempDir();
    fs.writeFileSync(lockOf(dir), `1 ${os.hostname()} ${boot} ${namespace}\n`); // pid 1 always runs
    expect(() => lockDataDir(dir)).toThrow(`data directory ${dir} is in use by process 1 (${lockOf(dir)}); one sidecar per directory`);
    fs.writeFileSync(lockOf(dir), `1 ${os.hostname()}\n`);
    expect(() => lockDataDir(dir)).toThrow(`data directory ${dir} is in use by process 1 (${lockOf(dir)}); one sidecar per directory`);
    fs.writeFileSync(lockOf(dir), `2147483647 ${os.hostname()} ${boot} ${namespace}\n`); // beyond pid_max: gone
    releases.push(lockDataDir(dir));
  });

  // Found by review (session 37): a lock naming this process's own pid was always taken for
  // stale (the last start's, a container's sidecar being pid 1 each time), so a second state
  // in one process took a directory the first one still wrote.
  it("refuses this process's own lock while it holds it; takes it again once released; a lock naming this pid it does not hold is stale", () => {
    const dir = tempDir();
    const release = lockDataDir(dir);
    expect(() => lockDataDir(dir)).toThrow(new DataDirLockedError(`data directory ${dir} is already open in this process (${lockOf(dir)}); close its journal first`));
    // Through another path to the same directory too.
    const link = path.join(tempDir(), "same");
    fs.symlinkSync(dir, link);
    expect(() => lockDataDir(link)).toThrow(/is already open in this process/);
    release();
    expect(fs.existsSync(lockOf(dir))).toBe(false);
    releases.push(lockDataDir(dir));
    releases.splice(0).forEach((r) => r());
    // The last start's lock, naming this pid: not held by this process, so stale.
    fs.writeFileSync(lockOf(dir), `${process.pid} ${os.hostname()} ${boot} ${namespace}\n`);
    releases.push(lockDataDir(dir));
  });
});
