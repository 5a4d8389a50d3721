/**
 * A tiny request/response protocol over Node's `child_process` IPC channel, used between
 * the load generator (parent) and the processes it measures (sidecar, echo floor). Only
 * control traffic goes here (start, port, RSS, stop); load goes over gRPC.
 */
import { fork, type ChildProcess } from "node:child_process";
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { getHeapStatistics } from "node:v8";
import { fileURLToPath } from "node:url";
import { allocatedBytes, startAllocationMeter } from "./alloc-meter.js";
import { childBundle } from "./child-bundle.js";
import { gcSnapshot, trackGc, type GcStats } from "./gc-stats.js";
import { loopDelaySnapshot, trackLoopDelay, type LoopDelay } from "./loop-delay.js";
import { tasksetPath } from "./one-core.js";
import { sidecarV8Flags } from "./sidecar-v8-flags.js";

interface IpcRequest {
  readonly id: number;
  readonly type: string;
  readonly payload: unknown;
}

interface IpcReply {
  readonly id: number;
  readonly ok: boolean;
  readonly value?: unknown;
  readonly error?: string;
}

export type IpcHandlers = Record<string, (payload: never) => unknown>;

/** Child side: answers each request with its handler's (awaited) value or error. */
export function serveIpc(handlers: IpcHandlers): void {
  if (!process.send) throw new Error("this script is meant to be forked by bench/run.ts (it needs an IPC channel)");
  process.on("message", async (m: IpcRequest) => {
    let reply: IpcReply;
    try {
      const handler = handlers[m.type];
      if (!handler) throw new Error(`unknown request '${m.type}'`);
      reply = { id: m.id, ok: true, value: await handler(m.payload as never) };
    } catch (e) {
      reply = { id: m.id, ok: false, error: e instanceof Error ? (e.stack ?? e.message) : String(e) };
    }
    process.send?.(reply);
  });
  // The parent is gone (crashed or killed): nothing left to serve, do not linger.
  process.on("disconnect", () => process.exit(0));
  trackGc();
  trackLoopDelay();
  startAllocationMeter();
}

/** Memory, CPU and GC pauses of a process, as both children report them. */
export interface ProcessStats {
  readonly rss: number;
  readonly heapUsed: number;
  /**
   * The part of V8's heap in memory (`total_physical_size`; used or not): what of RSS follows
   * its collections. Not `heapTotal`, the heap's committed size, which stays up after a
   * collection hands its pages back (run BJ: RSS fell by 68 MiB, heapTotal by 6).
   */
  readonly heapResident: number;
  readonly cpuUserUs: number;
  readonly cpuSystemUs: number;
  readonly gc: GcStats;
  /** V8 heap bytes allocated since the child started (alloc-meter.ts), cumulative. */
  readonly allocatedBytes: number;
  /** Event-loop delay since the previous `resetGcMax` request. */
  readonly loopDelay: LoopDelay;
}

export interface StatsRequest {
  /** Collect garbage first (children run with --expose-gc), so RSS shows what is retained. */
  readonly gc?: boolean;
  /** Start a new maximum GC pause and loop-delay interval (the start and end of a measured run). */
  readonly resetGcMax?: boolean;
}

export function processStats(request: StatsRequest): ProcessStats {
  const collect = (globalThis as { gc?: () => void }).gc;
  // Read GC totals before a forced collection, so the bench's own `gc()` is not counted.
  const gcStats = gcSnapshot(request.resetGcMax === true);
  const loopDelay = loopDelaySnapshot(request.resetGcMax === true);
  const allocated = allocatedBytes();
  if (request.gc && collect) collect();
  const mem = process.memoryUsage();
  const cpu = process.cpuUsage();
  return { rss: mem.rss, heapUsed: mem.heapUsed, heapResident: getHeapStatistics().total_physical_size, cpuUserUs: cpu.user, cpuSystemUs: cpu.system, gc: gcStats, allocatedBytes: allocated, loopDelay };
}

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

export interface ForkOptions {
  /** Write a V8 CPU profile of the child into this directory when it exits. */
  readonly cpuProfileDir?: string;
  /** More Node/V8 flags for the child, after the harness's own (bench/latency-probe.ts tries flags with them). */
  readonly execArgv?: readonly string[];
  /** Pin the child (every thread it will have) to this CPU: it is started under `taskset -c`. */
  readonly cpu?: number;
}

/** Parent side: a forked TypeScript child (run through tsx) and calls into it. */
export class ChildHandle {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private exited: Promise<void>;
  private failure: Error | undefined;

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    child.on("message", (m: IpcReply) => {
      const waiter = this.pending.get(m.id);
      if (!waiter) return;
      this.pending.delete(m.id);
      if (m.ok) waiter.resolve(m.value);
      else waiter.reject(new Error(`${name}: ${m.error}`));
    });
    // A child that cannot be started (e.g. `taskset` missing) or sent to: every waiting call fails with it.
    child.on("error", (e) => {
      this.failure ??= new Error(`${name}: ${e.message}`);
      for (const w of this.pending.values()) w.reject(this.failure);
      this.pending.clear();
    });
    this.exited = new Promise((done) => {
      // A child that never started never exits.
      child.once("error", () => child.pid === undefined && done());
      child.on("exit", (code, signal) => {
        this.failure ??= new Error(`${name} exited (code ${code}, signal ${signal})`);
        for (const w of this.pending.values()) w.reject(this.failure);
        this.pending.clear();
        done();
      });
    });
  }

  static fork(name: string, script: string, options: ForkOptions = {}): ChildHandle {
    const profile = options.cpuProfileDir ? ["--cpu-prof", `--cpu-prof-dir=${options.cpuProfileDir}`] : [];
    if (options.cpuProfileDir) mkdirSync(options.cpuProfileDir, { recursive: true });
    // The child runs from its bundle, as `npm start` runs the sidecar (tsx only for a checkout
    // without the bundler); --expose-gc lets it collect before an RSS reading.
    // `npm start`'s V8 flags (the young generation's size: bench/sidecar-v8-flags.ts).
    const bundle = childBundle(resolve(REPO_ROOT, script));
    const loader = bundle ? [] : ["--import", "tsx"];
    const nodeArgs = [...sidecarV8Flags(), ...loader, "--expose-gc", ...profile, ...(options.execArgv ?? [])];
    // Pinned: `taskset -c CPU node <flags> <script>` (fork runs execPath with execArgv before the script).
    const taskset = options.cpu === undefined ? undefined : tasksetPath();
    if (options.cpu !== undefined && taskset === undefined) throw new Error(`${name}: cannot pin to CPU ${options.cpu} without taskset`);
    const child = fork(bundle ?? resolve(REPO_ROOT, script), [], {
      cwd: REPO_ROOT,
      ...(taskset ? { execPath: taskset } : {}),
      execArgv: taskset ? ["-c", String(options.cpu), process.execPath, ...nodeArgs] : nodeArgs,
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    return new ChildHandle(name, child);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  call<T>(type: string, payload: unknown = {}): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ id, type, payload } satisfies IpcRequest);
    });
  }

  /** Asks the child to stop; kills it (by its pid, nothing else) if it does not go in time. */
  async stop(timeoutMs = 10_000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.call("stop").catch(() => {});
    const timer = setTimeout(() => this.child.kill("SIGKILL"), timeoutMs);
    await this.exited;
    clearTimeout(timer);
  }
}
