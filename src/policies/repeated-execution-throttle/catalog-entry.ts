/** RepeatedExecutionThrottlePolicy in the catalog: built and retuned from its settings JSON. */
import { groupOption, plainJson, type PolicyCatalogEntry } from "../catalog-entry.js";
import { RepeatedExecutionThrottlePolicy } from "./policy.js";
import { parseRepeatedExecutionSettingsJson } from "./settings.js";

export const REPEATED_EXECUTION_THROTTLE_ENTRY: PolicyCatalogEntry<RepeatedExecutionThrottlePolicy> = {
  type: RepeatedExecutionThrottlePolicy.NAME,
  policyClass: RepeatedExecutionThrottlePolicy,
  create: (json, path, ctx) => new RepeatedExecutionThrottlePolicy(parseRepeatedExecutionSettingsJson(json, path), groupOption(ctx)),
  configurable: { parseUpdate: parseRepeatedExecutionSettingsJson, toJson: plainJson },
};
