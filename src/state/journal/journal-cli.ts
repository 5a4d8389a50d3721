// Operator tool for a journal directory: `inspect` prints the records as JSON lines, `status`
// summarises segments and snapshots (both read-only), `cut` ends a damaged journal before
// its damage on the operator's word (journal-cut.ts). Exit 1 on corruption or a refused
// cut, 2 on usage errors.
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { JournalCorruptionError } from "./journal-corruption-error.js";
import { readJournal } from "./journal-reader.js";
import { cutJournal, JournalCutRefusedError } from "./journal-cut.js";
import { CUT_MANIFEST, readCutTail } from "./cut-tail.js";
import { durableCover, listSnapshots, type SnapshotListing } from "./snapshot-files.js";
import { listSegments } from "./journal-files.js";
import type { TornTail } from "./segment-scan.js";

const USAGE = `usage: journal-cli inspect DIR [--from SEQ] [--limit N]
       journal-cli status DIR
       journal-cli cut DIR --after SEQ

inspect  one JSON line per record on stdout ({"seq","file","offset","bytes","payload"}),
         then a summary line on stderr; --from skips records below SEQ, --limit stops printing after N.
         In a cut-… directory, the records behind the damage in the cut's tail file come first
status   a JSON summary: segments with their first sequences, last sequence, snapshots
cut      for a journal recovery refuses: ends it just before the damage, keeping records up to
         SEQ, which must be the record before the damage (status names it); the sidecar must be
         stopped. The cut bytes and files move to DIR/cut-…/ with cut.json (what, why, undo)
exit     0 ok, 1 corrupt or unreadable journal or a refused cut, 2 usage error`;

