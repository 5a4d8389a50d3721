/**
 * How long a process's event loop was kept from running (Node's `monitorEventLoopDelay`):
 * every order that arrives while the loop is busy — GC, a batch of reports, the
 * generator's own work — waits at least that long, so this is the direct measure of
 * head-of-line blocking in the open loop's latency tail.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from "node:perf_hooks";

export interface LoopDelay {
  readonly p99Ms: number;
  readonly maxMs: number;
}

export const NO_DELAY: LoopDelay = { p99Ms: 0, maxMs: 0 };

let histogram: IntervalHistogram | undefined;

export function trackLoopDelay(): void {
  if (histogram) return;
  histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
}

/** Delay since the previous reset; `reset` starts a new interval (one per measured run). */
export function loopDelaySnapshot(reset: boolean): LoopDelay {
  if (!histogram || histogram.count === 0) return NO_DELAY;
  const s = { p99Ms: histogram.percentile(99) / 1e6, maxMs: histogram.max / 1e6 };
  if (reset) histogram.reset();
  return s;
}

export function worseDelay(a: LoopDelay, b: LoopDelay): LoopDelay {
  return { p99Ms: Math.max(a.p99Ms, b.p99Ms), maxMs: Math.max(a.maxMs, b.maxMs) };
}
