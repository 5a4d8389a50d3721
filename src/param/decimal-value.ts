/** Exact decimals with rust_decimal's domain (96-bit mantissa, scale 0..28): the base of every value type. */
import { Decimal } from "decimal.js";
import { ParamError, type ParamKind } from "./param-error.js";
import { SMALL_CHARS_MAX, smallDecimalChars } from "./small-digits.js";
import { quoted } from "./quoted.js";

/**
 * Exact decimal arithmetic with OpenPit's (rust_decimal's) domain: a 96-bit integer
 * mantissa and a scale of 0..28. A private decimal.js clone keeps the configuration
 * local (no global state) and has enough precision that products and quotients are
 * computed exactly before they are fitted back into that domain.
 */
export const Dec = Decimal.clone({
  precision: 96,
  rounding: Decimal.ROUND_HALF_EVEN,
  toExpNeg: -9e15,
  toExpPos: 9e15,
});

/**
 * decimal.js for sums and products that must not be rounded at all (never for a quotient):
 * a precision of 10^9 digits is far past anything the domain's figures make (a product of
 * three 29-digit values, summed over an account), so `plus` and `times` are exact. For the
 * comparisons that repeat a limit check unrounded when a rounded figure could decide it
 * (gross exposure).
 */
export const Unbounded = Decimal.clone({
  precision: 1e9,
  rounding: Decimal.ROUND_HALF_EVEN,
  toExpNeg: -9e15,
  toExpPos: 9e15,
});

export const MAX_SCALE = 28;
/** 2^96 − 1: the largest mantissa, and so the largest magnitude at scale 0. */
export const MAX_MANTISSA = new Dec("79228162514264337593543950335");
const MAX_MANTISSA_DIGITS = 29;
const ZERO = new Dec(0);
const PLAIN_NUMBER = /^-?\d+(?:\.\d+)?$/;

export type RoundingStrategy =
  | "midpointNearestEven"
  | "midpointAwayFromZero"
  | "up"
  | "down"
  | "default"
  | "banker"
  | "conservativeProfit"
  | "conservativeLoss";

/** Aliases resolve here, once: both conservative strategies are floor, as in OpenPit. */
const ROUNDING_MODES: Record<RoundingStrategy, Decimal.Rounding> = {
  midpointNearestEven: Decimal.ROUND_HALF_EVEN,
  default: Decimal.ROUND_HALF_EVEN,
  banker: Decimal.ROUND_HALF_EVEN,
  midpointAwayFromZero: Decimal.ROUND_HALF_UP,
  up: Decimal.ROUND_CEIL,
  down: Decimal.ROUND_FLOOR,
  conservativeProfit: Decimal.ROUND_FLOOR,
  conservativeLoss: Decimal.ROUND_FLOOR,
};

export function roundingMode(strategy: RoundingStrategy): Decimal.Rounding {
  const mode = ROUNDING_MODES[strategy];
  if (mode === undefined) throw new TypeError(`unknown rounding strategy '${String(strategy)}'`);
  return mode;
}

/** The constructor side of a value type: what `DecimalValue` needs to build results of the receiver's type. */
export interface ValueType<T extends DecimalValue> {
  new (small: number, big: Decimal | undefined, scale: number): T;
  readonly kind: ParamKind;
  readonly nonNegative: boolean;
}

/*
 * Two exact representations. Most prices and quantities have few digits, so a value whose
 * mantissa is a safe integer (|m| < 2^53) and whose scale is at most 15 is held as that
 * integer: additions, products and comparisons are then plain integer arithmetic, checked
 * with `Number.isSafeInteger` (a result that would not be exact is not safe, and the
 * operation falls back). Everything else (long mantissas, scales over 15, quotients,
 * rounding) goes through decimal.js. Both give the same digits; tests compare them.
 */
export const SMALL_MAX_SCALE = 15;
export const SMALL_MAX_DIGITS = 15;
const POW10: readonly number[] = Array.from({ length: SMALL_MAX_SCALE + 1 }, (_, i) => 10 ** i);

/**
 * Digits of the mantissa of `d` written at `scale`, from decimal.js's exponent: cheap,
 * and exact for every value that already has at most `scale` fractional digits.
 */
