/**
 * The `metrics` section: where the HTTP listener serves `/metrics` (and the web console).
 * `off` serves no HTTP at all. The gRPC `listen` address is not affected.
 */
import { fail, onlyKeys, optional, readInteger, readObject, readString, type Json } from "../../policies/settings-json.js";
import { parseListenAddress } from "./listen-address.js";

export interface MetricsConfig {
  /** `HOST:PORT` (port 0 = any free port) or `off`. */
  listen: string;
  /**
   * The latency histograms time one message in this many (1 = every one). A clock reading
   * costs 30-150 ns and a timed one-order message takes four, about 5 % of the sidecar's
   * time per order on a slow virtual machine; one in 4 keeps it near 1 %. Counters are exact.
   */
  latencySampleEvery: number;
}

/** 9464: the port OpenTelemetry's Prometheus exporter uses, so scrape configs often expect it. */
export const DEFAULT_METRICS: MetricsConfig = { listen: "127.0.0.1:9464", latencySampleEvery: 4 };

export const METRICS_OFF = "off";

/** `text` as a metrics listen address, or what is wrong with it. */
export function checkMetricsListen(text: string): string | undefined {
  if (text === METRICS_OFF) return undefined;
  const address = parseListenAddress(text);
  return typeof address === "string" ? `${address}, or '${METRICS_OFF}'` : undefined;
}

export function parseMetrics(json: Json, path: string): MetricsConfig {
  const o = readObject(json, path);
  onlyKeys(o, path, Object.keys(DEFAULT_METRICS));
  const listen = optional(o.listen, `${path}.listen`, readString) ?? DEFAULT_METRICS.listen;
  const problem = checkMetricsListen(listen);
  if (problem) fail(`${path}.listen`, problem);
  const every = optional(o.latencySampleEvery, `${path}.latencySampleEvery`, (j, p) => readInteger(j, p, 1, 1_000_000)) ?? DEFAULT_METRICS.latencySampleEvery;
  return { listen, latencySampleEvery: every };
}
