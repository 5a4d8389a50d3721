/** MaxOpenOrdersPolicy's reject text (never an account id). */
import type { PolicyReject } from "../../model/reject.js";

/** OpenOrderLimitExceeded (47). */
export function openOrderLimitExceeded(open: number, max: number): readonly PolicyReject[] {
  return [
    {
      code: "OpenOrderLimitExceeded",
      reason: "open order limit exceeded",
      details: `${open} orders are open, max allowed: ${max}`,
      scope: "order",
    },
  ];
}
