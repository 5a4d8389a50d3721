/**
 * Found by review (session 18, a replay-determinism fuzz over 13 policies): the settings an
 * operator gave MaxOpenOrdersPolicy, PriceCollarPolicy or GrossExposureLimitPolicy through
 * ConfigurePolicy were lost by a snapshot. The three called themselves stateless, so the
 * snapshot held nothing for them and a restore came back on the configuration file's
 * settings: a restart after a snapshot silently undid the change.
 */
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../src/engine/index.js";
import { buildState } from "../../src/app/build-sidecar.js";
import { unsnapshottable } from "../../src/engine/engine-snapshot.js";
import { shownSettingsJson } from "../../src/policies/catalog.js";
import { parseSidecarConfig } from "../../src/server/config/sidecar-config.js";
import { decodePlain, encodePlain } from "../../src/state/plain-data.js";
import type { SidecarState, StateSnapshot } from "../../src/state/sidecar-state.js";
import { testConfig } from "../server/harness.js";

const config = () =>
  parseSidecarConfig(
    testConfig({
      policies: [
        { type: "MaxOpenOrdersPolicy", settings: { default: { maxOpenOrders: 4 } } },
        { type: "PriceCollarPolicy", settings: { default: { maxDeviationPct: "5" }, marketSlippagePct: "1" } },
        { type: "GrossExposureLimitPolicy", settings: { default: { settlementAsset: "USD", maxNotional: "8000" } } },
      ],
    }),
  );
const retunes: [string, object][] = [
  ["MaxOpenOrdersPolicy", { default: { maxOpenOrders: 2 } }],
  ["PriceCollarPolicy", { default: { maxDeviationPct: "9" }, marketSlippagePct: "1" }],
  ["GrossExposureLimitPolicy", { default: { settlementAsset: "USD", maxNotional: "100" } }],
];
const shown = (state: SidecarState, policy: string) => shownSettingsJson(state.engine.policy(policy)!);

describe("settings changed by ConfigurePolicy survive a snapshot", () => {
  for (const [policy, settings] of retunes) {
    it(policy, () => {
      const live = buildState(config(), new ManualClock(1_000));
      const fromFile = shown(live, policy);
      live.admin({ kind: "configurePolicy", policy, settings } as never);
      const retuned = shown(live, policy);
      expect(retuned).toMatchObject(settings);
      expect(retuned).not.toEqual(fromFile);
      const restored = buildState(config(), new ManualClock(1_000));
      restored.restore(decodePlain(encodePlain(live.snapshot())) as StateSnapshot);
      expect(shown(restored, policy)).toEqual(retuned);
      expect(encodePlain(restored.snapshot()).toString()).toBe(encodePlain(live.snapshot()).toString());
    });
  }

  it("a retunable policy that declares itself stateless without the hooks is refused as unsnapshottable", () => {
    const retunable = { name: "Retunable", stateless: true, settingsDraft: () => ({}), publishSettings: () => undefined };
    expect(unsnapshottable([retunable, { name: "Plain", stateless: true }])).toEqual(["Retunable"]);
  });
});
