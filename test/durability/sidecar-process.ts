/**
 * The real durable sidecar as a child process: `src/main.ts --config FILE --data-dir DIR`,
 * started, awaited until it prints its listening line, and killed with SIGKILL.
 *
 * The child is `node --import tsx src/main.ts`, not `node_modules/.bin/tsx src/main.ts`:
 * the tsx CLI is a wrapper that runs the program in a second node process and relays
 * signals to it, and SIGKILL cannot be relayed, so killing the wrapper would leave the
 * real sidecar running (an orphan still writing to the data directory) while the next
 * one starts on the same directory. Here the child is the sidecar itself.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { connect, type SidecarClients } from "../../src/client/index.js";

const REPO = fileURLToPath(new URL("../..", import.meta.url));

export interface SidecarProcess {
  readonly child: ChildProcess;
  readonly address: string;
  readonly clients: SidecarClients;
  /** Everything the process printed so far. */
  stdout(): string;
  stderr(): string;
  /** SIGKILL (a crash: no shutdown hook runs); resolves once the process has exited. */
  crash(): Promise<void>;
}

const running = new Set<ChildProcess>();

/** Starts the sidecar; resolves once recovery is done and it listens (the listening line). */
export function startSidecarProcess(configFile: string, dataDir: string): Promise<SidecarProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts", "--config", configFile, "--data-dir", dataDir], {
    cwd: REPO,
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(child);
  let out = "";
  let err = "";
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  void exited.then(() => running.delete(child));
  child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  return new Promise<SidecarProcess>((resolve, reject) => {
    let started = false;
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const port = /openpit-sidecar listening on 127\.0\.0\.1:(\d+) /.exec(out)?.[1];
      if (started || port === undefined) return;
      started = true;
      const address = `127.0.0.1:${port}`;
      const clients = connect(address);
      resolve({
        child,
        address,
        clients,
        stdout: () => out,
        stderr: () => err,
        async crash() {
          if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
          await exited;
          clients.close();
        },
      });
    });
    void exited.then(() => {
      if (!started) reject(new Error(`the sidecar exited before listening (code ${child.exitCode}, signal ${child.signalCode})\nstdout:\n${out}\nstderr:\n${err}`));
    });
  });
}

/** Kills every sidecar this module started that is still running (afterEach / finally). */
export async function killAllSidecars(): Promise<void> {
  await Promise.all(
    [...running].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once("exit", () => resolve());
          child.kill("SIGKILL");
        }),
    ),
  );
  running.clear();
}
