/**
 * `npx tsx bench/alloc-probe.ts [orders] [--open-loop RATE] [--json]`: the harness's
 * allocation section alone — a sidecar and an echo floor in their own processes, the
 * open-loop world, then bytes per decided order and per report with their heap profiles.
 * Allocation counts do not depend on machine noise, so this is the quick way to check a
 * change without the full harness. `--open-loop RATE` then offers the whole mix (fills
 * included) at RATE orders/s for 10 s and prints the sidecar's bytes per decided order and
 * its collections per second: the same figures for two versions of the code, at one rate.
 * `--survivors` adds, for that run, where the objects that were promoted (or are still
 * live) were allocated: the sampled heap profile without what minor GCs collected
 * (alloc-meter.ts). Needs this checkout's sidecar (not one from OPENPIT_PROBE_ROOT).
 */
import { fileURLToPath } from "node:url";
import { connect } from "../src/client/index.js";
import { runAllocation } from "./allocation.js";
import { benchSidecarConfig } from "./bench-config.js";
import { EchoStream, echoClient } from "./echo-service.js";
import { ChildHandle } from "./ipc.js";
import { runOpenLoop } from "./open-loop.js";
import { Oracle } from "./oracle.js";
import { allocationLines } from "./report.js";
import { silentProgress } from "./progress.js";
import { probeSize } from "./sizes.js";
import { openDeepChannels, openWorld } from "./world.js";

const script = (name: string) => fileURLToPath(new URL(name, import.meta.url));

async function main(): Promise<number> {
  const orders = Number(process.argv[2]?.startsWith("--") ? 20_000 : (process.argv[2] ?? 20_000));
  const oracle = new Oracle();
  // OPENPIT_PROBE_ROOT=DIR: that checkout's sidecar (e.g. /work/base6), for before/after
  // runs, forked by that checkout's own ipc.ts so that it runs in its own root: tsx applies
  // the tsconfig of the working directory only to files inside it (docs/performance.md,
  // "Session 6: perf6-feed").
  const root = process.env.OPENPIT_PROBE_ROOT;
  const sidecar = root
    ? ((await import(`${root}/bench/ipc.ts`)) as typeof import("./ipc.js")).ChildHandle.fork("sidecar", `${root}/bench/sidecar-process.ts`)
    : ChildHandle.fork("sidecar", script("./sidecar-process.ts"));
  const echo = ChildHandle.fork("echo", script("./echo-process.ts"));
  try {
    const [{ port }, { port: echoPort }] = await Promise.all([
      sidecar.call<{ port: number }>("start", { config: benchSidecarConfig() }),
      echo.call<{ port: number }>("start"),
    ]);
    const clients = connect(`127.0.0.1:${port}`);
    const [deep] = await openDeepChannels(clients, oracle, 1);
    const size = await probeSize(deep!, 1, oracle);
    await echo.call("sizes", { pairs: [[size.requestBytes, size.responseBytes]] });
    const echoes = echoClient(`127.0.0.1:${echoPort}`);
    const stream = new EchoStream(echoes);
    const world = await openWorld(`127.0.0.1:${port}`, oracle, { accounts: 2_000, seed: 42, fillFlushMs: 2 });
    const result = await runAllocation(
      world,
      sidecar,
      { child: echo, stream, request: Buffer.alloc(size.requestBytes, 0xa5) },
      { orders, window: 64, fillsPerMessage: 8, echoMessages: orders },
      silentProgress,
    );
    process.stdout.write(`${allocationLines(result).join("\n")}\n`);
    const o = oracle.summary();
    process.stdout.write(`oracle: ${o.decisionsChecked} decisions, ${o.fillsChecked} fills, ${o.mismatches} mismatches ${o.samples.slice(0, 3).join(" | ")}\n`);
    const at = process.argv.indexOf("--open-loop");
    if (at > 0) {
      const rate = Number(process.argv[at + 1]);
      await world.fills.drain();
      const survivors = process.argv.includes("--survivors");
      if (survivors && root) throw new Error("--survivors needs this checkout's sidecar (alloc-meter.ts), not OPENPIT_PROBE_ROOT's");
      if (survivors) await sidecar.call("allocSampleStart", { survivors: true });
      const run = await runOpenLoop(world, sidecar, rate, { durationMs: 10_000, windowMs: 1_000 }, "open loop", silentProgress);
      if (survivors) {
        const p = await sidecar.call<import("./alloc-meter.js").AllocationProfile>("allocSampleStop");
        const kib = (b: number) => (b / run.orders / 1024).toFixed(3);
        process.stdout.write(`promoted or still live after a last scavenge: ${kib(p.sampledBytes)} KiB per decided order (sampled)\n`);
        for (const a of p.byArea) process.stdout.write(`  ${kib(a.bytes).padStart(7)}  ${a.site}\n`);
        for (const f of p.topFunctions) process.stdout.write(`  ${kib(f.bytes).padStart(7)}  ${f.site}\n`);
      }
      const seconds = run.usage.wallMs / 1000;
      const gc = run.usage.gc.server;
      process.stdout.write(
        `open loop at ${rate}/s for 10 s: ${run.orders} orders, ${run.fills} fills; sidecar ${(run.usage.serverAllocatedBytes / run.orders / 1024).toFixed(1)} KiB allocated per decided order, ` +
          `GC ${(gc.count / seconds).toFixed(1)}/s (${(gc.totalMs / seconds).toFixed(1)} ms/s, max ${gc.maxMs.toFixed(1)} ms), cpu srv ${run.usage.cpu.server.toFixed(2)}; p99 ${(run.latency.p99 / 1000).toFixed(0)} µs\n`,
      );
    }
    if (process.argv.includes("--json")) process.stdout.write(`${JSON.stringify(result, null, 1)}\n`);
    stream.end();
    await Promise.all([world.close(), deep!.channel.end()]);
    clients.close();
    echoes.close();
    return o.mismatches === 0 ? 0 : 1;
  } finally {
    await Promise.all([sidecar.stop(), echo.stop()]);
  }
}

main().then((code) => process.exit(code), (e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(2);
});
