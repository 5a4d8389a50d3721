/** GrossExposureLimitPolicy in the catalog: built with market data, retuned from its settings JSON. */
import { groupOption, plainJson, type PolicyCatalogEntry } from "../catalog-entry.js";
import { GrossExposureLimitPolicy } from "./policy.js";
import { parseGrossExposureSettingsJson } from "./settings.js";

export const GROSS_EXPOSURE_LIMIT_ENTRY: PolicyCatalogEntry<GrossExposureLimitPolicy> = {
  type: GrossExposureLimitPolicy.NAME,
  policyClass: GrossExposureLimitPolicy,
  create: (json, path, ctx) => new GrossExposureLimitPolicy(parseGrossExposureSettingsJson(json, path), ctx.marketData, groupOption(ctx)),
  configurable: { parseUpdate: parseGrossExposureSettingsJson, toJson: plainJson },
};
