/**
 * The characters of a decimal held as a safe-integer mantissa `m` at `scale` (at most 15),
 * as `DecimalValue.toString()` prints it: at least one digit before the point, exactly
 * `scale` after it, `-` for negatives. One routine for both consumers: the text of a value
 * (`formatSmall`) and an answer's string field written from the bytes (server/codec's
 * decimal-field.ts).
 *
 * The digits come from two halves below 10^8 with int32 arithmetic: `%` and `/` on a
 * mantissa of 2^31 or more (an account's balance in its smallest unit) are float
 * operations, `%` a call to fmod, and printing one such value digit by digit that way took
 * ~1.1 µs (docs/performance.md, "Session 6: perf6-order"); this takes ~0.1 µs.
 */

/** Sign, 16 digits, a point and leading zeros (scale ≤ 15) take at most 18 characters; 24 leaves room for a larger scale. */
export const SMALL_CHARS_MAX = 24;

/** The mantissa's digits, least significant first, padded with zeros up to the printed width. */
const REVERSED = new Uint8Array(SMALL_CHARS_MAX);

/** Writes the characters (ASCII codes) of `m` at `scale` into `out` from index 0; returns how many. `|m|` ≤ 2^53 − 1. */
export function smallDecimalChars(out: Uint8Array, m: number, scale: number): number {
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
    if (scale !== 0 && i === scale) out[pos--] = 46; // "."
    out[pos--] = 48 + REVERSED[i]!;
  }
  if (negative) out[0] = 45; // "-"
  return length;
}
