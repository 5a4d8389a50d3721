/** OrderSizeLimitPolicy in the catalog: built and retuned from its settings JSON. */
import { groupOption, plainJson, type PolicyCatalogEntry } from "../catalog-entry.js";
import { OrderSizeLimitPolicy } from "./policy.js";
import { parseOrderSizeLimitSettingsJson } from "./settings.js";

export const ORDER_SIZE_LIMIT_ENTRY: PolicyCatalogEntry<OrderSizeLimitPolicy> = {
  type: OrderSizeLimitPolicy.NAME,
  policyClass: OrderSizeLimitPolicy,
  create: (json, path, ctx) => new OrderSizeLimitPolicy(parseOrderSizeLimitSettingsJson(json, path), groupOption(ctx)),
  configurable: { parseUpdate: parseOrderSizeLimitSettingsJson, toJson: plainJson },
};
