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

/**
 * A retry sent by another command than the order first sent with the id (another command, or
 * another commit_on_accept; found by review: it got the first command's answer, so a start
 * got an ExecuteResult and an execute asking a commit an open reservation). The same code as
 * another order under the id, naming what differs with both values: `command` (wire names:
 * start_pre_trade, execute_pre_trade, execute_pre_trade_drop_copy) or `commit_on_accept`.
 */
export function retryCommandDiffers(clientOrderId: string, d: { field: string; first: string; retried: string }): readonly PolicyReject[] {
  return [
    {
      code: "DuplicateClientOrderId",
      reason: "retry differs from the first command",
      details: `the retried command differs from the one first sent with client order id '${clientOrderId}': ${d.field} is ${d.retried}, was ${d.first}; a retry must repeat the first command (the same command, the same commit_on_accept)`,
      scope: "order",
    },
  ];
}
