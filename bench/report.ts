/**
 * The harness's report: machine, configuration, every figure beside its echo floor with
 * the ratio, the oracle's verdict, and the targets marked met or missed. One object feeds
 * both the JSON output and the text.
 */
import os from "node:os";
import type { BenchResults } from "./harness.js";
import { micros, type LatencySummaryNs } from "./measure.js";
import { REPLAY_TARGET_PER_SEC } from "./replay.js";
import { benchSidecarConfig } from "./bench-config.js";
import { FLOOR_RECORD_BYTES, type DurabilityResult } from "./durability.js";
import type { AllocationResult } from "./allocation.js";
import type { OracleSummary } from "./oracle.js";
import type { GcStats } from "./gc-stats.js";
import type { LoopDelay } from "./loop-delay.js";
import type { OpenLoopResult } from "./open-loop.js";

export interface Target {
  readonly name: string;
  readonly value: string;
  readonly met: boolean;
}

export interface BenchReport extends BenchResults {
  /** False when the oracle found any mismatch: the run is invalid whatever its speed. */
  readonly ok: boolean;
  readonly machine: Record<string, string | number>;
  readonly engine: { readonly syncMode: string; readonly policies: readonly string[] };
  readonly targets: readonly Target[];
}

/** RSS may grow by this share of its start value over the soak and still count as flat. */
export const RSS_FLAT_SHARE = 0.1;

/** Durable sync closed-loop p50 may exceed the in-memory p50 by this much. */
export const DURABLE_P50_BUDGET_US = 150;
/** Durable sync pipelined throughput, as a share of the in-memory one. */
export const DURABLE_THROUGHPUT_SHARE = 0.8;

function machineInfo(): Record<string, string | number> {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model ?? "unknown",
    cores: cpus.length,
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
  };
}

const x = (ratio: number) => `${ratio.toFixed(2)}×`;
const perSec = (n: number) => Math.round(n).toLocaleString("en-US");
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

export function allocationLines(a: AllocationResult): string[] {
  const paths = [a.orderPath, a.feedPath];
  const share = (bytes: number, total: number) => `${((bytes / total) * 100).toFixed(1)} %`;
  const out = [
    `Allocation — V8 heap bytes allocated in the sidecar process (exact, from its GCs), pipelined ${a.plan.window} deep on the open-loop world; echo floor: its process per message`,
    table(
      ["path", "units", "messages", "allocated", "per unit", "GCs"],
      [...paths, a.echo].map((p) => [p.label, String(p.units), String(p.messages), mib(p.bytes), kib(p.bytesPerUnit), String(p.gcCount)]),
    ),
  ];
  for (const p of paths) {
    if (!p.profile) continue;
    const total = p.profile.sampledBytes;
    out.push(`  ${p.label}: sampled heap profile ${kib(total / p.units)} per unit; by area: ${p.profile.byArea.slice(0, 8).map((x) => `${x.site} ${share(x.bytes, total)}`).join("; ")}`);
    out.push(`    top functions: ${p.profile.topFunctions.slice(0, 12).map((x) => `${x.site} ${share(x.bytes, total)}`).join("; ")}`);
  }
  return out;
}

