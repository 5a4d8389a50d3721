/**
 * Gross exposure from the account book: per instrument the worst case of its position
 * with every open buy filled or every open sell filled, valued at the reference price.
 */
import type { AccountGroupId, AccountId } from "../../param/ids.js";
import type { Asset, Instrument } from "../../param/instrument.js";
import type { Side } from "../../param/enums.js";
import { PositionSize, Quantity } from "../../param/values.js";
import { Dec, exactProduct, sumLostScale, Unbounded } from "../../param/decimal-value.js";
import type { Decimal } from "decimal.js";
import type { AccountBookView, BookInstrument } from "../../engine/account-book/account-book-view.js";
import type { MarketDataSource } from "../../marketdata/market-data-source.js";
import { worstQuantity } from "../../engine/account-book/worst-case.js";
import { priceInLimitAsset, type ExposureFailure, type FoundLimitPrice } from "./limit-price.js";

export { worstQuantity };

/**
 * The worst case of one instrument with `extra` more open on `side`, and whether a sum of it
 * gave up scale (`inexact`): past 29 digits the domain rounds it (open buys 10 + this order's
 * 10^-28 are 10), and the two figures may then say that an order which raises the worst case
 * does not. The caller decides such a check on the exact figures (`exactWorst`).
 */
export function worstWith(entry: BookInstrument | undefined, side: Side, extra: Quantity): [before: PositionSize, after: PositionSize, inexact: boolean] {
  const position = entry?.position ?? PositionSize.zero();
  const buys = entry?.pendingBuy ?? Quantity.zero();
  const sells = entry?.pendingSell ?? Quantity.zero();
  // The same operations as worstQuantity for both (so the same values and scales), the side
  // the order does not touch computed once for both. `before` is computed here rather than
  // read from the book: the engine's reserve of every accepted order drops the book's
  // derived figure, so it would be computed afresh at nearly every check anyway.
  const up = position.add(PositionSize.from(buys)).abs();
  const down = position.sub(PositionSize.from(sells)).abs();
  const before = up.gte(down) ? up : down;
  // A position the book holds rounded is inexact from the start (its exact value decides).
  const inexact = entry?.positionUnrounded !== undefined || sumLostScale(position, buys, up) || sumLostScale(position, sells, down);
  if (side === "BUY") {
    const pending = buys.add(extra);
    const upAfter = position.add(PositionSize.from(pending)).abs();
    return [before, upAfter.gte(down) ? upAfter : down, inexact || sumLostScale(buys, extra, pending) || sumLostScale(position, pending, upAfter)];
  }
  const pending = sells.add(extra);
  const downAfter = position.sub(PositionSize.from(pending)).abs();
  return [before, up.gte(downAfter) ? up : downAfter, inexact || sumLostScale(sells, extra, pending) || sumLostScale(position, pending, downAfter)];
}

/**
 * One instrument's worst case in unbounded arithmetic, for a check whose figures were
 * rounded (`worstWith`'s `inexact`): `before`, exact, and `room`, how much more may open on
 * `side` without raising it (≥ 0: before − (position + buys) for a buy, before + (position −
 * sells) for a sell). An order of q raises the worst case exactly when q > room, to
 * before + q − room.
 */
export function exactWorst(entry: BookInstrument | undefined, side: Side): { readonly before: Decimal; readonly room: Decimal } {
  const position = new Unbounded(entry === undefined ? 0 : (entry.positionUnrounded ?? entry.position.decimal));
  const buys = entry === undefined ? UNBOUNDED_ZERO : entry.pendingBuy.decimal;
  const sells = entry === undefined ? UNBOUNDED_ZERO : entry.pendingSell.decimal;
  const long = position.plus(buys);
  const short = position.minus(sells);
  const before = Unbounded.max(long.abs(), short.abs());
  return { before, room: side === "BUY" ? before.minus(long) : before.plus(short) };
}

/**
 * The exact worst case of a book entry when the book's figure (`entry.worst`: sums the
 * domain rounds past 29 digits, position 10 with open buys of 10^-28 is 10) was rounded,
 * else undefined. A rounded figure has 28–29 digits, so never a small mantissa, and a
 * scale below its operands': the usual entry costs a read and a comparison.
 */
export function exactBookWorst(entry: BookInstrument): Decimal | undefined {
  const worst = entry.worst;
  const { position, pendingBuy, pendingSell, positionUnrounded } = entry;
  if (positionUnrounded === undefined) {
    if (worst.small === worst.small) return undefined;
    const s = worst.scale;
    if (s >= position.scale && s >= pendingBuy.scale && s >= pendingSell.scale) return undefined;
  }
  // The position itself may be held rounded (a fill past 29 digits): its exact value then.
  const p = new Unbounded(positionUnrounded ?? position.decimal);
  const exact = Unbounded.max(p.plus(pendingBuy.decimal).abs(), p.minus(pendingSell.decimal).abs());
  return exact.eq(worst.decimal) ? undefined : exact;
}

