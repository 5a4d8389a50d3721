/**
 * Crash recovery: the newest valid snapshot, then a replay of the journal's tail through the
 * door, then the journal opened for appending and the channels the crash left open closed
 * (their reservations rolled back as journaled commands). A torn last record is truncated;
 * anything else that does not read back stops the start with the file, offset and sequence.
 */
import * as path from "node:path";
import { DataDirLockedError, lockDataDir } from "./journal/data-dir-lock.js";
import { FileJournal } from "./journal/file-journal.js";
import { ensureDirDurable, fsyncDirSync, listSnapshotFiles } from "./journal/journal-files.js";
import { JournalCorruptionError } from "./journal/journal-corruption-error.js";
import type { Journal, JournalFailedError } from "./journal/journal.js";
import { readJournal, type JournalReadResult } from "./journal/journal-reader.js";
import { durableCover, listSnapshots, readSnapshots, type SkippedSnapshot } from "./journal/snapshot-files.js";
import { decodePlain } from "./plain-data.js";
import type { ExecutionSettings } from "./commands.js";
import type { SidecarState, StateSnapshot } from "./sidecar-state.js";
import { SnapshotSchedule } from "./snapshot-schedule.js";
import { sameQuoteTtls } from "./door-settings.js";
import { sameWriter } from "./journal-writer.js";
import { applyAccountEntries, type AccountEntriesOutcome, type AccountEntryDifference } from "./account-entries.js";
import type { AccountId } from "../param/index.js";
import { SnapshotError } from "../engine/index.js";

/**
 * Groups up to this size are synced on the event loop. Measured here (2 cores): closed-loop
 * p50 of a durable answer 796 -> 460 µs and 1009 -> 714 µs, pipelined orders/s 0.65x -> 0.78-0.84x
 * of in-memory. The thread-pool round trip and its extra wake-up cost more than overlapping the
 * next batch's work with the sync gains; a larger group (a backlog) still goes to the pool.
 */
const INLINE_SYNC_BYTES = 16 * 1024;

/**
 * What a recovery did: a start from the file journal (recoverState), or the takeover of the
 * replicated journal (JournalReplica.takeOver, whose report extends this one). The recovery
 * gauges (`openpit_recovery_*`, sidecar-metrics.ts) are read from it in both modes.
 */
export interface RecoveryReport {
  /** The journal record the snapshot the state was restored from covers (undefined: none). */
  readonly snapshotSequence: bigint | undefined;
  /** Snapshot files that did not check out and were passed over (file journals; none in replicated mode). */
  readonly skippedSnapshots: readonly string[];
  /** Journal records replayed after the snapshot (replicated: applied from the stream since following began). */
  readonly replayed: number;
  /** The last record in the journal once serving (after the rollbacks and `served`). */
  readonly lastSequence: bigint;
  /** Where a torn last record was cut off (`file@offset`), if one was (file journals). */
  readonly tornTail: string | undefined;
  /** Reservations the previous run left open, rolled back. */
  readonly rolledBackReservations: number;
  /** The configuration's execution settings differed from the journal's and were journaled. */
  readonly settingsChanged: boolean;
  /** Accounts whose `accounts.list` entry this start put in force (admitted anew: account-entries.ts), ascending. */
  readonly accountEntriesApplied: readonly AccountId[];
  /** `accounts.list` entries naming another group or currency than the state keeps for an account it already admitted. */
  readonly accountEntryDifferences: readonly AccountEntryDifference[];
  /** How long the recovery took (replicated: see TakeoverReport). */
  readonly ms: number;
}

/** The durable state could not be read back; the message says where and why. */
export class DurableStateError extends Error {
  override name = "DurableStateError";
}

/** How the journal runs: mode, directory, snapshot schedule, segment size. */
export interface RecoveryOptions {
  /** "replicated" recovers from the stream instead (src/replication/journal-replica.ts). */
  readonly mode: "sync" | "async" | "ephemeral" | "replicated";
  readonly dataDir: string;
  readonly snapshotEveryRecords: number;
  readonly snapshotEverySeconds: number;
  readonly segmentBytes: number;
  /** A write or fdatasync failed: nothing more can be made durable (the app stops the process). */
  readonly onJournalFailure?: (error: JournalFailedError) => void;
}

