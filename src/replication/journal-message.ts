/**
 * The replicated journal's message format: what one JetStream message on a journal subject
 * holds. Two kinds:
 *
 * - records: the records one writer appended to that subject in one event-loop turn (or in
 *   several turns, coalesced while the previous publish on the subject waited for its ack),
 *   each in the file journal's frame (u32 length | u32 crc32 | u64 journal seq | payload,
 *   segment-format.ts), so a record keeps its global journal sequence wherever it travels;
 * - epoch: the marker a writer publishes on every subject when it takes the journal over
 *   (claim.ts). Publishing it with the expected last subject sequence fences the previous
 *   writer out of that subject: its next append there is refused by the stream. The marker
 *   of an ownership group of some shards (journal-subjects.ts) also names the group (kind 3),
 *   so a reader of another group finds out that the subject belongs to another journal (the
 *   shard sets were changed on a live stream) instead of replaying foreign records.
 *
 * Header (16 bytes, little endian): magic "OPJR" (u32), version (u16), kind (u16), epoch (u64:
 * the writer's epoch, increasing from one writer to the next). An epoch marker's body is the
 * first journal sequence the new writer appends (u64) followed by its instance id (UTF-8);
 * a group's marker (kind 3) has the group's name between them (u16 length + UTF-8).
 *
 * Version 2 is version 1 signed (replication.signing, record-signing.ts): the same header and
 * body, then a signature (key id 4 bytes, HMAC-SHA256 32 bytes) over the subject the message
 * is published on and every byte before the MAC, the version included (so a signed message
 * cannot pass for an unsigned one, nor move to another shard's subject). Version 1 is unsigned:
 * a reader with signing configured refuses it unless acceptUnsigned (the upgrade), and a
 * reader without signing refuses version 2 (it cannot check it: the instances are configured
 * apart, which an operator must hear of).
 *
 * Version 3 is what a signing writer writes now: version 2 with the stream sequence of the
 * subject's previous message (u64, the `lastSubjectSequence` its publish expects; 0: none)
 * between the body and the signature, signed with the rest. It binds a message to its place:
 * a signed message the stream refused (its subject had moved) or never stored, published again
 * by someone without the key, no longer follows the message it was signed to follow, and a
 * reader refuses it (journal-tail.ts); version 2 could only be refused when its epoch was below
 * the subject's (found by review, session 43). Version 2 is still read (an older writer during
 * an upgrade); a build that knows only versions 1 and 2 refuses version 3, so an upgrade puts
 * the new build on the standbys first.
 */
import { FRAME_HEADER_BYTES, encodeFrame, frameCrcOk, frameSeq } from "../state/journal/segment-format.js";
import type { JournalRecord } from "../state/journal/journal.js";
import { SIGNATURE_BYTES, type RecordSigner } from "./record-signing.js";

export const MESSAGE_MAGIC = 0x524a504f; // "OPJR" read as a little-endian u32
/** Unsigned messages (and every message before signing existed). */
export const MESSAGE_VERSION = 1;
/** Signed messages of older writers: MESSAGE_VERSION's header and body, then a signature (SIGNATURE_BYTES). */
export const SIGNED_MESSAGE_VERSION = 2;
/** Signed messages bound to their place: version 2 with the subject's previous stream sequence before the signature. */
export const PLACED_MESSAGE_VERSION = 3;
/** The previous stream sequence of a version 3 message: u64, before the signature. */
const FOLLOWS_BYTES = 8;
export const MESSAGE_HEADER_BYTES = 16;
const KIND_RECORDS = 1;
const KIND_EPOCH = 2;
const KIND_GROUP_EPOCH = 3;

export type JournalMessage = (
  | { readonly kind: "records"; readonly epoch: bigint; readonly records: readonly JournalRecord[] }
  | {
      readonly kind: "epoch";
      readonly epoch: bigint;
      readonly firstSequence: bigint;
      readonly instanceId: string;
      /** The writer's ownership group (groupName); undefined for the default group, every shard. */
      readonly group: string | undefined;
    }
) & {
  /** Version 3: the stream sequence of the message it was signed to follow on its subject (0: none); undefined before. */
  readonly follows?: number;
};

/**
 * The key a message is signed with (writing) or checked against (reading), and the subject it
 * is published on or was read from: the subject is signed with it. Absent: signing is off.
 */
