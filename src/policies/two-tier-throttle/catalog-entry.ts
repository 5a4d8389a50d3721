/** TwoTierThrottlePolicy in the catalog: built and retuned from its settings JSON. */
import { groupOption, plainJson, type PolicyCatalogEntry } from "../catalog-entry.js";
import { TwoTierThrottlePolicy } from "./policy.js";
import { parseTwoTierThrottleSettingsJson } from "./settings.js";

export const TWO_TIER_THROTTLE_ENTRY: PolicyCatalogEntry<TwoTierThrottlePolicy> = {
  type: TwoTierThrottlePolicy.NAME,
  policyClass: TwoTierThrottlePolicy,
  create: (json, path, ctx) => new TwoTierThrottlePolicy(parseTwoTierThrottleSettingsJson(json, path), groupOption(ctx)),
  configurable: { parseUpdate: parseTwoTierThrottleSettingsJson, toJson: plainJson },
};
