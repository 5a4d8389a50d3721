/**
 * Found by review (session 37): a rolled-back hold gave an untouched slot its previous value
 * back ("1000"), where OpenPit's register_hold_rollback always applies the inverse deltas
 * (999.50 + 0.50 = "1000.00"); and a rollback that overflowed blocked with the generic
 * "arithmetic overflow" texts instead of OpenPit's record_rollback_overflow ones
 * (rollback.rs @71ad2fc).
 */
import { describe, expect, it } from "vitest";
import type { Engine, PreTradePolicy } from "../../../src/engine/index.js";
import { SpotFundsPolicy } from "../../../src/policies/spot-funds/index.js";
import { ACCOUNT, balanceAdjustment, buy, entries, seed, slot, spotEngine } from "../../helpers/spot-funds.js";

describe("SpotFunds hold rollback: OpenPit's inverse deltas", () => {
  it("a rolled-back hold leaves available with the scale decimal arithmetic gives (1000.00), as every later outcome shows", () => {
    const { engine, policy } = spotEngine(new SpotFundsPolicy());
    seed(engine, "USD", "1000");
    const first = engine.executePreTrade(buy("1", "0.50"));
    expect(first.ok).toBe(true);
    if (!first.ok) return;
    expect(slot(policy, "USD")).toEqual({ available: "999.50", held: "0.50", incoming: "0" });
    first.reservation.rollback();
    expect(slot(policy, "USD")).toEqual({ available: "1000.00", held: "0.00", incoming: "0" });
    const next = engine.executePreTrade(buy("1", "1"));
    expect(next.ok).toBe(true);
    if (!next.ok) return;
    expect(entries(next.reservation.accountAdjustments)[0]).toEqual({
      asset: "USD",
      balance: { delta: "-1", absolute: "999.00" },
      // held 0.00 + 1: rust_decimal gives the other operand when one is zero, so 1, not 1.00
      // (found by review, session 38).
      held: { delta: "1", absolute: "1" },
    });
  });

  it("a hold rollback that overflows leaves the slot and blocks with OpenPit's texts", () => {
    const { engine, policy } = spotEngine(new SpotFundsPolicy());
    seed(engine, "USD", "1000");
    const r = engine.executePreTrade(buy("10", "100"));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    // A deposit brings available to the top of the decimal range while the order is open.
    expect(engine.applyAccountAdjustment(ACCOUNT, [balanceAdjustment("USD", { balance: ["abs", "79228162514264337593543950335"] })]).ok).toBe(true);
    r.reservation.rollback();
    expect(slot(policy, "USD")).toEqual({ available: "79228162514264337593543950335", held: "1000", incoming: "0" });
    const block = engine.accounts().blockOf(ACCOUNT);
    expect([block?.policy, block?.code, block?.reason, block?.details]).toEqual([
      "SpotFundsPolicy",
      "ArithmeticOverflow",
      "rollback overflow: slot left inconsistent",
      "hold rollback overflow: asset USD, held 1000, incoming 0, slot Holdings { available: PositionSize(79228162514264337593543950335), " +
        "held: PositionSize(1000), incoming: PositionSize(0), avg_entry_price: None, realized_pnl: None }",
    ]);
  });
});

// Found by review (parity): an account adjustment's rollback that overflowed blocked with a text
// of the sidecar's own ("arithmetic overflow", "account adjustment rollback overflow: asset USD");
// OpenPit's register_adjustment_rollback records "rollback overflow: slot left inconsistent" with
// the forward deltas and the slot (rollback.rs @71ad2fc).
describe("SpotFunds account-adjustment rollback overflow", () => {
  it("leaves the slot and blocks with OpenPit's texts", () => {
    const MAX = "79228162514264337593543950335";
    let engine: Engine | undefined;
    let inner = false;
    // After SpotFunds in the batch: brings USD to the top of the range (an adjustment of its
    // own, committed), then refuses the outer one, so SpotFunds undoes −5 on MAX.
    const refuser: PreTradePolicy = {
      name: "Refuser",
      applyAccountAdjustment: () => {
        if (inner) return undefined;
        inner = true;
        expect(engine!.applyAccountAdjustment(ACCOUNT, [balanceAdjustment("USD", { balance: ["abs", MAX] })]).ok).toBe(true);
        return { rejects: [{ code: "Other", reason: "refused", details: "after the deposit", scope: "account" }] };
      },
    };
    const built = spotEngine(new SpotFundsPolicy(), [refuser]);
    engine = built.engine;
    inner = true;
    seed(engine, "USD", "10");
    inner = false;
    expect(engine.applyAccountAdjustment(ACCOUNT, [balanceAdjustment("USD", { balance: ["delta", "-5"] })]).ok).toBe(false);
    expect(slot(built.policy, "USD")).toEqual({ available: MAX, held: "0", incoming: "0" });
    const block = engine.accounts().blockOf(ACCOUNT);
    expect([block?.policy, block?.code, block?.reason, block?.details]).toEqual([
      "SpotFundsPolicy",
      "ArithmeticOverflow",
      "rollback overflow: slot left inconsistent",
      `adjustment rollback overflow: asset USD, available_delta -5, held_delta 0, incoming_delta 0, slot Holdings { available: PositionSize(${MAX}), ` +
        "held: PositionSize(0), incoming: PositionSize(0), avg_entry_price: None, realized_pnl: None }",
    ]);
  });
});
