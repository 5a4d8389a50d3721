/**
 * A hand-built BenchResults in which every target is comfortably met and the oracle is
 * clean, so a probe can change one figure and watch the report's verdict.
 */
import type { BenchResults } from "../../bench/harness.js";
import type { LatencySummaryNs } from "../../bench/measure.js";
import type { OracleSummary } from "../../bench/oracle.js";

export const lat = (p50: number, p99 = p50 * 2): LatencySummaryNs => ({ p50, p90: p50 * 1.5, p99, p999: p99 * 2, max: p99 * 3, mean: p50 });
const gc = { count: 1, totalMs: 1, maxMs: 1 };
const usage = (server = 0.5) => ({
  cpu: { generator: 0.5, server },
  gc: { generator: gc, server: gc },
  loopDelay: { generator: { p99Ms: 1, maxMs: 2 }, server: { p99Ms: 1, maxMs: 2 } },
  serverAllocatedBytes: 1_000_000,
  wallMs: 10_000,
});

export function openRow(fraction: number, rate: number, over: Record<string, unknown> = {}) {
  return {
    label: `open loop ${fraction * 100} %`,
    fraction,
    offeredPerSec: rate,
    achievedPerSec: rate,
    orders: rate * 10,
    windowOrders: rate,
    windows: 10,
    steadySamples: rate * 9,
    latency: lat(100_000, 300_000),
    allRun: lat(100_000, 300_000),
    service: lat(90_000),
    sendLag: lat(5_000),
    windowP99Ns: Array.from({ length: 10 }, () => 300_000),
    maxInFlight: 10,
    rejects: rate / 2,
    rejectRate: 0.05,
    topUps: 10,
    fills: rate * 9,
    messagesPerWrite: 1,
    usage: usage(),
    echo: { label: `open loop ${fraction * 100} % (echo floor)`, offeredPerSec: rate, achievedPerSec: rate, orders: rate * 10, windowOrders: rate, windows: 10, steadySamples: rate * 9, latency: lat(80_000, 250_000), allRun: lat(80_000), service: lat(80_000), sendLag: lat(5_000), windowP99Ns: [], maxInFlight: 5 },
    ...over,
  };
}

export const cleanOracle: OracleSummary = {
  decisionsChecked: 1000,
  accepted: 950,
  rejectedByCode: { INSUFFICIENT_FUNDS: 50 },
  fillsChecked: 950,
  accountsReconciled: 2000,
  adjustmentsChecked: 10,
  mismatches: 0,
  samples: [],
};

const stats = (rss: number, heapUsed: number) => ({ rss, heapUsed, heapResident: 2 * heapUsed, cpuUserUs: 0, cpuSystemUs: 0, gc, allocatedBytes: 0, loopDelay: { p99Ms: 0, maxMs: 0 } });
const path = (label: string) => ({ label, units: 100, messages: 100, bytes: 100_000, bytesPerUnit: 1000, gcCount: 1 });

