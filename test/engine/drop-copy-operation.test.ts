/**
 * Found by review (session 18). openpit-newer.md §C: DropCopyOperation finalization semantics. */
import { describe, expect, it } from "vitest";
import { ACCOUNT, engineWith, order, reject } from "../helpers/engine-core.js";

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
