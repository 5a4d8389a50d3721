/**
 * `OPENPIT_TRACE_SAMPLE=N npx tsx bench/tail-probe.ts [fractions…]`: where an open-loop
 * order's time goes. Runs the open-loop mix (same world, capacity run and warm-up as
 * `npm run bench`) at the given fractions of the mix capacity (default 0.25 0.5 0.8) with
 * the stage trace on in both processes (src/transport/stage-trace.ts), joins the
 * generator's stamps (intended, sent, response decoded, answered) with the sidecar's by
 * correlation id on the shared monotonic clock, and prints, per rate: each stage's
 * percentiles, the stages' mean share in the slowest 1 % of orders, the event-loop turns
 * of the sidecar (length and what ran in them) and the GC pauses. Not part of the bench:
 * a diagnostic, its figures are read beside a run's, never asserted.
 *
 * Without OPENPIT_TRACE_SAMPLE it runs untraced, as the bench does, and prints per rate
 * the latency, each process's CPU per decided order, the sidecar's bytes allocated per
 * decided order and its collections. `OPENPIT_PROBE_ROOT=DIR` runs that checkout's sidecar
 * (e.g. /work/base6, for before/after runs); `OPENPIT_PROBE_PROFILE=DIR` writes a V8 CPU
 * profile of the sidecar's whole life into DIR (read it with bench/profile-top.ts);
 * `OPENPIT_PROBE_CAPACITY=N` takes the rates as fractions of N orders/s;
 * `OPENPIT_PROBE_SIDECAR_ARGS="--flag …"` adds Node/V8 flags to the sidecar only;
 * `OPENPIT_PROBE_ACCOUNTS=N` opens the world with N accounts instead of the bench's 2 000
 * (how much the size of the state costs: docs/performance.md, "Session 8").
 *
 * Processes are placed as `npm run bench` places them (bench/cpu-placement.ts: this
 * process on the first CPU, the sidecar on the last, and then the spinning pacer);
 * `OPENPIT_PROBE_NO_PIN=1` leaves both unpinned with the thread pacer, and
 * `OPENPIT_PROBE_PACER=thread|spin` overrides the pacer.
 *
 * `OPENPIT_PROBE_WITNESS=1` (pinned runs only) also prints, per rate, when each process's
 * event loop stalled for more than 10 ms (bench/stall-log.ts) beside an idle witness
 * process pinned to each CPU (bench/stall-witness.ts): a sidecar stall that its CPU's
 * witness shared was the machine's, one it did not share was the sidecar's own. At the end
 * it prints the sidecar's heap after a full GC by V8 space (what a major GC marks), and with
 * `OPENPIT_PROBE_HEAP_SNAPSHOT=FILE` writes the sidecar's heap snapshot there.
 */
import { stageTrace, type TraceDump, type TurnRecord } from "../src/transport/stage-trace.js";
import { benchSidecarConfig } from "./bench-config.js";
import { choosePlacement, pinProcess } from "./cpu-placement.js";
import type { PacerKind } from "./pacer.js";
import { probeSidecarArgs, sidecarV8Flags } from "./sidecar-v8-flags.js";
import { ChildHandle } from "./ipc.js";
import { runMixCapacity } from "./mix-capacity.js";
import { runOpenLoop } from "./open-loop.js";
import { Oracle } from "./oracle.js";
import { planFor } from "./options.js";
import { stderrProgress } from "./progress.js";
import { openWorld } from "./world.js";
import { startStallLog, takeStalls, type Stall } from "./stall-log.js";
import { fileURLToPath } from "node:url";

const STAGES = [
  ["send lag (intended → sent)", "intended", "sent"],
  ["client → sidecar decoder", "sent", "deserialized"],
  ["decoder → 'data' handler", "deserialized", "delivered"],
  ["'data' → engine start", "delivered", "engineStart"],
  ["engine (door + encode result)", "engineStart", "engineEnd"],
  ["engine end → call.write", "engineEnd", "written"],
  ["call.write → write callback", "written", "flushed"],
  ["write callback → client decoder", "flushed", "received"],
  ["client decoder → answered", "received", "answered"],
] as const;

type Row = Record<string, number>;

