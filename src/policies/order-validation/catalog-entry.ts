/** OrderValidationPolicy in the catalog: no settings, nothing to show per account. */
import { groupOption, type PolicyCatalogEntry } from "../catalog-entry.js";
import { onlyKeys, readObject } from "../settings-json.js";
import { OrderValidationPolicy } from "./policy.js";

export const ORDER_VALIDATION_ENTRY: PolicyCatalogEntry<OrderValidationPolicy> = {
  type: OrderValidationPolicy.NAME,
  policyClass: OrderValidationPolicy,
  create: (settings, path, ctx) => {
    // No settings: any field given is a typo or a misplaced setting, refused like everywhere else.
    onlyKeys(readObject(settings ?? {}, path), path, []);
    return new OrderValidationPolicy(groupOption(ctx));
  },
};
