/** SoftLimitPolicy's public surface: the policy, its settings, JSON parser and snapshot type. */
export { SoftLimitPolicy, type SoftLimitSnapshot } from "./policy.js";
export { parseSoftLimitSettingsJson, validateSoftLimitSettings, type SoftLimitSettings } from "./settings.js";