const pct = (xs: number[], p: number): number => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const us = (ns: number) => (ns / 1e3).toFixed(0).padStart(7);
const ms = (ns: number) => (ns / 1e6).toFixed(2);

function analyse(label: string, rows: Row[], dump: TraceDump, wallNs: number): void {
  const out: string[] = [`\n=== ${label}: ${rows.length} sampled orders joined`];
  const total = rows.map((r) => r.answered! - r.intended!);
  out.push(`total (intended → answered) µs: p50 ${us(pct(total, 50))} p90 ${us(pct(total, 90))} p99 ${us(pct(total, 99))} max ${us(pct(total, 100))}`);
  out.push(`stage                               p50 µs   p90 µs   p99 µs   max µs | mean in slowest 1 % µs`);
  const slow = [...rows].sort((a, b) => b.answered! - b.intended! - (a.answered! - a.intended!)).slice(0, Math.max(1, Math.ceil(rows.length / 100)));
  for (const [name, a, b] of STAGES) {
    const d = rows.map((r) => r[b]! - r[a]!);
    const sd = slow.map((r) => r[b]! - r[a]!);
    out.push(`${name.padEnd(34)} ${us(pct(d, 50))}  ${us(pct(d, 90))}  ${us(pct(d, 99))}  ${us(pct(d, 100))} | ${us(sd.reduce((x, y) => x + y, 0) / sd.length)}`);
  }
  const mean = (f: (r: Row) => number) => slow.reduce((x, r) => x + f(r), 0) / slow.length;
  out.push(
    `slowest 1 %: mean total ${ms(mean((r) => r.answered! - r.intended!))} ms; turn work before their engine start ${ms(mean((r) => r.turnNsBefore!))} ms ` +
      `(${mean((r) => r.turnOrdersBefore!).toFixed(0)} orders, ${mean((r) => r.turnReportsBefore!).toFixed(0)} reports); inbox ahead ${mean((r) => r.inboxAhead!).toFixed(1)}`,
  );
  const all = (f: (r: Row) => number) => rows.map(f);
  out.push(
    `all sampled: turn work before engine start p50/p99 ${us(pct(all((r) => r.turnNsBefore!), 50))} / ${us(pct(all((r) => r.turnNsBefore!), 99))} µs; ` +
      `inbox ahead p90/p99 ${pct(all((r) => r.inboxAhead!), 90)} / ${pct(all((r) => r.inboxAhead!), 99)}; answers buffered in grpc-js p90/p99 ${pct(all((r) => r.answersBuffered!), 90)} / ${pct(all((r) => r.answersBuffered!), 99)}`,
  );
  // Turns.
  const turns = dump.turns;
  const tl = turns.map((t) => t.ns);
  const busy = tl.reduce((x, y) => x + y, 0);
  const sum = (f: (t: TurnRecord) => number) => turns.reduce((x, t) => x + f(t), 0);
  out.push(
    `sidecar turns: ${turns.length} (${((turns.length / wallNs) * 1e9).toFixed(0)}/s), length p50 ${us(pct(tl, 50))} p99 ${us(pct(tl, 99))} max ${us(pct(tl, 100))} µs; ` +
      `busy ${((busy / wallNs) * 100).toFixed(0)} % of wall; orders/turn mean ${(sum((t) => t.orders) / turns.length).toFixed(1)} max ${Math.max(...turns.map((t) => t.orders))}; ` +
      `order work ${ms(sum((t) => t.orderNs))} ms, feed work ${ms(sum((t) => t.feedNs))} ms (${sum((t) => t.feedMessages)} messages, ${sum((t) => t.reports)} reports), rest of turns ${ms(busy - sum((t) => t.orderNs + t.feedNs))} ms`,
  );
  const gcIn = (t: TurnRecord) => dump.gc.filter(([s, d]) => s < t.start + t.ns && s + d > t.start).reduce((x, [, d]) => x + d, 0);
  for (const t of [...turns].sort((a, b) => b.ns - a.ns).slice(0, 5)) {
    out.push(`  long turn ${ms(t.ns)} ms: ${t.orders} orders (${ms(t.orderNs)} ms), ${t.feedMessages} feed msgs / ${t.reports} reports (${ms(t.feedNs)} ms), gc inside ${ms(gcIn(t))} ms`);
  }
  const gcd = dump.gc.map(([, d]) => d);
  out.push(`sidecar GC: ${gcd.length} pauses (${((gcd.length / wallNs) * 1e9).toFixed(1)}/s), ${ms(gcd.reduce((x, y) => x + y, 0))} ms total, max ${ms(Math.max(0, ...gcd))} ms`);
  // Gaps between turns where the loop was idle vs the time between a sample's decoder and the previous turn end.
  process.stdout.write(`${out.join("\n")}\n`);
}