export async function recoverState(state: SidecarState, options: RecoveryOptions): Promise<RecoveryReport> {
  const started = performance.now();
  if (options.mode === "replicated") throw new Error("replicated mode recovers from the replicated journal, not from files (src/replication/journal-replica.ts)");
  checkSnapshottable(state);
  const dataDir = options.dataDir;
  // Created durably (its entry fsynced in the parent): made with a plain mkdir, the later
  // ensureDirDurable calls found it existing and never synced that entry, and a power loss
  // soon after a first start could lose the whole directory.
  ensureDirDurable(dataDir);
  // Every start, not only the one that made it: a first start that crashed between the
  // mkdir and that fsync left a directory the next one finds existing.
  fsyncDirSync(path.dirname(path.resolve(dataDir)));
  let release: () => void;
  try {
    // Released when the journal closes, or the process exits; a lock left by a killed process
    // is taken over.
    release = lockDataDir(dataDir);
  } catch (e) {
    if (e instanceof DataDirLockedError) throw new DurableStateError(e.message);
    throw e;
  }
  try {
    return await recoverLocked(state, options, dataDir, started, release);
  } catch (e) {
    // A refused start leaves the directory to the next attempt, in this process too.
    release();
    throw e;
  }
}

async function recoverLocked(state: SidecarState, options: RecoveryOptions, dataDir: string, started: number, release: () => void): Promise<RecoveryReport> {
  // The settings this configuration asks for; the journal's history may say otherwise.
  const configured = state.executionSettings();
  const { latest: snapshot, skipped } = readSnapshots(dataDir);
  if (snapshot === undefined && skipped.length > 0) refuseWithoutValidSnapshot(dataDir, skipped);
  if (snapshot) {
    try {
      state.restore(decodePlain(snapshot.data) as StateSnapshot);
    } catch (e) {
      // The configuration builds other policies than the state was written by: no snapshot
      // here would restore, and moving one aside is no way out.
      if (e instanceof SnapshotError && e.kind === "PolicyMismatch") {
        throw new DurableStateError(
          `snapshot ${snapshot.file} was written by an engine with other policies than the configuration builds: ${e.message}; start with the policies (and policy group ids) the state was written with, or on a new data directory`,
        );
      }
      throw new DurableStateError(`snapshot ${snapshot.file} cannot be restored: ${e instanceof Error ? e.message : String(e)}; ${wayPastUnrestorable(dataDir, snapshot.file, snapshot.seq)}`);
    }
  }
  const snapshotSequence = snapshot?.seq ?? 0n;
  let read;
  try {
    read = readJournal(dataDir, {
      fromSequence: snapshotSequence + 1n,
      // A snapshot was written after its records were durable: a hole among them is damage,
      // also below a newer snapshot that is damaged (its name is proof enough).
      durableThrough: durableCover(dataDir),
      onRecord: (record, file, offset) => {
        try {
          state.replay(record.payload);
        } catch (e) {
          throw new DurableStateError(`${file} offset ${offset}: record ${record.seq} cannot be replayed: ${e instanceof Error ? e.message : String(e)}`);
        }
      },
    });
  } catch (e) {
    if (e instanceof JournalCorruptionError) throw new DurableStateError(e.message);
    throw e;
  }
  const journal = FileJournal.open({
    dataDir,
    mode: options.mode === "async" ? "async" : "sync",
    segmentBytes: options.segmentBytes,
    inlineSyncBytes: INLINE_SYNC_BYTES,
    end: read.end,
    nextSequence: (read.lastSequence > snapshotSequence ? read.lastSequence : snapshotSequence) + 1n,
    // Only a snapshot that checked out counts: pruning must never go by a damaged one.
    ...(snapshot ? { lastSnapshotSequence: snapshot.seq } : {}),
    ...(options.onJournalFailure ? { onFatal: options.onJournalFailure } : {}),
    onClosed: release,
  });
  const schedule = new SnapshotSchedule(state, journal, { ...options, ...(snapshot ? { restoredSnapshot: snapshot.seq } : {}) });
  const { rolledBack, settingsChanged, accountEntries } = await resumeServing(state, journal, schedule, configured, snapshot !== undefined);
  return {
    snapshotSequence: snapshot?.seq,
    skippedSnapshots: skipped.map((s) => `${s.file}: ${s.reason}`),
    replayed: read.records,
    lastSequence: journal.lastSequence,
    tornTail: read.tornTail && `${read.tornTail.file}@${read.tornTail.offset}`,
    rolledBackReservations: rolledBack,
    settingsChanged,
    accountEntriesApplied: accountEntries.applied,
    accountEntryDifferences: accountEntries.differences,
    ms: performance.now() - started,
  };
}

