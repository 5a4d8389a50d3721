/** SpotFunds' newer admission rules: zero-price Volume orders (§F), drop-copy without a price (§G), drop-copy acceptance C2/C3. */
import { describe, expect, it } from "vitest";
import { ACCOUNT, buy, seed, slot, spotEngine, spotOrder } from "../../helpers/spot-funds.js";

const ZERO_PRICE_VOLUME = {
  policy: "SpotFundsPolicy",
  code: "OrderValueCalculationFailed",
  reason: "price calculation failed",
  details: "price or volume could not be used to evaluate order quantity",
  scope: "order",
};

describe("zero-price Volume orders (§F)", () => {
  it("are refused in normal admission and in dry run; drop-copy keeps the empty leg; a Quantity buy at 0 still passes", () => {
    const { engine, policy } = spotEngine();
    seed(engine, "USD", "100");
    const volumeAtZero = spotOrder({ side: "BUY", volume: "10", price: "0" });
    expect(engine.executePreTrade(volumeAtZero).rejects).toEqual([ZERO_PRICE_VOLUME]);
    expect(engine.executePreTradeDryRun(volumeAtZero).rejects).toEqual([ZERO_PRICE_VOLUME]);
    expect(engine.executePreTradeDryRun(spotOrder({ side: "SELL", volume: "10", price: "0" })).rejects).toEqual([ZERO_PRICE_VOLUME]);

    const drop = engine.applyDropCopy(volumeAtZero);
    if (!drop.ok) throw new Error(JSON.stringify(drop.rejects));
    expect(drop.operation.accountAdjustments).toEqual([]);
    drop.operation.commit();
    expect(slot(policy, "AAPL")).toEqual({ available: "0", held: "0", incoming: "0" });

    const quantity = engine.executePreTrade(buy("10", "0"));
    if (!quantity.ok) throw new Error(JSON.stringify(quantity.rejects));
    quantity.reservation.commit();
    expect(slot(policy, "USD")).toEqual({ available: "100", held: "0", incoming: "0" });
    expect(slot(policy, "AAPL").incoming).toBe("10");
  });
});

describe("SpotFunds drop-copy (§C, §G)", () => {
  it("C2: a drop-copy without funds is tracked: USD held 2, available -2, not blocked", () => {
    const { engine, policy } = spotEngine();
    const result = engine.applyDropCopy(buy("2", "1"));
    if (!result.ok) throw new Error(JSON.stringify(result.rejects));
    expect(result.isAccountBlocked).toBe(false);
    result.operation.commit();
    expect(slot(policy, "USD")).toEqual({ available: "-2", held: "2", incoming: "0" });
    expect(engine.accounts().blockOf(ACCOUNT)).toBeUndefined();
  });

  it("C3/G: a drop-copy market order fails as a whole with MissingRequiredField, and nothing changes", () => {
    const { engine, policy } = spotEngine();
    seed(engine, "USD", "100");
    expect(engine.applyDropCopy(buy("2", null))).toEqual({
      ok: false,
      rejects: [
        {
          policy: "SpotFundsPolicy",
          code: "MissingRequiredField",
          reason: "limit price is required for drop-copy",
          details: "historical market orders cannot be valued at the current market price",
          scope: "order",
        },
      ],
    });
    expect(slot(policy, "USD")).toEqual({ available: "100", held: "0", incoming: "0" });
    expect(engine.accounts().blockOf(ACCOUNT)).toBeUndefined();
  });
});
