/**
 * SpotFunds' funds gate and drop-copy on the specification's numbered cases (F9, F10, F16):
 * a same-asset sell at a negative price, a negative held set by an operator, a drop-copy's
 * outcome entries and the gate it leaves for the next order, a fee-only report. (Written by a review against
 * openpit-semantics.md; passed as it was.)
 */
import { describe, expect, it } from "vitest";
import { ACCOUNT, USD_USD, accepts, buy, sell, entries, report, seed, slot, spotEngine, balanceAdjustment, pnlText } from "../../helpers/spot-funds.js";

describe("SpotFunds: the funds gate and drop-copy, edge cases of the specification", () => {
  it("F16 same-asset sell at a negative price", () => {
    const { engine } = spotEngine();
    seed(engine, "USD", "10");
    const r = engine.executePreTrade(sell("8", "-1", { instrument: USD_USD }));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.rejects[0]!.details).toBe("asset USD: available 2, requested 8");
    expect(accepts(engine, sell("5", "-1", { instrument: USD_USD }))).toBe(true);
  });
  it("F10 drop-copy outcomes and the later gate", () => {
    const { engine, policy } = spotEngine();
    seed(engine, "USD", "1000");
    const d = engine.applyDropCopy(buy("10", "200"));
    expect(d.ok).toBe(true);
    if (!d.ok) return;
    expect(entries(d.operation.accountAdjustments)).toEqual([
      { asset: "USD", balance: { delta: "-2000", absolute: "-1000" }, held: { delta: "2000", absolute: "2000" } },
      { asset: "AAPL", incoming: { delta: "10", absolute: "10" } },
    ]);
    d.operation.commit();
    expect(accepts(engine, buy("1", "1"))).toBe(false);
    expect(slot(policy, "USD")).toEqual({ available: "-1000", held: "2000", incoming: "0" });
  });
  it("F9 negative held reduces capacity", () => {
    const { engine } = spotEngine();
    expect(engine.applyAccountAdjustment(ACCOUNT, [balanceAdjustment("USD", { balance: ["abs", "2000"], held: ["abs", "-2000"] })]).ok).toBe(true);
    const r = engine.executePreTrade(buy("1", "1"));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.rejects[0]!.code).toBe("InsufficientFunds");
  });
  it("fee-only report debits and folds into P&L", () => {
    const { engine, policy } = spotEngine();
    seed(engine, "USD", "100");
    engine.accounts().setCurrency(ACCOUNT, "USD");
    const r = engine.applyExecutionReport(report({ side: "BUY", fee: ["2", "USD"], lock: null }));
    expect(r.accountBlocks).toEqual([]);
    expect(slot(policy, "USD").available).toBe("98");
    expect(pnlText(policy.accountPnl(ACCOUNT))).toBe("value -2");
  });
});
