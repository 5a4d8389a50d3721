/**
 * Found by review (session 37): an open SELL by volume whose volume / limit price is past the
 * decimal range (volume 1e20 limited at 1e-9: up to 1e29 units) entered the account book with
 * pending 0 (its quantity could not be computed) and was not counted as unbounded, so REDUCING
 * took "every open order on the order's own side fills first" as nothing open and let a SELL
 * through that could flip the position. Its footprint is now unbounded whenever the quantity
 * cannot be computed, so REDUCING fails closed on that side as for any other open order with
 * no bound on its units; its rollback uncounts it, the account's last order ending clears it.
 */
import { describe, expect, it } from "vitest";
import { Engine, ManualClock } from "../../src/engine/index.js";
import { TradeAmount, type ExecutionReport, type Order } from "../../src/model/index.js";
import { Price, Quantity, Volume, type Side } from "../../src/param/index.js";
import { parseTradingStateSettingsJson, TradingStatePolicy } from "../../src/policies/index.js";
import { fromPlain, toPlain } from "../../src/state/plain-data.js";
import { AAPL_USD, ACCOUNT, onlyReject } from "../helpers/start-policies.js";

const byQty = (side: Side, qty: string): Order => ({
  operation: { instrument: AAPL_USD, accountId: ACCOUNT, side, tradeAmount: TradeAmount.quantity(Quantity.fromString(qty)), price: Price.fromString("100") },
});
/** A SELL of volume 1e20 limited at 1e-9: up to 1e29 units, past the decimal range. */
const HUGE_SELL: Order = {
  operation: { instrument: AAPL_USD, accountId: ACCOUNT, side: "SELL", tradeAmount: TradeAmount.volume(Volume.fromString("100000000000000000000")), price: Price.fromString("0.000000001") },
};
const fill = (side: Side, qty: string, final: boolean): ExecutionReport => ({
  operation: { instrument: AAPL_USD, accountId: ACCOUNT, side },
  fill: { lastTrade: { price: Price.fromString("100"), quantity: Quantity.fromString(qty) }, isFinal: final, leavesQuantity: Quantity.fromString("0") },
});

const OPEN_SELL_UNKNOWN = {
  policy: "TradingStatePolicy",
  code: "TradingReducingOnly",
  reason: "order does not reduce the position",
  details:
    "trading state REDUCING is set globally: an open SELL order's quantity cannot be known (volume without a positive limit price, a buy by volume, a volume past the decimal range at its price, or a total of open orders rounded past 29 digits), " +
    "so no SELL order can be shown not to flip the position until it ends",
  scope: "order",
};

function build() {
  const policy = new TradingStatePolicy(parseTradingStateSettingsJson({}));
  const engine = Engine.builder().clock(new ManualClock(0)).policy(policy).build();
  return { engine, policy };
}

/** Long 10, the huge SELL accepted while ACTIVE and left open (reservation not finalised), then REDUCING globally. */
function longWithHugeSell() {
  const w = build();
  w.engine.applyExecutionReport(fill("BUY", "10", true));
  const r = w.engine.executePreTrade(HUGE_SELL);
  if (!r.ok) throw new Error(`setup: ${JSON.stringify(r.rejects)}`);
  w.policy.setState({ kind: "global" }, "REDUCING", "close-out");
  return { ...w, reservation: r.reservation };
}

const passes = (engine: Engine, order: Order) => {
  const r = engine.executePreTrade(order);
  if (r.ok) r.reservation.rollback();
  return r.ok;
};

describe("REDUCING with an open SELL whose size is past the decimal range", () => {
  it("counted unbounded (pending 0): a SELL of 10 against long 10 is refused, as is a SELL of 1", () => {
    const { engine, reservation } = longWithHugeSell();
    reservation.commit();
    expect([engine.book.pendingQuantity(ACCOUNT, AAPL_USD, "SELL").toString(), engine.book.unboundedOpenOrders(ACCOUNT, AAPL_USD, "SELL"), engine.book.openOrders(ACCOUNT)]).toEqual(["0", 1, 1]);
    expect(onlyReject(engine.executePreTrade(byQty("SELL", "10")))).toEqual(OPEN_SELL_UNKNOWN);
    expect(onlyReject(engine.executePreTrade(byQty("SELL", "1")))).toEqual(OPEN_SELL_UNKNOWN);
    // Only its own side: the BUY side has nothing unbounded open.
    expect(engine.book.unboundedOpenOrders(ACCOUNT, AAPL_USD, "BUY")).toBe(0);
  });

  it("its rollback uncounts it, and the account's last open order ending clears it: the SELL passes again", () => {
    const rolled = longWithHugeSell();
    rolled.reservation.rollback();
    expect([rolled.engine.book.unboundedOpenOrders(ACCOUNT, AAPL_USD, "SELL"), rolled.engine.book.openOrders(ACCOUNT)]).toEqual([0, 0]);
    expect(passes(rolled.engine, byQty("SELL", "10"))).toBe(true);

    const ended = longWithHugeSell();
    ended.reservation.commit();
    ended.engine.applyExecutionReport(fill("SELL", "5", true)); // it sold 5 and ended: long 5
    expect([ended.engine.book.unboundedOpenOrders(ACCOUNT, AAPL_USD, "SELL"), ended.engine.book.position(ACCOUNT, AAPL_USD).toString()]).toEqual([0, "5"]);
    expect(passes(ended.engine, byQty("SELL", "5"))).toBe(true);
  });

  it("the reservation's record says so, and a restored one's rollback uncounts it", () => {
    const { engine, reservation } = longWithHugeSell();
    const data = fromPlain(toPlain(reservation.toData())) as ReturnType<typeof reservation.toData>;
    expect(data.mutations.find((m) => m.policy === "@AccountBook")!.record).toMatchObject({ side: "SELL", unbounded: true });
    const snapshot = fromPlain(toPlain(engine.snapshotState())) as ReturnType<Engine["snapshotState"]>;
    expect(snapshot.accountBook!.accounts.get(ACCOUNT)!.instruments[0]!.unboundedSell).toBe(1);

    const fresh = build();
    fresh.engine.restoreState(snapshot);
    expect(onlyReject(fresh.engine.executePreTrade(byQty("SELL", "10")))).toEqual(OPEN_SELL_UNKNOWN);
    fresh.engine.restoreReservation(data).rollback();
    expect(fresh.engine.book.unboundedOpenOrders(ACCOUNT, AAPL_USD, "SELL")).toBe(0);
    expect(passes(fresh.engine, byQty("SELL", "10"))).toBe(true);
  });
});
