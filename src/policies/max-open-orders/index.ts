/** MaxOpenOrdersPolicy's public surface: the policy, its settings and JSON parser. */
export { MaxOpenOrdersPolicy } from "./policy.js";
export { parseMaxOpenOrdersSettingsJson, validateMaxOpenOrdersSettings, type MaxOpenOrdersSettings, type OpenOrdersLimit } from "./settings.js";
