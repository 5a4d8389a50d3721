/**
 * Found by review (session 32): an id reused after its order's final report while that
 * order's reservation was still open (the venue answered before the gateway committed). Every
 * later report naming the id marked the first, ended order again (the oldest open reservation
 * with the id), so the second order was never marked and its rollback (here a disconnect)
 * released what its reports had released already: buying power the account did not have, an
 * open-order slot and pending quantity lost, the id freed while the order still worked. A final
 * report now ends the footprint it marks, and later reports skip an ended one.
 */
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../src/engine/index.js";
import { AccountId, Fee, InstrumentId, Pnl, Price, instrument } from "../../src/param/index.js";
import { balanceAdjustment, cancelReport, fillReport, report, spotOrder } from "../helpers/spot-funds.js";
import { newDoor } from "./fuzz/fuzz-world.js";

const A = AccountId.fromU64(16n);
const AAPL = instrument("AAPL", "USD");
const pnl = { financialImpact: { pnl: Pnl.fromString("0"), fee: Fee.fromString("0") } };
const order = (clientOrderId: string) => ({ ...spotOrder({ account: A, instrument: AAPL, side: "BUY", qty: "10", price: "100" }), clientOrderId });

function world() {
  const clock = new ManualClock(1_000);
  const { state } = newDoor(clock);
  const ch = state.openChannel().channelId;
  const other = state.openChannel().channelId;
  state.admin({ kind: "pushQuote", target: { id: InstrumentId.fromU64(1n) }, quote: { mark: Price.fromString("100") }, accountIds: [], groups: [], patch: false } as never);
  state.runChannel(ch, [{ kind: "adjust", accountId: A, adjustments: [balanceAdjustment("USD", { balance: ["abs", "5000"] })] }]);
  const holdings = () => {
    const view = (state.engine.policy("SpotFundsPolicy") as unknown as { holdings(a: AccountId): Map<string, { available: unknown; held: unknown; incoming: unknown }> }).holdings(A);
    const of = (asset: string, field: "available" | "held" | "incoming") => String(view.get(asset)?.[field] ?? "0");
    return { usdAvailable: of("USD", "available"), usdHeld: of("USD", "held"), aaplAvailable: of("AAPL", "available"), aaplIncoming: of("AAPL", "incoming") };
  };
  const execute = (id: string) => {
    const [r] = state.runChannel(ch, [{ kind: "execute", order: order(id), commitOnAccept: false }]) as { kind: string; reservationId: bigint }[];
    expect(r!.kind).toBe("executeAccepted");
    clock.advance(5);
    return r!.reservationId;
  };
  const report = (r: object, id: string) => state.applyReports([{ ...r, clientOrderId: id, ...pnl } as never]);
  return { state, clock, ch, other, holdings, execute, report };
}

/** Order 1 "x" cancelled at the venue, order 2 reusing "x" partly filled (6 left working), then the channel lost. */
function secondWorkingAfterDisconnect() {
  const w = world();
  w.execute("x");
  w.report(cancelReport("BUY", "10", "100", { account: A, instrument: AAPL }), "x");
  w.execute("x");
  w.report(fillReport("BUY", "4", "100", { account: A, instrument: AAPL, lockPrice: "100", leaves: "6", final: false }), "x");
  w.state.closeChannel(w.ch, "lost");
  return w;
}

describe("an id reused after a final report, both reservations still open", () => {
  it("cancelled twice at the venue, then cancel on disconnect: funds as the cancels left them", () => {
    const w = world();
    w.execute("x");
    w.report(cancelReport("BUY", "10", "100", { account: A, instrument: AAPL }), "x"); // order 1 final: id free
    w.execute("x"); // the gateway reuses the id (allowed: ClientOrderIdPolicy released it)
    w.report(cancelReport("BUY", "10", "100", { account: A, instrument: AAPL }), "x"); // order 2 final
    expect(w.holdings()).toEqual({ usdAvailable: "5000", usdHeld: "0", aaplAvailable: "0", aaplIncoming: "0" });
    w.state.closeChannel(w.ch, "lost"); // cancel on disconnect: both reservations roll back
    expect(w.holdings()).toEqual({ usdAvailable: "5000", usdHeld: "0", aaplAvailable: "0", aaplIncoming: "0" });
    expect(w.state.engine.book.openOrders(A)).toBe(0);
  });

  it("second order partly filled and still working at the venue, then disconnect: it stays open and held", () => {
    const w = secondWorkingAfterDisconnect();
    // Order 2 is working at the venue with 6 left: 600 held, 6 incoming, one open order, 6 pending.
    expect(w.holdings()).toEqual({ usdAvailable: "4000", usdHeld: "600", aaplAvailable: "4", aaplIncoming: "6" });
    expect(w.state.engine.book.openOrders(A)).toBe(1);
    expect(String(w.state.engine.book.pendingQuantity(A, AAPL, "BUY"))).toBe("6");
  });

  it("ClientOrderIdPolicy keeps the id of the order still working at the venue after the disconnect", () => {
    const w = secondWorkingAfterDisconnect();
    // Order 2 still works at the venue with id x: another order with x is a duplicate.
    const [third] = w.state.runChannel(w.other, [{ kind: "execute", order: order("x"), commitOnAccept: true }]) as { kind: string; rejects?: { code?: unknown; reason?: string }[] }[];
    expect(third!.kind).toBe("executeRejected");
  });

  // A limit (docs/controls.md, "Reports before a commit"), found by review of the fix: after
  // order 1's final report a report naming "x" is taken for order 2, so a late fee of order 1
  // marks order 2, and order 2's rollback keeps its hold and slot (the safe side).
  it("a late fee of the ended order marks the reusing order: its rollback keeps its hold and slot", () => {
    const w = world();
    const first = w.execute("x");
    w.report(cancelReport("BUY", "10", "100", { account: A, instrument: AAPL }), "x");
    const second = w.execute("x");
    w.state.applyReports([{ ...report({ account: A, instrument: AAPL, side: "BUY", fee: ["1.50", "USD"], final: false }), clientOrderId: "x" } as never]);
    for (const [kind, reservationId] of [["commit", first], ["rollback", second]] as const) {
      expect(w.state.runChannel(w.ch, [{ kind, reservationId }])[0]!.kind).toBe("finalized");
    }
    expect(w.holdings()).toEqual({ usdAvailable: "3998.50", usdHeld: "1000", aaplAvailable: "0", aaplIncoming: "10" });
    expect(w.state.engine.book.openOrders(A)).toBe(1);
  });
});
