/** PnlBoundsKillSwitchPolicy in the catalog: settings JSON, and its accumulators per account. */
import { groupOption, plainJson, type PolicyCatalogEntry } from "../catalog-entry.js";
import { PnlBoundsKillSwitchPolicy } from "./policy.js";
import { parsePnlBoundsKillSwitchSettingsJson } from "./settings.js";

export const PNL_BOUNDS_KILL_SWITCH_ENTRY: PolicyCatalogEntry<PnlBoundsKillSwitchPolicy> = {
  type: PnlBoundsKillSwitchPolicy.NAME,
  policyClass: PnlBoundsKillSwitchPolicy,
  create: (json, path, ctx) => new PnlBoundsKillSwitchPolicy(parsePnlBoundsKillSwitchSettingsJson(json, path), groupOption(ctx)),
  configurable: {
    // A runtime update may not seed accumulators: they are state, set by SetPnlAccumulator.
    parseUpdate: (json, path) => parsePnlBoundsKillSwitchSettingsJson(json, path, { allowInitialPnl: false }),
    toJson: plainJson,
  },
  accountIds: (policy) => policy.accountIds(),
  accountState: (policy, accountId) => ({
    pnlAccumulators: [...policy.accountPnls(accountId)].map(([asset, pnl]) => ({ asset, pnl })),
  }),
};
