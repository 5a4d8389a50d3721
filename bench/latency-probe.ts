/**
 * Where the closed loop's time goes (issue 10): one order in flight at a time, timed as
 * bench/closed-loop.ts times it, through four clients in alternating blocks so machine
 * noise falls on all alike:
 *
 * - `order/grpc-js`: the bench's closed loop, `AccountChannel.sendRaw` (src/client).
 * - `echo/grpc-js`:  the bench's echo floor, `EchoStream.send` (raw bytes).
 * - `order/raw`:     the same order through the raw generator (bench/raw-channel.ts,
 *                    node:http2, answers decoded only as far as the oracle needs).
 * - `echo/raw`:      the echo through the same raw generator.
 *
 * The order/echo gap with the same client is what the sidecar adds; the grpc-js/raw gap
 * on each side is what the client adds. CPU per round trip is taken in each process
 * (generator, sidecar, echo) over each block.
 *
 * `OPENPIT_PROBE_ROOT=/work/base5` runs another checkout's sidecar and clients (the
 * before/after of a change), e.g.
 *   npx tsx bench/latency-probe.ts [samples per block] [blocks]
 *   OPENPIT_PROBE_ROOT=/work/base5 npx tsx bench/latency-probe.ts 2000 6
 */
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as nodeFs from "node:fs";
import { probeSidecarArgs } from "./sidecar-v8-flags.js";

const here = resolve(fileURLToPath(import.meta.url), "../..");
const root = process.env.OPENPIT_PROBE_ROOT ?? here;
// tsx applies the tsconfig of the working directory only to that project's files: another
// checkout's code imported from here compiles with [[Define]] class fields (its
// `useDefineForClassFields: false` unread), which made its decimals' constructors 42 % of a
// warm order (docs/performance.md, "Session 6: perf6-order"). So the probe re-runs itself
// from the other checkout, and its clients are that checkout's.
if (resolve(process.cwd()) !== resolve(root) && process.env.OPENPIT_PROBE_IN_ROOT !== "1") {
  const { spawnSync } = await import("node:child_process");
  const run = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, OPENPIT_PROBE_IN_ROOT: "1" },
  });
  process.exit(run.status ?? 1);
}
const load = <T>(p: string): Promise<T> => import(resolve(root, p)) as Promise<T>;

type Ipc = typeof import("./ipc.js");
type Cfg = typeof import("./bench-config.js");
type Client = typeof import("../src/client/index.js");
type Echo = typeof import("./echo-service.js");
type Raw = typeof import("./raw-channel.js");
type RawGrpc = typeof import("./raw-grpc.js");
type World = typeof import("./world.js");
type OracleM = typeof import("./oracle.js");
type Sizes = typeof import("./sizes.js");
type Wire = typeof import("./wire.js");

const samples = Number(process.argv[2] ?? 2000);
const blocks = Number(process.argv[3] ?? 6);
const window = Number(process.argv[4] ?? 1);

const { ChildHandle } = await load<Ipc>("bench/ipc.ts");
const cfg = await load<Cfg>("bench/bench-config.ts");
const { connect } = await load<Client>("src/client/index.ts");
const { EchoStream, echoClient } = await load<Echo>("bench/echo-service.ts");
const { RawOrderChannel, RawEchoStream } = await load<Raw>("bench/raw-channel.ts");
const { RawGrpcConnection } = await load<RawGrpc>("bench/raw-grpc.ts");
const { openDeepChannels } = await load<World>("bench/world.ts");
const { Oracle } = await load<OracleM>("bench/oracle.ts");
const { probeSize } = await load<Sizes>("bench/sizes.ts");
const { balanceCommand } = await load<Wire>("bench/wire.ts");

