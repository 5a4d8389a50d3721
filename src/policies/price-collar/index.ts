/** PriceCollarPolicy's public surface: the policy, its settings and JSON parser. */
export { PriceCollarPolicy } from "./policy.js";
export { parsePriceCollarSettingsJson, validatePriceCollarSettings, type CollarLimit, type CollarInstrument, type PriceCollarSettings } from "./settings.js";
