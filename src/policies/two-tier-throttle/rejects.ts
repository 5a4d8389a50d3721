/** TwoTierThrottlePolicy's reject texts (never an account id). */
import { formatDuration } from "../../param/duration.js";
import type { PolicyReject } from "../../model/reject.js";
import type { ThrottleLimit } from "./settings.js";

/** Soft tier: RateLimitExceeded (26), this order only. */
export function softThrottle(count: number, limit: ThrottleLimit): readonly PolicyReject[] {
  return [
    {
      code: "RateLimitExceeded",
      reason: "throttle soft limit exceeded",
      details: `submitted ${count} orders in ${formatDuration(limit.windowMs)} window, soft limit: ${limit.softMaxOrders}`,
      scope: "order",
    },
  ];
}

/**
 * Hard tier: ThrottleHardLimitExceeded (44), account scope (the engine blocks the account).
 * The door closes the channel the order came on when it sees this code (see
 * CHANNEL_CLOSING_CODES in src/state/channel-closing.ts).
 */
export function hardThrottle(count: number, limit: ThrottleLimit): readonly PolicyReject[] {
  return [
    {
      code: "ThrottleHardLimitExceeded",
      reason: "throttle hard limit exceeded",
      details: `submitted ${count} orders in ${formatDuration(limit.windowMs)} window, hard limit: ${limit.hardMaxOrders}; account blocked and channel closed`,
      scope: "account",
    },
  ];
}
