/**
 * Found by review (session 37): the account book holds a position in the 29-digit decimal
 * domain, so short 80000000001 and a BUY fill of 1e-18 was held as -80000000001, and with
 * nothing open REDUCING passed a BUY of 80000000001: a flip to long 1e-18. The book now keeps
 * the exact position beside a rounded one (`positionUnrounded`) until it fits the domain again,
 * when the position takes it; REDUCING decides on it and names it. It is snapshotted.
 */
import { describe, expect, it } from "vitest";
import { Engine, ManualClock } from "../../src/engine/index.js";
import { parseTradingStateSettingsJson, TradingStatePolicy } from "../../src/policies/index.js";
import { fromPlain, toPlain } from "../../src/state/plain-data.js";
import { ACCOUNT, AAPL_USD, fill, order, submit } from "../helpers/controls.js";

const DUST = "0.000000000000000001";
const P = { price: "0.00001" } as const;

function engineWithPolicy() {
  const policy = new TradingStatePolicy(parseTradingStateSettingsJson({}));
  const engine = Engine.builder().clock(new ManualClock(0)).policy(policy).build();
  return { policy, engine };
}

const book = (engine: Engine) => ({
  position: engine.book.position(ACCOUNT, AAPL_USD).toString(),
  unrounded: engine.book.positionUnrounded(ACCOUNT, AAPL_USD)?.toFixed(),
});

const notReducing = (side: "BUY" | "SELL", position: string, quantity: string) => ({
  policy: "TradingStatePolicy",
  code: "TradingReducingOnly",
  reason: "order does not reduce the position",
  details: `trading state REDUCING is set globally: position ${position}, open ${side} orders 0, order ${side} ${quantity} would not shrink it without flipping`,
  scope: "order",
});

/** Short 80000000001, then a BUY fill of 1e-18: exactly -80000000000.999999999999999999, 29 digits past the integer part's 11. */
function roundedShort() {
  const w = engineWithPolicy();
  w.engine.applyExecutionReport(fill("80000000001", { side: "SELL", final: true, ...P }));
  w.engine.applyExecutionReport(fill(DUST, { side: "BUY", final: true, ...P }));
  return w;
}

describe("REDUCING on a position the book holds rounded", () => {
  it("short 80000000001 less a BUY of 1e-18, held as -80000000001.00000000000000000: a BUY of 80000000001 is refused naming the exact position; one of 80000000000.99999999999999999 passes", () => {
    const { policy, engine } = roundedShort();
    expect(book(engine)).toEqual({ position: "-80000000001.00000000000000000", unrounded: "-80000000000.999999999999999999" });
    policy.setState({ kind: "global" }, "REDUCING", "close-out");
    expect(submit(engine, order({ side: "BUY", qty: "80000000001", ...P }))).toEqual([notReducing("BUY", "-80000000000.999999999999999999", "80000000001")]);
    expect(submit(engine, order({ side: "SELL", qty: "1", ...P }))).toEqual([notReducing("SELL", "-80000000000.999999999999999999", "1")]);
    // The most the domain can say short of it (1e-18 short after it) passes.
    expect(submit(engine, order({ side: "BUY", qty: "80000000000.99999999999999999", ...P }))).toEqual([]);
  });

  it("once the exact position fits the domain again the position takes it: a BUY fill of 80000000001 leaves long 1e-18, not 0", () => {
    const { policy, engine } = roundedShort();
    engine.applyExecutionReport(fill("80000000001", { side: "BUY", final: true, ...P }));
    expect(book(engine)).toEqual({ position: DUST, unrounded: undefined });
    policy.setState({ kind: "global" }, "REDUCING", "close-out");
    expect(submit(engine, order({ side: "BUY", qty: DUST, ...P }))).toEqual([notReducing("BUY", DUST, DUST)]);
    expect(submit(engine, order({ side: "SELL", qty: DUST, ...P }))).toEqual([]);
  });

  it("further fills keep it exact while it does not fit", () => {
    const { engine } = roundedShort();
    engine.applyExecutionReport(fill("0.5", { side: "SELL", final: true, ...P }));
    expect(book(engine)).toEqual({ position: "-80000000001.50000000000000000", unrounded: "-80000000001.499999999999999999" });
  });

  it("is snapshotted and restored; a snapshot without it restores the position as exact; nothing is written while it is exact", () => {
    const { engine } = roundedShort();
    const snapshot = fromPlain(toPlain(engine.snapshotState())) as ReturnType<Engine["snapshotState"]>;
    const data = snapshot.accountBook!.accounts.get(ACCOUNT)!.instruments[0]!;
    expect(data.positionUnrounded).toBe("-80000000000.999999999999999999");

    const fresh = engineWithPolicy();
    fresh.engine.restoreState(snapshot);
    expect(book(fresh.engine)).toEqual({ position: "-80000000001.00000000000000000", unrounded: "-80000000000.999999999999999999" });
    fresh.policy.setState({ kind: "global" }, "REDUCING", "close-out");
    expect(submit(fresh.engine, order({ side: "BUY", qty: "80000000001", ...P }))).toEqual([notReducing("BUY", "-80000000000.999999999999999999", "80000000001")]);

    const { positionUnrounded: _dropped, ...old } = data;
    const oldAccount = snapshot.accountBook!.accounts.get(ACCOUNT)!;
    const older = engineWithPolicy();
    older.engine.restoreState({ ...snapshot, accountBook: { ...snapshot.accountBook!, accounts: new Map([[ACCOUNT, { ...oldAccount, instruments: [old] }]]) } });
    expect(book(older.engine)).toEqual({ position: "-80000000001.00000000000000000", unrounded: undefined });

    const exact = engineWithPolicy();
    exact.engine.applyExecutionReport(fill("1", { side: "SELL", final: true, ...P }));
    expect(Object.keys(exact.engine.snapshotState().accountBook!.accounts.get(ACCOUNT)!.instruments[0]!)).toEqual(["instrument", "position", "pendingBuy", "pendingSell"]);
  });
});
