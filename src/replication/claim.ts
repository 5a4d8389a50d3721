/**
 * Taking the journal over: the fence. A writer that wants to append first reads the stream
 * to its end (the tail), then publishes an epoch marker on every subject of its journal (its
 * ownership group's shards and control subject, journal-subjects.ts: another group's
 * subjects are never touched, so owners of different groups never fence each other) with the
 * expected last subject sequence it read there. If every marker is accepted, no other writer
 * appended anywhere since the tail read it, and none can from now on: the previous writer's
 * next publish carries an expected sequence the markers have moved past, so the stream
 * refuses it (its journal fails and it stops serving). If a marker is refused, someone
 * appended meanwhile (the old writer was still alive): read again and retry.
 *
 * The new writer continues after the last record the tail delivered (the contiguous run of
 * journal sequences): a record the old writer got in after a gap was never answered (an
 * answer waits for every record before it) and is dropped by every reader (record-sequencer.ts).
 */
import { randomBytes } from "node:crypto";
import type { NatsConnection } from "@nats-io/transport-node";
import { JetStreamApiCodes, JetStreamApiError, type JetStreamClient, type JetStreamManager } from "@nats-io/jetstream";
import type { JournalFailedError } from "../state/journal/journal.js";
import { encodeEpochMessage } from "./journal-message.js";
import { groupName, journalSubjects, type JournalSubjects } from "./journal-subjects.js";
import { isThisPublish, JetStreamJournal, type LastMessage } from "./jetstream-journal.js";
import { retryTransient } from "./transient-retry.js";
import { streamMessageCap } from "./journal-stream.js";
import type { JournalTail } from "./journal-tail.js";
import type { RecordSigner } from "./record-signing.js";

export interface ClaimOptions {
  readonly connection: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly stream: string;
  readonly subjects: JournalSubjects;
  /** Started, from the snapshot the state was restored from; stopped by a successful claim. */
  readonly tail: JournalTail;
  /** Written into the markers (who took over). */
  readonly instanceId: string;
  /**
   * The new writer's epoch; must be above every epoch in the stream (e.g. a lease revision).
   * Default: one above the highest epoch the tail has seen.
   */
  readonly epoch?: bigint;
  /** How long reading to the end may take, per attempt (default 15 s). */
  readonly catchUpTimeoutMs?: number;
  /** Attempts before giving up when markers keep being refused (default 5). */
  readonly attempts?: number;
  /** How long reading a subject's last message waits for leaders (default 20 s). */
  readonly leaderWaitMs?: number;
  // Passed to the journal:
  readonly appendTimeoutMs?: number;
  readonly maxMessageBytes?: number;
  readonly onFatal?: (err: JournalFailedError) => void;
  readonly lastSnapshotSequence?: bigint;
  readonly ownsConnection?: boolean;
  /** replication.signing: the markers and the journal's messages are signed. */
  readonly signer?: RecordSigner;
}

/** The journal could not be claimed (a stale epoch, or another writer kept appending). */
export class JournalClaimError extends Error {
  override name = "JournalClaimError";
}

/** Whether the subject's last message is the marker this claim published (`seq`, its id and bytes). */
async function ownMarker(o: ClaimOptions, subject: string, seq: number, msgID: string, data: Buffer): Promise<boolean> {
  const last = await retryTransient(`reading the last message on ${subject}`, () => lastMessageOf(o, subject), o);
  return isThisPublish(last, msgID, data) && last.seq === seq;
}

/** The subject's last message (sequence, message id, bytes), or undefined when it has none. */
async function lastMessageOf(o: ClaimOptions, subject: string): Promise<LastMessage | undefined> {
  const m = await o.jsm.streams.getMessage(o.stream, { last_by_subj: subject });
  return m === null ? undefined : { seq: m.seq, msgID: m.header?.get("Nats-Msg-Id") || undefined, data: m.data };
}

