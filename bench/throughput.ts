/**
 * Throughput: pipelined streams, each keeping a fixed window of messages in flight (a new
 * one is written as soon as one is answered), on 1 and on N channels, unbatched (one order
 * per message) and batched (B orders per message). The echo floor runs the same shape:
 * same streams, window and requests through the same client, against the order-shaped
 * echo (order-echo.ts: a real answer of the same orders comes back), so both sides pay the
 * same client work. Orders and echo alternate in rounds, so noise hits both; CPU use of the
 * generator and the server is recorded to show which side was the bottleneck.
 */
import { cpuShare, emptySpan, withCpu, type CpuShare, type UsageSpan } from "./cpu.js";
import type { ChildHandle } from "./ipc.js";
import type { Oracle } from "./oracle.js";
import type { Progress } from "./progress.js";
import type { DeepChannel } from "./world.js";

export interface ThroughputPlan {
  readonly warmupMs: number;
  readonly rounds: number;
  readonly roundMs: number;
  /** Messages in flight per stream. */
  readonly window: number;
  readonly batch: number;
  readonly channelCounts: readonly number[];
}

export interface ThroughputCase {
  readonly name: string;
  readonly channels: number;
  readonly ordersPerMessage: number;
  readonly window: number;
  readonly orderMessages: number;
  readonly ordersPerSec: number;
  readonly echoMessages: number;
  readonly echoMessagesPerSec: number;
  /** Echo messages/s × orders per message: the floor for orders/s. */
  readonly echoOrdersPerSec: number;
  readonly ratio: number;
  readonly cpu: { readonly orders: CpuShare; readonly echo: CpuShare };
}

export type Send = () => Promise<unknown>;

export interface PumpResult {
  completed: number;
  elapsedNs: number;
}

/**
 * Keeps `window` sends in flight on each stream for `durationMs`; counts the responses
 * that arrived before the deadline, then lets the rest drain uncounted.
 */
export function pump(senders: readonly Send[], window: number, durationMs: number): Promise<PumpResult> {
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(durationMs) * 1_000_000n;
  let completed = 0;
  let outstanding = 0;
  let endNs = 0n;
  return new Promise((resolve, reject) => {
    const launch = (send: Send): void => {
      outstanding++;
      send().then(() => {
        outstanding--;
        if (endNs === 0n) {
          const now = process.hrtime.bigint();
          if (now < deadline) {
            completed++;
            launch(send);
            return;
          }
          endNs = now;
        }
        if (outstanding === 0) resolve({ completed, elapsedNs: Number(endNs - start) });
      }, reject);
    };
    for (const send of senders) for (let i = 0; i < window; i++) launch(send);
  });
}

export interface Measured {
  messages: number;
  /** Up to the deadline: the span the messages were counted over. */
  elapsedNs: number;
  /** The whole run including the uncounted drain: the span CPU was read over. */
  cpu: UsageSpan;
}

export async function measured(server: ChildHandle, run: () => Promise<PumpResult>, into: Measured): Promise<void> {
  const r = await withCpu(server, into.cpu, run);
  into.messages += r.completed;
  into.elapsedNs += r.elapsedNs;
}

export interface ThroughputTargets {
  readonly deep: readonly DeepChannel[];
  /** The order-shaped echo's channels, with the deep channels' requests (order-echo.ts). */
  readonly echoChannels: readonly DeepChannel[];
  readonly sidecar: ChildHandle;
  readonly echo: ChildHandle;
}

export async function runThroughput(t: ThroughputTargets, oracle: Oracle, plan: ThroughputPlan, progress: Progress): Promise<ThroughputCase[]> {
  const cases: ThroughputCase[] = [];
  for (const ordersPerMessage of [1, plan.batch]) {
    for (const channels of plan.channelCounts) {
      const name = `${channels} channel${channels > 1 ? "s" : ""}, ${ordersPerMessage === 1 ? "unbatched" : `batched ×${ordersPerMessage}`}`;
      const sender = (d: DeepChannel): Send => () =>
        d.channel.sendRaw(Array.from({ length: ordersPerMessage }, d.next)).then((r) => {
          for (let i = 0; i < ordersPerMessage; i++) oracle.checkDeepAccept(r.results[i]);
        });
      const orderSenders = t.deep.slice(0, channels).map(sender);
      const echoSenders = t.echoChannels.slice(0, channels).map(sender);
      progress.update(`throughput ${name}: warm-up`);
      await pump(orderSenders, plan.window, plan.warmupMs);
      await pump(echoSenders, plan.window, plan.warmupMs);
      const orders: Measured = { messages: 0, elapsedNs: 0, cpu: emptySpan() };
      const echoes: Measured = { messages: 0, elapsedNs: 0, cpu: emptySpan() };
      for (let r = 0; r < plan.rounds; r++) {
        progress.update(`throughput ${name}: round ${r + 1}/${plan.rounds}`);
        const runs: [() => Promise<void>, () => Promise<void>] = [
          () => measured(t.sidecar, () => pump(orderSenders, plan.window, plan.roundMs), orders),
          () => measured(t.echo, () => pump(echoSenders, plan.window, plan.roundMs), echoes),
        ];
        if (r % 2 === 1) runs.reverse();
        for (const run of runs) await run();
      }
      const perSec = (m: Measured) => m.messages / (m.elapsedNs / 1e9);
      const echoMessagesPerSec = perSec(echoes);
      cases.push({
        name,
        channels,
        ordersPerMessage,
        window: plan.window,
        orderMessages: orders.messages,
        ordersPerSec: perSec(orders) * ordersPerMessage,
        echoMessages: echoes.messages,
        echoMessagesPerSec,
        echoOrdersPerSec: echoMessagesPerSec * ordersPerMessage,
        ratio: (perSec(orders) * ordersPerMessage) / (echoMessagesPerSec * ordersPerMessage),
        cpu: { orders: cpuShare(orders.cpu), echo: cpuShare(echoes.cpu) },
      });
    }
  }
  return cases;
}
