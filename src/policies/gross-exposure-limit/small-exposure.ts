/**
 * The gross-exposure check's figures on plain integers: `worstWith` and `grossExposurePair`
 * (exposure.ts, the reference) for books whose figures are small decimals (safe-integer
 * mantissas at scales up to 15, as `DecimalValue` holds most of them), without an object
 * per intermediate step. The same operations in the same order, so the same values and
 * scales: each sum, product and comparison is what `DecimalValue`'s own integer fast path
 * computes, and wherever that path would leave the integers (an operand or a result that is
 * not a safe integer, a scale over 15) this one goes on with the values themselves.
 *
 * The integer steps are exact. A product past them may be rounded to 29 digits, and so may
 * a sum (`ExactSum`) or an FX-converted price (`LimitPrice.unrounded`, never a small value:
 * a rounded product has a scale of 28 or 28–29 digits, so it never takes the integer
 * steps): `next` then keeps the exact total beside the rounded one (`ExactSum.unrounded`).
 * So may another instrument's worst case in the book (never a small value either): it is
 * valued exactly then (`exactBookWorst`). The ordered instrument's worst cases here are
 * integer sums, exact; figures past them go to `worstWith`, which says when it rounded.
 */
import type { AccountGroupId, AccountId } from "../../param/ids.js";
import type { Asset, Instrument } from "../../param/instrument.js";
import type { Side } from "../../param/enums.js";
import { compareSmall, rescaled, smallValue, SMALL_MAX_SCALE, type DecimalValue } from "../../param/decimal-value.js";
import { ExactSum } from "../../param/exact-sum.js";
import { PositionSize, type Price, type Quantity } from "../../param/values.js";
import type { Decimal } from "decimal.js";
import type { AccountBookView, BookInstrument } from "../../engine/account-book/account-book-view.js";
import type { MarketDataSource } from "../../marketdata/market-data-source.js";
import { priceInLimitAsset, type ExposureFailure, type FoundLimitPrice } from "./limit-price.js";
import { exactBookWorst, exactNotional, exactTimes } from "./exposure.js";

const isSmall = (v: DecimalValue): boolean => v.small === v.small;

/**
 * One per policy, rewritten by every check (nothing here survives a check): the ordered
 * instrument's worst case before and after the order, then the account's totals now and
 * with the order.
 */
export class SmallExposure {
  beforeM = 0;
  beforeS = 0;
  afterM = 0;
  afterS = 0;
  readonly now = new ExactSum(PositionSize);
  readonly next = new ExactSum(PositionSize);

  /**
   * `worstWith(entry, side, extra)` as mantissas and scales. False (nothing set that
   * matters) when a figure or an intermediate result is not a safe integer: then the caller
   * uses `worstWith`. Nothing is looked up here, so falling back repeats nothing.
   */
  worstCases(entry: BookInstrument | undefined, side: Side, extra: Quantity): boolean {
    let pm = 0, ps = 0, bm = 0, bs = 0, sm = 0, ss = 0;
    if (entry !== undefined) {
      const { position, pendingBuy, pendingSell } = entry;
      if (!isSmall(position) || !isSmall(pendingBuy) || !isSmall(pendingSell)) return false;
      pm = position.small;
      ps = position.scale;
      bm = pendingBuy.small;
      bs = pendingBuy.scale;
      sm = pendingSell.small;
      ss = pendingSell.scale;
    }
    if (!isSmall(extra)) return false;
    const em = extra.small;
    const es = extra.scale;
    // up = |position + buys|, down = |position − sells| (worstQuantity).
    const su = sumScale(pm, ps, bm, bs);
    const up = Math.abs(rescaled(pm, ps, su) + rescaled(bm, bs, su));
    const sd = sumScale(pm, ps, sm, ss);
    const down = Math.abs(rescaled(pm, ps, sd) - rescaled(sm, ss, sd));
    if (!Number.isSafeInteger(up) || !Number.isSafeInteger(down)) return false;
    const c = compareSmall(up, su, down, sd);
    if (c !== c) return false;
    if (c >= 0) this.#before(up, su);
    else this.#before(down, sd);
    if (side === "BUY") {
      const sb = sumScale(bm, bs, em, es);
      const buys = rescaled(bm, bs, sb) + rescaled(em, es, sb);
      if (!Number.isSafeInteger(buys)) return false;
      const sa = sumScale(pm, ps, buys, sb);
      const upAfter = Math.abs(rescaled(pm, ps, sa) + rescaled(buys, sb, sa));
      if (!Number.isSafeInteger(upAfter)) return false;
      const ca = compareSmall(upAfter, sa, down, sd);
      if (ca !== ca) return false;
      if (ca >= 0) this.#after(upAfter, sa);
      else this.#after(down, sd);
      return true;
    }
    const sl = sumScale(sm, ss, em, es);
    const sells = rescaled(sm, ss, sl) + rescaled(em, es, sl);
    if (!Number.isSafeInteger(sells)) return false;
    const sa = sumScale(pm, ps, sells, sl);
    const downAfter = Math.abs(rescaled(pm, ps, sa) - rescaled(sells, sl, sa));
    if (!Number.isSafeInteger(downAfter)) return false;
    const ca = compareSmall(up, su, downAfter, sa);
    if (ca !== ca) return false;
    if (ca >= 0) this.#after(up, su);
    else this.#after(downAfter, sa);
    return true;
  }

