/** PriceCollarPolicy's reject texts (never an account id). */
import type { PolicyReject } from "../../model/reject.js";
import type { Price } from "../../param/values.js";
import { deviationPercentText } from "../policy-texts.js";

/** PriceOutsideCollar (43): a limit price too far from the reference. */
export function priceOutsideCollar(price: Price, reference: Price, field: string, maxPct: Price): readonly PolicyReject[] {
  const off = deviationPercentText(price, reference);
  return [
    {
      code: "PriceOutsideCollar",
      reason: "price outside collar",
      details: `order price ${price.toString()} is ${off} % from reference price ${reference.toString()} (${field}); collar is ${maxPct.toString()} %`,
      scope: "order",
    },
  ];
}

/** PriceOutsideCollar (43): a market order would trade too far from the reference. */
export function marketOutsideCollar(side: "ask" | "bid", touch: Price, reference: Price, field: string, maxPct: Price): readonly PolicyReject[] {
  const off = deviationPercentText(touch, reference);
  return [
    {
      code: "PriceOutsideCollar",
      reason: "price outside collar",
      details: `market order would trade at ${side} ${touch.toString()}, ${off} % from reference price ${reference.toString()} (${field}); allowed slippage is ${maxPct.toString()} %`,
      scope: "order",
    },
  ];
}
