/**
 * Where an order's time goes without any transport: the same bytes the wire carries,
 * through the same codecs the client and the sidecar use (src/transport/wire), timed in
 * this process with `measure` (as `npm run bench:engine` does).
 *
 * - client encode: building and encoding the `OpenRequest` (the generator pays it);
 * - sidecar handle: decode + channel dispatch + engine (all five policies) + commit +
 *   result encoding — exactly what the sidecar does per message besides grpc-js;
 * - client decode: decoding the `OpenResponse` (the generator pays it).
 *
 * Subtracting these from the round trip and the echo floor splits the cost into ours and
 * the transport's (see docs/performance.md).
 *
 * The sidecar's handling is measured with metrics off and on, alternating in rounds so
 * that drift hits both: "on" is what the server does per message (the door's observer:
 * engine time and outcome counters; the channel service: the arrival clock and the answer
 * latency per command, for one message in `metrics.latencySampleEvery`, as the server does).
 * The difference is the metrics' cost per order (target ≤ 5 %).
 *
 * `npm run bench` runs this section in a process of its own pinned to one CPU
 * (`runInProcessOnOneCore`, as `bench:engine` runs: bench/one-core.ts). Run unpinned in the
 * generator's process it fell into this VM's slow mode about one run in four (p50 4.8 →
 * 6.6–7.2 µs for the same code), which read as a metrics cost of 42 % in run F; pinned,
 * never. The work measured is the same: the same calls, plan and Node flags as the bench's
 * own process (`npm start`'s V8 flags: bench/sidecar-v8-flags.ts).
 */
import { decodeOpenRequest, decodeOpenResponse, encodeOpenRequest, encodeOpenResponse } from "../src/transport/wire/index.js";
import { buildSidecar } from "../src/app/build-sidecar.js";
import { runOpenRequest, type StreamChannel } from "../src/server/services/account-channel-service.js";
import { parseSidecarConfig } from "../src/server/config/sidecar-config.js";
import { DEEP_ACCOUNT_BASE, DEEP_FUNDS_USD, INSTRUMENTS, SETTLEMENT, benchSidecarConfig } from "./bench-config.js";
import { measure, type MeasurePlan, type MeasureResult } from "./measure.js";
import { balanceCommand, openRequest, orderCommand } from "./wire.js";
import { onOneCore, pinnedCpu } from "./one-core.js";
import { sidecarV8Flags } from "./sidecar-v8-flags.js";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/** Rounds of metrics off / on, alternating; each side's figure is its median round. */
const METRICS_ROUNDS = 5;

export interface MetricsCost {
  /**
   * Sidecar handling per order (ns), metrics off and on: the median of the rounds' p50s. Not
   * the mean: on a shared machine the mean is mostly preemption (a p50 of 5 µs with a mean
   * of 20 µs was seen), which hits both sides at random and hides a 0.2 µs difference.
   */
  readonly offNs: number;
  readonly onNs: number;
  /** on − off, in ns and as a share of the sidecar's time with metrics off. */
  readonly costNs: number;
  readonly costPct: number;
  readonly rounds: number;
  /** The target of issue 13: metrics cost at most this share of the sidecar's time per order. */
  readonly targetPct: number;
}

