/**
 * Caps an account's gross notional over all instruments: positions + open orders + this
 * order, at reference prices, those settling in another asset than the limit's converted
 * at a fresh FX reference (limit-price.ts).
 */
import { snapshotFields } from "../snapshot-data.js";
import type { AccountGroupId, AccountId, PolicyGroupId } from "../../param/ids.js";
import { PositionSize, Quantity, type Volume } from "../../param/values.js";
import type { Instrument } from "../../param/instrument.js";
import type { Side } from "../../param/enums.js";
import type { Order } from "../../model/order.js";
import type { ConfigurablePolicy } from "../../engine/pretrade/configurator.js";
import type { AccountRetirementRefusal } from "../../engine/account-retirement.js";
import type { LimitUsage, PolicyPreTradeResult, PreTradeContext, UsageContext } from "../../engine/pretrade/policy.js";
import type { AccountBookView, BookInstrument } from "../../engine/account-book/account-book-view.js";
import { footprintOf } from "../../engine/account-book/order-footprint.js";
import type { MarketDataSource } from "../../marketdata/market-data-source.js";
import { TieredSettings, tierInCall, tierInReading, tiersRetirement } from "../account-tiers.js";
import { MISSING, notConfigured } from "../policy-texts.js";
import { referencePrice, referenceUnavailable } from "../reference-price.js";
import { addExact, exactWorst, exactWorstAfter, grossExposure, grossExposurePair, raisesWorstUnbounded, worstWith } from "./exposure.js";
import { SmallExposure } from "./small-exposure.js";
import { fxRate } from "./limit-price.js";
import { ExactSum } from "../../param/exact-sum.js";
import { grossExposureBeyondRange, grossExposureExceeded } from "./rejects.js";
import { ParamError } from "../../param/param-error.js";
import { exactProduct, Unbounded } from "../../param/decimal-value.js";
import type { Decimal } from "decimal.js";

const ZERO_QUANTITY = Quantity.zero();
const NOT_CONFIGURED: PolicyPreTradeResult = { rejects: notConfigured("gross exposure limit") };
import { copyGrossExposureSettings, validateGrossExposureSettings, type ExposureLimit, type GrossExposureSettings } from "./settings.js";

/**
 * Main stage, stateless (positions and open orders come from the engine's account book,
 * prices from market data). Per instrument the worst case counts: |position + open buys|
 * or |position − open sells|, whichever is larger, so open orders on the side that grows
 * the position count and the other side does not offset it. An order that does not raise
 * its instrument's worst case (it reduces the position) always passes, even without
 * prices. Otherwise every instrument at stake needs a fresh reference (fail closed:
 * ReferenceDataUnavailable) and the total must stay ≤ the limit (equal passes). A market
 * order by volume counts its volume as notional (`#checkVolumeOnly`).
 */
export class GrossExposureLimitPolicy implements ConfigurablePolicy<GrossExposureSettings> {
  static readonly NAME = "GrossExposureLimitPolicy";
  readonly name = GrossExposureLimitPolicy.NAME;
  /** A built-in: a failing commit/rollback of its blocks only the account (OpenPit §E). */
  readonly builtIn = true;
  readonly policyGroupId: PolicyGroupId | undefined;
  readonly #limits: TieredSettings<GrossExposureSettings, ExposureLimit>;
  /** The integer figures of the check in progress (see `SmallExposure`). */
  readonly #small = new SmallExposure();
  /** The last passing check's total with the order (see `ExposureMemo`); one object, rewritten. */
  readonly #memo: ExposureMemo = { valid: false, accountId: 0n as AccountId, group: undefined, limit: undefined, bookRevision: -1, marketStamp: -1, instrument: undefined, side: "BUY", quantity: undefined, notional: PositionSize.zero(), unrounded: undefined };

  constructor(
    settings: GrossExposureSettings,
    private readonly marketData: MarketDataSource,
    options?: { policyGroupId?: PolicyGroupId },
  ) {
    this.#limits = new TieredSettings(settings, copyGrossExposureSettings, validateGrossExposureSettings);
    this.policyGroupId = options?.policyGroupId;
  }

  /** Runtime settings (ConfigurePolicy) must survive a snapshot. */
  snapshotState(): { settings: GrossExposureSettings } {
    return { settings: this.settingsDraft() };
  }

  restoreState(data: unknown): void {
    const { settings } = snapshotFields(data, this.name, "snapshot", ["settings"]);
    this.publishSettings(settings as GrossExposureSettings);
  }

  settingsDraft(): GrossExposureSettings {
    return this.#limits.draft();
  }

  publishSettings(next: GrossExposureSettings): void {
    this.#memo.valid = false;
    this.#limits.publish(next);
  }

