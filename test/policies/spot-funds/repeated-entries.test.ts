/**
 * Found by review (session 34): SpotFundsPolicy's keyed lists took an account, a group or an
 * (account, asset) twice and the later entry silently won, where every other per-account list
 * of the sidecar's own controls refuses a repeat naming the entry (docs/controls.md: "the later
 * entry silently winning would hide a typo in a risk limit"). Refused now, in the file and on
 * ConfigurePolicy alike. Refusing in the shared parser is replay-safe: a ConfigurePolicy is
 * journaled as it applied, and these lists apply as Maps, one entry a key (checked below).
 */
import { status } from "@grpc/grpc-js";
import { afterEach, describe, expect, it } from "vitest";
import { buildState } from "../../../src/app/build-sidecar.js";
import { SPOT_FUNDS_ENTRY } from "../../../src/policies/spot-funds/catalog-entry.js";
import { parseSpotFundsSettingsJson } from "../../../src/policies/spot-funds/index.js";
import { parseSidecarConfig } from "../../../src/server/config/sidecar-config.js";
import { startHarness, testConfig, type Harness } from "../../server/harness.js";
import { adminFailure } from "../../server/results.js";

const refusal = (json: unknown): string => {
  try {
    parseSpotFundsSettingsJson(json);
    return "accepted";
  } catch (e) {
    return (e as Error).message;
  }
};

describe("SpotFundsPolicy: an account, group or (account, asset) twice in one keyed list", () => {
  it("is refused naming the later entry", () => {
    expect(refusal({ positionLimits: [{ accountId: 7, asset: "AAPL", limit: "10" }, { accountId: 8, asset: "AAPL", limit: "5" }, { accountId: "7", asset: "AAPL", limit: "1000000" }] })).toBe(
      "settings.positionLimits[2]: repeats an earlier entry's account and asset",
    );
    expect(refusal({ accountPnlBarriers: [{ accountId: 7, lower: "-10" }, { accountId: 7, lower: "-1000000" }] })).toBe("settings.accountPnlBarriers[1].accountId: repeats an earlier entry's account");
    expect(refusal({ accountLimitModes: [{ accountId: 7, limitMode: "Enforce" }, { accountId: 7, limitMode: "TrackOnly" }] })).toBe("settings.accountLimitModes[1].accountId: repeats an earlier entry's account");
    expect(refusal({ accountGroupLimitModes: [{ accountGroupId: 3, limitMode: "Enforce" }, { accountGroupId: 3, limitMode: "TrackOnly" }] })).toBe(
      "settings.accountGroupLimitModes[1].accountGroupId: repeats an earlier entry's group",
    );
    expect(refusal({ accountGroupPnlBarriers: [{ accountGroupId: 3, lower: "-10" }, { accountGroupId: 3, upper: "10" }] })).toBe(
      "settings.accountGroupPnlBarriers[1].accountGroupId: repeats an earlier entry's group",
    );
  });

  it("takes the same account for another asset, in another list, and one account per entry", () => {
    expect(
      refusal({
        positionLimits: [{ accountId: 7, asset: "AAPL", limit: "10" }, { accountId: 7, asset: "MSFT", limit: "10" }, { accountId: 8, asset: "AAPL", limit: "10" }],
        accountPnlBarriers: [{ accountId: 7, lower: "-10" }, { accountId: 8, lower: "-10" }],
        accountLimitModes: [{ accountId: 7, limitMode: "TrackOnly" }],
        accountGroupLimitModes: [{ accountGroupId: 7, limitMode: "TrackOnly" }],
        accountGroupPnlBarriers: [{ accountGroupId: 7, lower: "-10" }],
      }),
    ).toBe("accepted");
  });

  it("settings as journaled (as they applied) never repeat an entry, so a record replays", () => {
    const { parseUpdate, toJson } = SPOT_FUNDS_ENTRY.configurable!;
    const settings = {
      positionLimits: [{ accountId: 7, asset: "AAPL", limit: "10" }, { accountId: 7, asset: "MSFT", limit: "20" }],
      accountPnlBarriers: [{ accountId: 7, lower: "-10" }],
      accountLimitModes: [{ accountId: 7, limitMode: "TrackOnly" }],
      accountGroupLimitModes: [{ accountGroupId: 3, limitMode: "TrackOnly" }],
      accountGroupPnlBarriers: [{ accountGroupId: 3, lower: "-10" }],
    };
    const applied = toJson(parseUpdate(settings, "settings_json"));
    expect(toJson(parseUpdate(applied, "settings_json"))).toEqual(applied);
  });

  it("in the configuration file is a configuration error naming the entry", () => {
    const config = testConfig({
      policies: [{ type: "OrderValidationPolicy" }, { type: "SpotFundsPolicy", settings: { accountLimitModes: [{ accountId: 7, limitMode: "Enforce" }, { accountId: 7, limitMode: "TrackOnly" }] } }],
    });
    expect(() => buildState(parseSidecarConfig(config))).toThrow("config.policies[1].settings.accountLimitModes[1].accountId: repeats an earlier entry's account");
  });
});

describe("ConfigurePolicy with a SpotFundsPolicy entry twice", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it("is INVALID_ARGUMENT naming the entry; nothing is journaled", async () => {
    h = await startHarness();
    const before = h.server.state.journal.lastSequence;
    const settingsJson = JSON.stringify({ positionLimits: [{ accountId: 7, asset: "AAPL", limit: "10" }, { accountId: 7, asset: "AAPL", limit: "1000000" }] });
    expect(await adminFailure(h, "configurePolicy", { policyName: "SpotFundsPolicy", settingsJson })).toEqual([
      status.INVALID_ARGUMENT,
      "settings_json.positionLimits[1]: repeats an earlier entry's account and asset",
      "Validation",
    ]);
    expect(h.server.state.journal.lastSequence).toBe(before);
  });
});
