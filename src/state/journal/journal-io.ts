// The few file operations the commit pipeline performs, behind an interface so tests can hold
// an fdatasync open (to observe what waits on it) or make a write or fsync fail.
import * as fs from "node:fs";

export interface JournalIo {
  /** Positional write into the page cache; returns bytes written. */
  writeSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): number;
  /** Makes a segment's data durable; runs on the libuv pool so the event loop keeps accumulating the next batch. */
  fdatasync(fd: number, callback: (err: NodeJS.ErrnoException | null) => void): void;
  /** The same on the event loop: for a small batch with nothing else to do, no thread-pool round trip. */
  fdatasyncSync(fd: number): void;
  /** fsync of the directory after a segment is renamed into place. */
  fsync(fd: number, callback: (err: NodeJS.ErrnoException | null) => void): void;
}

export const nodeJournalIo: JournalIo = {
  writeSync: (fd, buffer, offset, length, position) => fs.writeSync(fd, buffer, offset, length, position),
  fdatasync: (fd, callback) => fs.fdatasync(fd, callback),
  fdatasyncSync: (fd) => fs.fdatasyncSync(fd),
  fsync: (fd, callback) => fs.fsync(fd, callback),
};
