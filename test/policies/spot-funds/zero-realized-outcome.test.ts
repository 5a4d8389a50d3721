/**
 * A fill that realizes exactly 0 carries no realized-P&L entry on its position (openpit-semantics
 * §2.5: outcomes omit zero-delta legs; OpenPit's holdings.rs emits one only when non-zero), while
 * the account's P&L line still publishes it (openpit-newer §H). Found by review (session 35):
 * closing at the average price, or a fee cancelling the gain in the same report, sent a
 * realization of 0 that a risk feed counting realization events would count.
 */
import { describe, expect, it } from "vitest";
import { ACCOUNT, buy, commit, entries, fillReport, pnlResults, seed, sell, spotEngine } from "../../helpers/spot-funds.js";

function longTenAt100() {
  const t = spotEngine();
  t.engine.accounts().setCurrency(ACCOUNT, "USD");
  seed(t.engine, "USD", "10000");
  commit(t.engine, buy("10", "100"));
  t.engine.applyExecutionReport(fillReport("BUY", "10", "100"));
  commit(t.engine, sell("10", "100"));
  return t;
}

const aaplEntry = (r: { accountAdjustments: readonly object[] }) => entries(r.accountAdjustments).find((e) => (e as { asset: string }).asset === "AAPL");

describe("a fill realizing exactly 0", () => {
  it("closing at the average: no realizedPnl on the position, the account line says 0; a later gain is reported from 0", () => {
    const t = longTenAt100();
    const flat = t.engine.applyExecutionReport(fillReport("SELL", "4", "100"));
    expect(aaplEntry(flat)).toEqual({ asset: "AAPL", held: { delta: "-4", absolute: "6" }, averageEntryPrice: "100" });
    expect(pnlResults(flat)).toEqual([{ kind: "value", delta: "0", absolute: "0" }]);
    const gain = t.engine.applyExecutionReport(fillReport("SELL", "2", "101.5"));
    expect((aaplEntry(gain) as { realizedPnl: unknown }).realizedPnl).toEqual({ kind: "value", delta: "3.0", absolute: "3.0" });
  });

  it("a fee equal to the gain in the same report: no realizedPnl on the position", () => {
    const t = longTenAt100();
    const r = t.engine.applyExecutionReport(fillReport("SELL", "4", "101", { fee: ["4", "USD"] }));
    expect((aaplEntry(r) as { realizedPnl?: unknown }).realizedPnl).toBeUndefined();
    expect(pnlResults(r)).toEqual([{ kind: "value", delta: "0", absolute: "0" }]);
  });
});
