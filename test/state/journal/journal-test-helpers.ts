// Shared fixtures for the journal tests: temp directories, a turn boundary, fdatasync that a
// test holds and releases, and small helpers to read a journal back.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, expect } from "vitest";
import { JournalCorruptionError } from "../../../src/state/journal/journal-corruption-error.js";
import type { JournalIo } from "../../../src/state/journal/journal-io.js";
import { runJournalCli } from "../../../src/state/journal/journal-cli.js";
import { readJournal, type ReadJournalOptions } from "../../../src/state/journal/journal-reader.js";
import { thrownAs } from "../../helpers/thrown.js";

/** A fresh directory under os.tmpdir(), removed after the test. */
export function useTempDirs(): () => string {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });
  return () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), "journal-test-"));
    dirs.push(d);
    return d;
  };
}

/** Resolves after the current event-loop turn's setImmediate callbacks (the journal seals its batch in one). */
export const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export interface HeldFsync {
  readonly io: Partial<JournalIo>;
  /** fdatasync calls made and not released yet. */
  readonly count: () => number;
  /** Runs the oldest held fdatasync for real; resolves once the journal's callback for it has run. */
  readonly releaseNext: () => Promise<void>;
}

/** An io whose fdatasync waits for the test to release it: what waits on durability becomes observable. */
export function heldFsync(): HeldFsync {
  const held: (() => Promise<void>)[] = [];
  return {
    io: {
      fdatasync: (fd, callback) => {
        held.push(
          () =>
            new Promise<void>((resolve) =>
              fs.fdatasync(fd, (err) => {
                callback(err);
                resolve();
              }),
            ),
        );
      },
    },
    count: () => held.length,
    releaseNext: () => {
      const next = held.shift();
      if (next === undefined) throw new Error("no fdatasync is held");
      return next();
    },
  };
}

/**
 * Releases every held fdatasync, turn after turn, until nothing waits for durability; then
 * one more turn, so what waited on it (answers, a resumed stream) has run.
 */
export async function releaseUntilDurable(journal: { readonly recordsAwaitingDurability: number }, fsync: HeldFsync): Promise<void> {
  for (let turn = 0; turn < 50; turn++) {
    await nextTurn();
    while (fsync.count() > 0) await fsync.releaseNext();
    if (journal.recordsAwaitingDurability === 0 && fsync.count() === 0) break;
  }
  await nextTurn();
}

export interface ReadBack {
  readonly seqs: bigint[];
  readonly payloads: Buffer[];
  readonly offsets: { file: string; offset: number }[];
  readonly result: ReturnType<typeof readJournal>;
}

/** Reads the journal back, copying payloads. */
export function readAll(dir: string, options: Omit<ReadJournalOptions, "onRecord"> = {}): ReadBack {
  const seqs: bigint[] = [];
  const payloads: Buffer[] = [];
  const offsets: { file: string; offset: number }[] = [];
  const result = readJournal(dir, {
    ...options,
    onRecord: (r, file, offset) => {
      seqs.push(r.seq);
      payloads.push(Buffer.from(r.payload));
      offsets.push({ file, offset });
    },
  });
  return { seqs, payloads, offsets, result };
}

export const range = (from: number, to: number): bigint[] => Array.from({ length: to - from + 1 }, (_, i) => BigInt(from + i));

/** Deterministic payload of varying size for record i. */
export function payloadFor(i: number): Buffer {
  return Buffer.from(JSON.stringify({ i, text: "abcdefghij".repeat(i % 37) }));
}

export const SMALL_SEGMENT = 64 * 1024;

/** Overwrites bytes of a file at `offset`. */
export function patchFile(file: string, offset: number, bytes: Uint8Array): void {
  const fd = fs.openSync(file, "r+");
  try {
    fs.writeSync(fd, bytes, 0, bytes.length, offset);
  } finally {
    fs.closeSync(fd);
  }
}

/** Flips every bit of one byte. */
export function flipByte(file: string, offset: number): void {
  const fd = fs.openSync(file, "r+");
  try {
    const b = Buffer.alloc(1);
    fs.readSync(fd, b, 0, 1, offset);
    b[0] = b[0]! ^ 0xff;
    fs.writeSync(fd, b, 0, 1, offset);
  } finally {
    fs.closeSync(fd);
  }
}

/** The JournalCorruptionError `fn` throws (anything else is rethrown; none is a failure). */
export const corruption = (fn: () => unknown): JournalCorruptionError => thrownAs(JournalCorruptionError, fn);

/**
 * Reads `dir` from scratch and checks it holds exactly records 1..last, clean to the end,
 * with `payloads` as its last records from `firstNew` on (what an append after a recovery wrote).
 */
export function expectJournalEndsWith(dir: string, firstNew: bigint, payloads: readonly Buffer[]): ReadBack {
  const back = readAll(dir);
  expect(back.result.tornTail).toBeUndefined();
  const last = Number(firstNew) - 1 + payloads.length;
  expect(back.seqs).toEqual(range(1, last));
  expect(back.payloads.slice(Number(firstNew) - 1)).toEqual(payloads);
  return back;
}

/** `openpit journal …` run in process: its exit code and what it wrote. */
export function journalCli(argv: string[]): { code: number; out: string; err: string } {
  let out = "";
  let err = "";
  const code = runJournalCli(argv, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}
