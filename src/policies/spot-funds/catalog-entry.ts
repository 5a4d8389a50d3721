/** SpotFundsPolicy in the catalog: settings JSON (Map-keyed settings as lists), holdings and account P&L. */
import { groupOption, plainJson, type PolicyCatalogEntry } from "../catalog-entry.js";
import type { Json } from "../settings-json.js";
import { SpotFundsPolicy } from "./policy.js";
import { parseSpotFundsSettingsJson, type SpotFundsSettings } from "./settings.js";

/** SpotFunds keeps keyed settings in Maps; its JSON form lists them (see its parser). */
function spotFundsSettingsToJson(s: SpotFundsSettings): Json {
  return plainJson({
    slippageBps: s.slippageBps,
    pricingSource: s.pricingSource,
    slippageOverrides: s.slippageOverrides,
    limitMode: s.limitMode,
    accountLimitModes: [...s.accountLimitModes].map(([accountId, limitMode]) => ({ accountId, limitMode })),
    accountGroupLimitModes: [...s.accountGroupLimitModes].map(([accountGroupId, limitMode]) => ({ accountGroupId, limitMode })),
    pnlBarrier: s.pnlBarrier,
    accountGroupPnlBarriers: [...s.accountGroupPnlBarriers].map(([accountGroupId, b]) => ({ accountGroupId, ...b })),
    accountPnlBarriers: [...s.accountPnlBarriers].map(([accountId, b]) => ({ accountId, ...b })),
    positionLimits: [...s.positionLimits].flatMap(([accountId, limits]) => [...limits].map(([asset, limit]) => ({ accountId, asset, limit }))),
  });
}

export const SPOT_FUNDS_ENTRY: PolicyCatalogEntry<SpotFundsPolicy> = {
  type: SpotFundsPolicy.NAME,
  policyClass: SpotFundsPolicy,
  create: (json, path, ctx) => new SpotFundsPolicy(parseSpotFundsSettingsJson(json ?? {}, path), { ...groupOption(ctx), marketData: ctx.marketData }),
  configurable: { parseUpdate: parseSpotFundsSettingsJson, toJson: (s) => spotFundsSettingsToJson(s as SpotFundsSettings) },
  accountIds: (policy) => policy.accountIds(),
  accountState: (policy, accountId) => {
    const accountPnl = policy.accountPnl(accountId);
    return {
      holdings: [...policy.holdings(accountId)].map(([asset, h]) => ({ asset, ...h })),
      ...(accountPnl === undefined ? {} : { accountPnl }),
    };
  },
};