  /** `after.lte(before)` of the last `worstCases` (both are exact, so the comparison is). */
  orderDoesNotRaise(): boolean {
    const c = compareSmall(this.afterM, this.afterS, this.beforeM, this.beforeS);
    return c === c ? c <= 0 : smallValue(PositionSize, this.afterM, this.afterS).lte(smallValue(PositionSize, this.beforeM, this.beforeS));
  }

  /**
   * `grossExposurePair(…, instrument, before, after)` with the worst cases of the last
   * `worstCases`: fills `now` and `next`, or returns the failure it would return (the same
   * lookups, in the same order).
   */
  value(
    book: AccountBookView,
    marketData: MarketDataSource,
    accountId: AccountId,
    group: AccountGroupId | undefined,
    asset: Asset,
    instrument: Instrument,
  ): ExposureFailure | undefined {
    const { now, next, beforeM, beforeS, afterM, afterS } = this;
    now.reset();
    next.reset();
    let seen = false;
    let deferred: ExposureFailure | undefined;
    for (const entry of book.instruments(accountId)) {
      const i = entry.instrument;
      if (i.underlyingAsset === instrument.underlyingAsset && i.settlementAsset === instrument.settlementAsset) {
        seen = true;
        if (beforeM === 0 && afterM === 0) {
          now.addSmall(0, beforeS);
          next.addSmall(0, afterS);
          continue;
        }
        const ref = priceInLimitAsset(marketData, i, asset, accountId, group);
        if (!ref.ok) {
          if (beforeM !== 0) return ref;
          deferred = ref;
          continue;
        }
        addNotional(now, beforeM, beforeS, ref.price, ref);
        addNotional(next, afterM, afterS, ref.price, ref);
        continue;
      }
      const worst = entry.worst;
      if (worst.isZero()) {
        now.add(worst);
        next.add(worst);
        continue;
      }
      const ref = priceInLimitAsset(marketData, i, asset, accountId, group);
      if (!ref.ok) return ref;
      const price = ref.price;
      if (isSmall(worst) && isSmall(price) && worst.scale + price.scale <= SMALL_MAX_SCALE) {
        const m = Math.abs(worst.small * price.small);
        if (Number.isSafeInteger(m)) {
          now.addSmall(m, worst.scale + price.scale);
          next.addSmall(m, worst.scale + price.scale);
          continue;
        }
      }
      addToBoth(now, next, worst, ref, exactBookWorst(entry));
    }
    if (deferred !== undefined) return deferred;
    if (!seen) {
      if (afterM === 0) {
        next.addSmall(0, afterS);
        return undefined;
      }
      const ref = priceInLimitAsset(marketData, instrument, asset, accountId, group);
      if (!ref.ok) return ref;
      addNotional(next, afterM, afterS, ref.price, ref);
    }
    return undefined;
  }

  #before(m: number, s: number): void {
    this.beforeM = m;
    this.beforeS = s;
  }

  #after(m: number, s: number): void {
    this.afterM = m;
    this.afterS = s;
  }
}

/**
 * The scale of `a ± b` (mantissas `am`, `bm` at scales `as`, `bs`) as `add` gives it: a zero
 * operand leaves the other as it is (rust_decimal), else the larger scale.
 */
function sumScale(am: number, as: number, bm: number, bs: number): number {
  return am === 0 ? bs : bm === 0 ? as : as > bs ? as : bs;
}

/**
 * Adds the notional of a worst case `m` at scale `s` (never negative) at `price` (`ref.price`): the worst
 * case itself when it is zero (its scale, no product), else |worst × price| with the scale
 * of the product (`valuePair`), its exact value kept beside when that was rounded.
 */
function addNotional(sum: ExactSum<PositionSize>, m: number, s: number, price: Price, ref: FoundLimitPrice): void {
  if (m === 0) {
    sum.addSmall(0, s);
    return;
  }
  const scale = s + price.scale;
  if (isSmall(price) && scale <= SMALL_MAX_SCALE) {
    const r = Math.abs(m * price.small);
    if (Number.isSafeInteger(r)) {
      sum.addSmall(r, scale);
      return;
    }
  }
  addValued(sum, smallValue(PositionSize, m, s), ref);
}

/**
 * |worst × price| past the integers, to `now` and `next` (its exact value kept beside in
 * `next` when rounded); `exactWorst`: the exact worst case when the book's `worst` is rounded.
 */
function addToBoth(now: ExactSum<PositionSize>, next: ExactSum<PositionSize>, worst: PositionSize, ref: FoundLimitPrice, exactWorst: Decimal | undefined): void {
  const notional = exactWorst === undefined ? exactNotional(worst, ref) : undefined;
  if (notional !== undefined) {
    now.add(notional);
    next.add(notional);
    return;
  }
  const rounded = worst.mul(ref.price).abs();
  now.add(rounded);
  next.addUnrounded(rounded, exactTimes(exactWorst ?? worst.decimal, ref));
}

/** |worst × price| past the integers, to `sum`, its exact value kept beside when rounded. */
function addValued(sum: ExactSum<PositionSize>, worst: PositionSize, ref: FoundLimitPrice): void {
  const exact = exactNotional(worst, ref);
  if (exact !== undefined) sum.add(exact);
  else sum.addUnrounded(worst.mul(ref.price).abs(), exactTimes(worst.decimal, ref));
}