/**
 * Snapshot files exist and none checks out. The journal's records ran on the state the first
 * start wrote as snapshot 0 (the configuration of that day), and the configuration file may no
 * longer give it: replayed on today's file, acknowledged commands could be decided again,
 * differently, and the start would report success (found by review, session 30). Refused,
 * naming the files and the way out; unless the journal holds no record at all and no snapshot
 * file names a later one (nothing ever ran on that state: the start is a first start).
 */
function refuseWithoutValidSnapshot(dataDir: string, skipped: readonly SkippedSnapshot[]): void {
  const cover = durableCover(dataDir);
  let read: JournalReadResult | undefined;
  let damage: string | undefined;
  try {
    read = readJournal(dataDir, { durableThrough: cover });
  } catch (e) {
    if (!(e instanceof JournalCorruptionError)) throw e;
    damage = e.message;
  }
  if (cover === 0n && read !== undefined && read.lastSequence === 0n) return;
  const named = skipped.map((s) => `${s.file} (${s.reason})`).join(", ");
  const them = skipped.length === 1 ? "that file" : "those files";
  // A journal that reads back reaches the cover: one ending before it is damage (JournalEndsShortError).
  const wayOut =
    read !== undefined
      ? `the journal still holds every record from 1 to ${read.lastSequence}: if the configuration file is the one this directory was first started with, move ${them} out of the directory (e.g. into ${path.join(dataDir, "damaged-snapshots")}) and start again with the version that wrote the journal, which replays the whole journal on it; otherwise restore the directory from a backup`
      : `the journal no longer holds every record from 1 (${damage}): restore the directory from a backup`;
  throw new DurableStateError(
    `no snapshot checks out: ${named}; the journal's records ran on the state its first start wrote as snapshot 0, which the configuration file may no longer give, so it is not rebuilt from the file; ${wayOut}`,
  );
}

/**
 * A snapshot that passes its checks but does not restore (a bug in a policy's restoreState,
 * say) stops the start: the state is half restored and this process cannot build a fresh one.
 * Pruning goes by the snapshot before the newest, so when an older one checks out the records
 * after it are still here, and moving the newest aside lets the next start restore the older
 * one and replay them: said, not done, since the same bug may meet the replayed state again.
 * Said only when they run unbroken to the journal's end and reach the newest one's sequence
 * (a cut it covered may have taken records only it holds); otherwise: a backup.
 */
function wayPastUnrestorable(dataDir: string, file: string, seq: bigint): string {
  const older = listSnapshots(dataDir).find((s) => s.seq < seq && s.invalid === undefined);
  const backup = "no older snapshot with the journal's records after it is here: restore the directory from a backup";
  if (older === undefined) return backup;
  // Read as the next start would, with `file` moved aside: the records after the older
  // snapshot must run unbroken (found by review, session 34: after a cut the newest snapshot
  // covered, the journal no longer continues the older one, and the advice led to a refusal).
  // And they must reach `seq` at least, as far as `file` proves durable: moved aside, it no
  // longer says so, and a journal a cut ended before it (or a bad record below it read as a
  // torn tail) would start without those acknowledged records (found by review).
  const others = listSnapshotFiles(dataDir).find((s) => s.file !== file)?.seq ?? 0n;
  const cover = others > seq ? others : seq;
  try {
    readJournal(dataDir, { fromSequence: older.seq + 1n, durableThrough: cover });
  } catch {
    // Damage (JournalCorruptionError) or a journal that cannot be read: not a way back.
    return backup;
  }
  return `${older.file} checks out and the journal keeps the records after it: move ${file} out of the directory (e.g. into ${path.join(dataDir, "damaged-snapshots")}) and start again, which restores ${older.file} and replays the records since`;
}

