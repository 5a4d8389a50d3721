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
 */
import { FRAME_HEADER_BYTES, encodeFrame, frameCrcOk, frameSeq } from "../state/journal/segment-format.js";
import type { JournalRecord } from "../state/journal/journal.js";

export const MESSAGE_MAGIC = 0x524a504f; // "OPJR" read as a little-endian u32
export const MESSAGE_VERSION = 1;
export const MESSAGE_HEADER_BYTES = 16;
const KIND_RECORDS = 1;
const KIND_EPOCH = 2;
const KIND_GROUP_EPOCH = 3;

export type JournalMessage =
  | { readonly kind: "records"; readonly epoch: bigint; readonly records: readonly JournalRecord[] }
  | {
      readonly kind: "epoch";
      readonly epoch: bigint;
      readonly firstSequence: bigint;
      readonly instanceId: string;
      /** The writer's ownership group (groupName); undefined for the default group, every shard. */
      readonly group: string | undefined;
    };

/** A message on a journal subject that does not decode: the stream holds something else. */
export class JournalMessageError extends Error {
  override name = "JournalMessageError";
}

function header(target: Buffer, kind: number, epoch: bigint): void {
  target.writeUInt32LE(MESSAGE_MAGIC, 0);
  target.writeUInt16LE(MESSAGE_VERSION, 4);
  target.writeUInt16LE(kind, 6);
  target.writeBigUInt64LE(epoch, 8);
}

/** One record framed for a records message (its own buffer: frames are packed per publish). */
export function frameRecord(seq: bigint, payload: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.length);
  encodeFrame(frame, 0, seq, payload);
  return frame;
}

/** A records message of already framed records (frameRecord), `bytes` being their total length. */
export function encodeRecordsMessage(epoch: bigint, frames: readonly Buffer[], bytes: number): Buffer {
  const out = Buffer.allocUnsafe(MESSAGE_HEADER_BYTES + bytes);
  header(out, KIND_RECORDS, epoch);
  let at = MESSAGE_HEADER_BYTES;
  for (const f of frames) at += f.copy(out, at);
  return out;
}

/** The marker of a writer taking the journal over; `group`: its ownership group (none for every shard: the original kind 2). */
export function encodeEpochMessage(epoch: bigint, firstSequence: bigint, instanceId: string, group?: string): Buffer {
  const id = Buffer.from(instanceId, "utf8");
  const g = group === undefined ? undefined : Buffer.from(group, "utf8");
  const groupBytes = g === undefined ? 0 : 2 + g.length;
  const out = Buffer.allocUnsafe(MESSAGE_HEADER_BYTES + 8 + groupBytes + id.length);
  header(out, g === undefined ? KIND_EPOCH : KIND_GROUP_EPOCH, epoch);
  out.writeBigUInt64LE(firstSequence, MESSAGE_HEADER_BYTES);
  if (g !== undefined) {
    out.writeUInt16LE(g.length, MESSAGE_HEADER_BYTES + 8);
    g.copy(out, MESSAGE_HEADER_BYTES + 10);
  }
  id.copy(out, MESSAGE_HEADER_BYTES + 8 + groupBytes);
  return out;
}

/** Decodes one message; records are views into `data` (copy them to keep them past `data`). */
export function decodeJournalMessage(data: Uint8Array): JournalMessage {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (buf.length < MESSAGE_HEADER_BYTES) throw new JournalMessageError(`message of ${buf.length} bytes is shorter than the ${MESSAGE_HEADER_BYTES}-byte header`);
  if (buf.readUInt32LE(0) !== MESSAGE_MAGIC) throw new JournalMessageError("not a journal message (bad magic)");
  const version = buf.readUInt16LE(4);
  if (version !== MESSAGE_VERSION) throw new JournalMessageError(`unsupported journal message version ${version}`);
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
    return { kind: "epoch", epoch, firstSequence: buf.readBigUInt64LE(MESSAGE_HEADER_BYTES), instanceId: buf.toString("utf8", at), group };
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
  return { kind: "records", epoch, records };
}
