/** A realized P&L figure, or why it can no longer be computed. */
import type { Pnl } from "../param/values.js";

export const PnlHaltReason = {
  MissingFx: "MissingFx",
  MissingAccountCurrency: "MissingAccountCurrency",
  MissingInitialPnl: "MissingInitialPnl",
  MissingCostBasis: "MissingCostBasis",
  ArithmeticOverflow: "ArithmeticOverflow",
} as const;
export type PnlHaltReason = (typeof PnlHaltReason)[keyof typeof PnlHaltReason];

/** A realized P&L figure, or the reason it can no longer be computed (sticky until force-set). */
export type PnlState =
  | { readonly kind: "value"; readonly value: Pnl }
  | { readonly kind: "halted"; readonly reason: PnlHaltReason };

export const PnlState = {
  value(value: Pnl): PnlState {
    return { kind: "value", value };
  },
  halted(reason: PnlHaltReason): PnlState {
    return { kind: "halted", reason };
  },
};
