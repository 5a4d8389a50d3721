/**
 * Back-pressure from the journal. Every answer of a channel or the feed waits until what it
 * acknowledges is durable, but the commands behind it run at once. While the disk (or the
 * replicated stream) keeps up, a few hundred records wait at most. When it stalls (a disk
 * that stops answering fdatasync, a stream without quorum), each new message would still
 * run and change the state, and its record and its answer would wait in memory without
 * bound, while the client hears nothing.
 *
 * So a stream stops reading once more than `maxRecordsAwaitingDurability` records wait, and
 * resumes when every record appended by then is durable. What the client sends meanwhile
 * waits in its stream's bounded inbox and then in HTTP/2 flow control. The client sees the
 * delay the journal really has; nothing runs that cannot be made durable soon. A quote
 * stream is held too; one-off admin calls are not: they come at a human's pace, and halting
 * trading must work during a stall.
 */
import type { SidecarState } from "../../state/sidecar-state.js";

export interface JournalQueueLimits {
  /** Records appended and not yet durable, over every stream, past which streams stop reading. */
  readonly maxRecordsAwaitingDurability?: number;
}

/** The default bound: ~0.7 s of the measured capacity, far above the few hundred a working disk leaves. */
export const DEFAULT_MAX_RECORDS_AWAITING_DURABILITY = 16_384;

/**
 * Holds one stream's reading while the journal is behind. `check()` after each answer;
 * `held` while waiting; `resume` runs once the journal has caught up (never once it failed:
 * the process is failing closed then).
 */
export class JournalHold {
  held = false;
  private readonly bound: number;

  constructor(
    private readonly state: SidecarState,
    limits: JournalQueueLimits,
    private readonly resume: () => void,
  ) {
    this.bound = limits.maxRecordsAwaitingDurability ?? DEFAULT_MAX_RECORDS_AWAITING_DURABILITY;
  }

  /** True when the stream must stop reading now (and `resume` will be called later). */
  check(): boolean {
    if (this.held) return true;
    const journal = this.state.journal;
    if (journal.recordsAwaitingDurability <= this.bound) return false;
    this.held = true;
    journal.flush().then(
      () => {
        this.held = false;
        this.resume();
      },
      // A failed journal fails the process closed (the door's onFatal): nothing resumes.
      () => undefined,
    );
    return true;
  }
}