  /**
   * Account retirement: no state of its own (positions and open orders are the account
   * book's, which refuses while they are not zero); an own `accounts[]` limit refuses.
   */
  retireAccount(accountId: AccountId): AccountRetirementRefusal | undefined {
    return tiersRetirement(this.#limits.tiers, accountId);
  }

  performPreTradeCheck(ctx: PreTradeContext, order: Order): PolicyPreTradeResult | undefined {
    this.#memo.valid = false;
    // A drop copy is already at the venue and enters the book whatever its exposure; a
    // missing reference or field (fatal to a drop copy) must not keep it out.
    if (ctx.isDropCopy) return undefined;
    const op = order.operation;
    const instrument = op?.instrument;
    if (instrument === undefined) return { rejects: MISSING.instrument };
    const side = op?.side;
    if (side === undefined) return { rejects: MISSING.side };
    const footprint = footprintOf(order);
    if (footprint === undefined) return { rejects: MISSING.accountId };
    const accountId = footprint.accountId;
    const limit = tierInCall(this.#limits.tiers, accountId, ctx);
    if (limit === undefined) return NOT_CONFIGURED;
    const amount = op?.tradeAmount;
    if (amount === undefined) return { rejects: MISSING.tradeAmount };
    // A market order by volume: its quantity is unknown, its notional is the volume.
    const volumeOnly = amount.kind === "volume" && footprint.quantity.isZero() ? amount.value : undefined;
    try {
      return this.#check(ctx, accountId, limit, instrument, side, footprint.quantity, volumeOnly);
    } catch (e) {
      if (!(e instanceof ParamError)) throw e;
      return this.#pastRange(ctx, accountId, limit, instrument, side, footprint.quantity, volumeOnly);
    }
  }

  /**
   * A figure past the decimal domain (a quantity of 1e27 at 100): every notional is
   * non-negative, so the total with the order is past it too, and past any limit, unless the
   * order does not raise its instrument's worst case, which passes whatever the figures (found
   * by review: the worst case now past the range refused a reducing order). Decided in
   * unbounded arithmetic; a market order by volume is sized at the reference price, as in
   * `#checkVolumeOnly`.
   */
  #pastRange(
    ctx: PreTradeContext,
    accountId: AccountId,
    limit: ExposureLimit,
    instrument: Instrument,
    side: Side,
    quantity: Quantity,
    volumeOnly: Volume | undefined,
  ): PolicyPreTradeResult | undefined {
    const beyond: PolicyPreTradeResult = { rejects: grossExposureBeyondRange(limit.maxNotional, limit.settlementAsset) };
    const entry = ctx.book.entry(accountId, instrument);
    if (volumeOnly === undefined) return raisesWorstUnbounded(entry, side, quantity.decimal) ? beyond : undefined;
    const ref = referencePrice(this.marketData, instrument, accountId, ctx.accountGroup());
    if (!ref.ok) return { rejects: referenceUnavailable(instrument, ref.reason) };
    const sizing = ref.price.abs();
    if (sizing.isZero()) return beyond;
    return raisesWorstUnbounded(entry, side, volumeOnly.decimal.dividedBy(sizing.decimal)) ? beyond : { sizingPrice: sizing };
  }

  /** The check once the order's limit applies: worst cases, then the account's total at reference prices. */
  #check(
    ctx: PreTradeContext,
    accountId: AccountId,
    limit: ExposureLimit,
    instrument: Instrument,
    side: Side,
    quantity: Quantity,
    volumeOnly: Volume | undefined,
  ): PolicyPreTradeResult | undefined {
    const entry = ctx.book.entry(accountId, instrument);
    if (volumeOnly !== undefined) return this.#checkVolumeOnly(ctx, accountId, limit, instrument, side, entry, volumeOnly);
    // Small figures (the usual case): the same check on integers, no object per step.
    if (volumeOnly === undefined && this.#small.worstCases(entry, side, quantity)) {
      return this.#checkSmall(ctx, accountId, limit, instrument, side, quantity);
    }
    const [before, after, inexact] = worstWith(entry, side, quantity);
    // A sum of the worst case rounded to 29 digits: "raises" and its value are decided exactly.
    let exactAfter: Decimal | undefined;
    if (inexact) {
      const worst = exactWorst(entry, side);
      if (!quantity.decimal.gt(worst.room)) return undefined;
      exactAfter = exactWorstAfter(worst, quantity.decimal);
    } else if (after.lte(before)) return undefined;
    const group = ctx.accountGroup();
    // Now and with this order in one pass over the account (each price looked up once).
    const pair = grossExposurePair(ctx.book, this.marketData, accountId, group, limit.settlementAsset, instrument, before, after, exactAfter);
    if (!pair.ok) return { rejects: referenceUnavailable(pair.instrument, pair.reason) };
    if (exceeds(pair.next, pair.unbounded, limit.maxNotional)) {
      return { rejects: grossExposureExceeded(pair.next, pair.unbounded, pair.now, limit.maxNotional, limit.settlementAsset) };
    }
    if (!ctx.isDryRun) this.#remember(ctx.book, accountId, group, limit, instrument, side, quantity, pair.next, pair.unbounded);
    return undefined;
  }