export interface InProcessResult {
  readonly cases: MeasureResult[];
  readonly metricsCost: MetricsCost;
  /** The CPU the section ran pinned to; null when it ran unpinned (no `taskset`, or called in-process). */
  readonly pinnedCpu: number | null;
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export function runInProcess(plan: MeasurePlan): InProcessResult {
  const server = buildSidecar(parseSidecarConfig(benchSidecarConfig() as never));
  const state = server.state;
  const metrics = server.metrics;
  const observer = state.observer;
  const session: StreamChannel = { channelId: undefined };
  const handle = (m: Parameters<typeof runOpenRequest>[2]) => runOpenRequest(state, session, m);
  const account = DEEP_ACCOUNT_BASE;
  handle(openRequest(1n, [balanceCommand(account, SETTLEMENT, { absolute: DEEP_FUNDS_USD })]));
  const command = orderCommand(account, INSTRUMENTS[0]!, "BUY", 10);
  const requestBytes = encodeOpenRequest(openRequest(100_000n, [command]));
  const responseBytes = encodeOpenResponse(handle(decodeOpenRequest(requestBytes)));
  let sink = 0;
  const handleOff = () => {
    sink += encodeOpenResponse(handle(decodeOpenRequest(requestBytes))).length;
  };
  // As the channel service does it: the clock at arrival, the latency once answered. Both
  // through the metrics, which read the clock for one message in `latencySampleEvery`
  // (a bare `performance.now()` here charged the metrics two clock readings per order that
  // the server takes for one order in four: about 90 ns of the 100-180 ns this reported).
  const handleOn = () => {
    const arrivedAt = metrics.arrival();
    const m = decodeOpenRequest(requestBytes);
    sink += encodeOpenResponse(handle(m)).length;
    metrics.channelAnswered(m, arrivedAt);
  };
  const off: MeasureResult[] = [];
  const on: MeasureResult[] = [];
  for (let round = 0; round < METRICS_ROUNDS; round++) {
    state.observer = undefined;
    off.push(measure("sidecar decode+handle+encode, metrics off", handleOff, plan));
    state.observer = observer;
    on.push(measure("sidecar decode+handle+encode, metrics on", handleOn, plan));
  }
  state.observer = observer;
  const offNs = median(off.map((m) => m.latencyNs.p50));
  const onNs = median(on.map((m) => m.latencyNs.p50));
  const pick = (rounds: MeasureResult[], ns: number) => rounds.find((m) => m.latencyNs.p50 === ns)!;
  const cases = [
    measure("client encode", () => (sink += encodeOpenRequest(openRequest(100_000n, [command])).length), plan),
    pick(off, offNs),
    pick(on, onNs),
    measure("client decode", () => (sink += decodeOpenResponse(responseBytes).results.length), plan),
  ];
  state.closeChannel(session.channelId!, "disconnect");
  // The sink keeps the work observable so none of it can be optimised away.
  if (sink === 0) throw new Error("in-process bench did no work");
  return { cases, pinnedCpu: pinnedCpu() ?? null, metricsCost: { offNs, onNs, costNs: onNs - offNs, costPct: ((onNs - offNs) / offNs) * 100, rounds: METRICS_ROUNDS, targetPct: 5 } };
}

/** The Node flags of `npm run bench`'s own process, where this section used to run. */
const BENCH_NODE_FLAGS = [...sidecarV8Flags(), "--import", "tsx"];

/** `runInProcess` in a child process pinned to one CPU (bench/in-process-child.ts); rejects if the child fails, with its stderr. */
export function runInProcessOnOneCore(plan: MeasurePlan, cpu?: number): Promise<InProcessResult> {
  const child = fileURLToPath(new URL("./in-process-child.ts", import.meta.url));
  const args = [...BENCH_NODE_FLAGS, child, JSON.stringify(plan)];
  // `cpu`: the harness names the servers' CPU (idle then); without it, the highest this process may use.
  const pinned = onOneCore(args, cpu);
  return new Promise((resolve, reject) => {
    let result: InProcessResult | undefined;
    let stderr = "";
    // From the repository's root, where `--import tsx` resolves, whatever the caller's directory.
    const p = spawn(pinned.command, pinned.args, { cwd: fileURLToPath(new URL("..", import.meta.url)), env: pinned.env, stdio: ["ignore", "inherit", "pipe", "ipc"] });
    p.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    p.once("message", (m) => (result = m as InProcessResult));
    p.once("error", reject);
    p.once("exit", (code, signal) => {
      if (result) {
        // Nothing the child said is lost (a warning, say); a failure carries it in its error instead.
        if (stderr) process.stderr.write(stderr);
        return resolve(result);
      }
      reject(new Error(`in-process section failed (exit code ${code}, signal ${signal})${stderr ? `: ${stderr.trim().slice(-4_000)}` : ""}`));
    });
  });
}
