/** The account book the engine keeps: open orders, pending quantities and positions, through every path that moves them. */
import { describe, expect, it } from "vitest";
import { Engine, EngineBuildError, ManualClock } from "../../src/engine/index.js";
import { TradeAmount, type Order } from "../../src/model/index.js";
import { Price, Quantity, Volume, instrument } from "../../src/param/index.js";
import { fromPlain, toPlain } from "../../src/state/plain-data.js";
import { ACCOUNT, AAPL_USD, OTHER_ACCOUNT, engineWith, order, passPolicy } from "../helpers/engine-core.js";
import { report } from "../helpers/spot-funds.js";

const MSFT_USD = instrument("MSFT", "USD");
const stateless = () => ({ ...passPolicy(), stateless: true });

function accept(engine: Engine, o: Order) {
  const r = engine.executePreTrade(o);
  if (!r.ok) throw new Error("expected the order to pass");
  return r.reservation;
}

function figures(engine: Engine, account = ACCOUNT, inst = AAPL_USD) {
  const book = engine.book;
  return {
    open: book.openOrders(account),
    position: book.position(account, inst).toString(),
    buy: book.pendingQuantity(account, inst, "BUY").toString(),
    sell: book.pendingQuantity(account, inst, "SELL").toString(),
  };
}

describe("account book", () => {
  it("is empty for an account never seen", () => {
    const { engine } = engineWith([passPolicy()]);
    expect(figures(engine)).toEqual({ open: 0, position: "0", buy: "0", sell: "0" });
    expect([...engine.book.instruments(ACCOUNT)]).toEqual([]);
  });

  it("counts an accepted order until it is final; a commit keeps it, a rollback takes it out", () => {
    const { engine } = engineWith([passPolicy()]);
    const a = accept(engine, order({ qty: "10" }));
    expect(figures(engine)).toEqual({ open: 1, position: "0", buy: "10", sell: "0" });
    a.commit();
    expect(figures(engine)).toEqual({ open: 1, position: "0", buy: "10", sell: "0" });
    const b = accept(engine, order({ qty: "3", side: "SELL" }));
    expect(figures(engine)).toEqual({ open: 2, position: "0", buy: "10", sell: "3" });
    b.rollback();
    expect(figures(engine)).toEqual({ open: 1, position: "0", buy: "10", sell: "0" });
  });

  it("moves positions on trades and releases pending on fills and on final leaves", () => {
    const { engine } = engineWith([passPolicy()]);
    accept(engine, order({ qty: "10" })).commit();
    engine.applyExecutionReport(report({ side: "BUY", qty: "4", price: "100", leaves: "6" }));
    expect(figures(engine)).toEqual({ open: 1, position: "4", buy: "6", sell: "0" });
    engine.applyExecutionReport(report({ side: "BUY", leaves: "6", lockPrice: "100", final: true }));
    expect(figures(engine)).toEqual({ open: 0, position: "4", buy: "0", sell: "0" });
    accept(engine, order({ qty: "7", side: "SELL" })).commit();
    engine.applyExecutionReport(report({ side: "SELL", qty: "7", price: "101", leaves: "0", final: true }));
    expect(figures(engine)).toEqual({ open: 0, position: "-3", buy: "0", sell: "0" });
  });

  it("never goes below zero on reports for orders it never saw", () => {
    const { engine } = engineWith([passPolicy()]);
    engine.applyExecutionReport(report({ side: "SELL", qty: "5", price: "100", leaves: "2", final: true }));
    expect(figures(engine)).toEqual({ open: 0, position: "-5", buy: "0", sell: "0" });
  });

  it("ignores reports without a trade or finality, and keeps accounts and instruments apart", () => {
    const { engine } = engineWith([passPolicy()]);
    accept(engine, order({ qty: "2", instrument: MSFT_USD, account: OTHER_ACCOUNT })).commit();
    engine.applyExecutionReport(report({ side: "BUY", leaves: "2", account: OTHER_ACCOUNT, instrument: MSFT_USD }));
    expect(figures(engine, OTHER_ACCOUNT, MSFT_USD)).toEqual({ open: 1, position: "0", buy: "2", sell: "0" });
    expect(figures(engine)).toEqual({ open: 0, position: "0", buy: "0", sell: "0" });
    expect(figures(engine, OTHER_ACCOUNT)).toEqual({ open: 1, position: "0", buy: "0", sell: "0" });
  });

  it("counts a volume order at its limit price, a market order by volume no policy priced as an open order only", () => {
    const { engine } = engineWith([passPolicy()]);
    const base = order();
    const byVolume = (price?: string): Order => ({
      operation: {
        ...base.operation,
        tradeAmount: TradeAmount.volume(Volume.fromString("1000")),
        ...(price === undefined ? { price: undefined } : { price: Price.fromString(price) }),
      },
    });
    accept(engine, byVolume("250"));
    accept(engine, byVolume());
    expect(figures(engine)).toEqual({ open: 2, position: "0", buy: "4", sell: "0" });
  });

  it("counts a market order by volume at the price its main stage locked, else at a policy's sizing price", () => {
    const pricing = (name: string, result: { lockPrices?: Price[]; sizingPrice?: Price }) => ({ name, performPreTradeCheck: () => result });
    const marketByVolume: Order = { operation: { ...order().operation, price: undefined, tradeAmount: TradeAmount.volume(Volume.fromString("1000")) } };
    // A lock price (SpotFunds' market price) wins over a sizing price (gross exposure's reference).
    const locked = engineWith([pricing("Sizing", { sizingPrice: Price.fromString("100") }), pricing("Locking", { lockPrices: [Price.fromString("250")] })]).engine;
    const reservation = accept(locked, marketByVolume);
    expect(figures(locked)).toEqual({ open: 1, position: "0", buy: "4", sell: "0" });
    // The reservation's rollback takes out exactly what it put in.
    reservation.rollback();
    expect(figures(locked)).toEqual({ open: 0, position: "0", buy: "0", sell: "0" });
    const sized = engineWith([pricing("Sizing", { sizingPrice: Price.fromString("-80") }), pricing("Other", { sizingPrice: Price.fromString("1") })]).engine;
    accept(sized, marketByVolume);
    expect(figures(sized)).toEqual({ open: 1, position: "0", buy: "12.5", sell: "0" });
  });

  it("is not touched by dry runs or rejected orders", () => {
    const refuse = { name: "Refuse", performPreTradeCheck: () => ({ rejects: [{ code: "Other" as const, reason: "no", details: "no" }] }) };
    const { engine } = engineWith([passPolicy()]);
    engine.executePreTradeDryRun(order());
    expect(figures(engine).open).toBe(0);
    const refusing = engineWith([refuse]).engine;
    expect(refusing.executePreTrade(order()).ok).toBe(false);
    expect(figures(refusing).open).toBe(0);
  });

  it("counts drop copies like accepted orders, rolled back the same way", () => {
    const { engine } = engineWith([passPolicy()]);
    const r = engine.executePreTradeDropCopy(order({ qty: "5" }));
    expect(figures(engine)).toEqual({ open: 1, position: "0", buy: "5", sell: "0" });
    r.rollback();
    expect(figures(engine)).toEqual({ open: 0, position: "0", buy: "0", sell: "0" });
  });

  it("shows the order being checked only after its main stage, and the report to post-trade hooks", () => {
    const seen: string[] = [];
    const probe = {
      name: "Probe",
      performPreTradeCheck: (ctx: { book: Engine["book"] }) => {
        seen.push(`main open=${ctx.book.openOrders(ACCOUNT)}`);
      },
      applyExecutionReport: (ctx: { book: Engine["book"] }) => {
        seen.push(`post position=${ctx.book.position(ACCOUNT, AAPL_USD).toString()}`);
      },
    };
    const { engine } = engineWith([probe]);
    accept(engine, order()).commit();
    accept(engine, order()).commit();
    engine.applyExecutionReport(report({ side: "BUY", qty: "1", price: "100" }));
    expect(seen).toEqual(["main open=0", "main open=1", "post position=1"]);
  });

  it("lists instruments in first-touch order", () => {
    const { engine } = engineWith([passPolicy()]);
    accept(engine, order({ instrument: MSFT_USD, qty: "1" }));
    accept(engine, order({ qty: "2", side: "SELL" }));
    const list = [...engine.book.instruments(ACCOUNT)].map((i) => `${i.instrument.underlyingAsset} ${i.pendingBuy} ${i.pendingSell}`);
    expect(list).toEqual(["MSFT 1 0", "AAPL 0 2"]);
  });

  it("survives a snapshot (through the journal's plain-data codec), open reservations included", () => {
    const { engine } = engineWith([stateless()]);
    accept(engine, order({ qty: "10" })).commit();
    engine.applyExecutionReport(report({ side: "BUY", qty: "4", price: "100", leaves: "6" }));
    const open = accept(engine, order({ qty: "3", side: "SELL" }));
    const snapshot = fromPlain(toPlain(engine.snapshotState())) as ReturnType<Engine["snapshotState"]>;
    const data = fromPlain(toPlain(open.toData())) as ReturnType<typeof open.toData>;
    expect(data.mutations.map((m) => m.policy)).toEqual(["@AccountBook"]);

    const restored = Engine.builder().clock(new ManualClock(1_000)).policy(stateless()).build();
    restored.restoreState(snapshot);
    expect(figures(restored)).toEqual({ open: 2, position: "4", buy: "6", sell: "3" });
    restored.restoreReservation(data).rollback();
    expect(figures(restored)).toEqual({ open: 1, position: "4", buy: "6", sell: "0" });
    expect(figures(engine)).toEqual({ open: 2, position: "4", buy: "6", sell: "3" });
  });

  // Found by review: a report before the commit and a rollback after it counted the order
  // out twice (docs/controls.md, "Reports before a commit").
  describe("a report naming an order whose reservation is still open", () => {
    const named = (o: Order, id: string): Order => ({ ...o, clientOrderId: id });
    const naming = (r: ReturnType<typeof report>, id: string) => ({ ...r, clientOrderId: id });

    it("leaves the figures to the reports when the reservation then rolls back", () => {
      const { engine } = engineWith([passPolicy()]);
      const a = accept(engine, named(order({ qty: "10" }), "A"));
      accept(engine, named(order({ qty: "5" }), "B")).commit();
      engine.applyExecutionReport(naming(report({ side: "BUY", qty: "4", price: "100" }), "A"));
      expect(figures(engine)).toEqual({ open: 2, position: "4", buy: "11", sell: "0" });
      a.rollback(); // the gateway disconnected before its commit; A works on at the venue
      expect(figures(engine)).toEqual({ open: 2, position: "4", buy: "11", sell: "0" });
      engine.applyExecutionReport(report({ side: "BUY", qty: "6", price: "100", leaves: "0", final: true }));
      expect(figures(engine)).toEqual({ open: 1, position: "10", buy: "5", sell: "0" }); // B's 5, still open
    });

    it("does not count a final report's order out again on the rollback", () => {
      const { engine } = engineWith([passPolicy()]);
      const a = accept(engine, named(order({ qty: "10" }), "A"));
      engine.applyExecutionReport(naming(report({ side: "BUY", qty: "10", price: "100", leaves: "0", final: true }), "A"));
      accept(engine, named(order({ qty: "5" }), "B")).commit();
      a.rollback();
      expect(figures(engine)).toEqual({ open: 1, position: "10", buy: "5", sell: "0" });
    });

    it("matches only an open reservation of the same account, id and side", () => {
      const { engine } = engineWith([passPolicy()]);
      const committed = accept(engine, named(order({ qty: "1" }), "A"));
      committed.commit(); // committed: no longer matched
      const other = accept(engine, named(order({ qty: "2", account: OTHER_ACCOUNT }), "A"));
      const sell = accept(engine, named(order({ qty: "3", side: "SELL" }), "A"));
      const b = accept(engine, named(order({ qty: "4" }), "B"));
      engine.applyExecutionReport(naming(report({ side: "BUY", leaves: "0" }), "A"));
      for (const r of [other, sell, b]) r.rollback();
      expect(figures(engine)).toEqual({ open: 1, position: "0", buy: "1", sell: "0" });
      expect(figures(engine, OTHER_ACCOUNT)).toEqual({ open: 0, position: "0", buy: "0", sell: "0" });
    });

    it("rolls back in full when the reports named no client order id (the limit left)", () => {
      const { engine } = engineWith([passPolicy()]);
      const a = accept(engine, named(order({ qty: "10" }), "A"));
      engine.applyExecutionReport(report({ side: "BUY", qty: "4", price: "100" }));
      a.rollback();
      expect(figures(engine)).toEqual({ open: 0, position: "4", buy: "0", sell: "0" });
    });

    it("keeps the match through a snapshot of the open reservation", () => {
      const { engine } = engineWith([stateless()]);
      const a = accept(engine, named(order({ qty: "10" }), "A"));
      const b = accept(engine, named(order({ qty: "5" }), "B"));
      engine.applyExecutionReport(naming(report({ side: "BUY", qty: "4", price: "100" }), "A"));
      const snapshot = fromPlain(toPlain(engine.snapshotState())) as ReturnType<Engine["snapshotState"]>;
      const [dataA, dataB] = [a, b].map((r) => fromPlain(toPlain(r.toData())) as ReturnType<typeof a.toData>);

      const restored = Engine.builder().clock(new ManualClock(1_000)).policy(stateless()).build();
      restored.restoreState(snapshot);
      const [ra, rb] = [restored.restoreReservation(dataA!), restored.restoreReservation(dataB!)];
      restored.applyExecutionReport(naming(report({ side: "BUY", qty: "1", price: "100" }), "B")); // matched after the restore
      ra.rollback();
      rb.rollback();
      expect(figures(restored)).toEqual({ open: 2, position: "5", buy: "10", sell: "0" });
    });
  });

  it("restores a snapshot without a book (older format) as an empty book", () => {
    const { engine } = engineWith([stateless()]);
    const { accountBook: _dropped, ...old } = engine.snapshotState();
    accept(engine, order());
    engine.restoreState(old);
    expect(figures(engine).open).toBe(0);
  });

  it("reserves policy names starting with '@' for the engine", () => {
    expect(() => Engine.builder().policy(passPolicy("@AccountBook")).build()).toThrow(EngineBuildError);
  });

  // Found by review (session 41): a custom policy named "Engine" read as the engine's own, and
  // a failing commit callback of it blocked its account only, not every account (spec §E).
  it("reserves the name 'Engine', which the engine's own rejects and blocks carry", () => {
    expect(() => Engine.builder().policy(passPolicy("Engine")).build()).toThrow(
      expect.objectContaining({ kind: "ReservedPolicyName", message: "policy name 'Engine' is reserved (names starting with '@', and 'Engine', belong to the engine)" }),
    );
  });

  it("keeps pending quantities exact", () => {
    const { engine } = engineWith([passPolicy()]);
    accept(engine, order({ qty: "0.1" }));
    accept(engine, order({ qty: "0.2" }));
    expect(engine.book.pendingQuantity(ACCOUNT, AAPL_USD, "BUY").eq(Quantity.fromString("0.3"))).toBe(true);
  });
});
