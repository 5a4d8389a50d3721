/**
 * The replicated journal: the Journal contract on a JetStream stream (R3 on a 3-node
 * cluster). Each record goes to the subject of its lane (journal-subjects.ts); the records a
 * lane collects in one event-loop turn leave as one packed message (journal-message.ts) at
 * the end of the turn. A lane has at most one publish in flight: while it waits for its ack,
 * the lane's next records collect and leave together (group commit), because every publish
 * carries the expected last subject sequence (Nats-Expected-Last-Subject-Sequence), which is
 * the previous publish's acknowledged sequence. That header is the fence: once another
 * writer has claimed the journal (claim.ts writes its epoch marker on every subject of the
 * journal's ownership group, journal-subjects.ts), this
 * writer's next append anywhere is refused by the stream and the journal fails.
 *
 * afterDurable callbacks (answers, notices) run in call order once every record appended
 * before them is acknowledged by the stream; on nats-server 2.9 an R3 ack means a quorum of
 * the servers holds the message (in memory; flushed to disk on the server's schedule).
 *
 * A publish that gets no ack (a timeout, no responders while the stream elects a leader, a
 * connection being re-established) is retried with the same message id and the same
 * expected sequence, until `appendTimeoutMs` after its first attempt. A retry of a publish
 * that did land is refused by the fence (nats-server 2.9 checks the expected sequence before
 * the duplicate window), so a refused retry reads the subject's last message: when it is this
 * publish's own message id, that is the acknowledgement. A refusal by the
 * fence, any other refusal, a closed connection or the timeout fail the journal
 * (JournalFailedError through onFatal): nothing after the failure is acknowledged.
 */
import { randomBytes } from "node:crypto";
import { JetStreamApiCodes, JetStreamApiError, type JetStreamClient } from "@nats-io/jetstream";
import { InvalidArgumentError, type NatsConnection } from "@nats-io/transport-node";
import type { Command } from "../state/commands.js";
import { JournalClosedError, JournalFailedError, RecordTooLargeError, type Journal, type JournalStatus } from "../state/journal/journal.js";
import { FRAME_HEADER_BYTES, MAX_SEQUENCE } from "../state/journal/segment-format.js";
import { runDurableCallbacks } from "../state/journal/commit-pipeline.js";
import { encodeRecordsMessage, frameRecord, messageOverhead } from "./journal-message.js";
import type { RecordSigner } from "./record-signing.js";
import { commandLane, journalSubjects, laneOfShard, type JournalSubjects } from "./journal-subjects.js";

/** Below nats-server's default max_payload (1 MiB); a larger backlog leaves as several messages. */
export const DEFAULT_MAX_MESSAGE_BYTES = 512 * 1024;
/** nats-server's default max_payload, assumed when the connection has not said (it always has once connected). */
const DEFAULT_SERVER_MAX_PAYLOAD = 1024 * 1024;
/**
 * Room left in the server's max_payload for a publish's headers (the message id and the
 * expected last subject sequence: under 200 bytes), which the server counts against it.
 */
const PUBLISH_HEADER_ROOM = 512;
/** Long enough to ride out a stream leader election (measured 5-8 s on nats-server 2.9 after a SIGKILL). */
export const DEFAULT_APPEND_TIMEOUT_MS = 15_000;
const ATTEMPT_TIMEOUT_MS = 2_000;

/** A subject's last message as the stream holds it: its sequence, message id and bytes. */
export interface LastMessage {
  readonly seq: number;
  readonly msgID: string | undefined;
  readonly data?: Uint8Array;
}

/**
 * Whether `last` is this very publish (`msgID`, `data`). The id is a header anyone publishing
 * on the subject can copy (it travels in the clear): a message of another's under this
 * writer's id, taken for its own landing, would answer records that are not in the stream. So
 * the bytes must be this publish's too. Shared by appends (ownLanding) and the claim's markers.
 */
export function isThisPublish(last: LastMessage | undefined, msgID: string, data: Uint8Array): last is LastMessage {
  return last !== undefined && last.msgID === msgID && (last.data === undefined || Buffer.from(data.buffer, data.byteOffset, data.byteLength).equals(last.data));
}

