/**
 * The sidecar as an operating-system process, started the way an operator starts it
 * (`npm start`, or `node --import tsx` on an entry file so signals reach the real process).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { onTestFinished } from "vitest";
import { DEFAULT_CONFIG } from "../../src/server/config/default-config.js";

export const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** The start line: address, port and the pid of the process that serves. */
export const LISTENING = /openpit-sidecar listening on (\S+):(\d+) \(.*; pid (\d+)\)\n/;

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface SidecarProcess {
  readonly child: ChildProcess;
  readonly stdout: () => string;
  readonly stderr: () => string;
  /** Resolves with the first match of `pattern` in stdout; rejects if the process exits first. */
  waitFor(pattern: RegExp): Promise<RegExpExecArray>;
  readonly exited: Promise<Exit>;
  /** Writes one line to the process's stdin. */
  tell(line: string): void;
}

function start(command: string, args: readonly string[]): SidecarProcess {
  const child = spawn(command, args, { cwd: REPO_ROOT, stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  const waiters: (() => void)[] = [];
  child.stdout!.on("data", (d: Buffer) => {
    stdout += d.toString();
    for (const w of [...waiters]) w();
  });
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<Exit>((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  let gone = false;
  void exited.then(() => {
    gone = true;
    for (const w of [...waiters]) w();
  });
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    tell: (line) => child.stdin!.write(`${line}\n`),
    waitFor(pattern) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = pattern.exec(stdout);
          if (m) {
            waiters.splice(waiters.indexOf(check), 1);
            resolve(m);
          } else if (gone) {
            waiters.splice(waiters.indexOf(check), 1);
            reject(new Error(`exited before printing ${pattern}; stdout: ${stdout}; stderr: ${stderr}`));
          }
        };
        waiters.push(check);
        check();
      });
    },
  };
}

/** `npm start -- ARGS`, as an operator (or a container's command) runs it. */
export function npmStart(args: readonly string[]): SidecarProcess {
  return start("npm", ["start", "--", ...args]);
}

/** `node --import tsx FILE ARGS` (src/main.ts, or a fixture that imports it). */
export function nodeEntry(file: string, args: readonly string[]): SidecarProcess {
  return start(process.execPath, ["--import", "tsx", file, ...args]);
}

/**
 * src/main.ts on a configuration file written to `dir`: the embedded default with `fields`
 * over it, on 127.0.0.1 port 0 without a metrics listener; killed when the test ends.
 */
export function startWithConfig(dir: string, fields: Record<string, unknown>): SidecarProcess {
  const configFile = join(dir, "config.json");
  writeFileSync(configFile, JSON.stringify({ ...DEFAULT_CONFIG, listen: "127.0.0.1:0", metrics: { listen: "off" }, ...fields }));
  const p = nodeEntry("src/main.ts", ["--config", configFile]);
  onTestFinished(() => void (p.child.exitCode === null && p.child.signalCode === null && p.child.kill("SIGKILL")));
  return p;
}

/** Whether a process with this pid exists (signal 0 checks without sending anything). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== "ESRCH";
  }
}

/**
 * What a process wrote to stderr besides its structured log: every line that starts with
 * `{` must be a JSON object (the log, docs/observability.md); the rest is returned as is.
 */
export function withoutLog(stderr: string): string {
  return stderr
    .split(/(?<=\n)/)
    .filter((line) => {
      if (!line.startsWith("{")) return true;
      const parsed = JSON.parse(line) as { level?: unknown; event?: unknown };
      if (typeof parsed.level !== "string" || typeof parsed.event !== "string") throw new Error(`not a log line: ${line}`);
      return false;
    })
    .join("");
}
