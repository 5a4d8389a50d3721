/** What a venue reports about an order: trade, fee, leaves, finality, the lock it was reserved under. */
import type { AccountId } from "../param/ids.js";
import type { Asset, Instrument } from "../param/instrument.js";
import type { PositionEffect, PositionSide, Side } from "../param/enums.js";
import type { Fee, Pnl, Price, Quantity } from "../param/values.js";
import type { PreTradeLock } from "./pre-trade-lock.js";

export interface ReportOperation {
  readonly instrument?: Instrument;
  readonly accountId?: AccountId;
  readonly side?: Side;
}

/** Realized P&L (+ gain) and fee (+ cost) of this report, as computed by the caller. */
export interface FinancialImpact {
  readonly pnl?: Pnl;
  readonly fee?: Fee;
}

export interface Trade {
  readonly price: Price;
  readonly quantity: Quantity;
}

export interface MonetaryAmount {
  /** Positive is a cost. */
  readonly amount: Fee;
  readonly currency: Asset;
}

export interface Fill {
  readonly lastTrade?: Trade;
  readonly fee?: MonetaryAmount;
  readonly leavesQuantity?: Quantity;
  /** The lock of the reservation this order was accepted under. */
  readonly lock?: PreTradeLock;
  readonly isFinal?: boolean;
}

export interface PositionImpact {
  readonly positionEffect?: PositionEffect;
  readonly positionSide?: PositionSide;
}

export interface ExecutionReport {
  readonly operation?: ReportOperation;
  readonly financialImpact?: FinancialImpact;
  readonly fill?: Fill;
  readonly positionImpact?: PositionImpact;
  /** The order's client order id: its final report releases the id (ClientOrderIdPolicy). */
  readonly clientOrderId?: string;
  /**
   * The venue's id of this execution (FIX ExecID): a report naming an id already applied for
   * its account (within the engine's execution id bounds) is not applied again.
   */
  readonly executionId?: string;
  readonly userData?: unknown;
}
