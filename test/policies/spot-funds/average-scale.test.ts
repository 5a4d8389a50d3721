/**
 * Found by review (session 18): adding to a position at a price equal to the average skips the weighted
 * average and keeps the old average's text. Spec §2.5 defines the re-weight as
 * (owned·avg + Δ·price) / (owned + Δ) and §3.5 says decimal output keeps the operand scale
 * (rust_decimal: 1500.00 / 15 = 100.00). Buying 10 @ 100 then 5 @ 100.00 must report an
 * average of "100.00", as the formula gives; the shortcut reports "100".
 */
import { describe, expect, it } from "vitest";
import { Price, PositionSize } from "../../../src/param/index.js";
import { ACCOUNT, buy, commit, entries, fillReport, seed, spotEngine } from "../../helpers/spot-funds.js";

describe("SpotFunds: average entry price text follows the re-weight formula", () => {
  it("the formula itself gives 100.00 for 10 @ 100 + 5 @ 100.00", () => {
    const avg = Price.fromString("100");
    const price = Price.fromString("100.00");
    const owned = PositionSize.fromString("10");
    const delta = PositionSize.fromString("5");
    expect(avg.mul(owned).add(price.mul(delta)).div(owned.add(delta)).toString()).toBe("100.00");
  });

  it("a same-direction fill at the average price reports the re-weighted average (scale kept)", () => {
    const { engine, policy } = spotEngine();
    seed(engine, "USD", "100000");
    engine.accounts().setCurrency(ACCOUNT, "USD");
    commit(engine, buy("10", "100"));
    engine.applyExecutionReport(fillReport("BUY", "10", "100"));
    commit(engine, buy("5", "100.00"));
    const added = engine.applyExecutionReport(fillReport("BUY", "5", "100.00"));
    expect(entries(added.accountAdjustments)[0]).toMatchObject({ asset: "AAPL", averageEntryPrice: "100.00" });
    expect(policy.holdings(ACCOUNT).get("AAPL")?.averageEntryPrice?.toString()).toBe("100.00");
  });

  it("the shortcut for a fill at the average (same scale) gives exactly what the formula gives", () => {
    // Why the shortcut is kept at equal scales: the formula's quotient then has the
    // average's own scale. Checked over scales of the price, the position and the fill.
    for (const text of ["100", "185.25", "0.001", "-3.5", "12345.678901"]) {
      for (const pad of ["", "0", "000"]) {
        const v = text.includes(".") || pad === "" ? text + pad : `${text}.${pad}`;
        const avg = Price.fromString(v);
        for (const [o, d] of [["10", "5"], ["0.5", "7"], ["120", "0.125"], ["3.33", "1.001"]]) {
          const owned = PositionSize.fromString(o!);
          const delta = PositionSize.fromString(d!);
          expect(avg.mul(owned).add(avg.mul(delta)).div(owned.add(delta)).toString(), `${v} ${o} ${d}`).toBe(avg.toString());
        }
      }
    }
  });
});
