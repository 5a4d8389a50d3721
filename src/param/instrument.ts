/** Assets and instruments (underlying + settlement asset). */
import { ParamError } from "./param-error.js";

/** Any non-blank string; no normalisation ("usd" and "USD" are different assets). */
export type Asset = string;

export function asset(text: string): Asset {
  if (typeof text !== "string" || text.trim() === "") throw new ParamError("Asset", "AssetEmpty", "asset is empty");
  return text;
}

/** Quantity and position are in the underlying; cash, notional and P&L in the settlement asset. */
export interface Instrument {
  readonly underlyingAsset: Asset;
  readonly settlementAsset: Asset;
}

export function instrument(underlyingAsset: string, settlementAsset: string): Instrument {
  return { underlyingAsset: asset(underlyingAsset), settlementAsset: asset(settlementAsset) };
}
