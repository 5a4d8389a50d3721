/** OrderSizeLimitPolicy's reject texts: missing fields, an uncomputable size, breached caps. */
import { missingField, type PolicyReject, type RejectScope } from "../../model/reject.js";
import type { Quantity, Volume } from "../../param/values.js";
import type { OrderSizeLimit } from "./settings.js";

export const MISSING_INSTRUMENT: readonly PolicyReject[] = Object.freeze([missingField("instrument")]);
export const MISSING_ACCOUNT_ID: readonly PolicyReject[] = Object.freeze([missingField("account ID")]);
export const MISSING_TRADE_AMOUNT: readonly PolicyReject[] = Object.freeze([missingField("trade amount")]);

function calculationFailed(details: string): readonly PolicyReject[] {
  return Object.freeze([{ code: "OrderValueCalculationFailed", reason: "order value calculation failed", details, scope: "order" }]);
}

export const PRICE_NOT_PROVIDED = calculationFailed("price not provided for evaluating cash flow/notional/volume");
export const NOTIONAL_NOT_COMPUTABLE = calculationFailed("price or quantity could not be used to evaluate order notional");
export const QUANTITY_NOT_COMPUTABLE = calculationFailed("price or volume could not be used to evaluate order quantity");

/**
 * The one reject for a breached limit, or undefined when the order fits (caps inclusive).
 * `scope` is `account` for an account+asset limit: OpenPit then blocks the account.
 */
export function sizeLimitBreach(
  limit: OrderSizeLimit,
  quantity: Quantity,
  notional: Volume,
  scope: RejectScope,
): readonly PolicyReject[] | undefined {
  const quantityOver = quantity.gt(limit.maxQuantity);
  const notionalOver = notional.gt(limit.maxNotional);
  if (!quantityOver && !notionalOver) return undefined;
  if (quantityOver && notionalOver) {
    return [
      {
        code: "OrderExceedsLimit",
        reason: "order size exceeded",
        details:
          `requested quantity ${quantity.toString()}, max allowed: ${limit.maxQuantity.toString()}; ` +
          `requested notional ${notional.toString()}, max allowed: ${limit.maxNotional.toString()}`,
        scope,
      },
    ];
  }
  if (quantityOver) {
    return [
      {
        code: "OrderQtyExceedsLimit",
        reason: "order quantity exceeded",
        details: `requested ${quantity.toString()}, max allowed: ${limit.maxQuantity.toString()}`,
        scope,
      },
    ];
  }
  return [
    {
      code: "OrderNotionalExceedsLimit",
      reason: "order notional exceeded",
      details: `requested ${notional.toString()}, max allowed: ${limit.maxNotional.toString()}`,
      scope,
    },
  ];
}
