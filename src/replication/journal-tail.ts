/**
 * Reads the replicated journal: the whole stream in stream order from a stream sequence
 * (an ordered consumer: the client recreates it at the right place after any hiccup),
 * decoding every message and handing its records to a RecordSequencer, which delivers them
 * in journal order. A standby applies the records to its own state as they arrive (warm);
 * recovery reads until the end of the stream and then claims the journal (claim.ts).
 *
 * It also keeps, per subject, the stream sequence of the last message seen: a writer taking
 * over needs these as the expected last subject sequences of its first appends.
 *
 * With several ownership groups in one stream (journal-subjects.ts), a tail reads one group:
 * messages on the other groups' subjects are skipped unread (their records, sequences and
 * epochs are another journal's). nats-server 2.9 filters a consumer by one subject only, so
 * the skipping is done here; the stream sequence still advances past them (catchUp).
 */
import { DeliverPolicy, type Consumer, type ConsumerMessages, type JetStreamClient, type JetStreamManager, type JsMsg } from "@nats-io/jetstream";
import type { JournalRecord } from "../state/journal/journal.js";
import { decodeJournalMessage } from "./journal-message.js";
import { RecordSequencer } from "./record-sequencer.js";
import type { RecordSigner } from "./record-signing.js";
import { retryTransient } from "./transient-retry.js";

export interface EpochMarker {
  readonly epoch: bigint;
  /** The first journal sequence the new writer appends. */
  readonly firstSequence: bigint;
  readonly instanceId: string;
  /** The writer's ownership group (undefined: every shard). */
  readonly group: string | undefined;
  readonly subject: string;
  readonly streamSequence: number;
}

export interface JournalTailOptions {
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly stream: string;
  /** The first stream sequence to read (1 = the beginning). */
  readonly fromStreamSequence: number;
  /** The first journal record to deliver (a snapshot covers those before it). */
  readonly nextSequence: bigint;
  /** The epoch of the writer of record nextSequence - 1 (0 when there is none). */
  readonly epoch: bigint;
  /**
   * The journal's subjects and group (journal-subjects.ts: journalSubjects, groupName):
   * messages on any other subject are skipped, and an epoch marker of another group on one of
   * them stops the tail (the subject holds another journal). Default: every message, no check.
   */
  readonly group?: { readonly subjects: readonly string[]; readonly name: string | undefined };
  /** Each record, in journal order, once. Throwing stops the tail (onError). */
  readonly onRecord: (record: JournalRecord, epoch: bigint) => void;
  /** A writer claimed the journal (its marker on one subject; one call per subject). */
  readonly onEpoch?: (marker: EpochMarker) => void;
  /** The tail stopped on an error (a message that does not decode, onRecord threw). */
  readonly onError?: (error: Error) => void;
  /** How long starting and reading the stream's end wait for leaders (default 20 s). */
  readonly leaderWaitMs?: number;
  /**
   * replication.signing: every message's signature is checked (journal-message.ts), and a
   * message whose epoch is below one already read on its subject, or one signed to follow
   * another message than the subject's last, is refused as a replay (see refuseReplay,
   * refuseDisplaced). Absent: messages are read as they always were.
   */
  readonly signer?: RecordSigner;
  /**
   * How often the tail checks that it still moves (default 2 000 ms; 0: never, a test calls
   * checkProgress itself). Checks without a message read in between, two of them finding the
   * stream past the last one read, restart the reader there (checkProgress): 4–6 s.
   */
  readonly checkProgressEveryMs?: number;
  /** The reader was restarted at `fromStreamSequence` (it had stopped moving with the stream at `streamEnd`). */
  readonly onReaderRestarted?: (fromStreamSequence: number, streamEnd: number) => void;
}

/** The default of JournalTailOptions.checkProgressEveryMs. */
const CHECK_PROGRESS_EVERY_MS = 2_000;

/** The tail gave up: the reason names the stream position. */
export class JournalTailError extends Error {
  override name = "JournalTailError";
}

/**
 * The stream does not hold the history the reader must start from (purged or trimmed past
 * the snapshot's resume point, or ending before it): found before anything is read, and no
 * restart changes it (journal-replica.ts turns it into a DurableStateError: exit 2).
 */
export class StreamHistoryError extends JournalTailError {
  override name = "StreamHistoryError";
}

