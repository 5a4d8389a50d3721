/**
 * Durability: what journaling costs, measured in the same run on the same machine.
 *
 * One fresh sidecar process per durability mode — in-memory (`ephemeral`, the reference),
 * `sync` (an answer waits for the fdatasync of its event-loop turn's batch) and `async`
 * (answers at once, the batch is written and synced behind them) — each started by
 * `startSidecar` on a fresh temp data directory (removed afterwards), with its own deep
 * channel (the closed loop's accounts, funds that never run out, every answer checked by
 * the oracle). Then:
 *
 * - closed loop: one `executePreTrade{commitOnAccept}` in flight, the modes interleaved in
 *   rounds (in-memory, sync, async; reversed in odd rounds), HdrHistogram percentiles;
 *   beside them, in the same rounds, the disk floor: a bare positional write of one
 *   record-sized buffer into a preallocated file plus `fdatasync`, timed around the two
 *   syscalls (what any durable answer must wait for at least, whoever writes it), and the
 *   same with the fdatasync through Node's thread pool (as the journal does it);
 * - pipelined throughput on one channel, 64 messages in flight, unbatched and batched,
 *   the modes interleaved in rounds, CPU of the generator and of that mode's sidecar;
 * - the journal's own figures (AdminService.GetJournalStatus) read between the phases:
 *   records, fdatasyncs, records per fdatasync (the group commit) and the mean fdatasync;
 * - replay speed (bench/replay.ts).
 *
 * `replicated` (the journal on NATS JetStream, R3): the run starts its own 3-node cluster of
 * the system's nats-server on loopback (test/ha/nats-cluster.ts, the HA suites' harness)
 * and stops it afterwards; an answer waits for the stream's acknowledgement, and the
 * journal's "fdatasync" figures are its publish acknowledgements.
 */
