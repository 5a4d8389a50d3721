/**
 * SoftLimitPolicy's cached thresholds (share × max, kept per limit until its max changes)
 * against a from-scratch model over random sequences of orders, final reports, max
 * changes and share changes: every crossing event the model predicts, and no other.
 */
import { describe, expect, it } from "vitest";
import { Engine, ManualClock, type EngineEvent } from "../../../src/engine/index.js";
import { Quantity } from "../../../src/param/index.js";
import { MaxOpenOrdersPolicy, SoftLimitPolicy, parseMaxOpenOrdersSettingsJson, parseSoftLimitSettingsJson } from "../../../src/policies/index.js";
import { seededRandom } from "../../../bench/workload.js";
import { ACCOUNT, fill, order } from "../../helpers/controls.js";

const SHARE_SETS = [["0.7", "0.9"], ["0.5"], ["0.25", "0.5", "0.75"]];

describe("SoftLimitPolicy threshold cache", () => {
  it("announces exactly the crossings a from-scratch reading gives, as max and shares change", () => {
    for (let seed = 1; seed <= 25; seed++) {
      const random = seededRandom(100 + seed);
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
      let max = 2 + Math.floor(random() * 10);
      let shares = pick(SHARE_SETS);
      const open = new MaxOpenOrdersPolicy(parseMaxOpenOrdersSettingsJson({ default: { maxOpenOrders: max } }));
      const soft = new SoftLimitPolicy(parseSoftLimitSettingsJson({ shares }));
      const engine = Engine.builder().clock(new ManualClock(0)).policy(open).policy(soft).build();
      const events: string[] = [];
      engine.onEvent((e: EngineEvent) => {
        if (e.kind === "softLimitCrossed") events.push(`${e.usage}/${e.max}@${e.share}`);
      });
      // The model: the level (shares at or under usage) last seen, from scratch each reading.
      let openOrders = 0;
      let level = 0;
      const expected: string[] = [];
      const reading = () => {
        const next = max > 0 ? shares.filter((s) => Quantity.fromInt(openOrders).gte(Quantity.fromString(s).mul(Quantity.fromInt(max)))).length : level;
        for (let i = level; i < next; i++) expected.push(`${openOrders}/${max}@${shares[i]}`);
        level = next;
      };
      for (let step = 0; step < 150; step++) {
        const r = random();
        if (r < 0.5) {
          const result = engine.executePreTrade(order());
          if (!result.ok) continue;
          result.reservation.commit();
          openOrders++;
          reading();
        } else if (r < 0.8) {
          if (openOrders === 0) continue;
          engine.applyExecutionReport(fill("0", { final: true, leaves: "1" }));
          openOrders--;
          reading();
        } else if (r < 0.95) {
          max = Math.max(openOrders + 1, 2 + Math.floor(random() * 10));
          open.publishSettings(parseMaxOpenOrdersSettingsJson({ default: { maxOpenOrders: max } }));
        } else {
          const reached = level > 0 ? Quantity.fromString(shares[level - 1]!) : undefined;
          shares = pick(SHARE_SETS);
          soft.publishSettings(parseSoftLimitSettingsJson({ shares }));
          // Levels are kept by the share they reached (publishSettings' rule).
          level = reached === undefined ? 0 : shares.filter((s) => Quantity.fromString(s).lte(reached)).length;
        }
        expect(events).toEqual(expected);
      }
      expect(expected.length).toBeGreaterThan(0);
    }
  });
});
