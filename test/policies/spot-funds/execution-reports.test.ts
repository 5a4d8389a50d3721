import { describe, expect, it } from "vitest";
import { PreTradeLock } from "../../../src/model/index.js";
import { PolicyGroupId, Price } from "../../../src/param/index.js";
import { SpotFundsPolicy } from "../../../src/policies/spot-funds/index.js";
import {
  ACCOUNT,
  accepts,
  balanceAdjustment,
  buy,
  cancelReport,
  commit,
  entries,
  fillReport,
  lockAt,
  report,
  sell,
  seed,
  slot,
  spotEngine,
  USD_USD,
} from "../../helpers/spot-funds.js";

function funded(usd = "10000") {
  const t = spotEngine();
  seed(t.engine, "USD", usd);
  t.engine.accounts().setCurrency(ACCOUNT, "USD");
  return t;
}

describe("SpotFundsPolicy execution reports", () => {
  it("F6: fill 4 of 10, then cancel the 6 left: USD 9200 spendable, AAPL 4", () => {
    const { engine, policy } = spotEngine();
    seed(engine, "USD", "10000");
    commit(engine, buy("10"));
    const fill = engine.applyExecutionReport(fillReport("BUY", "4", "200", { leaves: "6" }));
    expect(fill.accountBlocks).toEqual([]);
    expect(slot(policy, "USD")).toEqual({ available: "8000", held: "1200", incoming: "0" });
    expect(slot(policy, "AAPL")).toEqual({ available: "4", held: "0", incoming: "6" });
    const cancel = engine.applyExecutionReport(cancelReport("BUY", "6", "200"));
    expect(cancel.accountBlocks).toEqual([]);
    expect(entries(cancel.accountAdjustments)).toEqual([
      { asset: "AAPL", incoming: { delta: "-6", absolute: "0" } },
      { asset: "USD", balance: { delta: "1200", absolute: "9200" }, held: { delta: "-1200", absolute: "0" } },
    ]);
    expect(slot(policy, "USD")).toEqual({ available: "9200", held: "0", incoming: "0" });
    expect(slot(policy, "AAPL")).toEqual({ available: "4", held: "0", incoming: "0" });
    expect(accepts(engine, buy("46"))).toBe(true);
    expect(accepts(engine, buy("47"))).toBe(false);
    expect(accepts(engine, sell("4"))).toBe(true);
    expect(accepts(engine, sell("5"))).toBe(false);
  });

  it("a fill consumes held at the lock price and returns the price improvement to available", () => {
    const { engine, policy } = funded();
    commit(engine, buy("10"));
    const result = engine.applyExecutionReport(fillReport("BUY", "10", "190", { lockPrice: "200" }));
    expect(result.accountBlocks).toEqual([]);
    expect(entries(result.accountAdjustments)).toEqual([
      {
        asset: "AAPL",
        balance: { delta: "10", absolute: "10" },
        incoming: { delta: "-10", absolute: "0" },
        averageEntryPrice: "190",
      },
      { asset: "USD", balance: { delta: "100", absolute: "8100" }, held: { delta: "-2000", absolute: "0" } },
    ]);
    expect(result.accountAdjustments.every((a) => a.policyGroupId === 0)).toBe(true);
    expect(slot(policy, "USD")).toEqual({ available: "8100", held: "0", incoming: "0" });
  });

  it("a sell fill consumes the underlying held and credits the trade proceeds", () => {
    const { engine, policy } = funded("0");
    engine.applyAccountAdjustment(ACCOUNT, [balanceAdjustment("AAPL", { balance: ["abs", "10"], averageEntryPrice: "100", realizedPnl: "0" })]);
    commit(engine, sell("10", "150"));
    expect(slot(policy, "USD")).toEqual({ available: "0", held: "0", incoming: "1500" });
    const result = engine.applyExecutionReport(fillReport("SELL", "10", "155", { lockPrice: "150" }));
    expect(entries(result.accountAdjustments)).toEqual([
      { asset: "AAPL", held: { delta: "-10", absolute: "0" }, realizedPnl: { kind: "value", delta: "550", absolute: "550" } },
      { asset: "USD", balance: { delta: "1550", absolute: "1550" }, incoming: { delta: "-1500", absolute: "0" } },
    ]);
    expect(policy.holdings(ACCOUNT).has("AAPL")).toBe(true);
    expect(slot(policy, "AAPL")).toEqual({ available: "0", held: "0", incoming: "0" });
  });

  it("a sell at a negative price consumes the settlement held and pays out of available", () => {
    const { engine, policy } = funded("100");
    seed(engine, "AAPL", "5");
    commit(engine, sell("5", "-2"));
    expect(slot(policy, "USD")).toEqual({ available: "90", held: "10", incoming: "0" });
    engine.applyExecutionReport(fillReport("SELL", "5", "-3", { lockPrice: "-2" }));
    // held 10 consumed; available += 10 + (−3·5) = −5.
    expect(slot(policy, "USD")).toEqual({ available: "85", held: "0", incoming: "0" });
  });

  it("cancelling a sell releases the underlying and drops the projected proceeds", () => {
    const { engine, policy } = funded("0");
    seed(engine, "AAPL", "10");
    commit(engine, sell("10", "150"));
    const result = engine.applyExecutionReport(cancelReport("SELL", "10", "150"));
    expect(entries(result.accountAdjustments)).toEqual([
      { asset: "AAPL", balance: { delta: "10", absolute: "10" }, held: { delta: "-10", absolute: "0" } },
      { asset: "USD", incoming: { delta: "-1500", absolute: "0" } },
    ]);
    expect(slot(policy, "AAPL")).toEqual({ available: "10", held: "0", incoming: "0" });
    expect(policy.holdings(ACCOUNT).has("USD")).toBe(false);
  });

  it("F17: a fill may consume more than was held: held goes negative, no block", () => {
    const { engine, policy } = funded();
    engine.applyAccountAdjustment(ACCOUNT, [balanceAdjustment("USD", { held: ["abs", "100"] })]);
    const result = engine.applyExecutionReport(fillReport("BUY", "10", "200"));
    expect(result.accountBlocks).toEqual([]);
    expect(slot(policy, "USD")).toEqual({ available: "10000", held: "-1900", incoming: "0" });
  });

  it("F18: a fill or cancel without a lock price blocks with MissingRequiredField; two prices block with Other", () => {
    const { engine, policy } = funded();
    commit(engine, buy("10"));
    const noLock = engine.applyExecutionReport(fillReport("BUY", "4", "200", { lock: null }));
    expect(noLock.accountBlocks).toEqual([
      {
        policy: "SpotFundsPolicy",
        code: "MissingRequiredField",
        reason: "pre-trade lock has no price for settlement fill",
        details: "group 0",
      },
    ]);
    expect(noLock.accountAdjustments).toEqual([]);
    expect(engine.executePreTrade(buy("1")).rejects).toMatchObject([
      { policy: "SpotFundsPolicy", code: "MissingRequiredField", reason: "pre-trade lock has no price for settlement fill" },
    ]);
    const noLockCancel = engine.applyExecutionReport(cancelReport("BUY", "10", "200", { lock: null }));
    expect(noLockCancel.accountBlocks).toMatchObject([
      { code: "MissingRequiredField", reason: "pre-trade lock has no price for settlement release", details: "group 0" },
    ]);
    const two = PreTradeLock.of([
      [PolicyGroupId.DEFAULT, Price.fromString("200")],
      [PolicyGroupId.DEFAULT, Price.fromString("201")],
    ]);
    const duplicate = engine.applyExecutionReport(fillReport("BUY", "4", "200", { lock: two }));
    expect(duplicate.accountBlocks).toEqual([
      {
        policy: "SpotFundsPolicy",
        code: "Other",
        reason: "pre-trade lock has multiple prices for settlement fill; two SpotFundsPolicies share a group_id",
        details: "group 0",
      },
    ]);
    // Nothing was applied by the refused reports.
    expect(slot(policy, "USD")).toEqual({ available: "8000", held: "2000", incoming: "0" });
  });

  it("reads the lock price under its own policy group id", () => {
    const group = PolicyGroupId.fromU16(3);
    const { engine, policy } = spotEngine(new SpotFundsPolicy(undefined, { policyGroupId: group }));
    seed(engine, "USD", "10000");
    const result = engine.executePreTrade(buy("10"));
    if (!result.ok) throw new Error("refused");
    expect(result.reservation.lock.toJSON()).toEqual([[], [3, "200"]]);
    expect(result.reservation.accountAdjustments.map((a) => a.policyGroupId)).toEqual([3, 3]);
    result.reservation.commit();
    const wrongGroup = engine.applyExecutionReport(fillReport("BUY", "10", "200", { lock: lockAt("200") }));
    expect(wrongGroup.accountBlocks).toMatchObject([{ code: "MissingRequiredField", details: "group 3" }]);
    const ok = engine.applyExecutionReport(fillReport("BUY", "10", "200", { lock: lockAt("200", group) }));
    expect(ok.accountBlocks).toEqual([]);
    expect(slot(policy, "USD")).toEqual({ available: "8000", held: "0", incoming: "0" });
  });

  it("fees in any currency debit that currency; a fee-only report is processed too", () => {
    const { engine, policy } = funded();
    commit(engine, buy("10"));
    const withFee = engine.applyExecutionReport(fillReport("BUY", "10", "200", { fee: ["2.5", "USD"] }));
    expect(entries(withFee.accountAdjustments)[1]).toEqual({
      asset: "USD",
      balance: { delta: "-2.5", absolute: "7997.5" },
      held: { delta: "-2000", absolute: "0" },
    });
    const feeOnly = engine.applyExecutionReport(report({ fee: ["3", "BNB"] }));
    expect(feeOnly.accountBlocks).toEqual([]);
    expect(entries(feeOnly.accountAdjustments)).toEqual([
      { asset: "AAPL", realizedPnl: { kind: "halted", reason: "MissingFx" } },
      { asset: "BNB", balance: { delta: "-3", absolute: "-3" } },
    ]);
    expect(slot(policy, "BNB")).toEqual({ available: "-3", held: "0", incoming: "0" });
  });

  it("a final report with nothing left, and a report with nothing in it, change nothing", () => {
    const { engine, policy } = funded();
    commit(engine, buy("10"));
    expect(engine.applyExecutionReport(report({ leaves: "0", final: true, lockPrice: "200" }))).toEqual({
      accountBlocks: [],
      accountPnls: [],
      accountAdjustments: [],
    });
    expect(slot(policy, "USD")).toEqual({ available: "8000", held: "2000", incoming: "0" });
  });

  it("missing report fields block with MissingRequiredField", () => {
    const { engine } = funded();
    const noSide = engine.applyExecutionReport({ operation: { accountId: ACCOUNT, instrument: USD_USD } });
    expect(noSide.accountBlocks).toEqual([
      {
        policy: "SpotFundsPolicy",
        code: "MissingRequiredField",
        reason: "failed to access required field 'side'",
        details: "failed to access required field 'side'",
      },
    ]);
    const finalNoLeaves = engine.applyExecutionReport({
      operation: { accountId: ACCOUNT, instrument: USD_USD, side: "BUY" },
      fill: { isFinal: true },
    });
    expect(finalNoLeaves.accountBlocks[0]?.reason).toBe("failed to access required field 'remaining quantity'");
  });

  it("a fill whose notional overflows blocks with ArithmeticOverflow and changes nothing", () => {
    const { engine, policy } = funded();
    const result = engine.applyExecutionReport(fillReport("BUY", "2", "79228162514264337593543950335"));
    expect(result.accountBlocks).toEqual([
      {
        policy: "SpotFundsPolicy",
        code: "ArithmeticOverflow",
        reason: "arithmetic overflow",
        details: "fill notional volume overflow: asset USD, px 79228162514264337593543950335, qty 2",
      },
    ]);
    expect(slot(policy, "USD")).toEqual({ available: "10000", held: "0", incoming: "0" });
  });
});