/** Of `stalls`, how many (and how many ms) overlapped a stall in `others` by at least half. */
function shared(stalls: readonly Stall[], others: readonly Stall[]): { n: number; ms: number } {
  let n = 0;
  let ms = 0;
  for (const s of stalls) {
    const end = s.startNs + s.ms * 1e6;
    const overlapNs = others.reduce((x, o) => x + Math.max(0, Math.min(end, o.startNs + o.ms * 1e6) - Math.max(s.startNs, o.startNs)), 0);
    if (overlapNs >= (s.ms * 1e6) / 2) {
      n += 1;
      ms += s.ms;
    }
  }
  return { n, ms };
}

function stallLines(label: string, t0: number, byProcess: ReadonlyArray<readonly [string, readonly Stall[]]>, sidecarCpuWitness: readonly Stall[], otherWitness: readonly Stall[]): string {
  const list = (xs: readonly Stall[]) => (xs.length === 0 ? "none" : xs.map((s) => `${((s.startNs - t0) / 1e9).toFixed(2)} s: ${s.ms.toFixed(0)}/${s.cpuMs.toFixed(0)}${Object.entries(s.gc).map(([k, v]) => ` ${k} ${v.toFixed(0)}`).join("")}`).join(", "));
  const lines = [`${label}: event-loop stalls over 10 ms (when, into the run: how long / CPU the process used meanwhile, and the GC pauses in it, ms)`];
  for (const [name, xs] of byProcess) lines.push(`  ${name.padEnd(26)} ${xs.length} (${xs.reduce((x, s) => x + s.ms, 0).toFixed(0)} ms, CPU ${xs.reduce((x, s) => x + s.cpuMs, 0).toFixed(0)} ms): ${list(xs)}`);
  const sidecar = byProcess[0]![1];
  const same = shared(sidecar, sidecarCpuWitness);
  const other = shared(sidecar, otherWitness);
  const total = sidecar.reduce((x, s) => x + s.ms, 0);
  lines.push(`  sidecar stalls its CPU's witness shared: ${same.n} of ${sidecar.length} (${same.ms.toFixed(0)} of ${total.toFixed(0)} ms); the other CPU's witness: ${other.n} (${other.ms.toFixed(0)} ms)`);
  return `${lines.join("\n")}\n`;
}

