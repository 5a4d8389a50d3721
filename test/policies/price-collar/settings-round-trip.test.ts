/**
 * A PriceCollarPolicy with instrument bands only takes back, unchanged or edited, the settings
 * GetPolicySettings shows (found by review: `"groups": [], "accounts": []` in them made
 * ConfigurePolicy refuse NoLimitsConfigured, so `openpit configure` and the console's
 * load-edit-save failed for a configuration the sidecar had accepted at start).
 */
import { describe, expect, it } from "vitest";
import { buildState } from "../../../src/app/build-sidecar.js";
import { ManualClock } from "../../../src/engine/index.js";
import { parseSidecarConfig } from "../../../src/server/config/sidecar-config.js";
import { settingsJsonOf } from "../../../src/policies/catalog.js";
import { testConfig } from "../../server/harness.js";

const COLLAR = { type: "PriceCollarPolicy", settings: { instruments: [{ underlyingAsset: "AAPL", settlementAsset: "USD", limit: { maxDeviationPct: "5" } }] } };

describe("PriceCollarPolicy with instrument bands only", () => {
  it("accepts back the settings GetPolicySettings shows, and an edit of them", () => {
    const state = buildState(parseSidecarConfig(testConfig({ policies: [{ type: "OrderValidationPolicy" }, COLLAR] })), new ManualClock(1_000));
    const shown = settingsJsonOf(state.engine.policy("PriceCollarPolicy")!) as { groups: unknown[]; accounts: unknown[]; instruments: { limit: { maxDeviationPct: string } }[] };
    expect(shown).toMatchObject({ groups: [], accounts: [] });
    state.admin({ kind: "configurePolicy", policy: "PriceCollarPolicy", settings: JSON.parse(JSON.stringify(shown)) });
    expect(settingsJsonOf(state.engine.policy("PriceCollarPolicy")!)).toEqual(shown);
    const edited = JSON.parse(JSON.stringify(shown)) as typeof shown;
    edited.instruments[0]!.limit.maxDeviationPct = "3";
    state.admin({ kind: "configurePolicy", policy: "PriceCollarPolicy", settings: edited });
    expect(settingsJsonOf(state.engine.policy("PriceCollarPolicy")!)).toEqual(edited);
  });
});