export interface MessageSigning {
  readonly signer: RecordSigner | undefined;
  readonly subject: string;
  /** Writing: the stream sequence of the subject's last message, which the publish expects (0: none). */
  readonly follows?: number;
}

/** A message on a journal subject that does not decode (or whose signature is refused): the stream holds something else. */
export class JournalMessageError extends Error {
  override name = "JournalMessageError";
}

/** The bytes a message takes beyond its body: the header, and the signature when signed. */
export function messageOverhead(signer: RecordSigner | undefined): number {
  return MESSAGE_HEADER_BYTES + (signer === undefined ? 0 : FOLLOWS_BYTES + SIGNATURE_BYTES);
}

function header(target: Buffer, kind: number, epoch: bigint, signed: boolean): void {
  target.writeUInt32LE(MESSAGE_MAGIC, 0);
  target.writeUInt16LE(signed ? PLACED_MESSAGE_VERSION : MESSAGE_VERSION, 4);
  target.writeUInt16LE(kind, 6);
  target.writeBigUInt64LE(epoch, 8);
}

/** One record framed for a records message (its own buffer: frames are packed per publish). */
export function frameRecord(seq: bigint, payload: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.length);
  encodeFrame(frame, 0, seq, payload);
  return frame;
}

/**
 * Writes the previous stream sequence and the signature into the last FOLLOWS_BYTES +
 * SIGNATURE_BYTES of `out` (the message is complete before them).
 */
function seal(out: Buffer, signing: MessageSigning | undefined): Buffer {
  if (signing?.signer === undefined) return out;
  const body = out.length - SIGNATURE_BYTES;
  out.writeBigUInt64LE(BigInt(signing.follows ?? 0), body - FOLLOWS_BYTES);
  signing.signer.sign("journal-message", signing.subject, out.subarray(0, body)).copy(out, body);
  return out;
}

/** A records message of already framed records (frameRecord), `bytes` being their total length; signed when `signing` has a signer. */
export function encodeRecordsMessage(epoch: bigint, frames: readonly Buffer[], bytes: number, signing?: MessageSigning): Buffer {
  const out = Buffer.allocUnsafe(messageOverhead(signing?.signer) + bytes);
  header(out, KIND_RECORDS, epoch, signing?.signer !== undefined);
  let at = MESSAGE_HEADER_BYTES;
  for (const f of frames) at += f.copy(out, at);
  return seal(out, signing);
}

/** The marker of a writer taking the journal over; `group`: its ownership group (none for every shard: the original kind 2). */
export function encodeEpochMessage(epoch: bigint, firstSequence: bigint, instanceId: string, group?: string, signing?: MessageSigning): Buffer {
  const id = Buffer.from(instanceId, "utf8");
  const g = group === undefined ? undefined : Buffer.from(group, "utf8");
  const groupBytes = g === undefined ? 0 : 2 + g.length;
  const out = Buffer.allocUnsafe(messageOverhead(signing?.signer) + 8 + groupBytes + id.length);
  header(out, g === undefined ? KIND_EPOCH : KIND_GROUP_EPOCH, epoch, signing?.signer !== undefined);
  out.writeBigUInt64LE(firstSequence, MESSAGE_HEADER_BYTES);
  if (g !== undefined) {
    out.writeUInt16LE(g.length, MESSAGE_HEADER_BYTES + 8);
    g.copy(out, MESSAGE_HEADER_BYTES + 10);
  }
  id.copy(out, MESSAGE_HEADER_BYTES + 8 + groupBytes);
  return seal(out, signing);
}

/**
 * The message's header and body once its signature is checked (a signed message less its
 * signature and, in version 3, the previous stream sequence it was signed to follow); refuses
 * what the reader's signing settings do not let in (see the file's comment).
 */
