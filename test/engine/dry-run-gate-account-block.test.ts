/**
 * Found by review (session 18).
 * openpit-semantics.md §1.9: "The blocked-accounts gate applies (a blocked account is
 * reported rejected)" and "A would-be account block is reported" — the would-be block is
 * what the dry-run pipeline *would record*. An account that is already blocked is
 * rejected by the gate before any policy runs; nothing would be recorded, so the report's
 * account block must be empty (OpenPit 71ad2fc engine.rs start/execute_pre_trade_dry_run:
 * `PreTradeDryRunReport::new(Some(rejects), PreTradeLock::new(), Vec::new(), None)`).
 */
import { describe, expect, it } from "vitest";
import { OrderValidationPolicy } from "../../src/policies/index.js";
import { ACCOUNT, engineWith, order } from "../helpers/start-policies.js";

describe("dry run on an already-blocked account", () => {
  it("executePreTradeDryRun: rejected by the gate, no would-be account block", () => {
    const { engine } = engineWith(new OrderValidationPolicy());
    engine.accounts().block(ACCOUNT, "operator halt");
    const report = engine.executePreTradeDryRun(order());
    expect(report.isPass).toBe(false);
    expect(report.rejects[0]).toMatchObject({ policy: "Engine", reason: "operator halt" });
    expect(report.accountBlock).toBeUndefined();
  });

  it("startPreTradeDryRun: rejected by the gate, no would-be account block", () => {
    const { engine } = engineWith(new OrderValidationPolicy());
    engine.accounts().block(ACCOUNT, "operator halt");
    const report = engine.startPreTradeDryRun(order());
    expect(report.isPass).toBe(false);
    expect(report.accountBlock).toBeUndefined();
  });
});