// OPENPIT_PROBE_PROFILE=DIR: CPU profiles of both servers (bench/profile-top.ts reads them).
// OPENPIT_PROBE_SIDECAR_ARGS="--flag ...": more Node/V8 flags for the sidecar only.
const sidecarArgs = probeSidecarArgs();
const profile = process.env.OPENPIT_PROBE_PROFILE ? { cpuProfileDir: process.env.OPENPIT_PROBE_PROFILE } : {};
// OPENPIT_PROBE_PROFILE_US=50: the profiles' sampling interval in µs (V8's default 1 000 is too coarse for one round trip).
const profileArgs = process.env.OPENPIT_PROBE_PROFILE && process.env.OPENPIT_PROBE_PROFILE_US ? [`--cpu-prof-interval=${process.env.OPENPIT_PROBE_PROFILE_US}`] : [];
// OPENPIT_PROBE_SHARED=1: the echo service is also served by the sidecar's own server (latency-probe-sidecar.ts).
const shared = process.env.OPENPIT_PROBE_SHARED === "1";
const sidecar = ChildHandle.fork("sidecar", shared ? resolve(here, "bench/latency-probe-sidecar.ts") : resolve(root, "bench/sidecar-process.ts"), { ...profile, execArgv: [...profileArgs, ...sidecarArgs] });
const echo = ChildHandle.fork("echo", resolve(root, "bench/echo-process.ts"), { ...profile, execArgv: profileArgs });
const [{ port }, { port: echoPort }] = await Promise.all([
  // OPENPIT_PROBE_CONFIG: JSON merged over the bench configuration (e.g. network or metrics changed).
  sidecar.call<{ port: number }>("start", { config: { ...cfg.benchSidecarConfig(), ...JSON.parse(process.env.OPENPIT_PROBE_CONFIG ?? "{}") } }),
  echo.call<{ port: number }>("start"),
]);
// OPENPIT_PROBE_PIDS=FILE: the servers' pids written there, then 2 s to attach a tracer (strace -c -p).
if (process.env.OPENPIT_PROBE_PIDS) {
  nodeFs.writeFileSync(process.env.OPENPIT_PROBE_PIDS, `${sidecar.pid} ${echo.pid}\n`);
  await new Promise((r) => setTimeout(r, 2000));
}
const oracle = new Oracle();
const clients = connect(`127.0.0.1:${port}`);
const [deep] = await openDeepChannels(clients, oracle, 1);
const size = await probeSize(deep!, 1, oracle);
await echo.call("sizes", { pairs: [[size.requestBytes, size.responseBytes]] });
const echoRequest = Buffer.alloc(size.requestBytes, 0xa5);
const echoStream = new EchoStream(echoClient(shared ? `127.0.0.1:${port}` : `127.0.0.1:${echoPort}`));

// The order-shaped echo (order-echo.ts), driven by the order's own client; an older checkout's echo process has none.
const { openOrderEcho } = await load<typeof import("./order-echo.js")>("bench/order-echo.ts").catch(() => import("./order-echo.js"));
const orderEcho = await openOrderEcho(`127.0.0.1:${echoPort}`, echo, [deep!], 32, oracle)
  .then((e) => e.channels[0]!.channel)
  .catch(() => undefined);

const rawSidecar = new RawGrpcConnection(`127.0.0.1:${port}`);
const rawChannel = new RawOrderChannel(rawSidecar, () => oracle.mismatch("stray answer"));
const rawAccounts = Array.from({ length: 64 }, (_, i) => cfg.DEEP_ACCOUNT_BASE + 500_000n + BigInt(i));
const seeded = await rawChannel.sendCommands(rawAccounts.map((id) => balanceCommand(id, cfg.SETTLEMENT, { absolute: cfg.DEEP_FUNDS_USD })));
if (seeded.error) throw new Error("seeding the raw accounts failed");
// In the shared mode the echo runs on the sidecar's server (and the echo process sits idle).
if (shared) await sidecar.call("sizes", { pairs: [[size.requestBytes, size.responseBytes]] });
const echoAddress = shared ? `127.0.0.1:${port}` : `127.0.0.1:${echoPort}`;
const rawEchoConn = new RawGrpcConnection(echoAddress);
const rawEcho = new RawEchoStream<(e: Error | undefined) => void>(rawEchoConn, (done, e) => done(e));

