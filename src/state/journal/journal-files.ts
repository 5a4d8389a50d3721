// File-system chores shared by the journal and the snapshot store: listing segments and
// snapshots, durable directory creation, directory fsync, zero-filled file creation.
import * as fs from "node:fs";
import * as path from "node:path";
import { parseSegmentFileName, parseSnapshotFileName } from "./segment-format.js";

export interface SegmentFile {
  readonly file: string;
  readonly firstSequence: bigint;
}

export interface SnapshotFileName {
  readonly file: string;
  readonly seq: bigint;
}

/** Names in `dataDir`, or none when it does not exist (a journal that was never started). */
export function readDirNames(dataDir: string): string[] {
  try {
    return fs.readdirSync(dataDir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw e;
  }
}

/** Segment files sorted by first sequence. */
export function listSegments(dataDir: string, names = readDirNames(dataDir)): SegmentFile[] {
  const out: SegmentFile[] = [];
  for (const file of names) {
    const firstSequence = parseSegmentFileName(file);
    if (firstSequence !== undefined) out.push({ file, firstSequence });
  }
  return out.sort((a, b) => (a.firstSequence < b.firstSequence ? -1 : a.firstSequence > b.firstSequence ? 1 : 0));
}

/** Snapshot files (complete names only, not `.tmp`), newest first. Their content is not checked here. */
export function listSnapshotFiles(dataDir: string, names = readDirNames(dataDir)): SnapshotFileName[] {
  const out: SnapshotFileName[] = [];
  for (const file of names) {
    const seq = parseSnapshotFileName(file);
    if (seq !== undefined) out.push({ file, seq });
  }
  return out.sort((a, b) => (a.seq > b.seq ? -1 : a.seq < b.seq ? 1 : 0));
}

/** Makes a new, renamed or deleted directory entry durable: fsync the directory itself. */
export function fsyncDirSync(dir: string): void {
  const fd = fs.openSync(dir, "r");
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

export function fsyncDir(dir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    fs.open(dir, "r", (err, fd) => {
      if (err) return reject(err);
      fs.fsync(fd, (syncErr) => fs.close(fd, () => (syncErr ? reject(syncErr) : resolve())));
    });
  });
}

/**
 * Modes of what the sidecar creates in its data directory: the journal and snapshots hold every
 * account's balances, positions, blocks and the audit trail, so only the sidecar's own user may
 * read them (found by review: under the usual umask 022 they were world-readable). A directory
 * that already exists keeps its mode (docs/security.md).
 */
export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** mkdir -p (owner-only), then fsync the parent of every directory it created so the new entries survive a crash. */
export function ensureDirDurable(dir: string): void {
  const abs = path.resolve(dir);
  const first = fs.mkdirSync(abs, { recursive: true, mode: PRIVATE_DIR_MODE });
  if (first === undefined) return;
  for (let d = abs; ; d = path.dirname(d)) {
    fsyncDirSync(path.dirname(d));
    if (d === path.resolve(first)) break;
  }
}

/** Shared source of zeros for preallocation; only ever read. */
export const ZEROS = Buffer.alloc(1024 * 1024);

/**
 * Writes zeros over [from, to) of an open file, synchronously. Real writes rather than
 * ftruncate: the blocks get allocated now, so later fdatasyncs only flush data, not metadata.
 */
export function writeZerosSync(fd: number, from: number, to: number): void {
  for (let p = from; p < to; ) {
    const n = fs.writeSync(fd, ZEROS, 0, Math.min(ZEROS.length, to - p), p);
    if (n <= 0) throw new Error(`short write while zero-filling at offset ${p}`);
    p += n;
  }
}

/**
 * Writes every byte of `bytes` at `position`, synchronously. A full disk or a file-size limit
 * makes a write return short without an error: the rest is written again, and a write that
 * makes no progress at all is the error (snapshot-files.ts' writeWhole does the same, async).
 */
export function writeWholeSync(fd: number, bytes: Uint8Array, position = 0): void {
  for (let done = 0; done < bytes.length; ) {
    const n = fs.writeSync(fd, bytes, done, bytes.length - done, position + done);
    if (n <= 0) throw new Error(`write made no progress at byte ${position + done} (disk full?)`);
    done += n;
  }
}

/** Creates (or truncates) `file` as `size` zero bytes, `head` written at offset 0; returns the open fd (read/write). */
export function createZeroedFileSync(file: string, size: number, head?: Uint8Array): number {
  const fd = fs.openSync(file, "w+", PRIVATE_FILE_MODE);
  try {
    fs.fchmodSync(fd, PRIVATE_FILE_MODE); // an existing file keeps its mode through the open
    writeZerosSync(fd, 0, size);
    if (head !== undefined && head.length > 0) writeWholeSync(fd, head, 0);
    return fd;
  } catch (e) {
    fs.closeSync(fd);
    // Not left behind half made: on a full disk a rollover that keeps failing would
    // otherwise leave one such file per attempt, each taking what space had come free.
    fs.rmSync(file, { force: true });
    throw e;
  }
}
