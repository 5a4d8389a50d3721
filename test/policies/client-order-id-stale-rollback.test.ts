/**
 * Found by review: a rollback released "its" id by the acceptance time only. Order A (id X)
 * accepted and left open; a final report carrying X frees it; order B takes X again in the
 * same millisecond; A's reservation then rolls back (disconnect, TTL) and released B's entry,
 * so a third order C with X passed while B was live. Entries and releases now carry the
 * acceptance's number; an old snapshot's (without one) still match on time.
 */
import { describe, expect, it } from "vitest";
import { Engine, ManualClock } from "../../src/engine/index.js";
import { TradeAmount, type ExecutionReport, type Order } from "../../src/model/index.js";
import { Price, Quantity } from "../../src/param/index.js";
import { ClientOrderIdPolicy, parseClientOrderIdSettingsJson } from "../../src/policies/index.js";
import { AAPL_USD, ACCOUNT } from "../helpers/start-policies.js";

const order = (clientOrderId: string): Order => ({
  operation: { instrument: AAPL_USD, accountId: ACCOUNT, side: "BUY", tradeAmount: TradeAmount.quantity(Quantity.fromString("1")), price: Price.fromString("1") },
  clientOrderId,
});
const finalFill = (clientOrderId: string): ExecutionReport => ({
  operation: { instrument: AAPL_USD, accountId: ACCOUNT, side: "BUY" },
  fill: { isFinal: true, leavesQuantity: Quantity.fromString("0"), lastTrade: { price: Price.fromString("1"), quantity: Quantity.fromString("1") } },
  clientOrderId,
});

describe("client order id: a stale rollback and a live order's id", () => {
  it("an order re-using a released id stays known when the earlier order's reservation rolls back", () => {
    const clock = new ManualClock(1_000);
    const engine = Engine.builder().clock(clock).policy(new ClientOrderIdPolicy(parseClientOrderIdSettingsJson({ retentionMs: 0 }))).build();
    const a = engine.executePreTrade(order("X"));
    if (!a.ok) throw new Error("A refused");
    engine.applyExecutionReport(finalFill("X")); // A is finished at the venue: X is free again
    const b = engine.executePreTrade(order("X")); // B re-uses X, same millisecond
    if (!b.ok) throw new Error("B refused");
    b.reservation.commit();
    a.reservation.rollback(); // A's reservation is dropped (explicit rollback, disconnect, TTL)
    // B is live and holds X: another order with X must be a duplicate.
    const c = engine.executePreTrade(order("X"));
    expect(c.rejects.map((r) => r.code)).toEqual(["DuplicateClientOrderId"]);
  });

  it("restores the acceptance count and the entries' numbers from a snapshot, and reads one made before them", () => {
    const clock = new ManualClock(1_000);
    const build = () => Engine.builder().clock(clock).policy(new ClientOrderIdPolicy(parseClientOrderIdSettingsJson({ retentionMs: 0 }))).build();
    const engine = build();
    const first = engine.executePreTrade(order("X"));
    if (!first.ok) throw new Error("refused");
    const snapshot = engine.snapshotState().policies.get("ClientOrderIdPolicy") as { known: { order: number }[]; accepted: number };
    expect([snapshot.known.map((e) => e.order), snapshot.accepted]).toEqual([[0], 1]);
    // Written before the numbers: no `accepted`, entries without `order`; a record without one.
    const restored = build();
    const old = { settings: { retentionMs: 0 }, known: snapshot.known.map(({ order: _order, ...e }) => e) };
    restored.restoreState({ ...restored.snapshotState(), policies: new Map([["ClientOrderIdPolicy", old]]) });
    expect((restored.snapshotState().policies.get("ClientOrderIdPolicy") as { known: { order: number }[] }).known.map((e) => e.order)).toEqual([-1]);
  });
});
