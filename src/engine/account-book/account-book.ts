/**
 * The engine's account book: filled positions, open orders and pending quantities per
 * account, the shared inputs of the controls (max open orders, gross exposure, REDUCING,
 * soft limits). One copy, kept by the engine, read by policies through `ctx.book`.
 */
import type { AccountId } from "../../param/ids.js";
import type { Side } from "../../param/enums.js";
import type { Asset, Instrument } from "../../param/instrument.js";
import type { Decimal } from "decimal.js";
import { DecimalCell } from "../../param/decimal-cell.js";
import { makeValue, Unbounded } from "../../param/decimal-value.js";
import { PositionSize, Quantity } from "../../param/values.js";
import { ParamError } from "../../param/param-error.js";

const ZERO_POSITION = PositionSize.zero();
const ZERO_QUANTITY = Quantity.zero();
import type { ExecutionReport } from "../../model/execution-report.js";
import type { AccountBookView, BookInstrument, BookInstrumentData } from "./account-book-view.js";
import type { OrderFootprint } from "./order-footprint.js";
import { worstQuantity } from "./worst-case.js";

/** A position kept exact beside its rounded figure: the value and the scale chained sums give. */
interface UnroundedPosition {
  readonly value: Decimal;
  readonly scale: number;
}

/** A snapshot's `positionUnrounded` (plain notation, written by `Slot.data`). */
function unroundedFrom(text: string): UnroundedPosition {
  const dot = text.indexOf(".");
  return { value: new Unbounded(text), scale: dot < 0 ? 0 : text.length - dot - 1 };
}

/**
 * One instrument of one account; mutable inside the book, read-only through the view. The
 * three figures are kept in place (`DecimalCell`: a fill allocates no state that outlives
 * it) and read as values; every write drops the derived worst case.
 */
class Slot implements BookInstrument {
  readonly #position = new DecimalCell(PositionSize);
  readonly #pendingBuy = new DecimalCell(Quantity);
  readonly #pendingSell = new DecimalCell(Quantity);
  #worst: PositionSize | undefined = undefined;
  unboundedBuy = 0;
  unboundedSell = 0;
  /**
   * The side's pending quantity was rounded (a sum or difference of it gave up digits to fit
   * the decimal domain, `DecimalCell.add`) since the account last had nothing open: it may not
   * be the exact total of that side's open orders (`AccountBookView.pendingRounded`).
   */
  roundedBuy = false;
  roundedSell = false;
  /**
   * The position's exact value while the domain holds it rounded: a fill past 29 digits gave
   * up its last digits (short 80000000001 and a BUY fill of 1e-18 is held as -80000000001),
   * and REDUCING must not decide on that figure (found by review, session 37: a BUY of
   * 80000000001 then passed, a flip to long 1e-18). Kept through every fill after; as soon
   * as it fits the domain again the position takes it and this goes. Undefined while the
   * position is exact, which it always is short of 29 digits.
   */
  #unrounded: UnroundedPosition | undefined = undefined;

  constructor(readonly instrument: Instrument) {}

  /** The exact position when `position` is rounded, else undefined. */
  get unrounded(): UnroundedPosition | undefined {
    return this.#unrounded;
  }

  get positionUnrounded(): Decimal | undefined {
    return this.#unrounded?.value;
  }

  set unrounded(u: UnroundedPosition | undefined) {
    this.#unrounded = u;
  }

  get position(): PositionSize {
    return this.#position.value;
  }

  get pendingBuy(): Quantity {
    return this.#pendingBuy.value;
  }

  get pendingSell(): Quantity {
    return this.#pendingSell.value;
  }

