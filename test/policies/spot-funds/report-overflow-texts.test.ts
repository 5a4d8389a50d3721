/**
 * Found by review (session 37): an execution report whose notional overflowed blocked with the
 * sidecar's own details ("fill notional overflow: … price …, quantity …", "release notional
 * overflow: … lock price …"), where OpenPit's are "fill notional volume overflow: asset …, px …,
 * qty …" (the trade price) and "settlement notional overflow: asset …, lock_px …, qty …" (the
 * lock price, on a fill and on a release; execution.rs @71ad2fc).
 */
import { describe, expect, it } from "vitest";
import { SpotFundsPolicy } from "../../../src/policies/spot-funds/index.js";
import { legDeltaOverflowBlock } from "../../../src/policies/spot-funds/rejects.js";
import { PositionSize } from "../../../src/param/index.js";
import { ACCOUNT, balanceAdjustment, cancelReport, entries, fillReport, report, seed, spotEngine } from "../../helpers/spot-funds.js";

const MAX = "79228162514264337593543950335";

function blocksOf(r: { accountBlocks: readonly { code: string; reason: string; details: string }[] }) {
  return r.accountBlocks.map((b) => [b.code, b.reason, b.details]);
}

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

  // Found by review (parity): one text of the sidecar's own ("execution report leg overflow:
  // asset …, held …, available …, incoming …") served all four; OpenPit's settle_fill_leg,
  // apply_fee_debit and release_leg each have theirs (execution.rs @71ad2fc).
  describe("a leg whose write overflows", () => {
    it("a fill's credit to available (consume + flow): 'fill balance credit overflow: asset, consume, flow'", () => {
      const { engine } = spotEngine(new SpotFundsPolicy());
      expect(engine.applyAccountAdjustment(ACCOUNT, [balanceAdjustment("AAPL", { held: ["abs", "1"] })]).ok).toBe(true);
      // A SELL at a lock of −MAX reserved MAX of USD held; the trade at +MAX flows MAX in.
      const result = engine.applyExecutionReport(fillReport("SELL", "1", MAX, { lockPrice: `-${MAX}` }));
      expect(blocksOf(result)).toEqual([
        ["ArithmeticOverflow", "arithmetic overflow", `fill balance credit overflow: asset USD, consume ${MAX}, flow ${MAX}`],
      ]);
    });

    it("a fill's slot write: 'fill leg mutation overflow: asset, consume, credit' (the slot is left as it was)", () => {
      const { engine, policy } = spotEngine(new SpotFundsPolicy());
      expect(engine.applyAccountAdjustment(ACCOUNT, [balanceAdjustment("AAPL", { balance: ["abs", MAX] }), balanceAdjustment("USD", { balance: ["abs", "10"] })]).ok).toBe(true);
      const result = engine.applyExecutionReport(fillReport("BUY", "1.0", "1"));
      expect(blocksOf(result)).toEqual([["ArithmeticOverflow", "arithmetic overflow", "fill leg mutation overflow: asset AAPL, consume 0, credit 1.0"]]);
      expect(policy.holdings(ACCOUNT).get("AAPL")?.available.toString()).toBe(MAX);
    });

    it("a fee debit: 'fee debit overflow: currency, fee' (the fee as reported)", () => {
      const { engine } = spotEngine(new SpotFundsPolicy());
      expect(engine.applyAccountAdjustment(ACCOUNT, [balanceAdjustment("EUR", { balance: ["abs", `-${MAX}`] })]).ok).toBe(true);
      const result = engine.applyExecutionReport(report({ side: "BUY", fee: ["1.50", "EUR"], leaves: "0", final: false }));
      expect(blocksOf(result)).toEqual([["ArithmeticOverflow", "arithmetic overflow", "fee debit overflow: currency EUR, fee 1.50"]]);
    });

    it("a fill's fee debit: the same fee text", () => {
      const { engine } = spotEngine(new SpotFundsPolicy());
      expect(engine.applyAccountAdjustment(ACCOUNT, [balanceAdjustment("EUR", { balance: ["abs", `-${MAX}`] }), balanceAdjustment("USD", { balance: ["abs", "10"] })]).ok).toBe(true);
      const result = engine.applyExecutionReport(fillReport("BUY", "1", "1", { fee: ["2", "EUR"] }));
      expect(blocksOf(result)).toEqual([["ArithmeticOverflow", "arithmetic overflow", "fee debit overflow: currency EUR, fee 2"]]);
    });

    it("a release: 'cancel release overflow: asset, held, incoming'", () => {
      const { engine } = spotEngine(new SpotFundsPolicy());
      expect(engine.applyAccountAdjustment(ACCOUNT, [balanceAdjustment("AAPL", { balance: ["abs", MAX], held: ["abs", "1"] })]).ok).toBe(true);
      const result = engine.applyExecutionReport(cancelReport("SELL", "1", "1"));
      expect(blocksOf(result)).toEqual([["ArithmeticOverflow", "arithmetic overflow", "cancel release overflow: asset AAPL, held 1, incoming 0"]]);
    });

    it("a buy release's underlying incoming: 'cancel release overflow: asset, held 0, incoming …'", () => {
      const { engine } = spotEngine(new SpotFundsPolicy());
      expect(engine.applyAccountAdjustment(ACCOUNT, [balanceAdjustment("AAPL", { incoming: ["abs", `-${MAX}`] })]).ok).toBe(true);
      const result = engine.applyExecutionReport(cancelReport("BUY", "2", "1"));
      expect(blocksOf(result)).toEqual([["ArithmeticOverflow", "arithmetic overflow", "cancel release overflow: asset AAPL, held 0, incoming 2"]]);
    });
  });
  // Found by review (parity): a leg's summed delta that overflowed blocked with a text of the
  // sidecar's own ("execution report outcome overflow: asset …"), checked balance first;
  // OpenPit's settle_fill_leg, apply_fee_debit and release_leg have a text per sum and check
  // held first, then incoming and balance (a fill) or balance and incoming (a release), the
  // sums before the one that overflowed staying in the leg's outcome (execution.rs @71ad2fc).
  describe("a leg whose summed delta overflows (the slot was written)", () => {
    const settlementEntry = (result: { accountAdjustments: readonly { entry: { asset: string } }[] }) =>
      (entries(result.accountAdjustments) as { asset: string }[]).find((e) => e.asset === "USD");

    it("a fill's fee on the settlement leg: 'fee balance delta overflow: currency, fee' (the fill's sums and slot stay in the outcome)", () => {
      const { engine, policy } = spotEngine(new SpotFundsPolicy());
      seed(engine, "USD", MAX);
      // The fill credits 1 − MAX (available MAX → 1); the fee debits MAX more (1 → 1 − MAX).
      const result = engine.applyExecutionReport(fillReport("BUY", "1", MAX, { lockPrice: "1", fee: [MAX, "USD"] }));
      expect(blocksOf(result)).toEqual([["ArithmeticOverflow", "arithmetic overflow", `fee balance delta overflow: currency USD, fee ${MAX}`]]);
      expect(settlementEntry(result)).toEqual({
        asset: "USD",
        balance: { delta: "-79228162514264337593543950334", absolute: "1" },
        held: { delta: "-1", absolute: "-1" },
      });
      expect(policy.holdings(ACCOUNT).get("USD")?.available.toString()).toBe("-79228162514264337593543950334");
    });

    it("a release's held: 'cancel held delta overflow: asset, release' (held is summed before balance)", () => {
      const { engine } = spotEngine(new SpotFundsPolicy());
      expect(engine.applyAccountAdjustment(ACCOUNT, [balanceAdjustment("USD", { balance: ["abs", `-${MAX}`], held: ["abs", MAX] })]).ok).toBe(true);
      // The fill consumes MAX of held, the release MAX more: held's sum −2·MAX overflows, and so would balance's.
      const result = engine.applyExecutionReport(report({ side: "BUY", qty: "1", price: "1", lockPrice: MAX, leaves: "1", final: true }));
      expect(blocksOf(result)).toEqual([["ArithmeticOverflow", "arithmetic overflow", `cancel held delta overflow: asset USD, release ${MAX}`]]);
      expect(settlementEntry(result)).toEqual({
        asset: "USD",
        balance: { delta: "79228162514264337593543950334", absolute: "-1" },
        held: { delta: `-${MAX}`, absolute: "0" },
      });
    });

    it("a release's balance: 'cancel balance delta overflow: asset, release' (held's sum stays in the outcome)", () => {
      const { engine } = spotEngine(new SpotFundsPolicy());
      seed(engine, "USD", `-${MAX}`);
      // A buy at −(MAX − 1) credits 1 + (MAX − 1) = MAX; the release's 1 more overflows.
      const result = engine.applyExecutionReport(report({ side: "BUY", qty: "1", price: "-79228162514264337593543950334", lockPrice: "1", leaves: "1", final: true }));
      expect(blocksOf(result)).toEqual([["ArithmeticOverflow", "arithmetic overflow", "cancel balance delta overflow: asset USD, release 1"]]);
      expect(settlementEntry(result)).toEqual({
        asset: "USD",
        balance: { delta: MAX, absolute: "0" },
        held: { delta: "-2", absolute: "-1" },
      });
    });

    it("a release's incoming: 'cancel incoming delta overflow: asset, release'", () => {
      const { engine } = spotEngine(new SpotFundsPolicy());
      expect(engine.applyAccountAdjustment(ACCOUNT, [balanceAdjustment("USD", { incoming: ["abs", MAX] }), balanceAdjustment("AAPL", { held: ["abs", "2"] })]).ok).toBe(true);
      // A sell at a lock of MAX projected MAX in; the fill drops it and the release MAX more.
      const result = engine.applyExecutionReport(report({ side: "SELL", qty: "1", price: "1", lockPrice: MAX, leaves: "1", final: true }));
      expect(blocksOf(result)).toEqual([["ArithmeticOverflow", "arithmetic overflow", `cancel incoming delta overflow: asset USD, release ${MAX}`]]);
      expect(settlementEntry(result)).toEqual({
        asset: "USD",
        balance: { delta: "1", absolute: "1" },
        incoming: { delta: `-${MAX}`, absolute: "0" },
      });
    });

    // A fill is the first move of its two legs in a report (OpenPit's apply_trade_fill too),
    // so its sums start at zero and cannot overflow: the texts, built directly.
    it("a fill's sums: 'fill held/incoming/balance delta overflow: asset, consume/incoming/credit'", () => {
      const v = (s: string) => PositionSize.fromString(s);
      const details = (field: "held" | "incoming" | "balance") =>
        legDeltaOverflowBlock("fill", field, "USD", v("1.5"), v("2"), v("-3"), v("0")).details;
      expect([details("held"), details("incoming"), details("balance")]).toEqual([
        "fill held delta overflow: asset USD, consume 1.5",
        "fill incoming delta overflow: asset USD, incoming 2",
        "fill balance delta overflow: asset USD, credit -3",
      ]);
    });
  });
});
