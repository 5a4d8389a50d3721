/**
 * A sidecar state fed from the replicated journal, and its takeover of that journal.
 *
 *  - follow(): restores the newest snapshot from the object store and tails the stream after
 *    it, applying every record through the door's replay (the same path as file recovery, so
 *    the state is the one the writer had, bit for bit). A standby stays here (warm).
 *    With no snapshot stored yet, a standby (`firstSnapshotPollMs`) does not tail: the
 *    journal's records run on the state its first writer started from (its file, stored as
 *    that writer's first snapshot), not on the state this instance's file built, which may
 *    differ (two instances of a new deployment started together with different files: the
 *    one that lost the lease race replayed the winner's records on its own file). It polls
 *    for that snapshot, restores it and tails after it.
 *  - takeOver(): reads to the end of the stream, claims the journal (epoch markers: the
 *    previous writer is fenced out, claim.ts), attaches the replicated journal for appends,
 *    closes the channels the previous writer left open (rolling their reservations back,
 *    journaled), and marks the state serving. A cold start is follow() then takeOver().
 *    A standby still waiting for the first snapshot reads it once more, and with none (a
 *    first start, or a first writer that died before its snapshot) replays the stream from
 *    its first record on this instance's file, as a single cold start does.
 *
 * Snapshots are written on the usual schedule (snapshot-schedule.ts) to the object store.
 * Everything here is per ownership group (`subjects.shards`, journal-subjects.ts): the tail
 * reads the group's subjects, the claim fences them, the snapshot object is the group's.
 */
import type { JournalFailedError } from "../state/journal/journal.js";
import type { ExecutionSettings } from "../state/commands.js";
import { decodePlain } from "../state/plain-data.js";
import { checkSnapshottable, DurableStateError, resumeServing, type RecoveryReport } from "../state/recovery.js";
import type { SidecarState, StateSnapshot } from "../state/sidecar-state.js";
import { SnapshotSchedule, type SnapshotSink } from "../state/snapshot-schedule.js";
import { claimJournal } from "./claim.js";
import { FollowingJournal } from "./following-journal.js";
import type { JetStreamJournal } from "./jetstream-journal.js";
import { groupName, journalSubjects, type JournalSubjects } from "./journal-subjects.js";
import type { JournalLink } from "./journal-stream.js";
import { JournalTail, StreamHistoryError, type EpochMarker } from "./journal-tail.js";
import type { ObjectSnapshotStore, StoredSnapshot } from "./object-snapshots.js";
import type { RecordSigner } from "./record-signing.js";

export interface JournalReplicaOptions {
  readonly link: JournalLink;
  readonly snapshots: ObjectSnapshotStore;
  /** The journal's layout and ownership group. */
  readonly subjects: JournalSubjects;
  /** Written into the epoch markers (who took over). */
  readonly instanceId: string;
  readonly snapshotEveryRecords: number;
  readonly snapshotEverySeconds: number;
  readonly appendTimeoutMs?: number;
  readonly maxMessageBytes?: number;
  /** How long reading to the end of the stream may take (default 15 s). */
  readonly catchUpTimeoutMs?: number;
  /** The journal failed after the takeover (fenced, connection lost, no ack in time). */
  readonly onJournalFailure?: (error: JournalFailedError) => void;
  /** The journal closes the connection when it closes (a single active sidecar owns it). */
  readonly ownsConnection?: boolean;
  /** Another writer claimed the journal (read while following). */
  readonly onEpoch?: (marker: EpochMarker) => void;
  /** Following stopped on an error (a record that does not decode or replay; the first snapshot that does not restore). */
  readonly onTailError?: (error: Error) => void;
  /** The journal's reader had stopped moving behind the stream's end and was made again (journal-tail.ts, checkProgress). */
  readonly onTailRestarted?: (fromStreamSequence: number, streamEnd: number) => void;
  /**
   * A standby: with no snapshot stored yet, follow() does not tail the stream on this
   * instance's own state but reads the snapshot object again every this many ms until the
   * first writer's snapshot is there (see the file's comment). Unset (a single cold start,
   * which takes over at once): the stream is replayed from its first record.
   */
  readonly firstSnapshotPollMs?: number;
  /** The first snapshot appeared while waiting: restored, and the stream is tailed after it. */
  readonly onFollowing?: (report: FollowReport & { readonly waitedMs: number }) => void;
  /** Reading the snapshot object failed while waiting for the first snapshot (read again at the next poll). */
  readonly onSnapshotWaitError?: (error: Error) => void;
  /** replication.signing: messages read are checked, messages written signed (the snapshot store has its own). */
  readonly signer?: RecordSigner;
}

