// On-disk layout of journal segments and their file names: the 16-byte segment header, the
// 16-byte record frame (u32 length | u32 crc32 | u64 seq, little endian; the length's top bit
// marks the first frame of a write) and the end marker.
import { crc32Range } from "./crc32.js";

/** Segment header: magic "OPJS", u32 format version, u64 first sequence (must match the file name). */
export const SEGMENT_HEADER_BYTES = 16;
export const SEGMENT_MAGIC = 0x534a504f; // "OPJS" read as a little-endian u32
/**
 * 2: a frame's length field may carry COMMIT_START. Version 1 segments (no marks) are read as
 * before; this build goes on appending to the newest one after rewriting its header to 2
 * (file-journal.ts, reopenEnd). A build that knows only version 1 meets a header it does not
 * know: it refuses the segment only when a snapshot covers it or a valid (unmarked) record
 * follows, so going back to such a build means restoring a backup (docs/operating.md).
 */
export const SEGMENT_VERSION = 2;
const READABLE_VERSIONS: readonly number[] = [1, 2];

/** Record frame header; the payload follows it directly. */
export const FRAME_HEADER_BYTES = 16;

/**
 * The top bit of a frame's length field: this frame is the first one a write put into its
 * segment (one write and the fdatasync after it, which completes before the next write
 * starts). Lengths are at most 2^30, so the bit is free. Recovery reads it to tell a hole a
 * crash left in the last write (only that write's frames after it) from zeros that replaced
 * durable records (frames of a later write after it: segment-scan.ts, isHole). Not covered by
 * the CRC: a flipped bit can only make a hole look like damage (a refused start), or, with a
 * second damage, the reverse.
 */
export const COMMIT_START = 0x80000000;
const LENGTH_MASK = 0x7fffffff;

/** The payload length of the frame at `at` (the commit mark masked out). */
export const frameLength = (buf: Buffer, at: number): number => buf.readUInt32LE(at) & LENGTH_MASK;

/** Whether the frame at `at` is the first one its write put into the segment. */
export const startsCommit = (buf: Buffer, at: number): boolean => buf.readUInt32LE(at) >= COMMIT_START;

/** Marks the frame at `at` as the first of a write (the commit pipeline, just before writing). */
export function markCommitStart(buf: Buffer, at: number): void {
  buf.writeUInt32LE((buf.readUInt32LE(at) | COMMIT_START) >>> 0, at);
}
/**
 * Largest payload accepted. Segments are read whole into one Buffer, so a record must fit a
 * Buffer with room to spare; anything larger is almost certainly a bug upstream.
 */
export const MAX_PAYLOAD_BYTES = 1024 * 1024 * 1024;

/** Sequence numbers are carried as JS numbers inside the hot loops: exact up to 2^53. */
export const MAX_SEQUENCE = BigInt(Number.MAX_SAFE_INTEGER);

const SEGMENT_NAME = /^journal-(\d{20})\.seg$/;
const SNAPSHOT_NAME = /^snapshot-(\d{20})\.snap$/;
const TWO_POW_32 = 4294967296;

export const pad20 = (seq: bigint): string => seq.toString().padStart(20, "0");
export const segmentFileName = (firstSeq: bigint): string => `journal-${pad20(firstSeq)}.seg`;
export const snapshotFileName = (seq: bigint): string => `snapshot-${pad20(seq)}.snap`;

/** The first sequence a segment file name claims, or undefined if it is not a segment name. */
export function parseSegmentFileName(name: string): bigint | undefined {
  const m = SEGMENT_NAME.exec(name);
  return m ? BigInt(m[1]!) : undefined;
}

export function parseSnapshotFileName(name: string): bigint | undefined {
  const m = SNAPSHOT_NAME.exec(name);
  return m ? BigInt(m[1]!) : undefined;
}

/** Temporary names: a segment being prepared (its first seq is not known yet) and a snapshot being written. */
export const isSegmentTempName = (name: string): boolean => name.startsWith("journal-") && name.endsWith(".seg.tmp");

export function encodeSegmentHeader(target: Buffer, firstSeq: bigint, at = 0): void {
  target.writeUInt32LE(SEGMENT_MAGIC, at);
  target.writeUInt32LE(SEGMENT_VERSION, at + 4);
  target.writeBigUInt64LE(firstSeq, at + 8);
}

