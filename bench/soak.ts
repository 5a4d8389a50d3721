/**
 * Memory: a sustained open-loop run (by default two minutes at half the measured
 * maximum) with the sidecar's RSS and heap read at the start and at the end, each after a
 * full GC in the sidecar (so the numbers show what is retained, not garbage that has not
 * been collected yet), and sampled along the way without GC.
 */
import type { ChildHandle, ProcessStats } from "./ipc.js";
import { runOpenLoop, type OpenLoopResult } from "./open-loop.js";
import type { Progress } from "./progress.js";
import type { World } from "./world.js";

export interface SoakPlan {
  readonly durationMs: number;
  readonly windowMs: number;
  readonly sampleEveryMs: number;
}

export interface SoakResult {
  readonly durationMs: number;
  readonly start: ProcessStats;
  readonly end: ProcessStats;
  readonly rssDeltaBytes: number;
  readonly heapDeltaBytes: number;
  readonly samples: readonly { readonly atMs: number; readonly rss: number; readonly heapUsed: number }[];
  readonly run: OpenLoopResult;
}

export async function runSoak(world: World, sidecar: ChildHandle, rate: number, plan: SoakPlan, progress: Progress): Promise<SoakResult> {
  const start = await sidecar.call<ProcessStats>("stats", { gc: true });
  const t0 = process.hrtime.bigint();
  const samples: { atMs: number; rss: number; heapUsed: number }[] = [];
  const timer = setInterval(() => {
    const atMs = Number(process.hrtime.bigint() - t0) / 1e6;
    sidecar.call<ProcessStats>("stats", {}).then((s) => samples.push({ atMs, rss: s.rss, heapUsed: s.heapUsed }), () => {});
  }, plan.sampleEveryMs);
  let run: OpenLoopResult;
  try {
    run = await runOpenLoop(world, sidecar, rate, { durationMs: plan.durationMs, windowMs: plan.windowMs }, "memory soak", progress);
  } finally {
    clearInterval(timer);
  }
  const end = await sidecar.call<ProcessStats>("stats", { gc: true });
  return {
    durationMs: plan.durationMs,
    start,
    end,
    rssDeltaBytes: end.rss - start.rss,
    heapDeltaBytes: end.heapUsed - start.heapUsed,
    samples,
    run,
  };
}
