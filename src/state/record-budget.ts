/**
 * Splitting a list a start journals by itself (its account entries, a long strict account
 * list) into commands whose records fit the journal's record bound (Journal.maxRecordBytes:
 * 64 992 bytes under a JetStream stream's max_msg_size of 64 KiB). Sizes are the real codec's:
 * a command's record is its encoding with no items plus, per item, the item's encoding and a
 * comma (the codec writes plain data as JSON, an array's items joined by commas), so a run is
 * cut before the item that would take it over the bound. Each run is then encoded for real and
 * checked, so a miscount fails the start loudly instead of being refused by the journal later.
 */
import { encodeCommand } from "./command-codec.js";
import type { Command } from "./commands.js";
import { toPlain } from "./plain-data.js";

const encoder = new TextEncoder();

/**
 * Room kept below the bound: a run is measured with the time of the measurement, and the
 * command is journaled with a later one (a number of the same digits for centuries, but the
 * margin costs nothing).
 */
const TIME_MARGIN_BYTES = 32;

/** What a record may take of `bound`: the bound less the margin above. */
export function roomWithin(bound: number): number {
  return bound - TIME_MARGIN_BYTES;
}

/** The bytes one item adds to a record: its plain data as JSON, and the comma before it. */
export function itemBytes(item: unknown): number {
  return encoder.encode(JSON.stringify(toPlain(item))).length + 1;
}

/** The encoded size of `command`: the record the journal would be asked to take. */
export function recordBytes(command: Command): number {
  return encodeCommand(command).length;
}

/**
 * `items` in order, cut into runs: each run's record, `emptyBytes` (the command with no
 * items) plus its items' `itemBytes`, stays within `bound` less the margin, and a run holds
 * at most `maxItems`. An item is never split; one that cannot fit even alone makes a run of
 * its own (the journal then refuses it, as it would have refused the whole).
 */
export function runsWithin<T>(items: readonly T[], emptyBytes: number, bound: number, maxItems = Number.POSITIVE_INFINITY, sizeOf: (item: T) => number = itemBytes): T[][] {
  const room = roomWithin(bound);
  const out: T[][] = [];
  let run: T[] = [];
  let bytes = emptyBytes;
  for (const item of items) {
    const size = sizeOf(item);
    if (run.length > 0 && (run.length >= maxItems || bytes + size > room)) {
      out.push(run);
      run = [];
      bytes = emptyBytes;
    }
    run.push(item);
    bytes += size;
  }
  if (run.length > 0) out.push(run);
  return out;
}

/** Fails (an internal error: the measure above is wrong) when `command`'s record exceeds `bound` less the margin and holds more than one item. */
export function checkRecordWithin(command: Command, items: number, bound: number, what: string): void {
  if (items <= 1 || !Number.isFinite(bound)) return;
  const bytes = recordBytes(command);
  if (bytes > roomWithin(bound)) throw new Error(`${what}: a part of ${items} items encodes to ${bytes} bytes, over the journal's bound of ${bound} (less ${TIME_MARGIN_BYTES}): the split's measure is wrong`);
}
