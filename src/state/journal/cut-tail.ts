// The records a cut moved aside in its tail file (`<segment>.from-<offset>` in a `cut-…`
// directory): the damaged segment's bytes from the damage on. They start with the damaged
// record, so they cannot be read as a segment; the records that check out behind it are found
// by scanning for valid frames, as the cut itself does to see what it would drop. These are
// the records an operator must compare against the venues before trading resumes: some may
// have been acknowledged.
import * as fs from "node:fs";
import * as path from "node:path";
import { FRAME_HEADER_BYTES, frameLength } from "./segment-format.js";
import { findValidRecord } from "./segment-scan.js";

/** The manifest's name in a cut directory. */
export const CUT_MANIFEST = "cut.json";

export interface CutTailRecord {
  readonly seq: bigint;
  /** The tail file, and the record's offset in it. */
  readonly file: string;
  readonly offset: number;
  readonly payload: Uint8Array;
}

/**
 * The records that check out in the tail file of the cut directory `dir`, in order, each
 * numbered after the one before (the first after the last record the cut kept); undefined
 * when `dir` is not a cut directory or the cut moved whole files only.
 */
export function readCutTail(dir: string): CutTailRecord[] | undefined {
  const manifestPath = path.join(dir, CUT_MANIFEST);
  if (!fs.existsSync(manifestPath)) return undefined;
  const manifest = JSON.parse(fs.readFileSync(manifestPath, "utf8")) as { keptThrough?: string; tail?: { file?: string } | null };
  const file = manifest.tail?.file;
  if (typeof file !== "string" || typeof manifest.keptThrough !== "string") return undefined;
  const buf = fs.readFileSync(path.join(dir, file));
  const records: CutTailRecord[] = [];
  let next = Number(manifest.keptThrough) + 1;
  let from = 0;
  for (;;) {
    const found = findValidRecord(buf, from, next);
    if (found === undefined) return records;
    const length = frameLength(buf, found.offset);
    const start = found.offset + FRAME_HEADER_BYTES;
    records.push({ seq: BigInt(found.seq), file, offset: found.offset, payload: buf.subarray(start, start + length) });
    next = found.seq + 1;
    from = start + length;
  }
}
