/**
 * Found by review (session 18).
 * openpit-semantics.md §1.3 step 4 / §1.5 step 4: the first account-scope reject is latched
 * as an engine block; §1.10: a block that cannot be tied to an account id becomes the
 * global block ("account is blocked due to kill-switch"). OpenPit 71ad2fc does both through
 * the same `BlockedAccounts::record(&order, block)`: for an order with no readable account
 * id it calls `block_all()` (core/engine.rs start_pre_trade / execute_pre_trade_request,
 * core/account_control.rs `record`). The TS engine silently drops the latch instead.
 */
import { describe, expect, it } from "vitest";
import type { PreTradePolicy } from "../../src/engine/index.js";
import { OTHER_ACCOUNT, engineWith, onlyReject, order, submit } from "../helpers/start-policies.js";

const accountScoped = (hook: "checkPreTradeStart" | "performPreTradeCheck"): PreTradePolicy =>
  ({
    name: "AcctScope",
    [hook]: () => {
      const rejects = [{ code: "RiskLimitExceeded", reason: "r", details: "d", scope: "account" }];
      return hook === "checkPreTradeStart" ? rejects : { rejects };
    },
  }) as unknown as PreTradePolicy;

const GLOBAL = { policy: "Engine", reason: "account is blocked due to kill-switch", details: "kill-switch was previously triggered for this account" };

describe("account-scope reject on an order without account id", () => {
  it("start stage: latches the global block", () => {
    const { engine } = engineWith(accountScoped("checkPreTradeStart"));
    expect(submit(engine, order({ account: null })).ok).toBe(false);
    expect(engine.accounts().globalBlock).toBeDefined();
    expect(onlyReject(submit(engine, order({ account: OTHER_ACCOUNT })))).toMatchObject(GLOBAL);
  });

  it("main stage: latches the global block", () => {
    const { engine } = engineWith(accountScoped("performPreTradeCheck"));
    expect(submit(engine, order({ account: null })).ok).toBe(false);
    expect(engine.accounts().globalBlock).toBeDefined();
    expect(onlyReject(submit(engine, order({ account: OTHER_ACCOUNT })))).toMatchObject(GLOBAL);
  });
});