export function results(over: { soak?: Record<string, unknown>; high?: Record<string, unknown>; oracle?: OracleSummary } = {}): BenchResults {
  const soakRun = openRow(0.5, 2000);
  const r = {
    options: { quick: false, json: false },
    plan: { throughput: { window: 64, rounds: 3, roundMs: 1500 } },
    sizes: [
      { orders: 1, requestBytes: 42, responseBytes: 98 },
      { orders: 32, requestBytes: 1220, responseBytes: 3012 },
    ],
    closedLoop: {
      plan: { warmup: 1, rounds: 10, perRound: 2000 },
      orderSamples: 20000,
      echoSamples: 20000,
      order: lat(100_000, 200_000),
      echo: lat(95_000, 190_000),
      ratioP50: 1.05,
      ratioP99: 1.05,
      bytesEchoSamples: 20000,
      bytesEcho: lat(90_000),
      bytesRatioP50: 1.1,
    },
    inProcess: [],
    metricsCost: { offNs: 3000, onNs: 3050, costNs: 50, costPct: 1.6, rounds: 5, targetPct: 5 },
    placement: null,
    pacer: "thread",
    inProcessCpu: null,
    throughput: [
      { name: "1 channel, unbatched", channels: 1, ordersPerMessage: 1, window: 64, orderMessages: 1, ordersPerSec: 20000, echoMessages: 1, echoMessagesPerSec: 20000, echoOrdersPerSec: 20000, ratio: 1, cpu: { orders: { generator: 1, server: 1 }, echo: { generator: 1, server: 1 } } },
      { name: "1 channel, batched ×32", channels: 1, ordersPerMessage: 32, window: 64, orderMessages: 1, ordersPerSec: 100000, echoMessages: 1, echoMessagesPerSec: 20000, echoOrdersPerSec: 640000, ratio: 0.2, cpu: { orders: { generator: 1, server: 1 }, echo: { generator: 1, server: 1 } } },
    ],
    maxUnbatchedPerSec: 20000,
    mixCapacity: { decidedPerSec: 10000, decided: 50000, window: 64, usage: usage(0.9) },
    openLoop: [openRow(0.25, 2500), openRow(0.5, 5000), openRow(0.8, 8000, over.high)],
    mixes: [],
    allocation: { orderPath: path("order"), feedPath: path("feed"), echo: path("echo"), plan: { orders: 100, window: 64, fillsPerMessage: 8, echoMessages: 100 } },
    soak: {
      fraction: 0.5,
      rate: 2000,
      durationMs: 120_000,
      start: stats(100 * 2 ** 20, 20 * 2 ** 20),
      end: stats(100 * 2 ** 20, 20 * 2 ** 20),
      rssDeltaBytes: 0,
      heapDeltaBytes: 0,
      samples: Array.from({ length: 12 }, (_, i) => ({ atMs: (i + 1) * 10_000, rss: 100 * 2 ** 20, heapUsed: 20 * 2 ** 20, heapResident: 40 * 2 ** 20 })),
      rssTrend: 0,
      run: soakRun,
      ...over.soak,
    },
    durability: {
      plan: { modes: ["ephemeral", "sync"], throughput: { window: 64, rounds: 3, roundMs: 1500, warmupMs: 1, batches: [1] } },
      closedLoop: {
        plan: { warmup: 1, rounds: 10, perRound: 2000 },
        rows: [
          { mode: "ephemeral", samples: 20000, latency: lat(100_000), p50OverReferenceNs: 0, p99OverReferenceNs: 0 },
          { mode: "sync", samples: 20000, latency: lat(200_000), p50OverReferenceNs: 100_000, p99OverReferenceNs: 100_000 },
        ],
        diskFloor: { samples: 1, latency: lat(100_000) },
        diskFloorThreadPool: { samples: 1, latency: lat(100_000) },
      },
      throughput: [
        {
          name: "1 channel, unbatched",
          ordersPerMessage: 1,
          window: 64,
          rows: [
            { mode: "ephemeral", messages: 1, ordersPerSec: 20000, ratio: 1, cpu: { generator: 1, server: 1 } },
            { mode: "sync", messages: 1, ordersPerSec: 20000, ratio: 1, cpu: { generator: 1, server: 1 } },
          ],
        },
      ],
      journals: [],
      replay: {
        plan: {},
        build: { records: 1000, byKind: { execute: 1000 }, accepted: 1, rejected: 0, ms: 1000, digest: "x" },
        recovery: { replayed: 1000, lastSequence: 1000, reportMs: 1, wallMs: 1, cpuMs: 1, snapshotMs: 0, digest: "x", gc, rss: 1, heapUsed: 1 },
        recordsPerSec: 1_000_000,
        digestMatches: true,
        stages: { records: 1000, segments: 1, fileBytes: 1, dataBytes: 1, payloadBytes: 1, readMs: 0, parseMs: 0, decodeMs: 0 },
        bytesPerRecord: 1,
        parts: { readingMs: 0, jsonParseMs: 0, toDomainMs: 0, closingSnapshotMs: 0, doorAndEngineMs: 0 },
      },
    },
    oracle: over.oracle ?? cleanOracle,
    wallSeconds: 1,
  };
  return r as unknown as BenchResults;
}
