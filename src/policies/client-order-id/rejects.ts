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

/**
 * A retry whose order is not the one first sent with the id (found by review, session 34): the
 * same code as a duplicate, since that is what it is — another order under a known id — and
 * the first differing field named with both values (the gateway's own order: no account in it).
 */
export function retryDiffers(clientOrderId: string, d: { field: string; first: string; retried: string }): readonly PolicyReject[] {
  return [
    {
      code: "DuplicateClientOrderId",
      reason: "retry differs from the first order",
      details: `the retried order differs from the one first sent with client order id '${clientOrderId}': ${d.field} is ${d.retried}, was ${d.first}; a retry must repeat the first order field for field`,
      scope: "order",
    },
  ];
}