import { closeSync, fdatasync, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { create } from "@bufbuild/protobuf";
import type * as hdr from "hdr-histogram-js";
import { GetJournalStatusRequestSchema, type GetJournalStatusResponse } from "../gen/openpit/sidecar/v1/admin_pb.js";
import { callUnary, connect, type SidecarClients } from "../src/client/index.js";
import { benchSidecarConfig, type BenchDurability } from "./bench-config.js";
import type { ClosedLoopPlan } from "./closed-loop.js";
import { cpuShare, emptySpan, type CpuShare } from "./cpu.js";
import { ChildHandle } from "./ipc.js";
import { newHistogram, summarize, type LatencySummaryNs } from "./measure.js";
import type { Oracle } from "./oracle.js";
import type { Progress } from "./progress.js";
import { runReplay, type ReplayPlan, type ReplayResult } from "./replay.js";
import type { SidecarStarted } from "./sidecar-process.js";
import { measured, pump, type Measured, type Send } from "./throughput.js";
import { openDeepChannels, type DeepChannel } from "./world.js";
import { startNatsCluster, type NatsCluster } from "../test/ha/nats-cluster.js";

export type BenchMode = "ephemeral" | "sync" | "async" | "replicated";

export interface DurabilityThroughputPlan {
  readonly warmupMs: number;
  readonly rounds: number;
  readonly roundMs: number;
  /** Messages in flight on the one stream. */
  readonly window: number;
  /** Orders per message of each case: 1 = unbatched. */
  readonly batches: readonly number[];
}

export interface DurabilityPlan {
  /** The first mode is the reference the others are compared with (in-memory). */
  readonly modes: readonly BenchMode[];
  readonly closedLoop: ClosedLoopPlan;
  readonly throughput: DurabilityThroughputPlan;
  readonly replay: ReplayPlan;
}

export interface ModeLatency {
  readonly mode: BenchMode;
  readonly samples: number;
  readonly latency: LatencySummaryNs;
  /** p50 and p99 minus the reference mode's, in nanoseconds. */
  readonly p50OverReferenceNs: number;
  readonly p99OverReferenceNs: number;
}

export interface ModeThroughput {
  readonly mode: BenchMode;
  readonly messages: number;
  readonly ordersPerSec: number;
  /** orders/s over the reference mode's. */
  readonly ratio: number;
  readonly cpu: CpuShare;
}

export interface DurabilityThroughputCase {
  readonly name: string;
  readonly ordersPerMessage: number;
  readonly window: number;
  readonly rows: readonly ModeThroughput[];
}

/** The journal during one phase of the run (differences of two GetJournalStatus readings). */
export interface JournalPhase {
  readonly phase: string;
  readonly records: number;
  readonly fsyncs: number;
  readonly recordsPerFsync: number;
  /** Mean fdatasync of the phase (from the running means, ±1 µs rounding). */
  readonly meanFsyncUs: number;
}

export interface JournalFigures {
  readonly mode: BenchMode;
  readonly phases: readonly JournalPhase[];
  /** GetJournalStatus at the end of the run, whole life of the process. */
  readonly end: {
    readonly lastSequence: number;
    readonly durableSequence: number;
    readonly segments: number;
    readonly fsyncCount: number;
    readonly fsyncMeanUs: number;
    readonly fsyncMaxUs: number;
    /** lastSequence / fsyncCount. */
    readonly recordsPerFsync: number;
  };
}

/** Bytes the disk floor writes per sample: about one journaled order (frame included). */
export const FLOOR_RECORD_BYTES = 352;

export interface DurabilityResult {
  readonly plan: DurabilityPlan;
  readonly closedLoop: {
    readonly plan: ClosedLoopPlan;
    readonly rows: readonly ModeLatency[];
    /** pwrite + fdatasync (blocking) of FLOOR_RECORD_BYTES on the same file system, interleaved with the rows. */
    readonly diskFloor: { readonly samples: number; readonly latency: LatencySummaryNs };
    /** The same with the fdatasync through Node's thread pool, awaited. */
    readonly diskFloorThreadPool: { readonly samples: number; readonly latency: LatencySummaryNs };
  };
  readonly throughput: readonly DurabilityThroughputCase[];
  readonly journals: readonly JournalFigures[];
  readonly replay: ReplayResult;
}

interface Subject {
  readonly mode: BenchMode;
  readonly handle: ChildHandle;
  readonly dataDir: string | undefined;
  clients?: SidecarClients;
  deep?: DeepChannel;
  readonly statuses: { phase: string; status: GetJournalStatusResponse }[];
}

const sidecarScript = fileURLToPath(new URL("./sidecar-process.ts", import.meta.url));

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

async function readStatus(s: Subject, phase: string): Promise<void> {
  if (s.mode === "ephemeral") return;
  const status = await callUnary<GetJournalStatusResponse>(s.clients!.admin, "getJournalStatus", create(GetJournalStatusRequestSchema));
  s.statuses.push({ phase, status });
}

function journalFigures(s: Subject): JournalFigures {
  const phases: JournalPhase[] = [];
  for (let i = 1; i < s.statuses.length; i++) {
    const a = s.statuses[i - 1]!.status;
    const b = s.statuses[i]!.status;
    const records = Number(b.lastSequence - a.lastSequence);
    const fsyncs = Number(b.fsyncCount - a.fsyncCount);
    const totalUs = b.fsyncMeanUs * Number(b.fsyncCount) - a.fsyncMeanUs * Number(a.fsyncCount);
    phases.push({ phase: s.statuses[i]!.phase, records, fsyncs, recordsPerFsync: fsyncs > 0 ? records / fsyncs : 0, meanFsyncUs: fsyncs > 0 ? totalUs / fsyncs : 0 });
  }
  const end = s.statuses[s.statuses.length - 1]!.status;
  const fsyncCount = Number(end.fsyncCount);
  return {
    mode: s.mode,
    phases,
    end: {
      lastSequence: Number(end.lastSequence),
      durableSequence: Number(end.durableSequence),
      segments: end.segments,
      fsyncCount,
      fsyncMeanUs: end.fsyncMeanUs,
      fsyncMaxUs: end.fsyncMaxUs,
      recordsPerFsync: fsyncCount > 0 ? Number(end.lastSequence) / fsyncCount : 0,
    },
  };
}

async function startSubject(mode: BenchMode, cluster: NatsCluster | undefined): Promise<Subject> {
  const onDisk = mode === "sync" || mode === "async";
  const dataDir = onDisk ? mkdtempSync(join(tmpdir(), `openpit-bench-${mode}-`)) : undefined;
  const subject: Subject = { mode, handle: ChildHandle.fork(`sidecar (${mode})`, sidecarScript), dataDir, statuses: [] };
  try {
    const durability: BenchDurability =
      mode === "replicated"
        ? { mode, servers: cluster!.urls, stream: "OPENPIT_BENCH" }
        : dataDir === undefined
          ? { mode: "ephemeral" }
          : { mode: mode as "sync" | "async", dataDir };
    const { port } = await subject.handle.call<SidecarStarted>("start", { config: benchSidecarConfig(durability) });
    subject.clients = connect(`127.0.0.1:${port}`);
    return subject;
  } catch (e) {
    await stopSubject(subject);
    throw e;
  }
}

async function stopSubject(s: Subject): Promise<void> {
  if (s.deep) await withTimeout(s.deep.channel.end(), 2_000).catch(() => {});
  s.clients?.close();
  await s.handle.stop();
  if (s.dataDir) rmSync(s.dataDir, { recursive: true, force: true });
}

type RoundTrip = () => Promise<number>;

async function repeat(times: number, op: RoundTrip, into: hdr.Histogram | undefined): Promise<void> {
  for (let i = 0; i < times; i++) {
    const ns = await op();
    into?.recordValue(ns);
  }
}

/**
 * The disk floors: a positional write of one record and its fdatasync in a preallocated
 * file, the fdatasync either as a blocking syscall (the disk alone) or through Node's
 * thread pool and awaited (what an event loop that must not block pays: the journal's way).
 */
function diskFloor(): { sync: RoundTrip; threadPool: RoundTrip; close(): void } {
  const dir = mkdtempSync(join(tmpdir(), "openpit-bench-floor-"));
  const size = 4 * 1024 * 1024;
  const fd = openSync(join(dir, "floor.bin"), "w+");
  writeSync(fd, Buffer.alloc(size), 0, size, 0);
  fdatasyncSync(fd);
  const record = Buffer.alloc(FLOOR_RECORD_BYTES, 0x5a);
  let position = 0;
  const write = () => {
    writeSync(fd, record, 0, record.length, position);
    position = (position + record.length) % (size - record.length);
  };
  return {
    sync: async () => {
      const t0 = process.hrtime.bigint();
      write();
      fdatasyncSync(fd);
      return Number(process.hrtime.bigint() - t0);
    },
    threadPool: async () => {
      const t0 = process.hrtime.bigint();
      write();
      await new Promise<void>((resolve, reject) => fdatasync(fd, (err) => (err ? reject(err) : resolve())));
      return Number(process.hrtime.bigint() - t0);
    },
    close() {
      closeSync(fd);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function closedLoop(subjects: readonly Subject[], oracle: Oracle, plan: ClosedLoopPlan, progress: Progress): Promise<DurabilityResult["closedLoop"]> {
  const ops = subjects.map((s): RoundTrip => async () => {
    const command = s.deep!.next();
    const t0 = process.hrtime.bigint();
    const response = await s.deep!.channel.sendRaw([command]);
    const ns = Number(process.hrtime.bigint() - t0);
    oracle.checkDeepAccept(response.results[0]);
    return ns;
  });
  const floor = diskFloor();
  try {
    ops.push(floor.sync, floor.threadPool);
    progress.update("durability closed loop: warm-up");
    for (const op of ops) await repeat(plan.warmup, op, undefined);
    const histograms = ops.map(() => newHistogram());
    for (let r = 0; r < plan.rounds; r++) {
      progress.update(`durability closed loop: round ${r + 1}/${plan.rounds}`);
      const order = ops.map((_, i) => i);
      if (r % 2 === 1) order.reverse();
      for (const i of order) await repeat(plan.perRound, ops[i]!, histograms[i]);
    }
    const ref = histograms[0]!;
    const rows = subjects.map((s, i): ModeLatency => {
      const h = histograms[i]!;
      return {
        mode: s.mode,
        samples: h.totalCount,
        latency: summarize(h),
        p50OverReferenceNs: h.getValueAtPercentile(50) - ref.getValueAtPercentile(50),
        p99OverReferenceNs: h.getValueAtPercentile(99) - ref.getValueAtPercentile(99),
      };
    });
    const floorOf = (h: hdr.Histogram) => ({ samples: h.totalCount, latency: summarize(h) });
    const diskFloorResult = floorOf(histograms[subjects.length]!);
    const diskFloorThreadPool = floorOf(histograms[subjects.length + 1]!);
    for (const h of histograms) h.destroy();
    return { plan, rows, diskFloor: diskFloorResult, diskFloorThreadPool };
  } finally {
    floor.close();
  }
}

async function throughputCase(subjects: readonly Subject[], oracle: Oracle, plan: DurabilityThroughputPlan, ordersPerMessage: number, progress: Progress): Promise<DurabilityThroughputCase> {
  const name = `1 channel, ${ordersPerMessage === 1 ? "unbatched" : `batched ×${ordersPerMessage}`}`;
  const senders = subjects.map((s): Send => () =>
    s.deep!.channel.sendRaw(Array.from({ length: ordersPerMessage }, s.deep!.next)).then((r) => {
      for (let i = 0; i < ordersPerMessage; i++) oracle.checkDeepAccept(r.results[i]);
    }),
  );
  for (const [i, s] of subjects.entries()) {
    progress.update(`durability throughput ${name}: warm-up (${s.mode})`);
    await pump([senders[i]!], plan.window, plan.warmupMs);
  }
  const totals: Measured[] = subjects.map(() => ({ messages: 0, elapsedNs: 0, cpu: emptySpan() }));
  for (let r = 0; r < plan.rounds; r++) {
    progress.update(`durability throughput ${name}: round ${r + 1}/${plan.rounds}`);
    const order = subjects.map((_, i) => i);
    if (r % 2 === 1) order.reverse();
    for (const i of order) await measured(subjects[i]!.handle, () => pump([senders[i]!], plan.window, plan.roundMs), totals[i]!);
  }
  const perSec = (m: Measured) => (m.messages / (m.elapsedNs / 1e9)) * ordersPerMessage;
  const reference = perSec(totals[0]!);
  return {
    name,
    ordersPerMessage,
    window: plan.window,
    rows: subjects.map((s, i) => ({
      mode: s.mode,
      messages: totals[i]!.messages,
      ordersPerSec: perSec(totals[i]!),
      ratio: perSec(totals[i]!) / reference,
      cpu: cpuShare(totals[i]!.cpu),
    })),
  };
}

export async function runDurability(plan: DurabilityPlan, oracle: Oracle, profileDir: string | undefined, progress: Progress): Promise<DurabilityResult> {
  progress.update(`durability: starting ${plan.modes.length} sidecars (${plan.modes.join(", ")})`);
  const subjects: Subject[] = [];
  let cluster: NatsCluster | undefined;
  let live: Omit<DurabilityResult, "plan" | "replay">;
  try {
    if (plan.modes.includes("replicated")) {
      progress.update("durability: starting a 3-node nats-server cluster for the replicated journal");
      cluster = await startNatsCluster();
    }
    for (const mode of plan.modes) subjects.push(await startSubject(mode, cluster));
    for (const s of subjects) {
      s.deep = (await openDeepChannels(s.clients!, oracle, 1))[0]!;
      await readStatus(s, "seeding");
    }
    const closed = await closedLoop(subjects, oracle, plan.closedLoop, progress);
    for (const s of subjects) await readStatus(s, "closed loop (incl. warm-up)");
    progress.log("durability closed loop: done");
    const throughput: DurabilityThroughputCase[] = [];
    for (const batch of plan.throughput.batches) {
      const c = await throughputCase(subjects, oracle, plan.throughput, batch, progress);
      throughput.push(c);
      for (const s of subjects) await readStatus(s, `pipelined ${c.name} (incl. warm-up)`);
    }
    progress.log("durability throughput: done");
    live = {
      closedLoop: closed,
      throughput,
      journals: subjects.filter((s) => s.mode !== "ephemeral").map(journalFigures),
    };
  } finally {
    progress.update("durability: stopping the sidecars");
    for (const s of subjects) await stopSubject(s);
    await cluster?.stop();
  }
  const replay = await runReplay(plan.replay, profileDir, progress);
  progress.log("durability replay: done");
  return { plan, ...live, replay };
}
