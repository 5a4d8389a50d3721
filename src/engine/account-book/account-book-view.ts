/** What policies may read of the account book: positions, open orders and pending quantities. */
import type { Decimal } from "decimal.js";
import type { AccountId } from "../../param/ids.js";
import type { Side } from "../../param/enums.js";
import type { Instrument } from "../../param/instrument.js";
import type { PositionSize, Quantity } from "../../param/values.js";
import type { OrderFootprint } from "./order-footprint.js";

/** One instrument of one account as the book holds it. */
export interface BookInstrument {
  readonly instrument: Instrument;
  /** Filled net position in the underlying: + long, − short (from execution reports only). */
  readonly position: PositionSize;
  /** Quantity of accepted, not yet filled or final orders on each side. */
  readonly pendingBuy: Quantity;
  readonly pendingSell: Quantity;
  /**
   * max(|position + pendingBuy|, |position − pendingSell|) (`worstQuantity`): derived from
   * the three figures above, computed on first read after one of them changed.
   */
  readonly worst: PositionSize;
  /**
   * The exact position while `position` is it rounded (a fill past 29 digits), else
   * undefined. A check that must hold to the last digit starts from it (gross exposure,
   * REDUCING); `worst` is built from the rounded figure.
   */
  readonly positionUnrounded: Decimal | undefined;
}

/**
 * An instrument's figures as snapshot data (the derived `worst` is not part of the state). The
 * unbounded counts are written only when not zero, and absent (snapshots from before them,
 * or none open) restore as 0: a build before them did not mark any footprint, so no open
 * reservation's rollback will uncount one. Likewise the rounded marks, written only when set:
 * absent restores as not rounded (a build before them did not mark its rounded totals).
 */
export type BookInstrumentData = Pick<BookInstrument, "instrument" | "position" | "pendingBuy" | "pendingSell"> & {
  /** `unboundedOpenOrders` on each side. */
  readonly unboundedBuy?: number;
  readonly unboundedSell?: number;
  /** `pendingRounded` on each side. */
  readonly roundedBuy?: boolean;
  readonly roundedSell?: boolean;
  /** `BookInstrument.positionUnrounded` in plain notation, written only while the position is rounded. */
  readonly positionUnrounded?: string;
};

/**
 * The shared inputs of the controls, read-only (`ctx.book` in every hook). The engine
 * keeps it; see account-book.ts for when each number moves. Every figure is an aggregate:
 * execution reports carry no order id, so nothing is tracked per order (a client order id
 * only matches a report to a reservation still open, so that its rollback does not count
 * the order out a second time).
 */
export interface AccountBookView {
  /** Filled net position of the account in the instrument; zero when never traded. */
  position(accountId: AccountId, instrument: Instrument): PositionSize;
  /** Quantity of the account's open orders on `side` in the instrument; zero when none. */
  pendingQuantity(accountId: AccountId, instrument: Instrument, side: Side): Quantity;
  /**
   * Of the account's open orders on `side` in the instrument, those whose units have no bound
   * or could not be computed (`OrderFootprint.unbounded`): their pending quantity is no worst
   * case; 0 when none. Counted
   * at reserve, uncounted by that reservation's rollback; a report does not say which order
   * ended, so otherwise only when the account's last open order ends (fail closed).
   */
  unboundedOpenOrders(accountId: AccountId, instrument: Instrument, side: Side): number;
  /**
   * Whether the decimal domain rounded a sum or difference of the pending quantity on `side`
   * (past 29 digits: open BUYs of 8e10 and 1e-18 are held as 8e10, and once the 8e10 fills as
   * 0) since the account last had nothing open: that figure may then not be the exact total of
   * the side's open orders. Cleared only when the account's last open order ends or rolls
   * back (a report does not say which order ended; fail closed).
   */
  pendingRounded(accountId: AccountId, instrument: Instrument, side: Side): boolean;
  /**
   * The exact position when the book holds it rounded (a fill past 29 digits), else
   * undefined: `position` is exact then. For a decision that must not read a rounded sign or
   * size (REDUCING).
   */
  positionUnrounded(accountId: AccountId, instrument: Instrument): Decimal | undefined;
  /** Orders of the account accepted and not yet final (nor rolled back). */
  openOrders(accountId: AccountId): number;
  /** The account's entry for the instrument, or undefined when it never touched it. */
  entry(accountId: AccountId, instrument: Instrument): BookInstrument | undefined;
  /** Every instrument the account has touched, in first-touch order (empty when none). */
  instruments(accountId: AccountId): Iterable<BookInstrument>;
  /**
   * Moves on every change to any account (a cache key: a figure derived from the book while
   * it had this revision is still right while it has it).
   */
  readonly revision: number;
  /** The footprint the last change reserved, when that change was a `reserve`; undefined after any other change. */
  readonly lastReserve: OrderFootprint | undefined;
}
