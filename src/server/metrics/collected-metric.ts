/**
 * A metric prom-client's Registry exposes but does not count: its values are read from
 * plain fields when /metrics is scraped. The hot path increments integers; nothing of
 * prom-client runs per order. Implements what Registry.metrics() asks of a metric
 * (`name`, `help`, `type`, `get()`, `reset()`).
 */
import type { Registry } from "prom-client";
import type { FixedHistograms } from "./fixed-histograms.js";

export type Labels = Readonly<Record<string, string | number>>;

export interface Sample {
  readonly labels: Labels;
  readonly value: number;
  /** `name_bucket`, `name_sum`, `name_count` for histograms. */
  readonly metricName?: string;
}

export type MetricType = "counter" | "gauge" | "histogram";

class CollectedMetric {
  readonly aggregator = "sum";

  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: MetricType,
    private readonly read: () => readonly Sample[],
  ) {}

  get(): Promise<{ name: string; help: string; type: MetricType; aggregator: string; values: readonly Sample[] }> {
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values: this.read() });
  }

  /** Nothing to reset: the values belong to the sidecar, not to the registry. */
  reset(): void {}
}

/** Registers a counter or gauge whose samples `read` returns at each scrape. */
export function collected(registry: Registry, name: string, help: string, type: "counter" | "gauge", read: () => readonly Sample[]): void {
  registry.registerMetric(new CollectedMetric(name, help, type, read) as never);
}

/** Registers histograms kept in `histograms`: series i has the labels `series()[i]`; empty series are left out. */
export function collectedHistogram(
  registry: Registry,
  name: string,
  help: string,
  histograms: FixedHistograms,
  series: () => readonly Labels[],
): void {
  registry.registerMetric(
    new CollectedMetric(name, help, "histogram", () => {
      const out: Sample[] = [];
      series().forEach((labels, s) => {
        if (histograms.count(s) === 0) return;
        const cumulative = histograms.cumulative(s);
        histograms.bounds.forEach((le, i) => out.push({ metricName: `${name}_bucket`, labels: { ...labels, le }, value: cumulative[i]! }));
        out.push({ metricName: `${name}_bucket`, labels: { ...labels, le: "+Inf" }, value: cumulative[cumulative.length - 1]! });
        out.push({ metricName: `${name}_sum`, labels, value: histograms.sum(s) });
        out.push({ metricName: `${name}_count`, labels, value: histograms.count(s) });
      });
      return out;
    }) as never,
  );
}
