// One writer per data directory: a LOCK file naming the owner (pid, host, boot, pid
// namespace), taken before anything is read or written, so a second sidecar on the same
// directory is refused instead of interleaving its records with the first one's. (Not flock:
// Node has none. Two starters racing to take over the same stale lock in the same instant
// are not told apart.)
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export class DataDirLockedError extends Error {
  override name = "DataDirLockedError";
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** A Linux fact about this process, or "-" where there is none to read. */
function fact(read: () => string): string {
  try {
    return read().trim() || "-";
  } catch {
    return "-";
  }
}

/**
 * Who holds a lock: `pid host boot pidns`. The boot tells a lock from before a reboot (stale
 * whatever its pid); the pid namespace, a lock of another container sharing the directory and
 * the hostname, whose pid this process cannot ask about (found by review: both could be pid 1,
 * and the second took the first one's lock). Locks of earlier versions hold `pid host` only.
 */
function owner(): string {
  const boot = fact(() => fs.readFileSync("/proc/sys/kernel/random/boot_id", "utf8"));
  const pidNamespace = fact(() => fs.readlinkSync("/proc/self/ns/pid"));
  return `${process.pid} ${os.hostname()} ${boot} ${pidNamespace}`;
}

/**
 * Creates `file` holding `content`, or throws EEXIST: written to a file of its own, then
 * linked into place, so the lock is never seen empty (found by review: a starter that read
 * it between its creation and its write took it as stale, and two sidecars ran on one
 * directory).
 */
function createWith(file: string, content: string): void {
  const temporary = `${file}.${process.pid}.${Date.now()}.tmp`;
  fs.writeFileSync(temporary, content, { flag: "wx" });
  try {
    fs.linkSync(temporary, file);
  } finally {
    fs.rmSync(temporary, { force: true });
  }
}

/**
 * The directories whose LOCK this process holds (real paths). A LOCK naming this process's
 * own pid is stale when it is not here: a container's sidecar is often pid 1 on every start,
 * and the last start's lock names the same pid. When it is here, a second state in this
 * process is opening the directory a first one still writes (found by review: both took it).
 */
const heldHere = new Set<string>();

/** `LOCK.<pid>.<ms>.tmp`: createWith's own file, named by its writer and the time it was made. */
const TEMPORARY = /^LOCK\.(\d+)\.(\d+)\.tmp$/;

/**
 * Removes the temporary files of lock takers that died between writing one and removing it
 * (found by review: they stayed for good). Only a minute-old file whose writer is gone: a
 * younger one may belong to a starter racing for the lock right now, who removes its own.
 */
function removeLeftoverTemporaries(dataDir: string): void {
  let names: string[];
  try {
    names = fs.readdirSync(dataDir);
  } catch {
    return;
  }
  for (const name of names) {
    const m = TEMPORARY.exec(name);
    if (m === null || Date.now() - Number(m[2]) < 60_000 || alive(Number(m[1]))) continue;
    fs.rmSync(path.join(dataDir, name), { force: true });
  }
}

/**
 * Takes the directory's lock, or throws naming the live owner. A lock left by a process
 * that died (SIGKILL, power loss) is taken over: its pid no longer runs, or the machine has
 * booted since. Returns the release.
 */
export function lockDataDir(dataDir: string): () => void {
  const file = path.join(dataDir, "LOCK");
  const key = fs.realpathSync(dataDir);
  const self = owner();
  const [, , myBoot, myNamespace] = self.split(" ");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      createWith(file, `${self}\n`);
      let released = false;
      const release = (): void => {
        if (released) return;
        released = true;
        process.off("exit", release);
        heldHere.delete(key);
        try {
          if (fs.readFileSync(file, "utf8").trim() === self) fs.unlinkSync(file);
        } catch {
          // Already gone: nothing to release.
        }
      };
      process.on("exit", release);
      heldHere.add(key);
      removeLeftoverTemporaries(dataDir);
      return release;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      let held: string;
      try {
        held = fs.readFileSync(file, "utf8");
      } catch (r) {
        // Released between the link and this read (the holder exiting as this start begins):
        // the directory is free, try again (found by review: the start failed with ENOENT).
        if ((r as NodeJS.ErrnoException).code === "ENOENT") continue;
        throw r;
      }
      const [pid, host, boot, namespace] = held.trim().split(" ");
      const holder = Number.parseInt(pid ?? "", 10);
      // Another machine (or container) cannot be asked whether its process still runs.
      if (host !== undefined && host !== os.hostname()) {
        throw new DataDirLockedError(
          `data directory ${dataDir} is in use by process ${holder} on ${host} (${file}); if that host is gone, remove the file`,
        );
      }
      const bootedSince = boot !== undefined && boot !== "-" && myBoot !== "-" && boot !== myBoot;
      if (!bootedSince && namespace !== undefined && namespace !== "-" && myNamespace !== "-" && namespace !== myNamespace) {
        throw new DataDirLockedError(
          `data directory ${dataDir} is in use by process ${holder} in another pid namespace on ${host} (${file}): a container sharing the directory? If it is gone, remove the file`,
        );
      }
      if (!bootedSince && holder === process.pid && heldHere.has(key)) {
        throw new DataDirLockedError(`data directory ${dataDir} is already open in this process (${file}); close its journal first`);
      }
      if (!bootedSince && Number.isInteger(holder) && holder !== process.pid && alive(holder)) {
        throw new DataDirLockedError(`data directory ${dataDir} is in use by process ${holder} (${file}); one sidecar per directory`);
      }
      // A stale lock (its process is gone): remove it and try once more.
      fs.rmSync(file, { force: true });
    }
  }
  throw new DataDirLockedError(`data directory ${dataDir}: could not take ${file}`);
}
