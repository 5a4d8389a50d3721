/**
 * Closed loop: one channel, one order in flight. Each sample is one round trip of
 * `executePreTrade{commitOnAccept}` (decided and committed), timed in the generator with
 * `process.hrtime.bigint()` from just before the write to the resolution of its response.
 * The echo floor is timed the same way with messages of the same sizes. The two run in
 * alternating rounds (order first in even rounds, echo first in odd ones) so machine
 * noise and thermal drift fall on both alike.
 */
import type * as hdr from "hdr-histogram-js";
import { newHistogram, summarize, type LatencySummaryNs } from "./measure.js";
import type { EchoStream } from "./echo-service.js";
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

export interface EchoTarget {
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

export async function runClosedLoop(deep: DeepChannel, echo: EchoTarget, oracle: Oracle, plan: ClosedLoopPlan, progress: Progress): Promise<ClosedLoopResult> {
  const order: RoundTrip = async () => {
    const command = deep.next();
    const t0 = process.hrtime.bigint();
    const response = await deep.channel.sendRaw([command]);
    const ns = Number(process.hrtime.bigint() - t0);
    oracle.checkDeepAccept(response.results[0]);
    return ns;
  };
  const roundTrip: RoundTrip = async () => {
    const t0 = process.hrtime.bigint();
    const response = await echo.stream.send(echo.request);
    const ns = Number(process.hrtime.bigint() - t0);
    if (response.length !== echo.responseBytes) oracle.mismatch(`echo answered ${response.length} bytes, expected ${echo.responseBytes}`);
    return ns;
  };

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
