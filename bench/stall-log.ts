/**
 * When each of a process's event-loop stalls happened, not only how long the longest was
 * (`monitorEventLoopDelay` in loop-delay.ts keeps a histogram, no times): a 1 ms interval
 * timer notes every wake-up that came more than `thresholdMs` late, with its start on the
 * host's monotonic clock (`process.hrtime.bigint()`, shared by every process), so that
 * stalls of different processes can be laid side by side (bench/tail-probe.ts with
 * OPENPIT_PROBE_WITNESS=1). A diagnostic only: `npm run bench` does not run it.
 */
import { PerformanceObserver, constants } from "node:perf_hooks";

/**
 * One late wake-up: when the loop last ran, for how long it then did not, and how much CPU
 * the process used meanwhile (all its threads: `process.cpuUsage`). CPU close to the stall's
 * length means the process was working (JavaScript, GC); much less means it was kept off
 * its CPU or waited: another process on the same CPU, the kernel or the hypervisor.
 */
export interface Stall {
  readonly startNs: number;
  readonly ms: number;
  readonly cpuMs: number;
  /** The GC pauses that fell in the stall, by kind ("minor", "major", …), in ms. */
  readonly gc: Readonly<Record<string, number>>;
}

const GC_KINDS: Readonly<Record<number, string>> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: "minor",
  [constants.NODE_PERFORMANCE_GC_MAJOR]: "major",
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: "incremental",
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: "weakcb",
};
/** Recent GC pauses: [start on the hrtime clock in ns, duration ms, kind]. */
let pauses: [number, number, string][] = [];

const TICK_MS = 1;
let stalls: Stall[] = [];
let timer: NodeJS.Timeout | undefined;

export function startStallLog(thresholdMs = 10): void {
  if (timer) return;
  // performance.now() and hrtime are both monotonic: one offset maps a GC entry onto hrtime.
  const offsetNs = Number(process.hrtime.bigint()) - performance.now() * 1e6;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = (e as unknown as { detail?: { kind?: number } }).detail?.kind ?? -1;
      pauses.push([offsetNs + e.startTime * 1e6, e.duration, GC_KINDS[kind] ?? String(kind)]);
    }
    if (pauses.length > 10_000) pauses = pauses.slice(-1_000);
  }).observe({ entryTypes: ["gc"] });
  let last = process.hrtime.bigint();
  let lastCpu = process.cpuUsage();
  timer = setInterval(() => {
    const now = process.hrtime.bigint();
    const cpu = process.cpuUsage();
    const lateMs = Number(now - last) / 1e6 - TICK_MS;
    if (lateMs > thresholdMs) {
      const gc: Record<string, number> = {};
      for (const [at, ms, kind] of pauses) if (at >= Number(last) && at < Number(now)) gc[kind] = (gc[kind] ?? 0) + ms;
      stalls.push({ startNs: Number(last), ms: lateMs, cpuMs: (cpu.user - lastCpu.user + cpu.system - lastCpu.system) / 1e3, gc });
    }
    last = now;
    lastCpu = cpu;
  }, TICK_MS);
  timer.unref();
}

/** The stalls noted since the previous call. */
export function takeStalls(): Stall[] {
  const taken = stalls;
  stalls = [];
  return taken;
}
