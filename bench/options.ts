/**
 * Command line and run plans of the load harness. `--quick` shrinks every section to a
 * few hundred milliseconds (a smoke run and the vitest check); the full plan takes a few
 * minutes, two of them the memory soak.
 */
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AllocationPlan } from "./allocation.js";
import type { ClosedLoopPlan } from "./closed-loop.js";
import type { DurabilityPlan } from "./durability.js";
import type { MeasurePlan } from "./measure.js";
import type { MixCapacityPlan } from "./mix-capacity.js";
import type { OpenLoopPlan } from "./open-loop.js";
import type { SoakPlan } from "./soak.js";
import type { ThroughputPlan } from "./throughput.js";
import type { WorldPlan } from "./world.js";

/** A variant of the open-loop mix at a share of the mix capacity. */
export interface OpenLoopMix {
  readonly name: string;
  readonly fraction: number;
  /** Partial fills per accepted order (report-heavy: more reports than orders). */
  readonly fillParts?: number;
  /** Orders offered at once, then an idle gap: the same mean rate in bursts. */
  readonly burst?: number;
}

/**
 * Report-heavy: every accepted order filled in 4 partial fills (~4 reports per order) at a
 * quarter of the capacity (the feed then carries about as much work as the orders).
 * Bursty: bursts of 50 orders at once, then idle, at half the capacity on average.
 */
const MIXES: readonly OpenLoopMix[] = [
  { name: "report-heavy", fraction: 0.25, fillParts: 4 },
  { name: "bursty", fraction: 0.5, burst: 50 },
];

export interface BenchOptions {
  readonly quick: boolean;
  readonly json: boolean;
  /** Write a V8 CPU profile of the sidecar process into this directory. */
  readonly profileDir?: string;
  readonly soakSeconds?: number;
  /** Records of the journal the durability section replays (default 1 000 000; quick 100 000). */
  readonly replayRecords?: number;
  /** Pin the sidecar and echo to one CPU and the generator to another (cpu-placement.ts); `--no-pin` clears it. */
  readonly pin?: boolean;
}

export interface BenchPlan {
  readonly closedLoop: ClosedLoopPlan;
  readonly inProcess: MeasurePlan;
  readonly throughput: ThroughputPlan;
  /** The order mix's saturation run, the yardstick of the open-loop rates. */
  readonly mixCapacity: MixCapacityPlan;
  /** Offered rates, as fractions of the mix's measured maximum on one channel. */
  readonly openLoopFractions: readonly number[];
  /** An unmeasured open-loop run first, so the fill and oracle paths are compiled. */
  readonly openLoopWarmup: OpenLoopPlan & { readonly fraction: number };
  readonly openLoop: OpenLoopPlan;
  /** Other shapes of the open-loop mix, run after the rates above (same duration, windows, oracle). */
  readonly mixes: readonly OpenLoopMix[];
  /** Bytes allocated per decided order and per report in the sidecar (allocation.ts). */
  readonly allocation: AllocationPlan;
  readonly soakFraction: number;
  readonly soak: SoakPlan;
  readonly world: WorldPlan;
  /** Durable (sync, async, replicated on a 3-node JetStream cluster) sidecars beside an in-memory one, and the journal's replay speed. */
  readonly durability: DurabilityPlan;
}

const SEGMENT_BYTES = 64 * 1024 * 1024;

