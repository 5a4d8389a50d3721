/** RestrictedListPolicy in the catalog: built and retuned (the whole list) from its settings JSON. */
import { groupOption, type PolicyCatalogEntry } from "../catalog-entry.js";
import { RestrictedListPolicy } from "./policy.js";
import { parseRestrictedListSettingsJson, restrictedListSettingsJson } from "./settings.js";

export const RESTRICTED_LIST_ENTRY: PolicyCatalogEntry<RestrictedListPolicy> = {
  type: RestrictedListPolicy.NAME,
  policyClass: RestrictedListPolicy,
  create: (json, path, ctx) => new RestrictedListPolicy(parseRestrictedListSettingsJson(json, path), groupOption(ctx)),
  configurable: { parseUpdate: parseRestrictedListSettingsJson, toJson: restrictedListSettingsJson },
};
