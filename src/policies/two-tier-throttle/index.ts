/** TwoTierThrottlePolicy's public surface: the policy, its settings, JSON parser and snapshot type. */
export { TwoTierThrottlePolicy, type TwoTierThrottleSnapshot } from "./policy.js";
export { parseTwoTierThrottleSettingsJson, validateTwoTierThrottleSettings, type ThrottleLimit, type TwoTierThrottleSettings } from "./settings.js";
