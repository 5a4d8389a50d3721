/**
 * Found by review: at a standby (it owns no shard; its state follows the active's journal)
 * the execution id counter reported what its replay of the active's records had forgotten,
 * so a deployment's sum counted those twice. It says 0 there, as the remembered gauge does.
 */
import { describe, expect, it } from "vitest";
import { SidecarMetrics } from "../../src/server/metrics/sidecar-metrics.js";
import { fakeMetricsState } from "./fake-metrics-state.js";

describe("execution id metrics at a standby", () => {
  for (const followsOnly of [true, false]) {
    it(followsOnly ? "say 0 at a standby" : "say the engine's figures at the active", async () => {
      const state = fakeMetricsState({ remembered: 40, forgottenEarly: 7 });
      const m = new SidecarMetrics({ state, phase: () => "serving", version: "0.0.0", replayRules: 7, followsOnly: () => followsOnly });
      const all = await m.registry.getMetricsAsJSON();
      const value = (name: string) => all.find((x) => x.name === name)!.values[0]!.value;
      expect([value("openpit_execution_ids_remembered"), value("openpit_execution_ids_forgotten_early_total")]).toEqual(followsOnly ? [0, 0] : [40, 7]);
    });
  }
});
