/** Enums are string literals, with `as const` objects for autocomplete and iteration. */
export const Side = { Buy: "BUY", Sell: "SELL" } as const;
export type Side = (typeof Side)[keyof typeof Side];

export function sideSign(side: Side): 1 | -1 {
  return side === "BUY" ? 1 : -1;
}

export function oppositeSide(side: Side): Side {
  return side === "BUY" ? "SELL" : "BUY";
}

export const PositionSide = { Long: "LONG", Short: "SHORT" } as const;
export type PositionSide = (typeof PositionSide)[keyof typeof PositionSide];

export const PositionEffect = { Open: "OPEN", Close: "CLOSE" } as const;
export type PositionEffect = (typeof PositionEffect)[keyof typeof PositionEffect];

export const PositionMode = { Netting: "netting", Hedged: "hedged" } as const;
export type PositionMode = (typeof PositionMode)[keyof typeof PositionMode];

export const FillType = {
  Trade: "TRADE",
  Liquidation: "LIQUIDATION",
  AutoDeleverage: "AUTO_DELEVERAGE",
  Settlement: "SETTLEMENT",
  Funding: "FUNDING",
} as const;
export type FillType = (typeof FillType)[keyof typeof FillType];
