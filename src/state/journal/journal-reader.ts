// Recovery-side reader: replays the records of a journal directory in order across segments,
// checks sequence continuity, and reports where the valid data ends (and any torn tail).
import * as fs from "node:fs";
import * as path from "node:path";
import { JournalCorruptionError } from "./journal-corruption-error.js";
import { listSegments } from "./journal-files.js";
import { FRAME_HEADER_BYTES, MAX_PAYLOAD_BYTES, MAX_SEQUENCE, SEGMENT_HEADER_BYTES, snapshotFileName } from "./segment-format.js";
import { scanSegment, type RecordCallback, type TornTail } from "./segment-scan.js";

/** segmentBytes is capped at 1 GiB; a segment holding one record larger than that is sized to it. */
const MAX_SEGMENT_FILE_BYTES = Math.max(2 ** 30, SEGMENT_HEADER_BYTES + FRAME_HEADER_BYTES + MAX_PAYLOAD_BYTES);

export type { RecordCallback, TornTail } from "./segment-scan.js";

export interface ReadJournalOptions {
  /** First sequence wanted (default 1): records before it are covered by a snapshot and not handed out. */
  readonly fromSequence?: bigint;
  /**
   * Called for every record with seq ≥ fromSequence, in order. `payload` is a view into the
   * segment buffer: copy it to keep it past the callback without pinning the whole segment.
   */
  readonly onRecord?: RecordCallback;
  /**
   * The last record known durable (the newest snapshot file's sequence, valid or not:
   * durableCover; default 0): zeros or a bad record where a record up to it should be are
   * corruption, never a torn tail (segment-scan.ts), and so is a journal that ends before it
   * (JournalEndsShortError) unless a valid snapshot holds the records missing there
   * (fromSequence, coveredThrough). Recovery, the journal CLI and the cut all read with it,
   * so they agree on what is damage.
   */
  readonly durableThrough?: bigint;
  /**
   * The directory holds only part of a journal (a cut-… directory: the records before its
   * segments stayed, those in its tail file are not read as a segment): it may end before
   * durableThrough. Default false.
   */
  readonly partial?: boolean;
  /**
   * The sequence a valid snapshot covers (default 0): a gap between segments whose missing
   * records are all at or below it is not an error. Recovery, reading from after that
   * snapshot, never needs them (a cut the snapshot covers leaves such a gap); the journal CLI
   * reads from the oldest segment with it, so it accepts what recovery accepts.
   */
  readonly coveredThrough?: bigint;
}

export interface SegmentInfo {
  readonly file: string;
  readonly firstSequence: bigint;
  /** File size in bytes. */
  readonly bytes: number;
  /** undefined when the segment was not read (all its records precede fromSequence). */
  readonly records: number | undefined;
  readonly lastSequence: bigint | undefined;
}

/** Where appending resumes: the newest segment, just past its last valid record. */
export interface JournalEnd {
  readonly file: string;
  readonly firstSequence: bigint;
  readonly offset: number;
  /** false when the segment header is blank or torn: the first write there must rewrite it. */
  readonly headerPresent: boolean;
  readonly fileBytes: number;
  /** The last valid record of the journal (firstSequence - 1 when the segment holds none). */
  readonly lastSequence: bigint;
  /** [offset, zeroFillUntil) holds leftovers of a torn write and must be zeroed before appending. */
  readonly zeroFillUntil: number;
}

export interface JournalReadResult {
  readonly dataDir: string;
  readonly fromSequence: bigint;
  /** Records handed to onRecord. */
  readonly records: number;
  /** Last valid record in the journal, 0 for an empty one. */
  readonly lastSequence: bigint;
  readonly segments: readonly SegmentInfo[];
  /** undefined when there is no segment at all. */
  readonly end: JournalEnd | undefined;
  readonly tornTail: TornTail | undefined;
}

/**
 * Reads whole segments (one read each) and walks them in memory. Segments whose successor
 * starts at or before fromSequence hold only records a snapshot covers and are not read at
 * all, so opening for append (fromSequence = max) only reads the newest segment.
 * Throws JournalCorruptionError for anything but a torn tail of the newest segment.
 */