function targets(r: BenchResults): Target[] {
  const out: Target[] = [
    { name: "closed-loop p50 ≤ 1.15× echo p50", value: x(r.closedLoop.ratioP50), met: r.closedLoop.ratioP50 <= 1.15 },
    { name: "closed-loop p99 ≤ 1.5× echo p99", value: x(r.closedLoop.ratioP99), met: r.closedLoop.ratioP99 <= 1.5 },
    // Issue 13: counting metrics costs at most 5 % of the sidecar's time per order (in-process).
    {
      name: `metrics cost ≤ ${r.metricsCost.targetPct} % of the sidecar's time per order`,
      value: `${r.metricsCost.costNs.toFixed(0)} ns = ${r.metricsCost.costPct.toFixed(1)} %`,
      met: r.metricsCost.costPct <= r.metricsCost.targetPct,
    },
  ];
  for (const c of r.throughput) {
    if (c.ordersPerMessage === 1) {
      out.push({ name: `pipelined ${c.name} ≥ 0.8× echo msgs/s`, value: x(c.ratio), met: c.ratio >= 0.8 });
    } else {
      out.push({ name: `${c.name} ≥ 50 000 orders/s`, value: `${perSec(c.ordersPerSec)}/s`, met: c.ordersPerSec >= 50_000 });
    }
  }
  const half = r.openLoop.find((o) => o.fraction === 0.5);
  if (half) {
    const ratio = half.latency.p99 / r.closedLoop.order.p99;
    const u = half.usage;
    const cpu = `cpu gen ${u.cpu.generator.toFixed(2)} / srv ${u.cpu.server.toFixed(2)}; longest GC pause gen ${u.gc.generator.maxMs.toFixed(1)} / srv ${u.gc.server.maxMs.toFixed(1)} ms`;
    const floor = `echo floor at the same rate: p99 ${micros(half.echo.latency.p99)}`;
    out.push({ name: "open loop at 50 % p99 ≤ 2× closed-loop p99", value: `${micros(half.latency.p99)} = ${x(ratio)} (${floor}; ${cpu})`, met: ratio <= 2 });
    // Issue 10's yardsticks: the transport's own tail at the same rate, and an absolute p99.9.
    const echoRatio = half.latency.p99 / half.echo.latency.p99;
    out.push({ name: "open loop at 50 % p99 ≤ 3× the echo floor's p99 at the same rate", value: `${micros(half.latency.p99)} = ${x(echoRatio)} of ${micros(half.echo.latency.p99)}`, met: echoRatio <= 3 });
    out.push({ name: "open loop at 50 % p99.9 ≤ 20 ms", value: micros(half.latency.p999), met: half.latency.p999 <= 20e6 });
  }
  const quarter = r.openLoop.find((o) => o.fraction === 0.25);
  const high = r.openLoop.find((o) => o.fraction === 0.8);
  if (high && quarter) {
    const kept = high.achievedPerSec / high.offeredPerSec;
    out.push({ name: "open loop at 80 %: achieved = offered (≥ 99 %)", value: `${perSec(high.achievedPerSec)} of ${perSec(high.offeredPerSec)}/s (${(kept * 100).toFixed(1)} %)`, met: kept >= 0.99 });
    const p50Ratio = high.latency.p50 / quarter.latency.p50;
    // Why this row passes in one run and fails in the next: paced, an order costs the sidecar
    // more CPU than in the pipelined capacity run (fewer orders per socket read and write),
    // so "80 %" can leave it 0.8–0.95 busy (docs/performance.md, Session 10).
    const load = `sidecar ${high.usage.cpu.server.toFixed(2)} busy; CPU per decided order ${x(cpuPerOrderUs(high, high.usage.cpu.server) / capacityCpuPerOrderUs(r))} the capacity run's`;
    out.push({
      name: "open loop at 80 % p50 ≤ 2× the p50 at 25 %",
      value: `${micros(high.latency.p50)} = ${x(p50Ratio)} of ${micros(quarter.latency.p50)} (${load})`,
      met: p50Ratio <= 2,
    });
    // A growing queue shows as window p99s that climb: the last steady window against the
    // first (a median would hide a run that was behind from its first second on).
    // Two steady windows at least, or there is nothing to compare: not measured, not met (with
    // none or one, the rule compared 0 with 0 or a window with itself: found by review, session 30).
    const steady = high.windowP99Ns.slice(1);
    const compared = steady.length >= 2;
    const first = steady[0] ?? Number.NaN;
    const last = steady.at(-1) ?? Number.NaN;
    // …and a run behind from its first second on shows as more than a second of orders in flight.
    const queued = high.maxInFlight > high.offeredPerSec;
    out.push({
      name: "open loop at 80 %: no growing queue (last window p99 ≤ 2× the first steady window's, under 1 s of orders in flight)",
      value: compared
        ? `${micros(last)} vs ${micros(first)}; in flight max ${high.maxInFlight}`
        : `not measured: ${steady.length} steady window${steady.length === 1 ? "" : "s"} (2 needed); in flight max ${high.maxInFlight}`,
      met: compared && last <= 2 * first && !queued,
    });
  }
  const heapGrowth = r.soak.heapDeltaBytes / r.soak.start.heapUsed;
  out.push({
    name: `heap retained after GC flat over the soak (growth ≤ ${RSS_FLAT_SHARE * 100} %)`,
    value: `${r.soak.heapDeltaBytes >= 0 ? "+" : ""}${mib(r.soak.heapDeltaBytes)} (${(heapGrowth * 100).toFixed(1)} %)`,
    met: heapGrowth <= RSS_FLAT_SHARE,
  });
  out.push({
    name: `RSS outside the V8 heap flat over the soak (last third vs first third of the samples, ≤ ${RSS_FLAT_SHARE * 100} %)`,
    value: Number.isNaN(r.soak.rssTrend) ? `not measured: ${r.soak.samples.length} RSS sample${r.soak.samples.length === 1 ? "" : "s"} (2 needed)` : `${(r.soak.rssTrend * 100).toFixed(1)} %`,
    met: r.soak.rssTrend <= RSS_FLAT_SHARE,
  });
  out.push(...durabilityTargets(r.durability));
  return out;
}