function mantissaDigits(d: Decimal, scale: number): number {
  return d.e + 1 + scale;
}

function mantissaFits(d: Decimal, scale: number): boolean {
  const digits = mantissaDigits(d, scale);
  if (digits < MAX_MANTISSA_DIGITS) return true;
  if (digits > MAX_MANTISSA_DIGITS) return false;
  return d.abs().times(Dec.pow(10, scale)).lte(MAX_MANTISSA);
}

/**
 * Fits an exact result into the domain the way rust_decimal does: a scale over 28, or a
 * mantissa too wide for 96 bits, gives up fractional digits, and the exact value is rounded
 * half-even once, at the widest scale whose mantissa fits. rust_decimal divides by the
 * whole power of ten keeping a sticky remainder, so it never rounds a rounded value:
 * …818.1054 at two places is …818.11, where rounding one place at a time (.105, then .10)
 * would lose the digit. If it does not fit at scale 0 the value is out of range: that is
 * an `Overflow` error, never a silent clamp.
 */
function fitResult(kind: ParamKind, exact: Decimal, scale: number): [Decimal, number] {
  if (exact.isZero()) return [ZERO, Math.min(scale, MAX_SCALE)];
  // The widest scale the integer digits leave room for; one less when rounding carries
  // into a new digit (9.96 → 10.0) or a 29-digit mantissa is over 2^96 − 1.
  let s = Math.min(scale, MAX_SCALE, MAX_MANTISSA_DIGITS - (exact.e + 1));
  for (;;) {
    if (s < 0) throw new ParamError(kind, "Overflow", "value is outside ±79228162514264337593543950335");
    const d = s >= scale ? exact : exact.toDecimalPlaces(s, Decimal.ROUND_HALF_EVEN);
    if (d.isZero()) return [ZERO, s];
    if (mantissaFits(d, s)) return [d, s];
    s -= 1;
  }
}

function negativeError(type: ValueType<DecimalValue>, text: string): ParamError {
  return new ParamError(type.kind, "Negative", `value ${text} must not be negative`);
}

function checkSign(type: ValueType<DecimalValue>, d: Decimal): void {
  if (type.nonNegative && d.isNegative() && !d.isZero()) throw negativeError(type, d.toString());
}

/** The small mantissa of an exact decimal with at most `scale` fractional digits, if it has one. */
function smallMantissa(d: Decimal, scale: number): number | undefined {
  if (scale > SMALL_MAX_SCALE) return undefined;
  if (d.isZero()) return 0;
  if (mantissaDigits(d, scale) > SMALL_MAX_DIGITS) return undefined;
  return d.times(POW10[scale]!).toNumber();
}

/**
 * A value from a safe-integer mantissa `m` at `scale` (at most 15); -0 is normalised to 0.
 * Exported for the integer fast paths of hot code (they compute mantissas with
 * `rescaled` and build only the values they hand on); both preconditions are the caller's.
 */
export function smallValue<T extends DecimalValue>(type: ValueType<T>, m: number, scale: number): T {
  if (m === 0) return new type(0, undefined, scale);
  if (m < 0 && type.nonNegative) throw negativeError(type, formatSmall(m, scale));
  return new type(m, undefined, scale);
}

/** Scratch for `formatSmall`. */
const CHARS = new Uint8Array(SMALL_CHARS_MAX);

/**
 * The first `n` character codes of `c` as one string: a direct call with the codes as
 * arguments makes exactly one string (`apply` would copy the arguments to the heap).
 */
