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
/** The mantissa's digits, least significant first, padded with zeros up to the printed width. */
const REVERSED = new Uint8Array(DIGITS.length);

/** Writes `value` as `toString()` would print it, as field `field` (never empty, so always written). */
export function writeDecimalField(w: ProtoWriter, field: number, value: DecimalValue): void {
  const m = value.small;
  // NaN marks the decimal.js representation (DecimalValue's `isSmall`); a mantissa past
  // 2^53 (none is made today) would not split into two int32 halves below.
  if (m !== m || m > Number.MAX_SAFE_INTEGER || m < -Number.MAX_SAFE_INTEGER) return w.stringField(field, value.toString());
  w.bytesField(field, VIEWS[formatDigits(m, value.scale)]!);
}

/**
 * `m` at `scale` into DIGITS as `formatSmall` (param/decimal-value.ts) prints it — at least
 * one digit before the point, exactly `scale` after it, `-` for negatives — returning the length.
 *
 * The digits come from two halves below 10^8 with int32 arithmetic: `%` and `/` on a
 * mantissa of 2^31 or more (an account's balance in its smallest unit) are float
 * operations — `%` a call to fmod — and printing one such value cost ~1.1 µs
 * (docs/performance.md, "Session 6: perf6-order").
 */
function formatDigits(m: number, scale: number): number {
  const negative = m < 0;
  const v = negative ? -m : m;
  // v = hi * 10^8 + lo exactly. The floor is exact: v / 10^8 = hi + lo / 10^8 lies at least
  // 10^-8 below hi + 1, and below 2^53 / 10^8 < 2^27 a double's rounding moves it by at most
  // 2^-27 < 10^-8; hi * 10^8 and the difference are integers below 2^53.
  let hi = Math.floor(v / 1e8);
  let lo = v - hi * 1e8;
  let n = 0;
  if (hi > 0) {
    // All eight digits of the low half, then the high half's.
    for (let i = 0; i < 8; i++) {
      const q = (lo / 10) | 0;
      REVERSED[n++] = lo - q * 10;
      lo = q;
    }
    do {
      const q = (hi / 10) | 0;
      REVERSED[n++] = hi - q * 10;
      hi = q;
    } while (hi > 0);
  } else {
    do {
      const q = (lo / 10) | 0;
      REVERSED[n++] = lo - q * 10;
      lo = q;
    } while (lo > 0);
  }
  // Leading zeros so that `scale` digits follow the point and one precedes it.
  const width = n > scale ? n : scale + 1;
  while (n < width) REVERSED[n++] = 0;
  const length = (negative ? 1 : 0) + width + (scale === 0 ? 0 : 1);
  let pos = length - 1;
  for (let i = 0; i < width; i++) {
    if (scale !== 0 && i === scale) DIGITS[pos--] = 46; // "."
    DIGITS[pos--] = 48 + REVERSED[i]!;
  }
  if (negative) DIGITS[0] = 45; // "-"
  return length;
}
