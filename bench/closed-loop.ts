/**
 * Closed loop: one channel, one order in flight. Each sample is one round trip of
 * `executePreTrade{commitOnAccept}` (decided and committed), timed in the generator with
 * `process.hrtime.bigint()` from just before the write to the resolution of its response.
 * The echo floor is timed the same way: the order-shaped echo (order-echo.ts), driven by
 * the same client (`AccountChannel`) with the same requests and answered with a real
 * order's answer, so both sides pay the same client work and the ratio prices the sidecar.
 * The bytes-only echo (echo-service.ts: raw bytes, nothing decoded), the floor before
 * session 5, is timed beside them for continuity. They run in alternating rounds (order
 * first in even rounds, last in odd ones) so machine noise and thermal drift fall on all alike.
 */
import type * as hdr from "hdr-histogram-js";
import { newHistogram, summarize, type LatencySummaryNs } from "./measure.js";
import type { Oracle } from "./oracle.js";
import type { Progress } from "./progress.js";
import type { EchoStream } from "./echo-service.js";
import type { DeepChannel } from "./world.js";

export interface ClosedLoopPlan {
  readonly warmup: number;
  readonly rounds: number;
  readonly perRound: number;
}

export interface ClosedLoopResult {
  readonly plan: ClosedLoopPlan;
  readonly orderSamples: number;
  readonly echoSamples: number;
  readonly order: LatencySummaryNs;
  readonly echo: LatencySummaryNs;
  readonly ratioP50: number;
  readonly ratioP99: number;
  /** The bytes-only echo, timed in the same rounds: the floor the ratio had before session 5. */
  readonly bytesEchoSamples: number;
  readonly bytesEcho: LatencySummaryNs;
  readonly bytesRatioP50: number;
}

/** The bytes-only echo: a request of the order's size, answered with the answer's size. */
export interface BytesEcho {
  readonly stream: EchoStream;
  readonly request: Buffer;
  readonly responseBytes: number;
}

type RoundTrip = () => Promise<number>;

async function repeat(times: number, op: RoundTrip, into: hdr.Histogram | undefined): Promise<void> {
  for (let i = 0; i < times; i++) {
    const ns = await op();
    into?.recordValue(ns);
  }
}

/** One order (or its echo) on `target`, timed from the write to the answer; the answer checked after the clock stops. */
function timedOrder(target: DeepChannel, oracle: Oracle): RoundTrip {
  return async () => {
    const command = target.next();
    const t0 = process.hrtime.bigint();
    const response = await target.channel.sendRaw([command]);
    const ns = Number(process.hrtime.bigint() - t0);
    oracle.checkDeepAccept(response.results[0]);
    return ns;
  };
}

/** `echo`: the order-shaped echo's channel with `deep`'s requests (order-echo.ts). */
export async function runClosedLoop(deep: DeepChannel, echo: DeepChannel, bytes: BytesEcho, oracle: Oracle, plan: ClosedLoopPlan, progress: Progress): Promise<ClosedLoopResult> {
  const order = timedOrder(deep, oracle);
  const roundTrip = timedOrder(echo, oracle);
  const bytesRoundTrip: RoundTrip = async () => {
    const t0 = process.hrtime.bigint();
    const response = await bytes.stream.send(bytes.request);
    const ns = Number(process.hrtime.bigint() - t0);
    if (response.length !== bytes.responseBytes) oracle.mismatch(`echo answered ${response.length} bytes, expected ${bytes.responseBytes}`);
    return ns;
  };

  progress.update("closed loop: warm-up");
  await repeat(plan.warmup, order, undefined);
  await repeat(plan.warmup, roundTrip, undefined);
  await repeat(plan.warmup, bytesRoundTrip, undefined);

  const orders = newHistogram();
  const echoes = newHistogram();
  const bytesEchoes = newHistogram();
  for (let r = 0; r < plan.rounds; r++) {
    progress.update(`closed loop: round ${r + 1}/${plan.rounds}`);
    const runs: [RoundTrip, hdr.Histogram][] = [
      [order, orders],
      [roundTrip, echoes],
      [bytesRoundTrip, bytesEchoes],
    ];
    if (r % 2 === 1) runs.reverse();
    for (const [op, h] of runs) await repeat(plan.perRound, op, h);
  }
  const result: ClosedLoopResult = {
    plan,
    orderSamples: orders.totalCount,
    echoSamples: echoes.totalCount,
    order: summarize(orders),
    echo: summarize(echoes),
    ratioP50: orders.getValueAtPercentile(50) / echoes.getValueAtPercentile(50),
    ratioP99: orders.getValueAtPercentile(99) / echoes.getValueAtPercentile(99),
    bytesEchoSamples: bytesEchoes.totalCount,
    bytesEcho: summarize(bytesEchoes),
    bytesRatioP50: orders.getValueAtPercentile(50) / bytesEchoes.getValueAtPercentile(50),
  };
  orders.destroy();
  echoes.destroy();
  bytesEchoes.destroy();
  return result;
}