export function readJournal(dataDir: string, options: ReadJournalOptions = {}): JournalReadResult {
  const asked = options.fromSequence ?? 1n;
  const fromSequence = asked < 1n ? 1n : asked; // sequences start at 1
  const from = fromSequence > MAX_SEQUENCE ? Number.POSITIVE_INFINITY : Number(fromSequence);
  const durableThrough = Number(options.durableThrough ?? 0n);
  const covered = options.coveredThrough ?? 0n;
  const files = listSegments(dataDir);
  const segments: SegmentInfo[] = [];
  let records = 0;
  let prevNext: number | undefined; // the seq the previous segment expects next, when it was read
  let prevFile = "";
  let end: JournalEnd | undefined;
  let tornTail: TornTail | undefined;

  for (let i = 0; i < files.length; i++) {
    const { file, firstSequence } = files[i]!;
    if (firstSequence > MAX_SEQUENCE || firstSequence < 1n) {
      throw new JournalCorruptionError(file, 0, firstSequence, `segment first sequence ${firstSequence} is out of range`);
    }
    const first = Number(firstSequence);
    if (i === 0 && first > from) {
      throw new JournalCorruptionError(
        file,
        0,
        fromSequence,
        `the journal starts at record ${first} but records from ${from} are needed (records ${from}..${first - 1} are missing)`,
      );
    }
    if (prevNext !== undefined && first < prevNext) {
      throw new JournalCorruptionError(
        file,
        0,
        BigInt(prevNext),
        `segment starts at record ${first} but ${prevFile} already holds records up to ${prevNext - 1}`,
      );
    }
    if (prevNext !== undefined && first > prevNext && first > from && firstSequence - 1n > covered) {
      throw new JournalCorruptionError(
        file,
        0,
        BigInt(prevNext),
        `records ${prevNext}..${first - 1} are missing: ${prevFile} ends at record ${prevNext - 1} and this segment starts at ${first}`,
      );
    }
    const isLast = i === files.length - 1;
    const full = path.join(dataDir, file);
    if (!isLast && files[i + 1]!.firstSequence <= fromSequence) {
      segments.push({ file, firstSequence, bytes: fs.statSync(full).size, records: undefined, lastSequence: undefined });
      prevNext = undefined;
      continue;
    }
    // No segment this journal writes exceeds a 1 GiB record plus its headers; a larger file is
    // damage (and past Node's 2 GiB readFileSync limit it would surface as an unknown crash).
    const size = fs.statSync(full).size;
    if (size > MAX_SEGMENT_FILE_BYTES) {
      throw new JournalCorruptionError(file, 0, firstSequence, `segment is ${size} bytes, larger than any segment the journal writes (${MAX_SEGMENT_FILE_BYTES})`);
    }
    const buf = fs.readFileSync(full);
    const scan = scanSegment(buf, { file, firstSeq: first, fromSeq: from, isLast, durableThrough, onRecord: options.onRecord });
    records += scan.delivered;
    const last = BigInt(scan.nextSeq - 1);
    segments.push({ file, firstSequence, bytes: buf.length, records: scan.records, lastSequence: scan.records > 0 ? last : undefined });
    prevNext = scan.nextSeq;
    prevFile = file;
    if (isLast) {
      tornTail = scan.torn;
      end = {
        file,
        firstSequence,
        offset: scan.end,
        headerPresent: scan.headerPresent,
        fileBytes: buf.length,
        lastSequence: last,
        zeroFillUntil: scan.torn?.zeroFillUntil ?? scan.end,
      };
    }
  }
  const lastSequence = end?.lastSequence ?? 0n;
  // The journal ends cleanly (a torn tail below durableThrough threw in the scan) before
  // records the newest snapshot file covers: they were durable before that file was written,
  // and a start would append new records under their numbers. Unless a valid snapshot holds
  // them (recovery reads from after it; the CLI says how far one covers) or this is a part.
  const needed = lastSequence > fromSequence - 1n ? lastSequence : fromSequence - 1n;
  const cover = options.durableThrough ?? 0n;
  if (!options.partial && cover > (needed > covered ? needed : covered)) {
    throw new JournalEndsShortError(end, lastSequence, cover);
  }
  return { dataDir, fromSequence, records, lastSequence, segments, end, tornTail };
}

/**
 * The journal ends (cleanly) at `lastSequence`, below `cover`, the newest snapshot file's
 * sequence: records lastSequence+1..cover are missing (a lost newest segment, a tail zeroed to
 * the end of the file) while that file proves them durable. Named by the newest segment and
 * the offset where its data ends (the snapshot file when no segment is left); the damage a
 * cut ends the journal at, keeping lastSequence (journal-cut.ts).
 */
export class JournalEndsShortError extends JournalCorruptionError {
  override name = "JournalEndsShortError";
  constructor(
    readonly end: JournalEnd | undefined,
    readonly lastSequence: bigint,
    readonly cover: bigint,
  ) {
    super(
      end?.file ?? snapshotFileName(cover),
      end?.offset ?? 0,
      lastSequence + 1n,
      `the journal ends at record ${lastSequence}, but ${snapshotFileName(cover)} covers records up to ${cover}, which were durable before it was written: records ${lastSequence + 1n}..${cover} are missing`,
    );
  }
}