function authenticated(buf: Buffer, signing: MessageSigning | undefined): { readonly buf: Buffer; readonly follows?: number } {
  const version = buf.readUInt16LE(4);
  const signer = signing?.signer;
  if (version === MESSAGE_VERSION) {
    if (signer !== undefined && !signer.acceptUnsigned) {
      throw new JournalMessageError("unsigned message refused: replication.signing is on and acceptUnsigned is not (forged, or written by an instance without the key)");
    }
    return { buf };
  }
  if (version !== SIGNED_MESSAGE_VERSION && version !== PLACED_MESSAGE_VERSION) throw new JournalMessageError(`unsupported journal message version ${version}`);
  if (signer === undefined) {
    throw new JournalMessageError(`signed message (version ${version}), but replication.signing is not configured on this instance: it cannot check it (configure the key every instance shares)`);
  }
  const trailer = SIGNATURE_BYTES + (version === PLACED_MESSAGE_VERSION ? FOLLOWS_BYTES : 0);
  if (buf.length < MESSAGE_HEADER_BYTES + trailer) throw new JournalMessageError(`signed message of ${buf.length} bytes has no room for its signature`);
  const body = buf.length - SIGNATURE_BYTES;
  const verdict = signer.verify("journal-message", signing!.subject, buf.subarray(body), buf.subarray(0, body));
  if (!verdict.ok) throw new JournalMessageError(`signature refused: ${verdict.reason}`);
  if (version === SIGNED_MESSAGE_VERSION) return { buf: buf.subarray(0, body) };
  const follows = buf.readBigUInt64LE(body - FOLLOWS_BYTES);
  if (follows > BigInt(Number.MAX_SAFE_INTEGER)) throw new JournalMessageError(`signed to follow stream sequence ${follows}, beyond any stream's`);
  return { buf: buf.subarray(0, body - FOLLOWS_BYTES), follows: Number(follows) };
}

/**
 * Decodes one message; records are views into `data` (copy them to keep them past `data`).
 * `signing`: the reader's key and the subject the message was read from (none: signing off).
 */
export function decodeJournalMessage(data: Uint8Array, signing?: MessageSigning): JournalMessage {
  const whole = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (whole.length < MESSAGE_HEADER_BYTES) throw new JournalMessageError(`message of ${whole.length} bytes is shorter than the ${MESSAGE_HEADER_BYTES}-byte header`);
  if (whole.readUInt32LE(0) !== MESSAGE_MAGIC) throw new JournalMessageError("not a journal message (bad magic)");
  const { buf, follows } = authenticated(whole, signing);
  const placed = follows === undefined ? {} : { follows };
  const kind = buf.readUInt16LE(6);
  const epoch = buf.readBigUInt64LE(8);
  if (kind === KIND_EPOCH || kind === KIND_GROUP_EPOCH) {
    if (buf.length < MESSAGE_HEADER_BYTES + 8) throw new JournalMessageError("epoch marker is truncated");
    let at = MESSAGE_HEADER_BYTES + 8;
    let group: string | undefined;
    if (kind === KIND_GROUP_EPOCH) {
      if (buf.length < at + 2 || buf.length < at + 2 + buf.readUInt16LE(at)) throw new JournalMessageError("epoch marker's group is truncated");
      const length = buf.readUInt16LE(at);
      group = buf.toString("utf8", at + 2, at + 2 + length);
      at += 2 + length;
    }
    return { kind: "epoch", epoch, firstSequence: buf.readBigUInt64LE(MESSAGE_HEADER_BYTES), instanceId: buf.toString("utf8", at), group, ...placed };
  }
  if (kind !== KIND_RECORDS) throw new JournalMessageError(`unknown journal message kind ${kind}`);
  const records: JournalRecord[] = [];
  let at = MESSAGE_HEADER_BYTES;
  while (at < buf.length) {
    if (at + FRAME_HEADER_BYTES > buf.length) throw new JournalMessageError(`record frame at byte ${at} is truncated`);
    const len = buf.readUInt32LE(at);
    if (at + FRAME_HEADER_BYTES + len > buf.length) throw new JournalMessageError(`record at byte ${at} claims ${len} bytes, the message holds ${buf.length - at - FRAME_HEADER_BYTES}`);
    const seq = frameSeq(buf, at);
    if (!frameCrcOk(buf, at, len)) throw new JournalMessageError(`record ${Number.isNaN(seq) ? "?" : seq} at byte ${at} fails its CRC check`);
    records.push({ seq: BigInt(seq), payload: buf.subarray(at + FRAME_HEADER_BYTES, at + FRAME_HEADER_BYTES + len) });
    at += FRAME_HEADER_BYTES + len;
  }
  return { kind: "records", epoch, records, ...placed };
}
