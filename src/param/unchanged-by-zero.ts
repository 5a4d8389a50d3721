/**
 * `a ± z` without a new value when `z` is a zero that cannot change `a`: the fill path
 * adds the report's P&L and fee (both 0 in most reports) to running totals for every
 * execution report, and each sum made a new value equal to the old one.
 *
 * `a ± z` is exactly `a` (same digits, same scale, same class, same text) when both are
 * held as safe-integer mantissas (the usual case), `z` is 0 at a scale no larger than
 * `a`'s, and `a` is not a negative zero (arithmetic normalises that to +0). Otherwise the
 * caller does the arithmetic as before. A test compares this with `add`/`sub` over random
 * values (test/param/unchanged-by-zero.test.ts).
 */
import type { DecimalValue } from "./decimal-value.js";

/** `a` itself when `a + z` and `a − z` are `a` (see above), else undefined. */
export function unchangedByZero<T extends DecimalValue>(a: T, z: DecimalValue): T | undefined {
  const m = a.small;
  // `m === m`: not NaN, i.e. a safe-integer mantissa (NaN marks the decimal.js form).
  return z.small === 0 && z.scale <= a.scale && m === m && (m !== 0 || 1 / m > 0) ? a : undefined;
}