  /**
   * A market order by volume: its quantity is not known before it trades. It is sized at
   * the reference price: against an exposure on its instrument, one that does not raise the
   * worst case (it reduces the position) passes like any other; one that raises it counts
   * its whole volume on top of the exposure now (conservative for an order that reduces and
   * then flips the position). Accepted, it hands the reference price to the engine, which
   * enters it in the book at volume / |price| unless its main stage locked a price
   * (order-footprint.ts): later checks count it like any open order.
   */
  #checkVolumeOnly(
    ctx: PreTradeContext,
    accountId: AccountId,
    limit: ExposureLimit,
    instrument: Instrument,
    side: Side,
    entry: BookInstrument | undefined,
    volume: Volume,
  ): PolicyPreTradeResult | undefined {
    const group = ctx.accountGroup();
    const [before, , inexact] = worstWith(entry, side, ZERO_QUANTITY);
    const ref = referencePrice(this.marketData, instrument, accountId, group);
    // Fail closed even on a flat instrument, whose volume alone would be its notional: an
    // order accepted unsized enters the book as an open order with nothing pending, so the
    // next one sees a flat instrument again, and any number of them pass (found by review).
    if (!ref.ok) return { rejects: referenceUnavailable(instrument, ref.reason) };
    const sizing = ref.price.abs();
    const passed: PolicyPreTradeResult = { sizingPrice: sizing };
    let exactBefore: Decimal | undefined;
    let sized: Quantity | undefined;
    if (!before.isZero()) {
      // Decided exactly: the quotient volume / |price| is rounded to 29 digits, and so may
      // be the worst case's sums. It raises the worst case when the exact quotient is past
      // the room left on its side (volume > room × |price|), or the quantity the book will
      // count (that quotient rounded) is.
      sized = volume.calculateQuantity(sizing);
      const worst = exactWorst(entry, side);
      if (!volume.decimal.gt(worst.room.times(sizing.decimal)) && !sized.decimal.gt(worst.room)) return passed;
      if (inexact) exactBefore = worst.before;
    }
    const pair = grossExposurePair(ctx.book, this.marketData, accountId, group, limit.settlementAsset, instrument, before, before, exactBefore);
    if (!pair.ok) return { rejects: referenceUnavailable(pair.instrument, pair.reason) };
    // The volume is in the instrument's settlement asset: converted when the limit's differs.
    let notional = PositionSize.from(volume);
    let unrounded: Decimal | undefined;
    if (instrument.settlementAsset !== limit.settlementAsset) {
      const fx = fxRate(this.marketData, instrument.settlementAsset, limit.settlementAsset, accountId, group);
      if (!fx.ok) return { rejects: referenceUnavailable(fx.instrument, fx.reason) };
      const exact = exactProduct(notional, fx.price);
      if (exact === undefined) unrounded = new Unbounded(notional.decimal).times(fx.price.decimal).abs();
      notional = exact === undefined ? notional.mul(fx.price).abs() : exact.abs();
    }
    const total = pair.next.add(notional);
    const unbounded = addExact(pair.unbounded, pair.next, notional, total, unrounded);
    if (exceeds(total, unbounded, limit.maxNotional)) return { rejects: grossExposureExceeded(total, unbounded, pair.now, limit.maxNotional, limit.settlementAsset) };
    return passed;
  }

  /**
   * The rest of the check on the integer figures of `SmallExposure` (the worst cases are
   * set): the same verdict, reject text and remembered total as the decimal path below.
   */
  #checkSmall(ctx: PreTradeContext, accountId: AccountId, limit: ExposureLimit, instrument: Instrument, side: Side, quantity: Quantity): PolicyPreTradeResult | undefined {
    const small = this.#small;
    if (small.orderDoesNotRaise()) return undefined;
    const group = ctx.accountGroup();
    const failure = small.value(ctx.book, this.marketData, accountId, group, limit.settlementAsset, instrument);
    if (failure !== undefined) return { rejects: referenceUnavailable(failure.instrument, failure.reason) };
    if (small.next.compareExact(limit.maxNotional) > 0) {
      return { rejects: grossExposureExceeded(small.next.value, small.next.unrounded, small.now.value, limit.maxNotional, limit.settlementAsset) };
    }
    if (!ctx.isDryRun) this.#remember(ctx.book, accountId, group, limit, instrument, side, quantity, small.next, small.next.unrounded);
    return undefined;
  }

  /**
   * `next` is what `grossExposure` gives for the book once this order's footprint is in it
   * (the same operations in the same order: `grossExposurePair`), so the soft-limit reading
   * at commit can take it instead of valuing the account again, while nothing else changed.
   */
  #remember(
    book: AccountBookView,
    accountId: AccountId,
    group: AccountGroupId | undefined,
    limit: ExposureLimit,
    instrument: Instrument,
    side: Side,
    quantity: Quantity,
    next: PositionSize | ExactSum<PositionSize>,
    unrounded: Decimal | undefined,
  ): void {
    const marketStamp = this.marketData.stamp?.();
    if (marketStamp === undefined || quantity.isZero()) return;
    const m = this.#memo;
    m.valid = true;
    m.accountId = accountId;
    m.group = group;
    m.limit = limit;
    // The engine's reserve of this order is the next change of the book.
    m.bookRevision = book.revision + 1;
    m.marketStamp = marketStamp;
    m.instrument = instrument;
    m.side = side;
    m.quantity = quantity;
    m.notional = next instanceof ExactSum ? next.value : next;
    m.unrounded = unrounded;
  }

  /** The memo when it describes the book and market data as they are now (see `ExposureMemo`). */
  #remembered(book: AccountBookView, accountId: AccountId, group: AccountGroupId | undefined, limit: ExposureLimit): ExposureMemo | undefined {
    const m = this.#memo;
    if (!m.valid || m.accountId !== accountId || m.group !== group || m.limit !== limit || book.revision !== m.bookRevision) return undefined;
    const reserved = book.lastReserve;
    if (reserved === undefined || reserved.accountId !== accountId || reserved.side !== m.side || reserved.quantity !== m.quantity) return undefined;
    const i = reserved.instrument;
    if (i === undefined || i.underlyingAsset !== m.instrument!.underlyingAsset || i.settlementAsset !== m.instrument!.settlementAsset) return undefined;
    return this.marketData.stamp?.() === m.marketStamp ? m : undefined;
  }

  limitUsage(ctx: UsageContext, accountId: AccountId): readonly LimitUsage[] | undefined {
    const limit = tierInReading(this.#limits.tiers, accountId, ctx.accounts);
    if (limit === undefined) return undefined;
    const group = ctx.accounts.groupOf(accountId);
    const remembered = this.#remembered(ctx.book, accountId, group, limit);
    // With the exact total when the figure was rounded: soft limits compare that.
    if (remembered !== undefined) return [{ limit: "grossExposure", usage: remembered.notional, unrounded: remembered.unrounded, max: limit.maxNotional }];
    try {
      const now = grossExposure(ctx.book, this.marketData, accountId, group, limit.settlementAsset);
      return now.ok ? [{ limit: "grossExposure", usage: now.notional, unrounded: now.unrounded, max: limit.maxNotional }] : undefined;
    } catch (e) {
      if (!(e instanceof ParamError)) throw e;
      // Past the decimal domain there is no figure to read (the next order is rejected).
      return undefined;
    }
  }
}

