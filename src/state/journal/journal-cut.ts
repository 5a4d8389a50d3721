// The operator's way past a damaged journal when no backup is at hand: recovery refuses to
// skip damage that is not a torn tail, because records after it may have been acknowledged.
// `cutJournal` ends the journal just before the damage, on purpose and on the operator's
// word: they must name the last record they keep, which must be the record before the
// damage. Nothing is deleted: the cut bytes and files are moved into a `cut-…` directory
// beside the journal, with a manifest saying what was cut, why, and how to put it back.
import * as fs from "node:fs";
import * as path from "node:path";
import { lockDataDir } from "./data-dir-lock.js";
import { JournalCorruptionError, JournalFormatError } from "./journal-corruption-error.js";
import { checkSegmentHeader, endOfNonZero, parseSegmentFileName } from "./segment-format.js";
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE, fsyncDirSync, listSegments, listSnapshotFiles, writeWholeSync, writeZerosSync } from "./journal-files.js";
import { JournalEndsShortError, readJournal } from "./journal-reader.js";
import { findValidRecord } from "./segment-scan.js";
import { durableCover, readLatestSnapshot } from "./snapshot-files.js";

/** The cut was not made: nothing in the directory was changed. */
export class JournalCutRefusedError extends Error {
  override name = "JournalCutRefusedError";
}

export interface JournalCutReport {
  readonly dataDir: string;
  /** Where the cut bytes and files went. */
  readonly cutDir: string;
  /** The damage recovery refused to skip (the reader's message). */
  readonly damage: string;
  /** The last record the journal keeps; recovery resumes after it. */
  readonly keptThrough: bigint;
  /** The damaged segment: its bytes from `offset` on were moved (the whole file at offset 0, as `FILE.from-0`). */
  readonly file: string;
  readonly offset: number;
  readonly movedBytes: number;
  /** Later segments and snapshots past the cut, moved whole. */
  readonly movedFiles: readonly string[];
  /** The journal's last record as recovery now reads it. */
  readonly lastSequence: bigint;
}

export { CUT_MANIFEST } from "./cut-tail.js";
import { CUT_MANIFEST } from "./cut-tail.js";

/**
 * Cuts the journal in `dataDir` just before the damage recovery refuses, keeping records up to
 * `keepThrough` (which must be the record before the damage). Takes the directory's lock, so a
 * running sidecar is never cut under. `now` names the cut directory.
 */
export function cutJournal(dataDir: string, keepThrough: bigint, now: Date): JournalCutReport {
  const dir = path.resolve(dataDir);
  const release = lockDataDir(dir);
  try {
    return cut(dir, keepThrough, now);
  } finally {
    release();
  }
}

