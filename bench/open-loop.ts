/**
 * Open loop: the order mix offered at a fixed rate on one channel, whatever the sidecar
 * does (pacing, coordinated-omission defence and windows in paced-run.ts), every
 * decision checked by the oracle and accepted orders filled on the report feed. The echo
 * floor runs through the same pacer at the same rate, so the tail the environment adds
 * (pacing, scheduling, GC in the generator) is measured beside ours.
 *
 * Top-ups ride in their own messages just before the order that needs them; the channel
 * applies messages in order, so the oracle books them at send time.
 */
import { emptySpan, usageOf, withCpu, type Usage } from "./cpu.js";
import type { EchoStream } from "./echo-service.js";
import type { ChildHandle } from "./ipc.js";
import { pacedRun, type OpenLoopPlan, type PacedResult } from "./paced-run.js";
import type { Progress } from "./progress.js";
import type { World } from "./world.js";

export type { OpenLoopPlan } from "./paced-run.js";

export interface OpenLoopResult extends PacedResult {
  readonly rejects: number;
  readonly rejectRate: number;
  readonly topUps: number;
  /** Reports published on the feed for the run's orders. */
  readonly fills: number;
  /** Generator and sidecar CPU, GC and event-loop delay over the run. */
  readonly usage: Usage;
}

/** Each order's times on the generator side, for the stage trace (tail-probe.ts). */
export type OrderObserver = (correlationId: bigint, intendedNs: bigint, sentNs: bigint, answeredNs: bigint) => void;

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
  const span = emptySpan();
  const fills0 = world.fills.published;
  const paced = await withCpu(sidecar, span, async () => {
    const result = await pacedRun(
      {
        send(_i, intended): Promise<void> {
          const sentNs = observe ? process.hrtime.bigint() : 0n;
          const planned = world.mix.next();
          for (const b of planned.before) {
            topUps++;
            world.channel.sendRaw([b.command]).then(
              (r) => world.oracle.checkAdjustment(r.results[0], b.what),
              (e: Error) => world.oracle.mismatch(`top-up lost: ${e.message}`),
            );
          }
          return world.channel.sendRaw([planned.command]).then((response) => {
            if (observe) observe(response.correlationId, intended, sentNs, process.hrtime.bigint());
            const e = planned.expectation;
            if (world.oracle.checkDecision(e, response.results[0])) {
              if (e.accept) world.fills.add(e, fillParts);
            } else if (!e.accept) rejects++;
          });
        },
        onTick: (now) => world.fills.maybeFlush(now),
      },
      rate,
      plan,
      label,
      progress,
    );
    await world.fills.drain();
    return result;
  });
  return { ...paced, rejects, rejectRate: rejects / paced.orders, topUps, fills: world.fills.published - fills0, usage: usageOf(span) };
}

/** The echo floor at the same rate, through the same pacer, with order-sized messages. */
export async function runEchoOpenLoop(
  echo: { readonly stream: EchoStream; readonly request: Buffer },
  rate: number,
  plan: OpenLoopPlan,
  label: string,
  progress: Progress,
): Promise<PacedResult> {
  return pacedRun({ send: () => echo.stream.send(echo.request).then(() => undefined) }, rate, plan, label, progress);
}
