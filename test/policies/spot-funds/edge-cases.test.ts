/**
 * SpotFunds on cases the specification settles but the other suites did not pin: a sell
 * filled past its reservation, a rollback after a partial fill (by deltas), a sell's cancel,
 * a buy at a negative price, average cost and realised P&L through a flip, fees in a third
 * asset, market orders priced from the book top with slippage. Exact
 * decimals throughout. (Written by a review against openpit-semantics.md; passed as it was.)
 */
import { describe, expect, it } from "vitest";
import { SpotFundsPolicy, defaultSpotFundsSettings } from "../../../src/policies/spot-funds/index.js";
import { instrument } from "../../../src/param/index.js";
import { Price } from "../../../src/param/index.js";
import {
  ACCOUNT,
  buy,
  sell,
  cancelReport,
  commit,
  entries,
  fillReport,
  marketData,
  pnlText,
  report,
  seed,
  slot,
  spotEngine,
} from "../../helpers/spot-funds.js";
import { ManualClock } from "../../../src/engine/index.js";

function trackOnly() {
  const s = defaultSpotFundsSettings();
  s.limitMode = "TrackOnly";
  return s;
}

describe("SpotFunds: fills, cancels, rollbacks and fees, edge cases of the specification", () => {
  it("sell fill larger than the reservation", () => {
    const { engine, policy } = spotEngine();
    seed(engine, "AAPL", "10");
    engine.accounts().setCurrency(ACCOUNT, "USD");
    commit(engine, sell("10", "200"));
    const r = engine.applyExecutionReport(fillReport("SELL", "15", "210", { lockPrice: "200" }));
    expect(r.accountBlocks).toEqual([]);
    expect(slot(policy, "AAPL")).toEqual({ available: "0", held: "-5", incoming: "0" });
    expect(slot(policy, "USD")).toEqual({ available: "3150", held: "0", incoming: "-1000" });
  });

  it("rollback after a partial fill is delta based", () => {
    const { engine, policy } = spotEngine();
    seed(engine, "USD", "10000");
    engine.accounts().setCurrency(ACCOUNT, "USD");
    const res = engine.executePreTrade(buy("10", "200"));
    if (!res.ok) throw new Error("refused");
    engine.applyExecutionReport(fillReport("BUY", "4", "200", { leaves: "6" }));
    res.reservation.rollback();
    expect(slot(policy, "USD")).toEqual({ available: "10000", held: "-800", incoming: "0" });
    expect(slot(policy, "AAPL")).toEqual({ available: "4", held: "0", incoming: "-4" });
  });

  it("sell cancel releases held underlying and drops settlement incoming", () => {
    const { engine, policy } = spotEngine();
    seed(engine, "AAPL", "10");
    engine.accounts().setCurrency(ACCOUNT, "USD");
    commit(engine, sell("10", "200"));
    engine.applyExecutionReport(fillReport("SELL", "4", "200", { leaves: "6" }));
    const c = engine.applyExecutionReport(cancelReport("SELL", "6", "200"));
    expect(c.accountBlocks).toEqual([]);
    expect(slot(policy, "AAPL")).toEqual({ available: "6", held: "0", incoming: "0" });
    expect(slot(policy, "USD")).toEqual({ available: "800", held: "0", incoming: "0" });
  });

  it("buy at a negative price: nothing held, the fill credits settlement", () => {
    const { engine, policy } = spotEngine();
    engine.accounts().setCurrency(ACCOUNT, "USD");
    const res = engine.executePreTrade(buy("2", "-1"));
    expect(res.ok).toBe(true);
    if (!res.ok) return;
    res.reservation.commit();
    expect(slot(policy, "USD")).toEqual({ available: "0", held: "0", incoming: "0" });
    expect(slot(policy, "AAPL")).toEqual({ available: "0", held: "0", incoming: "2" });
    engine.applyExecutionReport(fillReport("BUY", "2", "-1"));
    expect(slot(policy, "USD")).toEqual({ available: "2", held: "0", incoming: "0" });
    expect(slot(policy, "AAPL")).toEqual({ available: "2", held: "0", incoming: "0" });
  });

  it("average cost re-weighting and realization; flip reopens at fill price", () => {
    const { engine, policy } = spotEngine(new SpotFundsPolicy(trackOnly()));
    engine.accounts().setCurrency(ACCOUNT, "USD");
    commit(engine, buy("10", "100"));
    engine.applyExecutionReport(fillReport("BUY", "10", "100"));
    commit(engine, buy("10", "200"));
    engine.applyExecutionReport(fillReport("BUY", "10", "200"));
    expect(policy.holdings(ACCOUNT).get("AAPL")?.averageEntryPrice?.toString()).toBe("150");
    commit(engine, sell("25", "300"));
    const r = engine.applyExecutionReport(fillReport("SELL", "25", "300"));
    const h = policy.holdings(ACCOUNT).get("AAPL")!;
    expect(h.available.add(h.held).toString()).toBe("-5");
    expect(h.averageEntryPrice?.toString()).toBe("300");
    expect(pnlText(h.realizedPnl)).toBe("value 3000");
    expect(pnlText(policy.accountPnl(ACCOUNT))).toBe("value 3000");
    expect(r.accountBlocks).toEqual([]);
    // cover the short partially at 250: realizes (250-300) * -... = +50*2
    commit(engine, buy("2", "250"));
    engine.applyExecutionReport(fillReport("BUY", "2", "250"));
    expect(pnlText(policy.holdings(ACCOUNT).get("AAPL")!.realizedPnl)).toBe("value 3100");
  });

  it("fee in a third asset converted through market data", () => {
    const clock = new ManualClock(1000);
    const md = marketData(clock);
    const bnb = md.register(instrument("BNB", "USD"));
    md.push(bnb, { mark: Price.fromString("300") });
    const { engine, policy } = spotEngine(new SpotFundsPolicy(defaultSpotFundsSettings(), { marketData: md }), [], clock);
    seed(engine, "USD", "10000");
    seed(engine, "BNB", "1");
    engine.accounts().setCurrency(ACCOUNT, "USD");
    commit(engine, buy("10", "200"));
    const r = engine.applyExecutionReport(fillReport("BUY", "10", "200", { fee: ["0.01", "BNB"] }));
    expect(r.accountBlocks).toEqual([]);
    expect(slot(policy, "BNB")).toEqual({ available: "0.99", held: "0", incoming: "0" });
    expect(pnlText(policy.holdings(ACCOUNT).get("AAPL")!.realizedPnl)).toBe("value -3.00");
    expect(pnlText(policy.accountPnl(ACCOUNT))).toBe("value -3.00");

  });

  it("market sell from BookTop bid with slippage", () => {
    const clock = new ManualClock(1000);
    const md = marketData(clock);
    const id = md.register(instrument("AAPL", "USD"));
    md.push(id, { bid: Price.fromString("200"), ask: Price.fromString("201"), mark: Price.fromString("500") });
    const s = defaultSpotFundsSettings();
    s.pricingSource = "BookTop";
    s.slippageBps = 100;
    const { engine, policy } = spotEngine(new SpotFundsPolicy(s, { marketData: md }), [], clock);
    seed(engine, "AAPL", "10");
    const res = engine.executePreTrade(sell("10", null));
    expect(res.ok).toBe(true);
    if (!res.ok) return;
    expect(res.reservation.lock.prices(0 as never).map((p) => p.toString())).toEqual(["198.00"]);
    expect(slot(policy, "USD").incoming).toBe("1980.00");
  });
});
