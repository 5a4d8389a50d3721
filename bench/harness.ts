/**
 * The load harness (`npm run bench`): starts the sidecar and the echo floor in their own
 * processes, drives them from this one, and returns every figure plus the oracle's
 * verdict. `run.ts` is the command line around it; the vitest check calls it directly.
 */
import { connect } from "../src/client/index.js";
import { runAllocation, type AllocationResult } from "./allocation.js";
import { runClosedLoop, type ClosedLoopResult } from "./closed-loop.js";
import { runDurability, type DurabilityResult } from "./durability.js";
import { EchoStream, echoClient } from "./echo-service.js";
import { openOrderEcho } from "./order-echo.js";
import { runInProcessOnOneCore, type MetricsCost } from "./in-process.js";
import { runMixCapacity, type MixCapacityResult } from "./mix-capacity.js";
import { trackGc } from "./gc-stats.js";
import { trackLoopDelay } from "./loop-delay.js";
import { pinProcess, type CpuPlacement } from "./cpu-placement.js";
import { startServerPair } from "./server-pair.js";
import type { PacerKind } from "./pacer.js";
import type { MeasureResult } from "./measure.js";
import { runEchoOpenLoop, runOpenLoop, type OpenLoopResult } from "./open-loop.js";
import type { PacedResult } from "./paced-run.js";
import { Oracle, type OracleSummary } from "./oracle.js";
import { planFor, type BenchOptions, type BenchPlan, type OpenLoopMix } from "./options.js";
import type { Progress } from "./progress.js";
import { RawGrpcConnection } from "./raw-grpc.js";
import { probeSize, type MessageSize } from "./sizes.js";
import { runSoak, type SoakResult } from "./soak.js";
import { runThroughput, type ThroughputCase } from "./throughput.js";
import { openDeepChannels, openWorld } from "./world.js";

