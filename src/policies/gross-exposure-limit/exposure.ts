/**
 * Gross exposure from the account book: per instrument the worst case of its position
 * with every open buy filled or every open sell filled, valued at the reference price.
 */
import type { AccountGroupId, AccountId } from "../../param/ids.js";
import type { Asset, Instrument } from "../../param/instrument.js";
import type { Side } from "../../param/enums.js";
import { PositionSize, Quantity } from "../../param/values.js";
import type { AccountBookView, BookInstrument } from "../../engine/account-book/account-book-view.js";
import type { MarketDataSource } from "../../marketdata/market-data-source.js";
import { referencePrice } from "../reference-price.js";

/** max(|position + open buys|, |position − open sells|): what the instrument can come to. */
export function worstQuantity(position: PositionSize, buys: Quantity, sells: Quantity): PositionSize {
  const up = position.add(PositionSize.from(buys)).abs();
  const down = position.sub(PositionSize.from(sells)).abs();
  return up.gte(down) ? up : down;
}

/** The worst case of one instrument with `extra` more open on `side`. */
export function worstWith(entry: BookInstrument | undefined, side: Side, extra: Quantity): [before: PositionSize, after: PositionSize] {
  const position = entry?.position ?? PositionSize.zero();
  const buys = entry?.pendingBuy ?? Quantity.zero();
  const sells = entry?.pendingSell ?? Quantity.zero();
  const before = worstQuantity(position, buys, sells);
  const after = side === "BUY" ? worstQuantity(position, buys.add(extra), sells) : worstQuantity(position, buys, sells.add(extra));
  return [before, after];
}

export type Exposure = { readonly ok: true; readonly notional: PositionSize } | { readonly ok: false; readonly instrument: Instrument; readonly reason: string };

/**
 * Σ worst quantity × |reference| over the account's instruments settling in `asset`, with
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
  let overridden = false;
  for (const entry of book.instruments(accountId)) {
    const instrument = entry.instrument;
    if (instrument.settlementAsset !== asset) continue;
    let worst: PositionSize;
    if (override !== undefined && sameInstrument(instrument, override.instrument)) {
      worst = override.worst;
      overridden = true;
    } else {
      worst = worstQuantity(entry.position, entry.pendingBuy, entry.pendingSell);
    }
    const valued = value(marketData, instrument, worst, accountId, group);
    if (!valued.ok) return valued;
    total = total.add(valued.notional);
  }
  if (override !== undefined && !overridden) {
    const valued = value(marketData, override.instrument, override.worst, accountId, group);
    if (!valued.ok) return valued;
    total = total.add(valued.notional);
  }
  return { ok: true, notional: total };
}

/**
 * `total` (from `grossExposure` without override, so it already holds `instrument` at
 * `before`) with that instrument at `after` instead: the same figure `grossExposure` with
 * the override gives, without a second pass over the account. Its valuation at `before`
 * cannot fail here: a nonzero `before` was valued successfully inside `total`.
 */
export function withInstrumentAt(
  total: PositionSize,
  marketData: MarketDataSource,
  instrument: Instrument,
  before: PositionSize,
  after: PositionSize,
  accountId: AccountId,
  group: AccountGroupId | undefined,
): Exposure {
  const next = value(marketData, instrument, after, accountId, group);
  if (!next.ok || before.isZero()) return next.ok ? { ok: true, notional: total.add(next.notional) } : next;
  const old = value(marketData, instrument, before, accountId, group);
  if (!old.ok) return old;
  return { ok: true, notional: total.sub(old.notional).add(next.notional) };
}

function value(marketData: MarketDataSource, instrument: Instrument, worst: PositionSize, accountId: AccountId, group: AccountGroupId | undefined): Exposure {
  if (worst.isZero()) return { ok: true, notional: worst };
  const ref = referencePrice(marketData, instrument, accountId, group);
  if (!ref.ok) return { ok: false, instrument, reason: ref.reason };
  return { ok: true, notional: worst.mul(ref.price).abs() };
}

function sameInstrument(a: Instrument, b: Instrument): boolean {
  return a.underlyingAsset === b.underlyingAsset && a.settlementAsset === b.settlementAsset;
}

