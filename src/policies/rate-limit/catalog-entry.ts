/** RateLimitPolicy in the catalog: built and retuned from its settings JSON. */
import { groupOption, plainJson, type PolicyCatalogEntry } from "../catalog-entry.js";
import { RateLimitPolicy } from "./policy.js";
import { parseRateLimitSettingsJson } from "./settings.js";

export const RATE_LIMIT_ENTRY: PolicyCatalogEntry<RateLimitPolicy> = {
  type: RateLimitPolicy.NAME,
  policyClass: RateLimitPolicy,
  create: (json, path, ctx) => new RateLimitPolicy(parseRateLimitSettingsJson(json, path), groupOption(ctx)),
  configurable: { parseUpdate: parseRateLimitSettingsJson, toJson: plainJson },
};