const MODE_LABEL: Record<string, string> = { ephemeral: "in-memory", sync: "durable sync", async: "durable async", replicated: "replicated R3" };
const signedUs = (ns: number) => `${ns >= 0 ? "+" : "−"}${(Math.abs(ns) / 1000).toFixed(1)} µs`;

function durabilityTargets(d: DurabilityResult): Target[] {
  const out: Target[] = [];
  const ref = d.closedLoop.rows[0]!;
  const sync = d.closedLoop.rows.find((row) => row.mode === "sync");
  const journal = d.journals.find((j) => j.mode === "sync");
  const closedPhase = journal?.phases.find((p) => p.phase.startsWith("closed loop"));
  if (sync) {
    const fsync = `; disk floor p50 ${micros(d.closedLoop.diskFloor.latency.p50)}${closedPhase ? `, the journal's mean fdatasync in that phase ${closedPhase.meanFsyncUs.toFixed(0)} µs` : ""}`;
    out.push({
      name: `durable sync closed-loop p50 ≤ in-memory p50 + ${DURABLE_P50_BUDGET_US} µs`,
      value: `${signedUs(sync.p50OverReferenceNs)} (sync ${micros(sync.latency.p50)}, in-memory ${micros(ref.latency.p50)}${fsync})`,
      met: sync.p50OverReferenceNs <= DURABLE_P50_BUDGET_US * 1000,
    });
  }
  for (const c of d.throughput) {
    const row = c.rows.find((x) => x.mode === "sync");
    if (!row) continue;
    out.push({
      name: `durable sync pipelined ${c.name} ≥ ${DURABLE_THROUGHPUT_SHARE}× in-memory orders/s`,
      value: `${x(row.ratio)} (${perSec(row.ordersPerSec)} vs ${perSec(c.rows[0]!.ordersPerSec)}/s)`,
      met: row.ratio >= DURABLE_THROUGHPUT_SHARE,
    });
  }
  const rp = d.replay;
  out.push({
    name: `replay ≥ ${perSec(REPLAY_TARGET_PER_SEC)} records/s`,
    value: `${perSec(rp.recordsPerSec)} records/s (${perSec(rp.recovery.replayed)} records in ${(rp.recovery.wallMs / 1000).toFixed(2)} s)`,
    met: rp.recordsPerSec >= REPLAY_TARGET_PER_SEC,
  });
  return out;
}

