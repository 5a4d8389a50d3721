/**
 * Found by review: an order by volume enters the account book at volume / |limit price|, a 28-digit
 * quotient no fill can match. Once the venue has finished the order (fills + final report),
 * the residual stays "pending" forever: REDUCING then refuses the order that closes the
 * position, and the account can never be retired.
 */
import { describe, expect, it } from "vitest";
import { TradeAmount, type Order } from "../../src/model/index.js";
import { Price, Volume } from "../../src/param/index.js";
import { TradingStatePolicy, parseTradingStateSettingsJson } from "../../src/policies/index.js";
import { AAPL_USD, ACCOUNT, fill, order, submit, world } from "../helpers/controls.js";

const byVolume = (volume: string, price: string): Order => ({
  operation: { instrument: AAPL_USD, accountId: ACCOUNT, side: "BUY", tradeAmount: TradeAmount.volume(Volume.fromString(volume)), price: Price.fromString(price) },
});

describe("pending left behind by a finished volume order", () => {
  it("nothing is pending once every order of the account is final", () => {
    const policy = new TradingStatePolicy(parseTradingStateSettingsJson({ states: [] }));
    const { engine } = world(() => [policy]);
    // Short 10 AAPL.
    expect(submit(engine, order({ side: "SELL", qty: "10" }))).toEqual([]);
    engine.applyExecutionReport(fill("10", { side: "SELL", final: true }));
    // Buy 100 USD worth at 3: the venue fills 33.33 (its lot size) and ends the order.
    expect(submit(engine, byVolume("100", "3"))).toEqual([]);
    engine.applyExecutionReport(fill("33.33", { price: "3", final: true, leaves: "0" }));
    expect(engine.book.openOrders(ACCOUNT)).toBe(0);
    expect(engine.book.pendingQuantity(ACCOUNT, AAPL_USD, "BUY").toString()).toBe("0");
  });

  it("REDUCING lets the order that exactly closes the position through after that", () => {
    const policy = new TradingStatePolicy(parseTradingStateSettingsJson({ states: [] }));
    const { engine } = world(() => [policy]);
    expect(submit(engine, order({ side: "SELL", qty: "50" }))).toEqual([]);
    engine.applyExecutionReport(fill("50", { side: "SELL", final: true }));
    expect(submit(engine, byVolume("100", "3"))).toEqual([]);
    engine.applyExecutionReport(fill("33.33", { price: "3", final: true, leaves: "0" }));
    // Position −16.67, nothing open: buying 16.67 closes it exactly.
    policy.setState({ kind: "account", accountId: ACCOUNT }, "REDUCING", "risk");
    expect(submit(engine, order({ side: "BUY", qty: "16.67" }))).toEqual([]);
  });
});
