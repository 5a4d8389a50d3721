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
  parseGrossExposureSettingsJson,
  parseMaxOpenOrdersSettingsJson,
  parsePriceCollarSettingsJson,
} from "../../src/policies/index.js";
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
