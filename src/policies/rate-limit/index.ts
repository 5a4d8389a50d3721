/** RateLimitPolicy's public surface: the policy, its settings types, JSON parser and snapshot types. */
export { RateLimitPolicy } from "./policy.js";
export {
  parseRateLimitSettingsJson,
  validateRateLimitSettings,
  type RateLimit,
  type RateLimitAccountAssetBarrier,
  type RateLimitAccountBarrier,
  type RateLimitAssetBarrier,
  type RateLimitSettings,
} from "./settings.js";
export type { FixedWindowData, RateLimitSnapshot } from "./snapshot.js";
