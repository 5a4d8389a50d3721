/**
 * The replay measurement's worker, forked afresh for each step (bench/replay.ts), so a
 * recovery is timed in a process that has done nothing else: `build` writes the journal
 * through an in-process door, `recover` times `recoverState` on a freshly built state,
 * `stages` times the recovery's reading and decoding alone (for the split).
 */
import { buildState } from "../src/app/build-sidecar.js";
import { parseSidecarConfig } from "../src/server/config/sidecar-config.js";
import { FRAME_HEADER_BYTES, SEGMENT_HEADER_BYTES } from "../src/state/journal/segment-format.js";
import { readJournal } from "../src/state/journal/journal-reader.js";
import { decodeCommand } from "../src/state/command-codec.js";
import { recoverState } from "../src/state/recovery.js";
import { benchSidecarConfig } from "./bench-config.js";
import { gcBetween, gcSnapshot, type GcStats } from "./gc-stats.js";
import { processStats, serveIpc, type StatsRequest } from "./ipc.js";
import { buildJournal, stateDigest, type JournalBuildPlan, type JournalBuildResult } from "./journal-workload.js";

export interface RecoverRequest {
  readonly dataDir: string;
  readonly segmentBytes: number;
}

export interface RecoverResult {
  readonly replayed: number;
  readonly lastSequence: number;
  /** recoverState's own figure (RecoveryReport.ms). */
  readonly reportMs: number;
  /** Wall time around the recoverState call. */
  readonly wallMs: number;
  /** CPU time (user + system) of the process during that call: less than wallMs when the machine was busy. */
  readonly cpuMs: number;
  /**
   * A snapshot of the recovered state, timed after the recovery: recoverState writes one
   * like it before it returns when the directory had none (included in wallMs).
   */
  readonly snapshotMs: number;
  readonly digest: string;
  readonly gc: GcStats;
  readonly rss: number;
  readonly heapUsed: number;
}

export interface StageTimes {
  readonly records: number;
  readonly segments: number;
  /** Sizes of the segment files (preallocated: the last one is mostly zeros). */
  readonly fileBytes: number;
  /** Segment headers and record frames: what the records really take. */
  readonly dataBytes: number;
  readonly payloadBytes: number;
  /** readJournal with a callback that does nothing: file reads, frame scan, CRC (the fastest of two passes, as below). */
  readonly readMs: number;
  /** ... plus TextDecoder + JSON.parse of every payload. */
  readonly parseMs: number;
  /** ... plus building the domain values: the full `decodeCommand` that replay runs. */
  readonly decodeMs: number;
}

let sink: unknown;

serveIpc({
  build: (plan: JournalBuildPlan): Promise<JournalBuildResult> => buildJournal(plan),
  async recover(request: RecoverRequest): Promise<RecoverResult> {
    const state = buildState(parseSidecarConfig(benchSidecarConfig() as never));
    const gc0 = gcSnapshot(true);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const report = await recoverState(state, {
      mode: "sync",
      dataDir: request.dataDir,
      snapshotEveryRecords: 0,
      snapshotEverySeconds: 0,
      segmentBytes: request.segmentBytes,
    });
    const wallMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    // GC entries reach the observer after the turn that collected.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const gc = gcBetween(gc0, gcSnapshot(true));
    const mem = process.memoryUsage();
    const digest = stateDigest(state);
    // recoverState ends a recovery without a snapshot by writing one (so the next start
    // replays nothing): time another one to show what that part of the recovery cost.
    const s0 = performance.now();
    await state.snapshots?.take();
    const snapshotMs = performance.now() - s0;
    state.snapshots?.stop();
    await state.journal.close();
    return {
      replayed: report.replayed,
      lastSequence: Number(report.lastSequence),
      reportMs: report.ms,
      wallMs,
      cpuMs: (cpu.user + cpu.system) / 1000,
      snapshotMs,
      digest,
      gc,
      rss: mem.rss,
      heapUsed: mem.heapUsed,
    };
  },
  stages(request: { dataDir: string }): StageTimes {
    const decoder = new TextDecoder("utf-8", { fatal: true });
    const timed = (onRecord: (payload: Uint8Array) => void) => {
      const t0 = performance.now();
      const r = readJournal(request.dataDir, { onRecord: (record) => onRecord(record.payload) });
      return { ms: performance.now() - t0, r };
    };
    let payloadBytes = 0;
    const read = timed((p) => (payloadBytes += p.length));
    const passes = {
      read: () => timed(() => {}).ms,
      parse: () => timed((p) => (sink = JSON.parse(decoder.decode(p)))).ms,
      decode: () => timed((p) => (sink = decodeCommand(p))).ms,
    };
    // Two rounds of the three passes, the fastest of each: the first pass also warms the
    // page cache and the JIT, and on a busy machine one pass can lose a few hundred ms.
    const best = { read: Infinity, parse: Infinity, decode: Infinity };
    for (let round = 0; round < 2; round++) {
      for (const k of ["read", "parse", "decode"] as const) best[k] = Math.min(best[k], passes[k]());
    }
    const records = read.r.records;
    return {
      records,
      segments: read.r.segments.length,
      fileBytes: read.r.segments.reduce((a, s) => a + s.bytes, 0),
      dataBytes: payloadBytes + records * FRAME_HEADER_BYTES + read.r.segments.length * SEGMENT_HEADER_BYTES,
      payloadBytes,
      readMs: best.read,
      parseMs: best.parse,
      decodeMs: best.decode,
    };
  },
  stats: (payload: StatsRequest) => processStats(payload),
  stop() {
    void sink;
    // A natural exit, so a --cpu-prof profile is written.
    setImmediate(() => process.exit(0));
    return {};
  },
});