/** The exact worst case after an order of `q` (see `exactWorst`). */
export function exactWorstAfter(worst: { readonly before: Decimal; readonly room: Decimal }, q: Decimal): Decimal {
  return q.gt(worst.room) ? worst.before.plus(q).minus(worst.room) : worst.before;
}

/**
 * `worstWith(entry, side, extra)`'s after > before, in unbounded arithmetic (decimal.js, 96
 * digits: exact for these sums): for a book whose worst case is past the decimal range, where
 * `worstWith` throws. Only on that path; the figures are compared, never kept.
 */
export function raisesWorstUnbounded(entry: BookInstrument | undefined, side: Side, extra: Decimal): boolean {
  if (extra.isZero()) return false;
  const position = entry === undefined ? DEC_ZERO : (entry.positionUnrounded ?? entry.position.decimal);
  const buys = entry === undefined ? DEC_ZERO : entry.pendingBuy.decimal;
  const sells = entry === undefined ? DEC_ZERO : entry.pendingSell.decimal;
  const up = position.plus(buys).abs();
  const down = position.minus(sells).abs();
  const before = up.gte(down) ? up : down;
  const after = side === "BUY" ? Dec.max(position.plus(buys).plus(extra).abs(), down) : Dec.max(up, position.minus(sells).minus(extra).abs());
  return after.gt(before);
}

const DEC_ZERO = new Dec(0);
const UNBOUNDED_ZERO = new Unbounded(0);

/**
 * `unrounded` is the exact notional when `notional` was rounded (a product, a sum or a worst
 * case past 29 digits; see `exactNotional`, `addExact`, `exactBookWorst`), else undefined.
 */
export type Exposure = { readonly ok: true; readonly notional: PositionSize; readonly unrounded?: Decimal | undefined } | ExposureFailure;

/**
 * |worst × price| when the decimal domain holds it exactly (and the price is not itself a
 * rounded product), else undefined: then the figure is `worst.mul(price.price).abs()`,
 * rounded to 29 digits, and the exact one `exactTimes(worst.decimal, price)`. A limit compares the exact
 * total whenever a term or a partial sum of it was rounded (a rounded notional let an
 * exposure one step past the limit through, found by review).
 */
export function exactNotional(worst: PositionSize, price: FoundLimitPrice): PositionSize | undefined {
  if (price.unrounded !== undefined) return undefined;
  return exactProduct(worst, price.price)?.abs();
}

/** |exact × price| (`Unbounded`), from the unrounded price when it has one. */
export function exactTimes(exact: Decimal, price: FoundLimitPrice): Decimal {
  return new Unbounded(exact).times(price.unrounded ?? price.price.decimal).abs();
}

/**
 * The exact total after `sum = total + term` in the decimal domain, `term` being
 * `unroundedTerm` rounded (undefined: `term` is exact), given `unbounded`, the exact total
 * before (undefined: `total` is exact). Undefined while every step was exact: nothing is
 * built then (a sum is exact when it kept its scale, as `fitResult` gives up scale only to round).
 */
export function addExact(unbounded: Decimal | undefined, total: PositionSize, term: PositionSize, sum: PositionSize, unroundedTerm: Decimal | undefined): Decimal | undefined {
  if (unbounded !== undefined) return unbounded.plus(unroundedTerm ?? term.decimal);
  if (unroundedTerm === undefined && !sumLostScale(total, term, sum)) return undefined;
  return new Unbounded(total.decimal).plus(unroundedTerm ?? term.decimal);
}

/**
 * Σ worst quantity × |reference in `asset`| over all the account's instruments (those
 * settling elsewhere converted, limit-price.ts), with
 * `override` (the instrument being ordered) counted at the given worst quantity instead.
 * An instrument with nothing at stake needs no price; one that has stake and no fresh
 * reference makes the whole figure unknown (the caller fails closed).
 */
export function grossExposure(
  book: AccountBookView,
  marketData: MarketDataSource,
  accountId: AccountId,
  group: AccountGroupId | undefined,
  asset: Asset,
  override?: { readonly instrument: Instrument; readonly worst: PositionSize },
): Exposure {
  let total = PositionSize.zero();
  let unbounded: Decimal | undefined;
  let overridden = false;
  for (const entry of book.instruments(accountId)) {
    const instrument = entry.instrument;
    let valued: Exposure;
    if (override !== undefined && sameInstrument(instrument, override.instrument)) {
      valued = value(marketData, instrument, asset, override.worst, accountId, group);
      overridden = true;
    } else {
      valued = value(marketData, instrument, asset, entry.worst, accountId, group, exactBookWorst(entry));
    }
    if (!valued.ok) return valued;
    const sum = total.add(valued.notional);
    unbounded = addExact(unbounded, total, valued.notional, sum, valued.unrounded);
    total = sum;
  }
  if (override !== undefined && !overridden) {
    const valued = value(marketData, override.instrument, asset, override.worst, accountId, group);
    if (!valued.ok) return valued;
    const sum = total.add(valued.notional);
    unbounded = addExact(unbounded, total, valued.notional, sum, valued.unrounded);
    total = sum;
  }
  return { ok: true, notional: total, unrounded: unbounded };
}

