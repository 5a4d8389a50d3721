/**
 * GC pauses of a process, from `perf_hooks` GC entries: on this kind of machine a young
 * generation collection takes 1–2 ms and an old generation one ~5 ms, so GC is a large
 * part of the latency tail, on both sides of the wire. The report shows it per run.
 */
import { PerformanceObserver, constants } from "node:perf_hooks";

export interface GcStats {
  readonly count: number;
  readonly totalMs: number;
  /** The longest pause since the previous `gcSnapshot(true)`. */
  readonly maxMs: number;
}

let count = 0;
let totalMs = 0;
let maxMs = 0;
let observer: PerformanceObserver | undefined;

export function trackGc(): void {
  if (observer) return;
  observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      // The bench's own gc() before an RSS reading is not a pause the system would see.
      const flags = (e as unknown as { detail?: { flags?: number } }).detail?.flags ?? 0;
      if (flags & constants.NODE_PERFORMANCE_GC_FLAGS_FORCED) continue;
      count++;
      totalMs += e.duration;
      if (e.duration > maxMs) maxMs = e.duration;
    }
  });
  observer.observe({ entryTypes: ["gc"] });
}

/** Totals since tracking began; `resetMax` starts a new maximum (one per measured run). */
export function gcSnapshot(resetMax: boolean): GcStats {
  const s = { count, totalMs, maxMs };
  if (resetMax) maxMs = 0;
  return s;
}

export function gcBetween(before: GcStats, after: GcStats): GcStats {
  return { count: after.count - before.count, totalMs: after.totalMs - before.totalMs, maxMs: after.maxMs };
}

export function addGc(a: GcStats, b: GcStats): GcStats {
  return { count: a.count + b.count, totalMs: a.totalMs + b.totalMs, maxMs: Math.max(a.maxMs, b.maxMs) };
}

export const NO_GC: GcStats = { count: 0, totalMs: 0, maxMs: 0 };
