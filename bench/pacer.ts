/**
 * The open loop's clock, in two kinds.
 *
 * `thread` (unpinned runs): Node timers are millisecond-grained, and spinning the event
 * loop (setImmediate) to pace sub-millisecond arrivals burns a whole core: on a 2-core
 * machine shared by every process, that core is stolen from the sidecar and from the
 * kernel's loopback work, and shows up as multi-millisecond latency tails that are the
 * harness's own doing. So a worker thread sleeps with `Atomics.wait` (a futex with a
 * fractional-millisecond timeout, no CPU while waiting) until each intended send time and
 * then posts a tick; the main thread's event loop stays idle in epoll until a tick or a
 * response arrives. The worker's code is plain JavaScript evaluated in place, so it needs
 * no TypeScript loader (it runs the same under tsx and under vitest).
 *
 * `spin` (the generator pinned to a CPU of its own, bench/cpu-placement.ts): that wake-up
 * is not free. Each tick is a futex wake, a message across threads and the main thread
 * waking from epoll, and at 14 000 orders/s it cost the generator ~70 µs of CPU per order,
 * all of its CPU, so the 80 % row measured the generator (run K, docs/performance.md,
 * "Session 7"). With a CPU to itself the generator can instead keep its event loop
 * turning and read the clock on every turn: nothing is taken from the sidecar, requests
 * leave within a turn of their time, and answers are read as they arrive.
 */
import { Worker } from "node:worker_threads";

const WORKER = `
const { parentPort } = require("node:worker_threads");
const cell = new Int32Array(new SharedArrayBuffer(4));
parentPort.once("message", ({ startNs, intervalNs, total, burst }) => {
const dueOf = (i) => startNs + BigInt(Math.round(Math.floor(i / burst) * burst * intervalNs));
for (let i = 0; i < total; i++) {
  const due = dueOf(i);
  for (;;) {
    const waitNs = Number(due - process.hrtime.bigint());
    if (waitNs <= 0) break;
    Atomics.wait(cell, 0, 0, waitNs / 1e6);
  }
  // Whatever else is already due leaves with this tick: one message per wake-up, not one
  // per request (a burst, or a catch-up after a stall, is one tick for the main thread).
  const now = process.hrtime.bigint();
  while (i + 1 < total && dueOf(i + 1) <= now) i++;
  parentPort.postMessage(i);
}
parentPort.close();
});
`;

/** Request i's intended time after the start, in ns (the worker's `dueOf`, which is evaluated code of its own). */
function dueOffsetNs(i: number, intervalNs: number, burst: number): number {
  return Math.round(Math.floor(i / burst) * burst * intervalNs);
}

/** Request i's intended time after the start, for the caller's clock. */
export function intendedOffsetNs(i: number, intervalNs: number, burst = 1): bigint {
  return BigInt(dueOffsetNs(i, intervalNs, burst));
}

/** The first request is due this long after the pacer starts, so it is never late before the caller has its orders ready. */
const START_LEAD_NS = 1_000_000n;

/** `thread`: a sleeping worker posts ticks; `spin`: the main thread checks the clock every event-loop turn. */
export type PacerKind = "thread" | "spin";

export interface Pacer {
  /** Resolves once every tick was given (the thread pacer's worker has exited), or after `stop()`. */
  readonly finished: Promise<void>;
  stop(): Promise<void>;
}

/**
 * Calls `onTick` at (about) each intended time `startNs + i * intervalNs`, i < total (with
 * `burst` > 1: request i at the time of the first of its burst, `burst` requests at once
 * and then an idle gap, the same mean rate; see `intendedOffsetNs`),
 * where `startNs` is fixed once the pacer is ready (for the thread pacer, once its worker
 * is up: starting a thread takes tens of milliseconds, which must not count as the first
 * orders' latency). Late ticks are not skipped: the caller sends whatever is due, so a
 * stall is caught up. Requests already due at a wake-up (or a turn) share its tick.
 */
export async function startPacer(intervalNs: number, total: number, onTick: () => void, burst = 1, kind: PacerKind = "thread"): Promise<Pacer & { readonly startNs: bigint }> {
  if (!(intervalNs > 0 && Number.isFinite(intervalNs))) throw new RangeError(`the pacer's interval must be a positive number of ns, not ${intervalNs}`);
  if (kind === "spin") return startSpinPacer(intervalNs, total, onTick, burst);
  const worker = new Worker(WORKER, { eval: true });
  await new Promise<void>((resolve, reject) => {
    worker.once("online", resolve);
    worker.once("error", reject);
  });
  const finished = new Promise<void>((resolve, reject) => {
    worker.on("error", reject);
    worker.on("exit", () => resolve());
  });
  const startNs = process.hrtime.bigint() + START_LEAD_NS;
  worker.on("message", onTick);
  worker.postMessage({ startNs, intervalNs, total, burst });
  return { startNs, finished, stop: () => worker.terminate().then(() => undefined) };
}

/**
 * The spinning pacer: a `setImmediate` loop, so every event-loop turn polls I/O without
 * waiting (answers are read as they come) and then calls `onTick` when the next request
 * is due. It stops turning once the last request's time has come.
 */
function startSpinPacer(intervalNs: number, total: number, onTick: () => void, burst: number): Pacer & { readonly startNs: bigint } {
  const startNs = process.hrtime.bigint() + START_LEAD_NS;
  let next = 0;
  let stopped = false;
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const due = (i: number) => dueOffsetNs(i, intervalNs, burst);
  const turn = (): void => {
    if (stopped) return done();
    const now = Number(process.hrtime.bigint() - startNs);
    if (due(next) <= now) {
      while (next < total && due(next) <= now) next++;
      onTick();
    }
    if (next >= total) return done();
    setImmediate(turn);
  };
  setImmediate(turn);
  return {
    startNs,
    finished,
    stop: () => {
      stopped = true;
      return finished;
    },
  };
}
