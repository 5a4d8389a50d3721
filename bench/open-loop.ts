/**
 * Open loop: orders offered at a fixed rate on one channel, whatever the sidecar does.
 *
 * Coordinated-omission defence: order i has an intended send time `start + i / rate`
 * fixed in advance; on each tick of the pacer (pacer.ts) the generator sends every order
 * whose time has come (several at once if it fell behind), and latency is measured from
 * the *intended* time to the decision, so a stall of the sidecar, the network or the
 * generator itself counts in full. "Service time" (actual send → decision) and "send lag"
 * (intended → actual send: the generator's own delay) are kept as diagnostics only.
 *
 * Top-ups ride in their own messages just before the order that needs them; the channel
 * applies messages in order, so the oracle books them at send time.
 *
 * Samples go into HdrHistograms per window of a fixed number of orders; the first window
 * is warm-up and excluded, the rest are merged losslessly for the headline.
 */
import type * as hdr from "hdr-histogram-js";
import { emptySpan, usageOf, withCpu, type Usage } from "./cpu.js";
import type { ChildHandle } from "./ipc.js";
import { startPacer, type Pacer } from "./pacer.js";
import { newHistogram, summarize, type LatencySummaryNs } from "./measure.js";
import type { Progress } from "./progress.js";
import type { World } from "./world.js";

export interface OpenLoopPlan {
  readonly durationMs: number;
  readonly windowMs: number;
}

export interface OpenLoopResult {
  readonly label: string;
  readonly offeredPerSec: number;
  readonly achievedPerSec: number;
  readonly orders: number;
  readonly windowOrders: number;
  readonly windows: number;
  /** Samples in the headline (all windows but the first). */
  readonly steadySamples: number;
  /** Intended send → decision, steady windows. */
  readonly latency: LatencySummaryNs;
  /** Intended send → decision, every window including warm-up. */
  readonly allRun: LatencySummaryNs;
  readonly service: LatencySummaryNs;
  readonly sendLag: LatencySummaryNs;
  readonly windowP99Ns: readonly number[];
  readonly maxInFlight: number;
  readonly rejects: number;
  readonly rejectRate: number;
  readonly topUps: number;
  /** Generator and sidecar CPU and GC over the run: which side saturated, how much was GC. */
  readonly usage: Usage;
}

const nowNs = () => process.hrtime.bigint();

export async function runOpenLoop(world: World, sidecar: ChildHandle, rate: number, plan: OpenLoopPlan, label: string, progress: Progress): Promise<OpenLoopResult> {
  const total = Math.max(1, Math.round((rate * plan.durationMs) / 1000));
  const windowOrders = Math.max(1, Math.round((rate * plan.windowMs) / 1000));
  const windows: hdr.Histogram[] = Array.from({ length: Math.ceil(total / windowOrders) }, newHistogram);
  const service = newHistogram();
  const lag = newHistogram();
  const intervalNs = 1e9 / rate;
  let start = 0n;
  let sent = 0;
  let decided = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  let rejects = 0;
  let topUps = 0;
  let lastDecision = 0n;
  let pacer: Pacer | undefined;

  const drive = () =>
    new Promise<void>((resolve, reject) => {
      const send = (i: number, intended: bigint): void => {
        const planned = world.mix.next();
        for (const b of planned.before) {
          topUps++;
          world.channel.sendRaw([b.command]).then((r) => world.oracle.checkAdjustment(r.results[0], b.what), reject);
        }
        const actual = nowNs();
        lag.recordValue(Number(actual - intended));
        inFlight++;
        if (inFlight > maxInFlight) maxInFlight = inFlight;
        world.channel.sendRaw([planned.command]).then((response) => {
          const t = nowNs();
          windows[Math.floor(i / windowOrders)]!.recordValue(Number(t - intended));
          service.recordValue(Number(t - actual));
          lastDecision = t;
          inFlight--;
          decided++;
          const e = planned.expectation;
          if (world.oracle.checkDecision(e, response.results[0])) {
            if (e.accept) world.fills.add(e);
          } else if (!e.accept) rejects++;
          if (decided === total) resolve();
        }, reject);
      };
      const tick = (): void => {
        const now = nowNs();
        while (sent < total) {
          const intended = start + BigInt(Math.round(sent * intervalNs));
          if (intended > now) break;
          send(sent++, intended);
        }
        world.fills.maybeFlush(now);
        progress.update(() => `${label}: ${(Number(now - start) / 1e9).toFixed(1)}/${(plan.durationMs / 1000).toFixed(0)} s, ${decided} decided, ${inFlight} in flight`);
      };
      startPacer(intervalNs, total, tick).then((p) => {
        pacer = p;
        start = p.startNs;
        p.finished.catch(reject);
      }, reject);
    });

  const span = emptySpan();
  await withCpu(sidecar, span, async () => {
    try {
      await drive();
    } finally {
      await pacer?.stop();
    }
    await world.fills.drain();
  });

  // The first window is warm-up; with a single window there is nothing else to report.
  const steady = newHistogram();
  const all = newHistogram();
  windows.forEach((w, i) => {
    all.add(w);
    if (i > 0 || windows.length === 1) steady.add(w);
  });
  const result: OpenLoopResult = {
    label,
    offeredPerSec: rate,
    achievedPerSec: total / (Number(lastDecision - start) / 1e9),
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
    rejects,
    rejectRate: rejects / total,
    topUps,
    usage: usageOf(span),
  };
  for (const h of [...windows, service, lag, steady, all]) h.destroy();
  return result;
}