  get worst(): PositionSize {
    return (this.#worst ??= worstQuantity(this.position, this.pendingBuy, this.pendingSell));
  }

  isFlat(): boolean {
    return this.#position.isZero() && this.#unrounded === undefined && this.#pendingBuy.isZero() && this.#pendingSell.isZero() && this.unboundedBuy === 0 && this.unboundedSell === 0 && !this.roundedBuy && !this.roundedSell;
  }

  /** One more (`by` 1) or one fewer (-1, clamped at zero) unbounded open order on `side`. */
  countUnbounded(side: Side, by: 1 | -1): void {
    if (side === "BUY") this.unboundedBuy = Math.max(0, this.unboundedBuy + by);
    else this.unboundedSell = Math.max(0, this.unboundedSell + by);
  }

  set(position: PositionSize, pendingBuy: Quantity, pendingSell: Quantity): void {
    this.#position.set(position);
    this.#pendingBuy.set(pendingBuy);
    this.#pendingSell.set(pendingSell);
    this.#worst = undefined;
  }

  /**
   * Position plus `signed`; throws past the decimal range with nothing changed (the engine
   * blocks the account). Past 29 digits the exact value is kept beside the figure, and the
   * figure is that exact value rounded, not the last figure plus the fill rounded again (found
   * by review: twenty BUY fills of 0.49 on a 29-digit long lost 9.8 units); the range is
   * checked on the exact value too (found by review: fills of 0.4 took it past the range
   * unblocked).
   */
  addPosition(signed: PositionSize): void {
    const kept = this.#unrounded;
    if (kept !== undefined) {
      this.#keepExact(kept.value.plus(signed.decimal), Math.max(kept.scale, signed.scale));
    } else {
      const before = this.#position.addWithBefore(signed);
      if (before !== undefined) {
        try {
          this.#keepExact(new Unbounded(before.decimal).plus(signed.decimal), Math.max(before.scale, signed.scale));
        } catch (e) {
          this.#position.set(before);
          throw e;
        }
      }
    }
    this.#worst = undefined;
  }

  /** The position becomes `exact` rounded (throws past the range, nothing changed); kept beside it unless that is exact. */
  #keepExact(exact: Decimal, scale: number): void {
    const rounded = makeValue(PositionSize, exact, scale);
    this.#position.set(rounded);
    this.#unrounded = rounded.decimal.eq(exact) ? undefined : { value: exact, scale };
  }

