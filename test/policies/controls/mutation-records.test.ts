/**
 * The main-stage mutations of soft limits and client order ids keep their fields and make
 * their `record` only when asked (an open reservation's snapshot): the record must carry the
 * order's account, time and id, and a reservation restored from it must behave the same.
 */
import { describe, expect, it } from "vitest";
import { Engine, ManualClock, type EngineEvent } from "../../../src/engine/index.js";
import { ClientOrderIdPolicy, MaxOpenOrdersPolicy, SoftLimitPolicy, parseClientOrderIdSettingsJson, parseMaxOpenOrdersSettingsJson, parseSoftLimitSettingsJson } from "../../../src/policies/index.js";
import { ACCOUNT, order } from "../../helpers/controls.js";

function build() {
  const clock = new ManualClock(2_500);
  const engine = Engine.builder()
    .clock(clock)
    .policy(new MaxOpenOrdersPolicy(parseMaxOpenOrdersSettingsJson({ default: { maxOpenOrders: 2 } })))
    .policy(new ClientOrderIdPolicy(parseClientOrderIdSettingsJson({ retentionMs: 1_000 })))
    .policy(new SoftLimitPolicy(parseSoftLimitSettingsJson({ shares: ["0.5"] })))
    .build();
  const events: EngineEvent[] = [];
  engine.onEvent((e) => events.push(e));
  return { clock, engine, events };
}

describe("main-stage mutation records", () => {
  it("carry account, time, id and acceptance number, and restore to the same commit and rollback", () => {
    const live = build();
    const result = live.engine.executePreTrade({ ...order(), clientOrderId: "X1" });
    if (!result.ok) throw new Error("rejected");
    const data = result.reservation.toData();
    expect(data.mutations.filter((m) => !m.policy.startsWith("@"))).toEqual([
      { policy: "ClientOrderIdPolicy", record: { accountId: ACCOUNT, clientOrderId: "X1", since: 2_500, order: 0 } },
      { policy: "SoftLimitPolicy", record: { accountId: ACCOUNT, nowMs: 2_500 } },
    ]);
    result.reservation.rollback();

    // A restored reservation: its commit reads the usage (1 of 2 open: the 0.5 share), its rollback releases the id.
    const other = build();
    const first = other.engine.executePreTrade({ ...order(), clientOrderId: "X1" });
    if (!first.ok) throw new Error("rejected");
    const restored = other.engine.restoreReservation(first.reservation.toData());
    restored.commit();
    expect(other.events.filter((e) => e.kind === "softLimitCrossed").map((e) => e.kind === "softLimitCrossed" && `${e.usage}/${e.max}@${e.share}`)).toEqual(["1/2@0.5"]);
    const second = other.engine.executePreTrade({ ...order(), clientOrderId: "X2" });
    if (!second.ok) throw new Error("rejected");
    other.engine.restoreReservation(second.reservation.toData()).rollback();
    expect(other.engine.executePreTrade({ ...order(), clientOrderId: "X2" }).ok).toBe(true);
  });
});