export class JournalTail {
  private readonly sequencer: RecordSequencer;
  private readonly lastBySubject = new Map<string, number>();
  /** With signing: the highest epoch read on each subject since the start (replays below it are refused). */
  private readonly epochBySubject = new Map<string, bigint>();
  private readonly ours: ReadonlySet<string> | undefined;
  private lastStreamSeq: number;
  private messages: ConsumerMessages | undefined;
  /** The consumer `messages` reads (deleted on the server when a progress check replaces it). */
  private consumer: Consumer | undefined;
  /** Which reader is current: a replaced reader's late messages are dropped. */
  private reader = 0;
  private progressTimer: ReturnType<typeof setInterval> | undefined;
  /** lastStreamSeq at the previous progress check (undefined: no check yet). */
  private seqAtLastCheck: number | undefined;
  /** The last stream sequence read when a check last found the stream past it (undefined: not behind). */
  private behindAt: number | undefined;
  private checking = false;
  private stopped = false;
  private error: Error | undefined;
  private readonly waiters: { seq: number; resolve: () => void; reject: (e: Error) => void }[] = [];

  constructor(private readonly o: JournalTailOptions) {
    this.sequencer = new RecordSequencer(o.nextSequence, o.epoch, o.onRecord);
    this.lastStreamSeq = o.fromStreamSequence - 1;
    this.ours = o.group ? new Set(o.group.subjects) : undefined;
  }

  /** Starts reading (resolves once the consumer exists). */
  async start(): Promise<void> {
    const from = this.o.fromStreamSequence;
    // A stream trimmed (limits, a purge) past where this reader must start has lost records
    // nothing else holds: refuse rather than start from whatever is left.
    const { state } = await retryTransient(`reading stream ${this.o.stream}`, () => this.o.jsm.streams.info(this.o.stream), this.o);
    if (state.first_seq > from && state.last_seq >= from) {
      throw new StreamHistoryError(
        `stream ${this.o.stream} starts at sequence ${state.first_seq}, but reading must start at ${from} (after the snapshot): messages ${from}..${state.first_seq - 1} are gone`,
      );
    }
    // The other end: a stream that ends before the snapshot's resume point is not the one the
    // snapshot was taken of (recreated under its name, restored from an older backup, or its
    // unsynced tail lost with the whole cluster). A writer would put its records below the
    // resume point, where no reader started from the snapshot ever looks, and a standby taking
    // over would reuse their sequences: refused, for an operator to settle.
    if (from > state.last_seq + 1) {
      throw new StreamHistoryError(
        `stream ${this.o.stream} ends at sequence ${state.last_seq}, but reading must start at ${from} (after the snapshot): the stream is not the one the snapshot was taken of (recreated, restored from an older backup, or its tail lost)`,
      );
    }
    await this.read(from);
    const every = this.o.checkProgressEveryMs ?? CHECK_PROGRESS_EVERY_MS;
    if (every > 0 && !this.stopped) {
      this.progressTimer = setInterval(() => void this.checkProgress(), every);
      this.progressTimer.unref();
    }
  }