const FULL: BenchPlan = {
  closedLoop: { warmup: 2_000, rounds: 10, perRound: 2_000 },
  inProcess: { warmupCalls: 5_000, calls: 50_000, maxMeasureMs: 3_000 },
  throughput: { warmupMs: 500, rounds: 3, roundMs: 1_500, window: 64, batch: 32, channelCounts: [1, 4] },
  mixCapacity: { durationMs: 5_000, window: 64 },
  openLoopFractions: [0.25, 0.5, 0.8],
  openLoopWarmup: { fraction: 0.25, durationMs: 3_000, windowMs: 1_000 },
  openLoop: { durationMs: 10_000, windowMs: 1_000 },
  mixes: MIXES,
  allocation: { orders: 20_000, window: 64, fillsPerMessage: 8, echoMessages: 20_000 },
  soakFraction: 0.5,
  soak: { durationMs: 120_000, windowMs: 5_000, sampleEveryMs: 10_000 },
  world: { accounts: 2_000, seed: 42, fillFlushMs: 2 },
  durability: {
    modes: ["ephemeral", "sync", "async", "replicated"],
    closedLoop: { warmup: 2_000, rounds: 10, perRound: 2_000 },
    throughput: { warmupMs: 500, rounds: 3, roundMs: 1_500, window: 64, batches: [1, 32] },
    replay: { records: 1_000_000, accounts: 2_000, channels: 4, seed: 42, segmentBytes: SEGMENT_BYTES, profileIfMissed: true },
  },
};

const QUICK: BenchPlan = {
  closedLoop: { warmup: 300, rounds: 2, perRound: 300 },
  inProcess: { warmupCalls: 1_000, calls: 5_000, maxMeasureMs: 500 },
  throughput: { warmupMs: 150, rounds: 1, roundMs: 400, window: 64, batch: 32, channelCounts: [1, 4] },
  mixCapacity: { durationMs: 1_000, window: 64 },
  openLoopFractions: [0.25, 0.5, 0.8],
  openLoopWarmup: { fraction: 0.25, durationMs: 500, windowMs: 250 },
  openLoop: { durationMs: 1_500, windowMs: 250 },
  mixes: MIXES,
  allocation: { orders: 300, window: 64, fillsPerMessage: 8, echoMessages: 300 },
  soakFraction: 0.5,
  soak: { durationMs: 3_000, windowMs: 500, sampleEveryMs: 1_000 },
  world: { accounts: 300, seed: 42, fillFlushMs: 2 },
  durability: {
    modes: ["ephemeral", "sync", "async", "replicated"],
    closedLoop: { warmup: 200, rounds: 2, perRound: 200 },
    throughput: { warmupMs: 100, rounds: 1, roundMs: 300, window: 64, batches: [1, 32] },
    replay: { records: 100_000, accounts: 2_000, channels: 4, seed: 42, segmentBytes: SEGMENT_BYTES, profileIfMissed: false },
  },
};

export function planFor(options: BenchOptions): BenchPlan {
  let plan = options.quick ? QUICK : FULL;
  if (options.soakSeconds !== undefined) plan = { ...plan, soak: { ...plan.soak, durationMs: options.soakSeconds * 1000 } };
  if (options.replayRecords !== undefined) {
    const d = plan.durability;
    plan = { ...plan, durability: { ...d, replay: { ...d.replay, records: options.replayRecords } } };
  }
  return plan;
}

export const USAGE = "usage: npm run bench -- [--quick] [--json] [--profile [dir]] [--soak-seconds N] [--replay-records N] [--no-pin]";

export function parseArgs(argv: readonly string[]): BenchOptions {
  let quick = false;
  let json = false;
  let profileDir: string | undefined;
  let soakSeconds: number | undefined;
  let replayRecords: number | undefined;
  let pin = true;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--quick") quick = true;
    else if (arg === "--json") json = true;
    else if (arg === "--no-pin") pin = false;
    // Profiles default to the temp dir: they are large and never belong in the repository.
    else if (arg === "--profile") profileDir = argv[i + 1] && !argv[i + 1]!.startsWith("--") ? argv[++i]! : join(tmpdir(), "openpit-bench-profiles");
    else if (arg === "--soak-seconds") {
      soakSeconds = Number(argv[++i]);
      if (!Number.isFinite(soakSeconds) || soakSeconds <= 0) throw new Error("--soak-seconds needs a positive number");
    } else if (arg === "--replay-records") {
      replayRecords = Number(argv[++i]);
      if (!Number.isSafeInteger(replayRecords) || replayRecords < 10_000) throw new Error("--replay-records needs an integer ≥ 10000");
    } else throw new Error(`unknown argument '${arg}'\n${USAGE}`);
  }
  return { quick, json, profileDir, soakSeconds, replayRecords, pin };
}
