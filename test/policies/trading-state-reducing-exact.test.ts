/**
 * Found by review (session 37): REDUCING summed its worst case (position + open orders on the
 * order's side + the order) in the 29-digit decimal domain, which rounds half-even: short 1e11
 * with an open BUY of 1e-18 and a BUY of 1e11 is +1e-18 exactly, a flip, but the rounded sum
 * read 0 and the order passed. When a step of the sum is rounded, the exact sum decides.
 */
import { describe, expect, it } from "vitest";
import { Engine, ManualClock } from "../../src/engine/index.js";
import { PositionSize, Quantity, type Side } from "../../src/param/index.js";
import { parseTradingStateSettingsJson, TradingStatePolicy } from "../../src/policies/index.js";
import { reducesPosition } from "../../src/policies/trading-state/index.js";
import { fill, only, order, submit } from "../helpers/controls.js";

const DUST = "0.000000000000000001";
const E11 = "100000000000";

/** `position` (short when negative) from a fill, one open order of `open` on `side` accepted while ACTIVE, then REDUCING globally. */
function reducingWith(position: string, side: Side, open: string) {
  const policy = new TradingStatePolicy(parseTradingStateSettingsJson({}));
  const engine = Engine.builder().clock(new ManualClock(0)).policy(policy).build();
  const short = position.startsWith("-");
  engine.applyExecutionReport(fill(short ? position.slice(1) : position, { side: short ? "SELL" : "BUY", final: true, price: "0.00001" }));
  expect(submit(engine, order({ side, qty: open, price: "0.00001" }))).toEqual([]);
  policy.setState({ kind: "global" }, "REDUCING", "close-out");
  return engine;
}

const refused = (side: Side, position: string, open: string, qty: string) => [
  "TradingReducingOnly",
  "order does not reduce the position",
  `trading state REDUCING is set globally: position ${position}, open ${side} orders ${open}, order ${side} ${qty} would not shrink it without flipping`,
  "order",
];

describe("REDUCING decides on the exact worst case when the decimal domain rounds it", () => {
  it("short 1e11, an open BUY of 1e-18: a BUY of 1e11 flips the position by 1e-18 and is refused", () => {
    const engine = reducingWith(`-${E11}`, "BUY", DUST);
    expect(only(submit(engine, order({ side: "BUY", qty: E11, price: "0.00001" })))).toEqual(refused("BUY", `-${E11}`, DUST, E11));
    // Leaving it short by just under 1 still reduces (that sum is rounded too).
    expect(submit(engine, order({ side: "BUY", qty: "99999999999", price: "0.00001" }))).toEqual([]);
  });

  it("long 1e11, an open SELL of 1e-18: a SELL of 1e11 flips it by -1e-18 and is refused", () => {
    const engine = reducingWith(E11, "SELL", DUST);
    expect(only(submit(engine, order({ side: "SELL", qty: E11, price: "0.00001" })))).toEqual(refused("SELL", E11, DUST, E11));
  });

  it("reducesPosition: the exact sign, whichever way the domain rounds", () => {
    const q = (v: string) => Quantity.fromString(v);
    const p = (v: string) => PositionSize.fromString(v);
    expect(reducesPosition(p(`-${E11}`), q(DUST), "BUY", q(E11))).toBe(false); // +1e-18, read 0
    expect(reducesPosition(p(E11), q(DUST), "SELL", q(E11))).toBe(false); // -1e-18, read 0
    // -99999999999.99999999999999999 + 1e-18 rounds back to itself; + the order: +1e-18 exactly.
    expect(reducesPosition(p("-99999999999.99999999999999999"), q(DUST), "BUY", q("99999999999.99999999999999999"))).toBe(false);
    expect(reducesPosition(p(`-${E11}`), q(DUST), "BUY", q("99999999999"))).toBe(true); // -0.999999999999999999
    expect(reducesPosition(p(`-${E11}`), q("0"), "BUY", q(E11))).toBe(true); // exactly flat, no rounding
  });
});