export interface FollowReport {
  /** The snapshot the state was restored from (its journal sequence), if any. */
  readonly snapshotSequence: bigint | undefined;
  /** The first stream sequence the tail reads; undefined while waiting for the first snapshot. */
  readonly fromStreamSequence: number | undefined;
  /** No snapshot is stored yet: nothing is applied until the first writer's appears (firstSnapshotPollMs). */
  readonly waitingForSnapshot: boolean;
}

/**
 * A takeover is this instance's recovery (the same report as a file journal's start, for the
 * recovery gauges): `snapshotSequence` the snapshot follow() restored, `replayed` the records
 * applied from the stream since follow() started, `ms` the takeover's own time (reading to the
 * stream's end, the claim, the rollbacks; a cold start adds its follow(): startReplicated).
 */
export interface TakeoverReport extends RecoveryReport {
  readonly epoch: bigint;
  /** The last record replayed (from the snapshot and the tail) before this writer's first. */
  readonly appliedSequence: bigint;
}

export class JournalReplica {
  private tailReader: JournalTail | undefined;
  private snapshotSequence: bigint | undefined;
  private replayedCount = 0;
  private readonly configured: ExecutionSettings;
  private journalOpened: JetStreamJournal | undefined;
  private followCalled = false;
  /** The wait for the first snapshot (follow() found none): its loop, and how to end it. */
  private waiting: { readonly done: Promise<void>; cancel(): void } | undefined;
  /** The wait failed for good (the snapshot did not restore, the tail did not start). */
  private waitFailure: Error | undefined;

  /** `state` must be freshly built (nothing applied yet). */
  constructor(
    private readonly state: SidecarState,
    private readonly o: JournalReplicaOptions,
  ) {
    checkSnapshottable(state);
    // What this configuration asks for; the journal's history may say otherwise.
    this.configured = state.executionSettings();
    // Until the takeover attaches the claimed journal: the replicated journal as far as it is
    // applied (GetJournalStatus, the journal series), refusing appends (following-journal.ts).
    state.attachJournal(new FollowingJournal({ appliedSequence: () => this.appliedSequence, snapshotSequence: () => this.snapshotSequence }));
  }

  /** The link's leader wait, for the tail's and the claim's retries (none set: their default). */
  private leaderWait(): { leaderWaitMs?: number } {
    const ms = this.o.link.settings.leaderWaitMs;
    return ms === undefined ? {} : { leaderWaitMs: ms };
  }

  /** The running tail (after follow()). */
  get tail(): JournalTail | undefined {
    return this.tailReader;
  }

  /** The journal this instance writes (after takeOver()). */
  get journal(): JetStreamJournal | undefined {
    return this.journalOpened;
  }

  /** The last record applied to the state (from the snapshot, the tail or this writer). */
  get appliedSequence(): bigint {
    return this.journalOpened?.lastSequence ?? this.tailReader?.appliedSequence ?? this.snapshotSequence ?? 0n;
  }

  /** Whether this standby waits for the first snapshot (follow() found none; nothing is applied meanwhile). */
  get waitingForSnapshot(): boolean {
    return this.waiting !== undefined && this.tailReader === undefined && this.waitFailure === undefined;
  }

  /**
   * Restores the newest snapshot and starts applying the stream after it. With none stored:
   * from the stream's first record, or (`firstSnapshotPollMs`, a standby) not yet: it waits
   * for the first writer's snapshot in the background (onFollowing, waitingForSnapshot).
   */
  async follow(): Promise<FollowReport> {
    if (this.followCalled) throw new Error("already following");
    this.followCalled = true;
    const stored = await this.readSnapshot();
    if (stored === undefined && this.o.firstSnapshotPollMs !== undefined) {
      this.waitForFirstSnapshot(this.o.firstSnapshotPollMs);
      return { snapshotSequence: undefined, fromStreamSequence: undefined, waitingForSnapshot: true };
    }
    return this.startFollowing(stored);
  }

