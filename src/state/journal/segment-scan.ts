// Walks the records of one segment held in memory: validates every frame, hands records at or
// past `fromSeq` to a callback (payloads are views, no copies) and classifies how the data ends.
import type { JournalRecord } from "./journal.js";
import { JournalCorruptionError, JournalFormatError } from "./journal-corruption-error.js";
import {
  COMMIT_START,
  FRAME_HEADER_BYTES,
  SEGMENT_HEADER_BYTES,
  checkSegmentHeader,
  endOfNonZero,
  firstNonZero,
  frameCrcOk,
  frameLength,
  frameSeq,
  isZero,
  snapshotFileName,
  startsCommit,
  unknownVersionReason,
} from "./segment-format.js";

/** Where the data of the last segment stops at something other than a clean end. */
export interface TornTail {
  readonly file: string;
  /** Offset of the first byte that is not part of a valid record; appends resume here. */
  readonly offset: number;
  readonly expectedSequence: bigint;
  readonly reason: string;
  /** Offset just past the last non-zero byte: [offset, zeroFillUntil) must be zeroed before appending. */
  readonly zeroFillUntil: number;
}

export type RecordCallback = (record: JournalRecord, file: string, offset: number) => void;

export interface SegmentScan {
  /** Offset just past the last valid record (16 for a header with no records; 0 when the header is blank or torn). */
  readonly end: number;
  readonly headerPresent: boolean;
  /** firstSeq + number of valid records. */
  readonly nextSeq: number;
  readonly records: number;
  readonly delivered: number;
  readonly torn: TornTail | undefined;
}

export interface ScanOptions {
  readonly file: string;
  readonly firstSeq: number;
  /** Records below this are validated but not handed out. */
  readonly fromSeq: number;
  /** Only the last segment may end in a torn tail; damage anywhere else is corruption. */
  readonly isLast: boolean;
  /** Records known durable (the newest snapshot file covers them): a hole among them is damage (endOfDataOrBad). */
  readonly durableThrough: number;
  readonly onRecord: RecordCallback | undefined;
}

export function scanSegment(buf: Buffer, o: ScanOptions): SegmentScan {
  const n = buf.length;
  const header = checkSegmentHeader(buf, BigInt(o.firstSeq));
  if (typeof header === "object") {
    // Never a torn tail: its frames follow rules this build does not know, and taking them
    // for damage would zero-fill a newer build's acknowledged records (found by review).
    throw new JournalFormatError(o.file, BigInt(o.firstSeq), unknownVersionReason(header.unknownVersion));
  }
  if (header !== "valid") {
    if (header === "blank" && isZero(buf, 0, n)) {
      return { end: 0, headerPresent: false, nextSeq: o.firstSeq, records: 0, delivered: 0, torn: undefined };
    }
    // The header goes out in the same write as the segment's first records: a blank one with
    // data after it is a hole at offset 0, like the one below at a frame.
    const torn =
      header === "blank"
        ? endOfDataOrBad(buf, o, 0, o.firstSeq, "segment header is blank but data follows")
        : badData(buf, o, 0, o.firstSeq, `segment header is not a header for first record ${o.firstSeq}`);
    return { end: 0, headerPresent: false, nextSeq: o.firstSeq, records: 0, delivered: 0, torn };
  }

  let p = SEGMENT_HEADER_BYTES;
  let expect = o.firstSeq;
  let delivered = 0;
  const { fromSeq, onRecord, file } = o;
  // Payload views are plain Uint8Array views: Buffer#subarray costs several times more per record.
  const bytes = new Uint8Array(buf.buffer, buf.byteOffset, n);
  for (;;) {
    if (p + FRAME_HEADER_BYTES > n) {
      if (isZero(buf, p, n)) break;
      return done(p, badData(buf, o, p, expect, `record ${expect}: truncated frame header at the end of the file`));
    }
    const len = frameLength(buf, p);
    const seq = frameSeq(buf, p);
    if (buf.readUInt32LE(p) === 0 && seq === 0 && buf.readUInt32LE(p + 4) === 0) {
      // The end marker: 16 zero bytes. Everything after it must be zero too, unless it is a hole (below).
      if (isZero(buf, p, n)) break;
      return done(p, endOfDataOrBad(buf, o, p, expect, `non-zero bytes after the end of data (record ${expect} would start here)`));
    }
    // A length of 0 was never written (the journal refuses empty records): these are zeros
    // where a frame should start, followed by data within the header, as when a power loss
    // kept a batch's first page unwritten and the batch began a few bytes before its end.
    if (len === 0) return done(p, endOfDataOrBad(buf, o, p, expect, `record ${expect} has length 0 (bytes never written?)`));
    if (len > n - p - FRAME_HEADER_BYTES) {
      const reason = `record ${expect} has length ${len}, which runs past the end of the file (${n} bytes)`;
      return done(p, lengthLostAtSectorEdge(buf, p, expect) ? endOfDataOrBad(buf, o, p, expect, reason) : badData(buf, o, p, expect, reason));
    }
    if (!frameCrcOk(buf, p, len)) {
      const reason = `record ${expect} fails its CRC check`;
      return done(p, lengthLostAtSectorEdge(buf, p, expect) ? endOfDataOrBad(buf, o, p, expect, reason) : badData(buf, o, p, expect, reason));
    }
    if (seq !== expect) return done(p, badData(buf, o, p, expect, `record ${expect} holds sequence ${seq}`));
    if (seq >= fromSeq && onRecord !== undefined) {
      const start = p + FRAME_HEADER_BYTES;
      onRecord({ seq: BigInt(seq), payload: bytes.subarray(start, start + len) }, file, p);
      delivered++;
    }
    p += FRAME_HEADER_BYTES + len;
    expect++;
  }
  return done(p, undefined);

  function done(end: number, torn: TornTail | undefined): SegmentScan {
    return { end, headerPresent: true, nextSeq: expect, records: expect - o.firstSeq, delivered, torn };
  }
}

