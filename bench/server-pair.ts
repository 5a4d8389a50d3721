/**
 * The sidecar and its echo floor, each in its own process, started as the bench places
 * them (cpu-placement.ts): both pinned to the server CPU, this process (the generator)
 * to the other. The harness and the closed-loop probe start them alike through here, so
 * that a probe measures what the bench measures.
 */
import { fileURLToPath } from "node:url";
import { benchSidecarConfig } from "./bench-config.js";
import { choosePlacement, pinProcess, type CpuPlacement } from "./cpu-placement.js";
import { ChildHandle } from "./ipc.js";

export interface ServerPairOptions {
  /** Pin as the bench does (when the machine allows it); false = every process unpinned. */
  readonly pin: boolean;
  /** Node/V8 flags for both servers, after the harness's own (the echo floor runs with the sidecar's). */
  readonly execArgv?: readonly string[];
  /** Write a V8 CPU profile of the sidecar into this directory when it exits. */
  readonly cpuProfileDir?: string;
}

export interface ServerPair {
  readonly sidecar: ChildHandle;
  readonly echo: ChildHandle;
  /** The sidecar's gRPC port on 127.0.0.1 (the bench's in-memory configuration). */
  readonly port: number;
  readonly echoPort: number;
  /** Where the processes run; undefined when unpinned. */
  readonly placement: CpuPlacement | undefined;
}

const script = (name: string) => fileURLToPath(new URL(name, import.meta.url));

/**
 * Forks both servers (pinned at their start: children do not inherit this process's CPU),
 * pins this process and starts both. On a failure both children are stopped and this
 * process may use every CPU again before the error is thrown.
 */
export async function startServerPair(options: ServerPairOptions): Promise<ServerPair> {
  const placement = options.pin ? choosePlacement() : undefined;
  const shared = { ...(placement ? { cpu: placement.serverCpu } : {}), ...(options.execArgv ? { execArgv: options.execArgv } : {}) };
  const sidecar = ChildHandle.fork("sidecar", script("./sidecar-process.ts"), { ...shared, ...(options.cpuProfileDir ? { cpuProfileDir: options.cpuProfileDir } : {}) });
  const echo = ChildHandle.fork("echo", script("./echo-process.ts"), shared);
  try {
    if (placement) pinProcess(process.pid, String(placement.generatorCpu));
    const [{ port }, { port: echoPort }] = await Promise.all([
      sidecar.call<{ port: number }>("start", { config: benchSidecarConfig() }),
      echo.call<{ port: number }>("start"),
    ]);
    return { sidecar, echo, port, echoPort, placement };
  } catch (e) {
    await Promise.all([sidecar.stop(), echo.stop()]);
    if (placement) pinProcess(process.pid, placement.allCpus);
    throw e;
  }
}
