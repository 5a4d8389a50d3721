/**
 * OpenPit's reworked drop-copy (`apply_drop_copy`, openpit-newer.md §C), the evaluation-failure
 * classification (§D) and the mutation-finalizer contract (§E).
 */
import { describe, expect, it } from "vitest";
import { DropCopyRefusedError, PolicyCallbackError, type PreTradePolicy } from "../../src/engine/index.js";
import { isEvaluationFailure, REJECT_CODES, type RejectCode } from "../../src/model/index.js";
import { ACCOUNT, CallLog, engineWith, order, OTHER_ACCOUNT, reject } from "../helpers/engine-core.js";

const FATAL: readonly RejectCode[] = [
  "MissingRequiredField",
  "UnknownInstrument",
  "UnknownAccount",
  "UnknownVenue",
  "UnknownClearingAccount",
  "UnknownCollateralAsset",
  "RiskConfigurationMissing",
  "ReferenceDataUnavailable",
  "OrderValueCalculationFailed",
  "SystemUnavailable",
  "MarkPriceUnavailable",
  "ArithmeticOverflow",
];

/** A custom policy whose mutation's commit or rollback throws. */
function throwing(step: "commit" | "rollback", log: CallLog, main?: PreTradePolicy["performPreTradeCheck"]): PreTradePolicy {
  return {
    name: "Custom",
    performPreTradeCheck: (ctx, o, m) => {
      m.push(
        () => {
          log.add("Custom.commit");
          if (step === "commit") throw new Error("disk full");
        },
        () => {
          log.add("Custom.rollback");
          if (step === "rollback") throw new Error("disk full");
        },
      );
      return main?.(ctx, o, m);
    },
  };
}

describe("RejectCode.isEvaluationFailure (§D)", () => {
  it("is true for exactly the twelve evaluation failures", () => {
    const all = Object.keys(REJECT_CODES) as RejectCode[];
    expect(all.filter(isEvaluationFailure)).toEqual(FATAL);
    for (const code of ["InvalidFieldFormat", "InvalidFieldValue", "InsufficientFunds", "PositionLimitExceeded", "PnlKillSwitchTriggered", "AccountBlocked", "AccountAdjustmentBoundsExceeded", "Custom", "Other"] as const) {
      expect(isEvaluationFailure(code)).toBe(false);
    }
  });
});

describe("applyDropCopy (§C)", () => {
  it("C1: an unreadable account is refused before any policy runs", () => {
    const log = new CallLog();
    const { engine } = engineWith([{ name: "P", checkPreTradeStart: () => void log.add("P.start") }]);
    expect(engine.applyDropCopy(order({ account: null }))).toEqual({
      ok: false,
      rejects: [
        {
          policy: "Engine",
          code: "MissingRequiredField",
          reason: "drop-copy requires a readable account ID",
          details: "the account ID routes the drop-copy pipeline and its account control",
          scope: "order",
        },
      ],
    });
    expect(log.calls).toEqual([]);
  });

  it("a fatal start-stage reject: the main stage does not run, deferred blocks are abandoned, only the fatal rejects return", () => {
    const log = new CallLog();
    const { engine } = engineWith([
      { name: "Blocker", checkPreTradeStart: () => [reject("PnlKillSwitchTriggered", "pnl", "breach", "account")] },
      { name: "Broken", checkPreTradeStart: () => [reject("ReferenceDataUnavailable", "no data", "reference data missing")] },
      { name: "Main", performPreTradeCheck: () => void log.add("Main.main") },
    ]);
    const result = engine.applyDropCopy(order());
    expect(result.ok).toBe(false);
    expect(result.rejects).toEqual([
      { policy: "Broken", code: "ReferenceDataUnavailable", reason: "no data", details: "reference data missing", scope: "order" },
    ]);
    expect(log.calls).toEqual([]);
    expect(engine.accounts().blockOf(ACCOUNT)).toBeUndefined();
  });

  it("a fatal main-stage reject rolls back every main mutation; non-fatal rejects are discarded", () => {
    const log = new CallLog();
    const { engine } = engineWith([
      { name: "A", performPreTradeCheck: (_c, _o, m) => void m.push(() => log.add("A.commit"), () => log.add("A.rollback")) },
      { name: "B", performPreTradeCheck: () => ({ rejects: [reject("InsufficientFunds", "funds", "not fatal")] }) },
      {
        name: "C",
        performPreTradeCheck: (_c, _o, m) => {
          m.push(() => log.add("C.commit"), () => log.add("C.rollback"));
          return { rejects: [reject("ArithmeticOverflow", "overflow", "fatal")] };
        },
      },
    ]);
    const result = engine.applyDropCopy(order());
    expect(result.rejects).toEqual([{ policy: "C", code: "ArithmeticOverflow", reason: "overflow", details: "fatal", scope: "order" }]);
    expect(log.calls).toEqual(["C.rollback", "A.rollback"]);
    expect(() => engine.executePreTradeDropCopy(order())).toThrow(DropCopyRefusedError);
  });

  it("a failing compensation appends Engine SystemUnavailable and arms the kill switch (custom policy: global)", () => {
    const log = new CallLog();
    const { engine } = engineWith([
      throwing("rollback", log, () => ({ rejects: [reject("MissingRequiredField", "missing", "no price")] })),
    ]);
    const result = engine.applyDropCopy(order());
    expect(result.rejects).toEqual([
      { policy: "Custom", code: "MissingRequiredField", reason: "missing", details: "no price", scope: "order" },
      {
        policy: "Engine",
        code: "SystemUnavailable",
        reason: "mutation callback failed",
        details: "rollback callback of policy Custom failed: disk full",
        scope: "order",
      },
    ]);
    // Every account meets the block on its next request.
    expect(engine.executePreTrade(order({ account: OTHER_ACCOUNT })).rejects).toEqual([
      {
        policy: "Engine",
        code: "SystemUnavailable",
        reason: "mutation callback failed",
        details: "rollback callback of policy Custom failed: disk full",
        scope: "account",
      },
    ]);
  });

  it("success: non-fatal rejects keep their effects, blocks are applied before returning, isAccountBlocked says so", () => {
    const { engine } = engineWith([
      { name: "Blocker", performPreTradeCheck: () => ({ rejects: [reject("PnlKillSwitchTriggered", "pnl", "breach", "account")] }) },
    ]);
    const result = engine.applyDropCopy(order());
    if (!result.ok) throw new Error("expected an operation");
    expect(result.isAccountBlocked).toBe(true);
    expect(result.operation.accountBlock).toMatchObject({ policy: "Blocker", code: "AccountBlocked", reason: "pnl" });
    expect(engine.accounts().blockOf(ACCOUNT)).toMatchObject({ policy: "Blocker" });
    result.operation.commit();
    expect(() => result.operation.commit()).toThrow(/drop-copy operation already consumed/);
    const again = engine.applyDropCopy(order());
    expect(again.ok && again.isAccountBlocked).toBe(true);
  });
});