async function main(): Promise<void> {
  // Without OPENPIT_TRACE_SAMPLE the runs are untraced (as in the bench) and only each
  // rate's figures are printed: latency, CPU and bytes allocated per decided order, GC.
  const trace = stageTrace;
  const fractions = process.argv.slice(2).map(Number);
  const planned = planFor({ quick: false, json: false });
  const placement = process.env.OPENPIT_PROBE_NO_PIN === "1" ? undefined : choosePlacement();
  const asked = process.env.OPENPIT_PROBE_PACER;
  if (asked !== undefined && asked !== "spin" && asked !== "thread") throw new Error(`OPENPIT_PROBE_PACER must be thread or spin, not ${asked}`);
  const pacer: PacerKind = asked ?? (placement ? "spin" : "thread");
  const accounts = process.env.OPENPIT_PROBE_ACCOUNTS === undefined ? planned.world.accounts : Number(process.env.OPENPIT_PROBE_ACCOUNTS);
  if (!Number.isSafeInteger(accounts) || accounts < 1) throw new Error(`OPENPIT_PROBE_ACCOUNTS must be a positive integer, not ${process.env.OPENPIT_PROBE_ACCOUNTS}`);
  const plan = {
    ...planned,
    world: { ...planned.world, accounts },
    openLoop: { ...planned.openLoop, pacer },
    openLoopWarmup: { ...planned.openLoopWarmup, pacer },
  } as const;
  process.stdout.write(`${placement ? `generator on CPU ${placement.generatorCpu}, sidecar on CPU ${placement.serverCpu}` : "unpinned"}; ${pacer} pacer; sidecar V8 flags ${[...sidecarV8Flags(), ...probeSidecarArgs()].join(" ")}; ${accounts} accounts\n`);
  const progress = stderrProgress();
  const oracle = new Oracle();
  // OPENPIT_PROBE_PROFILE=DIR: a V8 CPU profile of the sidecar (its whole life: capacity run,
  // warm-up and the rates asked for) written into DIR at exit; read it with bench/profile-top.ts.
  // OPENPIT_PROBE_ROOT=DIR: that checkout's sidecar (e.g. /work/base6, for A/B runs).
  // Forked by that checkout's own ipc.ts, so that it runs in its own root (alloc-probe.ts).
  const root = process.env.OPENPIT_PROBE_ROOT;
  const Handle = root ? ((await import(`${root}/bench/ipc.ts`)) as typeof import("./ipc.js")).ChildHandle : ChildHandle;
  const sidecarScript = root ? `${root}/bench/sidecar-process.ts` : fileURLToPath(new URL("./sidecar-process.ts", import.meta.url));
  const profileDir = process.env.OPENPIT_PROBE_PROFILE;
  // Another checkout's sidecar (started by its own ipc.ts, with its own flags) gets this
  // checkout's V8 flags after its own, so that both run with the same young generation
  // (later flags win); this checkout's ipc.ts passes them already.
  const execArgv = [...(root ? sidecarV8Flags() : []), ...probeSidecarArgs()];
  const sidecar = Handle.fork("sidecar", sidecarScript, { execArgv, cpu: placement?.serverCpu, ...(profileDir ? { cpuProfileDir: profileDir } : {}) });
  const witnessing = process.env.OPENPIT_PROBE_WITNESS === "1";
  if (witnessing && (!placement || root)) throw new Error("OPENPIT_PROBE_WITNESS=1 needs pinned processes and this checkout's sidecar");
  const witnessScript = fileURLToPath(new URL("./stall-witness.ts", import.meta.url));
  const witnesses = witnessing && placement ? [placement.serverCpu, placement.generatorCpu].map((cpu) => ChildHandle.fork(`witness CPU ${cpu}`, witnessScript, { cpu })) : [];
  if (witnessing) startStallLog();
  try {
    if (placement) pinProcess(process.pid, String(placement.generatorCpu));
    const { port } = await sidecar.call<{ port: number }>("start", { config: benchSidecarConfig() });
    const world = await openWorld(`127.0.0.1:${port}`, oracle, plan.world);
    const measured = await runMixCapacity(world, sidecar, plan.mixCapacity, progress);
    process.stdout.write(`mix capacity ${measured.decidedPerSec.toFixed(0)}/s (cpu gen ${measured.usage.cpu.generator.toFixed(2)} / srv ${measured.usage.cpu.server.toFixed(2)})\n`);
    // OPENPIT_PROBE_CAPACITY=N: the rates are fractions of N orders/s instead (the capacity run
    // still warms up): two versions then run the same absolute rates, whatever each measured.
    const fixed = Number(process.env.OPENPIT_PROBE_CAPACITY ?? 0);
    const cap = fixed > 0 ? { decidedPerSec: fixed } : measured;
    await runOpenLoop(world, sidecar, plan.openLoopWarmup.fraction * cap.decidedPerSec, plan.openLoopWarmup, "warm-up", progress);
    for (const f of fractions.length > 0 ? fractions : [0.25, 0.5, 0.8]) {
      await sidecar.call("trace");
      trace?.dump();
      for (const w of [sidecar, ...witnesses]) if (witnessing) await w.call("stalls");
      takeStalls();
      const gen = new Map<string, Row>();
      const wall0 = process.hrtime.bigint();
      const r = await runOpenLoop(world, sidecar, f * cap.decidedPerSec, plan.openLoop, `open loop ${f * 100} %`, progress, 1, (cid, intended, sent, answered) => {
        if (trace?.sampled(cid)) gen.set(cid.toString(), { intended: Number(intended), sent: Number(sent), answered: Number(answered) });
      });
      const wallNs = Number(process.hrtime.bigint() - wall0);
      const perOrderUs = (share: number) => ((share * r.usage.wallMs * 1000) / r.orders).toFixed(1);
      const gc = r.usage.gc.server;
      process.stdout.write(
        `\n${r.label}: offered ${r.offeredPerSec.toFixed(0)}/s achieved ${r.achievedPerSec.toFixed(0)}/s; p50 ${ms(r.latency.p50)} p90 ${ms(r.latency.p90)} p99 ${ms(r.latency.p99)} ms; ` +
          `cpu per order gen ${perOrderUs(r.usage.cpu.generator)} / srv ${perOrderUs(r.usage.cpu.server)} µs (${r.fills} reports); srv ${(r.usage.serverAllocatedBytes / r.orders / 1024).toFixed(2)} KiB per decided order; ` +
          `srv GC ${((gc.count * 1000) / r.usage.wallMs).toFixed(1)}/s, ${((gc.totalMs * 1000) / r.usage.wallMs).toFixed(1)} ms/s, max ${gc.maxMs.toFixed(1)} ms`,
      );
      if (witnessing && placement) {
        const [onSidecarCpu, onGeneratorCpu] = await Promise.all(witnesses.map((w) => w.call<Stall[]>("stalls")));
        process.stdout.write(
          `\n${stallLines(r.label, Number(wall0), [
            ["sidecar", await sidecar.call<Stall[]>("stalls")],
            ["generator", takeStalls()],
            [`witness CPU ${placement.serverCpu} (sidecar's)`, onSidecarCpu!],
            [`witness CPU ${placement.generatorCpu}`, onGeneratorCpu!],
          ], onSidecarCpu!, onGeneratorCpu!)}`,
        );
      }
      if (!trace) continue;
      const dump = (await sidecar.call<TraceDump>("trace"))!;
      const mine = trace.dump();
      const rows: Row[] = [];
      for (const o of dump.orders) {
        const g = gen.get(o.cid);
        const received = mine.received[o.cid];
        if (!g || received === undefined || !o.flushed) continue;
        rows.push({ ...g, received, deserialized: o.deserialized, delivered: o.delivered, engineStart: o.engineStart, engineEnd: o.engineEnd, written: o.written, flushed: o.flushed, turnNsBefore: o.turnNsBefore, turnOrdersBefore: o.turnOrdersBefore, turnReportsBefore: o.turnReportsBefore, inboxAhead: o.inboxAhead, answersBuffered: o.answersBuffered });
      }
      process.stdout.write(
        `\n${r.label}: offered ${r.offeredPerSec.toFixed(0)}/s achieved ${r.achievedPerSec.toFixed(0)}/s; p50 ${ms(r.latency.p50)} p99 ${ms(r.latency.p99)} p99.9 ${ms(r.latency.p999)} ms; in flight max ${r.maxInFlight}; ` +
          `cpu gen ${r.usage.cpu.generator.toFixed(2)} / srv ${r.usage.cpu.server.toFixed(2)}; send lag p99 ${ms(r.sendLag.p99)} ms`,
      );
      analyse(r.label, rows, dump, wallNs);
    }
    if (witnessing) process.stdout.write(`\nsidecar heap after a full GC, by space (MiB; fullGcMs: a forced full GC, ms): ${JSON.stringify(await sidecar.call("heapSpaces"))}\n`);
    const snapshot = process.env.OPENPIT_PROBE_HEAP_SNAPSHOT;
    if (witnessing && snapshot) process.stdout.write(`sidecar heap snapshot: ${await sidecar.call<string>("heapSnapshot", { file: snapshot })}\n`);
    await world.close();
    // Rejected orders cost less than accepted ones: a comparison of two runs holds only if both were clean.
    const o = oracle.summary();
    const rejected = Object.entries(o.rejectedByCode).map(([code, n]) => `${code} ${n}`).join(", ");
    process.stdout.write(`\noracle: ${o.decisionsChecked} decisions (${o.accepted} accepted${rejected ? `; rejected: ${rejected}` : ""}), ${o.fillsChecked} fills, ${o.mismatches} mismatches\n`);
  } finally {
    progress.done();
    await Promise.all(witnesses.map((w) => w.stop()));
    await sidecar.stop();
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`tail-probe: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(2);
  },
);