function charsToString(c: Uint8Array, n: number): string {
  switch (n) {
    case 1:
      return String.fromCharCode(c[0]!);
    case 2:
      return String.fromCharCode(c[0]!, c[1]!);
    case 3:
      return String.fromCharCode(c[0]!, c[1]!, c[2]!);
    case 4:
      return String.fromCharCode(c[0]!, c[1]!, c[2]!, c[3]!);
    case 5:
      return String.fromCharCode(c[0]!, c[1]!, c[2]!, c[3]!, c[4]!);
    case 6:
      return String.fromCharCode(c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!);
    case 7:
      return String.fromCharCode(c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!);
    case 8:
      return String.fromCharCode(c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!);
    case 9:
      return String.fromCharCode(c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!, c[8]!);
    case 10:
      return String.fromCharCode(c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!, c[8]!, c[9]!);
    case 11:
      return String.fromCharCode(c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!, c[8]!, c[9]!, c[10]!);
    case 12:
      return String.fromCharCode(c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!, c[8]!, c[9]!, c[10]!, c[11]!);
    case 13:
      return String.fromCharCode(c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!, c[8]!, c[9]!, c[10]!, c[11]!, c[12]!);
    case 14:
      return String.fromCharCode(c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!, c[8]!, c[9]!, c[10]!, c[11]!, c[12]!, c[13]!);
    case 15:
      return String.fromCharCode(c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!, c[8]!, c[9]!, c[10]!, c[11]!, c[12]!, c[13]!, c[14]!);
    case 16:
      return String.fromCharCode(c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!, c[8]!, c[9]!, c[10]!, c[11]!, c[12]!, c[13]!, c[14]!, c[15]!);
    case 17:
      return String.fromCharCode(c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!, c[8]!, c[9]!, c[10]!, c[11]!, c[12]!, c[13]!, c[14]!, c[15]!, c[16]!);
    case 18:
      return String.fromCharCode(c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!, c[8]!, c[9]!, c[10]!, c[11]!, c[12]!, c[13]!, c[14]!, c[15]!, c[16]!, c[17]!);
    default: {
      let s = "";
      for (let i = 0; i < n; i++) s += String.fromCharCode(c[i]!);
      return s;
    }
  }
}

/**
 * `m` at `scale` as text. Written character by character into a scratch array and made
 * into one string: slicing and joining the digits of `String(m)` made four or five
 * intermediate strings per decimal, and every answer prints several decimals.
 */
function formatSmall(m: number, scale: number): string {
  if (scale === 0) return String(m);
  return charsToString(CHARS, smallDecimalChars(CHARS, m, scale));
}

/**
 * Whether `v` is zero, in either form: a zero written with more than 15 decimals (an 18-decimal
 * fee) or a product past that scale is held in decimal.js form, its `small` NaN (found by
 * review, session 38: those zeros missed the zero-operand rule). The common case is one read.
 */
export function isZeroValue(v: DecimalValue): boolean {
  const m = v.small;
  return m === 0 || (m !== m && v.big!.isZero());
}

/** `m` rescaled from `from` to `to` (to ≥ from, or m is 0; both ≤ 15); NaN when it is not exact. */
export function rescaled(m: number, from: number, to: number): number {
  // A zero may go to a smaller scale: a sum with a zero operand takes the other's (`sum`).
  const r = from === to || m === 0 ? m : m * POW10[to - from]!;
  return Number.isSafeInteger(r) ? r : NaN;
}

/**
 * The mantissa at `scale` (the larger of the two scales) of `a` at scale `as` plus `sign ×
 * b`, when both are small and the result is a safe integer; NaN otherwise (then decimal.js
 * computes it). The sign rule is the caller's (`smallValue`). The one integer fast path of
 * `add`/`sub`, shared with `DecimalCell`, which sums in place.
 */
export function smallAddend(a: number, as: number, b: DecimalValue, sign: 1 | -1, scale: number): number {
  if (a !== a || b.small !== b.small) return NaN;
  const r = rescaled(a, as, scale) + sign * rescaled(b.small, b.scale, scale);
  return Number.isSafeInteger(r) ? r : NaN;
}

/**
 * The order of `a` at scale `as` and `b` at scale `bs` (safe-integer mantissas, scales at
 * most 15), as `compare` gives it for the two values; NaN when the rescaled mantissas are
 * not exact (then compare the values themselves).
 */
