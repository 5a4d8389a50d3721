/**
 * What a run cost each process: CPU as a share of one core (1.0 = one core busy all the
 * time) and GC pauses, for the generator (this process) and the server child. On a
 * 2-core machine this tells which side was the bottleneck of a figure, and how much of a
 * latency tail is garbage collection.
 */
import { addGc, gcBetween, gcSnapshot, NO_GC, type GcStats } from "./gc-stats.js";
import type { ChildHandle, ProcessStats } from "./ipc.js";
import { loopDelaySnapshot, NO_DELAY, worseDelay, type LoopDelay } from "./loop-delay.js";

export interface CpuShare {
  readonly generator: number;
  readonly server: number;
}

export interface Usage {
  readonly cpu: CpuShare;
  readonly gc: { readonly generator: GcStats; readonly server: GcStats };
  readonly loopDelay: { readonly generator: LoopDelay; readonly server: LoopDelay };
  /** V8 heap bytes the server process allocated over the run (alloc-meter.ts). */
  readonly serverAllocatedBytes: number;
  readonly wallMs: number;
}

export interface UsageSpan {
  wallNs: number;
  generatorUs: number;
  serverUs: number;
  generatorGc: GcStats;
  serverGc: GcStats;
  generatorLoop: LoopDelay;
  serverLoop: LoopDelay;
  serverAllocatedBytes: number;
}

export const emptySpan = (): UsageSpan => ({ wallNs: 0, generatorUs: 0, serverUs: 0, generatorGc: NO_GC, serverGc: NO_GC, generatorLoop: NO_DELAY, serverLoop: NO_DELAY, serverAllocatedBytes: 0 });

/** Runs `run`, adding its wall time and both processes' CPU time and GC pauses to `into`. */
export async function withCpu<T>(server: ChildHandle, into: UsageSpan, run: () => Promise<T>): Promise<T> {
  const before = await server.call<ProcessStats>("stats", { resetGcMax: true });
  const gc0 = gcSnapshot(true);
  loopDelaySnapshot(true);
  const cpu0 = process.cpuUsage();
  const wall0 = process.hrtime.bigint();
  const value = await run();
  into.wallNs += Number(process.hrtime.bigint() - wall0);
  const cpu = process.cpuUsage(cpu0);
  const gc1 = gcSnapshot(true);
  const loop = loopDelaySnapshot(true);
  const after = await server.call<ProcessStats>("stats", { resetGcMax: true });
  into.generatorUs += cpu.user + cpu.system;
  into.serverUs += after.cpuUserUs + after.cpuSystemUs - before.cpuUserUs - before.cpuSystemUs;
  into.generatorGc = addGc(into.generatorGc, gcBetween(gc0, gc1));
  into.serverGc = addGc(into.serverGc, gcBetween(before.gc, after.gc));
  into.generatorLoop = worseDelay(into.generatorLoop, loop);
  into.serverLoop = worseDelay(into.serverLoop, after.loopDelay);
  into.serverAllocatedBytes += after.allocatedBytes - before.allocatedBytes;
  return value;
}

export function cpuShare(span: UsageSpan): CpuShare {
  return { generator: (span.generatorUs * 1e3) / span.wallNs, server: (span.serverUs * 1e3) / span.wallNs };
}

export function usageOf(span: UsageSpan): Usage {
  return { cpu: cpuShare(span), gc: { generator: span.generatorGc, server: span.serverGc }, loopDelay: { generator: span.generatorLoop, server: span.serverLoop }, serverAllocatedBytes: span.serverAllocatedBytes, wallMs: span.wallNs / 1e6 };
}
