/**
 * Found by review (session 38): SpotFunds outcomes took the wider scale of a zero operand where
 * OpenPit's rust_decimal gives the other operand as it is (a leg's balance sum that went through
 * 0.0 then +10 read 10.0), and a lock price of 0.00 consumed "0.00" where OpenPit's
 * `non_negative` (`max(value, ZERO)`, the second argument on a tie) gives ZERO.
 */
import { describe, expect, it } from "vitest";
import { PositionSize } from "../../../src/param/index.js";
import { SpotFundsPolicy } from "../../../src/policies/spot-funds/index.js";
import { atLeastZero } from "../../../src/policies/spot-funds/holdings-store.js";
import { ACCOUNT, balanceAdjustment, entries, report, spotEngine } from "../../helpers/spot-funds.js";

const entryOf = (result: { accountAdjustments: readonly { entry: { asset: string } }[] }, asset: string) =>
  (entries(result.accountAdjustments) as { asset: string; balance?: { delta: string; absolute: string } }[]).find((e) => e.asset === asset);

describe("SpotFunds sums with a zero operand, as OpenPit's", () => {
  it("a BUY settlement leg whose balance sum went through 0.0 (credit 1, fee 1.0) then a release of 10: balance delta 10", () => {
    const { engine } = spotEngine(new SpotFundsPolicy());
    expect(engine.applyAccountAdjustment(ACCOUNT, [balanceAdjustment("USD", { balance: ["abs", "100"], held: ["abs", "20"] })]).ok).toBe(true);
    // Lock 10, a trade of 1 at 9: credit 10 − 9 = 1; the fee: 1 + −1.0 = 0.0; the release of 1 at 10: 0.0 + 10.
    const result = engine.applyExecutionReport(report({ side: "BUY", qty: "1", price: "9", lockPrice: "10", fee: ["1.0", "USD"], leaves: "1", final: true }));
    expect(result.accountBlocks).toEqual([]);
    expect(entryOf(result, "USD")?.balance).toEqual({ delta: "10", absolute: "110.0" });
  });

  it("a BUY locked at 0.00 filled at -1 (paid 2): the settlement is credited 2, not 2.00", () => {
    const { engine, policy } = spotEngine(new SpotFundsPolicy());
    expect(engine.applyAccountAdjustment(ACCOUNT, [balanceAdjustment("USD", { balance: ["abs", "10"] })]).ok).toBe(true);
    const result = engine.applyExecutionReport(report({ side: "BUY", qty: "2", price: "-1", lockPrice: "0.00", leaves: "0" }));
    expect(entryOf(result, "USD")?.balance).toEqual({ delta: "2", absolute: "12" });
    expect(policy.holdings(ACCOUNT).get("USD")?.available.toString()).toBe("12");
  });

  it("max(x, 0) of a zero is ZERO at scale 0; of a positive x, x itself", () => {
    expect([atLeastZero(PositionSize.fromString("0.00")), atLeastZero(PositionSize.fromString("-1.5")), atLeastZero(PositionSize.fromString("2.50"))].map(String)).toEqual(["0", "0", "2.50"]);
  });
});
