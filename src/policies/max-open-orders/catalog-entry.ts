/** MaxOpenOrdersPolicy in the catalog: built and retuned from its settings JSON. */
import { groupOption, plainJson, type PolicyCatalogEntry } from "../catalog-entry.js";
import { MaxOpenOrdersPolicy } from "./policy.js";
import { parseMaxOpenOrdersSettingsJson } from "./settings.js";

export const MAX_OPEN_ORDERS_ENTRY: PolicyCatalogEntry<MaxOpenOrdersPolicy> = {
  type: MaxOpenOrdersPolicy.NAME,
  policyClass: MaxOpenOrdersPolicy,
  create: (json, path, ctx) => new MaxOpenOrdersPolicy(parseMaxOpenOrdersSettingsJson(json, path), groupOption(ctx)),
  configurable: { parseUpdate: parseMaxOpenOrdersSettingsJson, toJson: plainJson },
};