type Op = () => Promise<number>;
const ns = (t0: bigint) => Number(process.hrtime.bigint() - t0);
let r = 0;
const ops: Record<string, [Op, typeof sidecar]> = {
  "order/grpc-js": [
    async () => {
      const command = deep!.next();
      const t0 = process.hrtime.bigint();
      const response = await deep!.channel.sendRaw([command]);
      const t = ns(t0);
      oracle.checkDeepAccept(response.results[0]);
      return t;
    },
    sidecar,
  ],
  "echo/grpc-js": [
    async () => {
      const t0 = process.hrtime.bigint();
      const response = await echoStream.send(echoRequest);
      const t = ns(t0);
      if (response.length !== size.responseBytes) oracle.mismatch("echo size");
      return t;
    },
    shared ? sidecar : echo,
  ],
  ...(orderEcho
    ? {
        "echo/order-client": [
          async () => {
            const command = deep!.next();
            const t0 = process.hrtime.bigint();
            const response = await orderEcho.sendRaw([command]);
            const t = ns(t0);
            oracle.checkDeepAccept(response.results[0]);
            return t;
          },
          echo,
        ] as [Op, typeof sidecar],
      }
    : {}),
  "order/raw": [
    async () => {
      const accountId = rawAccounts[r++ % rawAccounts.length]!;
      const t0 = process.hrtime.bigint();
      const answer = await rawChannel.order({ accountId, instrument: cfg.INSTRUMENTS[0]!, side: "BUY", quantity: 10 });
      const t = ns(t0);
      if (answer.error || answer.results[0]?.result.case !== "execute" || !answer.results[0].result.value.accepted) oracle.mismatch("raw order not accepted");
      return t;
    },
    sidecar,
  ],
  "echo/raw": [
    async () => {
      const t0 = process.hrtime.bigint();
      await new Promise<void>((ok, fail) => {
        rawEcho.send(echoRequest, (e) => (e ? fail(e) : ok()));
      });
      return ns(t0);
    },
    shared ? sidecar : echo,
  ],
};

/** CPU ns of a process's main thread and of its other threads (V8's GC helpers, libuv's pool), from /proc schedstat. */
function threadCpuNs(pid: number | undefined): [number, number] {
  const fs = nodeFs;
  let main = 0;
  let other = 0;
  try {
    for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
      const ns = Number(fs.readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
      if (tid === String(pid)) main += ns;
      else other += ns;
    }
  } catch {
    // Not Linux: no split.
  }
  return [main, other];
}

interface Acc {
  gcCount: number;
  gcMs: number;
  alloc: number;
  mainNs: number;
  otherNs: number;
  lat: number[];
  wallNs: number;
  genUs: number;
  srvUs: number;
  n: number;
}
const acc: Record<string, Acc> = Object.fromEntries(Object.keys(ops).map((k) => [k, { gcCount: 0, gcMs: 0, alloc: 0, mainNs: 0, otherNs: 0, lat: [], wallNs: 0, genUs: 0, srvUs: 0, n: 0 }]));
type Stats = { cpuUserUs: number; cpuSystemUs: number; gc: { count: number; totalMs: number }; allocatedBytes: number };
const cpuOf = (s: Stats) => s.cpuUserUs + s.cpuSystemUs;

