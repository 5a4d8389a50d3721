/** Non-trade account adjustments: balance operations and forced P&L, with their amounts and bounds. */
import type { Asset, Instrument } from "../param/instrument.js";
import type { PositionMode } from "../param/enums.js";
import type { Leverage, PositionSize, Price } from "../param/values.js";
import type { PnlState } from "./pnl-state.js";

/** Non-trade operations: deposits, corrections, reconciliation, P&L re-arm. */
export type AdjustmentOperation =
  | {
      readonly kind: "balance";
      readonly asset: Asset;
      /** Force-sets the slot's average entry price. */
      readonly averageEntryPrice?: Price;
      /** Force-sets the slot's realized P&L (re-arms a halted position). */
      readonly realizedPnl?: PnlState;
    }
  | {
      readonly kind: "position";
      readonly instrument: Instrument;
      readonly collateralAsset: Asset;
      readonly averageEntryPrice: Price;
      readonly mode: PositionMode;
      readonly leverage?: Leverage;
    }
  | { readonly kind: "accountPnl"; readonly state: PnlState };

export type AdjustmentAmount =
  | { readonly kind: "delta"; readonly value: PositionSize }
  | { readonly kind: "absolute"; readonly value: PositionSize };

export const AdjustmentAmount = {
  delta(value: PositionSize): AdjustmentAmount {
    return { kind: "delta", value };
  },
  absolute(value: PositionSize): AdjustmentAmount {
    return { kind: "absolute", value };
  },
};

export interface AdjustmentAmounts {
  readonly balance?: AdjustmentAmount;
  readonly held?: AdjustmentAmount;
  readonly incoming?: AdjustmentAmount;
}

/** Inclusive bounds checked on the result of the adjustment. */
export interface AdjustmentBounds {
  readonly balanceLower?: PositionSize;
  readonly balanceUpper?: PositionSize;
  readonly heldLower?: PositionSize;
  readonly heldUpper?: PositionSize;
  readonly incomingLower?: PositionSize;
  readonly incomingUpper?: PositionSize;
}

export interface AccountAdjustment {
  readonly operation?: AdjustmentOperation;
  readonly amount?: AdjustmentAmounts;
  readonly bounds?: AdjustmentBounds;
  readonly userData?: unknown;
}