  /** Starts a reader (an ordered consumer) at stream sequence `from`; it becomes the current one. */
  private async read(from: number): Promise<void> {
    const reader = ++this.reader;
    // Not retried once stopped: a stopped tail makes no more consumers (found by review).
    const consumer = await retryTransient(`creating the journal reader on stream ${this.o.stream}`, () =>
      this.stopped
        ? Promise.resolve(undefined)
        : this.o.js.consumers.get(
            this.o.stream,
            from <= 1 ? { deliver_policy: DeliverPolicy.All } : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: from },
          ),
      this.o,
    );
    if (consumer === undefined || this.stopped || reader !== this.reader) return;
    this.consumer = consumer;
    const messages = await consumer.consume({
      max_messages: 1024,
      callback: (m) => {
        if (reader === this.reader) this.onMessage(m);
      },
    });
    if (this.stopped || reader !== this.reader) {
      void messages.close().catch(() => {});
      return;
    }
    this.messages = messages;
  }

  /**
   * Restarts the reader after the last message read when it stopped moving: no message read
   * since the previous check while the stream holds messages past it. The ordered consumer is
   * meant to recover by itself after a hiccup, but a standby whose NATS server froze for 8 s and
   * came back read nothing more, said nothing and would have failed its takeover (found by
   * review, session 46: 40 s after the thaw it was still 100 records behind). Resolves true when
   * it restarted the reader; a stream that cannot be asked is asked again at the next check, and
   * a reader that cannot be made again (after the leader wait) stops the tail (onError).
   */
  async checkProgress(): Promise<boolean> {
    if (this.stopped || this.error || this.messages === undefined || this.checking) return false;
    const seen = this.lastStreamSeq;
    if (seen !== this.seqAtLastCheck) {
      this.seqAtLastCheck = seen;
      return false;
    }
    this.checking = true;
    try {
      let end: number;
      try {
        end = (await this.o.jsm.streams.info(this.o.stream)).state.last_seq;
      } catch {
        return false;
      }
      if (this.stopped || this.error || this.lastStreamSeq !== seen || end <= seen) {
        this.behindAt = undefined;
        return false;
      }
      // Seen behind once, the next message may be on its way: behind at the same place at the
      // next check as well, the reader is stuck.
      if (this.behindAt !== seen) {
        this.behindAt = seen;
        return false;
      }
      this.behindAt = undefined;
      // The stuck reader may never answer its close (its link is what broke): not waited for.
      // Closing it only unsubscribes; its consumer is deleted on the server too, or it would
      // stay there five minutes (its inactivity threshold) for every restart (found by review).
      const stuck = this.messages;
      const stuckConsumer = this.consumer;
      this.messages = undefined;
      this.consumer = undefined;
      void stuck?.close().catch(() => {});
      try {
        void stuckConsumer?.delete().catch(() => {});
      } catch {
        // A consumer never made on the server has nothing to delete.
      }
      this.o.onReaderRestarted?.(seen + 1, end);
      try {
        await this.read(seen + 1);
      } catch (e) {
        // Stopped meanwhile (a shutdown, a takeover that finished reading): not an error.
        if (this.stopped) return false;
        this.halt(new JournalTailError(`stream ${this.o.stream}: the journal reader stopped at stream sequence ${seen} and could not be made again: ${e instanceof Error ? e.message : String(e)}`, { cause: e }));
        return false;
      }
      return !this.stopped;
    } finally {
      this.checking = false;
    }
  }

  /** The last stream sequence read. */
  get lastStreamSequence(): number {
    return this.lastStreamSeq;
  }

  /** The stream sequence of the last message read on `subject` (undefined: none since the tail started). */
  lastSubjectSequence(subject: string): number | undefined {
    return this.lastBySubject.get(subject);
  }

  /** Every subject read since the start, with its last message's stream sequence. */
  subjectSequences(): ReadonlyMap<string, number> {
    return this.lastBySubject;
  }

  /** The last record delivered (every record up to it has been). */
  get appliedSequence(): bigint {
    return this.sequencer.lastDelivered;
  }

  /** The epoch of the last record delivered. */
  get epoch(): bigint {
    return this.sequencer.epoch;
  }

  /** The highest epoch in any message read (a new writer must go above it). */
  get maxEpochSeen(): bigint {
    return this.sequencer.maxEpochSeen;
  }

  /** Records read but not deliverable yet (waiting for a smaller sequence), or left by a writer that failed. */
  get heldRecords(): number {
    return this.sequencer.heldCount;
  }

  /** Resolves once every message up to stream sequence `seq` has been read. */
  waitFor(seq: number, timeoutMs: number): Promise<void> {
    if (this.error) return Promise.reject(this.error);
    if (this.lastStreamSeq >= seq) return Promise.resolve();
    if (this.stopped) return Promise.reject(this.stoppedError(seq));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(new JournalTailError(`the journal tail did not reach stream sequence ${seq} within ${timeoutMs} ms (read up to ${this.lastStreamSeq})`));
      }, timeoutMs);
      const waiter = {
        seq,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (e: Error) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      this.waiters.push(waiter);
    });
  }

  /** Reads up to the stream's current end; resolves with that end's stream sequence. */
  async catchUp(timeoutMs: number): Promise<number> {
    const info = await retryTransient(`reading stream ${this.o.stream}'s end`, () => this.o.jsm.streams.info(this.o.stream), this.o);
    const end = info.state.last_seq;
    await this.waitFor(end, timeoutMs);
    return end;
  }

  /**
   * Stops reading at once: no record is delivered after this call returns, and whoever waits
   * for a position (a claim catching up during shutdown) is refused now rather than at its
   * timeout (15 s by default), which would hold the shutdown that long.
   */
  stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.progressTimer);
    for (const w of this.waiters.splice(0)) w.reject(this.stoppedError(w.seq));
    const m = this.messages;
    this.messages = undefined;
    return m ? m.close().then(() => undefined) : Promise.resolve();
  }

  private onMessage(m: JsMsg): void {
    if (this.stopped || this.error) return;
    // The reader reads every subject, so stream sequences come one after the other. A jump
    // means messages were deleted from the middle of the journal (a per-subject limit, a
    // message removed by hand): records there may have been acknowledged, and a writer that
    // claimed after them would reuse their sequences. Refuse rather than read past the hole.
    if (m.seq !== this.lastStreamSeq + 1) {
      return this.halt(
        new JournalTailError(`stream ${this.o.stream}: messages ${this.lastStreamSeq + 1}..${m.seq - 1} are gone (deleted from the middle of the journal); the records in them may have been acknowledged, refusing to read past them`),
      );
    }
    if (this.ours !== undefined && !this.ours.has(m.subject)) return this.advanceTo(m.seq);
    try {
      const decoded = decodeJournalMessage(m.data, { signer: this.o.signer, subject: m.subject });
      if (this.o.signer !== undefined) {
        this.refuseReplay(m.subject, decoded.epoch);
        if (decoded.follows !== undefined) this.refuseDisplaced(m.subject, decoded.follows);
      }
      this.lastBySubject.set(m.subject, m.seq);
      if (decoded.kind === "epoch") {
        if (this.o.group && decoded.group !== this.o.group.name) {
          throw new Error(
            `epoch marker of instance '${decoded.instanceId}' for the shard set ${decoded.group ?? '"all"'}, but this reader follows the shard set ${this.o.group.name ?? '"all"'}: ` +
              `the subject holds another ownership group's journal (were ownership.shards changed on a live stream? a new shard layout needs a new stream)`,
          );
        }
        this.sequencer.noteEpoch(decoded.epoch);
        this.o.onEpoch?.({ epoch: decoded.epoch, firstSequence: decoded.firstSequence, instanceId: decoded.instanceId, group: decoded.group, subject: m.subject, streamSequence: m.seq });
      } else {
        this.sequencer.offer(decoded.epoch, decoded.records);
      }
    } catch (e) {
      return this.halt(new JournalTailError(`stream ${this.o.stream} sequence ${m.seq} (${m.subject}): ${e instanceof Error ? e.message : String(e)}`, { cause: e }));
    }
    this.advanceTo(m.seq);
  }

  /**
   * A subject's epochs never go down: every append names the subject's last stream sequence,
   * so once a new writer's marker is on a subject, the old writer's appends there are refused
   * by the stream. A message below an epoch already read on its subject was therefore not
   * appended by its writer: it is a signed message published again by someone without the key
   * (an old one, or one the stream had refused, seen on the wire). Refused: the records of a
   * refused append would otherwise be applied where the new writer reuses their sequences
   * (the sequencer takes them while the new writer has delivered none). Replays of records
   * already applied are dropped by the sequencer anyway (a record is delivered once).
   */
  private refuseReplay(subject: string, epoch: bigint): void {
    const seen = this.epochBySubject.get(subject);
    if (seen !== undefined && epoch < seen) {
      throw new Error(`a message of epoch ${epoch} after one of epoch ${seen} on the same subject: a replayed message (a subject's epochs never go down), not applied`);
    }
    if (seen === undefined || epoch > seen) this.epochBySubject.set(subject, epoch);
  }

  /**
   * A signed message (version 3) names the stream sequence of the subject's message it was
   * written to follow, the one its publish expected. Found elsewhere it was not stored by its
   * writer's publish: it is a signed message published again by someone without the key, e.g.
   * an append the stream refused (its subject had moved) seen on the wire, whose epoch is the
   * current writer's, so refuseReplay lets it by (found by review, session 43). The first
   * message read on a subject follows one before this tail's first stream sequence.
   */
  private refuseDisplaced(subject: string, follows: number): void {
    const last = this.lastBySubject.get(subject);
    const placed = last !== undefined ? follows === last : follows < this.o.fromStreamSequence;
    if (!placed) {
      throw new Error(
        `a message signed to follow stream sequence ${follows} on its subject, found after ${last ?? `the tail's start (stream sequence ${this.o.fromStreamSequence})`}: a signed message published again (its writer's publish did not store it there), not applied`,
      );
    }
  }

  private advanceTo(seq: number): void {
    this.lastStreamSeq = seq;
    if (this.waiters.length > 0) {
      for (const w of this.waiters.filter((w) => w.seq <= seq)) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  }

  private stoppedError(seq: number): JournalTailError {
    return new JournalTailError(`the journal tail was stopped before it reached stream sequence ${seq} (read up to ${this.lastStreamSeq})`);
  }

  private halt(error: Error): void {
    // A tail stopped on purpose reports nothing after (found by review: a restart's reader
    // failing after stop() was reported as the tail failing, and the process exited 74).
    if (this.stopped) return;
    this.error = error;
    // The waiters learn the cause first; stop() would refuse them as merely stopped.
    for (const w of this.waiters.splice(0)) w.reject(error);
    void this.stop();
    this.o.onError?.(error);
  }
}
