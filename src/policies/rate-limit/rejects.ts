/** RateLimitPolicy's reject texts, and which breached axes latch an account block. */
import { formatDuration } from "../../param/duration.js";
import { missingField, type PolicyReject, type RejectScope } from "../../model/reject.js";
import type { RateLimit } from "./settings.js";

export const MISSING_INSTRUMENT: readonly PolicyReject[] = Object.freeze([missingField("instrument")]);
export const MISSING_ACCOUNT_ID: readonly PolicyReject[] = Object.freeze([missingField("account ID")]);

/** The axes in reject priority order, with the barrier name the reason carries. */
export type RateLimitBarrier = "broker" | "asset" | "account" | "account+asset";

/**
 * Per-account axes answer with `account` scope on purpose: OpenPit latches an engine block
 * on the account, so a flooding client stays out until an operator unblocks it.
 */
const SCOPE: Record<RateLimitBarrier, RejectScope> = {
  broker: "order",
  asset: "order",
  account: "account",
  "account+asset": "account",
};

export function rateLimitExceeded(barrier: RateLimitBarrier, count: number, limit: RateLimit): readonly PolicyReject[] {
  return [
    {
      code: "RateLimitExceeded",
      reason: `rate limit exceeded: ${barrier} barrier`,
      details: `submitted ${count} orders in ${formatDuration(limit.windowMs)} window, max allowed: ${limit.maxOrders}`,
      scope: SCOPE[barrier],
    },
  ];
}