export interface JetStreamJournalOptions {
  readonly connection: NatsConnection;
  readonly js: JetStreamClient;
  readonly subjects: JournalSubjects;
  /** This writer's epoch (claim.ts): above every epoch in the stream before it. */
  readonly epoch: bigint;
  /** The journal sequence of the first append. */
  readonly nextSequence: bigint;
  /** Per lane (the group's shards, then control): the subject's last stream sequence, the first publish's expected value. */
  readonly lastSubjectSequences: readonly number[];
  /** The highest stream sequence known acknowledged when the journal opens (the claim's markers). */
  readonly lastStreamSequence: number;
  readonly appendTimeoutMs?: number;
  readonly maxMessageBytes?: number;
  /**
   * The stream's max_msg_size when it has one (journal-stream.ts streamMessageCap): it bounds
   * messages and records as the server's max_payload does, the lower of the two applying.
   */
  readonly streamMaxMsgSize?: number;
  /** Called once when the journal fails; appends throw from then on. */
  readonly onFatal?: (err: JournalFailedError) => void;
  readonly lastSnapshotSequence?: bigint;
  /** close() also closes the connection (the journal owns it: a single active sidecar). */
  readonly ownsConnection?: boolean;
  /**
   * The subject's last message in the stream (its sequence and message id), or undefined when
   * it has none: read when a retried publish is refused by the fence, to tell this writer's
   * own landed message from another writer's. Without it, such a refusal fails the journal.
   */
  readonly lastMessageOf?: (subject: string) => Promise<LastMessage | undefined>;
  /** replication.signing: every message is signed with its subject (journal-message.ts version 2). */
  readonly signer?: RecordSigner;
}

/** What a snapshot taken now covers, and where a reader resumes the stream after it. */
export interface SnapshotPoint {
  /** The last journal record appended: the snapshot covers every record up to it. */
  readonly sequence: bigint;
  readonly epoch: bigint;
  /**
   * Every record after `sequence` is in a message at this stream sequence or later: they are
   * published after this instant, so after every message already acknowledged.
   */
  readonly resumeStreamSequence: number;
}

interface Waiter {
  readonly resolve: () => void;
  readonly reject: (e: Error) => void;
}

/** The records and callbacks of one event-loop turn. */
class Turn {
  /** Records of this turn not acknowledged yet. */
  pending = 0;
  sealed = false;
  lastSeq = -1n;
  readonly callbacks: (() => void)[] = [];
  readonly waiters: Waiter[] = [];
}

interface Pending {
  readonly frame: Buffer;
  readonly turn: Turn;
}

class Lane {
  readonly queue: Pending[] = [];
  inFlight = false;
  constructor(
    readonly subject: string,
    public lastSubjectSeq: number,
  ) {}
}

export class JetStreamJournal implements Journal {
  readonly mode = "replicated" as const;
  readonly epoch: bigint;
  private readonly nc: NatsConnection;
  private readonly js: JetStreamClient;
  private readonly lanes: Lane[];
  private readonly shardCount: number;
  /** commandLane's answer (shard, or S for control) → index in `lanes`. */
  private readonly laneOf: Int32Array;
  private readonly appendTimeoutMs: number;
  private readonly maxMessageBytes: number;
  /** The largest payload one record may have: alone in a message, it still fits the server's max_payload and the stream's max_msg_size. */
  readonly maxRecordBytes: number;
  private readonly onFatal: (err: JournalFailedError) => void;
  private readonly idPrefix = randomBytes(6).toString("hex");
  private readonly ownsConnection: boolean;
  private readonly lastMessageOf: JetStreamJournalOptions["lastMessageOf"];
  private readonly signer: RecordSigner | undefined;
  /** A message's bytes beyond its records: the header, and the signature when signing. */
  private readonly overhead: number;
  private last: bigint;
  private durable: bigint;
  private lastStreamSeq: number;
  private readonly turns: Turn[] = [];
  private openTurn: Turn | undefined;
  private failure: JournalFailedError | undefined;
  private closing: Promise<void> | undefined;
  private snapshotSeq: bigint | undefined;
  private acks = 0;
  private retries = 0;
  private ackLastUs = 0;
  private ackTotalUs = 0;
  private ackMaxUs = 0;
  /** Told each publish acknowledgement's latency (µs): this journal's "fsync" (the metrics' fsync histogram). */
  onFsync: ((us: number) => void) | undefined;

