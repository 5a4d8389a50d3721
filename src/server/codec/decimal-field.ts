/**
 * A decimal value written as a protobuf string field without making its text: an answer
 * prints every amount it carries (a lock price, a delta and an absolute per changed leg),
 * and each `toString()` made a string used once, to be copied into the answer's bytes.
 * A value held as a safe-integer mantissa (the usual case) has its digits written into a
 * scratch buffer and copied from there; any other value is printed by `toString()`. Both
 * give exactly `toString()`'s characters (a test compares them).
 */
import { SMALL_CHARS_MAX, smallDecimalChars, type DecimalValue } from "../../param/index.js";
import type { ProtoWriter } from "../../transport/wire/proto-writer.js";

/** The characters' scratch buffer, and views of each length made once. */
const DIGITS = new Uint8Array(SMALL_CHARS_MAX);
const VIEWS: readonly Uint8Array[] = Array.from({ length: DIGITS.length + 1 }, (_, n) => DIGITS.subarray(0, n));

/** Writes `value` as `toString()` would print it, as field `field` (never empty, so always written). */
export function writeDecimalField(w: ProtoWriter, field: number, value: DecimalValue): void {
  const m = value.small;
  // NaN marks the decimal.js representation (DecimalValue's `isSmall`).
  if (m !== m) return w.stringField(field, value.toString());
  w.bytesField(field, VIEWS[smallDecimalChars(DIGITS, m, value.scale)]!);
}
