/** Engine.retireAccount (openpit-newer.md §B): acceptance scenarios B.4 1-6, refusal collection, rollback and texts. */
import { describe, expect, it } from "vitest";
import { ACCOUNT_RETIREMENT_REFUSAL_TEXTS, type PreTradePolicy } from "../../src/engine/index.js";
import { PnlState } from "../../src/model/index.js";
import { AccountGroupId, Pnl, Quantity } from "../../src/param/index.js";
import { defaultSpotFundsSettings, setPositionLimit, SpotFundsPolicy } from "../../src/policies/spot-funds/index.js";
import { PnlBoundsKillSwitchPolicy } from "../../src/policies/pnl-bounds-kill-switch/index.js";
import { RateLimitPolicy } from "../../src/policies/rate-limit/index.js";
import { accountPnlAdjustment, ACCOUNT, buy, seed, slot, spotEngine } from "../helpers/spot-funds.js";
import { CallLog } from "../helpers/engine-core.js";

const GROUP = AccountGroupId.fromU32(7);

describe("Engine.retireAccount (B.4)", () => {
  it("1: SpotFunds refuses an account holding funds; nothing is removed", () => {
    const { engine, policy } = spotEngine();
    seed(engine, "USD", "10");
    expect(engine.retireAccount(ACCOUNT)).toEqual({
      ok: false,
      error: "Refused",
      message: "account retirement refused by one or more policies",
      refusals: [{ policy: "SpotFundsPolicy", refusal: "NonZeroState" }],
    });
    expect(slot(policy, "USD").available).toBe("10");
  });

  it("2: at zero it retires: holdings gone, no currency, no group", () => {
    const { engine, policy } = spotEngine();
    seed(engine, "USD", "10");
    engine.accounts().setCurrency(ACCOUNT, "USD");
    engine.accounts().registerGroup([ACCOUNT], GROUP);
    seed(engine, "USD", "0");
    expect(engine.retireAccount(ACCOUNT)).toEqual({ ok: true });
    expect(policy.holdings(ACCOUNT).size).toBe(0);
    expect(engine.accounts().currencyOf(ACCOUNT)).toBeUndefined();
    expect(engine.accounts().groupOf(ACCOUNT)).toBeUndefined();
    expect(engine.executePreTrade(buy("1", "1")).rejects[0]).toMatchObject({ code: "InsufficientFunds", details: "asset USD: available 0, requested 1" });
  });

  it("3: a position limit naming the account refuses until it is cleared", () => {
    const settings = defaultSpotFundsSettings();
    setPositionLimit(settings, ACCOUNT, "AAPL", Quantity.fromString("5"));
    const { engine } = spotEngine(new SpotFundsPolicy(settings));
    expect(engine.retireAccount(ACCOUNT)).toMatchObject({ refusals: [{ policy: "SpotFundsPolicy", refusal: "ConfigurationReferencesAccount" }] });
    engine.configure().update("SpotFundsPolicy", SpotFundsPolicy, (s) => setPositionLimit(s, ACCOUNT, "AAPL", undefined));
    expect(engine.retireAccount(ACCOUNT)).toEqual({ ok: true });
  });

  it("4: an account never seen is a no-op success", () => {
    const { engine } = spotEngine();
    expect(engine.retireAccount(ACCOUNT)).toEqual({ ok: true });
    expect(engine.retireAccount(ACCOUNT)).toEqual({ ok: true });
  });

  it("5: its own block goes; its group's block stays on the group, which it leaves", () => {
    const { engine } = spotEngine();
    engine.accounts().registerGroup([ACCOUNT], GROUP);
    engine.accounts().blockGroup(GROUP, "group halted");
    engine.accounts().block(ACCOUNT, "operator block");
    expect(engine.retireAccount(ACCOUNT)).toEqual({ ok: true });
    expect(engine.accounts().ownBlockOf(ACCOUNT)).toBeUndefined();
    expect(engine.accounts().groupBlockOf(GROUP)?.reason).toBe("group halted");
    expect(engine.accounts().groupOf(ACCOUNT)).toBeUndefined();
    seed(engine, "USD", "10");
    expect(engine.executePreTrade(buy("1", "1")).ok).toBe(true);
  });

  it("6: a halted account P&L is NonZeroState", () => {
    const { engine } = spotEngine();
    expect(engine.applyAccountAdjustment(ACCOUNT, [accountPnlAdjustment(PnlState.halted("MissingFx"))]).ok).toBe(true);
    expect(engine.retireAccount(ACCOUNT)).toMatchObject({ refusals: [{ policy: "SpotFundsPolicy", refusal: "NonZeroState" }] });
  });
});

