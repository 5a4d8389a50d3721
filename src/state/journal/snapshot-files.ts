// Snapshot files next to the journal: written atomically (tmp, fsync, rename, fsync dir), read
// back newest-valid-first, and used to prune the journal segments and snapshots they supersede.
import * as fs from "node:fs";
import * as fsp from "node:fs/promises";
import * as path from "node:path";
import { crc32 } from "node:zlib";
import { PRIVATE_FILE_MODE, ensureDirDurable, fsyncDir, listSegments, listSnapshotFiles, readDirNames } from "./journal-files.js";
import { snapshotFileName } from "./segment-format.js";

/** Header: magic "OPSN", u32 version, u64 seq, u64 data length, u32 crc32(data), u32 crc32(header bytes 0..27). */
const MAGIC = 0x4e53504f;
const VERSION = 1;
export const SNAPSHOT_HEADER_BYTES = 32;
const TMP_NAME = /^snapshot-(\d{20})\.snap\.tmp$/;

export interface WrittenSnapshot {
  readonly file: string;
  readonly seq: bigint;
  readonly bytes: number;
}

export interface SkippedSnapshot {
  readonly file: string;
  readonly reason: string;
}

export interface LatestSnapshot {
  readonly seq: bigint;
  readonly data: Buffer;
  readonly file: string;
  /** Newer snapshot files that failed their checks and were passed over. */
  readonly skipped: readonly SkippedSnapshot[];
}

export interface SnapshotListing {
  readonly file: string;
  readonly seq: bigint;
  readonly bytes: number;
  /** undefined when the file checks out. */
  readonly invalid: string | undefined;
}

export interface PruneResult {
  readonly deletedSegments: readonly string[];
  readonly deletedSnapshots: readonly string[];
}

function encodeHeader(seq: bigint, data: Uint8Array): Buffer {
  const h = Buffer.alloc(SNAPSHOT_HEADER_BYTES);
  h.writeUInt32LE(MAGIC, 0);
  h.writeUInt32LE(VERSION, 4);
  h.writeBigUInt64LE(seq, 8);
  h.writeBigUInt64LE(BigInt(data.length), 16);
  h.writeUInt32LE(crc32(data), 24);
  h.writeUInt32LE(crc32(h.subarray(0, 28)), 28);
  return h;
}

/** Why `buf` is not a valid snapshot for `seq`, or undefined if it is. */
function checkSnapshot(buf: Buffer, seq: bigint): string | undefined {
  if (buf.length < SNAPSHOT_HEADER_BYTES) return `file is ${buf.length} bytes, shorter than the ${SNAPSHOT_HEADER_BYTES}-byte header`;
  if (buf.readUInt32LE(0) !== MAGIC) return "bad magic";
  if (crc32(buf.subarray(0, 28)) !== buf.readUInt32LE(28)) return "header fails its CRC check";
  if (buf.readUInt32LE(4) !== VERSION) return `unsupported format version ${buf.readUInt32LE(4)}`;
  const headerSeq = buf.readBigUInt64LE(8);
  if (headerSeq !== seq) return `header says sequence ${headerSeq}, file name says ${seq}`;
  const length = buf.readBigUInt64LE(16);
  if (length !== BigInt(buf.length - SNAPSHOT_HEADER_BYTES)) {
    return `header says ${length} data bytes, file holds ${buf.length - SNAPSHOT_HEADER_BYTES}`;
  }
  if (crc32(buf.subarray(SNAPSHOT_HEADER_BYTES)) !== buf.readUInt32LE(24)) return "data fails its CRC check";
  return undefined;
}

/**
 * Writes the snapshot of every record up to `seq`: `snapshot-<seq>.snap.tmp`, fsync, rename
 * to `snapshot-<seq>.snap`, fsync the directory. A crash leaves either no snapshot or a whole one.
 */