/** Fences every subject and returns the journal to append to; the tail is stopped. */
export async function claimJournal(o: ClaimOptions): Promise<JetStreamJournal> {
  const subjects = journalSubjects(o.subjects);
  const group = groupName(o.subjects);
  const attempts = o.attempts ?? 5;
  const timeoutMs = o.catchUpTimeoutMs ?? 15_000;
  const nonce = randomBytes(6).toString("hex");
  // Read at every claim, not only at the start: an operator may have edited the stream since.
  // A cap too small is refused before any marker fences the previous writer.
  const info = await retryTransient(`reading stream ${o.stream}`, () => o.jsm.streams.info(o.stream), o);
  const streamMaxMsgSize = streamMessageCap(o.stream, info.config);
  let markedEpoch: bigint | undefined;
  let refused = "";
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const end = await o.tail.catchUp(timeoutMs);
    const expected: number[] = [];
    let moved = false;
    for (const subject of subjects) {
      let seq = o.tail.lastSubjectSequence(subject);
      if (seq === undefined) {
        // Not seen since the tail's start: its last message (if any) is before it, or new.
        seq = (await retryTransient(`reading the last message on ${subject}`, () => o.jsm.streams.getMessage(o.stream, { last_by_subj: subject }), o))?.seq ?? 0;
        if (seq > end) moved = true;
      }
      expected.push(seq);
    }
    if (moved) {
      refused = "a subject moved while the claim read the stream";
      continue;
    }
    // Without a given epoch, every attempt takes one above all the stream holds: reusing
    // this claim's earlier epoch could reuse another writer's, which claimed the same number
    // meanwhile, and readers cannot tell two writers of one epoch apart (a record it left
    // behind a gap, never answered, would replay in place of this writer's answered one).
    // Markers of an earlier attempt that did land are harmless under a higher epoch.
    const epoch = o.epoch ?? o.tail.maxEpochSeen + 1n;
    // A given epoch (a lease revision: unique to this claim) is reused by a retry, whose own
    // markers may have landed unacknowledged: those carry exactly this epoch. An epoch above
    // it is always another writer's, a newer claim that took the journal while this one
    // stalled: going on would fence that writer with older markers after its newer ones,
    // which every reader then refuses (a subject's epochs never go down; found by review).
    if (epoch <= o.tail.epoch || epoch < o.tail.maxEpochSeen || (epoch === o.tail.maxEpochSeen && epoch !== markedEpoch)) {
      throw new JournalClaimError(`epoch ${epoch} is stale: the stream already holds epoch ${o.tail.maxEpochSeen}`);
    }
    markedEpoch = epoch;
    const firstSequence = o.tail.appliedSequence + 1n;
    const markers = subjects.map((subject, i) => encodeEpochMessage(epoch, firstSequence, o.instanceId, group, { signer: o.signer, subject, follows: expected[i]! }));
    // Random per attempt: the next attempt's ids cannot be read off this one's markers.
    const attemptId = randomBytes(6).toString("hex");
    const results = await Promise.allSettled(
      subjects.map(async (subject, i) => {
        const msgID = `${nonce}.claim.${attempt}.${attemptId}.${i}`;
        const ack = await o.js.publish(subject, markers[i]!, { msgID, expect: { lastSubjectSequence: expected[i]! } });
        // A duplicate stored nothing: the stream took the id for a message it holds. Only this
        // marker on its own subject counts; a copy of the id on another subject would leave
        // this one unfenced (found by review).
        if (ack.duplicate && !(await ownMarker(o, subject, ack.seq, msgID, markers[i]!))) {
          throw new JournalClaimError(`the stream answered the epoch marker on ${subject} as a duplicate of stream sequence ${ack.seq}, which is not this marker: another publisher used its message id`);
        }
        return ack;
      }),
    );
    const failures = results.flatMap((r, i) => (r.status === "rejected" ? [{ subject: subjects[i]!, error: r.reason as unknown }] : []));
    // No ack (a timeout, no responders during an election): that marker may or may not be in;
    // the next attempt reads the stream again either way.
    const unanswered = failures.filter((f) => !(f.error instanceof JetStreamApiError));
    const forged = failures.find((f) => f.error instanceof JournalClaimError);
    if (forged) throw forged.error;
    const other = failures.find((f) => f.error instanceof JetStreamApiError && f.error.code !== JetStreamApiCodes.StreamWrongLastSequence);
    if (other) throw new JournalClaimError(`epoch marker on ${other.subject} failed: ${other.error instanceof Error ? other.error.message : String(other.error)}`, { cause: other.error });
    if (failures.length > 0) {
      refused =
        unanswered.length === failures.length
          ? `no acknowledgement for the epoch markers on ${failures.map((f) => f.subject).join(", ")}`
          : `another writer appended to ${failures.map((f) => f.subject).join(", ")} during the claim`;
      if (unanswered.length > 0) await new Promise((r) => setTimeout(r, 250));
      continue;
    }
    const acks = results.map((r) => (r as PromiseFulfilledResult<{ seq: number }>).value.seq);
    // Nothing may be applied from the stream from here on: this instance writes it now.
    await o.tail.stop();
    return new JetStreamJournal({
      connection: o.connection,
      js: o.js,
      subjects: o.subjects,
      epoch,
      nextSequence: firstSequence,
      lastSubjectSequences: acks,
      lastStreamSequence: Math.max(...acks),
      ...(o.appendTimeoutMs !== undefined ? { appendTimeoutMs: o.appendTimeoutMs } : {}),
      ...(o.maxMessageBytes !== undefined ? { maxMessageBytes: o.maxMessageBytes } : {}),
      ...(streamMaxMsgSize !== undefined ? { streamMaxMsgSize } : {}),
      ...(o.onFatal ? { onFatal: o.onFatal } : {}),
      ...(o.lastSnapshotSequence !== undefined ? { lastSnapshotSequence: o.lastSnapshotSequence } : {}),
      ...(o.ownsConnection !== undefined ? { ownsConnection: o.ownsConnection } : {}),
      ...(o.signer !== undefined ? { signer: o.signer } : {}),
      lastMessageOf: (subject) => lastMessageOf(o, subject),
    });
  }
  throw new JournalClaimError(`could not claim the journal in ${attempts} attempts: ${refused}`);
}
