/**
 * Found by review (session 30): a same-direction fill on a tracked slot without an average
 * halted the position P&L MissingCostBasis. Spec §2.5 says adding re-weights and names no
 * halt for it; OpenPit (71ad2fc, `holdings.rs` `realize_position_fill`, case 2) keeps such a
 * slot basis-less and running, and only a reducing fill without a basis halts. So an operator
 * who then supplied the average could not get the position P&L back without force-setting it,
 * and the position and account lines disagreed (account +100, position halted). A flip
 * without a basis halts and stays basis-less, as OpenPit's does (it seeded the fill's price).
 */
import { describe, expect, it } from "vitest";
import { ACCOUNT, balanceAdjustment, fillReport, pnlText, spotEngine } from "../../helpers/spot-funds.js";

function tracked() {
  const t = spotEngine();
  t.engine.accounts().setCurrency(ACCOUNT, "USD");
  expect(
    t.engine.applyAccountAdjustment(ACCOUNT, [balanceAdjustment("AAPL", { balance: ["abs", "10"], realizedPnl: "0" }), balanceAdjustment("USD", { balance: ["abs", "10000"] })]).ok,
  ).toBe(true);
  return t;
}

describe("a tracked slot without an average price", () => {
  it("an add leaves it basis-less and running; once an average is set, the reduction realizes on both lines", () => {
    const t = tracked();
    const add = t.engine.applyExecutionReport(fillReport("BUY", "5", "100"));
    expect(add.accountAdjustments.map((o) => (o.entry as { realizedPnl?: unknown }).realizedPnl)).toEqual([undefined, undefined]);
    expect(pnlText(t.policy.holdings(ACCOUNT).get("AAPL")?.realizedPnl)).toBe("value 0");
    expect(t.policy.holdings(ACCOUNT).get("AAPL")?.averageEntryPrice).toBeUndefined();
    expect(t.engine.applyAccountAdjustment(ACCOUNT, [balanceAdjustment("AAPL", { averageEntryPrice: "90" })]).ok).toBe(true);
    t.engine.applyExecutionReport(fillReport("SELL", "5", "110"));
    expect(pnlText(t.policy.holdings(ACCOUNT).get("AAPL")?.realizedPnl)).toBe("value 100");
    expect(pnlText(t.policy.accountPnl(ACCOUNT))).toBe("value 100");
  });

  it("a reduction halts MissingCostBasis; a flip too, and the slot stays basis-less", () => {
    const reduced = tracked();
    reduced.engine.applyExecutionReport(fillReport("SELL", "4", "110"));
    expect(pnlText(reduced.policy.holdings(ACCOUNT).get("AAPL")?.realizedPnl)).toBe("halted MissingCostBasis");
    const flipped = tracked();
    flipped.engine.applyExecutionReport(fillReport("SELL", "15", "110"));
    const slot = flipped.policy.holdings(ACCOUNT).get("AAPL");
    expect(pnlText(slot?.realizedPnl)).toBe("halted MissingCostBasis");
    expect(slot?.averageEntryPrice).toBeUndefined();
  });
});
