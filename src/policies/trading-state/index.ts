/** TradingStatePolicy's public surface: the policy, its settings and JSON parser. */
export { TradingStatePolicy, reducesPosition } from "./policy.js";
export { parseTradingStateSettingsJson, tradingStateSettingsJson, type TradingStateEntry, type TradingStateSettings } from "./settings.js";
