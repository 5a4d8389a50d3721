// Prepares the next journal segment in the background (zero-filled, fdatasynced, under a
// temporary name) so that rolling over never stalls the event loop writing 64 MiB of zeros.
import * as fs from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { PRIVATE_FILE_MODE, ZEROS } from "./journal-files.js";

const open = promisify(fs.open);
const write = promisify(fs.write);
const fdatasync = promisify(fs.fdatasync);
const close = promisify(fs.close);
const unlink = promisify(fs.unlink);

export interface PreparedSegment {
  readonly fd: number;
  readonly tmpPath: string;
  readonly size: number;
}

export class SegmentPreparer {
  private ready: PreparedSegment | undefined;
  private running: Promise<void> | undefined;
  private closed = false;
  /** After a failed attempt, wait for the next rollover before trying again (no retry storm). */
  private backoff = false;
  private counter = 0;
  lastError: Error | undefined;

  constructor(private readonly dataDir: string) {}

  /** A fresh temporary name; prepared segments get their real name when first written. */
  tempPath(): string {
    return path.join(this.dataDir, `journal-next-${process.pid}-${++this.counter}.seg.tmp`);
  }

  get state(): "none" | "preparing" | "ready" {
    return this.ready !== undefined ? "ready" : this.running !== undefined ? "preparing" : "none";
  }

  /** Starts preparing a `size`-byte segment unless one is ready or under way. Cheap to call often. */
  ensure(size: number): void {
    if (this.ready || this.running || this.closed || this.backoff) return;
    this.running = this.prepare(size).finally(() => {
      this.running = undefined;
    });
  }

  /** Hands over the prepared segment if there is one of at least `minSize` bytes. */
  take(minSize: number): PreparedSegment | undefined {
    this.backoff = false;
    const r = this.ready;
    if (r === undefined || r.size < minSize) return undefined;
    this.ready = undefined;
    return r;
  }

  /** Waits for a preparation under way, then discards any unused prepared file. */
  async close(): Promise<void> {
    this.closed = true;
    await this.running;
    const r = this.ready;
    this.ready = undefined;
    if (r) await discard(r.fd, r.tmpPath);
  }

  private async prepare(size: number): Promise<void> {
    const tmpPath = this.tempPath();
    let fd: number | undefined;
    try {
      fd = await open(tmpPath, "w+", PRIVATE_FILE_MODE);
      for (let p = 0; p < size; ) {
        if (this.closed) break;
        const n = await write(fd, ZEROS, 0, Math.min(ZEROS.length, size - p), p);
        if (n.bytesWritten <= 0) throw new Error(`short write preparing ${tmpPath}`);
        p += n.bytesWritten;
      }
      if (!this.closed) await fdatasync(fd);
      if (this.closed) {
        await discard(fd, tmpPath);
        return;
      }
      this.ready = { fd, tmpPath, size };
    } catch (e) {
      // Not fatal: rolling over creates the segment synchronously instead.
      this.lastError = e as Error;
      this.backoff = true;
      if (fd !== undefined) await discard(fd, tmpPath);
    }
  }
}

async function discard(fd: number, tmpPath: string): Promise<void> {
  await close(fd).catch(() => undefined);
  await unlink(tmpPath).catch(() => undefined);
}
