/** RepeatedExecutionThrottlePolicy's public surface: the policy, its settings, JSON parser and snapshot type. */
export { RepeatedExecutionThrottlePolicy, type RepeatedExecutionSnapshot } from "./policy.js";
export { parseRepeatedExecutionSettingsJson, validateRepeatedExecutionSettings, type ExecutionLimit, type RepeatedExecutionSettings } from "./settings.js";