/**
 * Data that is not a valid next record at `at`. In the last segment with no valid record after
 * it, that is a torn tail (a write the crash cut short, never acknowledged); anywhere else, or
 * with a valid record behind it, skipping it would lose acknowledged records: corruption.
 * (Zeros at `at` followed by a valid record are the one exception: endOfDataOrBad.)
 */
function badData(buf: Buffer, o: ScanOptions, at: number, expect: number, reason: string): TornTail {
  const after = findValidRecord(buf, at + 1, expect);
  if (after !== undefined) {
    throw new JournalCorruptionError(
      o.file,
      at,
      BigInt(expect),
      `${reason}; records after it exist (record ${after.seq} at offset ${after.offset}), refusing to skip`,
    );
  }
  if (!o.isLast) {
    throw new JournalCorruptionError(o.file, at, BigInt(expect), `${reason}; this is not the last segment, refusing to skip`);
  }
  // A snapshot covers it, and a snapshot is written only once its records are durable: no
  // crash tears such a record, so this is damage (as a hole there is, endOfDataOrBad).
  if (expect <= o.durableThrough) {
    // Named by its file: it is the newest snapshot file, which need not be the one restored
    // (a damaged newer one is passed over, but its name still proves its records durable).
    throw new JournalCorruptionError(
      o.file,
      at,
      BigInt(expect),
      `${reason}; ${snapshotFileName(BigInt(o.durableThrough))} covers records up to ${o.durableThrough}, which were durable before it was written: damage, not a torn tail`,
    );
  }
  return { file: o.file, offset: at, expectedSequence: BigInt(expect), reason, zeroFillUntil: endOfNonZero(buf, at) };
}

/**
 * Bytes never written read back as zeros: segments are preallocated zero-filled. A disk
 * writes whole sectors, the kernel writes back whole pages (multiples of a sector), and copy
 * programs read a file in chunks of whole sectors (cp: 128 KiB), so a run of bytes that a
 * crash or a copy missed ends on a sector boundary.
 */
const SECTOR_BYTES = 512;