  constructor(o: JetStreamJournalOptions) {
    const subjects = journalSubjects(o.subjects);
    if (o.lastSubjectSequences.length !== subjects.length) {
      throw new RangeError(`lastSubjectSequences has ${o.lastSubjectSequences.length} entries, the journal has ${subjects.length} subjects`);
    }
    if (o.nextSequence < 1n || o.nextSequence > MAX_SEQUENCE) throw new RangeError(`nextSequence ${o.nextSequence} is out of range`);
    this.nc = o.connection;
    this.js = o.js;
    this.epoch = o.epoch;
    this.shardCount = o.subjects.shardCount;
    this.laneOf = laneOfShard(o.subjects);
    this.lanes = subjects.map((s, i) => new Lane(s, o.lastSubjectSequences[i]!));
    this.appendTimeoutMs = o.appendTimeoutMs ?? DEFAULT_APPEND_TIMEOUT_MS;
    // A publish the server cannot take is refused by the client library and can never
    // succeed, and one over the stream's max_msg_size (headers counted) is refused by the
    // stream: so no message is built larger than the lower of the two (a batch stops short
    // of it), and a record too large to travel alone is refused by append before anything
    // changes.
    const maxPayload = o.connection.info?.max_payload ?? DEFAULT_SERVER_MAX_PAYLOAD;
    const cap = o.streamMaxMsgSize !== undefined && o.streamMaxMsgSize > 0 ? Math.min(maxPayload, o.streamMaxMsgSize) : maxPayload;
    const fits = cap - PUBLISH_HEADER_ROOM;
    this.maxMessageBytes = Math.min(o.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES, fits);
    this.signer = o.signer;
    this.overhead = messageOverhead(o.signer);
    this.maxRecordBytes = fits - this.overhead - FRAME_HEADER_BYTES;
    this.onFatal = o.onFatal ?? (() => undefined);
    this.last = this.durable = o.nextSequence - 1n;
    this.lastStreamSeq = o.lastStreamSequence;
    this.snapshotSeq = o.lastSnapshotSequence;
    this.ownsConnection = o.ownsConnection ?? false;
    this.lastMessageOf = o.lastMessageOf;
  }

  get lastSequence(): bigint {
    return this.last;
  }

  /** The last record acknowledged (with every record before it). */
  get durableSequence(): bigint {
    return this.durable;
  }

  get recordsAwaitingDurability(): number {
    return Number(this.last - this.durable);
  }

  /** Per lane (the group's shards, then control): the subject's last acknowledged stream sequence. */
  subjectSequences(): readonly number[] {
    return this.lanes.map((l) => l.lastSubjectSeq);
  }

  /** The highest stream sequence acknowledged to this writer. */
  get lastStreamSequence(): number {
    return this.lastStreamSeq;
  }

  /** Publishes tried again after a timeout or no responders (a leader election, a reconnect). */
  get retriedPublishes(): number {
    return this.retries;
  }

  /** Why the journal failed, if it did. */
  get failed(): JournalFailedError | undefined {
    return this.failure;
  }

  snapshotPoint(): SnapshotPoint {
    return { sequence: this.last, epoch: this.epoch, resumeStreamSequence: this.lastStreamSeq + 1 };
  }

  append(payload: Uint8Array, command?: Command): bigint {
    this.checkOpen();
    if (payload.length > this.maxRecordBytes) throw new RecordTooLargeError(payload.length, this.maxRecordBytes);
    const seq = this.last + 1n;
    const turn = this.turn();
    this.lanes[this.laneOf[commandLane(command, this.shardCount)]!]!.queue.push({ frame: frameRecord(seq, payload), turn });
    turn.pending++;
    turn.lastSeq = seq;
    this.last = seq;
    return seq;
  }

  afterDurable(callback: () => void): void {
    this.checkOpen();
    this.turn().callbacks.push(callback);
  }

  /** The stream's ack is the only durability there is: as afterDurable. */
  afterSynced(callback: () => void): void {
    this.afterDurable(callback);
  }

