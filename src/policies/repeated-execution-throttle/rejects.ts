/** RepeatedExecutionThrottlePolicy's block text (never an account id). */
import { formatDuration } from "../../param/duration.js";
import type { PolicyBlock } from "../../engine/pretrade/policy.js";
import type { ExecutionLimit } from "./settings.js";

/** RepeatedExecutionLimitExceeded (45): the account's block, kept until an operator unblocks it. */
export function repeatedExecutionBlock(count: number, limit: ExecutionLimit): PolicyBlock {
  return {
    code: "RepeatedExecutionLimitExceeded",
    reason: "repeated execution limit exceeded",
    details: `${count} executions in ${formatDuration(limit.windowMs)} window, max allowed: ${limit.maxExecutions}; blocked until an operator unblocks`,
  };
}