function cut(dir: string, keepThrough: bigint, now: Date): JournalCutReport {
  // Read as recovery reads it: from the newest snapshot that checks out, with every record up
  // to the newest snapshot file (valid or not: durableCover) known durable. Found by review
  // (session 30): read with only the valid snapshot's cover, a bad last record under a damaged
  // newer snapshot was a torn tail here ("nothing to cut") while recovery refused it.
  const snapshotSeq = readLatestSnapshot(dir)?.seq ?? 0n;
  const cover = durableCover(dir);
  const damage = findDamage(dir, snapshotSeq, cover);
  if (damage === undefined) {
    const last = readJournal(dir, { fromSequence: snapshotSeq + 1n, durableThrough: cover }).lastSequence;
    throw new JournalCutRefusedError(`nothing to cut: the journal reads back whole (last record ${last > snapshotSeq ? last : snapshotSeq})`);
  }
  if (damage instanceof JournalFormatError) {
    throw new JournalCutRefusedError(`${damage.message}; that is not damage, so nothing is cut`);
  }
  const lastIntact = damage.expectedSequence - 1n;
  if (keepThrough !== lastIntact) {
    throw new JournalCutRefusedError(`${damage.message}; the cut keeps records up to ${lastIntact}: name that record to confirm (got ${keepThrough})`);
  }
  // A journal that ends before the newest snapshot file's records (a lost newest segment, a
  // tail zeroed to the end): no byte is past the cut, only that damaged snapshot file (and any
  // other past it), whose name says the missing records were durable. It moves out, and the
  // sidecar starts from the older snapshot with the journal as it is, the records lost.
  const endsShort = damage instanceof JournalEndsShortError;
  const segments = listSegments(dir);
  const at = endsShort ? segments.length : segments.findIndex((s) => s.file === damage.file);
  if (at < 0) throw new Error(`the damaged segment ${damage.file} is not in ${dir}`);
  if (snapshotSeq > lastIntact && !endsShort) {
    // The snapshot covers the damaged record. The cut drops nothing it does not hold unless a
    // record after the snapshot sits behind the damage (then only the journal holds it).
    const behind = recordAfter(dir, segments.slice(at).map((s) => s.file), damage.offset + 1, snapshotSeq + 1n);
    if (behind !== undefined) {
      throw new JournalCutRefusedError(
        `${damage.message}; the newest valid snapshot covers records up to ${snapshotSeq}, past the damage, so a cut would drop record ${behind} and any after it, which only the journal holds; restore the directory from a backup`,
      );
    }
  }
  // Snapshots past the cut cannot check out (the newest valid one is at or before it), except
  // one that covers the damage: it stays, recovery restores it and the journal resumes after it.
  // A damaged one past the cut moves out too: its name would still say its records were durable.
  const keptSnapshots = snapshotSeq > lastIntact ? snapshotSeq : lastIntact;
  const laterFiles = [
    ...segments.slice(at + 1).map((s) => s.file),
    ...listSnapshotFiles(dir)
      .filter((s) => s.seq > keptSnapshots)
      .map((s) => s.file),
  ];
  const wholeFile = damage.offset === 0 && !endsShort;
  const damagedPath = path.join(dir, damage.file);
  const cutDir = path.join(dir, `cut-${damage.expectedSequence}-${now.toISOString().replace(/[-:]|\.\d+/g, "")}`);
  if (fs.existsSync(cutDir)) throw new JournalCutRefusedError(`${cutDir} exists already`);
  fs.mkdirSync(cutDir, { mode: PRIVATE_DIR_MODE });

  // 1. A durable copy of the damaged segment's tail (trailing zeros left out), and the manifest.
  const buf = endsShort ? Buffer.alloc(0) : fs.readFileSync(damagedPath);
  const tailEnd = endsShort ? damage.offset : wholeFile ? buf.length : endOfNonZero(buf, damage.offset);
  const tailName = `${damage.file}.from-${damage.offset}`;
  const withTail = !wholeFile && !endsShort;
  if (withTail) writeDurably(path.join(cutDir, tailName), buf.subarray(damage.offset, tailEnd));
  // Damage at a segment's start (its header): the whole file is the tail, moved under the
  // tail's name, so that `journal inspect` of the cut directory lists the records behind the
  // damage from it; under its own name it was read as a segment and refused at the same header
  // (found by review). A whole segment that is intact (after a missing one) moves as itself.
  const headerDamaged = wholeFile && checkSegmentHeader(buf, parseSegmentFileName(damage.file) ?? 0n) !== "valid";
  const moved = wholeFile && !headerDamaged ? [damage.file, ...laterFiles] : laterFiles;
  const manifest = {
    damage: damage.message,
    keptThrough: String(lastIntact),
    cutAt: now.toISOString(),
    file: damage.file,
    offset: damage.offset,
    tail: withTail || headerDamaged ? { file: tailName, bytes: tailEnd - damage.offset } : null,
    movedFiles: moved,
    // Only while nothing was appended after the cut: a sidecar started since writes its records
    // where the cut zeroed (and in new files), and putting the cut back overwrites them, records
    // it acknowledged (found by review: the undo read as valid at any time).
    undo: endsShort
      ? `only if no sidecar has started on this directory since the cut (it numbered its records from ${lastIntact + 1n} on, which the moved snapshot file says it covers): move every file in this directory but ${CUT_MANIFEST} back`
      : headerDamaged
        ? `only if no sidecar has started on this directory since the cut (its records since would be lost): mv ${tailName} ../${damage.file}; move the other files but ${CUT_MANIFEST} back`
        : wholeFile
          ? `only if no sidecar has started on this directory since the cut (its records since would be lost): move every file in this directory but ${CUT_MANIFEST} back`
          : `only if no sidecar has started on this directory since the cut (its records since would be overwritten): dd if=${tailName} of=../${damage.file} bs=1M seek=${damage.offset} oflag=seek_bytes conv=notrunc,fsync; move the other files back`,
  };
  writeDurably(path.join(cutDir, CUT_MANIFEST), Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`));
  fsyncDirSync(cutDir);
  fsyncDirSync(dir);

  // 2. Files past the cut move out whole: after this the damaged segment is the newest (or,
  // moved itself as the tail, the one before it is).
  if (headerDamaged) fs.renameSync(damagedPath, path.join(cutDir, tailName));
  for (const file of moved) fs.renameSync(path.join(dir, file), path.join(cutDir, file));
  fsyncDirSync(cutDir);
  fsyncDirSync(dir);

  // 3. The damaged segment ends where the damage began: zeros from there on read as its end.
  if (withTail) {
    const fd = fs.openSync(damagedPath, "r+");
    try {
      writeZerosSync(fd, damage.offset, tailEnd);
      fs.fdatasyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }

  const read = readJournal(dir, { fromSequence: snapshotSeq + 1n, durableThrough: durableCover(dir) });
  return {
    dataDir: dir,
    cutDir,
    damage: damage.message,
    keptThrough: lastIntact,
    file: damage.file,
    offset: damage.offset,
    movedBytes: tailEnd - damage.offset,
    movedFiles: moved,
    lastSequence: read.lastSequence > snapshotSeq ? read.lastSequence : snapshotSeq,
  };
}

/** The damage recovery would refuse, if any (a torn tail is not damage: recovery handles it). */
function findDamage(dir: string, snapshotSeq: bigint, durableThrough: bigint): JournalCorruptionError | undefined {
  try {
    readJournal(dir, { fromSequence: snapshotSeq + 1n, durableThrough });
    return undefined;
  } catch (e) {
    if (e instanceof JournalCorruptionError) return e;
    throw e;
  }
}

/** A record numbered `from` or later that checks out in `files` (the first from `offset` on), if any. */
function recordAfter(dir: string, files: readonly string[], offset: number, from: bigint): bigint | undefined {
  for (const [i, file] of files.entries()) {
    const found = findValidRecord(fs.readFileSync(path.join(dir, file)), i === 0 ? offset : 0, Number(from));
    if (found !== undefined) return BigInt(found.seq);
  }
  return undefined;
}

/** Writes `bytes` whole (a short write is continued, never taken as done) and fsyncs. */
function writeDurably(file: string, bytes: Uint8Array): void {
  const fd = fs.openSync(file, "wx", PRIVATE_FILE_MODE);
  try {
    writeWholeSync(fd, bytes);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