function durabilityLines(r: BenchReport): string[] {
  const d = r.durability;
  const c = d.closedLoop;
  const t = d.plan.throughput;
  const rp = d.replay;
  const label = (mode: string) => MODE_LABEL[mode] ?? mode;
  const sync = c.rows.find((row) => row.mode === "sync");
  const lines = [
    `Durability — one fresh sidecar per mode (${d.plan.modes.map(label).join(", ")}), durable ones on a fresh temp data dir, replicated on a 3-node nats-server cluster on loopback; deep accounts, 1 channel`,
    `  Closed loop — 1 order in flight, executePreTrade{commitOnAccept}; ${c.plan.rounds} rounds × ${c.plan.perRound} per mode, interleaved`,
    table(
      ["", ...LATENCY, "samples", "p50 over in-memory", "p99 over in-memory"],
      [
        ...c.rows.map((row) => [label(row.mode), ...latency(row.latency), String(row.samples), signedUs(row.p50OverReferenceNs), signedUs(row.p99OverReferenceNs)]),
        [`disk floor: pwrite ${FLOOR_RECORD_BYTES} B + fdatasync`, ...latency(c.diskFloor.latency), String(c.diskFloor.samples), "", ""],
        [`  same, fdatasync in the thread pool`, ...latency(c.diskFloorThreadPool.latency), String(c.diskFloorThreadPool.samples), "", ""],
      ],
    ).replace(/^/gm, "  "),
    ...(sync
      ? [
          // A lone small batch is synced on the event loop (no thread-pool hop), so the floor to
          // subtract is the blocking one.
          `    durable sync over in-memory at p50: ${signedUs(sync.p50OverReferenceNs)} = the disk's fdatasync (floor p50) ${micros(c.diskFloor.latency.p50)}` +
            ` + the rest, ${signedUs(sync.p50OverReferenceNs - c.diskFloor.latency.p50)}: the sidecar's (encoding the record, sealing the batch at the end of the turn, the write, the wake-ups in the sidecar process)`,
        ]
      : []),
    `  Pipelined — 1 channel, ${t.window} messages in flight; ${t.rounds} rounds × ${t.roundMs} ms per mode, interleaved`,
    table(
      ["case", "orders/s", "× in-memory", "cpu gen/srv"],
      d.throughput.flatMap((tc) =>
        tc.rows.map((row) => [`${tc.name}, ${label(row.mode)}`, perSec(row.ordersPerSec), x(row.ratio), `${row.cpu.generator.toFixed(2)} / ${row.cpu.server.toFixed(2)}`]),
      ),
    ).replace(/^/gm, "  "),
    "  Journal (AdminService.GetJournalStatus between phases; a phase includes its warm-up): group commit and the disk; the journal times an fdatasync from the call to its callback on the event loop, so a busy loop adds to it; for the replicated journal an fdatasync is a publish until the stream's R3 acknowledgement",
    table(
      ["journal, phase", "records", "fdatasyncs", "records/fdatasync", "mean fdatasync"],
      d.journals.flatMap((j) => [
        ...j.phases.map((p) => [`${label(j.mode)}: ${p.phase}`, perSec(p.records), perSec(p.fsyncs), p.recordsPerFsync.toFixed(2), `${p.meanFsyncUs.toFixed(0)} µs`]),
        [
          `${label(j.mode)}: whole process (max fdatasync ${j.end.fsyncMaxUs} µs)`,
          perSec(j.end.lastSequence),
          perSec(j.end.fsyncCount),
          j.end.recordsPerFsync.toFixed(2),
          `${j.end.fsyncMeanUs} µs`,
        ],
      ]),
    ).replace(/^/gm, "  "),
  ];
  const kinds = Object.entries(rp.build.byKind)
    .filter(([, n]) => n / rp.build.records >= 0.001)
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k} ${((100 * n) / rp.build.records).toFixed(1)} %`)
    .join(", ");
  const st = rp.stages;
  const total = rp.recovery.wallMs;
  const part = (ms: number) => `${ms.toFixed(0)} ms (${((100 * ms) / total).toFixed(0)} %)`;
  lines.push(
    `  Replay — a journal of ${perSec(rp.build.records)} records written through an in-process door (async journal) in ${(rp.build.ms / 1000).toFixed(1)} s: ${kinds}`,
    `    on disk: ${st.segments} segment(s), ${mib(st.dataBytes)} of records = ${rp.bytesPerRecord.toFixed(0)} B/record (payload ${(st.payloadBytes / st.records).toFixed(0)} B + 16 B frame); ${mib(st.fileBytes)} of preallocated files`,
    `    recoverState on a freshly built state in a fresh process: ${perSec(rp.recovery.replayed)} records in ${total.toFixed(0)} ms = ${perSec(rp.recordsPerSec)} records/s ` +
      `(CPU ${rp.recovery.cpuMs.toFixed(0)} ms = ${perSec(rp.recovery.replayed / (rp.recovery.cpuMs / 1000))} records per CPU-second); ` +
      `GC ${rp.recovery.gc.count} collections, ${rp.recovery.gc.totalMs.toFixed(0)} ms (longest ${rp.recovery.gc.maxMs.toFixed(0)} ms); heap after ${mib(rp.recovery.heapUsed)}; ` +
      `replayed state ${rp.digestMatches ? "equals" : "DIFFERS FROM"} the written one`,
    `    split by timed passes in another fresh process: reading (files, frames, CRC) ${part(rp.parts.readingMs)}, TextDecoder + JSON.parse ${part(rp.parts.jsonParseMs)}, ` +
      `JSON → domain values ${part(rp.parts.toDomainMs)}, closing snapshot ${part(rp.parts.closingSnapshotMs)}, the rest — door + engine + GC — ${part(rp.parts.doorAndEngineMs)}`,
  );
  if (rp.profile) {
    const p = rp.profile;
    lines.push(`    profiled recovery (--cpu-prof, ${perSec(p.recordsPerSec)} records/s under the profiler)${p.file ? `: ${p.file}` : ""}`);
    if (p.split) {
      lines.push(
        table(
          ["bucket (samples inside recoverState)", "ms", "share"],
          p.split.buckets.filter((b) => b.ms > 0).map((b) => [b.bucket, b.ms.toFixed(0), `${(b.share * 100).toFixed(1)} %`]),
        ).replace(/^/gm, "    "),
        `      top functions (self): ${p.split.topSelf.slice(0, 8).map((f) => `${f.fn.replace(/:\d+$/, "")} ${(f.share * 100).toFixed(1)} %`).join("; ")}`,
      );
    }
  }
  return lines;
}

/** True when the oracle checked what every full run has: decisions both ways, fills, adjustments, the accounts' final state. */
export function oracleChecked(o: OracleSummary): boolean {
  const rejected = Object.values(o.rejectedByCode).reduce((a, b) => a + b, 0);
  return o.accepted > 0 && rejected > 0 && o.fillsChecked > 0 && o.adjustmentsChecked > 0 && o.accountsReconciled > 0;
}

export function buildReport(r: BenchResults): BenchReport {
  const config = benchSidecarConfig() as { syncMode: string; policies: { type: string }[] };
  return {
    // A replay that does not reproduce the written state is as wrong as a wrong decision, and
    // an oracle that checked nothing (a wiring slip) proves nothing.
    ok: oracleChecked(r.oracle) && r.oracle.mismatches === 0 && r.durability.replay.digestMatches,
    machine: machineInfo(),
    engine: { syncMode: config.syncMode, policies: config.policies.map((p) => p.type) },
    targets: targets(r),
    ...r,
  };
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  return [line(header), ...rows.map(line)].map((l) => `  ${l}`).join("\n");
}

/** CPU time per offered order of one process (its share of a core over the run's wall time). */
/** A process's CPU per decided order in an open-loop run (µs), from its share of a core. */
const cpuPerOrderUs = (o: OpenLoopResult, share: number): number => (share * o.usage.wallMs * 1000) / o.orders;
const perOrderUs = (o: OpenLoopResult, share: number) => cpuPerOrderUs(o, share).toFixed(0);
/** The sidecar's CPU per decided order in the (pipelined) capacity run (µs). */
const capacityCpuPerOrderUs = (r: BenchResults): number => (r.mixCapacity.usage.cpu.server * 1e6) / r.mixCapacity.decidedPerSec;

const openRows = (r: BenchResults) => [...r.openLoop, ...r.mixes, { ...r.soak.run, fraction: r.soak.fraction }];

function gcCell(gc: GcStats, wallMs: number): string {
  const perSec = (n: number) => (n / (wallMs / 1000)).toFixed(1);
  return `${perSec(gc.count)}/s, ${perSec(gc.totalMs)} ms/s, max ${gc.maxMs.toFixed(1)} ms`;
}

const delayCell = (d: LoopDelay) => `${d.p99Ms.toFixed(1)} / ${d.maxMs.toFixed(1)} ms`;

const LATENCY = ["p50", "p90", "p99", "p99.9", "max"];
const latency = (l: LatencySummaryNs) => [l.p50, l.p90, l.p99, l.p999, l.max].map(micros);

export function formatReport(r: BenchReport): string {
  const c = r.closedLoop;
  const single = r.sizes.find((s) => s.orders === 1)!;
  const batch = r.sizes.find((s) => s.orders !== 1)!;
  const lines = [
    `openpit-sidecar load harness — ${r.options.quick ? "QUICK run (smoke only; figures not meaningful)" : "full run"}, ${r.wallSeconds.toFixed(0)} s`,
    `machine: ${r.machine.cpu}, ${r.machine.cores} cores, ${r.machine.memoryGiB} GiB, Node ${r.machine.node}, ${r.machine.os}`,
    `engine: ${r.engine.policies.join(" + ")} (${r.engine.syncMode}); sidecar, echo floor and generator in 3 processes on 127.0.0.1`,
    `cpus: ${r.placement ? `sidecar and echo pinned to CPU ${r.placement.serverCpu}, generator to CPU ${r.placement.generatorCpu} (durability section unpinned; --no-pin to float)` : "unpinned (the kernel places every process)"}; ${r.pacer === "spin" ? "open loop paced by spinning (the generator's CPU reads 1.00 in its rows: the spin, not its work; send lag shows a saturated generator)" : "open loop paced by a sleeping thread"}`,
    `messages: order ${single.requestBytes} B → ${single.responseBytes} B; batch of ${batch.orders}: ${batch.requestBytes} B → ${batch.responseBytes} B (the echo floors use the same sizes)`,
    "",
    `Closed loop — 1 channel, 1 order in flight, executePreTrade{commitOnAccept}; ${c.plan.rounds} rounds × ${c.plan.perRound} interleaved with echo`,
    table(["", ...LATENCY, "samples"], [
      ["order", ...latency(c.order), String(c.orderSamples)],
      ["echo floor (order-shaped, same client)", ...latency(c.echo), String(c.echoSamples)],
      ["ratio", x(c.ratioP50), "", x(c.ratioP99), "", "", ""],
      ["bytes-only echo (the floor before session 5)", ...latency(c.bytesEcho), String(c.bytesEchoSamples)],
      ["order / bytes-only echo", x(c.bytesRatioP50), "", "", "", "", ""],
    ]),
    "",
    `In-process breakdown (no transport; same bytes; ${r.inProcessCpu === null ? "unpinned" : `own process pinned to CPU ${r.inProcessCpu}`})`,
    table(["", ...LATENCY, "calls/s"], r.inProcess.map((m) => [m.name, ...latency(m.latencyNs), perSec(m.callsPerSec)])),
    metricsCostLine(r.metricsCost),
    "",
    `Throughput — window ${r.plan.throughput.window} messages per stream; ${r.plan.throughput.rounds} rounds × ${r.plan.throughput.roundMs} ms interleaved with echo`,
    table(
      ["case", "orders/s", "echo floor/s", "ratio", "cpu gen/srv (orders)", "cpu gen/srv (echo)"],
      r.throughput.map((t) => [
        t.name,
        perSec(t.ordersPerSec),
        perSec(t.echoOrdersPerSec),
        x(t.ratio),
        `${t.cpu.orders.generator.toFixed(2)} / ${t.cpu.orders.server.toFixed(2)}`,
        `${t.cpu.echo.generator.toFixed(2)} / ${t.cpu.echo.server.toFixed(2)}`,
      ]),
    ),
    "",
    `Mix capacity — the open-loop mix (top-ups, ~5 % rejects, fills on the feed, oracle) pipelined on 1 channel, ${r.mixCapacity.window} in flight:`,
    `  ${perSec(r.mixCapacity.decidedPerSec)} decided orders/s (cpu gen ${r.mixCapacity.usage.cpu.generator.toFixed(2)} / srv ${r.mixCapacity.usage.cpu.server.toFixed(2)}); bare unbatched 1-channel max ${perSec(r.maxUnbatchedPerSec)}/s`,
    "",
    `Open loop — 1 channel, rates as a share of the mix capacity (${perSec(r.mixCapacity.decidedPerSec)}/s); latency from the intended send time; first window excluded`,
    "  generator: raw gRPC over node:http2 (bench/raw-grpc.ts) for orders, fills and the echo floor, as for the mix capacity and allocation; the closed loop, throughput and durability rows use the generated grpc-js client, the first two against the order-shaped echo (bench/order-echo.ts: same client, same requests, a real answer back)",
    table(
      ["rate", "offered/s", "achieved/s", ...LATENCY, "service p50/p99", "send lag p50/p99", "in flight", "rejects", "reports/order", "cpu gen/srv", "cpu µs/order gen/srv", "msgs/write"],
      openRows(r).map((o) => [
        o.label,
        perSec(o.offeredPerSec),
        perSec(o.achievedPerSec),
        ...latency(o.latency),
        `${micros(o.service.p50)} / ${micros(o.service.p99)}`,
        `${micros(o.sendLag.p50)} / ${micros(o.sendLag.p99)}`,
        String(o.maxInFlight),
        `${(o.rejectRate * 100).toFixed(2)} %`,
        (o.fills / o.orders).toFixed(2),
        `${o.usage.cpu.generator.toFixed(2)} / ${o.usage.cpu.server.toFixed(2)}`,
        `${perOrderUs(o, o.usage.cpu.generator)} / ${perOrderUs(o, o.usage.cpu.server)}`,
        o.messagesPerWrite.toFixed(2),
      ]),
    ),
    "  The echo floor offered the same rates through the same pacer (order-sized messages, no fills):",
    table(
      ["rate", ...LATENCY, "send lag p50/p99", "order p99 / echo p99"],
      r.openLoop.map((o) => [
        o.echo.label,
        ...latency(o.echo.latency),
        `${micros(o.echo.sendLag.p50)} / ${micros(o.echo.sendLag.p99)}`,
        x(o.latency.p99 / o.echo.latency.p99),
      ]),
    ),
    "  GC pauses (count/s, pause ms per s, longest pause), sidecar heap allocated per decided order (fills, top-ups and transport included) and event-loop delay (p99 / max) during those runs:",
    table(
      ["rate", "sidecar GC", "sidecar alloc/order", "generator GC", "sidecar loop delay", "generator loop delay"],
      openRows(r).map((o) => [
        o.label,
        gcCell(o.usage.gc.server, o.usage.wallMs),
        kib(o.usage.serverAllocatedBytes / o.orders),
        gcCell(o.usage.gc.generator, o.usage.wallMs),
        delayCell(o.usage.loopDelay.server),
        delayCell(o.usage.loopDelay.generator),
      ]),
    ),
    "",
    ...allocationLines(r.allocation),
    "",
    `Memory — ${(r.soak.durationMs / 1000).toFixed(0)} s open loop at ${Math.round(r.soak.fraction * 100)} % (${perSec(r.soak.rate)}/s), sidecar after GC:`,
    `  RSS ${mib(r.soak.start.rss)} → ${mib(r.soak.end.rss)} (${r.soak.rssDeltaBytes >= 0 ? "+" : ""}${mib(r.soak.rssDeltaBytes)}); heap ${mib(r.soak.start.heapUsed)} → ${mib(r.soak.end.heapUsed)} (${r.soak.heapDeltaBytes >= 0 ? "+" : ""}${mib(r.soak.heapDeltaBytes)})`,
    r.soak.samples.length > 0 ? `  RSS samples (no GC), V8 heap in memory in brackets: ${r.soak.samples.map((s) => `${(s.atMs / 1000).toFixed(0)}s ${mib(s.rss)} (${mib(s.heapResident)})`).join(", ")}` : "",
    "",
    ...durabilityLines(r),
    "",
    `Oracle — ${r.oracle.decisionsChecked} decisions (${r.oracle.accepted} accepted, rejects ${JSON.stringify(r.oracle.rejectedByCode)}), ${r.oracle.fillsChecked} fills, ${r.oracle.adjustmentsChecked} adjustments checked, ${r.oracle.accountsReconciled} accounts' final state reconciled: ${r.oracle.mismatches} mismatches`,
    ...r.oracle.samples.map((s) => `  MISMATCH ${s}`),
    "",
    "Targets",
    ...r.targets.map((t) => `  [${t.met ? "met   " : "MISSED"}] ${t.name}: ${t.value}`),
    "",
    r.ok
      ? "RESULT: valid run (oracle clean, replay reproduced the state)"
      : `RESULT: INVALID RUN — ${r.oracle.mismatches > 0 ? "the oracle found mismatches" : !oracleChecked(r.oracle) ? "the oracle checked no accepted or rejected decisions, fills, adjustments or final states" : "the replayed state differs from the written one"}`,
  ];
  return `${lines.join("\n")}\n`;
}

/** Issue 13's target: what counting metrics adds to the sidecar's time per order, in-process. */
function metricsCostLine(m: BenchResults["metricsCost"]): string {
  const verdict = m.costPct <= m.targetPct ? "met" : "MISSED";
  return (
    `metrics cost per order: ${m.costNs.toFixed(0)} ns = ${m.costPct.toFixed(1)} % of the sidecar's time ` +
    `(p50 ${(m.offNs / 1000).toFixed(2)} µs off → ${(m.onNs / 1000).toFixed(2)} µs on, median of ${m.rounds} alternating rounds); ` +
    `target ≤ ${m.targetPct} %: ${verdict}`
  );
}
