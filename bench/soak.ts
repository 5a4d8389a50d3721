/**
 * Memory: a sustained open-loop run (by default two minutes at half the measured
 * maximum) with the sidecar's RSS and heap read at the start and at the end, each after a
 * full GC in the sidecar (so the numbers show what is retained, not garbage that has not
 * been collected yet), and sampled along the way without GC.
 *
 * Flatness is judged on two things: the heap retained after GC (a leak of engine state
 * shows there), and the trend of the RSS outside V8's heap (buffers, native memory) — the
 * median of the last third of the samples against the first third. The GC'd start reading
 * alone is not a fair baseline for RSS: it is taken right after the 80 % run, whose queues
 * leave the allocator's arenas larger or smaller than in steady state (±20–60 MiB between
 * runs here). V8's heap is taken out of the trend since the sidecar lets its old generation
 * grow 4× between collections (`--heap-growing-percent=300`, Session 44): the heap then
 * rises by ~80 MiB over a couple of minutes and falls back at the collection, a saw-tooth
 * as long as the soak that says nothing about a leak; what it retains is judged after GC.
 * The part of the heap in memory (`total_physical_size`) is what is taken out, not its
 * committed size (`heapTotal`), which stays up after a collection hands pages back. A caveat
 * (review, session 44): some memory outside the heap follows the heap's own peak (V8's
 * marking structures, the allocator's high-water mark), so a soak whose heap first reaches a
 * new peak inside it may read some growth; the bench runs the soak after minutes of the same
 * load, when the heap has cycled at least once.
 */
import type { ChildHandle, ProcessStats } from "./ipc.js";
import { runOpenLoop, type OpenLoopResult } from "./open-loop.js";
import type { PacerKind } from "./pacer.js";
import type { Progress } from "./progress.js";
import type { World } from "./world.js";

export interface SoakPlan {
  readonly durationMs: number;
  readonly windowMs: number;
  readonly sampleEveryMs: number;
  /** The open loop's pacer (pacer.ts). */
  readonly pacer?: PacerKind;
}

export interface SoakResult {
  readonly durationMs: number;
  readonly start: ProcessStats;
  readonly end: ProcessStats;
  readonly rssDeltaBytes: number;
  readonly heapDeltaBytes: number;
  readonly samples: readonly { readonly atMs: number; readonly rss: number; readonly heapUsed: number; readonly heapResident: number }[];
  /** Median RSS outside V8's heap (rss − heapResident, V8's `total_physical_size`) of the last third of the samples over the first third's, minus 1. */
  readonly rssTrend: number;
  readonly run: OpenLoopResult;
}

export async function runSoak(world: World, sidecar: ChildHandle, rate: number, plan: SoakPlan, progress: Progress): Promise<SoakResult> {
  const start = await sidecar.call<ProcessStats>("stats", { gc: true });
  const t0 = process.hrtime.bigint();
  const samples: { atMs: number; rss: number; heapUsed: number; heapResident: number }[] = [];
  const timer = setInterval(() => {
    const atMs = Number(process.hrtime.bigint() - t0) / 1e6;
    sidecar.call<ProcessStats>("stats", {}).then((s) => samples.push({ atMs, rss: s.rss, heapUsed: s.heapUsed, heapResident: s.heapResident }), () => {});
  }, plan.sampleEveryMs);
  let run: OpenLoopResult;
  try {
    run = await runOpenLoop(world, sidecar, rate, { durationMs: plan.durationMs, windowMs: plan.windowMs, pacer: plan.pacer }, "memory soak", progress);
  } finally {
    clearInterval(timer);
  }
  const end = await sidecar.call<ProcessStats>("stats", { gc: true });
  return soakResult(plan.durationMs, start, end, samples, run);
}

/** What the soak found, from its readings (the trend of the RSS outside V8's heap: the module's comment). */
export function soakResult(durationMs: number, start: ProcessStats, end: ProcessStats, samples: SoakResult["samples"], run: OpenLoopResult): SoakResult {
  return {
    durationMs,
    start,
    end,
    rssDeltaBytes: end.rss - start.rss,
    heapDeltaBytes: end.heapUsed - start.heapUsed,
    samples,
    rssTrend: offHeapTrend(samples),
    run,
  };
}

function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** `rssTrend` of the RSS outside V8's heap: its collections' saw-tooth taken out (the module's comment). */
export function offHeapTrend(samples: readonly { readonly rss: number; readonly heapResident: number }[]): number {
  return rssTrend(samples.map((s) => s.rss - s.heapResident));
}

/**
 * The median of the last third of the samples against the first third's, minus 1; NaN
 * without two samples to compare (a soak shorter than its sampling interval), so that the
 * report says "not measured" rather than "flat" (it returned 0: found by review, session 30),
 * and NaN on a first third that is not positive, against which no growth reads as one.
 */
export function rssTrend(rss: readonly number[]): number {
  if (rss.length < 2) return Number.NaN;
  const third = Math.max(1, Math.floor(rss.length / 3));
  const base = median(rss.slice(0, third));
  if (!(base > 0)) return Number.NaN;
  return median(rss.slice(-third)) / base - 1;
}