/**
 * Zeros at `at`, where the next record's frame (or the segment header) must start, with
 * non-zero data somewhere after them. In the newest segment, when the zeros are a hole (see
 * isHole), that is where the durable data ends: a torn tail, whatever follows the hole.
 *
 * Why nothing after a hole can have been acknowledged (and why a frame that opens a later
 * write after it means damage): records are written in sequence
 * order, each batch at the offset where the previous one ended, and an answer goes out only
 * after the fdatasync that covers its whole batch and every batch before it (one write
 * pipeline, one fdatasync after another, the old segment's tail durable before a newer
 * segment is renamed into place). A record past the hole was written after the bytes of the
 * hole were; the fdatasync that would have made it durable would have made the hole's bytes
 * durable too, and they are not there. So the hole and everything after it belong to writes
 * whose sync never completed: pages the kernel flushed out of order before a power loss, or,
 * in a copy of a live segment, data written after the copy had read the part holding the hole.
 *
 * Only the newest segment: a rollover makes the old segment's tail durable before the new
 * segment appears, so a hole in an older segment is damage, refused like any other.
 * zeroFillUntil covers everything after the hole up to the last non-zero byte: the journal
 * zero-fills it (and fdatasyncs) on reopening, before its first append, so a stale record
 * behind the hole can never reappear after the new ones.
 */
function endOfDataOrBad(buf: Buffer, o: ScanOptions, at: number, expect: number, reason: string): TornTail {
  const dataAt = firstNonZero(buf, at);
  // A write's first frame whose length reached the disk only in its top byte (the write began
  // 1 to 3 bytes before a sector the crash kept unwritten) reads as the mark alone: a length
  // of 0 with COMMIT_START, where format 1 read 0. The run of unwritten bytes is then judged
  // past the length field, as format 1 judged it (found by review: the mark made recovery
  // refuse that crash, which format 1 cut as a torn tail).
  // The same for a longer first frame, whose length's surviving high bytes are more than the
  // mark (found by review, session 41: a first frame of 256 bytes or more made that crash refused).
  const markOnly = dataAt >= 0 && at + LENGTH_FIELD_BYTES <= buf.length && (buf.readUInt32LE(at) === COMMIT_START || lengthLostAtSectorEdge(buf, at, expect));
  const runEnd = markOnly ? firstNonZero(buf, at + LENGTH_FIELD_BYTES) : dataAt;
  // Records up to durableThrough are covered by a snapshot, written only once they were
  // durable: zeros where one of them should be are damage, not a write that never completed.
  if (!o.isLast || expect <= o.durableThrough || dataAt < 0 || runEnd < 0 || !isHole(at, runEnd)) return badData(buf, o, at, expect, reason);
  // Only the write that left the hole can have frames after it: the next write starts after
  // its fdatasync, which would have made the hole's bytes durable. A frame that opens a write
  // after the hole means zeros replaced records that were durable (a sector lost where a
  // record began): damage (found by review, session 40: one in 512 record boundaries falls on
  // a sector boundary, where a whole lost sector looked exactly like a hole).
  const laterWrite = laterWriteAfter(buf, at + 1, expect);
  if (laterWrite !== undefined) {
    return badData(buf, o, at, expect, `${reason}: zeros where a record should start, but record ${laterWrite.seq} at offset ${laterWrite.offset} opens a later write than the one they would belong to, so records that were durable were lost there`);
  }
  const zeroFillUntil = endOfNonZero(buf, at);
  const after = findValidRecord(buf, at + 1, expect);
  const dropped = after === undefined ? "" : `, holding record ${after.seq} at offset ${after.offset}`;
  return {
    file: o.file,
    offset: at,
    expectedSequence: BigInt(expect),
    reason: `${reason}: bytes ${at}..${dataAt - 1} were never written (a hole), so the data after them (up to offset ${zeroFillUntil}${dropped}) was never made durable`,
    zeroFillUntil,
  };
}

/**
 * Zeros over [at, dataAt) are a hole — never written — rather than damage when they
 * (1) cover at least a frame's length field: no written frame has a length of 0 (the
 * journal refuses empty records; its sequence is ≥ 1 too), nor is a written segment header
 * zeros (its magic), while a shorter run could be the leading bytes of a written frame (a
 * length of 256 or of 65 536); and (2) reach a sector boundary, as every run of unwritten
 * bytes does. (2) keeps refusing damage that zeroed a frame header in the middle of
 * acknowledged records: a disk damages whole sectors, and a run shorter than a sector that
 * ends on a boundary leaves the bytes before `at` in its sector intact (the record before
 * checked out). (Found by review: (1) asked for 16 bytes, and a batch that began 4 to 15
 * bytes before a page the crash kept unwritten made recovery refuse the directory.) A whole
 * sector lost where a record began on a sector boundary passes both; endOfDataOrBad tells it
 * apart by the later write's frames after it (laterWriteAfter).
 */
