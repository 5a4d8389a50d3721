/** SoftLimitPolicy in the catalog: built and retuned from its settings JSON. */
import { groupOption, plainJson, type PolicyCatalogEntry } from "../catalog-entry.js";
import { SoftLimitPolicy } from "./policy.js";
import { parseSoftLimitSettingsJson, type SoftLimitSettings } from "./settings.js";

export const SOFT_LIMIT_ENTRY: PolicyCatalogEntry<SoftLimitPolicy> = {
  type: SoftLimitPolicy.NAME,
  policyClass: SoftLimitPolicy,
  create: (json, path, ctx) => new SoftLimitPolicy(parseSoftLimitSettingsJson(json, path), groupOption(ctx)),
  configurable: { parseUpdate: parseSoftLimitSettingsJson, toJson: plainJson, namedPolicies: (s) => (s as SoftLimitSettings).policies ?? [] },
};
