/**
 * `npx tsx bench/closed-loop-probe.ts [repeats] [warm-up] [rounds] [per round]`: the bench's
 * closed loop alone (bench/closed-loop.ts: one order in flight against the order-shaped
 * echo and the bytes echo, in alternating rounds), with the processes placed as
 * `npm run bench` places them, repeated `repeats` times on the same processes (default 3;
 * warm-up 2 000, 10 rounds of 2 000: the bench's plan). Each repeat prints its p50s and
 * ratio, so two settings can be compared run against run, e.g. a longer warm-up or a V8
 * flag (`OPENPIT_PROBE_SIDECAR_ARGS="--flag …"`: given to the sidecar and to the echo
 * floor, which runs with the sidecar's flags in the bench too). `OPENPIT_PROBE_PIDS=FILE`
 * writes the two servers' pids there before the first repeat, to attach a profiler
 * (`perf record -p`; docs/performance.md, "Session 8"). A diagnostic: never asserted.
 */
import { writeFileSync } from "node:fs";
import { connect } from "../src/client/index.js";
import { runClosedLoop } from "./closed-loop.js";
import { EchoStream, echoClient } from "./echo-service.js";
import { Oracle } from "./oracle.js";
import { openOrderEcho } from "./order-echo.js";
import { silentProgress } from "./progress.js";
import { startServerPair } from "./server-pair.js";
import { probeSidecarArgs } from "./sidecar-v8-flags.js";
import { probeSize } from "./sizes.js";
import { openDeepChannels } from "./world.js";

const arg = (i: number, fallback: number) => {
  const v = Number(process.argv[2 + i] ?? fallback);
  if (!Number.isSafeInteger(v) || v < 1) throw new Error(`argument ${i + 1} must be a positive integer, not ${process.argv[2 + i]}`);
  return v;
};

async function main(): Promise<void> {
  const [repeats, warmup, rounds, perRound] = [arg(0, 3), arg(1, 2_000), arg(2, 10), arg(3, 2_000)];
  const execArgv = probeSidecarArgs();
  const { sidecar, echo, port, echoPort, placement } = await startServerPair({ pin: true, execArgv });
  const closers: (() => unknown)[] = [];
  try {
    const oracle = new Oracle();
    const clients = connect(`127.0.0.1:${port}`);
    closers.push(() => clients.close());
    const deep = await openDeepChannels(clients, oracle, 1);
    closers.push(() => Promise.all(deep.map((d) => d.channel.end())));
    const size = await probeSize(deep[0]!, 1, oracle);
    await echo.call("sizes", { pairs: [[size.requestBytes, size.responseBytes]] });
    const echoes = echoClient(`127.0.0.1:${echoPort}`);
    closers.push(() => echoes.close());
    const echoStream = new EchoStream(echoes);
    closers.push(() => echoStream.end());
    const orderEcho = await openOrderEcho(`127.0.0.1:${echoPort}`, echo, deep, 32, oracle);
    closers.push(() => orderEcho.close());
    if (process.env.OPENPIT_PROBE_PIDS) writeFileSync(process.env.OPENPIT_PROBE_PIDS, `${sidecar.pid} ${echo.pid}\n`);
    process.stdout.write(`${placement ? `generator on CPU ${placement.generatorCpu}, servers on CPU ${placement.serverCpu}` : "unpinned"}; extra flags: ${execArgv.join(" ") || "none"}\n`);
    const bytes = { stream: echoStream, request: Buffer.alloc(size.requestBytes, 0xa5), responseBytes: size.responseBytes };
    const us = (ns: number) => (ns / 1000).toFixed(1);
    for (let i = 0; i < repeats; i++) {
      const r = await runClosedLoop(deep[0]!, orderEcho.channels[0]!, bytes, oracle, { warmup, rounds, perRound }, silentProgress);
      process.stdout.write(`repeat ${i + 1}: order p50 ${us(r.order.p50)} µs, order-shaped echo p50 ${us(r.echo.p50)} µs, ratio ${r.ratioP50.toFixed(3)}; bytes echo p50 ${us(r.bytesEcho.p50)} µs\n`);
    }
    process.stdout.write(`oracle: ${oracle.summary().decisionsChecked} decisions, ${oracle.summary().mismatches} mismatches\n`);
  } finally {
    for (const close of closers.reverse()) await close();
    await Promise.all([sidecar.stop(), echo.stop()]);
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`closed-loop-probe: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(2);
  },
);
