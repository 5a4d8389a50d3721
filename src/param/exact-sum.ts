/** A running exact sum that allocates nothing while its partial sums are safe integers. */
import { compareSmall, rescaled, smallValue, type DecimalValue, type ValueType } from "./decimal-value.js";

/**
 * Σ of decimals with exactly the value and scale that chained additions give
 * (`zero().add(a).add(b)…`: scale = the largest scale so far), for loops on the hot path.
 * While every partial sum is a safe integer at a scale of at most 15 it is kept as a
 * mantissa and a scale (plain numbers, no object per step, the same integer arithmetic as
 * `DecimalValue.add`'s fast path); the first partial sum that is not becomes a value and
 * the rest goes through `add`, in the same order, so rounding at the domain's edge (which
 * depends on the order) is the same too. Mutable and reusable: `reset()` starts again.
 */
export class ExactSum<T extends DecimalValue> {
  private m = 0;
  private s = 0;
  /** The sum as a value once it left the integer path (then `m`/`s` are stale). */
  private big: T | undefined = undefined;

  constructor(private readonly type: ValueType<T>) {}

  reset(): void {
    this.m = 0;
    this.s = 0;
    this.big = undefined;
  }

  /** Adds the value with safe-integer mantissa `m` at scale `s` (at most 15). */
  addSmall(m: number, s: number): void {
    if (this.big === undefined) {
      const scale = s > this.s ? s : this.s;
      const r = rescaled(this.m, this.s, scale) + rescaled(m, s, scale);
      if (Number.isSafeInteger(r)) {
        this.m = r;
        this.s = scale;
        return;
      }
      this.big = smallValue(this.type, this.m, this.s);
    }
    this.big = this.big.add(smallValue(this.type, m, s));
  }

  add(v: T): void {
    if (v.small === v.small) this.addSmall(v.small, v.scale);
    else this.big = (this.big ?? smallValue(this.type, this.m, this.s)).add(v);
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
}
