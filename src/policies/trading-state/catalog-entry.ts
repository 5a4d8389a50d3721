/** TradingStatePolicy in the catalog: built and retuned from its settings JSON (the states). */
import { groupOption, type PolicyCatalogEntry } from "../catalog-entry.js";
import { TradingStatePolicy } from "./policy.js";
import { parseTradingStateSettingsJson, tradingStateReasons, tradingStateSettingsJson } from "./settings.js";

export const TRADING_STATE_ENTRY: PolicyCatalogEntry<TradingStatePolicy> = {
  type: TradingStatePolicy.NAME,
  policyClass: TradingStatePolicy,
  create: (json, path, ctx) => new TradingStatePolicy(parseTradingStateSettingsJson(json, path), groupOption(ctx)),
  configurable: { parseUpdate: parseTradingStateSettingsJson, toJson: tradingStateSettingsJson },
  operatorReasons: tradingStateReasons,
  settingsMovedBy: "SetTradingState",
};
