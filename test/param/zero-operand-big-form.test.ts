/**
 * Found by review (session 38): the zero-operand rule (rust_decimal's add_sub_internal tests
 * `is_zero()` at any scale) missed zeros held in decimal.js form: a zero written or computed
 * at a scale over 15 (an 18-decimal fee, a product of two 8-decimal values) widened the sum.
 */
import { describe, expect, it } from "vitest";
import { Engine, ManualClock } from "../../src/engine/index.js";
import type { ExecutionReport } from "../../src/model/index.js";
import { DecimalCell } from "../../src/param/decimal-cell.js";
import { ExactSum } from "../../src/param/exact-sum.js";
import { AccountId, Fee, Pnl, PositionSize, Price, Quantity, instrument } from "../../src/param/index.js";
import { PnlBoundsKillSwitchPolicy } from "../../src/policies/pnl-bounds-kill-switch/index.js";

const p = (s: string) => PositionSize.fromString(s);
const ZERO_18 = "0.000000000000000000"; // an 18-decimal zero (wei-style amounts)

describe("a zero held in decimal.js form (scale over 15) as a sum operand", () => {
  it("values: 5 + 0.000000000000000000 is 5, 0.000000000000000000 + 5 is 5 (rust_decimal)", () => {
    expect(p("5").add(p(ZERO_18)).toString()).toBe("5");
    expect(p(ZERO_18).add(p("5")).toString()).toBe("5");
    expect(p(ZERO_18).sub(p("5")).toString()).toBe("-5");
  });

  it("a zero product at scale 16 (price 0.00000000 × qty 1.00000000) added to 10 is 10", () => {
    const zeroNotional = PositionSize.from(Price.fromString("0.00000000").mul(Quantity.fromString("1.00000000")));
    expect(p("10").add(zeroNotional).toString()).toBe("10");
  });

  it("a cell and a running sum give the other operand as it is", () => {
    const cell = new DecimalCell(PositionSize);
    cell.set(p("7"));
    cell.add(p(ZERO_18));
    expect(cell.value.toString()).toBe("7");
    const sum = new ExactSum(PositionSize);
    sum.add(p("3"));
    sum.add(p(ZERO_18));
    expect(sum.value.toString()).toBe("3");
  });

  it("PnlBoundsKillSwitch: report pnl -150 fee 0.000000000000000000 → block text says realized pnl -150 as OpenPit's", () => {
    const policy = new PnlBoundsKillSwitchPolicy({
      brokerBarriers: [{ settlementAsset: "USD", lowerBound: Pnl.fromString("-100") }],
      accountBarriers: [],
    });
    const engine = Engine.builder().clock(new ManualClock()).policy(policy).build();
    const acc = AccountId.fromU64(7n);
    const report: ExecutionReport = {
      operation: { instrument: instrument("AAPL", "USD"), accountId: acc, side: "SELL" },
      financialImpact: { pnl: Pnl.fromString("-150"), fee: Fee.fromString(ZERO_18) },
    };
    const result = engine.applyExecutionReport(report);
    expect(result.accountBlocks.map((b) => b.details)).toEqual(["realized pnl -150, settlement asset USD"]);
    expect(policy.accountPnl(acc, "USD")?.toString()).toBe("-150");
  });
});
