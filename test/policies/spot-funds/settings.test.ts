import { describe, expect, it } from "vitest";
import { AccountGroupId, AccountId, InstrumentId, Pnl } from "../../../src/param/index.js";
import {
  defaultSpotFundsSettings,
  parseSpotFundsSettingsJson,
  SpotFundsPolicy,
  validateSpotFundsSettings,
} from "../../../src/policies/spot-funds/index.js";

describe("SpotFunds settings", () => {
  it("parses the full JSON shape", () => {
    const s = parseSpotFundsSettingsJson({
      slippageBps: 50,
      pricingSource: "BookTop",
      slippageOverrides: [
        { instrumentId: 7, slippageBps: 10 },
        { instrumentId: "7", accountGroupId: 3, slippageBps: 20 },
        { instrumentId: 7, accountId: "99224416", slippageBps: 30 },
      ],
      limitMode: "TrackOnly",
      accountLimitModes: [{ accountId: 99224416, limitMode: "Enforce" }],
      accountGroupLimitModes: [{ accountGroupId: 3, limitMode: "TrackOnly" }],
      pnlBarrier: { lower: "-1000", upper: "5000" },
      accountGroupPnlBarriers: [{ accountGroupId: 3, lower: "-10" }],
      accountPnlBarriers: [{ accountId: 99224416, upper: "100.5" }],
    });
    const account = AccountId.fromU64(99224416);
    const group = AccountGroupId.fromU32(3);
    expect(s.slippageBps).toBe(50);
    expect(s.pricingSource).toBe("BookTop");
    expect(s.slippageOverrides).toEqual([
      { instrumentId: InstrumentId.fromU64(7), slippageBps: 10 },
      { instrumentId: InstrumentId.fromU64(7), accountGroupId: group, slippageBps: 20 },
      { instrumentId: InstrumentId.fromU64(7), accountId: account, slippageBps: 30 },
    ]);
    expect(s.limitMode).toBe("TrackOnly");
    expect([...s.accountLimitModes]).toEqual([[account, "Enforce"]]);
    expect([...s.accountGroupLimitModes]).toEqual([[group, "TrackOnly"]]);
    expect(s.pnlBarrier?.lower?.toString()).toBe("-1000");
    expect(s.pnlBarrier?.upper?.toString()).toBe("5000");
    expect(s.accountGroupPnlBarriers.get(group)?.lower?.toString()).toBe("-10");
    expect(s.accountPnlBarriers.get(account)?.upper?.toString()).toBe("100.5");
    expect(s.accountPnlBarriers.get(account)?.lower).toBeUndefined();
  });

  it("an empty object is the defaults", () => {
    expect(parseSpotFundsSettingsJson({})).toEqual(defaultSpotFundsSettings());
  });

  it("refuses unknown keys and bad values, naming the field", () => {
    expect(() => parseSpotFundsSettingsJson({ slipage: 1 })).toThrow("settings.slipage: unknown field");
    expect(() => parseSpotFundsSettingsJson({ slippageBps: 10_001 })).toThrow("settings.slippageBps: must be an integer in 0..10000");
    expect(() => parseSpotFundsSettingsJson({ pricingSource: "Last" })).toThrow("settings.pricingSource: must be one of: Mark, BookTop");
    expect(() => parseSpotFundsSettingsJson({ pnlBarrier: {} })).toThrow("settings.pnlBarrier: NoPnlBoundsConfigured: spot-funds P&L bounds must configure at least one bound");
    // An entry is named by its place in the list, not by its account's id (found by review).
    expect(() => parseSpotFundsSettingsJson({ accountPnlBarriers: [{ accountId: 42, lower: "-5" }, { accountId: 99224416 }] })).toThrow(
      "settings.accountPnlBarriers[1]: NoPnlBoundsConfigured: spot-funds P&L bounds must configure at least one bound",
    );
    expect(() => parseSpotFundsSettingsJson({ accountGroupPnlBarriers: [{ accountGroupId: 7 }] }, "config.policies[4].settings")).toThrow(
      "config.policies[4].settings.accountGroupPnlBarriers[0]: NoPnlBoundsConfigured: spot-funds P&L bounds must configure at least one bound",
    );
    expect(() => parseSpotFundsSettingsJson({ accountPnlBarriers: [{ accountId: 1, lower: -5 }] })).toThrow(
      "settings.accountPnlBarriers[0].lower: must be a decimal string",
    );
    expect(() =>
      parseSpotFundsSettingsJson({ slippageOverrides: [{ instrumentId: 1, accountId: 1, accountGroupId: 2, slippageBps: 1 }] }),
    ).toThrow("settings.slippageOverrides[0]: set accountId or accountGroupId, not both");
    expect(() => parseSpotFundsSettingsJson({ accountGroupLimitModes: [{ accountGroupId: 0, limitMode: "Enforce" }] })).toThrow(
      "settings.accountGroupLimitModes[0].accountGroupId",
    );
  });

  it("validation errors start with the OpenPit error kind", () => {
    const s = defaultSpotFundsSettings();
    s.slippageOverrides.push({ instrumentId: InstrumentId.fromU64(1), slippageBps: 20_000 });
    expect(() => validateSpotFundsSettings(s)).toThrow(/^SlippageOutOfRange: slippageOverrides\[0\]: slippage 20000 bps/);
    expect(() => new SpotFundsPolicy({ ...defaultSpotFundsSettings(), slippageBps: 1.5 })).toThrow(/^SlippageOutOfRange: /);
    expect(() => new SpotFundsPolicy({ ...defaultSpotFundsSettings(), pnlBarrier: {} })).toThrow(/^NoPnlBoundsConfigured: /);
  });

  it("drafts are detached copies, and a refused publish keeps the old settings", () => {
    const policy = new SpotFundsPolicy({ ...defaultSpotFundsSettings(), slippageBps: 5 });
    const draft = policy.settingsDraft();
    draft.slippageBps = 99;
    draft.accountPnlBarriers.set(AccountId.fromU64(1), { lower: Pnl.fromString("-1") });
    expect(policy.settingsDraft().slippageBps).toBe(5);
    expect(policy.settingsDraft().accountPnlBarriers.size).toBe(0);
    expect(() => policy.publishSettings({ ...draft, limitMode: "Sometimes" as never })).toThrow(/^InvalidLimitMode: /);
    expect(policy.settingsDraft().limitMode).toBe("Enforce");
    policy.publishSettings(draft);
    draft.slippageBps = 1;
    expect(policy.settingsDraft().slippageBps).toBe(99);
  });
});
