/**
 * The world and the messages of the safe-retry tests (retry-different-order, retry-other-command):
 * ClientOrderIdPolicy keeping ids for good, SpotFunds reserving, the three order commands, and the
 * two rejects a retry that is not its id's first command and order gets (exact, as on the wire).
 */
import { order } from "./harness.js";
import { controlsConfig } from "./controls-helpers.js";

export const RETRY_CONFIG = controlsConfig([{ type: "ClientOrderIdPolicy", settings: { retentionMs: 0 } }, { type: "SpotFundsPolicy", settings: {} }]);

type OrderInit = Parameters<typeof order>[0];
export const execute = (init: OrderInit, commitOnAccept = false) => ({ case: "executePreTrade", value: { order: order(init), commitOnAccept } }) as const;
export const start = (init: OrderInit) => ({ case: "startPreTrade", value: { order: order(init) } }) as const;
export const dropCopy = (init: OrderInit, commitOnAccept = true) => ({ case: "executePreTradeDropCopy", value: { order: order(init), commitOnAccept } }) as const;

/** The reject a retry gets when its order is not the first one. */
export const DIFFERS = (id: string, field: string, now: string, was: string) => ({
  policy: "ClientOrderIdPolicy",
  code: "REJECT_CODE_DUPLICATE_CLIENT_ORDER_ID",
  reason: "retry differs from the first order",
  details: `the retried order differs from the one first sent with client order id '${id}': ${field} is ${now}, was ${was}; a retry must repeat the first order field for field`,
  scope: "REJECT_SCOPE_ORDER",
});

/** The reject a retry gets when it is not sent as the first order was. */
export const OTHER = (id: string, field: "command" | "commit_on_accept", now: string, was: string) => ({
  policy: "ClientOrderIdPolicy",
  code: "REJECT_CODE_DUPLICATE_CLIENT_ORDER_ID",
  reason: "retry differs from the first command",
  details: `the retried command differs from the one first sent with client order id '${id}': ${field} is ${now}, was ${was}; a retry must repeat the first command (the same command, the same commit_on_accept)`,
  scope: "REJECT_SCOPE_ORDER",
});