describe("mutation-finalizer contract (§E)", () => {
  it("a custom policy's failing commit blocks every account, and is still reported", () => {
    const log = new CallLog();
    const { engine } = engineWith([throwing("commit", log)]);
    const result = engine.executePreTrade(order());
    if (!result.ok) throw new Error("expected a reservation");
    expect(() => result.reservation.commit()).toThrow(PolicyCallbackError);
    expect(engine.accounts().blockOf(OTHER_ACCOUNT)).toEqual({
      policy: "Engine",
      code: "SystemUnavailable",
      reason: "mutation callback failed",
      details: "commit callback of policy Custom failed: disk full",
    });
  });

  it("a custom policy's failing rollback (engine-side, on a reject) blocks every account", () => {
    const log = new CallLog();
    const { engine } = engineWith([throwing("rollback", log, () => ({ rejects: [reject("Other", "no", "refused")] }))]);
    expect(() => engine.executePreTrade(order())).toThrow(PolicyCallbackError);
    expect(engine.accounts().blockOf(OTHER_ACCOUNT)?.reason).toBe("mutation callback failed");
  });

  it("a built-in's failing commit blocks only its account", () => {
    const log = new CallLog();
    const builtIn = { ...throwing("commit", log), name: "BuiltIn", builtIn: true };
    const { engine } = engineWith([builtIn]);
    const result = engine.executePreTrade(order());
    if (!result.ok) throw new Error("expected a reservation");
    expect(() => result.reservation.commit()).toThrow(PolicyCallbackError);
    expect(engine.accounts().blockOf(ACCOUNT)?.details).toBe("commit callback of policy BuiltIn failed: disk full");
    expect(engine.accounts().blockOf(OTHER_ACCOUNT)).toBeUndefined();
  });

  it("adjustment batch: a failing commit is recorded before the policy-reported blocks, so it wins", () => {
    const { engine } = engineWith([
      {
        name: "Adj",
        builtIn: true,
        applyAccountAdjustment: (_c, _a, _adj, m) => {
          m.push(() => {
            throw new Error("commit broke");
          }, undefined);
          return { accountBlocks: [{ code: "Other", reason: "policy block", details: "later" }] };
        },
      },
    ]);
    expect(() => engine.applyAccountAdjustment(ACCOUNT, [{ operation: { kind: "accountPnl", state: { kind: "halted", reason: "MissingFx" } } } as never])).toThrow(
      PolicyCallbackError,
    );
    expect(engine.accounts().blockOf(ACCOUNT)?.details).toBe("commit callback of policy Adj failed: commit broke");
  });
});