/**
 * total > max to the last digit: `unbounded` is the exact total when a product or a sum of
 * `total` was rounded to 29 digits (then `total` may equal the limit, or even fall below it,
 * while the exposure is past it, or be past it while the exposure is not), else undefined.
 * Limits are inclusive: exactly the limit passes.
 */
function exceeds(total: PositionSize, unbounded: Decimal | undefined, max: Volume): boolean {
  return unbounded === undefined ? total.gt(max) : unbounded.gt(max.decimal);
}

/**
 * The last passing check's total with its order, for the soft-limit reading that follows
 * that order's commit. It is used only while it describes the present exactly: the book's
 * one change since the check is the engine's reserve of that very footprint (the revision
 * moved by exactly one and the last change reserved the same account, instrument, side and
 * quantity object), the market data's stamp is the same (no push, clear, registration or
 * TTL change, and no TTL that can expire), and the account's group and limit tier are the
 * same. Anything else (a fill, a rollback, another order, a quote) values the account afresh.
 */
interface ExposureMemo {
  valid: boolean;
  accountId: AccountId;
  group: AccountGroupId | undefined;
  limit: ExposureLimit | undefined;
  bookRevision: number;
  marketStamp: number;
  instrument: Instrument | undefined;
  side: Side;
  quantity: Quantity | undefined;
  notional: PositionSize;
  /** The exact `notional` when a step of it was rounded (the check compared that), else undefined. */
  unrounded: Decimal | undefined;
}
