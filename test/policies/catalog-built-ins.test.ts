/**
 * Every policy of the catalog is a built-in to the engine: a failing commit or rollback of
 * its blocks only the account (OpenPit §E), where a custom policy's blocks every account.
 * Each is built from the settings the documentation shows (the embedded default config for
 * OpenPit's five, the JSON examples of docs/controls.md and docs/configuration.md).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../src/engine/index.js";
import { MarketDataService } from "../../src/marketdata/market-data-service.js";
import { QuoteTtl } from "../../src/marketdata/market-data-source.js";
import { POLICY_CATALOG } from "../../src/policies/catalog.js";
import type { Json } from "../../src/policies/settings-json.js";
import { DEFAULT_CONFIG } from "../../src/server/config/default-config.js";

/** `{ "type": …, "settings": … }` objects in the docs' JSON blocks (one per line or one per block). */
function documentedPolicies(): { type: string; settings: Json | undefined }[] {
  const found: { type: string; settings: Json | undefined }[] = [];
  for (const file of ["docs/controls.md", "docs/configuration.md"]) {
    for (const [, block] of readFileSync(file, "utf8").matchAll(/```json\n([\s\S]*?)```/g)) {
      for (const text of [block!, ...block!.split("\n")]) {
        let parsed: unknown;
        try {
          parsed = JSON.parse(text.trim().replace(/,$/, ""));
        } catch {
          continue;
        }
        const p = parsed as { type?: unknown; settings?: Json };
        if (typeof p?.type === "string" && POLICY_CATALOG.has(p.type)) found.push({ type: p.type, settings: p.settings });
      }
    }
  }
  return found;
}

describe("the policy catalog", () => {
  it("builds every type from its documented settings, and each is a built-in", () => {
    const marketData = new MarketDataService({ defaultTtl: QuoteTtl.within(5_000), clock: new ManualClock(0) });
    const examples = [...DEFAULT_CONFIG.policies.map((p) => ({ type: p.type, settings: ("settings" in p ? p.settings : undefined) as Json | undefined })), ...documentedPolicies()];
    const types = new Set<string>();
    for (const { type, settings } of examples) {
      const policy = POLICY_CATALOG.get(type)!.create(settings as Json, "settings", { policyGroupId: undefined, marketData });
      expect(policy.builtIn, type).toBe(true);
      types.add(type);
    }
    expect([...types].sort()).toEqual([...POLICY_CATALOG.keys()].sort());
  });
});
