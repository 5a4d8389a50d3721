/** ClientOrderIdPolicy's reject text: the id is the gateway's own, so it may be named; the account never is. */
import type { PolicyReject } from "../../model/reject.js";

export function duplicate(clientOrderId: string): readonly PolicyReject[] {
  return [
    {
      code: "DuplicateClientOrderId",
      reason: "duplicate client order id",
      details: `client order id '${clientOrderId}' belongs to an order still known for the account; mark the order as a retry to get its first decision`,
      scope: "order",
    },
  ];
}