describe("Engine.retireAccount: the contract", () => {
  it("asks every policy in registration order, collects every refusal and rolls back what accepting ones queued", () => {
    const log = new CallLog();
    const accepting = (name: string): PreTradePolicy => ({
      name,
      retireAccount: (_a, m) => {
        log.add(`${name}.ask`);
        m.push(() => log.add(`${name}.commit`), () => log.add(`${name}.rollback`));
        return undefined;
      },
    });
    const refusing = (name: string, refusal: "NonZeroState" | "OperationInProgress"): PreTradePolicy => ({
      name,
      retireAccount: () => {
        log.add(`${name}.ask`);
        return refusal;
      },
    });
    const thrower: PreTradePolicy = {
      name: "Thrower",
      retireAccount: () => {
        throw new Error("bug");
      },
    };
    const { engine } = spotEngine(new SpotFundsPolicy(), [accepting("A"), refusing("B", "OperationInProgress"), thrower, accepting("C"), refusing("D", "NonZeroState")]);
    const result = engine.retireAccount(ACCOUNT);
    expect(result).toEqual({
      ok: false,
      error: "Refused",
      message: "account retirement refused by one or more policies",
      refusals: [
        { policy: "B", refusal: "OperationInProgress" },
        { policy: "Thrower", refusal: "EvaluationFailed" },
        { policy: "D", refusal: "NonZeroState" },
      ],
    });
    expect(log.calls).toEqual(["A.ask", "B.ask", "C.ask", "D.ask", "C.rollback", "A.rollback"]);
  });

  // Found by review (session 38): any truthy answer was taken as a refusal, and a misspelt
  // name, `true` or an async hook's Promise reached the audit trail and the wire with no text.
  it("an answer that is none of the four refusals (a misspelt name, true, an async hook's Promise) is EvaluationFailed; undefined and null accept", () => {
    const answers: unknown[] = ["NonZero", true, false, 0, Promise.resolve("NonZeroState"), undefined, null, "ConfigurationReferencesAccount"];
    const hooks: PreTradePolicy[] = answers.map((answer, i) => ({ name: `Custom${i}`, retireAccount: (() => answer) as never }));
    const { engine } = spotEngine(new SpotFundsPolicy(), hooks);
    expect(engine.retireAccount(ACCOUNT)).toEqual({
      ok: false,
      error: "Refused",
      message: "account retirement refused by one or more policies",
      refusals: [
        { policy: "Custom0", refusal: "EvaluationFailed" },
        { policy: "Custom1", refusal: "EvaluationFailed" },
        { policy: "Custom2", refusal: "EvaluationFailed" },
        { policy: "Custom3", refusal: "EvaluationFailed" },
        { policy: "Custom4", refusal: "EvaluationFailed" },
        { policy: "Custom7", refusal: "ConfigurationReferencesAccount" },
      ],
    });
  });

  it("a failing commit finalizer: FinalizerFailed, the kill switch is armed, currency and group remain", () => {
    const bad: PreTradePolicy = {
      name: "Bad",
      builtIn: true,
      retireAccount: (_a, m) =>
        void m.push(() => {
          throw new Error("disk");
        }, undefined),
    };
    const { engine } = spotEngine(new SpotFundsPolicy(), [bad]);
    engine.accounts().setCurrency(ACCOUNT, "USD");
    expect(engine.retireAccount(ACCOUNT)).toEqual({ ok: false, error: "FinalizerFailed", message: "account retirement finalizer failed" });
    expect(engine.accounts().currencyOf(ACCOUNT)).toBe("USD");
    expect(engine.accounts().blockOf(ACCOUNT)).toMatchObject({ code: "SystemUnavailable", reason: "mutation callback failed" });
  });

  it("refusal texts are OpenPit's and never carry the account id", () => {
    expect(ACCOUNT_RETIREMENT_REFUSAL_TEXTS).toEqual({
      ConfigurationReferencesAccount: "policy configuration references the account",
      NonZeroState: "policy holds non-zero account state",
      OperationInProgress: "policy has an account operation in progress",
      EvaluationFailed: "policy could not evaluate account retirement",
    });
  });

  it("built-ins with per-account settings or state refuse; the P&L kill switch drops zero accumulators", () => {
    const pnl = new PnlBoundsKillSwitchPolicy({ brokerBarriers: [{ settlementAsset: "USD", lowerBound: Pnl.fromString("-100") }], accountBarriers: [] });
    const rate = new RateLimitPolicy({ broker: { maxOrders: 100, windowMs: 1000 }, assetBarriers: [], accountBarriers: [{ accountId: ACCOUNT, limit: { maxOrders: 1, windowMs: 1000 } }], accountAssetBarriers: [] });
    const { engine } = spotEngine(new SpotFundsPolicy(), [pnl, rate]);
    pnl.setAccountPnl(ACCOUNT, "USD", Pnl.fromString("-5"));
    expect(engine.retireAccount(ACCOUNT)).toMatchObject({
      refusals: [
        { policy: "PnlBoundsKillSwitchPolicy", refusal: "NonZeroState" },
        { policy: "RateLimitPolicy", refusal: "ConfigurationReferencesAccount" },
      ],
    });
    pnl.setAccountPnl(ACCOUNT, "USD", Pnl.zero());
    engine.configure().update("RateLimitPolicy", RateLimitPolicy, (s) => void (s.accountBarriers = []));
    expect(engine.retireAccount(ACCOUNT)).toEqual({ ok: true });
    expect(pnl.accountPnls(ACCOUNT).size).toBe(0);
  });
});
