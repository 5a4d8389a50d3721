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

/** One measure a run must stay within: it starts at `emptyBytes` and each item adds `sizeOf(item)`, up to `room`. */
export interface RunBudget<T> {
  readonly emptyBytes: number;
  readonly room: number;
  readonly sizeOf: (item: T) => number;
}

/** The journal's bound as a budget: `emptyBytes` (the command with no items) plus each item's `itemBytes`, within `bound` less the margin. */
export function recordBudget<T>(emptyBytes: number, bound: number, sizeOf: (item: T) => number = itemBytes): RunBudget<T> {
  return { emptyBytes, room: roomWithin(bound), sizeOf };
}

/**
 * `items` in order, cut into runs: each run stays within every budget and holds at most
 * `maxItems`. An item is never split; one that cannot fit even alone makes a run of its own
 * (the journal then refuses it, as it would have refused the whole).
 */
export function runsWithin<T>(items: readonly T[], budgets: readonly RunBudget<T>[], maxItems = Number.POSITIVE_INFINITY): T[][] {
  // A budget without a bound (an ephemeral journal's) cuts nothing: its items are not measured.
  const bounded = budgets.filter((b) => Number.isFinite(b.room));
  const out: T[][] = [];
  let run: T[] = [];
  const bytes = bounded.map((b) => b.emptyBytes);
  for (const item of items) {
    const sizes = bounded.map((b) => b.sizeOf(item));
    if (run.length > 0 && (run.length >= maxItems || bounded.some((b, i) => bytes[i]! + sizes[i]! > b.room))) {
      out.push(run);
      run = [];
      for (let i = 0; i < bounded.length; i++) bytes[i] = bounded[i]!.emptyBytes;
    }
    run.push(item);
    for (let i = 0; i < bounded.length; i++) bytes[i]! += sizes[i]!;
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
