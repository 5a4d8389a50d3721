/** Written by review (it passed on the code as it was): GetPolicySettings' JSON, sent back unchanged by ConfigurePolicy, parses to the same settings. */
import { describe, expect, it } from "vitest";
import { MarketDataService, QuoteTtl } from "../../../src/marketdata/index.js";
import { ManualClock } from "../../../src/engine/index.js";
import { POLICY_CATALOG } from "../../../src/policies/catalog.js";
import { currentSettings } from "../../../src/policies/catalog-entry.js";

const SETTINGS: Record<string, unknown> = {
  PriceCollarPolicy: { default: { maxDeviationPct: "5" }, instruments: [{ underlyingAsset: "AAPL", settlementAsset: "USD", limit: { maxDeviationPct: "3" } }], marketSlippagePct: "1" },
  TwoTierThrottlePolicy: { default: { softMaxOrders: 5, hardMaxOrders: 10, windowMs: 1000 }, accounts: [{ accountId: 7, limit: { softMaxOrders: 1, hardMaxOrders: 2, windowMs: 500 } }] },
  RepeatedExecutionThrottlePolicy: { groups: [{ group: 3, limit: { maxExecutions: 5, windowMs: 60000 } }] },
  GrossExposureLimitPolicy: undefined,
  MaxOpenOrdersPolicy: { default: { maxOpenOrders: 3 } },
  SoftLimitPolicy: { shares: ["0.7", "0.9"] },
  TradingStatePolicy: { states: [{ accountId: 7, state: "REDUCING", reason: "x" }, { global: true, state: "HALTED" }] },
  RestrictedListPolicy: { entries: [{ groupId: 3, underlyingAsset: "AAPL", settlementAsset: "USD", sellOnly: true, reason: "r" }, { accountId: 9, underlyingAsset: "TSLA" }] },
  ClientOrderIdPolicy: { retentionMs: 5000 },
};

describe("settings JSON round trip", () => {
  const marketData = new MarketDataService({ defaultTtl: QuoteTtl.within(5_000), clock: new ManualClock(0) });
  for (const [type, json] of Object.entries(SETTINGS)) {
    if (json === undefined) continue;
    it(type, () => {
      const entry = POLICY_CATALOG.get(type)!;
      const policy = entry.create(json as never, "settings", { policyGroupId: undefined, marketData });
      const shown = entry.configurable!.toJson(currentSettings(policy));
      const back = entry.configurable!.parseUpdate(JSON.parse(JSON.stringify(shown)), "settings");
      expect(entry.configurable!.toJson(back)).toEqual(shown);
    });
  }
});
