// One writer per data directory: a LOCK file holding the owner's pid and host, taken before
// anything is read or written, so a second sidecar on the same directory is refused instead
// of interleaving its records with the first one's. (Not flock: Node has none. Two starters
// racing to take over the same stale lock in the same instant are not told apart.)
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

/**
 * Takes the directory's lock, or throws naming the live owner. A lock left by a process
 * that died (SIGKILL, power loss) is taken over: its pid no longer runs. Returns the release.
 */
export function lockDataDir(dataDir: string): () => void {
  const file = path.join(dataDir, "LOCK");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = fs.openSync(file, "wx");
      fs.writeSync(fd, `${process.pid} ${os.hostname()}\n`);
      fs.closeSync(fd);
      let released = false;
      const release = (): void => {
        if (released) return;
        released = true;
        process.off("exit", release);
        try {
          if (fs.readFileSync(file, "utf8").trim().split(" ")[0] === String(process.pid)) fs.unlinkSync(file);
        } catch {
          // Already gone: nothing to release.
        }
      };
      process.on("exit", release);
      return release;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const [pid, host] = fs.readFileSync(file, "utf8").trim().split(" ");
      const owner = Number.parseInt(pid ?? "", 10);
      // Another machine (or container) cannot be asked whether its process still runs.
      if (host !== undefined && host !== os.hostname()) {
        throw new DataDirLockedError(
          `data directory ${dataDir} is in use by process ${owner} on ${host} (${file}); if that host is gone, remove the file`,
        );
      }
      if (Number.isInteger(owner) && owner !== process.pid && alive(owner)) {
        throw new DataDirLockedError(`data directory ${dataDir} is in use by process ${owner} (${file}); one sidecar per directory`);
      }
      // A stale lock (its process is gone): remove it and try once more.
      fs.rmSync(file, { force: true });
    }
  }
  throw new DataDirLockedError(`data directory ${dataDir}: could not take ${file}`);
}
