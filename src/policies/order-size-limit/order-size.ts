/** Works out an order's quantity and notional from whichever one it was sent in and its price. */
import { ParamError } from "../../param/param-error.js";
import type { Price, Quantity, Volume } from "../../param/values.js";
import type { TradeAmount } from "../../model/order.js";
import type { PolicyReject } from "../../model/reject.js";
import { NOTIONAL_NOT_COMPUTABLE, PRICE_NOT_PROVIDED, QUANTITY_NOT_COMPUTABLE } from "./rejects.js";

/** Both measures of an order, whichever one it was sent in. */
export interface OrderSize {
  readonly quantity: Quantity;
  readonly notional: Volume;
}

/**
 * Derives the missing measure from the order price: notional = |price| × quantity,
 * quantity = volume / |price|. A missing price, a zero price for a volume order, or a
 * result outside the decimal range gives the matching `OrderValueCalculationFailed`
 * reject list instead (tell them apart with `isOrderSize`).
 */
export function deriveOrderSize(amount: TradeAmount, price: Price | undefined): OrderSize | readonly PolicyReject[] {
  if (price === undefined) return PRICE_NOT_PROVIDED;
  try {
    if (amount.kind === "quantity") return { quantity: amount.value, notional: price.calculateVolume(amount.value) };
    return { quantity: amount.value.calculateQuantity(price), notional: amount.value };
  } catch (e) {
    if (!(e instanceof ParamError)) throw e;
    return amount.kind === "quantity" ? NOTIONAL_NOT_COMPUTABLE : QUANTITY_NOT_COMPUTABLE;
  }
}

export function isOrderSize(x: OrderSize | readonly PolicyReject[]): x is OrderSize {
  return !Array.isArray(x);
}
