/** Written by review (it passed on the code as it was): snapshot + restore of every stateful control gives the same state and the same behaviour afterwards. */
import { describe, expect, it } from "vitest";
import type { Engine } from "../../../src/engine/index.js";
import type { Order } from "../../../src/model/index.js";
import {
  ClientOrderIdPolicy,
  MaxOpenOrdersPolicy,
  RepeatedExecutionThrottlePolicy,
  RestrictedListPolicy,
  SoftLimitPolicy,
  TradingStatePolicy,
  TwoTierThrottlePolicy,
  parseClientOrderIdSettingsJson,
  parseMaxOpenOrdersSettingsJson,
  parseRepeatedExecutionSettingsJson,
  parseRestrictedListSettingsJson,
  parseSoftLimitSettingsJson,
  parseTradingStateSettingsJson,
  parseTwoTierThrottleSettingsJson,
} from "../../../src/policies/index.js";
import { fromPlain, toPlain } from "../../../src/state/plain-data.js";
import { ACCOUNT, MSFT_USD, fill, order, world } from "../../helpers/controls.js";

function build() {
  return world(() => [
    new TwoTierThrottlePolicy(parseTwoTierThrottleSettingsJson({ default: { softMaxOrders: 4, hardMaxOrders: 50, windowMs: 1000 } })),
    new RepeatedExecutionThrottlePolicy(parseRepeatedExecutionSettingsJson({ default: { maxExecutions: 3, windowMs: 1000 } })),
    new MaxOpenOrdersPolicy(parseMaxOpenOrdersSettingsJson({ default: { maxOpenOrders: 10 } })),
    new ClientOrderIdPolicy(parseClientOrderIdSettingsJson({ retentionMs: 1000 })),
    new RestrictedListPolicy(parseRestrictedListSettingsJson({ entries: [{ global: true, underlyingAsset: "MSFT", sellOnly: true, reason: "r" }] })),
    new TradingStatePolicy(parseTradingStateSettingsJson({ states: [] } as never)),
    new SoftLimitPolicy(parseSoftLimitSettingsJson({ shares: ["0.5", "0.9"] })),
  ]);
}

const withId = (o: Order, id: string): Order => ({ ...o, clientOrderId: id });

function step(engine: Engine, o: Order): string {
  const r = engine.executePreTrade(o);
  if (r.ok) {
    r.reservation.commit();
    return "ok";
  }
  return r.rejects.map((x) => `${x.code}:${x.details}`).join("|");
}

describe("snapshot/restore round trip of the controls", () => {
  it("restored engine has the same state and behaves the same", () => {
    const live = build();
    step(live.engine, withId(order(), "A"));
    live.clock.advance(300);
    step(live.engine, withId(order(), "B"));
    live.engine.applyExecutionReport(fill("1", { final: false }));
    live.clock.advance(300);
    step(live.engine, withId(order({ instrument: MSFT_USD, side: "SELL" }), "C"));
    live.engine.applyExecutionReport(fill("1", { final: false }));

    const snap = fromPlain(toPlain(live.engine.snapshotState())) as ReturnType<Engine["snapshotState"]>;
    const copy = build();
    copy.clock.set(live.clock.nowMs());
    copy.engine.restoreState(snap);
    expect(toPlain(copy.engine.snapshotState())).toEqual(toPlain(live.engine.snapshotState()));
    live.events.length = 0;
    copy.events.length = 0;

    const out: string[][] = [[], []];
    [live, copy].forEach((w, k) => {
      out[k]!.push(step(w.engine, withId(order(), "A")));
      out[k]!.push(step(w.engine, withId(order(), "D")));
      out[k]!.push(step(w.engine, withId(order(), "E")));
      w.engine.applyExecutionReport(fill("1", { final: false }));
      w.engine.applyExecutionReport(fill("1", { final: false }));
      w.clock.advance(400);
      out[k]!.push(step(w.engine, withId(order(), "A")));
      out[k]!.push(step(w.engine, withId(order(), "F")));
      out[k]!.push(JSON.stringify(w.events.map((e) => e.kind)));
    });
    expect(out[1]).toEqual(out[0]);
  });
});
