/**
 * Closed loop: one channel, one order in flight. Each sample is one round trip of
 * `executePreTrade{commitOnAccept}` (decided and committed), timed in the generator with
 * `process.hrtime.bigint()` from just before the write to the resolution of its response.
 * The echo floor is timed the same way: the order-shaped echo (order-echo.ts), driven by
 * the same client (`AccountChannel`) with the same requests and answered with a real
 * order's answer, so both sides pay the same client work and the ratio prices the sidecar.
 * The two run in alternating rounds (order first in even rounds, echo first in odd ones)
 * so machine noise and thermal drift fall on both alike.
 */
import type * as hdr from "hdr-histogram-js";
import { newHistogram, summarize, type LatencySummaryNs } from "./measure.js";
import type { Oracle } from "./oracle.js";
import type { Progress } from "./progress.js";
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
export async function runClosedLoop(deep: DeepChannel, echo: DeepChannel, oracle: Oracle, plan: ClosedLoopPlan, progress: Progress): Promise<ClosedLoopResult> {
  const order = timedOrder(deep, oracle);
  const roundTrip = timedOrder(echo, oracle);

  progress.update("closed loop: warm-up");
  await repeat(plan.warmup, order, undefined);
  await repeat(plan.warmup, roundTrip, undefined);

  const orders = newHistogram();
  const echoes = newHistogram();
  for (let r = 0; r < plan.rounds; r++) {
    progress.update(`closed loop: round ${r + 1}/${plan.rounds}`);
    const pair: [RoundTrip, hdr.Histogram][] = [
      [order, orders],
      [roundTrip, echoes],
    ];
    if (r % 2 === 1) pair.reverse();
    for (const [op, h] of pair) await repeat(plan.perRound, op, h);
  }
  const result: ClosedLoopResult = {
    plan,
    orderSamples: orders.totalCount,
    echoSamples: echoes.totalCount,
    order: summarize(orders),
    echo: summarize(echoes),
    ratioP50: orders.getValueAtPercentile(50) / echoes.getValueAtPercentile(50),
    ratioP99: orders.getValueAtPercentile(99) / echoes.getValueAtPercentile(99),
  };
  orders.destroy();
  echoes.destroy();
  return result;
}
