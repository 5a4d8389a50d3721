/**
 * Crash recovery: the newest valid snapshot, then a replay of the journal's tail through the
 * door, then the journal opened for appending and the channels the crash left open closed
 * (their reservations rolled back as journaled commands). A torn last record is truncated;
 * anything else that does not read back stops the start with the file, offset and sequence.
 */
import { mkdirSync } from "node:fs";
import type { DurabilityConfig } from "../server/config/sidecar-config.js";
import { DataDirLockedError, lockDataDir } from "./journal/data-dir-lock.js";
import { FileJournal } from "./journal/file-journal.js";
import { JournalCorruptionError } from "./journal/journal-corruption-error.js";
import { readJournal } from "./journal/journal-reader.js";
import { readLatestSnapshot } from "./journal/snapshot-files.js";
import { decodePlain } from "./plain-data.js";
import type { SidecarState, StateSnapshot } from "./sidecar-state.js";
import { SnapshotSchedule } from "./snapshot-schedule.js";

export interface RecoveryReport {
  readonly snapshotSequence: bigint | undefined;
  /** Snapshot files that did not check out and were passed over. */
  readonly skippedSnapshots: readonly string[];
  readonly replayed: number;
  readonly lastSequence: bigint;
  /** Where a torn last record was cut off (`file@offset`), if one was. */
  readonly tornTail: string | undefined;
  readonly rolledBackReservations: number;
  readonly ms: number;
}

/** The durable state could not be read back; the message says where and why. */
export class DurableStateError extends Error {
  override name = "DurableStateError";
}

/** The configuration that runs the journal (mode, directory, snapshot schedule, segment size). */
export type RecoveryOptions = Pick<DurabilityConfig, "mode" | "dataDir" | "snapshotEveryRecords" | "snapshotEverySeconds" | "segmentBytes">;

export async function recoverState(state: SidecarState, options: RecoveryOptions): Promise<RecoveryReport> {
  const started = performance.now();
  const unsnapshottable = state.engine.statefulPoliciesWithoutSnapshot();
  if (unsnapshottable.length > 0) {
    throw new DurableStateError(
      `durable mode needs every stateful policy to snapshot its state; ${unsnapshottable.map((n) => `'${n}'`).join(", ")} has no snapshotState/restoreState (declare it stateless, add the hooks, or run --ephemeral)`,
    );
  }
  const dataDir = options.dataDir;
  mkdirSync(dataDir, { recursive: true });
  try {
    // Released when the process exits; a lock left by a killed process is taken over.
    lockDataDir(dataDir);
  } catch (e) {
    if (e instanceof DataDirLockedError) throw new DurableStateError(e.message);
    throw e;
  }
  const snapshot = readLatestSnapshot(dataDir);
  if (snapshot) {
    try {
      state.restore(decodePlain(snapshot.data) as StateSnapshot);
    } catch (e) {
      throw new DurableStateError(`snapshot ${snapshot.file} cannot be restored: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  const fromSequence = (snapshot?.seq ?? 0n) + 1n;
  let read;
  try {
    read = readJournal(dataDir, { fromSequence, onRecord: (record) => state.replay(record.payload) });
  } catch (e) {
    if (e instanceof JournalCorruptionError) throw new DurableStateError(e.message);
    throw e;
  }
  const journal = FileJournal.open({ dataDir, mode: options.mode === "async" ? "async" : "sync", segmentBytes: options.segmentBytes, end: read.end, nextSequence: (read.lastSequence > (snapshot?.seq ?? 0n) ? read.lastSequence : snapshot?.seq ?? 0n) + 1n });
  if (snapshot) journal.noteSnapshot(snapshot.seq);
  state.attachJournal(journal);
  const before = countOpenReservations(state);
  state.closeRecoveredChannels();
  await journal.flush();
  new SnapshotSchedule(state, journal, options).start();
  return {
    snapshotSequence: snapshot?.seq,
    skippedSnapshots: (snapshot?.skipped ?? []).map((s) => `${s.file}: ${s.reason}`),
    replayed: read.records,
    lastSequence: journal.lastSequence,
    tornTail: read.tornTail && `${read.tornTail.file}@${read.tornTail.offset}`,
    rolledBackReservations: before,
    ms: performance.now() - started,
  };
}

function countOpenReservations(state: SidecarState): number {
  let n = 0;
  for (const channel of state.channels.values()) n += channel.openReservationCount;
  return n;
}
