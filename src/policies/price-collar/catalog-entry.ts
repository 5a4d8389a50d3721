/** PriceCollarPolicy in the catalog: built with market data, retuned from its settings JSON. */
import { groupOption, plainJson, type PolicyCatalogEntry } from "../catalog-entry.js";
import { PriceCollarPolicy } from "./policy.js";
import { parsePriceCollarSettingsJson } from "./settings.js";

export const PRICE_COLLAR_ENTRY: PolicyCatalogEntry<PriceCollarPolicy> = {
  type: PriceCollarPolicy.NAME,
  policyClass: PriceCollarPolicy,
  create: (json, path, ctx) => new PriceCollarPolicy(parsePriceCollarSettingsJson(json, path), ctx.marketData, groupOption(ctx)),
  configurable: { parseUpdate: parsePriceCollarSettingsJson, toJson: plainJson },
};
