/**
 * Found by review (session 37): an execution report whose notional overflowed blocked with the
 * sidecar's own details ("fill notional overflow: … price …, quantity …", "release notional
 * overflow: … lock price …"), where OpenPit's are "fill notional volume overflow: asset …, px …,
 * qty …" (the trade price) and "settlement notional overflow: asset …, lock_px …, qty …" (the
 * lock price, on a fill and on a release; execution.rs @71ad2fc).
 */
import { describe, expect, it } from "vitest";
import { SpotFundsPolicy } from "../../../src/policies/spot-funds/index.js";
import { cancelReport, fillReport, seed, spotEngine } from "../../helpers/spot-funds.js";

const MAX = "79228162514264337593543950335";

describe("SpotFunds execution-report overflow block texts", () => {
  it("a fill whose trade notional overflows: 'fill notional volume overflow: asset USD, px …, qty …'", () => {
    const { engine } = spotEngine(new SpotFundsPolicy());
    seed(engine, "USD", "10");
    const result = engine.applyExecutionReport(fillReport("BUY", "2", MAX, { lockPrice: "1" }));
    expect(result.accountBlocks.map((b) => [b.code, b.reason, b.details])).toEqual([
      ["ArithmeticOverflow", "arithmetic overflow", `fill notional volume overflow: asset USD, px ${MAX}, qty 2`],
    ]);
  });

  // Found by review (parity): the sidecar resolved the lock first and blocked with the
  // missing-lock text; OpenPit's apply_trade_fill computes the trade notional before
  // settlement_fill_consume reads the lock.
  it("a fill whose trade notional overflows and that has no lock: the notional overflow, not the missing lock", () => {
    const { engine } = spotEngine(new SpotFundsPolicy());
    seed(engine, "USD", "10");
    const result = engine.applyExecutionReport(fillReport("BUY", "2", MAX, { lock: null }));
    expect(result.accountBlocks.map((b) => [b.code, b.reason, b.details])).toEqual([
      ["ArithmeticOverflow", "arithmetic overflow", `fill notional volume overflow: asset USD, px ${MAX}, qty 2`],
    ]);
  });

  it("a fill whose amount at the lock price overflows: 'settlement notional overflow: asset USD, lock_px …, qty …'", () => {
    const { engine } = spotEngine(new SpotFundsPolicy());
    seed(engine, "USD", "10");
    const result = engine.applyExecutionReport(fillReport("BUY", "2.5", "1", { lockPrice: MAX }));
    expect(result.accountBlocks.map((b) => [b.code, b.reason, b.details])).toEqual([
      ["ArithmeticOverflow", "arithmetic overflow", `settlement notional overflow: asset USD, lock_px ${MAX}, qty 2.5`],
    ]);
  });

  it("a cancel whose release at the lock price overflows: 'settlement notional overflow: asset USD, lock_px …, qty …'", () => {
    const { engine } = spotEngine(new SpotFundsPolicy());
    seed(engine, "USD", "10");
    const result = engine.applyExecutionReport(cancelReport("BUY", "2", MAX));
    expect(result.accountBlocks.map((b) => [b.code, b.reason, b.details])).toEqual([
      ["ArithmeticOverflow", "arithmetic overflow", `settlement notional overflow: asset USD, lock_px ${MAX}, qty 2`],
    ]);
  });
});
