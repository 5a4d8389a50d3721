/**
 * Open loop: the order mix offered at a fixed rate on one channel, whatever the sidecar
 * does (pacing, coordinated-omission defence and windows in paced-run.ts), every
 * decision checked by the oracle and accepted orders filled on the report feed. The echo
 * floor runs through the same pacer at the same rate, so the tail the environment adds
 * (pacing, scheduling, GC in the generator) is measured beside ours. Both go through the
 * raw generator (raw-grpc.ts: node:http2, gRPC framing by hand, sends coalesced per tick,
 * no promise per request), not grpc-js's client.
 *
 * Top-ups ride in their own messages just before the order that needs them; the channel
 * applies messages in order, so the oracle books them at send time.
 */
import { emptySpan, usageOf, withCpu, type Usage } from "./cpu.js";
import { stampThenCheck } from "./deferred-checks.js";
import type { ChildHandle } from "./ipc.js";
import type { Expectation } from "./oracle.js";
import { pacedRun, type OpenLoopPlan, type PacedResult, type PacedSink } from "./paced-run.js";
import { RawEchoStream } from "./raw-channel.js";
import type { RawGrpcConnection } from "./raw-grpc.js";
import type { Progress } from "./progress.js";
import type { World } from "./world.js";

export type { OpenLoopPlan } from "./paced-run.js";

export interface OpenLoopResult extends PacedResult {
  readonly rejects: number;
  readonly rejectRate: number;
  readonly topUps: number;
  /** Reports published on the feed for the run's orders. */
  readonly fills: number;
  /** Channel messages per socket write: above 1 when the generator coalesced sends of one tick. */
  readonly messagesPerWrite: number;
  /** Generator and sidecar CPU, GC and event-loop delay over the run. */
  readonly usage: Usage;
}

/** Each order's times on the generator side, for the stage trace (tail-probe.ts). */
export type OrderObserver = (correlationId: bigint, intendedNs: bigint, sentNs: bigint, answeredNs: bigint) => void;

/** One order in flight: its request index in the run, what the oracle predicted, when it left. */
interface InFlight {
  readonly i: number;
  readonly expectation: Expectation;
  readonly intendedNs: bigint;
  readonly sentNs: bigint;
}

/** `fillParts`: each accepted order filled in that many partial fills (a report-heavy mix). */
export async function runOpenLoop(
  world: World,
  sidecar: ChildHandle,
  rate: number,
  plan: OpenLoopPlan,
  label: string,
  progress: Progress,
  fillParts = 1,
  observe?: OrderObserver,
): Promise<OpenLoopResult> {
  let rejects = 0;
  let topUps = 0;
  let sink: PacedSink | undefined;
  const span = emptySpan();
  const fills0 = world.fills.published;
  const sent0 = world.channel.stream.sent;
  const writes0 = world.channel.stream.writes;
  // One handler for every order: the pacer stamps the answer as soon as it is decoded; the
  // oracle checks it at the end of its chunk, after every answer of the chunk was stamped
  // (deferred-checks.ts), so no answer's latency includes the checks of those before it.
  const onAnswer = stampThenCheck<InFlight>(
    (o, answer) => {
      sink!.answered(o.i);
      if (observe && !(answer instanceof Error)) observe(BigInt(answer.correlationId), o.intendedNs, o.sentNs, process.hrtime.bigint());
    },
    (o, answer) => {
      if (!world.checkOrder(o.expectation, answer, fillParts) && !o.expectation.accept) rejects++;
    },
    world.checks,
  );
  const paced = await withCpu(sidecar, span, async () => {
    const result = await pacedRun(
      {
        send(i, intendedNs, s): void {
          sink = s;
          const planned = world.mix.next();
          topUps += world.sendTopUps(planned);
          const e = planned.expectation;
          world.channel.sendOrder(e, onAnswer, { i, expectation: e, intendedNs, sentNs: observe ? process.hrtime.bigint() : 0n });
        },
        onTick: (now) => world.fills.maybeFlush(now),
      },
      rate,
      plan,
      label,
      progress,
    );
    // The last chunk's checks (and the fills they queue) before the final flush.
    world.checks.run();
    await world.fills.drain();
    return result;
  });
  const sent = world.channel.stream.sent - sent0;
  return {
    ...paced,
    rejects,
    rejectRate: rejects / paced.orders,
    topUps,
    fills: world.fills.published - fills0,
    messagesPerWrite: sent / Math.max(1, world.channel.stream.writes - writes0),
    usage: usageOf(span),
  };
}

/** The echo floor at the same rate, through the same pacer and the same raw transport, with order-sized messages. */
export async function runEchoOpenLoop(
  connection: RawGrpcConnection,
  request: Buffer,
  rate: number,
  plan: OpenLoopPlan,
  label: string,
  progress: Progress,
): Promise<PacedResult> {
  let sink: PacedSink | undefined;
  const echo = new RawEchoStream<number>(connection, (i, error) => (error ? sink!.failed(error) : sink!.answered(i)));
  try {
    return await pacedRun(
      {
        send(i, _intendedNs, s): void {
          sink = s;
          echo.send(request, i);
        },
      },
      rate,
      plan,
      label,
      progress,
    );
  } finally {
    await echo.end();
  }
}
