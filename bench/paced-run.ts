/**
 * The open loop's core, shared by the order mix and the echo floor: requests offered at
 * a fixed rate whatever the target does, timed against their intended send times.
 *
 * Coordinated-omission defence: request i has an intended send time `start + i / rate`
 * fixed in advance; on each tick of the pacer (pacer.ts) every request whose time has come
 * is sent (several at once after a stall), and latency is measured from the *intended*
 * time to the answer, so a stall of the target, the network or the generator itself
 * counts in full. "Service time" (actual send → answer) and "send lag" (intended → actual
 * send: the generator's own delay) are kept as diagnostics only.
 *
 * Samples go into HdrHistograms per window of a fixed number of requests; the first
 * window is warm-up and excluded, the rest are merged losslessly for the headline.
 */
import type * as hdr from "hdr-histogram-js";
import { intendedOffsetNs, startPacer, type Pacer, type PacerKind } from "./pacer.js";
import { newHistogram, summarize, type LatencySummaryNs } from "./measure.js";
import type { Progress } from "./progress.js";

export interface OpenLoopPlan {
  readonly durationMs: number;
  readonly windowMs: number;
  /** Requests offered together, then an idle gap (the same mean rate); 1 = evenly spaced. */
  readonly burst?: number;
  /** How requests are timed (pacer.ts): `thread` unless the generator has a CPU of its own. */
  readonly pacer?: PacerKind;
}

export interface PacedResult {
  readonly label: string;
  readonly offeredPerSec: number;
  readonly achievedPerSec: number;
  readonly orders: number;
  readonly windowOrders: number;
  readonly windows: number;
  /** Samples in the headline (all windows but the first). */
  readonly steadySamples: number;
  /** Intended send → answer, steady windows. */
  readonly latency: LatencySummaryNs;
  /** Intended send → answer, every window including warm-up. */
  readonly allRun: LatencySummaryNs;
  readonly service: LatencySummaryNs;
  readonly sendLag: LatencySummaryNs;
  readonly windowP99Ns: readonly number[];
  readonly maxInFlight: number;
}

/** How a target reports back: once per request, from whatever turn its answer arrives in. */
export interface PacedSink {
  answered(i: number): void;
  /** The run cannot go on (a stream failed): it rejects with `error`. */
  failed(error: Error): void;
}

/**
 * What the open loop drives. No promise per request: `send` only queues request i (due at
 * `intendedNs`), and the target calls `sink.answered(i)` when it is answered, before any
 * checking of the answer, so the oracle's work is not counted as the target's latency.
 */
export interface PacedTarget {
  send(i: number, intendedNs: bigint, sink: PacedSink): void;
  /** Called on every pacer tick after the due requests were sent. */
  onTick?(nowNs: bigint): void;
}

const nowNs = () => process.hrtime.bigint();

export async function pacedRun(target: PacedTarget, rate: number, plan: OpenLoopPlan, label: string, progress: Progress): Promise<PacedResult> {
  const total = Math.max(1, Math.round((rate * plan.durationMs) / 1000));
  const windowOrders = Math.max(1, Math.round((rate * plan.windowMs) / 1000));
  const windows: hdr.Histogram[] = Array.from({ length: Math.ceil(total / windowOrders) }, newHistogram);
  const service = newHistogram();
  const lag = newHistogram();
  const intervalNs = 1e9 / rate;
  const burst = plan.burst ?? 1;
  let start = 0n;
  let sent = 0;
  let answered = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  let lastAnswer = 0n;
  let pacer: Pacer | undefined;

  // Intended and actual send times by request, for the answer's latencies (no closure per request).
  const intendedAt = new Float64Array(total);
  const sentAt = new Float64Array(total);
  const drive = () =>
    new Promise<void>((resolve, reject) => {
      const sink: PacedSink = {
        answered(i: number): void {
          const t = nowNs();
          const tn = Number(t - start);
          windows[Math.floor(i / windowOrders)]!.recordValue(tn - intendedAt[i]!);
          service.recordValue(tn - sentAt[i]!);
          lastAnswer = t;
          inFlight--;
          answered++;
          if (answered === total) resolve();
        },
        failed: reject,
      };
      const send = (i: number, intended: bigint): void => {
        const actual = nowNs();
        intendedAt[i] = Number(intended - start);
        sentAt[i] = Number(actual - start);
        lag.recordValue(Number(actual - intended));
        inFlight++;
        if (inFlight > maxInFlight) maxInFlight = inFlight;
        target.send(i, intended, sink);
      };
      const tick = (): void => {
        const now = nowNs();
        while (sent < total) {
          const intended = start + intendedOffsetNs(sent, intervalNs, burst);
          if (intended > now) break;
          send(sent++, intended);
        }
        target.onTick?.(now);
        progress.update(() => `${label}: ${(Number(now - start) / 1e9).toFixed(1)}/${(plan.durationMs / 1000).toFixed(0)} s, ${answered} answered, ${inFlight} in flight`);
      };
      startPacer(intervalNs, total, tick, burst, plan.pacer).then((p) => {
        pacer = p;
        start = p.startNs;
        p.finished.catch(reject);
      }, reject);
    });

  try {
    await drive();
  } finally {
    await pacer?.stop();
  }

  // The first window is warm-up; with a single window there is nothing else to report.
  const steady = newHistogram();
  const all = newHistogram();
  windows.forEach((w, i) => {
    all.add(w);
    if (i > 0 || windows.length === 1) steady.add(w);
  });
  const result: PacedResult = {
    label,
    offeredPerSec: rate,
    achievedPerSec: total / (Number(lastAnswer - start) / 1e9),
    orders: total,
    windowOrders,
    windows: windows.length,
    steadySamples: steady.totalCount,
    latency: summarize(steady),
    allRun: summarize(all),
    service: summarize(service),
    sendLag: summarize(lag),
    windowP99Ns: windows.map((w) => w.getValueAtPercentile(99)),
    maxInFlight,
  };
  for (const h of [...windows, service, lag, steady, all]) h.destroy();
  return result;
}
