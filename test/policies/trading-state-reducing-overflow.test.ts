/**
 * Found by review (session 30): REDUCING summed the worst case (position ± open orders on the
 * order's side ± the order) without a guard, so one past the decimal range threw: an internal
 * error on the wire, after earlier policies' start hooks had already counted the order. A
 * worst case past the range is past it on the order's own side, so the order does not reduce:
 * the documented TRADING_REDUCING_ONLY reject.
 */
import { describe, expect, it } from "vitest";
import { TradingStatePolicy, TwoTierThrottlePolicy, parseTradingStateSettingsJson, parseTwoTierThrottleSettingsJson } from "../../src/policies/index.js";
import { PositionSize, Quantity } from "../../src/param/index.js";
import { reducesPosition } from "../../src/policies/trading-state/index.js";
import { fill, only, order, submit, world } from "../helpers/controls.js";

const MAX = "79228162514264337593543950335";

function reducing() {
  return world(() => [
    new TwoTierThrottlePolicy(parseTwoTierThrottleSettingsJson({ default: { softMaxOrders: 100, hardMaxOrders: 100, windowMs: 1000 } })),
    new TradingStatePolicy(parseTradingStateSettingsJson({ states: [{ global: true, state: "REDUCING", reason: "wind down" }] })),
  ]);
}

describe("TradingStatePolicy REDUCING: a worst case past the decimal range", () => {
  it("a SELL whose worst case is below −MAX is refused TRADING_REDUCING_ONLY", () => {
    const w = reducing();
    w.engine.applyExecutionReport(fill("1", { side: "BUY" })); // long 1
    expect(w.engine.applyDropCopy(order({ side: "SELL", qty: MAX })).rejects).toEqual([]); // open sells at the range's edge
    expect(only(submit(w.engine, order({ side: "SELL", qty: "2" })))).toEqual([
      "TradingReducingOnly",
      "order does not reduce the position",
      `trading state REDUCING is set globally: position 1, open SELL orders ${MAX}, order SELL 2 would not shrink it without flipping`,
      "order",
    ]);
  });

  it("a BUY whose worst case is past +MAX is refused TRADING_REDUCING_ONLY", () => {
    const w = reducing();
    w.engine.applyExecutionReport(fill("1", { side: "SELL" })); // short 1
    expect(w.engine.applyDropCopy(order({ side: "BUY", qty: MAX })).rejects).toEqual([]);
    expect(only(submit(w.engine, order({ side: "BUY", qty: "2" })))[0]).toBe("TradingReducingOnly");
  });

  it("reducesPosition: false past the range on either side, unchanged inside it", () => {
    const q = (v: string) => Quantity.fromString(v);
    expect(reducesPosition(PositionSize.fromString("1"), q(MAX), "SELL", q("2"))).toBe(false);
    expect(reducesPosition(PositionSize.fromString("-1"), q(MAX), "BUY", q("2"))).toBe(false);
    expect(reducesPosition(PositionSize.fromString(MAX), q(MAX), "SELL", q(MAX))).toBe(false); // MAX − 2·MAX
    expect(reducesPosition(PositionSize.fromString(MAX), q("0"), "SELL", q(MAX))).toBe(true); // exactly to zero
    expect(reducesPosition(PositionSize.fromString(`-${MAX}`), q("1"), "BUY", q("2"))).toBe(true);
    expect(reducesPosition(PositionSize.fromString(`-${MAX}`), q(MAX), "BUY", q("1"))).toBe(false); // to +1
    expect(reducesPosition(PositionSize.fromString(MAX), q(MAX), "BUY", q("1"))).toBe(false); // same side, never reducing
  });
});
