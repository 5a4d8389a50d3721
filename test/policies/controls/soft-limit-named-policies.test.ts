/**
 * SoftLimitPolicy's `policies` must name policies the engine has (found by review: a typo such
 * as "MaxOpenOrderPolicy" was accepted, at start and by ConfigurePolicy, and silently turned
 * off every alert it was meant to give).
 */
import { describe, expect, it } from "vitest";
import { buildState } from "../../../src/app/build-sidecar.js";
import { ManualClock } from "../../../src/engine/index.js";
import { parseSidecarConfig } from "../../../src/server/config/sidecar-config.js";
import { settingsJsonOf } from "../../../src/policies/catalog.js";
import { testConfig } from "../../server/harness.js";

const policies = (soft: Record<string, unknown>) => [
  { type: "OrderValidationPolicy" },
  { type: "MaxOpenOrdersPolicy", settings: { default: { maxOpenOrders: 10 } } },
  { type: "SoftLimitPolicy", settings: soft },
];
const build = (soft: Record<string, unknown>) => buildState(parseSidecarConfig(testConfig({ policies: policies(soft) })), new ManualClock(1_000));

describe("SoftLimitPolicy.policies", () => {
  it("refuses at start a name the engine does not have", () => {
    expect(() => build({ shares: ["0.7"], policies: ["MaxOpenOrdersPolicy", "MaxOpenOrderPolicy"] })).toThrow(
      "config.policies[2].settings.policies[1]: no policy named 'MaxOpenOrderPolicy' (the configured policies: OrderValidationPolicy, MaxOpenOrdersPolicy, SoftLimitPolicy)",
    );
  });

  it("refuses on ConfigurePolicy, recorded as failed, the settings unchanged", () => {
    const state = build({ shares: ["0.7"], policies: ["MaxOpenOrdersPolicy"] });
    expect(() => state.admin({ kind: "configurePolicy", policy: "SoftLimitPolicy", settings: { shares: ["0.7"], policies: ["MaxOpenOrderPolicy"] } })).toThrow(
      "settings_json.policies[0]: no policy named 'MaxOpenOrderPolicy' in this engine (OrderValidationPolicy, MaxOpenOrdersPolicy, SoftLimitPolicy)",
    );
    expect(settingsJsonOf(state.engine.policy("SoftLimitPolicy")!)).toEqual({ shares: ["0.7"], policies: ["MaxOpenOrdersPolicy"] });
    expect(state.audit.query({ newestFirst: true, limit: 1 }).records[0]).toMatchObject({ action: "configurePolicy", outcome: "failed" });
    // Known names, or none (every policy), are accepted.
    state.admin({ kind: "configurePolicy", policy: "SoftLimitPolicy", settings: { shares: ["0.9"] } });
    expect(settingsJsonOf(state.engine.policy("SoftLimitPolicy")!)).toEqual({ shares: ["0.9"] });
  });
});