export function compareSmall(a: number, as: number, b: number, bs: number): number {
  const scale = as > bs ? as : bs;
  const x = rescaled(a, as, scale);
  const y = rescaled(b, bs, scale);
  if (x !== x || y !== y) return NaN;
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * The scale of a quotient as rust_decimal gives it: at least the dividend's scale minus the
 * divisor's (`10.00 / 2` is `5.00`), more when the digits need it (`1 / 3`), up to 28.
 */
export function quotientScale(quotient: Decimal, dividendScale: number, divisorScale: number): number {
  // rust_decimal's div_impl: a zero dividend gives Decimal::ZERO, scale 0 (0.00 / 2 is 0).
  if (quotient.isZero()) return 0;
  return Math.max(0, quotient.decimalPlaces(), dividendScale - divisorScale);
}

/** Builds a value of `type` from an exact result, fitting scale/range and checking sign. */
export function makeValue<T extends DecimalValue>(type: ValueType<T>, d: Decimal, scale: number): T {
  const [fitted, fittedScale] = fitResult(type.kind, d, scale);
  checkSign(type, fitted);
  const m = smallMantissa(fitted, fittedScale);
  return m === undefined ? new type(NaN, fitted, fittedScale) : new type(m, undefined, fittedScale);
}

/** `a × b` as a value of `type` (scale = the sum of the operands' scales). */
export function product<T extends DecimalValue>(type: ValueType<T>, a: DecimalValue, b: DecimalValue): T {
  // rust_decimal's mul_impl: a zero operand gives Decimal::ZERO, scale 0 (0.00 × 4 is 0).
  if (isZeroValue(a) || isZeroValue(b)) return smallValue(type, 0, 0);
  const scale = a.scale + b.scale;
  if (a.small === a.small && b.small === b.small && scale <= SMALL_MAX_SCALE) {
    const m = a.small * b.small;
    if (Number.isSafeInteger(m)) return smallValue(type, m, scale);
  }
  return makeValue(type, a.decimal.times(b.decimal), scale);
}

/**
 * Whether `sum` (a ± b in the domain) has a smaller scale than its operands: only then can it
 * have been rounded, as a sum gives up scale only to fit 29 digits (`fitResult`). A scale
 * comparison, nothing built: the callers repeat a comparison unrounded when it says yes.
 */
export function sumLostScale(a: DecimalValue, b: DecimalValue, sum: DecimalValue): boolean {
  // A zero operand gives the other one as it is (rust_decimal), whatever the zero's scale.
  return sum.scale < (a.scale > b.scale ? a.scale : b.scale) && !isZeroValue(a) && !isZeroValue(b);
}

/**
 * `0 ± other` as rust_decimal gives it: `other` itself, negated for a difference, at its own
 * scale (`add_sub_internal` returns the other operand when one is zero). A negative result of
 * a non-negative type is its Negative error, as any other sum's.
 */
export function zeroPlus<T extends DecimalValue>(type: ValueType<T>, other: DecimalValue, sign: 1 | -1): T {
  const m = other.small;
  if (m === m) return smallValue(type, m === 0 ? 0 : sign * m, other.scale);
  if (other.big!.isZero()) return new type(NaN, other.big, other.scale);
  return makeValue(type, sign === 1 ? other.decimal : other.decimal.negated(), other.scale);
}

/**
 * `a × b` as a value of `a`'s type when the product is exact, else undefined (it would be
 * rounded to 29 digits, or it is out of range). For comparisons that must hold to the last
 * digit (a band, a threshold): the caller compares unrounded decimals when this says no.
 */
export function exactProduct<T extends DecimalValue>(a: T, b: DecimalValue): T | undefined {
  if (isZeroValue(a) || isZeroValue(b)) return smallValue(a.constructor as ValueType<T>, 0, 0);
  const scale = a.scale + b.scale;
  if (a.small === a.small && b.small === b.small && scale <= SMALL_MAX_SCALE) {
    const m = a.small * b.small;
    if (Number.isSafeInteger(m)) return smallValue(a.constructor as ValueType<T>, m, scale);
  }
  return exactly(a.constructor as ValueType<T>, a.decimal.times(b.decimal), scale);
}

/** `a − b` when the difference is exact, else undefined (see `exactProduct`). */
export function exactDifference<T extends DecimalValue>(a: T, b: T): T | undefined {
  // A zero operand: the other as it is (`sum`), exact by construction.
  if (isZeroValue(a) || isZeroValue(b)) return a.sub(b);
  const scale = a.scale > b.scale ? a.scale : b.scale;
  const m = smallAddend(a.small, a.scale, b, -1, scale);
  if (m === m) return smallValue(a.constructor as ValueType<T>, m, scale);
  return exactly(a.constructor as ValueType<T>, a.decimal.minus(b.decimal), scale);
}

/** `exact` as a value of `type` if fitting it loses nothing (no rounding, in range, sign allowed). */
function exactly<T extends DecimalValue>(type: ValueType<T>, exact: Decimal, scale: number): T | undefined {
  let value: T;
  try {
    value = makeValue(type, exact, scale);
  } catch (e) {
    if (e instanceof ParamError) return undefined;
    throw e;
  }
  return value.decimal.eq(exact) ? value : undefined;
}

/** Parses the plain notation `-?digits[.digits]` and nothing else. */
export function parseValue<T extends DecimalValue>(type: ValueType<T>, text: string): T {
  if (typeof text !== "string" || !PLAIN_NUMBER.test(text)) {
    throw new ParamError(type.kind, "InvalidFormat", `${quoted(String(text))} is not a plain decimal number`);
  }
  const dot = text.indexOf(".");
  const scale = dot < 0 ? 0 : text.length - dot - 1;
  if (scale > MAX_SCALE) {
    throw new ParamError(type.kind, "Underflow", `${quoted(text)} has more than ${MAX_SCALE} fractional digits`);
  }
  const sign = text.charCodeAt(0) === 45 ? 1 : 0;
  const digitCount = text.length - sign - (dot < 0 ? 0 : 1);
  if (digitCount <= SMALL_MAX_DIGITS) {
    // At most 15 digits: the integer read of the digits is exact.
    const m = Number(dot < 0 ? text : text.slice(0, dot) + text.slice(dot + 1));
    return smallValue(type, m, scale);
  }
  let d = new Dec(text);
  if (d.isZero()) d = ZERO;
  if (!mantissaFits(d, scale)) {
    // Out of range only if the magnitude is; a value in range that does not fit is too
    // precise, the same refusal as more than 28 fractional digits (rust_decimal calls that
    // Underflow too). It read "outside ±…" for 1e12 written with 28 decimals (found by review).
    if (d.abs().lte(MAX_MANTISSA)) {
      throw new ParamError(type.kind, "Underflow", `${quoted(text)} has more digits than a decimal holds at its scale (a mantissa of at most 79228162514264337593543950335)`);
    }
    throw new ParamError(type.kind, "Overflow", `${quoted(text)} is outside ±79228162514264337593543950335`);
  }
  checkSign(type, d);
  const m = smallMantissa(d, scale);
  return m === undefined ? new type(NaN, d, scale) : new type(m, undefined, scale);
}

/**
 * An exact decimal with the scale it was written or computed with, so `"100.50"`
 * prints as `"100.50"` and `10 × 101` as `"1010"`. Immutable. Subclasses only name
 * the kind and the sign rule; every result keeps the receiver's type.
 */
export abstract class DecimalValue {
  /**
   * The class name as a static getter, here and in every subclass. Under `tsx` (esbuild's
   * keepNames) a class without a static `name` member gets its `name` redefined with
   * `Object.defineProperty` when it is declared, and V8 then stops optimising the
   * construction of its instances ("dependency change" on every attempt): a decimal
   * addition took about 1 µs instead of about 10 ns. A static `name` getter makes esbuild
   * leave the class alone and keeps `Price.name === "Price"`.
   */
  // @ts-expect-error TS2699 (a static `name` conflicts with Function.name): deliberate, it returns the same text
  static get name(): string {
    return "DecimalValue";
  }

  static readonly kind: ParamKind;
  static readonly nonNegative: boolean = false;

  /**
   * Unchecked construction: use `fromString`, `from` or arithmetic; they validate. Exactly
   * one of `small` (a safe-integer mantissa, when `big` is undefined) and `big` holds the
   * number.
   *
   * No constructor here: each subclass's constructor writes the three fields. Written here,
   * every store saw one receiver map per value type and was megamorphic (a call to V8's
   * generic store per field per value); written in the subclass, each store site sees one
   * map. With no constructor and no instance field, `super()` skips this class altogether
   * (V8 omits default constructors): a value is built by its own type's code alone, which
   * counts when the order runs cold (`bench/cold-order.ts`, `tlb`). That is also why
   * `toString` keeps no cache: a private field's initialiser is a constructor of this
   * class, and its define was megamorphic too.
   */
  /** @internal */ declare readonly small: number;
  /** @internal Also caches the decimal.js form of a small value once it was needed. */ declare big: Decimal | undefined;
  declare readonly scale: number;

  /** The number as a decimal.js value (built on demand for small values). */
  get decimal(): Decimal {
    return (this.big ??= new Dec(this.toString()));
  }

  private get isSmall(): boolean {
    return this.small === this.small; // NaN marks the decimal.js representation
  }

  static fromString<T extends DecimalValue>(this: ValueType<T>, text: string): T {
    return parseValue(this, text);
  }

  /** Exact from an integer (number must be a safe integer) or a bigint. */
  static fromInt<T extends DecimalValue>(this: ValueType<T>, value: number | bigint): T {
    if (typeof value === "number") {
      if (!Number.isSafeInteger(value)) {
        throw new ParamError(this.kind, "InvalidFormat", `${value} is not a safe integer; pass a string`);
      }
      return smallValue(this, value, 0);
    }
    return makeValue(this, new Dec(value.toString()), 0);
  }

  /** From a binary float through its shortest round-trip text; NaN and ±Infinity are errors. */
  static fromFloat<T extends DecimalValue>(this: ValueType<T>, value: number): T {
    if (!Number.isFinite(value)) throw new ParamError(this.kind, "InvalidFloat", `${value} is not a finite number`);
    const d = new Dec(value);
    return makeValue(this, d, Math.max(0, d.decimalPlaces()));
  }

  static fromStringRounded<T extends DecimalValue>(
    this: ValueType<T>,
    text: string,
    scale: number,
    strategy: RoundingStrategy,
  ): T {
    if (typeof text !== "string" || !PLAIN_NUMBER.test(text)) {
      throw new ParamError(this.kind, "InvalidFormat", `${quoted(String(text))} is not a plain decimal number`);
    }
    if (!Number.isInteger(scale) || scale < 0 || scale > MAX_SCALE) {
      throw new ParamError(this.kind, "Other", `rounding scale ${scale} is outside 0..${MAX_SCALE}`);
    }
    // Round once, from the full text: rounding to 28 digits first could round twice. A text
    // with no more places than `scale` keeps its own, as `rounded` does.
    const dot = text.indexOf(".");
    const textScale = dot < 0 ? 0 : text.length - dot - 1;
    if (textScale <= scale) return makeValue(this, new Dec(text), textScale);
    return makeValue(this, new Dec(text).toDecimalPlaces(scale, roundingMode(strategy)), scale);
  }

  static zero<T extends DecimalValue>(this: ValueType<T>): T {
    return new this(0, undefined, 0);
  }

  /** The same number as another value type (sign rules of the target apply). */
  static from<T extends DecimalValue>(this: ValueType<T>, other: DecimalValue): T {
    if (this.nonNegative && other.isNegative()) throw negativeError(this, other.toString());
    return new this(other.small, other.big, other.scale);
  }

  protected get type(): ValueType<this> {
    return this.constructor as ValueType<this>;
  }

  get kind(): ParamKind {
    return this.type.kind;
  }

  add(other: this): this {
    return this.sum(other, 1);
  }

  sub(other: this): this {
    return this.sum(other, -1);
  }

  private sum(other: DecimalValue, sign: 1 | -1): this {
    // rust_decimal leaves the other operand as it is when one is zero, its scale included:
    // 5 + 0.00 is 5, 0.0 − 1 is −1, 0.00 + 0 is 0 (found by review, session 38: the wider
    // scale was taken, so a balance that had passed through 0.0 printed 10.0 for 10).
    if (isZeroValue(this)) return zeroPlus(this.type, other, sign);
    if (isZeroValue(other)) return this;
    const scale = this.scale > other.scale ? this.scale : other.scale;
    const m = smallAddend(this.small, this.scale, other, sign, scale);
    if (m === m) return smallValue(this.type, m, scale);
    const d = sign === 1 ? this.decimal.plus(other.decimal) : this.decimal.minus(other.decimal);
    return makeValue(this.type, d, scale);
  }

  /** Product with any value; the result keeps the receiver's type and the summed scale. */
  mul(other: DecimalValue): this {
    return product(this.type, this, other);
  }

  /** Quotient; a zero divisor is `DivisionByZero`. The result carries only the digits it needs. */
  div(other: DecimalValue): this {
    if (other.isZero()) throw new ParamError(this.kind, "DivisionByZero", "division by zero");
    // decimal.js rounds the quotient at 96 digits before it is fitted at 29 or fewer. That
    // cannot move a rounding: a quotient of two 96-bit mantissas that is not a tie at the
    // fitted place lies at least 1/b of that place's unit from one, far more than 96 digits
    // can hide (test/param/decimal-rounding.test.ts checks against a 300-digit quotient).
    const q = this.decimal.dividedBy(other.decimal);
    return makeValue(this.type, q, quotientScale(q, this.scale, other.scale));
  }

  /**
   * Remainder of the truncated quotient, as rust_decimal's `checked_rem` (spec §3.5, §8; its
   * rem_impl): a zero divisor is `DivisionByZero`; a zero dividend, or one of the divisor's
   * magnitude, gives 0 at scale 0; one of smaller magnitude is the result as it is (1 mod 2.50
   * is 1); otherwise the dividend's sign at the wider scale (7.50 mod 2 is 1.50, −7 mod 3 is −1).
   * Exact: its magnitude is below the divisor's, its digits within both scales.
   */
  mod(other: DecimalValue): this {
    if (other.isZero()) throw new ParamError(this.kind, "DivisionByZero", "division by zero");
    if (this.isZero()) return smallValue(this.type, 0, 0);
    const byMagnitude = this.abs().compare(other.abs());
    if (byMagnitude < 0) return this;
    if (byMagnitude === 0) return smallValue(this.type, 0, 0);
    // Dec's modulo mode is decimal.js's default, ROUND_DOWN: the truncated quotient's remainder.
    return makeValue(this.type, this.decimal.mod(other.decimal), this.scale > other.scale ? this.scale : other.scale);
  }

  neg(): this {
    if (this.isSmall) return smallValue(this.type, -this.small, this.scale);
    return makeValue(this.type, this.decimal.negated(), this.scale);
  }

  abs(): this {
    return this.isNegative() ? this.neg() : this;
  }

  rounded(scale: number, strategy: RoundingStrategy): this {
    if (!Number.isInteger(scale) || scale < 0 || scale > MAX_SCALE) {
      throw new ParamError(this.kind, "Other", `rounding scale ${scale} is outside 0..${MAX_SCALE}`);
    }
    // rust_decimal's round_dp_with_strategy returns a value with no more places as it is
    // ("2.51 rounded to 3 decimal places is 2.51"): it never pads (found by review).
    if (this.scale <= scale) return this;
    return makeValue(this.type, this.decimal.toDecimalPlaces(scale, roundingMode(strategy)), scale);
  }

  compare(other: DecimalValue): -1 | 0 | 1 {
    if (this.isSmall && other.isSmall) {
      const c = compareSmall(this.small, this.scale, other.small, other.scale);
      if (c === c) return c as -1 | 0 | 1;
    }
    return this.decimal.comparedTo(other.decimal) as -1 | 0 | 1;
  }

  eq(other: DecimalValue): boolean {
    return this.compare(other) === 0;
  }
  /** The same number (scale aside: 10.50 equals 10.5), as the JS binding's `equals` (spec §8). */
  equals(other: DecimalValue): boolean {
    return this.compare(other) === 0;
  }
  lt(other: DecimalValue): boolean {
    return this.compare(other) < 0;
  }
  lte(other: DecimalValue): boolean {
    return this.compare(other) <= 0;
  }
  gt(other: DecimalValue): boolean {
    return this.compare(other) > 0;
  }
  gte(other: DecimalValue): boolean {
    return this.compare(other) >= 0;
  }

  isZero(): boolean {
    return this.isSmall ? this.small === 0 : this.big!.isZero();
  }
  isNegative(): boolean {
    return this.isSmall ? this.small < 0 : this.big!.isNegative() && !this.big!.isZero();
  }
  isPositive(): boolean {
    return this.isSmall ? this.small > 0 : this.big!.isPositive() && !this.big!.isZero();
  }

  toString(): string {
    return this.isSmall ? formatSmall(this.small, this.scale) : this.big!.toFixed(this.scale);
  }

  toJSON(): string {
    return this.toString();
  }
}
