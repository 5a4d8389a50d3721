/**
 * The sidecar under load, in its own process (forked by the harness): the real gRPC server
 * started from the bench configuration by `startSidecar` (build, listen, recover the
 * journal in a durable mode, serve), so the generator's CPU never competes with it inside
 * one event loop. It listens on 127.0.0.1 port 0 and reports the port (and, in a durable
 * mode, what recovery found) over IPC; it answers RSS/CPU readings and stops on request.
 */
import { startSidecar } from "../src/app/start-sidecar.js";
import { parseSidecarConfig } from "../src/server/config/sidecar-config.js";
import type { SidecarServer } from "../src/server/server.js";
import { startAllocationSampling, stopAllocationSampling } from "./alloc-meter.js";
import { stageTrace } from "../src/transport/stage-trace.js";
import { processStats, serveIpc, type StatsRequest } from "./ipc.js";
import { startStallLog, takeStalls } from "./stall-log.js";
import { getHeapSpaceStatistics, writeHeapSnapshot } from "node:v8";

let server: SidecarServer | undefined;
// bench/tail-probe.ts with OPENPIT_PROBE_WITNESS=1: when the loop stalled, beside witnesses.
if (process.env.OPENPIT_PROBE_WITNESS === "1") startStallLog();

export interface SidecarStarted {
  readonly port: number;
  readonly mode: string;
  /** Records recovery replayed (undefined in ephemeral mode). */
  readonly replayed: number | undefined;
  readonly recoveryMs: number | undefined;
}

serveIpc({
  async start(payload: { config: unknown }): Promise<SidecarStarted> {
    if (server) throw new Error("already started");
    const config = parseSidecarConfig(payload.config as never);
    const started = await startSidecar(config);
    server = started.server;
    return { port: started.port, mode: config.durability.mode, replayed: started.recovery?.replayed, recoveryMs: started.recovery?.ms };
  },
  stats: (payload: StatsRequest) => processStats(payload),
  allocSampleStart: (payload: { survivors?: boolean }) => startAllocationSampling(undefined, payload?.survivors === true),
  allocSampleStop: () => stopAllocationSampling(),
  /** The stage trace since the last call (OPENPIT_TRACE_SAMPLE set), or null. */
  trace: () => stageTrace?.dump() ?? null,
  /** The loop stalls since the last call (OPENPIT_PROBE_WITNESS=1; otherwise none are noted). */
  stalls: () => takeStalls(),
  /** OPENPIT_PROBE_HEAP_SNAPSHOT=FILE: a heap snapshot written there (tail-probe with OPENPIT_PROBE_WITNESS=1). */
  heapSnapshot: (payload: { file: string }) => writeHeapSnapshot(payload.file),
  /**
   * What the heap holds after a full collection, by V8 space (MiB): what a major GC marks; and
   * what one costs done atomically (`fullGcMs`: the median of seven forced ones, marking on
   * the main thread, so a measure of the work a collection of the old generation does,
   * whatever threads share it under load).
   */
  heapSpaces: () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    const times: number[] = [];
    for (let i = 0; i < 7 && gc; i++) {
      const t0 = performance.now();
      gc();
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    return {
      ...Object.fromEntries(getHeapSpaceStatistics().map((s) => [s.space_name, +(s.space_used_size / 2 ** 20).toFixed(1)])),
      ...(times.length > 0 ? { fullGcMs: +times[times.length >> 1]!.toFixed(1) } : {}),
    };
  },
  stop() {
    // Answer first; then a graceful shutdown (which flushes and closes the journal) and a
    // natural exit (a --cpu-prof profile is written at exit).
    setImmediate(async () => {
      await server?.shutdown();
      process.exit(0);
    });
    return {};
  },
});