  flush(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.openTurn === undefined && this.turns.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => this.turn().waiters.push({ resolve, reject }));
  }

  noteSnapshot(seq: bigint): void {
    if (this.snapshotSeq === undefined || seq > this.snapshotSeq) this.snapshotSeq = seq;
  }

  status(): JournalStatus {
    return {
      mode: this.mode,
      dataDir: undefined,
      lastSequence: this.last,
      durableSequence: this.durable,
      segments: 0,
      lastSnapshotSequence: this.snapshotSeq,
      // For this journal the "fsync" figures are the stream's publish acknowledgements.
      fsyncCount: this.acks,
      fsyncLatencyUs: {
        last: Math.round(this.ackLastUs),
        mean: this.acks === 0 ? 0 : Math.round(this.ackTotalUs / this.acks),
        max: Math.round(this.ackMaxUs),
      },
      pendingBatches: this.turns.length, // the open turn included
      nextSegment: "none",
      rollovers: { prepared: 0, inline: 0 },
      failure: this.failure?.message,
    };
  }

  /** Waits for everything appended to be acknowledged; further appends throw. Closes the connection if it owns it. */
  close(): Promise<void> {
    this.closing ??= this.flush().finally(() => (this.ownsConnection ? this.nc.close() : undefined));
    return this.closing;
  }

  private checkOpen(): void {
    if (this.failure) throw this.failure;
    if (this.closing) throw new JournalClosedError("journal is closed");
  }

  private turn(): Turn {
    let t = this.openTurn;
    if (t === undefined) {
      t = this.openTurn = new Turn();
      this.turns.push(t);
      setImmediate(this.seal);
    }
    return t;
  }

  private readonly seal = (): void => {
    const t = this.openTurn;
    this.openTurn = undefined;
    if (t === undefined) return;
    t.sealed = true;
    if (this.failure) return;
    for (const lane of this.lanes) this.pump(lane);
    this.advance();
  };

  /** Publishes the lane's waiting records (up to maxMessageBytes) unless a publish is in flight. */
  private pump(lane: Lane): void {
    if (lane.inFlight || lane.queue.length === 0 || this.failure) return;
    let bytes = 0;
    let n = 0;
    while (n < lane.queue.length) {
      const f = lane.queue[n]!.frame.length;
      if (n > 0 && this.overhead + bytes + f > this.maxMessageBytes) break;
      bytes += f;
      n++;
    }
    const taken = lane.queue.splice(0, n);
    const data = encodeRecordsMessage(
      this.epoch,
      taken.map((p) => p.frame),
      bytes,
      // Signed to follow the subject's last message, which the publish expects (journal-message.ts).
      { signer: this.signer, subject: lane.subject, follows: lane.lastSubjectSeq },
    );
    const firstSeq = taken[0]!.frame.readBigUInt64LE(8);
    lane.inFlight = true;
    void this.publish(lane, data, `${this.idPrefix}.${this.epoch}.${firstSeq}`).then((ackSeq) => {
      lane.inFlight = false;
      if (ackSeq === undefined) return; // failed: the journal is down
      lane.lastSubjectSeq = ackSeq;
      if (ackSeq > this.lastStreamSeq) this.lastStreamSeq = ackSeq;
      for (const p of taken) p.turn.pending--;
      this.advance();
      this.pump(lane);
    });
  }

  /** One publish with its retries; the acknowledged stream sequence, or undefined once the journal failed. */
  private async publish(lane: Lane, data: Buffer, msgID: string): Promise<number | undefined> {
    const expected = lane.lastSubjectSeq;
    const started = performance.now();
    const deadline = started + this.appendTimeoutMs;
    let delay = 25;
    let retried = false;
    for (;;) {
      if (this.failure) return undefined;
      try {
        const ack = await this.js.publish(lane.subject, data, {
          msgID,
          expect: { lastSubjectSequence: expected },
          timeout: Math.max(1, Math.min(ATTEMPT_TIMEOUT_MS, deadline - performance.now())),
          retries: 0,
        });
        if (ack.duplicate) {
          // The stream stored nothing: it took this id for a message it already holds. The
          // duplicate window is stream-wide and ids travel in the clear, so a message of
          // another's under this id on another subject would answer records that are in no
          // message of the stream (found by review). Only this publish, landed on its own
          // subject (a retry after a lost answer), counts.
          const own = await this.ownLanding(lane.subject, msgID, data, deadline);
          if (typeof own === "number" && own === ack.seq) return this.acknowledged(started, own);
          if (this.failure) return undefined;
          if (own === "unread") {
            // Failing closed is right (it may not be ours), the accusation is not (found by review).
            this.fail(`the stream answered an append to ${lane.subject} as a duplicate of stream sequence ${ack.seq}, and the subject's last message could not be read within the append's deadline to confirm it is this append`, undefined);
          } else {
            this.fail(`the stream answered an append to ${lane.subject} as a duplicate of stream sequence ${ack.seq}, which is not this append on this subject: nothing was stored; another publisher used this writer's message id`, undefined);
          }
          return undefined;
        }
        return this.acknowledged(started, ack.seq);
      } catch (e) {
        if (this.failure) return undefined;
        if (e instanceof JetStreamApiError) {
          if (e.code === JetStreamApiCodes.StreamWrongLastSequence) {
            // A retry of a publish that landed unacknowledged: nats-server 2.9 checks the
            // expected sequence before its duplicate window, so the retry is refused although
            // the subject's last message is this very one. Taken as its acknowledgement.
            const own = retried ? await this.ownLanding(lane.subject, msgID, data, deadline) : undefined;
            if (typeof own === "number") return this.acknowledged(started, own);
            if (this.failure) return undefined;
            if (own === "unread") {
              // Closed, but nothing shows another writer (found by review): say what is known.
              this.fail(`the stream refused a retried append to ${lane.subject} as a wrong last sequence (expected ${expected}), and the subject's last message could not be read within the append's deadline to confirm it is this append (${e.message})`, e);
              return undefined;
            }
            this.fail(`fenced: another writer has appended to ${lane.subject} since this writer's last acknowledged append there (stream sequence ${expected}); this instance no longer owns the journal (${e.message})`, e);
          } else {
            this.fail(`the stream refused an append to ${lane.subject}: ${e.message}`, e);
          }
          return undefined;
        }
        if (e instanceof InvalidArgumentError) {
          // The client library refused the message itself (e.g. over a max_payload lowered
          // since the journal opened, by a reconnect to another server): retrying cannot help.
          this.fail(`the NATS client refused an append to ${lane.subject}: ${e.message}`, e);
          return undefined;
        }
        if (this.nc.isClosed()) {
          this.fail(`the connection to NATS is closed (append to ${lane.subject} not acknowledged)`, e);
          return undefined;
        }
        if (performance.now() + delay >= deadline) {
          this.fail(`no acknowledgement for an append to ${lane.subject} within ${this.appendTimeoutMs} ms (last error: ${e instanceof Error ? e.message : String(e)})`, e);
          return undefined;
        }
        this.retries++;
        retried = true;
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 500);
      }
    }
  }

  /** Counts an acknowledgement (its latency from the first attempt) and returns its stream sequence. */
  private acknowledged(started: number, seq: number): number {
    const us = (performance.now() - started) * 1000;
    this.acks++;
    this.ackLastUs = us;
    this.ackTotalUs += us;
    if (us > this.ackMaxUs) this.ackMaxUs = us;
    this.onFsync?.(us);
    return seq;
  }

  /**
   * The stream sequence of `msgID` when it is the subject's last message (a retried publish
   * that landed); "other" when the last message is another (or none); "unread" when no read
   * answered before the append's deadline (performance.now() ms). A read that fails is tried
   * again until then: the blip that lost the publish's answer often fails the first read too
   * (found by review). Past the deadline the caller fails the journal closed, as a publish that
   * gets no answer by then does (found by review, session 29: the read had no deadline).
   */
  private async ownLanding(subject: string, msgID: string, data: Buffer, deadline: number): Promise<number | "other" | "unread"> {
    if (this.lastMessageOf === undefined) return "unread";
    let delay = 25;
    for (;;) {
      let timer: NodeJS.Timeout | undefined;
      const expired = new Promise<"expired">((resolve) => {
        timer = setTimeout(() => resolve("expired"), Math.max(0, deadline - performance.now()));
      });
      try {
        const last = await Promise.race([this.lastMessageOf(subject), expired]);
        if (last === "expired") return "unread";
        return isThisPublish(last, msgID, data) ? last.seq : "other";
      } catch {
        if (this.failure || performance.now() + delay >= deadline) return "unread";
      } finally {
        clearTimeout(timer);
      }
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 500);
    }
  }

  /** Completes turns in order: a turn's callbacks run once it and every turn before it are acknowledged. */
  private advance(): void {
    let done = 0;
    while (done < this.turns.length) {
      const t = this.turns[done]!;
      if (!t.sealed || t.pending > 0) break;
      done++;
      if (t.lastSeq > this.durable) this.durable = t.lastSeq;
      runDurableCallbacks(t.callbacks);
      for (const w of t.waiters) w.resolve();
    }
    if (done > 0) this.turns.splice(0, done);
  }

  private fail(reason: string, cause: unknown): void {
    if (this.failure) return;
    this.failure = new JournalFailedError(
      `replicated journal failed: ${reason}; records after ${this.durable} are not acknowledged and no further appends are accepted`,
      { cause },
    );
    for (const t of this.turns) {
      t.callbacks.length = 0;
      for (const w of t.waiters) w.reject(this.failure);
    }
    this.turns.length = 0;
    this.openTurn = undefined;
    for (const lane of this.lanes) lane.queue.length = 0;
    this.onFatal(this.failure);
  }
}
