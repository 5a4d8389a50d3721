/** GrossExposureLimitPolicy's public surface: the policy, its settings and JSON parser. */
export { GrossExposureLimitPolicy } from "./policy.js";
export { parseGrossExposureSettingsJson, validateGrossExposureSettings, type ExposureLimit, type GrossExposureSettings } from "./settings.js";