/** Durable modes need every stateful policy's state in the snapshots. */
export function checkSnapshottable(state: SidecarState): void {
  const unsnapshottable = state.engine.statefulPoliciesWithoutSnapshot();
  if (unsnapshottable.length > 0) {
    throw new DurableStateError(
      `durable mode needs every stateful policy to snapshot its state; ${unsnapshottable.map((n) => `'${n}'`).join(", ")} has no snapshotState/restoreState (declare it stateless, add the hooks, or run --ephemeral)`,
    );
  }
}

/**
 * After a replay (from files, or from the replicated journal when an instance takes it
 * over): appends go to `journal`, the channels the previous run left open are closed (their
 * reservations rolled back, journaled), the file's account entries of accounts admitted anew
 * are put in force (account-entries.ts), the configured execution settings are journaled if
 * they differ from the journal's, and the sidecar is marked serving once that is durable.
 * Without a snapshot to start from, one of this state is taken first, so a later start never
 * rebuilds history from a configuration file that may have changed since.
 */
export async function resumeServing(
  state: SidecarState,
  journal: Journal,
  schedule: SnapshotSchedule,
  configured: ExecutionSettings,
  hadSnapshot: boolean,
): Promise<{ rolledBack: number; settingsChanged: boolean; accountEntries: AccountEntriesOutcome }> {
  state.attachJournal(journal);
  state.resumeAfterReplay();
  // Restored from another build's snapshot (an upgrade; nothing of its was replayed, or the
  // replay would have refused it): the first append, before anything this start decides (the
  // rollbacks below; after resumeAfterReplay, which sets the clock's offset), says the
  // records from here on are this build's. Otherwise they are already (a fresh state's
  // records are its own, and the snapshot it takes first says so).
  if (!sameWriter(state.recordsWriter, state.writer)) state.markWriter();
  const rolledBack = countOpenReservations(state);
  state.closeRecoveredChannels();
  // Before the settings: who was admitted is read from the restored state, and a strict list
  // admits a new account only after its group and currency are in force.
  const accountEntries = applyAccountEntries(state, state.accountEntries);
  const settingsChanged = !sameSettings(state.executionSettings(), configured);
  if (settingsChanged) state.applySettings(configured);
  // This snapshot covers the rollbacks above, and `served` is not durable yet: a crash now
  // leaves the next start restoring it with nothing to replay. So the snapshot carries the
  // rollbacks not yet announced (StateSnapshot.unannounced), and that start announces them.
  // Carried rather than taking the snapshot after `served`: the guarantee then does not hang
  // on where a snapshot is taken, the first start's stays the configured state at record 0,
  // and the time between `served` and serving (rollbacks counted as announced while no
  // monitor may have subscribed yet) does not grow by a snapshot's write.
  if (!hadSnapshot) await schedule.take();
  state.markServing();
  await journal.flush();
  schedule.start();
  state.snapshots = schedule;
  return { rolledBack, settingsChanged, accountEntries };
}

function sameSettings(a: ExecutionSettings, b: ExecutionSettings): boolean {
  const accounts = (s: ExecutionSettings) => (s.knownAccounts === undefined ? "any" : [...s.knownAccounts].sort().join(","));
  return (
    a.maxOpenHandlesPerChannel === b.maxOpenHandlesPerChannel &&
    a.maxOpenHandles === b.maxOpenHandles &&
    a.maxPinnedAccountsPerOwner === b.maxPinnedAccountsPerOwner &&
    a.reservationTtlMs === b.reservationTtlMs &&
    a.executionIdRetentionMs === b.executionIdRetentionMs &&
    a.maxExecutionIds === b.maxExecutionIds &&
    a.pinning === b.pinning &&
    accounts(a) === accounts(b) &&
    sameQuoteTtls(a.quoteTtls, b.quoteTtls)
  );
}

function countOpenReservations(state: SidecarState): number {
  let n = 0;
  for (const channel of state.channels.values()) n += channel.openReservationCount;
  return n;
}