/**
 * `unbounded`: the exact `next` when a product or a sum of it was rounded, else undefined
 * (`next` is exact); `now` is only shown, never compared, so it is not tracked. From
 * `valuePair`, `unbounded` is the exact `next` notional of that one instrument.
 */
export type ExposurePair = { readonly ok: true; readonly now: PositionSize; readonly next: PositionSize; readonly unbounded: Decimal | undefined } | ExposureFailure;

/**
 * In one pass, what `grossExposure` gives without override (`now`, with `instrument` at
 * `before`, its current worst case) and with the override `{ instrument, worst: after }`
 * (`next`): the same sums, added in the same order, so the same values and scales; each
 * reference price is looked up once. Failures come out as the two separate calls would
 * report them: any instrument `now` needs first, in book order; only then the ordered
 * instrument's price that only `next` needs (its `before` was zero). `unbounded` is the exact
 * `next` when a step of it was rounded (`addExact`). `exactAfter`, when `after` is a worst
 * case rounded to 29 digits (`worstWith`'s `inexact`), is the exact one: the instrument's
 * `next` is then valued at it, and `unbounded` is always given.
 */
export function grossExposurePair(
  book: AccountBookView,
  marketData: MarketDataSource,
  accountId: AccountId,
  group: AccountGroupId | undefined,
  asset: Asset,
  instrument: Instrument,
  before: PositionSize,
  after: PositionSize,
  exactAfter?: Decimal,
): ExposurePair {
  let now = PositionSize.zero();
  let next = PositionSize.zero();
  let unbounded: Decimal | undefined;
  let seen = false;
  let deferred: Exposure | undefined;
  for (const entry of book.instruments(accountId)) {
    const i = entry.instrument;
    if (sameInstrument(i, instrument)) {
      seen = true;
      const pair = valuePair(marketData, i, asset, before, after, accountId, group, exactAfter);
      if (!pair.ok) {
        if (!before.isZero()) return pair;
        deferred = pair;
        continue;
      }
      now = now.add(pair.now);
      const sum = next.add(pair.next);
      unbounded = addExact(unbounded, next, pair.next, sum, pair.unbounded);
      next = sum;
      continue;
    }
    const valued = value(marketData, i, asset, entry.worst, accountId, group, exactBookWorst(entry));
    if (!valued.ok) return valued;
    now = now.add(valued.notional);
    const sum = next.add(valued.notional);
    unbounded = addExact(unbounded, next, valued.notional, sum, valued.unrounded);
    next = sum;
  }
  if (deferred !== undefined) return deferred as ExposurePair;
  if (!seen) {
    const valued = value(marketData, instrument, asset, after, accountId, group, exactAfter);
    if (!valued.ok) return valued;
    const sum = next.add(valued.notional);
    unbounded = addExact(unbounded, next, valued.notional, sum, valued.unrounded);
    next = sum;
  }
  return { ok: true, now, next, unbounded };
}

/**
 * The instrument valued at `before` and at `after` with one reference lookup (none when both
 * are zero); `next` at `exactAfter` exactly when given (a rounded `after`, never zero then).
 */
function valuePair(
  marketData: MarketDataSource,
  instrument: Instrument,
  asset: Asset,
  before: PositionSize,
  after: PositionSize,
  accountId: AccountId,
  group: AccountGroupId | undefined,
  exactAfter: Decimal | undefined,
): ExposurePair {
  if (before.isZero() && after.isZero()) return { ok: true, now: before, next: after, unbounded: undefined };
  const ref = priceInLimitAsset(marketData, instrument, asset, accountId, group);
  if (!ref.ok) return ref;
  const now = before.isZero() ? before : before.mul(ref.price).abs();
  if (after.isZero()) return { ok: true, now, next: after, unbounded: undefined };
  if (exactAfter === undefined) {
    const next = exactNotional(after, ref);
    if (next !== undefined) return { ok: true, now, next, unbounded: undefined };
  }
  return { ok: true, now, next: after.mul(ref.price).abs(), unbounded: exactTimes(exactAfter ?? after.decimal, ref) };
}

/** `worst` valued (|worst × price|); at `exactWorst` exactly when given (a rounded `worst`, never zero then). */
function value(
  marketData: MarketDataSource,
  instrument: Instrument,
  asset: Asset,
  worst: PositionSize,
  accountId: AccountId,
  group: AccountGroupId | undefined,
  exactWorst?: Decimal,
): Exposure {
  if (worst.isZero()) return { ok: true, notional: worst, unrounded: undefined };
  const ref = priceInLimitAsset(marketData, instrument, asset, accountId, group);
  if (!ref.ok) return ref;
  if (exactWorst === undefined) {
    const notional = exactNotional(worst, ref);
    if (notional !== undefined) return { ok: true, notional, unrounded: undefined };
  }
  return { ok: true, notional: worst.mul(ref.price).abs(), unrounded: exactTimes(exactWorst ?? worst.decimal, ref) };
}

function sameInstrument(a: Instrument, b: Instrument): boolean {
  return a.underlyingAsset === b.underlyingAsset && a.settlementAsset === b.settlementAsset;
}

