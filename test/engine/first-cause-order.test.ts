/**
 * Found by review (session 39, openpit-newer §C and §E): the account's first cause is the
 * first block in time, as OpenPit records them.
 * - A rejected execute whose rollback fails: OpenPit rolls back first (arming the kill switch,
 *   §E), then records the policy's account-scope block ("a rollback failure therefore keeps
 *   its account-scoped cause"). The engine latched the policy's block first, which hid the
 *   failure. The call still throws PolicyCallbackError.
 * - A drop copy's start stage: each policy's account-scope reject is recorded as soon as it
 *   returns; recorded after the whole stage, it lost to a later policy's direct block.
 */
import { describe, expect, it } from "vitest";
import { PolicyCallbackError, type PreTradePolicy } from "../../src/engine/index.js";
import { ACCOUNT, engineWith, order, reject } from "../helpers/engine-core.js";

const builtInFailingRollback = (): PreTradePolicy =>
  ({
    name: "BuiltIn",
    builtIn: true,
    performPreTradeCheck: (_ctx, _o, m) => {
      m.push(
        () => undefined,
        () => {
          throw new Error("disk full");
        },
      );
      return undefined;
    },
  }) as PreTradePolicy;

const accountScopeReject = (): PreTradePolicy => ({
  name: "AccountReject",
  performPreTradeCheck: () => ({ rejects: [reject("Other", "account scope reject", "policy latches the account", "account")] }),
});

const KILL_SWITCH = { policy: "Engine", code: "SystemUnavailable", reason: "mutation callback failed", details: "rollback callback of policy BuiltIn failed: disk full" };

describe("the first cause of an account's block", () => {
  it("a rejected execute whose built-in rollback fails keeps the kill switch as the cause, then throws", () => {
    const { engine } = engineWith([builtInFailingRollback(), accountScopeReject()]);
    expect(() => engine.executePreTrade(order())).toThrow(PolicyCallbackError);
    expect(engine.accounts().blockOf(ACCOUNT)).toEqual(KILL_SWITCH);
  });

  it("so does a started request rejected at execute", () => {
    const { engine } = engineWith([builtInFailingRollback(), accountScopeReject()]);
    const started = engine.startPreTrade(order());
    if (!started.ok) throw new Error("start should pass");
    expect(() => started.request.execute()).toThrow(PolicyCallbackError);
    expect(engine.accounts().blockOf(ACCOUNT)).toEqual(KILL_SWITCH);
  });

  it("without a failing rollback the policy's account-scope block is latched as before", () => {
    const { engine } = engineWith([accountScopeReject()]);
    expect(engine.executePreTrade(order()).ok).toBe(false);
    expect(engine.accounts().blockOf(ACCOUNT)).toMatchObject({ policy: "AccountReject", code: "AccountBlocked", reason: "account scope reject" });
  });

  it("a drop copy: an earlier start policy's account-scope reject wins over a later policy's direct block", () => {
    const { engine } = engineWith([
      { name: "First", checkPreTradeStart: () => [reject("Other", "first cause", "raised by the first policy", "account")] },
      {
        name: "Second",
        checkPreTradeStart: (ctx) => {
          ctx.accountControl.block(ACCOUNT, { code: "AccountBlocked", reason: "second cause", details: "raised by the second policy" } as never);
          return undefined;
        },
      },
    ]);
    const result = engine.applyDropCopy(order());
    if (!result.ok) throw new Error(JSON.stringify(result.rejects));
    expect(result.operation.accountBlock).toMatchObject({ policy: "First", reason: "first cause" });
    expect(engine.accounts().blockOf(ACCOUNT)).toMatchObject({ policy: "First", reason: "first cause" });
    result.operation.commit();
  });
});
