/**
 * Found by review (session 38): rust_decimal's mul_impl gives Decimal::ZERO (scale 0) when an
 * operand is zero, and div_impl a zero dividend's quotient as ZERO; the sidecar kept the sum
 * (or difference) of the scales. OpenPit's account_position_pnl_delta, (price − avg) ×
 * closing, is 0 when closing at the average: the account P&L line read 0.00.
 */
import { describe, expect, it } from "vitest";
import { ACCOUNT, buy, commit, fillReport, pnlResults, seed, sell, spotEngine } from "../../helpers/spot-funds.js";
import { Pnl, Quantity } from "../../../src/param/index.js";

describe("a product with a zero operand is 0 at scale 0 (rust_decimal mul_impl)", () => {
  it("values: 0.00 × 4 is 0", () => {
    expect(Pnl.fromString("0.00").mul(Quantity.fromString("4")).toString()).toBe("0");
  });

  it("SpotFunds: closing at an average of 100.00 publishes the account P&L line as delta 0, absolute 0 as OpenPit's", () => {
    const t = spotEngine();
    t.engine.accounts().setCurrency(ACCOUNT, "USD");
    seed(t.engine, "USD", "10000");
    commit(t.engine, buy("10", "100.00"));
    t.engine.applyExecutionReport(fillReport("BUY", "10", "100.00"));
    commit(t.engine, sell("10", "100.00"));
    const flat = t.engine.applyExecutionReport(fillReport("SELL", "4", "100.00"));
    expect(pnlResults(flat)).toEqual([{ kind: "value", delta: "0", absolute: "0" }]);
  });
});

describe("a quotient of a zero dividend is 0 at scale 0 (rust_decimal div_impl)", () => {
  it("values: 0.00 / 2 is 0; a volume of 0.00 at a price of 4 is a quantity of 0", async () => {
    const { Volume, Price } = await import("../../../src/param/index.js");
    expect(Pnl.fromString("0.00").div(Pnl.fromString("2")).toString()).toBe("0");
    expect(Volume.fromString("0.00").calculateQuantity(Price.fromString("4")).toString()).toBe("0");
  });
});