  /** Pending on `side` plus `quantity`; a rounded sum marks the side (`roundedBuy`/`roundedSell`). */
  addPending(side: Side, quantity: Quantity): void {
    if ((side === "BUY" ? this.#pendingBuy : this.#pendingSell).add(quantity)) this.#markRounded(side);
    this.#worst = undefined;
  }

  /** Pending on `side` less `by`, clamped at zero; a rounded difference marks the side. */
  reducePending(side: Side, by: Quantity): void {
    const pending = side === "BUY" ? this.#pendingBuy : this.#pendingSell;
    if (pending.compare(by) <= 0) pending.set(ZERO_QUANTITY);
    else if (pending.sub(by)) this.#markRounded(side);
    this.#worst = undefined;
  }

  #markRounded(side: Side): void {
    if (side === "BUY") this.roundedBuy = true;
    else this.roundedSell = true;
  }

  data(): BookInstrumentData {
    const data = { instrument: this.instrument, position: this.position, pendingBuy: this.pendingBuy, pendingSell: this.pendingSell };
    if (this.unboundedBuy === 0 && this.unboundedSell === 0 && !this.roundedBuy && !this.roundedSell && this.#unrounded === undefined) return data;
    return {
      ...data,
      ...(this.#unrounded === undefined ? {} : { positionUnrounded: this.#unrounded.value.toFixed(this.#unrounded.scale) }),
      ...(this.unboundedBuy === 0 ? {} : { unboundedBuy: this.unboundedBuy }),
      ...(this.unboundedSell === 0 ? {} : { unboundedSell: this.unboundedSell }),
      ...(this.roundedBuy ? { roundedBuy: true } : {}),
      ...(this.roundedSell ? { roundedSell: true } : {}),
    };
  }
}

interface AccountEntry {
  openOrders: number;
  /** underlying → settlement → slot: no key string built per order. */
  readonly slots: Map<Asset, Map<Asset, Slot>>;
  /** The same slots in first-touch order (iteration order is part of the state). */
  readonly list: Slot[];
  /**
   * The slot found last: an account's orders are mostly for one instrument, and the two
   * nested Map lookups were 2.6 % of a cold order's samples (docs/performance.md,
   * "Session 23"). Slots are never removed from an entry, so it never goes stale.
   */
  last: Slot | undefined;
  /**
   * Footprints of the account's reservations not yet committed nor rolled back that carry a
   * client order id, oldest first: a report naming one marks it `reported`. Not snapshotted
   * with the book: restoring an open reservation puts its footprint back (`track`).
   */
  readonly unsettled: OrderFootprint[];
}

/** The book as plain data (engine snapshots). Maps keep insertion order, which is state. */
export interface AccountBookData {
  readonly accounts: ReadonlyMap<
    AccountId,
    { readonly openOrders: number; readonly instruments: readonly BookInstrumentData[] }
  >;
  /** The last `OrderFootprint.bookOrder` given (absent in snapshots from before it: 0). */
  readonly lastBookOrder?: number;
}

/**
 * The account has no open order left: nothing can be pending any more. What is left is the
 * dust of quantities no report can match (an order by volume enters at volume / |price|, a
 * 28-digit quotient), which would otherwise stay pending for ever. So are the unbounded
 * counts and the rounded marks: a report does not say which order ended, so they stay until
 * then (nothing open, the exact total is 0 again).
 */
function nothingOpen(entry: AccountEntry): void {
  for (const s of entry.list) {
    if (!s.pendingBuy.isZero() || !s.pendingSell.isZero()) s.set(s.position, ZERO_QUANTITY, ZERO_QUANTITY);
    s.unboundedBuy = 0;
    s.unboundedSell = 0;
    s.roundedBuy = false;
    s.roundedSell = false;
  }
}

/** The same slot key: assets are compared as strings (the decoder interns them, so mostly by identity). */
function sameInstrument(a: Instrument, b: Instrument): boolean {
  return a.underlyingAsset === b.underlyingAsset && a.settlementAsset === b.settlementAsset;
}

const NO_INSTRUMENTS: readonly BookInstrument[] = Object.freeze([]);

/** Commits come mostly in the order of their checks, so the footprint is mostly first. */
function removeFootprint(unsettled: OrderFootprint[], f: OrderFootprint): void {
  const i = unsettled.indexOf(f);
  if (i >= 0) unsettled.splice(i, 1);
}

/**
 * The oldest open reservation of the account with this client order id (and the report's
 * side, when both name one) whose order has not ended is at the venue; a final report ends
 * it. Without a client order id policy two open reservations may share an id; the oldest is
 * taken, as the venue answers in order.
 */
function markReported(unsettled: readonly OrderFootprint[], clientOrderId: string, side: Side | undefined, final: boolean): void {
  for (const f of unsettled) {
    if (f.ended !== true && f.clientOrderId === clientOrderId && (side === undefined || f.side === undefined || f.side === side)) {
      f.reported = true;
      if (final) f.ended = true;
      return;
    }
  }
}

/**
 * When each figure moves (all clamped at zero where a count or quantity could otherwise go
 * negative, e.g. a report for an order accepted before a restart without durability):
 *
 * - `reserve` (the main stage accepted an order, live or drop copy, before any commit):
 *   open orders +1, pending on the order's side + its quantity, and that side's unbounded
 *   open orders +1 when its units have no bound (`OrderFootprint.unbounded`).
 * - Any pending sum or difference the decimal domain rounds (past 29 digits: open BUYs of 8e10
 *   and 1e-18 are held as 8e10) marks its side rounded (`pendingRounded`); only the account's
 *   last open order ending (or rolling back) clears the mark, as it does the unbounded counts.
 * - `release` (that reservation rolled back: explicit, disconnect, TTL, fencing): the exact
 *   reverse of its `reserve`, unless a report named the order (by client order id) while
 *   the reservation was open: then nothing, as the order is at the venue and its reports
 *   count it out; the last open order rolled back clears every pending quantity, unbounded
 *   count and rounded mark, as its final report would. A commit changes nothing: the order stays
 *   open at the venue.
 * - `applyReport` with a trade: position ± traded quantity (+ buy, − sell), pending on
 *   the report's side − traded quantity.
 * - `applyReport` with `isFinal`: open orders −1, pending on the side − `leavesQuantity`
 *   (the cancelled rest, as SpotFunds releases it); the account's last open order ending
 *   clears every pending quantity, unbounded count and rounded mark (no report says which
 *   order ended).
 *
 * Dry runs never touch it. It is snapshotted with the engine; an open reservation's book
 * entry is restored from the reservation's record, so a replay reproduces it bit for bit.
 */
/** The order adds to its side's pending quantity (`reserve`; `refusesReserve` asks the same). */
function movesPending(f: OrderFootprint): f is OrderFootprint & { readonly instrument: Instrument; readonly side: Side } {
  return f.instrument !== undefined && f.side !== undefined && !f.quantity.isZero();
}

export class AccountBook implements AccountBookView {
  private readonly accounts = new Map<AccountId, AccountEntry>();
  /**
   * The entry last found, and its account: an order's policies ask about one account several
   * times in a row, and a Map lookup by a bigint key hashes the bigint every time (about
   * 35 ns, against a few for the comparison). Cleared whenever an entry is removed.
   */
  #lastId: AccountId | undefined = undefined;
  #lastEntry: AccountEntry | undefined = undefined;
  #revision = 0;
  #lastReserve: OrderFootprint | undefined = undefined;
  /** The last `bookOrder` given to a footprint with a client order id (state: snapshotted). */
  #lastBookOrder = 0;

  get revision(): number {
    return this.#revision;
  }

  get lastReserve(): OrderFootprint | undefined {
    return this.#lastReserve;
  }

  // ---- the view ----------------------------------------------------------------------

  position(accountId: AccountId, instrument: Instrument): PositionSize {
    return this.slot(accountId, instrument)?.position ?? ZERO_POSITION;
  }

  pendingQuantity(accountId: AccountId, instrument: Instrument, side: Side): Quantity {
    const slot = this.slot(accountId, instrument);
    if (slot === undefined) return ZERO_QUANTITY;
    return side === "BUY" ? slot.pendingBuy : slot.pendingSell;
  }

  unboundedOpenOrders(accountId: AccountId, instrument: Instrument, side: Side): number {
    const slot = this.slot(accountId, instrument);
    if (slot === undefined) return 0;
    return side === "BUY" ? slot.unboundedBuy : slot.unboundedSell;
  }

  positionUnrounded(accountId: AccountId, instrument: Instrument): Decimal | undefined {
    return this.slot(accountId, instrument)?.positionUnrounded;
  }

  pendingRounded(accountId: AccountId, instrument: Instrument, side: Side): boolean {
    const slot = this.slot(accountId, instrument);
    if (slot === undefined) return false;
    return side === "BUY" ? slot.roundedBuy : slot.roundedSell;
  }

  openOrders(accountId: AccountId): number {
    return this.find(accountId)?.openOrders ?? 0;
  }

  entry(accountId: AccountId, instrument: Instrument): BookInstrument | undefined {
    return this.slot(accountId, instrument);
  }

  instruments(accountId: AccountId): Iterable<BookInstrument> {
    return this.find(accountId)?.list ?? NO_INSTRUMENTS;
  }

  // ---- the engine's updates ------------------------------------------------------------

  /**
   * Whether `reserve(f)` would refuse the order (its side's pending quantity past the decimal
   * range), read only: a dry run answers as the real order would (found by review: it passed
   * an order the book refuses).
   */
  refusesReserve(f: OrderFootprint): boolean {
    if (!movesPending(f)) return false;
    try {
      this.pendingQuantity(f.accountId, f.instrument, f.side).add(f.quantity);
      return false;
    } catch (e) {
      if (e instanceof ParamError) return true;
      throw e;
    }
  }

  /**
   * An order was accepted (its reservation opened). Throws `ParamError` (overflow), having
   * changed no figure, when the order would take its side's pending quantity past the decimal
   * range: the engine then refuses the order. The pending add comes first for that reason; it
   * can only overflow on a slot that already exists.
   */
  reserve(f: OrderFootprint): void {
    this.#changed(f);
    const entry = this.accountEntry(f.accountId);
    if (movesPending(f)) this.slotFor(entry, f.instrument).addPending(f.side, f.quantity);
    if (f.unbounded === true && f.instrument !== undefined && f.side !== undefined) this.slotFor(entry, f.instrument).countUnbounded(f.side, 1);
    entry.openOrders += 1;
    if (f.clientOrderId !== undefined) {
      f.bookOrder = ++this.#lastBookOrder;
      entry.unsettled.push(f);
    }
  }

  /**
   * The reservation of `reserve(f)` rolled back. (One whose order a report named while it was
   * open is committed instead, `PreTradeReservation.rollback`: its reports count it out.)
   */
  release(f: OrderFootprint): void {
    this.#changed(undefined);
    const entry = this.find(f.accountId);
    if (entry === undefined) return;
    if (f.clientOrderId !== undefined) removeFootprint(entry.unsettled, f);
    if (entry.openOrders > 0) entry.openOrders -= 1;
    const slot = f.instrument === undefined || f.side === undefined ? undefined : entry.slots.get(f.instrument.underlyingAsset)?.get(f.instrument.settlementAsset);
    if (slot !== undefined) {
      if (f.unbounded === true) slot.countUnbounded(f.side!, -1);
      if (!f.quantity.isZero()) slot.reducePending(f.side!, f.quantity);
    }
    // The last open order rolled back: as when a final report ends it (found by review,
    // session 35: an unbounded order ended by a report while another was open stayed counted
    // after that other one rolled back, and REDUCING refused its side with nothing open).
    if (entry.openOrders === 0) nothingOpen(entry);
  }

  /**
   * A report's effect; a report without account, instrument or side changes nothing.
   * Returns the instrument whose position the fill would take past the decimal range (the
   * position then stays as it was, everything else applies), for the engine to block the
   * account: the book can no longer say what the account holds.
   */
  applyReport(report: ExecutionReport): Instrument | undefined {
    this.#changed(undefined);
    const op = report.operation;
    const accountId = op?.accountId;
    const fill = report.fill;
    if (accountId === undefined) return undefined;
    // Any report naming an open reservation's order marks it, a fee-only one too: the venue
    // has the order (found by review, session 29: one without a trade was skipped).
    if (report.clientOrderId !== undefined) {
      const known = this.find(accountId);
      if (known !== undefined && known.unsettled.length > 0) markReported(known.unsettled, report.clientOrderId, op?.side, fill?.isFinal === true);
    }
    if (fill === undefined) return undefined;
    const trade = fill.lastTrade;
    const final = fill.isFinal === true;
    if (trade === undefined && !final) return undefined;
    const entry = this.accountEntry(accountId);
    const lastOpenEnded = final && entry.openOrders === 1;
    if (final && entry.openOrders > 0) entry.openOrders -= 1;
    const instrument = op?.instrument;
    const side = op?.side;
    let overflowed: Instrument | undefined;
    if (instrument !== undefined && side !== undefined) {
      const slot = this.slotFor(entry, instrument);
      if (trade !== undefined && !trade.quantity.isZero()) {
        try {
          slot.addPosition(PositionSize.fromQuantityAndSide(trade.quantity, side));
        } catch (e) {
          if (!(e instanceof ParamError)) throw e;
          overflowed = instrument;
        }
        slot.reducePending(side, trade.quantity);
      }
      const leaves = fill.leavesQuantity;
      if (final && leaves !== undefined && !leaves.isZero()) slot.reducePending(side, leaves);
    }
    // The account's last open order ended.
    if (lastOpenEnded) nothingOpen(entry);
    return overflowed;
  }

  /**
   * The reservation of `reserve(f)` committed: the figures stay (the order is open at the
   * venue), only the match by client order id ends. Not a change of any figure, so the
   * revision stays.
   */
  settle(f: OrderFootprint): void {
    if (f.clientOrderId === undefined) return;
    const entry = this.find(f.accountId);
    if (entry !== undefined) removeFootprint(entry.unsettled, f);
  }

  /**
   * A restored open reservation's footprint (already counted in the restored figures) is
   * matched again, in the order the book took it (restores come channel by channel).
   */
  track(f: OrderFootprint): void {
    if (f.clientOrderId === undefined) return;
    const unsettled = this.accountEntry(f.accountId).unsettled;
    const order = f.bookOrder ?? 0;
    let i = unsettled.length;
    while (i > 0 && (unsettled[i - 1]!.bookOrder ?? 0) > order) i--;
    unsettled.splice(i, 0, f);
  }

  // ---- durability ----------------------------------------------------------------------

  /**
   * Retirement (OpenPit's `retire_account`): the book holds nothing for the account when no
   * order is open and every slot is flat with nothing pending; only then may it forget it.
   */
  isRetirable(accountId: AccountId): boolean {
    const entry = this.find(accountId);
    if (entry === undefined) return true;
    if (entry.openOrders !== 0) return false;
    return entry.list.every((s) => s.isFlat());
  }

  /** Accounts the book holds something for (an open order, a position or a pending quantity): what retirement refuses. */
  *heldAccountIds(): IterableIterator<AccountId> {
    for (const [id, entry] of this.accounts) if (entry.openOrders !== 0 || !entry.list.every((s) => s.isFlat())) yield id;
  }

  /** Drops the account's entry (retirement, after `isRetirable`). */
  forget(accountId: AccountId): void {
    this.#changed(undefined);
    this.accounts.delete(accountId);
    this.#remember(undefined, undefined);
  }

  toData(): AccountBookData {
    const accounts = new Map<AccountId, { openOrders: number; instruments: BookInstrumentData[] }>();
    for (const [id, entry] of this.accounts) {
      accounts.set(id, { openOrders: entry.openOrders, instruments: entry.list.map((s) => s.data()) });
    }
    return { accounts, lastBookOrder: this.#lastBookOrder };
  }

  /** Replaces the whole book (absent data = an empty book, as in snapshots from before it existed). */
  restore(data: AccountBookData | undefined): void {
    this.#changed(undefined);
    this.accounts.clear();
    this.#remember(undefined, undefined);
    this.#lastBookOrder = data?.lastBookOrder ?? 0;
    if (data === undefined) return;
    for (const [id, account] of data.accounts) {
      const entry = this.accountEntry(id);
      entry.openOrders = account.openOrders;
      for (const s of account.instruments) {
        const slot = this.slotFor(entry, s.instrument);
        slot.set(s.position, s.pendingBuy, s.pendingSell);
        // Absent (none open, or a snapshot from before the counts): 0, see BookInstrumentData.
        slot.unboundedBuy = s.unboundedBuy ?? 0;
        slot.unboundedSell = s.unboundedSell ?? 0;
        // Absent (not rounded, or a snapshot from before the marks): not rounded.
        slot.roundedBuy = s.roundedBuy === true;
        slot.roundedSell = s.roundedSell === true;
        // Absent (exact, or a snapshot from before it): the position is taken as exact.
        slot.unrounded = s.positionUnrounded === undefined ? undefined : unroundedFrom(s.positionUnrounded);
      }
    }
  }

  // ---- internals -------------------------------------------------------------------------

  /** Every public change goes through here first (conservatively: also when it turns out to change nothing). */
  #changed(reserved: OrderFootprint | undefined): void {
    this.#revision += 1;
    this.#lastReserve = reserved;
  }

  private slot(accountId: AccountId, instrument: Instrument): Slot | undefined {
    return this.find(accountId)?.slots.get(instrument.underlyingAsset)?.get(instrument.settlementAsset);
  }

  /** The account's entry, if it has one (through the one-entry cache). */
  private find(accountId: AccountId): AccountEntry | undefined {
    if (accountId === this.#lastId) return this.#lastEntry;
    const entry = this.accounts.get(accountId);
    // Only entries that exist are remembered: one created later is remembered by its creation.
    if (entry !== undefined) this.#remember(accountId, entry);
    return entry;
  }

  #remember(accountId: AccountId | undefined, entry: AccountEntry | undefined): void {
    this.#lastId = accountId;
    this.#lastEntry = entry;
  }

  private accountEntry(accountId: AccountId): AccountEntry {
    let entry = this.find(accountId);
    if (entry === undefined) {
      entry = { openOrders: 0, slots: new Map(), list: [], last: undefined, unsettled: [] };
      this.accounts.set(accountId, entry);
      this.#remember(accountId, entry);
    }
    return entry;
  }

  private slotFor(entry: AccountEntry, instrument: Instrument): Slot {
    const last = entry.last;
    if (last !== undefined && sameInstrument(last.instrument, instrument)) return last;
    const slot = this.slotFromMaps(entry, instrument);
    entry.last = slot;
    return slot;
  }

  private slotFromMaps(entry: AccountEntry, instrument: Instrument): Slot {
    let bySettlement = entry.slots.get(instrument.underlyingAsset);
    if (bySettlement === undefined) entry.slots.set(instrument.underlyingAsset, (bySettlement = new Map()));
    let slot = bySettlement.get(instrument.settlementAsset);
    if (slot === undefined) {
      slot = new Slot({ underlyingAsset: instrument.underlyingAsset, settlementAsset: instrument.settlementAsset });
      bySettlement.set(instrument.settlementAsset, slot);
      entry.list.push(slot);
    }
    return slot;
  }
}
