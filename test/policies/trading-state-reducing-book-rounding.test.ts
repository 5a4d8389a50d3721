/**
 * Found by review (session 37): REDUCING decides on the exact worst case (position ± open
 * orders on the order's side ± the order), but the open orders' total it starts from is the
 * account book's, which the book keeps in the 29-digit decimal domain: open BUYs of 8e10 and
 * 1e-18 are 80000000000.000000000000000001 exactly, held as 8e10. Short 80000000001, a BUY of
 * 1 is +1e-18 worst case, a flip, and passed; once the 8e10 filled, the book's BUY total was 0
 * with the 1e-18 BUY still open, a BUY of 1 passed and the book ended long. A sum or
 * difference of a side's pending total the domain rounds now marks that side (`pendingRounded`)
 * until the account has nothing open, and REDUCING refuses the side meanwhile (fail closed,
 * the open-order text). The mark is snapshotted; a snapshot without it restores as not rounded.
 */
import { describe, expect, it } from "vitest";
import { Engine, ManualClock } from "../../src/engine/index.js";
import { parseTradingStateSettingsJson, TradingStatePolicy } from "../../src/policies/index.js";
import { fromPlain, toPlain } from "../../src/state/plain-data.js";
import { ACCOUNT, AAPL_USD, fill, order, submit } from "../helpers/controls.js";

const DUST = "0.000000000000000001";
const P = { price: "0.00001" } as const;

const OPEN_BUY_UNKNOWN = {
  policy: "TradingStatePolicy",
  code: "TradingReducingOnly",
  reason: "order does not reduce the position",
  details:
    "trading state REDUCING is set globally: an open BUY order's quantity cannot be known (volume without a positive limit price, a buy by volume, a volume past the decimal range at its price, or a total of open orders rounded past 29 digits), " +
    "so no BUY order can be shown not to flip the position until it ends",
  scope: "order",
};

function engineWithPolicy() {
  const policy = new TradingStatePolicy(parseTradingStateSettingsJson({}));
  const engine = Engine.builder().clock(new ManualClock(0)).policy(policy).build();
  return { policy, engine };
}

/** Short 80000000001, open BUYs of 8e10 and 1e-18 accepted (and committed) while ACTIVE. */
function build() {
  const w = engineWithPolicy();
  w.engine.applyExecutionReport(fill("80000000001", { side: "SELL", final: true, ...P }));
  expect(submit(w.engine, order({ side: "BUY", qty: "80000000000", ...P }))).toEqual([]);
  expect(submit(w.engine, order({ side: "BUY", qty: DUST, ...P }))).toEqual([]);
  return w;
}

const book = (engine: Engine) => ({
  position: engine.book.position(ACCOUNT, AAPL_USD).toString(),
  pendingBuy: engine.book.pendingQuantity(ACCOUNT, AAPL_USD, "BUY").toString(),
  roundedBuy: engine.book.pendingRounded(ACCOUNT, AAPL_USD, "BUY"),
  roundedSell: engine.book.pendingRounded(ACCOUNT, AAPL_USD, "SELL"),
  openOrders: engine.book.openOrders(ACCOUNT),
});

const reducing = (policy: TradingStatePolicy) => policy.setState({ kind: "global" }, "REDUCING", "close-out");

