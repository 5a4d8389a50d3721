/**
 * A decimal held in place, for long-lived state that changes often (a balance per account).
 *
 * Why: a value type is immutable, so state kept as values gets a new object on every
 * change, and over many accounts each one lives until that account's next change, long
 * enough to be copied by a young-generation collection and then promoted. Most of what a
 * scavenge copied under load was such state (docs/performance.md, Session 9). A cell keeps
 * the number's parts (the safe-integer mantissa, or the decimal.js form, and the scale) in
 * fields of one object made once: writing a small value stores numbers and allocates
 * nothing, and the state holds no pointer to a young object. `value` builds the immutable
 * value on demand; it is short-lived, which is what the young generation is cheap for.
 */
import type { Decimal } from "decimal.js";
import { compareSmall, isZeroValue, smallAddend, sumLostScale, type DecimalValue, type ValueType } from "./decimal-value.js";

/**
 * The zeros `DecimalCell.value` returns, by value type, each array indexed by scale. A cache of
 * immutable values, the same for every engine in the process: it holds no state (a zero's
 * lazily built decimal.js form is a cache of its own number).
 */
const ZEROS = new WeakMap<ValueType<DecimalValue>, DecimalValue[]>();

function zerosOf<T extends DecimalValue>(type: ValueType<T>): T[] {
  let zeros = ZEROS.get(type);
  if (zeros === undefined) ZEROS.set(type, (zeros = []));
  return zeros as T[];
}

export class DecimalCell<T extends DecimalValue> {
  /** The safe-integer mantissa; NaN when `big` holds the number (as in `DecimalValue`). */
  #small = 0;
  #big: Decimal | undefined = undefined;
  #scale = 0;

  /**
   * What `value` returns for a zero, the commonest number in a slot, by scale: made once per
   * value type and scale and shared by every cell of that type (values are immutable), not
   * per read. A slot's zero keeps the scale of the amounts that cancelled ("0.00" once a
   * held notional is consumed). Each cell used to hold a zero of its own: with the heap
   * number V8 boxes its mantissa in, two of every seven objects of the book the old
   * generation marks (docs/performance.md, Session 45).
   */
  readonly #zeros: T[];

  constructor(private readonly type: ValueType<T>) {
    this.#zeros = zerosOf(type);
  }

  /** The number now, as an immutable value (the same digits and scale as the one stored). */
  get value(): T {
    const small = this.#small;
    if (small === 0) {
      const scale = this.#scale;
      return this.#zeros[scale] ?? (this.#zeros[scale] = new this.type(0, undefined, scale));
    }
    return new this.type(small, this.#big, this.#scale);
  }

  set(v: DecimalValue): void {
    const small = v.small;
    this.#small = small;
    // A small value may carry its decimal.js form as a cache: not kept, it would be a
    // pointer from this (old) cell to a (young) object, which is what the cell avoids.
    this.#big = small === small ? undefined : v.big;
    this.#scale = v.scale;
  }

  /**
   * `value.add(v)` stored in place: the same digits, scale and errors, without allocating when
   * both are small. True when the sum gave up scale, so may have been rounded to 29 digits
   * (`sumLostScale`); a sum of small values never is.
   */
  add(v: T): boolean {
    return this.#sum(v, 1) !== undefined;
  }

  /** `value.sub(v)` stored in place; true when it may have been rounded, as `add`. */
  sub(v: T): boolean {
    return this.#sum(v, -1) !== undefined;
  }

  /**
   * `add`, returning the value before it when the stored sum may have been rounded, else
   * undefined: for a figure kept to the last digit beside its rounded form (before + v exact).
   */
  addWithBefore(v: T): T | undefined {
    return this.#sum(v, 1);
  }

  /** Stores the sum; returns the value before it when the sum gave up scale (`sumLostScale`), else undefined. */
  #sum(v: T, sign: 1 | -1): T | undefined {
    // A zero operand leaves the other as it is, its scale included (rust_decimal; `DecimalValue.sum`).
    const held = this.#small;
    if (held === 0 || (held !== held && this.#big!.isZero())) {
      const m = v.small;
      const r = m === 0 ? 0 : sign * m;
      if (r === r && !(r < 0 && this.type.nonNegative)) {
        this.#small = r;
        this.#big = undefined;
        this.#scale = v.scale;
        return undefined;
      }
      // A big `v`, or a negative result of a non-negative type: the value's path (its form, its error).
      this.set(sign === 1 ? this.value.add(v) : this.value.sub(v));
      return undefined;
    }
    if (isZeroValue(v)) return undefined;
    if (held === held) {
      const scale = this.#scale > v.scale ? this.#scale : v.scale;
      const m = smallAddend(this.#small, this.#scale, v, sign, scale);
      // A negative result of a non-negative type takes the value's path, which raises its error.
      if (m === m && !(m < 0 && this.type.nonNegative)) {
        this.#small = m; // never −0: a stored mantissa is never −0, and m + (±0) is not either
        this.#scale = scale;
        return undefined;
      }
    }
    const before = this.value;
    const sum = sign === 1 ? before.add(v) : before.sub(v);
    this.set(sum);
    return sumLostScale(before, v, sum) ? before : undefined;
  }

  /** `value.compare(v)`, without making the value when both are small. */
  compare(v: DecimalValue): -1 | 0 | 1 {
    const small = this.#small;
    if (small === small && v.small === v.small) {
      const c = compareSmall(small, this.#scale, v.small, v.scale);
      if (c === c) return c as -1 | 0 | 1;
    }
    return this.value.compare(v);
  }

  isZero(): boolean {
    return this.#small === this.#small ? this.#small === 0 : this.#big!.isZero();
  }
}
