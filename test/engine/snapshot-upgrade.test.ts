/**
 * Found by review (session 31): snapshots written before PriceCollarPolicy, MaxOpenOrdersPolicy
 * and GrossExposureLimitPolicy kept their settings (2026-12-04, when they held no state) carry
 * nothing for them, and restoring nothing threw ("snapshot must be an object"): a directory
 * upgraded from such a version could not start. A policy with nothing kept keeps what it was
 * built with, as the old version did on its own restarts.
 */
import { describe, expect, it } from "vitest";
import type { EngineSnapshot } from "../../src/engine/index.js";
import {
  GrossExposureLimitPolicy,
  MaxOpenOrdersPolicy,
  PriceCollarPolicy,
  RateLimitPolicy,
  RepeatedExecutionThrottlePolicy,
  TwoTierThrottlePolicy,
  parseGrossExposureSettingsJson,
  parseMaxOpenOrdersSettingsJson,
  parsePriceCollarSettingsJson,
  parseRateLimitSettingsJson,
  parseRepeatedExecutionSettingsJson,
  parseTwoTierThrottleSettingsJson,
} from "../../src/policies/index.js";
import { fromPlain, toPlain } from "../../src/state/plain-data.js";
import { shownSettingsJson } from "../../src/policies/catalog.js";
import { only, order, quote, submit, world, AAPL_USD } from "../helpers/controls.js";

const build = () =>
  world((md) => [
    new PriceCollarPolicy(parsePriceCollarSettingsJson({ default: { maxDeviationPct: "5" } }), md),
    new MaxOpenOrdersPolicy(parseMaxOpenOrdersSettingsJson({ default: { maxOpenOrders: 1 } })),
    new GrossExposureLimitPolicy(parseGrossExposureSettingsJson({ default: { settlementAsset: "USD", maxNotional: "1000000" } }), md),
  ]);

describe("a snapshot from a version in which a policy kept no state", () => {
  it("restores, and the policy keeps the settings it was built with", () => {
    const old = build();
    const snapshot = old.engine.snapshotState();
    const written: EngineSnapshot = { ...snapshot, policies: new Map([...snapshot.policies.keys()].map((name) => [name, undefined])) };
    const upgraded = build();
    upgraded.engine.restoreState(written);
    for (const p of upgraded.engine.policies) expect(shownSettingsJson(p)).toEqual(shownSettingsJson(old.engine.policy(p.name)!));
    quote(upgraded, AAPL_USD, { mark: "100" });
    expect(submit(upgraded.engine, order({ price: "100" }))).toEqual([]);
    expect(only(submit(upgraded.engine, order({ price: "106" })))[0]).toBe("PriceOutsideCollar");
  });
});

// Found by review of this session's change (session 31): windows became Durations of 1 ns to
// u64 nanoseconds (66d513e), and restoring validates settings, so a snapshot holding a window
// an earlier version accepted (a throttle's 1e15 ms "never resets", a rate limit's 0.1 ns) was
// refused and the upgraded sidecar could not start. Such a window comes back at the bound.
describe("a snapshot with a window an earlier version accepted past today's bounds", () => {
  const windows = () =>
    world(() => [
      new TwoTierThrottlePolicy(parseTwoTierThrottleSettingsJson({ default: { softMaxOrders: 4, hardMaxOrders: 50, windowMs: 1000 } })),
      new RepeatedExecutionThrottlePolicy(parseRepeatedExecutionSettingsJson({ default: { maxExecutions: 3, windowMs: 1000 } })),
      new RateLimitPolicy(parseRateLimitSettingsJson({ broker: { maxOrders: 1, windowMs: 1000 } })),
    ]);

  it("restores, each window at the nearest bound", () => {
    const snapshot = fromPlain(toPlain(windows().engine.snapshotState())) as EngineSnapshot;
    type Tiered = { settings: { default: { windowMs: number } } };
    const policies = snapshot.policies as Map<string, unknown>;
    (policies.get("TwoTierThrottlePolicy") as Tiered).settings.default.windowMs = 1e15;
    (policies.get("RepeatedExecutionThrottlePolicy") as Tiered).settings.default.windowMs = 1e15;
    (policies.get("RateLimitPolicy") as { settings: { broker: { windowMs: number } } }).settings.broker.windowMs = 1e-7;
    const upgraded = windows();
    upgraded.engine.restoreState(snapshot);
    const windowOf = (name: string, at: (json: Record<string, { windowMs: number }>) => number) =>
      at(JSON.parse(JSON.stringify(shownSettingsJson(upgraded.engine.policy(name)!))) as Record<string, { windowMs: number }>);
    expect(windowOf("TwoTierThrottlePolicy", (j) => j.default!.windowMs)).toBe(18446744073709.551);
    expect(windowOf("RepeatedExecutionThrottlePolicy", (j) => j.default!.windowMs)).toBe(18446744073709.551);
    expect(windowOf("RateLimitPolicy", (j) => j.broker!.windowMs)).toBe(1e-6);
    // The rate limit still counts: two orders at one instant are both inside a 1 ns window.
    expect(submit(upgraded.engine, order())).toEqual([]);
    expect(only(submit(upgraded.engine, order()))[0]).toBe("RateLimitExceeded");
  });
});
