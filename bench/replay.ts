/**
 * Replay speed: a journal of N records (bench/journal-workload.ts) is written through an
 * in-process door, then recovered by `recoverState` on a freshly built state in a fresh
 * process, and timed. Another fresh process splits that time without a profiler: it
 * times the recovery's reading alone, then reading + JSON.parse, then reading + the full
 * record decode that replay runs (`decodeCommand`): the differences are the parts; the
 * rest of the recovery is the door and the engine. When the target is missed (or with
 * --profile) a further recovery runs under `--cpu-prof` and its samples are attributed to
 * the same parts (profile-summary.ts).
 * The replayed state is checked against the one that wrote the journal (a digest of the
 * door's snapshot), so a fast but wrong replay cannot pass.
 */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ChildHandle } from "./ipc.js";
import type { JournalBuildResult } from "./journal-workload.js";
import { readProfile, replaySplit, type ReplaySplit } from "./profile-summary.js";
import type { Progress } from "./progress.js";
import type { RecoverResult, StageTimes } from "./replay-process.js";

export interface ReplayPlan {
  readonly records: number;
  readonly accounts: number;
  readonly channels: number;
  readonly seed: number;
  /** Journal segment size (the production default is 64 MiB). */
  readonly segmentBytes: number;
  /** Run a profiled recovery when the replay misses its target. */
  readonly profileIfMissed: boolean;
}

/** 1 M records recover in under 4 s (with room for the rest of a start). */
export const REPLAY_TARGET_PER_SEC = 300_000;

export interface ReplayParts {
  /** File reads, frame scan, CRC (readJournal with an empty callback). */
  readonly readingMs: number;
  /** TextDecoder + JSON.parse of every payload. */
  readonly jsonParseMs: number;
  /** The parsed JSON into domain values (command-codec's expand, plain-data's fromPlain): decimals, BigInts, locks. */
  readonly toDomainMs: number;
  /** The snapshot recoverState writes at the end (timed again after the recovery). */
  readonly closingSnapshotMs: number;
  /** The rest of the recovery: the door running every command through the engine, GC, journal open. */
  readonly doorAndEngineMs: number;
}

export interface ReplayResult {
  readonly plan: ReplayPlan;
  readonly build: JournalBuildResult;
  readonly recovery: RecoverResult;
  readonly recordsPerSec: number;
  /** The replayed state equals the state that wrote the journal. */
  readonly digestMatches: boolean;
  readonly stages: StageTimes;
  readonly bytesPerRecord: number;
  /** The recovery's wall time split by the stage runs (differences of timed passes). */
  readonly parts: ReplayParts;
  /** Set when a profiled recovery ran. */
  readonly profile?: { readonly file: string | undefined; readonly recordsPerSec: number; readonly split: ReplaySplit | undefined };
}

const script = fileURLToPath(new URL("./replay-process.ts", import.meta.url));

async function inFreshProcess<T>(name: string, call: (child: ChildHandle) => Promise<T>, cpuProfileDir?: string): Promise<T> {
  const child = ChildHandle.fork(name, script, { cpuProfileDir });
  try {
    return await call(child);
  } finally {
    await child.stop(60_000);
  }
}

/** The profile of the thread that ran the recovery (tsx's loader thread writes one too). */
function recoveryProfile(dir: string, after: number): { file: string; split: ReplaySplit } | undefined {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".cpuprofile"))
    .map((f) => join(dir, f))
    .filter((f) => statSync(f).mtimeMs >= after);
  for (const file of files) {
    const split = replaySplit(readProfile(file));
    if (split) return { file, split };
  }
  return undefined;
}

/**
 * A recovery changes its directory (it journals a `served` record and, with no snapshot
 * there, writes one that later starts would load instead of replaying): each recovery
 * gets a fresh copy of the journal as it was written.
 */
function freshCopy(source: string): string {
  const copy = mkdtempSync(join(tmpdir(), "openpit-bench-replay-copy-"));
  for (const name of readdirSync(source)) if (name.endsWith(".seg")) cpSync(join(source, name), join(copy, name));
  return copy;
}

async function recoverCopy(name: string, source: string, segmentBytes: number, cpuProfileDir?: string): Promise<RecoverResult> {
  const dataDir = freshCopy(source);
  try {
    return await inFreshProcess(name, (c) => c.call<RecoverResult>("recover", { dataDir, segmentBytes }), cpuProfileDir);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function runReplay(plan: ReplayPlan, profileDir: string | undefined, progress: Progress): Promise<ReplayResult> {
  const dataDir = mkdtempSync(join(tmpdir(), "openpit-bench-replay-"));
  try {
    progress.update(`replay: writing a journal of ${plan.records.toLocaleString("en-US")} records`);
    const build = await inFreshProcess("replay-build", (c) =>
      c.call<JournalBuildResult>("build", { dataDir, records: plan.records, accounts: plan.accounts, channels: plan.channels, seed: plan.seed, segmentBytes: plan.segmentBytes }),
    );
    progress.log(`replay: journal of ${build.records} records written in ${(build.ms / 1000).toFixed(1)} s`);
    progress.update("replay: recovering in a fresh process");
    const recovery = await recoverCopy("replay-recover", dataDir, plan.segmentBytes);
    const recordsPerSec = recovery.replayed / (recovery.wallMs / 1000);
    progress.log(`replay: ${recovery.replayed} records recovered in ${recovery.wallMs.toFixed(0)} ms (${Math.round(recordsPerSec)}/s)`);
    progress.update("replay: timing reading and decoding alone");
    const stages = await inFreshProcess("replay-stages", (c) => c.call<StageTimes>("stages", { dataDir }));
    const parts: ReplayParts = {
      readingMs: stages.readMs,
      jsonParseMs: stages.parseMs - stages.readMs,
      toDomainMs: stages.decodeMs - stages.parseMs,
      closingSnapshotMs: recovery.snapshotMs,
      doorAndEngineMs: recovery.wallMs - stages.decodeMs - recovery.snapshotMs,
    };
    let profile: ReplayResult["profile"];
    if (profileDir !== undefined || (plan.profileIfMissed && recordsPerSec < REPLAY_TARGET_PER_SEC)) {
      progress.update("replay: a profiled recovery (--cpu-prof)");
      const dir = profileDir !== undefined ? join(profileDir, "replay") : mkdtempSync(join(tmpdir(), "openpit-bench-replay-prof-"));
      mkdirSync(dir, { recursive: true });
      const since = Date.now() - 1_000;
      try {
        const profiled = await recoverCopy("replay-profiled", dataDir, plan.segmentBytes, dir);
        const found = recoveryProfile(dir, since);
        profile = {
          // A profile in the temp dir is removed with it; one asked for with --profile stays.
          file: profileDir !== undefined ? found?.file : undefined,
          recordsPerSec: profiled.replayed / (profiled.wallMs / 1000),
          split: found?.split,
        };
      } finally {
        if (profileDir === undefined) rmSync(dir, { recursive: true, force: true });
      }
    }
    return {
      plan,
      build,
      recovery,
      recordsPerSec,
      digestMatches: recovery.digest === build.digest,
      stages,
      bytesPerRecord: stages.dataBytes / stages.records,
      parts,
      profile,
    };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