export async function writeSnapshot(dataDir: string, seq: bigint, data: Uint8Array): Promise<WrittenSnapshot> {
  ensureDirDurable(dataDir);
  const file = snapshotFileName(seq);
  const finalPath = path.join(dataDir, file);
  const tmpPath = `${finalPath}.tmp`;
  const handle = await fsp.open(tmpPath, "w", PRIVATE_FILE_MODE);
  try {
    // The mode applies only to a file the open creates: one left by a process that died
    // writing it keeps its own, and the rename would make it the snapshot (found by review).
    await handle.chmod(PRIVATE_FILE_MODE);
    try {
      await writeWhole(handle, [encodeHeader(seq, data), data]);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fsp.rename(tmpPath, finalPath);
  } catch (e) {
    // Never renamed into place (a partial snapshot must not count as one), nor left behind.
    await fsp.rm(tmpPath, { force: true }).catch(() => undefined);
    throw e;
  }
  await fsyncDir(dataDir);
  return { file, seq, bytes: SNAPSHOT_HEADER_BYTES + data.length };
}

/**
 * Writes every byte of `parts` from offset 0. A full disk or a file-size limit makes a write
 * return short without an error (Node ignores SIGXFSZ): the rest is written again, and a
 * write that makes no progress at all is the error. Ignored, a short snapshot was fsynced,
 * renamed into place and counted, and pruning by it deleted what recovery needed.
 */
async function writeWhole(handle: fsp.FileHandle, parts: readonly Uint8Array[]): Promise<void> {
  let position = 0;
  for (const part of parts) {
    let done = 0;
    while (done < part.length) {
      const { bytesWritten } = await handle.write(part, done, part.length - done, position);
      if (bytesWritten <= 0) throw new Error(`snapshot write made no progress at byte ${position} (disk full?)`);
      done += bytesWritten;
      position += bytesWritten;
    }
  }
}

/**
 * The journal sequence known durable in `dataDir`: the newest snapshot file's, valid or not.
 * A snapshot is renamed into place only after the journal made its records durable, so its
 * name proves that much even when its content is damaged (found by review: recovery fell
 * back to an older snapshot and took a hole among those records for a torn tail, dropping
 * acknowledged records; they are damage, refused). Recovery and the journal CLI read with it.
 */
export function durableCover(dataDir: string): bigint {
  return listSnapshotFiles(dataDir)[0]?.seq ?? 0n;
}

/** The newest snapshot that checks out; newer invalid ones are listed in `skipped`. undefined when none is valid. */
export function readLatestSnapshot(dataDir: string): LatestSnapshot | undefined {
  return readSnapshots(dataDir).latest;
}

/**
 * The newest snapshot that checks out (undefined when none does), and the newer snapshot files
 * that did not, passed over: every file when none checks out (found by review, session 30:
 * readLatestSnapshot dropped them then, and a start reported no skipped snapshot).
 */
export function readSnapshots(dataDir: string): { readonly latest: LatestSnapshot | undefined; readonly skipped: readonly SkippedSnapshot[] } {
  const skipped: SkippedSnapshot[] = [];
  for (const { file, seq } of listSnapshotFiles(dataDir)) {
    let buf: Buffer;
    try {
      buf = fs.readFileSync(path.join(dataDir, file));
    } catch (e) {
      skipped.push({ file, reason: `unreadable: ${(e as Error).message}` });
      continue;
    }
    const invalid = checkSnapshot(buf, seq);
    if (invalid === undefined) return { latest: { seq, data: buf.subarray(SNAPSHOT_HEADER_BYTES), file, skipped }, skipped };
    skipped.push({ file, reason: invalid });
  }
  return { latest: undefined, skipped };
}

/** Every snapshot file, newest first, each checked (reads them all: for diagnostics). */
export function listSnapshots(dataDir: string): SnapshotListing[] {
  return listSnapshotFiles(dataDir).map(({ file, seq }) => {
    try {
      const buf = fs.readFileSync(path.join(dataDir, file));
      return { file, seq, bytes: buf.length, invalid: checkSnapshot(buf, seq) };
    } catch (e) {
      return { file, seq, bytes: 0, invalid: `unreadable: ${(e as Error).message}` };
    }
  });
}

/**
 * After a snapshot at `snapshotSeq` is durable: deletes the segments whose records are all
 * covered by it (a segment goes when the next one starts at or before snapshotSeq + 1; the
 * newest segment always stays), snapshots older than it beyond the newest `keepSnapshots`,
 * and leftover temporary snapshot files older than it; then fsyncs the directory.
 */
export async function pruneAfterSnapshot(dataDir: string, snapshotSeq: bigint, keepSnapshots = 2): Promise<PruneResult> {
  if (!Number.isInteger(keepSnapshots) || keepSnapshots < 1) throw new RangeError(`keepSnapshots must be ≥ 1, got ${keepSnapshots}`);
  const names = readDirNames(dataDir);
  const segments = listSegments(dataDir, names);
  const deletedSegments: string[] = [];
  for (let i = 0; i + 1 < segments.length; i++) {
    if (segments[i + 1]!.firstSequence <= snapshotSeq + 1n) deletedSegments.push(segments[i]!.file);
  }
  const deletedSnapshots = listSnapshotFiles(dataDir, names)
    .slice(keepSnapshots)
    .filter((s) => s.seq < snapshotSeq)
    .map((s) => s.file);
  const staleTemps = names.filter((n) => {
    const m = TMP_NAME.exec(n);
    return m !== null && BigInt(m[1]!) < snapshotSeq;
  });
  const doomed = [...deletedSegments, ...deletedSnapshots, ...staleTemps];
  // Oldest first: a crash midway leaves a journal that still starts where a snapshot covers it.
  for (const file of doomed) await fsp.rm(path.join(dataDir, file), { force: true });
  if (doomed.length > 0) await fsyncDir(dataDir);
  return { deletedSegments, deletedSnapshots };
}