export interface BenchResults {
  readonly options: BenchOptions;
  readonly plan: BenchPlan;
  readonly sizes: readonly MessageSize[];
  readonly closedLoop: ClosedLoopResult;
  readonly inProcess: readonly MeasureResult[];
  /** The sidecar's handling per order with metrics on vs off (in-process). */
  readonly metricsCost: MetricsCost;
  /** Where the generator, sidecar and echo ran (null: unpinned, `--no-pin` or no `taskset`). */
  readonly placement: CpuPlacement | null;
  /** How the open loop was paced (pacer.ts): spinning when the generator had a CPU of its own. */
  readonly pacer: PacerKind;
  /** The CPU the in-process section ran pinned to (null: unpinned, no `taskset`). */
  readonly inProcessCpu: number | null;
  readonly throughput: readonly ThroughputCase[];
  /** The unbatched one-channel maximum of the bare throughput case. */
  readonly maxUnbatchedPerSec: number;
  /** The order mix's maximum on one channel: the open-loop rates are fractions of it. */
  readonly mixCapacity: MixCapacityResult;
  readonly openLoop: readonly (OpenLoopResult & { readonly fraction: number; readonly echo: PacedResult })[];
  /** The report-heavy and bursty variants of the open-loop mix (options.ts). */
  readonly mixes: readonly (OpenLoopResult & { readonly fraction: number; readonly mix: OpenLoopMix })[];
  /** Bytes the sidecar allocates per decided order and per report, with where they come from. */
  readonly allocation: AllocationResult;
  readonly soak: SoakResult & { readonly fraction: number; readonly rate: number };
  /** In-memory vs durable sidecars (closed loop, throughput, group commit) and replay speed. */
  readonly durability: DurabilityResult;
  readonly oracle: OracleSummary;
  readonly wallSeconds: number;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** Lets this process use every CPU again; a failure is reported, not thrown. */
function letLoose(placement: CpuPlacement, progress: Progress): void {
  try {
    pinProcess(process.pid, placement.allCpus);
  } catch (e) {
    progress.log(`could not unpin the generator: ${e instanceof Error ? e.message : String(e)}`);
  }
}

export async function runBench(options: BenchOptions, progress: Progress): Promise<BenchResults> {
  const started = process.hrtime.bigint();
  const plan = planFor(options);
  const oracle = new Oracle();
  trackGc();
  trackLoopDelay();
  progress.update("starting the sidecar and echo processes");
  // Pinning is off unless asked for (the CLI's default; the vitest check runs in a shared worker and leaves it off).
  const { sidecar, echo, port, echoPort, placement } = await startServerPair({
    pin: options.pin === true,
    ...(options.profileDir ? { cpuProfileDir: options.profileDir } : {}),
  }).catch((e: unknown) => {
    // The pair stopped its processes; the status line ends here as after any failed run.
    progress.done();
    throw e;
  });
  const serverCpu = placement?.serverCpu;
  const closers: (() => unknown)[] = [];
  try {
    const clients = connect(`127.0.0.1:${port}`);
    closers.push(() => clients.close());
    const streamsNeeded = Math.max(...plan.throughput.channelCounts);
    const deep = await openDeepChannels(clients, oracle, streamsNeeded);
    closers.push(() => Promise.all(deep.map((d) => d.channel.end())));

    const sizes = [await probeSize(deep[0]!, 1, oracle), await probeSize(deep[0]!, plan.throughput.batch, oracle)];
    await echo.call("sizes", { pairs: sizes.map((s) => [s.requestBytes, s.responseBytes]) });
    const echoMessage = (orders: number) => {
      const s = sizes.find((x) => x.orders === orders)!;
      return { request: Buffer.alloc(s.requestBytes, 0xa5), responseBytes: s.responseBytes };
    };
    const echoes = echoClient(`127.0.0.1:${echoPort}`);
    closers.push(() => echoes.close());
    // The bytes-only echo: the allocation section's floor, and the closed loop's before session 5.
    const echoStream = new EchoStream(echoes);
    closers.push(() => echoStream.end());
    // The closed loop's and the throughput's floor: the order-shaped echo through the same client (order-echo.ts).
    const orderEcho = await openOrderEcho(`127.0.0.1:${echoPort}`, echo, deep, plan.throughput.batch, oracle);
    closers.push(() => orderEcho.close());

    const closedLoop = await runClosedLoop(deep[0]!, orderEcho.channels[0]!, { stream: echoStream, ...echoMessage(1) }, oracle, plan.closedLoop, progress);
    progress.log(`closed loop: done (${closedLoop.orderSamples} orders, ${closedLoop.echoSamples} echoes)`);

    progress.update("in-process breakdown");
    // In a child pinned to one CPU: unpinned, this section fell into the VM's slow mode now and then (in-process.ts).
    const { cases: inProcess, metricsCost, pinnedCpu: inProcessCpu } = await runInProcessOnOneCore(plan.inProcess, serverCpu);
    progress.log(`in-process: metrics cost ${metricsCost.costNs.toFixed(0)} ns per order (${metricsCost.costPct.toFixed(1)} %)`);

    const throughput = await runThroughput({ deep, echoChannels: orderEcho.channels, sidecar, echo }, oracle, plan.throughput, progress);
    progress.log(`throughput: done (${throughput.length} cases)`);
    const single = throughput.find((c) => c.channels === 1 && c.ordersPerMessage === 1)!;
    const maxUnbatchedPerSec = single.ordersPerSec;

    progress.update("seeding the open-loop accounts");
    const world = await openWorld(`127.0.0.1:${port}`, oracle, plan.world);
    closers.push(() => world.close());
    const mixCapacity = await runMixCapacity(world, sidecar, plan.mixCapacity, progress);
    const max = mixCapacity.decidedPerSec;
    progress.log(`mix capacity: ${Math.round(max)} decided orders/s`);
    const warm = plan.openLoopWarmup;
    // A generator with a CPU of its own spins its event loop to pace (pacer.ts): the thread
    // pacer's wake-ups cost it all of its CPU at the 80 % rate (run K).
    const pacer: PacerKind = placement ? "spin" : "thread";
    const openLoopPlan = { ...plan.openLoop, pacer };
    await runOpenLoop(world, sidecar, warm.fraction * max, { ...warm, pacer }, "open-loop warm-up (not measured)", progress);
    const openLoop: (OpenLoopResult & { fraction: number; echo: PacedResult })[] = [];
    const echoTarget = { stream: echoStream, request: echoMessage(1).request };
    // The open loop's echo floor goes through the raw generator, like the orders (open-loop.ts).
    const rawEcho = new RawGrpcConnection(`127.0.0.1:${echoPort}`);
    closers.push(() => rawEcho.close());
    for (const fraction of plan.openLoopFractions) {
      const label = `open loop ${Math.round(fraction * 100)} %`;
      const orders = await runOpenLoop(world, sidecar, fraction * max, openLoopPlan, label, progress);
      const echo = await runEchoOpenLoop(rawEcho, echoTarget.request, fraction * max, openLoopPlan, `${label} (echo floor)`, progress);
      openLoop.push({ fraction, ...orders, echo });
      progress.log(`${label}: done`);
    }
    const mixes: (OpenLoopResult & { fraction: number; mix: OpenLoopMix })[] = [];
    for (const mix of plan.mixes) {
      const shape = mix.fillParts !== undefined ? `${mix.fillParts} partial fills per order` : `bursts of ${mix.burst}`;
      const label = `${mix.name} ${Math.round(mix.fraction * 100)} % (${shape})`;
      const run = await runOpenLoop(world, sidecar, mix.fraction * max, { ...openLoopPlan, burst: mix.burst }, label, progress, mix.fillParts);
      mixes.push({ ...run, fraction: mix.fraction, mix });
      progress.log(`${label}: done`);
    }
    const allocation = await runAllocation(world, sidecar, { child: echo, ...echoTarget }, plan.allocation, progress);
    progress.log(`allocation: ${Math.round(allocation.orderPath.bytesPerUnit)} B per decided order, ${Math.round(allocation.feedPath.bytesPerUnit)} B per report`);
    const soakRate = plan.soakFraction * max;
    const soak = { fraction: plan.soakFraction, rate: soakRate, ...(await runSoak(world, sidecar, soakRate, { ...plan.soak, pacer }, progress)) };
    progress.log("memory soak: done");
    // Every account of the open-loop world read back and compared exactly with the oracle, now
    // that nothing is in flight: what the answers' bounded absolutes leave open (oracle.ts).
    progress.update("reconciling the open-loop accounts");
    await world.reconcile(clients);
    progress.log(`reconciled ${oracle.summary().accountsReconciled} accounts with the oracle`);

    // Fresh sidecars of their own (one per durability mode); the ones above sit idle. Started
    // unpinned, as before: the generator lets go of its CPU first (children inherit it).
    if (placement) letLoose(placement, progress);
    const durability = await runDurability(plan.durability, oracle, options.profileDir, progress);

    return {
      options,
      plan,
      sizes,
      closedLoop,
      inProcess,
      metricsCost,
      placement: placement ?? null,
      pacer,
      inProcessCpu,
      throughput,
      maxUnbatchedPerSec,
      mixCapacity,
      openLoop,
      mixes,
      allocation,
      soak,
      durability,
      oracle: oracle.summary(),
      wallSeconds: Number(process.hrtime.bigint() - started) / 1e9,
    };
  } finally {
    progress.update("stopping");
    // Bounded: a stream that already failed may never report its end.
    for (const close of closers.reverse()) await withTimeout(Promise.resolve(close()), 2_000).catch(() => {});
    await Promise.all([sidecar.stop(), echo.stop()]);
    // Last and best-effort: a failure here must not hide the run's own error or skip the stops.
    if (placement) letLoose(placement, progress);
    progress.done();
  }
}