describe("REDUCING while the book's open total on the order's side was rounded", () => {
  it("short 80000000001, open BUYs 8e10 and 1e-18 held as 8e10: a BUY of 1 (+1e-18 worst case) is refused with the open-order text", () => {
    const { policy, engine } = build();
    reducing(policy);
    expect(book(engine)).toEqual({ position: "-80000000001", pendingBuy: "80000000000.00000000000000000", roundedBuy: true, roundedSell: false, openOrders: 2 });
    expect(submit(engine, order({ side: "BUY", qty: "1", ...P }))).toEqual([OPEN_BUY_UNKNOWN]);
    // Any BUY: the side's total is not known exactly.
    expect(submit(engine, order({ side: "BUY", qty: "0.5", ...P }))).toEqual([OPEN_BUY_UNKNOWN]);
    expect(book(engine).openOrders).toBe(2);
  });

  it("after the 8e10 BUY fills (BUY total 0, the 1e-18 BUY still open) a BUY of 1 is refused; the book does not end long", () => {
    const { policy, engine } = build();
    engine.applyExecutionReport(fill("80000000000", { side: "BUY", final: true, ...P }));
    expect(book(engine)).toEqual({ position: "-1", pendingBuy: "0", roundedBuy: true, roundedSell: false, openOrders: 1 });
    reducing(policy);
    expect(submit(engine, order({ side: "BUY", qty: "1", ...P }))).toEqual([OPEN_BUY_UNKNOWN]);
    // The worst case happens: the open 1e-18 BUY fills. The refused BUY never traded.
    engine.applyExecutionReport(fill(DUST, { side: "BUY", final: true, ...P }));
    expect(book(engine)).toEqual({ position: "-0.999999999999999999", pendingBuy: "0", roundedBuy: false, roundedSell: false, openOrders: 0 });
    // Nothing open, the mark is gone: the exact sum decides again.
    expect(submit(engine, order({ side: "BUY", qty: "1", ...P }))).toEqual([
      {
        policy: "TradingStatePolicy",
        code: "TradingReducingOnly",
        reason: "order does not reduce the position",
        details: "trading state REDUCING is set globally: position -0.999999999999999999, open BUY orders 0, order BUY 1 would not shrink it without flipping",
        scope: "order",
      },
    ]);
    expect(submit(engine, order({ side: "BUY", qty: "0.999999999999999999", ...P }))).toEqual([]);
  });

  it("a rounded difference marks the side too: an exact open BUY of 8e10 less a fill of 1e-18", () => {
    const { policy, engine } = engineWithPolicy();
    engine.applyExecutionReport(fill("2", { side: "SELL", final: true, ...P }));
    expect(submit(engine, order({ side: "BUY", qty: "80000000000", ...P }))).toEqual([]);
    expect(book(engine).roundedBuy).toBe(false);
    // 80000000000 − 1e-18 = 79999999999.999999999999999999, past 29 digits: held as 8e10.
    engine.applyExecutionReport(fill(DUST, { side: "BUY", ...P }));
    expect(book(engine)).toEqual({ position: "-1.999999999999999999", pendingBuy: "80000000000.00000000000000000", roundedBuy: true, roundedSell: false, openOrders: 1 });
    reducing(policy);
    expect(submit(engine, order({ side: "BUY", qty: "1", ...P }))).toEqual([OPEN_BUY_UNKNOWN]);
  });

  it("exact totals mark nothing: the same orders at small quantities pass as before", () => {
    const { policy, engine } = engineWithPolicy();
    engine.applyExecutionReport(fill("81", { side: "SELL", final: true, ...P }));
    expect(submit(engine, order({ side: "BUY", qty: "80", ...P }))).toEqual([]);
    expect(submit(engine, order({ side: "BUY", qty: DUST, ...P }))).toEqual([]);
    expect(book(engine)).toEqual({ position: "-81", pendingBuy: "80.000000000000000001", roundedBuy: false, roundedSell: false, openOrders: 2 });
    reducing(policy);
    expect(submit(engine, order({ side: "BUY", qty: "0.999999999999999999", ...P }))).toEqual([]);
  });

  it("the account's last open order rolled back clears the mark, as its last one ending does", () => {
    const { policy, engine } = engineWithPolicy();
    engine.applyExecutionReport(fill("80000000001", { side: "SELL", final: true, ...P }));
    const big = engine.executePreTrade(order({ side: "BUY", qty: "80000000000", ...P }));
    const dust = engine.executePreTrade(order({ side: "BUY", qty: DUST, ...P }));
    if (!big.ok || !dust.ok) throw new Error("setup");
    expect(book(engine).roundedBuy).toBe(true);
    dust.reservation.rollback();
    // One still open: the mark stays (held 8e10 less 1e-18 rounds again).
    expect(book(engine)).toMatchObject({ roundedBuy: true, openOrders: 1 });
    big.reservation.rollback();
    expect(book(engine)).toEqual({ position: "-80000000001", pendingBuy: "0", roundedBuy: false, roundedSell: false, openOrders: 0 });
    reducing(policy);
    expect(submit(engine, order({ side: "BUY", qty: "80000000001", ...P }))).toEqual([]);
  });

  it("the mark is snapshotted and restored; a snapshot without it restores as not rounded", () => {
    const { engine } = build();
    const snapshot = fromPlain(toPlain(engine.snapshotState())) as ReturnType<Engine["snapshotState"]>;
    const data = snapshot.accountBook!.accounts.get(ACCOUNT)!.instruments[0]!;
    expect([data.roundedBuy, "roundedSell" in data]).toEqual([true, false]);

    const fresh = engineWithPolicy();
    fresh.engine.restoreState(snapshot);
    expect(book(fresh.engine)).toEqual({ position: "-80000000001", pendingBuy: "80000000000.00000000000000000", roundedBuy: true, roundedSell: false, openOrders: 2 });
    reducing(fresh.policy);
    expect(submit(fresh.engine, order({ side: "BUY", qty: "1", ...P }))).toEqual([OPEN_BUY_UNKNOWN]);

    // A snapshot from a build before the mark: not rounded (the build did not mark it).
    const { roundedBuy: _dropped, ...old } = data;
    const oldAccount = snapshot.accountBook!.accounts.get(ACCOUNT)!;
    const oldSnapshot = { ...snapshot, accountBook: { ...snapshot.accountBook!, accounts: new Map([[ACCOUNT, { ...oldAccount, instruments: [old] }]]) } };
    const older = engineWithPolicy();
    older.engine.restoreState(oldSnapshot);
    expect(book(older.engine)).toMatchObject({ pendingBuy: "80000000000.00000000000000000", roundedBuy: false, openOrders: 2 });

    // Nothing rounded: nothing written.
    const exact = engineWithPolicy();
    expect(submit(exact.engine, order({ side: "BUY", qty: "1", ...P }))).toEqual([]);
    expect(Object.keys(exact.engine.snapshotState().accountBook!.accounts.get(ACCOUNT)!.instruments[0]!)).toEqual(["instrument", "position", "pendingBuy", "pendingSell"]);
  });
});
