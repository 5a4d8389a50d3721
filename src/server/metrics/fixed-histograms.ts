/**
 * Latency histograms as plain typed arrays, one series per small integer (a command kind):
 * an observation is a short scan of the bucket bounds and three increments, cheap enough
 * for every order. prom-client reads them only when /metrics is scraped (collected-metric.ts).
 */

/** Seconds: 5 µs to 1 s. An order spends ~5-50 µs in the engine; a durable answer waits for fdatasync (~0.1-10 ms). */
export const LATENCY_BUCKETS = [
  0.000005, 0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
] as const;

export class FixedHistograms {
  /** Per series, per bucket (not cumulative), the last slot past the largest bound (+Inf). */
  private readonly buckets: Float64Array;
  private readonly sums: Float64Array;
  private readonly counts: Float64Array;
  private readonly width: number;

  constructor(
    readonly series: number,
    readonly bounds: readonly number[] = LATENCY_BUCKETS,
  ) {
    this.width = bounds.length + 1;
    this.buckets = new Float64Array(series * this.width);
    this.sums = new Float64Array(series);
    this.counts = new Float64Array(series);
  }

  observe(series: number, seconds: number): void {
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && seconds > bounds[i]!) i++;
    this.buckets[series * this.width + i]!++;
    this.sums[series]! += seconds;
    this.counts[series]!++;
  }

  count(series: number): number {
    return this.counts[series]!;
  }

  sum(series: number): number {
    return this.sums[series]!;
  }

  /** Cumulative counts per bound (`le`), then +Inf, as Prometheus exposes them. */
  cumulative(series: number): number[] {
    const out = new Array<number>(this.width);
    let running = 0;
    for (let i = 0; i < this.width; i++) {
      running += this.buckets[series * this.width + i]!;
      out[i] = running;
    }
    return out;
  }
}