function isHole(at: number, dataAt: number): boolean {
  return dataAt - at >= LENGTH_FIELD_BYTES && Math.floor(dataAt / SECTOR_BYTES) * SECTOR_BYTES > at;
}

/**
 * A write's first frame (its mark survived, in the length's top byte) whose length lost its
 * low 1 to 3 bytes to zeros that run from `at` to a sector boundary inside the length field:
 * the write began just before a sector the crash kept unwritten, and the rest of the frame,
 * past the boundary, reached the disk. Zeros there prove nothing alone: an intact length that
 * is a multiple of 256 (or 65 536) has them too, and then a CRC failure is damage in the
 * payload (found by review of the first version of this rule: a lost sector inside such a
 * record cut it and the acknowledged records of its write as a torn tail). So the frame must
 * check out whole with the length the next record of the write gives (its offset), a length
 * that agrees with the surviving high bytes: then only the low bytes were missing.
 */
function lengthLostAtSectorEdge(buf: Buffer, at: number, expect: number): boolean {
  const edge = Math.ceil((at + 1) / SECTOR_BYTES) * SECTOR_BYTES;
  const lostBytes = edge - at;
  if (lostBytes >= LENGTH_FIELD_BYTES || at + FRAME_HEADER_BYTES > buf.length || !isZero(buf, at, edge) || !startsCommit(buf, at)) return false;
  const next = findValidRecord(buf, at + FRAME_HEADER_BYTES, expect + 1);
  if (next === undefined || next.seq !== expect + 1) return false;
  const length = next.offset - at - FRAME_HEADER_BYTES;
  if (length <= 0 || (length ^ frameLength(buf, at)) >>> (8 * lostBytes) !== 0) return false;
  // The true length's low bytes are not zero: the zeros there were never written (damage
  // would have taken the whole sector, with the record before it), so the write never
  // completed, whatever else of it is missing (another of its pages lost: found by review).
  // They are zero: the length may be intact, and only a frame that checks out tells.
  return (length & ((1 << (8 * lostBytes)) - 1)) !== 0 || frameCrcOk(buf, at, length);
}

/** The first valid frame at or after `from` that opens a write (COMMIT_START), following the valid frames from one to the next. */
function laterWriteAfter(buf: Buffer, from: number, minSeq: number): { offset: number; seq: number } | undefined {
  for (let q = from; ; ) {
    const found = findValidRecord(buf, q, minSeq);
    if (found === undefined) return undefined;
    if (startsCommit(buf, found.offset)) return found;
    q = found.offset + FRAME_HEADER_BYTES + frameLength(buf, found.offset);
    minSeq = found.seq + 1;
  }
}

/** A frame header starts with its payload's length, a u32. */
const LENGTH_FIELD_BYTES = 4;

/**
 * A frame at or after `from` that checks out: fits the file, CRC matches, and its seq is
 * plausible (not below the expected one, not absurdly far past it, which keeps the odds of
 * random garbage passing negligible). Zero runs are skipped with memcmp, so this stays cheap
 * over a mostly preallocated segment.
 */
export function findValidRecord(buf: Buffer, from: number, minSeq: number): { offset: number; seq: number } | undefined {
  const n = buf.length;
  const maxSeq = minSeq + 2 ** 32;
  let q = from;
  while (q + FRAME_HEADER_BYTES <= n) {
    const len = frameLength(buf, q);
    if (buf.readUInt32LE(q) === 0 && buf.readUInt32LE(q + 4) === 0 && buf.readUInt32LE(q + 8) === 0 && buf.readUInt32LE(q + 12) === 0) {
      const z = firstNonZero(buf, q + FRAME_HEADER_BYTES);
      if (z < 0) return undefined;
      // A frame whose first non-zero byte is at z may start up to 15 bytes earlier.
      q = Math.max(q + 1, z - (FRAME_HEADER_BYTES - 1));
      continue;
    }
    if (len <= n - q - FRAME_HEADER_BYTES) {
      const seq = frameSeq(buf, q);
      if (seq >= minSeq && seq <= maxSeq && frameCrcOk(buf, q, len)) return { offset: q, seq };
    }
    q++;
  }
  return undefined;
}
