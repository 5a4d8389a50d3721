/** OrderValidationPolicy in the catalog: no settings, nothing to show per account. */
import { groupOption, type PolicyCatalogEntry } from "../catalog-entry.js";
import { OrderValidationPolicy } from "./policy.js";

export const ORDER_VALIDATION_ENTRY: PolicyCatalogEntry<OrderValidationPolicy> = {
  type: OrderValidationPolicy.NAME,
  policyClass: OrderValidationPolicy,
  create: (_settings, _path, ctx) => new OrderValidationPolicy(groupOption(ctx)),
};