export interface CliOutput {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

class UsageError extends Error {}

const decoder = new TextDecoder("utf-8", { fatal: true });

/** The payload as JSON when it is valid UTF-8 JSON, else "base64:…". */
function renderPayload(payload: Uint8Array): unknown {
  if (payload.length > 0) {
    try {
      return JSON.parse(decoder.decode(payload)) as unknown;
    } catch {
      // not UTF-8 JSON: fall through to base64
    }
  }
  return `base64:${Buffer.from(payload.buffer, payload.byteOffset, payload.length).toString("base64")}`;
}

const tornJson = (t: TornTail | undefined) =>
  t && { file: t.file, offset: t.offset, expectedSequence: String(t.expectedSequence), reason: t.reason };

/** The flags each command takes. */
const FLAGS: Readonly<Record<string, readonly string[]>> = { inspect: ["--from", "--limit"], status: [], cut: ["--after"] };

function parseArgs(argv: readonly string[]): { command: string; dir: string; from: bigint | undefined; limit: number; after: bigint | undefined } {
  const [command, dir, ...rest] = argv;
  if (command === undefined || !Object.hasOwn(FLAGS, command)) throw new UsageError(command ? `unknown command: ${command}` : "missing command");
  if (!dir || dir.startsWith("--")) throw new UsageError("missing DIR");
  let from: bigint | undefined;
  let after: bigint | undefined;
  let limit = Number.POSITIVE_INFINITY;
  for (let i = 0; i < rest.length; i += 2) {
    const flag = rest[i]!;
    const value = rest[i + 1];
    if (!FLAGS[command]!.includes(flag)) throw new UsageError(`unexpected argument: ${flag}`);
    if (value === undefined || !/^\d+$/.test(value)) throw new UsageError(`${flag} needs a non-negative integer`);
    if (flag === "--from") from = BigInt(value);
    else if (flag === "--after") after = BigInt(value);
    else limit = Number(value);
  }
  // The operator names what is kept: a cut is never made on a default.
  if (command === "cut" && after === undefined) throw new UsageError("cut needs --after SEQ: the last record to keep");
  return { command, dir, from, limit, after };
}

/** Runs the CLI on `argv` (without node and script); returns the exit code. */
export function runJournalCli(argv: readonly string[], io: CliOutput, now: () => Date = () => new Date()): number {
  let args: ReturnType<typeof parseArgs>;
  try {
    args = parseArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.err(`${e.message}\n${USAGE}\n`);
    return 2;
  }
  const dir = path.resolve(args.dir);
  try {
    if (!fs.statSync(dir).isDirectory()) throw new Error(`${dir} is not a directory`);
    if (args.command === "cut") return cut(dir, args.after!, now(), io);
    const snapshots = listSnapshots(dir);
    // Read as recovery accepts it: records up to the newest snapshot file are durable (damage
    // among them is refused), and a gap the newest valid snapshot covers is no damage. Found by
    // review (session 30): after a cut that snapshot covers, the sidecar started and appended
    // past the gap while status and inspect called the directory corrupt.
    // A journal that ends before the newest snapshot file's records is refused too, except in a
    // cut-… directory, which holds only what a cut moved aside (`partial`).
    const cutDirectory = fs.existsSync(path.join(dir, CUT_MANIFEST));
    const reading = { durableThrough: durableCover(dir), coveredThrough: snapshots.find((s) => s.invalid === undefined)?.seq ?? 0n, partial: cutDirectory };
    // Segments a snapshot made unnecessary are deleted: start where the journal does, or where
    // recovery does (after the newest valid snapshot) if that is earlier, so that records
    // missing there are refused as recovery refuses them; a --from below that starts there too
    // (found by review, session 34: a journal without its first segment and no snapshot was
    // called healthy, and `--from 1` called a pruned one corrupt). A cut-… directory holds
    // only what a cut moved aside, and starts where its segments do.
    const first = firstSequence(dir);
    const floor = cutDirectory || first <= reading.coveredThrough + 1n ? first : reading.coveredThrough + 1n;
    const from = args.from === undefined || args.from < floor ? floor : args.from;
    return args.command === "inspect" ? inspect(dir, from, args.from ?? 0n, args.limit, reading, snapshots, io) : status(dir, from, reading, snapshots, io);
  } catch (e) {
    const what = e instanceof JournalCorruptionError || e instanceof JournalCutRefusedError ? e.message : `journal-cli: ${(e as Error).message}`;
    io.err(`${what}\n`);
    return 1;
  }
}

/** The first sequence the directory's oldest segment holds (1 for an empty one). */
function firstSequence(dir: string): bigint {
  return listSegments(dir)[0]?.firstSequence ?? 1n;
}

/** How the CLI reads a directory: with recovery's cover (durableThrough), what a valid snapshot covers, and whether it is a cut directory. */
interface Reading {
  readonly durableThrough: bigint;
  readonly coveredThrough: bigint;
  readonly partial: boolean;
}

/**
 * The journal's last record as recovery counts it: its segments' last, or the newest valid
 * snapshot's when that covers more (recovery resumes after it; `cut` prints the same). Found
 * by review: status named the segments' last alone, and an operator read the records a
 * snapshot holds as lost.
 */
function lastSequenceOf(segmentsLast: bigint, reading: Reading): bigint {
  return reading.partial || segmentsLast >= reading.coveredThrough ? segmentsLast : reading.coveredThrough;
}

/** `tailFrom`: the least sequence printed from a cut's tail file (`--from`, else all of it). */
function inspect(dir: string, fromSequence: bigint, tailFrom: bigint, limit: number, reading: Reading, snapshots: readonly SnapshotListing[], io: CliOutput): number {
  let printed = 0;
  let chunk: string[] = [];
  const print = (seq: bigint, payload: Uint8Array, file: string, offset: number): void => {
    if (printed >= limit) return;
    printed++;
    chunk.push(JSON.stringify({ seq: String(seq), file, offset, bytes: payload.length, payload: renderPayload(payload) }));
    if (chunk.length >= 1024) {
      io.out(`${chunk.join("\n")}\n`);
      chunk = [];
    }
  };
  // A cut directory: first the records behind the damage in the cut's tail file, which no
  // segment holds any more, then its whole segments (later than the tail), as a journal's.
  const tail = readCutTail(dir)?.filter((r) => r.seq >= tailFrom);
  for (const r of tail ?? []) print(r.seq, r.payload, r.file, r.offset);
  // A --from inside the tail file starts the moved segments at their first record (found by
  // review, session 29: read from it, they were refused as missing records).
  const segmentsFrom = tail !== undefined && fromSequence < firstSequence(dir) ? firstSequence(dir) : fromSequence;
  let result: ReturnType<typeof readJournal>;
  try {
    result = readJournal(dir, { fromSequence: segmentsFrom, ...reading, onRecord: (r, file, offset) => print(r.seq, r.payload, file, offset) });
  } finally {
    // The records read before damage stopped the read are printed too (found by review,
    // session 34: the lines still batched were dropped), then the damage is reported.
    if (chunk.length > 0) io.out(`${chunk.join("\n")}\n`);
  }
  const summary = {
    records: result.records + (tail?.length ?? 0),
    ...(tail ? { cutTailRecords: tail.length } : {}),
    printed,
    segments: result.segments.length,
    snapshots: snapshots.length,
    lastSequence: String(lastSequenceOf(result.lastSequence, reading)),
    tornTail: tornJson(result.tornTail) ?? null,
  };
  io.err(`${JSON.stringify(summary)}\n`);
  return 0;
}

function status(dir: string, fromSequence: bigint, reading: Reading, snapshots: readonly SnapshotListing[], io: CliOutput): number {
  const result = readJournal(dir, { fromSequence, ...reading });
  const segments = result.segments.map((s) => ({
    file: s.file,
    firstSequence: String(s.firstSequence),
    lastSequence: s.lastSequence === undefined ? null : String(s.lastSequence),
    records: s.records ?? null,
    bytes: s.bytes,
  }));
  const summary = {
    dataDir: dir,
    segments,
    records: result.segments.reduce((n, s) => n + (s.records ?? 0), 0),
    lastSequence: String(lastSequenceOf(result.lastSequence, reading)),
    end: result.end ? { file: result.end.file, offset: result.end.offset } : null,
    tornTail: tornJson(result.tornTail) ?? null,
    snapshots: snapshots.map((s) => ({ file: s.file, seq: String(s.seq), bytes: s.bytes, valid: s.invalid === undefined, ...(s.invalid ? { invalid: s.invalid } : {}) })),
  };
  io.out(`${JSON.stringify(summary, null, 2)}\n`);
  return 0;
}

function cut(dir: string, keepThrough: bigint, now: Date, io: CliOutput): number {
  const r = cutJournal(dir, keepThrough, now);
  const summary = {
    cutDir: r.cutDir,
    damage: r.damage,
    keptThrough: String(r.keptThrough),
    file: r.file,
    offset: r.offset,
    movedBytes: r.movedBytes,
    movedFiles: r.movedFiles,
    lastSequence: String(r.lastSequence),
  };
  io.out(`${JSON.stringify(summary, null, 2)}\n`);
  return 0;
}

function invokedDirectly(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return fs.realpathSync(script) === fs.realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (invokedDirectly()) {
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    // `inspect … | head` closes the pipe early: not an error, but a corrupt journal still
    // exits 1 (found by review: the early exit said 0, and a pipefail script saw it healthy).
    if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw e;
  });
  process.exitCode = runJournalCli(process.argv.slice(2), {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
  });
}
