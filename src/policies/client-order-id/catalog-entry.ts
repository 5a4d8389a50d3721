/** ClientOrderIdPolicy in the catalog: built and retuned (its retention) from its settings JSON. */
import { groupOption, plainJson, type PolicyCatalogEntry } from "../catalog-entry.js";
import { ClientOrderIdPolicy } from "./policy.js";
import { parseClientOrderIdSettingsJson } from "./settings.js";

export const CLIENT_ORDER_ID_ENTRY: PolicyCatalogEntry<ClientOrderIdPolicy> = {
  type: ClientOrderIdPolicy.NAME,
  policyClass: ClientOrderIdPolicy,
  create: (json, path, ctx) => new ClientOrderIdPolicy(parseClientOrderIdSettingsJson(json, path), groupOption(ctx)),
  configurable: { parseUpdate: parseClientOrderIdSettingsJson, toJson: plainJson },
};