export type SegmentHeaderState = "valid" | "blank" | "invalid" | { readonly unknownVersion: number };

/** Versions a later build may write: small numbers past this one's (a garbled field is damage, not a version). */
const LAST_PLAUSIBLE_VERSION = 255;

/**
 * "blank": all zero (created but never written); `unknownVersion`: this journal's header for
 * `firstSeq` in a later format this build does not read (a newer build's); "invalid": none of these.
 */
export function checkSegmentHeader(buf: Buffer, firstSeq: bigint): SegmentHeaderState {
  if (buf.length < SEGMENT_HEADER_BYTES) return isZero(buf, 0, buf.length) ? "blank" : "invalid";
  if (isZero(buf, 0, SEGMENT_HEADER_BYTES)) return "blank";
  if (buf.readUInt32LE(0) !== SEGMENT_MAGIC || buf.readBigUInt64LE(8) !== firstSeq) return "invalid";
  const version = buf.readUInt32LE(4);
  if (READABLE_VERSIONS.includes(version)) return "valid";
  return version > SEGMENT_VERSION && version <= LAST_PLAUSIBLE_VERSION ? { unknownVersion: version } : "invalid";
}

/** Why a segment of an unknown format is refused, whatever follows its header. */
export function unknownVersionReason(version: number): string {
  return (
    `segment format version ${version} is not one this build reads (${READABLE_VERSIONS.join(", ")}): a newer build wrote it; ` +
    `start that build, or restore the backup taken before it`
  );
}

/**
 * Frames one record at `at` in `target` (which must have room for 16 + payload bytes). The CRC
 * covers the seq bytes and the payload, which are contiguous, so one crc32 call does it and a
 * record copied to another position (another seq) fails its check.
 */
export function encodeFrame(target: Buffer, at: number, seq: bigint, payload: Uint8Array): number {
  const len = payload.length;
  target.writeUInt32LE(len, at);
  target.writeBigUInt64LE(seq, at + 8);
  target.set(payload, at + FRAME_HEADER_BYTES);
  target.writeUInt32LE(crc32Range(target, at + 8, at + FRAME_HEADER_BYTES + len), at + 4);
  return FRAME_HEADER_BYTES + len;
}

/** The seq field of the frame at `at` as a number; NaN if it exceeds 2^53 (never valid here). */
export function frameSeq(buf: Buffer, at: number): number {
  const hi = buf.readUInt32LE(at + 12);
  if (hi >= 0x200000) return Number.NaN;
  return hi * TWO_POW_32 + buf.readUInt32LE(at + 8);
}

/** True when the CRC stored in the frame at `at` (payload length `len`) matches its content. */
export const frameCrcOk = (buf: Buffer, at: number, len: number): boolean =>
  crc32Range(buf, at + 8, at + FRAME_HEADER_BYTES + len) === buf.readUInt32LE(at + 4);

const ZERO_CHUNK = Buffer.alloc(64 * 1024);

/** True when buf[from, to) is all zero bytes (memcmp against a zero chunk, not a JS loop). */
export function isZero(buf: Buffer, from: number, to: number): boolean {
  for (let p = from; p < to; p += ZERO_CHUNK.length) {
    const n = Math.min(ZERO_CHUNK.length, to - p);
    if (buf.compare(ZERO_CHUNK, 0, n, p, p + n) !== 0) return false;
  }
  return true;
}

/** Offset just past the last non-zero byte in buf[from, end), or `from` if there is none. */
export function endOfNonZero(buf: Buffer, from: number): number {
  let p = buf.length;
  while (p > from) {
    const start = Math.max(from, p - ZERO_CHUNK.length);
    if (buf.compare(ZERO_CHUNK, 0, p - start, start, p) !== 0) {
      for (let q = p - 1; q >= start; q--) if (buf[q] !== 0) return q + 1;
    }
    p = start;
  }
  return from;
}

/** Offset of the first non-zero byte in buf[from, end), or -1. */
export function firstNonZero(buf: Buffer, from: number): number {
  for (let p = from; p < buf.length; p += ZERO_CHUNK.length) {
    const end = Math.min(buf.length, p + ZERO_CHUNK.length);
    if (buf.compare(ZERO_CHUNK, 0, end - p, p, end) !== 0) {
      for (let q = p; q < end; q++) if (buf[q] !== 0) return q;
    }
  }
  return -1;
}
