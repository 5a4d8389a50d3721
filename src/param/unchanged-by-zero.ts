/**
 * `a ± z` without a new value when `z` is a zero that cannot change `a`: the fill path
 * adds the report's P&L and fee (both 0 in most reports) to running totals for every
 * execution report, and each sum made a new value equal to the old one.
 *
 * `a ± z` is exactly `a` (the same object) when `z` is 0 and `a` is not: rust_decimal leaves
 * the other operand as it is when one is zero, whatever the zero's scale (`DecimalValue.sum`).
 * When `a` is 0 too the sum is `z`'s zero, at its scale: the caller does the arithmetic. A test
 * compares this with `add`/`sub` over random values (test/param/unchanged-by-zero.test.ts).
 */
import { isZeroValue, type DecimalValue } from "./decimal-value.js";

/** `a` itself when `a + z` and `a − z` are `a` (see above), else undefined. */
export function unchangedByZero<T extends DecimalValue>(a: T, z: DecimalValue): T | undefined {
  return isZeroValue(z) && !isZeroValue(a) ? a : undefined;
}