  /** The stored snapshot (undefined: none); one that cannot be read is a DurableStateError. */
  private async readSnapshot(): Promise<StoredSnapshot | undefined> {
    return this.o.snapshots.read().catch((e: unknown) => {
      throw new DurableStateError(`the snapshot cannot be read: ${e instanceof Error ? e.message : String(e)}`);
    });
  }

  /**
   * Polls the snapshot object every `pollMs` until a snapshot is there, then restores it and
   * tails after it. A read that fails is tried again at the next poll (nothing is applied
   * yet); a snapshot that does not restore, or a tail that does not start, stops the wait
   * (onTailError). takeOver() and stop() end it.
   */
  private waitForFirstSnapshot(pollMs: number): void {
    const from = performance.now();
    let cancelled = false;
    let wake: (() => void) | undefined;
    let timer: NodeJS.Timeout | undefined;
    const pause = () =>
      new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, pollMs);
      });
    const run = async (): Promise<void> => {
      while (!cancelled) {
        await pause();
        if (cancelled) return;
        let stored: StoredSnapshot | undefined;
        try {
          stored = await this.o.snapshots.read();
        } catch (e) {
          if (!cancelled) this.o.onSnapshotWaitError?.(e instanceof Error ? e : new Error(String(e)));
          continue;
        }
        if (stored === undefined || cancelled) continue;
        try {
          const report = await this.startFollowing(stored);
          this.o.onFollowing?.({ ...report, waitedMs: performance.now() - from });
        } catch (e) {
          const error = e instanceof Error ? e : new Error(String(e));
          this.waitFailure = error;
          this.o.onTailError?.(error);
        }
        return;
      }
    };
    this.waiting = {
      done: run(),
      cancel: () => {
        cancelled = true;
        if (timer !== undefined) clearTimeout(timer);
        wake?.();
      },
    };
  }

  /** Ends the wait for the first snapshot (once its read or restore under way is done). */
  private async endWaiting(): Promise<void> {
    const waiting = this.waiting;
    if (waiting === undefined) return;
    waiting.cancel();
    await waiting.done;
    this.waiting = undefined;
  }

  /** Restores `stored` (if any) into the fresh state and starts the tail after it (from the stream's first record without one). */
  private async startFollowing(stored: StoredSnapshot | undefined): Promise<FollowReport> {
    if (stored) {
      try {
        this.state.restore(decodePlain(stored.data) as StateSnapshot);
      } catch (e) {
        throw new DurableStateError(`snapshot ${this.o.snapshots.objectName} cannot be restored: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    this.snapshotSequence = stored?.point.sequence;
    const fromStreamSequence = stored?.point.resumeStreamSequence ?? 1;
    const tail = new JournalTail({
      js: this.o.link.js,
      jsm: this.o.link.jsm,
      stream: this.o.link.settings.stream,
      fromStreamSequence,
      nextSequence: (stored?.point.sequence ?? 0n) + 1n,
      epoch: stored?.point.epoch ?? 0n,
      // Only this journal's ownership group: the stream may hold other groups' journals.
      group: { subjects: journalSubjects(this.o.subjects), name: groupName(this.o.subjects) },
      onRecord: (record) => {
        try {
          this.state.follow(record.payload);
        } catch (e) {
          throw new DurableStateError(`journal record ${record.seq} cannot be replayed: ${e instanceof Error ? e.message : String(e)}`);
        }
        this.replayedCount++;
      },
      ...this.leaderWait(),
      ...(this.o.onEpoch ? { onEpoch: this.o.onEpoch } : {}),
      ...(this.o.onTailError ? { onError: this.o.onTailError } : {}),
      ...(this.o.onTailRestarted ? { onReaderRestarted: this.o.onTailRestarted } : {}),
      ...(this.o.signer !== undefined ? { signer: this.o.signer } : {}),
    });
    this.tailReader = tail;
    try {
      await tail.start();
    } catch (e) {
      // Records nothing else holds are gone (or the stream is another one): the durable state
      // cannot be recovered from it, and no restart changes that (exit 2, not 70).
      if (!(e instanceof StreamHistoryError)) throw e;
      throw new DurableStateError(
        `${e.message}. The journal's records after the snapshot${stored ? ` (of record ${stored.point.sequence})` : ""} are not in this stream, ` +
          `so the state cannot be recovered from it. Restore the stream that matches the snapshot ` +
          `(from a backup taken with it), or start on a new stream and snapshot bucket (docs/high-availability.md: streams purged or recreated)`,
        { cause: e },
      );
    }
    return { snapshotSequence: stored?.point.sequence, fromStreamSequence, waitingForSnapshot: false };
  }

  /** Claims the journal and serves from it (follow() first). `epoch`: see claimJournal. */
  async takeOver(options: { readonly epoch?: bigint } = {}): Promise<TakeoverReport> {
    if (!this.followCalled) throw new Error("follow() first");
    const started = performance.now();
    await this.endWaiting();
    if (this.waitFailure) throw this.waitFailure;
    // Still waiting for the first snapshot: read it once more (written since the last poll?),
    // and with none replay the stream from its first record on this instance's file.
    if (this.tailReader === undefined) await this.startFollowing(await this.readSnapshot());
    const tail = this.tailReader as JournalTail | undefined;
    if (tail === undefined) throw new Error("follow() first");
    const journal = await claimJournal({
      connection: this.o.link.nc,
      js: this.o.link.js,
      jsm: this.o.link.jsm,
      stream: this.o.link.settings.stream,
      subjects: this.o.subjects,
      tail,
      instanceId: this.o.instanceId,
      ...(options.epoch !== undefined ? { epoch: options.epoch } : {}),
      ...(this.o.catchUpTimeoutMs !== undefined ? { catchUpTimeoutMs: this.o.catchUpTimeoutMs } : {}),
      ...this.leaderWait(),
      ...(this.o.appendTimeoutMs !== undefined ? { appendTimeoutMs: this.o.appendTimeoutMs } : {}),
      ...(this.o.maxMessageBytes !== undefined ? { maxMessageBytes: this.o.maxMessageBytes } : {}),
      ...(this.o.onJournalFailure ? { onFatal: this.o.onJournalFailure } : {}),
      ...(this.snapshotSequence !== undefined ? { lastSnapshotSequence: this.snapshotSequence } : {}),
      ...(this.o.ownsConnection !== undefined ? { ownsConnection: this.o.ownsConnection } : {}),
      ...(this.o.signer !== undefined ? { signer: this.o.signer } : {}),
    });
    this.journalOpened = journal;
    const appliedSequence = journal.lastSequence;
    const schedule = new SnapshotSchedule(this.state, journal, {
      dataDir: "",
      snapshotEveryRecords: this.o.snapshotEveryRecords,
      snapshotEverySeconds: this.o.snapshotEverySeconds,
      sink: objectStoreSink(this.o.snapshots, journal),
      ...(this.snapshotSequence !== undefined ? { restoredSnapshot: this.snapshotSequence } : {}),
    });
    const { rolledBack, settingsChanged, accountEntries } = await resumeServing(this.state, journal, schedule, this.configured, this.snapshotSequence !== undefined);
    return {
      epoch: journal.epoch,
      appliedSequence,
      snapshotSequence: this.snapshotSequence,
      skippedSnapshots: [],
      replayed: this.replayedCount,
      lastSequence: journal.lastSequence,
      tornTail: undefined,
      rolledBackReservations: rolledBack,
      settingsChanged,
      accountEntriesApplied: accountEntries.applied,
      accountEntryDifferences: accountEntries.differences,
      ms: performance.now() - started,
    };
  }

  /** Stops following (a standby shutting down). Does not close the connection. */
  async stop(): Promise<void> {
    await this.endWaiting();
    await this.tailReader?.stop();
  }
}

/**
 * Snapshots to the object store. The point (sequence, epoch, resume stream sequence) is read
 * from the journal in the turn the state is read; the object is written once it is durable
 * (every record it covers acknowledged), and never over a newer snapshot (another writer's
 * after a takeover: ObjectSnapshotStore.write).
 * The stream is not trimmed behind a snapshot (a standby may still be reading there): its
 * retention is the operator's (stream limits), see docs/high-availability.md.
 */
export function objectStoreSink(store: ObjectSnapshotStore, journal: JetStreamJournal): SnapshotSink {
  return {
    begin: (sequence) => {
      const point = journal.snapshotPoint();
      if (point.sequence !== sequence) throw new Error(`snapshot of record ${sequence} taken while the journal is at ${point.sequence}`);
      return (bytes) => store.write(point, bytes);
    },
    prune: () => Promise.resolve(),
  };
}
