/** An order as the policies see it: every field optional, each policy reads what it needs. */
import type { AccountId } from "../param/ids.js";
import type { Instrument, Asset } from "../param/instrument.js";
import type { PositionSide, Side } from "../param/enums.js";
import type { Leverage, Price, Quantity, Volume } from "../param/values.js";

/** Either instrument units or settlement notional; an order carries exactly one. */
export type TradeAmount =
  | { readonly kind: "quantity"; readonly value: Quantity }
  | { readonly kind: "volume"; readonly value: Volume };

export const TradeAmount = {
  quantity(value: Quantity): TradeAmount {
    return { kind: "quantity", value };
  },
  volume(value: Volume): TradeAmount {
    return { kind: "volume", value };
  },
};

/**
 * Every field is optional: the engine enforces nothing, each policy reads what it needs
 * and turns an absent field into a `MissingRequiredField` reject (OpenPit's accessor model).
 */
export interface OrderOperation {
  readonly instrument?: Instrument;
  readonly accountId?: AccountId;
  readonly side?: Side;
  readonly tradeAmount?: TradeAmount;
  /** Worst acceptable price; absent = market order. */
  readonly price?: Price;
}

/** Hedge-mode and close flags; no built-in policy reads them (hooks for custom policies). */
export interface OrderPosition {
  readonly positionSide?: PositionSide;
  readonly reduceOnly?: boolean;
  readonly closePosition?: boolean;
}

export interface OrderMargin {
  readonly leverage?: Leverage;
  readonly collateralAsset?: Asset;
  readonly autoBorrow?: boolean;
}

export interface Order {
  readonly operation?: OrderOperation;
  readonly position?: OrderPosition;
  readonly margin?: OrderMargin;
  /**
   * The gateway's id for the order, unique per account while the order is known
   * (ClientOrderIdPolicy); absent = not tracked.
   */
  readonly clientOrderId?: string;
  /** A retry of an order sent before with the same client order id (safe retries). */
  readonly retry?: boolean;
  /** Opaque caller token, passed to custom policies untouched. */
  readonly userData?: unknown;
}