// OPENPIT_PROBE_WARMUP: round trips per client before measuring (default 1 000).
const warmup = Number(process.env.OPENPIT_PROBE_WARMUP ?? 1000);
for (const name of Object.keys(ops)) for (let i = 0; i < warmup; i++) await ops[name]![0]();
// OPENPIT_PROBE_OPS=order/raw,echo/raw: only these clients.
const names = (process.env.OPENPIT_PROBE_OPS?.split(",") ?? Object.keys(ops)).filter((n) => n in ops);
for (let b = 0; b < blocks; b++) {
  const order = b % 2 === 0 ? names : [...names].reverse();
  for (const name of order) {
    const [op, server] = ops[name]!;
    const a = acc[name]!;
    const s0 = await server.call<Stats>("stats", {});
    const t0 = threadCpuNs(server.pid);
    const g0 = process.cpuUsage();
    const w0 = process.hrtime.bigint();
    // `window` loops of sequential round trips: 1 = the closed loop, 64 = the pipelined throughput shape.
    await Promise.all(
      Array.from({ length: window }, async () => {
        for (let i = 0; i < samples / window; i++) a.lat.push(await op());
      }),
    );
    a.wallNs += ns(w0);
    const g = process.cpuUsage(g0);
    const t1 = threadCpuNs(server.pid);
    const s1 = await server.call<Stats>("stats", {});
    a.mainNs += t1[0] - t0[0];
    if (process.env.OPENPIT_PROBE_VERBOSE) console.log(`block ${b} ${name}: server main ${((t1[0] - t0[0]) / 1000 / samples).toFixed(1)} µs, others ${((t1[1] - t0[1]) / 1000 / samples).toFixed(1)} µs per round trip`);
    a.gcCount += s1.gc.count - s0.gc.count;
    a.gcMs += s1.gc.totalMs - s0.gc.totalMs;
    a.alloc += s1.allocatedBytes - s0.allocatedBytes;
    a.otherNs += t1[1] - t0[1];
    a.genUs += g.user + g.system;
    a.srvUs += cpuOf(s1) - cpuOf(s0);
    a.n += samples;
  }
}
const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]! / 1000;
const rows = names.map((name) => {
  const a = acc[name]!;
  a.lat.sort((x, y) => x - y);
  return { name, perSec: a.n / (a.wallNs / 1e9), p50: pct(a.lat, 50), p90: pct(a.lat, 90), p99: pct(a.lat, 99), genCpuUs: a.genUs / a.n, srvCpuUs: a.srvUs / a.n, srvMainUs: a.mainNs / 1000 / a.n, srvOtherUs: a.otherNs / 1000 / a.n, gc: `${a.gcCount} GCs ${a.gcMs.toFixed(0)} ms, ${(a.alloc / a.n / 1024).toFixed(1)} KiB/rt` };
});
console.log(`root ${root}, ${blocks} blocks × ${samples}, window ${window}; mismatches ${oracle.summary().mismatches}`);
for (const x of rows) console.log(`${x.name.padEnd(14)} ${Math.round(x.perSec)}/s p50 ${x.p50.toFixed(1)} p90 ${x.p90.toFixed(1)} p99 ${x.p99.toFixed(1)} µs | generator CPU ${x.genCpuUs.toFixed(1)} µs, server CPU ${x.srvCpuUs.toFixed(1)} µs (main thread ${x.srvMainUs.toFixed(1)}, others ${x.srvOtherUs.toFixed(1)}) per round trip; server ${x.gc}`);
const p50 = (n: string) => rows.find((x) => x.name === n)?.p50 ?? NaN;
const rate = (n: string) => rows.find((x) => x.name === n)?.perSec ?? NaN;
console.log(`ratio rate order/echo: grpc-js ${(rate("order/grpc-js") / rate("echo/grpc-js")).toFixed(2)}, raw ${(rate("order/raw") / rate("echo/raw")).toFixed(2)}`);
if (orderEcho) console.log(`ratio order/grpc-js against echo/order-client: rate ${(rate("order/grpc-js") / rate("echo/order-client")).toFixed(2)}, p50 ${(p50("order/grpc-js") / p50("echo/order-client")).toFixed(2)}`);
console.log(`ratio p50 order/echo: grpc-js ${(p50("order/grpc-js") / p50("echo/grpc-js")).toFixed(2)}, raw ${(p50("order/raw") / p50("echo/raw")).toFixed(2)}`);

// OPENPIT_TRACE_SAMPLE=N (read by every process): the sidecar's stage stamps of the sampled orders, p50 per stage.
if (process.env.OPENPIT_TRACE_SAMPLE) {
  type Dump = import("../src/transport/stage-trace.js").TraceDump;
  const dump = await sidecar.call<Dump | null>("trace");
  if (dump) {
    const stages: [string, (o: Dump["orders"][number]) => number][] = [
      ["deserializer → 'data'", (o) => o.delivered - o.deserialized],
      ["'data' → engine start", (o) => o.engineStart - o.delivered],
      ["engine (decode, door, encode)", (o) => o.engineEnd - o.engineStart],
      ["engine end → call.write", (o) => o.written - o.engineEnd],
      ["call.write → serialized", (o) => o.serialized - o.written],
      ["serialized → write callback", (o) => o.flushed - o.serialized],
      ["deserializer → write callback", (o) => o.flushed - o.deserialized],
    ];
    const done = dump.orders.filter((o) => o.flushed > 0 && o.serialized > 0);
    console.log(`stage trace: ${done.length} orders`);
    for (const [name, f] of stages) {
      const xs = done.map(f).sort((a, b) => a - b);
      console.log(`  ${name.padEnd(32)} p50 ${pct(xs, 50).toFixed(2)} p90 ${pct(xs, 90).toFixed(2)} µs`);
    }
  }
}
rawSidecar.close();
rawEchoConn.close();
clients.close();
await Promise.all([sidecar.stop(), echo.stop()]);
process.exit(0);
