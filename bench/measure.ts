import * as hdr from "hdr-histogram-js";

/** How long to run one case: a warm-up (not recorded) so the JIT settles, then the measured calls. */
export interface MeasurePlan {
  readonly warmupCalls: number;
  readonly calls: number;
  /** Stops the measured run early once this much wall time has passed, to keep the whole bench short. */
  readonly maxMeasureMs: number;
}

export interface LatencySummaryNs {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
  readonly mean: number;
}

export interface MeasureResult {
  readonly name: string;
  readonly calls: number;
  readonly elapsedMs: number;
  readonly callsPerSec: number;
  readonly latencyNs: LatencySummaryNs;
}

/**
 * A fresh HdrHistogram for nanosecond samples: plain JS (no WebAssembly, so nothing to
 * free by hand in the normal case), 64-bit buckets, 3 significant digits, resizing itself
 * so no sample is clamped. Shared by the in-process engine bench and the load harness.
 */
export function newHistogram(): hdr.Histogram {
  return hdr.build({
    bitBucketSize: 64,
    useWebAssembly: false,
    autoResize: true,
    lowestDiscernibleValue: 1,
    numberOfSignificantValueDigits: 3,
  });
}

/** The percentiles every report prints; always read from a histogram, never averaged. */
export function summarize(histogram: hdr.Histogram): LatencySummaryNs {
  return {
    p50: histogram.getValueAtPercentile(50),
    p90: histogram.getValueAtPercentile(90),
    p99: histogram.getValueAtPercentile(99),
    p999: histogram.getValueAtPercentile(99.9),
    max: histogram.maxValue,
    mean: histogram.mean,
  };
}

/**
 * Times `op` call by call with `process.hrtime.bigint()` and records nanoseconds into an
 * HdrHistogram (see `newHistogram`). Throughput is the measured
 * calls over the wall time of the measured loop, so it includes the timer's own cost
 * (a few tens of nanoseconds per call) — the same for every case, so cases stay comparable.
 */
export function measure(name: string, op: () => void, plan: MeasurePlan): MeasureResult {
  for (let i = 0; i < plan.warmupCalls; i++) op();

  const histogram = newHistogram();
  const deadline = process.hrtime.bigint() + BigInt(Math.round(plan.maxMeasureMs * 1e6));
  const started = process.hrtime.bigint();
  let calls = 0;
  let now = started;
  while (calls < plan.calls) {
    const before = now;
    op();
    now = process.hrtime.bigint();
    histogram.recordValue(Number(now - before));
    calls++;
    // Checking the deadline every 1024 calls keeps the check out of the per-call cost.
    if ((calls & 1023) === 0 && now >= deadline) break;
  }
  const elapsedNs = Number(now - started);

  const result: MeasureResult = {
    name,
    calls,
    elapsedMs: elapsedNs / 1e6,
    callsPerSec: calls / (elapsedNs / 1e9),
    latencyNs: summarize(histogram),
  };
  histogram.destroy();
  return result;
}

export function micros(ns: number): string {
  return `${(ns / 1000).toFixed(2)}µs`;
}

/** A fixed-width text table, one row per case. */
export function formatTable(results: readonly MeasureResult[]): string {
  const header = ["case", "calls", "calls/s", "p50", "p90", "p99", "p99.9", "max"];
  const rows = results.map((r) => [
    r.name,
    String(r.calls),
    Math.round(r.callsPerSec).toLocaleString("en-US"),
    micros(r.latencyNs.p50),
    micros(r.latencyNs.p90),
    micros(r.latencyNs.p99),
    micros(r.latencyNs.p999),
    micros(r.latencyNs.max),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}
