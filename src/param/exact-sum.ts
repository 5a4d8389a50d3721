/** A running exact sum that allocates nothing while its partial sums are safe integers. */
import type { Decimal } from "decimal.js";
import { compareSmall, rescaled, smallValue, sumLostScale, Unbounded, type DecimalValue, type ValueType } from "./decimal-value.js";

/**
 * Σ of decimals with exactly the value and scale that chained additions give
 * (`zero().add(a).add(b)…`: scale = the largest scale so far), for loops on the hot path.
 * While every partial sum is a safe integer at a scale of at most 15 it is kept as a
 * mantissa and a scale (plain numbers, no object per step, the same integer arithmetic as
 * `DecimalValue.add`'s fast path); the first partial sum that is not becomes a value and
 * the rest goes through `add`, in the same order, so rounding at the domain's edge (which
 * depends on the order) is the same too. Mutable and reusable: `reset()` starts again.
 *
 * Beside that figure it keeps the sum unrounded (`unrounded`) from the first step that was
 * not exact: a partial sum the domain rounded (past 29 digits), or a term added with
 * `addUnrounded`. While every step is exact (always on the integer path) it holds nothing and
 * costs nothing; `compareExact` compares the unrounded sum then.
 */
export class ExactSum<T extends DecimalValue> {
  private m = 0;
  private s = 0;
  /** The sum as a value once it left the integer path (then `m`/`s` are stale). */
  private big: T | undefined = undefined;
  /** The exact sum (`Unbounded`) once a step was rounded; undefined while `value` is exact. */
  private exact: Decimal | undefined = undefined;

  constructor(private readonly type: ValueType<T>) {}

  reset(): void {
    this.m = 0;
    this.s = 0;
    this.big = undefined;
    this.exact = undefined;
  }

  /** Adds the value with safe-integer mantissa `m` at scale `s` (at most 15). */
  addSmall(m: number, s: number): void {
    if (this.big === undefined) {
      // A zero operand leaves the other as it is, its scale included (rust_decimal, as `add`).
      if (this.m === 0) {
        this.m = m;
        this.s = s;
        return;
      }
      if (m === 0) return;
      const scale = s > this.s ? s : this.s;
      const r = rescaled(this.m, this.s, scale) + rescaled(m, s, scale);
      if (Number.isSafeInteger(r)) {
        this.m = r;
        this.s = scale;
        return;
      }
      this.big = smallValue(this.type, this.m, this.s);
    }
    this.addValue(this.big, smallValue(this.type, m, s));
  }

  add(v: T): void {
    if (v.small === v.small) this.addSmall(v.small, v.scale);
    else if (this.big !== undefined || (this.m !== 0 && !v.big!.isZero())) this.addValue(this.big ?? smallValue(this.type, this.m, this.s), v);
    // A zero operand leaves the other as it is (`addSmall`'s rule), here a value in decimal.js form.
    else if (this.m === 0) this.big = v;
  }

  /**
   * Adds a term whose exact value is `unrounded` and whose figure in the domain is `rounded`
   * (a product rounded to 29 digits): the sum goes on with `rounded`, as `add` would, and
   * from here on the exact sum is kept beside it.
   */
  addUnrounded(rounded: T, unrounded: Decimal): void {
    const before = this.big ?? smallValue(this.type, this.m, this.s);
    this.big = before.add(rounded);
    this.exact = (this.exact ?? new Unbounded(before.decimal)).plus(unrounded);
  }

  /** `before + v` past the integer path, noting whether the domain rounded it (a scale given up). */
  private addValue(before: T, v: T): void {
    const sum = before.add(v);
    if (this.exact !== undefined) this.exact = this.exact.plus(v.decimal);
    else if (sumLostScale(before, v, sum)) this.exact = new Unbounded(before.decimal).plus(v.decimal);
    this.big = sum;
  }

  /** The exact sum when a step of `value` was rounded, else undefined (`value` is exact). */
  get unrounded(): Decimal | undefined {
    return this.exact;
  }

  /** The sum as a value (a new one on the integer path). */
  get value(): T {
    return this.big ?? smallValue(this.type, this.m, this.s);
  }

  /** `value.compare(other)`, without building the value on the integer path. */
  compare(other: DecimalValue): -1 | 0 | 1 {
    if (this.big === undefined && other.small === other.small) {
      const c = compareSmall(this.m, this.s, other.small, other.scale);
      if (c === c) return c as -1 | 0 | 1;
    }
    return this.value.compare(other);
  }

  /** `compare`, but of the exact sum with `other` when a step of `value` was rounded. */
  compareExact(other: DecimalValue): -1 | 0 | 1 {
    if (this.big === undefined && other.small === other.small) {
      const c = compareSmall(this.m, this.s, other.small, other.scale);
      if (c === c) return c as -1 | 0 | 1;
    }
    const exact = this.exact;
    if (exact !== undefined) return exact.cmp(other.decimal) as -1 | 0 | 1;
    return this.value.compare(other);
  }
}
