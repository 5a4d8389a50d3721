/**
 * Positions held before the sidecar saw them trade. The account book's position comes from
 * execution reports only (docs/controls.md, "The account book"): holdings loaded with a
 * balance adjustment are SpotFunds' and not a position, so gross exposure and REDUCING do not
 * count them (found by review). docs/controls.md gives the way to load a start-of-day
 * position: a fill report builds the book's position, then absolute adjustments set the
 * holdings the fill moved. Pinned here, exact figures, so the documented way keeps working.
 */
import { describe, expect, it } from "vitest";
import type { Engine } from "../../../src/engine/index.js";
import { GrossExposureLimitPolicy, SpotFundsPolicy, TradingStatePolicy, parseGrossExposureSettingsJson, parseTradingStateSettingsJson } from "../../../src/policies/index.js";
import { AAPL_USD, ACCOUNT, order, quote, world } from "../../helpers/controls.js";
import { balanceAdjustment, fillReport, slot } from "../../helpers/spot-funds.js";

const GROSS = { default: { settlementAsset: "USD", maxNotional: "12000" } };

function build(state: "ACTIVE" | "REDUCING") {
  const funds = new SpotFundsPolicy();
  const w = world((md) => [
    funds,
    new TradingStatePolicy(parseTradingStateSettingsJson({ states: state === "ACTIVE" ? [] : [{ accountId: Number(ACCOUNT), state }] })),
    new GrossExposureLimitPolicy(parseGrossExposureSettingsJson(GROSS), md),
  ]);
  w.engine.accounts().setCurrency(ACCOUNT, "USD");
  quote(w, AAPL_USD, { mark: "100" });
  return { ...w, funds };
}

function adjustOnly(engine: Engine): void {
  expect(engine.applyAccountAdjustment(ACCOUNT, [balanceAdjustment("USD", { balance: ["abs", "100000"] }), balanceAdjustment("AAPL", { balance: ["abs", "100"] })]).ok).toBe(true);
}

/** The documented way: a final fill report with a lock at its price (fillReport's default), then the holdings set absolutely. */
function loadPosition(engine: Engine): void {
  engine.applyExecutionReport(fillReport("BUY", "100", "95", { final: true }));
  expect(engine.accounts().blockOf(ACCOUNT)).toBeUndefined();
  expect(
    engine.applyAccountAdjustment(ACCOUNT, [
      balanceAdjustment("USD", { balance: ["abs", "100000"], held: ["abs", "0"], incoming: ["abs", "0"] }),
      balanceAdjustment("AAPL", { balance: ["abs", "100"], held: ["abs", "0"], incoming: ["abs", "0"] }),
    ]).ok,
  ).toBe(true);
}

describe("a start-of-day position", () => {
  // Found by review (session 29): controls.md said "no lock", which blocks the account.
  it("loaded by a fill report without a lock blocks the account (SpotFunds needs the lock price)", () => {
    const active = build("ACTIVE");
    active.engine.applyExecutionReport(fillReport("BUY", "100", "95", { final: true, lock: null }));
    expect(active.engine.accounts().blockOf(ACCOUNT)?.code).toBe("MissingRequiredField");
  });

  it("loaded by balance adjustments alone is not in the book: gross exposure and REDUCING do not see it", () => {
    const active = build("ACTIVE");
    adjustOnly(active.engine);
    expect(active.engine.book.position(ACCOUNT, AAPL_USD).toString()).toBe("0");
    expect(active.engine.executePreTrade(order({ side: "BUY", qty: "30", price: "100" })).rejects).toEqual([]);
    const reducing = build("REDUCING");
    adjustOnly(reducing.engine);
    expect(reducing.engine.executePreTrade(order({ side: "SELL", qty: "5", price: "100" })).rejects.map((r) => r.code)).toEqual(["TradingReducingOnly"]);
  });

  it("loaded by a fill report and absolute adjustments is: the position counts, the holdings are the adjusted ones", () => {
    const active = build("ACTIVE");
    loadPosition(active.engine);
    expect(active.engine.book.position(ACCOUNT, AAPL_USD).toString()).toBe("100");
    expect(active.engine.book.openOrders(ACCOUNT)).toBe(0);
    expect([slot(active.funds, "USD"), slot(active.funds, "AAPL")]).toEqual([
      { available: "100000", held: "0", incoming: "0" },
      { available: "100", held: "0", incoming: "0" },
    ]);
    expect(active.engine.executePreTrade(order({ side: "BUY", qty: "30", price: "100" })).rejects.map((r) => [r.code, r.details])).toEqual([
      ["GrossExposureLimitExceeded", "gross exposure would be 13000 USD (now 10000 USD), max allowed: 12000 USD"],
    ]);
    expect(active.engine.executePreTrade(order({ side: "BUY", qty: "10", price: "100" })).rejects).toEqual([]);
    const reducing = build("REDUCING");
    loadPosition(reducing.engine);
    expect(reducing.engine.executePreTrade(order({ side: "SELL", qty: "5", price: "100" })).rejects).toEqual([]);
  });
});
