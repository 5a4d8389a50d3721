/**
 * A decimal value written as a protobuf string field without making its text: an answer
 * prints every amount it carries (a lock price, a delta and an absolute per changed leg),
 * and each `toString()` made a string used once, to be copied into the answer's bytes.
 * A value held as a safe-integer mantissa (the usual case) has its digits written into a
 * scratch buffer and copied from there; any other value is printed by `toString()`. Both
 * give exactly `toString()`'s characters (a test compares them).
 */
import type { DecimalValue } from "../../param/index.js";
import type { ProtoWriter } from "../../transport/wire/proto-writer.js";

/** Sign, 16 digits, a point and leading zeros stay within 20 bytes; views of each length made once. */
const DIGITS = new Uint8Array(24);
const VIEWS: readonly Uint8Array[] = Array.from({ length: DIGITS.length + 1 }, (_, n) => DIGITS.subarray(0, n));

/** Writes `value` as `toString()` would print it, as field `field` (never empty, so always written). */
export function writeDecimalField(w: ProtoWriter, field: number, value: DecimalValue): void {
  const m = value.small;
  // NaN marks the decimal.js representation (DecimalValue's `isSmall`).
  if (m !== m) return w.stringField(field, value.toString());
  w.bytesField(field, VIEWS[formatDigits(m, value.scale)]!);
}

/**
 * `m` at `scale` into DIGITS as `formatSmall` (param/decimal-value.ts) prints it — at least
 * one digit before the point, exactly `scale` after it, `-` for negatives — returning the length.
 */
function formatDigits(m: number, scale: number): number {
  const negative = m < 0;
  let v = negative ? -m : m;
  let digits = 1;
  for (let t = v; t >= 10; t = (t - (t % 10)) / 10) digits++;
  const width = scale === 0 ? digits : digits > scale ? digits : scale + 1;
  const length = (negative ? 1 : 0) + width + (scale === 0 ? 0 : 1);
  let pos = length - 1;
  for (let i = 0; i < width; i++) {
    if (scale !== 0 && i === scale) DIGITS[pos--] = 46; // "."
    const digit = v % 10;
    DIGITS[pos--] = 48 + digit;
    v = (v - digit) / 10;
  }
  if (negative) DIGITS[0] = 45; // "-"
  return length;
}
