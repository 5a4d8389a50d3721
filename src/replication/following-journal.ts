/**
 * The journal a replicated state holds while it only follows the stream (a failover standby,
 * and a single replicated sidecar's start until its takeover): nothing is appended here, the
 * records arrive from the stream and are applied through the door's replay (journal-replica.ts).
 * It reports the replicated journal as far as the state has applied it, so GetJournalStatus
 * and the openpit_journal_* series answer on a standby as on the active (found by review:
 * the state kept build-sidecar.ts's in-memory placeholder until the takeover, and a standby
 * called itself EPHEMERAL at record 0, with no journal series). The takeover replaces it with
 * the JetStream journal it claimed (resumeServing attaches that one).
 */
import { filelessStatus, type Journal, type JournalStatus } from "../state/journal/journal.js";

/** Thrown by FollowingJournal.append: an instance that follows the journal writes nothing to it. */
export class NotTheWriterError extends Error {
  override name = "NotTheWriterError";
}

export interface FollowedFigures {
  /** The last record applied to the state (from the snapshot or the stream). */
  appliedSequence(): bigint;
  /** The snapshot the state was restored from, if any. */
  snapshotSequence(): bigint | undefined;
}

export class FollowingJournal implements Journal {
  readonly mode = "replicated" as const;
  /** Nothing is appended here: every record is refused. */
  readonly maxRecordBytes = 0;
  /** Nothing appended, nothing waits. */
  readonly recordsAwaitingDurability = 0;
  onFsync?: ((us: number) => void) | undefined;

  constructor(private readonly figures: FollowedFigures) {}

  get lastSequence(): bigint {
    return this.figures.appliedSequence();
  }

  /**
   * Refused, before anything changes: this instance writes the journal only once it has
   * claimed it. A standby's commands are refused NOT_OWNER before the door, so none gets here.
   */
  append(): bigint {
    throw new NotTheWriterError("this instance follows the replicated journal and appends nothing until it takes the journal over");
  }

  /** What the state holds came from the stream, acknowledged there: durable already. */
  afterDurable(callback: () => void): void {
    callback();
  }

  afterSynced(callback: () => void): void {
    callback();
  }

  flush(): Promise<void> {
    return Promise.resolve();
  }

  /** The follower takes no snapshot; the one it restored is reported (status()). */
  noteSnapshot(): void {}

  status(): JournalStatus {
    const applied = this.figures.appliedSequence();
    // Applied from the stream, where every record is durable (acknowledged by its replicas).
    return filelessStatus(this.mode, { lastSequence: applied, durableSequence: applied, lastSnapshotSequence: this.figures.snapshotSequence() });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
