/**
 * Found by review (session 18). openpit-newer.md §C: DropCopyOperation finalization semantics. */
import { describe, expect, it } from "vitest";
import type { PreTradePolicy } from "../../src/engine/index.js";
import { ACCOUNT, engineWith, order, reject } from "../helpers/engine-core.js";
import { balanceAdjustment, buy, seed, spotEngine } from "../helpers/spot-funds.js";

describe("DropCopyOperation finalization (§C)", () => {
  it("rollback() is a no-op once committed", () => {
    const { engine } = engineWith([{ name: "P", performPreTradeCheck: () => undefined }]);
    const result = engine.applyDropCopy(order());
    if (!result.ok) throw new Error("expected an operation");
    result.operation.commit();
    expect(() => result.operation.rollback()).not.toThrow();
  });

  it("rollback() is a no-op once rolled back", () => {
    const { engine } = engineWith([{ name: "P", performPreTradeCheck: () => undefined }]);
    const result = engine.applyDropCopy(order());
    if (!result.ok) throw new Error("expected an operation");
    result.operation.rollback();
    expect(() => result.operation.rollback()).not.toThrow();
  });

  it("a second commit fails with 'drop-copy operation already consumed'", () => {
    const { engine } = engineWith([{ name: "P", performPreTradeCheck: () => undefined }]);
    const result = engine.applyDropCopy(order());
    if (!result.ok) throw new Error("expected an operation");
    result.operation.commit();
    expect(() => result.operation.commit()).toThrow(/drop-copy operation already consumed/);
  });

  it("commit after rollback fails with 'drop-copy operation already consumed'", () => {
    const { engine } = engineWith([{ name: "P", performPreTradeCheck: () => undefined }]);
    const result = engine.applyDropCopy(order());
    if (!result.ok) throw new Error("expected an operation");
    result.operation.rollback();
    expect(() => result.operation.commit()).toThrow(/drop-copy operation already consumed/);
  });
});

describe("DropCopyOperation block accessors (§C)", () => {
  it("already blocked: isAccountBlocked true, accountBlock undefined (not requested by this pipeline)", () => {
    const { engine } = engineWith([{ name: "P", performPreTradeCheck: () => undefined }]);
    engine.accounts().block(ACCOUNT, "ops");
    const result = engine.applyDropCopy(order());
    if (!result.ok) throw new Error("expected an operation");
    expect(result.isAccountBlocked).toBe(true);
    expect(result.operation.accountBlock).toBeUndefined();
    result.operation.commit();
  });

  it("two account-scope rejects: the first cause wins and is the operation's accountBlock", () => {
    const { engine } = engineWith([
      { name: "A", performPreTradeCheck: () => ({ rejects: [reject("Other", "first", "a", "account")] }) },
      { name: "B", performPreTradeCheck: () => ({ rejects: [reject("Other", "second", "b", "account")] }) },
    ]);
    const result = engine.applyDropCopy(order());
    if (!result.ok) throw new Error("expected an operation");
    expect(result.operation.accountBlock?.reason).toBe("first");
    expect(engine.accounts().blockOf(ACCOUNT)?.reason).toBe("first");
  });
});

// Found by review (session 28): the operation kept the drop-copy call's deferred sink, which
// nothing read after the call returned, so a block its commit or rollback raised was lost.
// openpit-semantics.md §1.13 counts "policy calls to ctx.account_control.block() (e.g. from a
// rollback closure that overflowed)" among the sources of a block.
describe("DropCopyOperation: a block raised by its commit or rollback", () => {
  // A new instance per engine: the twin stands for a restarted process, and an instance
  // belongs to one engine (EngineBuildError PolicyInAnotherEngine; review, session 34).
  const blockOnRollback = (): PreTradePolicy => ({
    name: "RollbackBlocker",
    performPreTradeCheck: (ctx, _order, mutations) => {
      mutations.push({
        commit: () => {},
        rollback: () => ctx.accountControl.block(ACCOUNT, { code: "ArithmeticOverflow", reason: "rollback overflow", details: "raised in rollback" }),
        record: {},
      });
      return undefined;
    },
    restoreMutation: (_record, control) => ({
      commit: () => {},
      rollback: () => control.block(ACCOUNT, { code: "ArithmeticOverflow", reason: "rollback overflow", details: "raised in rollback" }),
    }),
  });

  it("is recorded, as a reservation's is and as the restored operation's is", () => {
    const live = engineWith([blockOnRollback()]).engine;
    const result = live.applyDropCopy(order());
    if (!result.ok) throw new Error("expected an operation");
    const twin = engineWith([blockOnRollback()]).engine;
    twin.restoreReservation(result.operation.toData()).rollback();
    result.operation.rollback();
    for (const engine of [live, twin]) {
      expect(engine.accounts().blockOf(ACCOUNT)).toMatchObject({ code: "ArithmeticOverflow", reason: "rollback overflow", policy: "RollbackBlocker" });
    }
  });

  it("records SpotFunds' rollback overflow", () => {
    const { engine } = spotEngine();
    seed(engine, "USD", "10");
    const result = engine.applyDropCopy(buy("1", "1"));
    if (!result.ok) throw new Error("expected an operation");
    const max = "79228162514264337593543950335";
    expect(engine.applyAccountAdjustment(ACCOUNT, [balanceAdjustment("USD", { balance: ["abs", max] })]).ok).toBe(true);
    result.operation.rollback();
    const block = engine.accounts().blockOf(ACCOUNT);
    expect([block?.reason, block?.details]).toEqual([
      "rollback overflow: slot left inconsistent",
      `hold rollback overflow: asset USD, held 1, incoming 0, slot Holdings { available: PositionSize(${max}), held: PositionSize(1), ` +
        "incoming: PositionSize(0), avg_entry_price: None, realized_pnl: None }",
    ]);
  });
});
