/**
 * Found by review: a tiered control's settings with the same account (or group) listed twice are
 * accepted and the last entry silently wins, where the scoped controls (trading state,
 * restricted list) refuse a repeated scope. A risk officer's typo (two limits for one
 * account) should be an error naming the field.
 */
import { describe, expect, it } from "vitest";
import { parseMaxOpenOrdersSettingsJson, parsePriceCollarSettingsJson, parseTwoTierThrottleSettingsJson } from "../../../src/policies/index.js";

describe("repeated account/group tiers", () => {
  it("an account listed twice is refused, naming the entry", () => {
    expect(() =>
      parseMaxOpenOrdersSettingsJson({
        accounts: [
          { accountId: 7, limit: { maxOpenOrders: 10 } },
          { accountId: 7, limit: { maxOpenOrders: 1000 } },
        ],
      }),
    ).toThrow("settings.accounts[1].accountId");
  });

  it("a group listed twice is refused, naming the entry", () => {
    expect(() =>
      parseTwoTierThrottleSettingsJson({
        groups: [
          { group: 3, limit: { softMaxOrders: 1, hardMaxOrders: 2, windowMs: 1000 } },
          { group: 3, limit: { softMaxOrders: 100, hardMaxOrders: 200, windowMs: 1000 } },
        ],
      }),
    ).toThrow("settings.groups[1].group");
  });
  // Found by review (session 28): the collar's instrument tier took a repeat, the later band winning.
  it("an instrument listed twice in the price collar is refused, naming the entry; another settlement asset is another instrument", () => {
    const band = (settlementAsset: string, pct: string) => ({ underlyingAsset: "AAPL", settlementAsset, limit: { maxDeviationPct: pct } });
    expect(() => parsePriceCollarSettingsJson({ instruments: [band("USD", "1"), band("EUR", "2"), band("USD", "50")] })).toThrow(
      "settings.instruments[2]: repeats an earlier entry's instrument",
    );
    expect(parsePriceCollarSettingsJson({ instruments: [band("USD", "1"), band("EUR", "2")] }).instruments).toHaveLength(2);
  });
});
