/** SpotFunds account-P&L barriers with a currency, tiered resolution and re-evaluation at configure time (openpit-newer.md §H). */
import { describe, expect, it } from "vitest";
import { PnlState } from "../../../src/model/index.js";
import { AccountGroupId, AccountId, Pnl } from "../../../src/param/index.js";
import { defaultSpotFundsSettings, parseSpotFundsSettingsJson, SpotFundsPolicy } from "../../../src/policies/spot-funds/index.js";
import { ResolvedSpotFundsSettings } from "../../../src/policies/spot-funds/resolved-settings.js";
import { settingsJsonOf } from "../../../src/policies/catalog.js";
import { ACCOUNT, accountPnlAdjustment, buy, commit, entries, fillReport, pnlResults, seed, sell, spotEngine } from "../../helpers/spot-funds.js";

const pnl = (s: string) => Pnl.fromString(s);
const GROUP = AccountGroupId.fromU32(7);
const OTHER = AccountId.fromU64(99224417);

function forcePnl(engine: ReturnType<typeof spotEngine>["engine"], value: string, account = ACCOUNT) {
  expect(engine.applyAccountAdjustment(account, [accountPnlAdjustment(PnlState.value(pnl(value)))]).ok).toBe(true);
}

describe("barrier resolution with currencies (market_data.rs @3dec858)", () => {
  const settings = defaultSpotFundsSettings();
  settings.pnlBarrier = { currency: "USD", lower: pnl("-100") };
  settings.accountGroupPnlBarriers.set(GROUP, { currency: "USD", lower: pnl("-50") });
  settings.accountPnlBarriers.set(ACCOUNT, { currency: "EUR", lower: pnl("-10") });
  const resolved = new ResolvedSpotFundsSettings(settings);
  const lowerOf = (account: AccountId, group: AccountGroupId | undefined, currency: string | undefined) =>
    resolved.pnlBarrierFor(account, { accountGroup: () => group }, () => currency)?.lower?.toString();

  it("the account tier applies whatever the account currency; a mismatch is marked to fail closed", () => {
    for (const currency of ["EUR", "USD", "CHF", undefined]) expect(lowerOf(ACCOUNT, undefined, currency)).toBe("-10");
    expect(resolved.pnlBarrierFor(ACCOUNT, { accountGroup: () => undefined }, () => "USD")?.currencyMismatch).toBe("USD");
    expect(resolved.pnlBarrierFor(ACCOUNT, { accountGroup: () => undefined }, () => "EUR")?.currencyMismatch).toBeUndefined();
  });

  it("group and global tiers apply only in a matching (or unknown) currency; a mismatch leaves no barrier", () => {
    expect(lowerOf(OTHER, GROUP, "USD")).toBe("-50");
    expect(lowerOf(OTHER, GROUP, undefined)).toBe("-50");
    expect(lowerOf(OTHER, GROUP, "CHF")).toBeUndefined();
    expect(lowerOf(OTHER, undefined, "USD")).toBe("-100");
    expect(lowerOf(OTHER, undefined, "CHF")).toBeUndefined();
  });

  it("the currency is part of the JSON settings", () => {
    const parsed = parseSpotFundsSettingsJson({
      pnlBarrier: { currency: "USD", lower: "-100" },
      accountPnlBarriers: [{ accountId: 99224416, currency: "EUR", lower: "-10" }],
    });
    expect(parsed.pnlBarrier?.currency).toBe("USD");
    expect(settingsJsonOf(new SpotFundsPolicy(parsed))).toMatchObject({
      pnlBarrier: { currency: "USD", lower: "-100" },
      accountPnlBarriers: [{ accountId: "99224416", currency: "EUR", lower: "-10" }],
    });
    expect(() => parseSpotFundsSettingsJson({ pnlBarrier: { currency: "" } })).toThrow(/settings\.pnlBarrier\.currency/);
    expect(() => parseSpotFundsSettingsJson({ pnlBarrier: { currency: "USD" } })).toThrow("settings.pnlBarrier: NoPnlBoundsConfigured: spot-funds P&L bounds must configure at least one bound");
  });
});

describe("a barrier in another currency than the account's fails closed", () => {
  it("the order is refused with an account-scope reject and the account is blocked", () => {
    const settings = defaultSpotFundsSettings();
    settings.accountPnlBarriers.set(ACCOUNT, { currency: "EUR", lower: pnl("-10") });
    const { engine } = spotEngine(new SpotFundsPolicy(settings));
    engine.accounts().setCurrency(ACCOUNT, "EUR");
    seed(engine, "USD", "100");
    expect(engine.executePreTrade(buy("1", "1")).ok).toBe(true);
    // Switching the account to USD flips the match: re-evaluated and blocked at once.
    engine.accounts().setCurrency(ACCOUNT, "USD");
    expect(engine.accounts().blockOf(ACCOUNT)).toEqual({
      policy: "SpotFundsPolicy",
      code: "PnlKillSwitchTriggered",
      reason: "pnl barrier currency mismatch",
      details: "account currency USD, barrier currency EUR",
    });
    engine.accounts().unblock(ACCOUNT);
    expect(engine.executePreTrade(buy("1", "1")).rejects).toEqual([
      {
        policy: "SpotFundsPolicy",
        code: "PnlKillSwitchTriggered",
        reason: "pnl barrier currency mismatch",
        details: "account currency USD, barrier currency EUR",
        scope: "account",
      },
    ]);
  });
});

describe("re-evaluation when barriers, membership or currency change", () => {
  it("a new global barrier blocks a breaching account at configure time; removing it never unblocks; an unrelated retune never re-blocks", () => {
    const { engine } = spotEngine();
    forcePnl(engine, "-20");
    forcePnl(engine, "-5", OTHER);
    const recorded = engine.configure().update("SpotFundsPolicy", SpotFundsPolicy, (s) => void (s.pnlBarrier = { lower: pnl("-10") }));
    expect(recorded.map((r) => [r.accountId, r.block.reason])).toEqual([[ACCOUNT, "pnl kill switch triggered"]]);
    expect(engine.accounts().blockOf(ACCOUNT)).toMatchObject({ policy: "SpotFundsPolicy", code: "PnlKillSwitchTriggered" });
    expect(engine.accounts().blockOf(OTHER)).toBeUndefined();

    engine.accounts().unblock(ACCOUNT);
    engine.configure().update("SpotFundsPolicy", SpotFundsPolicy, (s) => void (s.slippageBps = 5));
    expect(engine.accounts().blockOf(ACCOUNT)).toBeUndefined();

    engine.accounts().block(OTHER, "operator");
    engine.configure().update("SpotFundsPolicy", SpotFundsPolicy, (s) => void delete s.pnlBarrier);
    expect(engine.accounts().blockOf(OTHER)?.reason).toBe("operator");
  });

  // Found by review (session 31): bounds were compared as text, so the same barrier re-sent
  // with another scale re-blocked an account the operator had unblocked (OpenPit compares
  // rust_decimal values: -50 == -50.0).
  it("the same barrier written with another scale is no change: an operator-unblocked account stays unblocked", () => {
    const { engine } = spotEngine();
    forcePnl(engine, "-60");
    engine.configure().update("SpotFundsPolicy", SpotFundsPolicy, (s) => void (s.pnlBarrier = { lower: pnl("-50") }));
    expect(engine.accounts().blockOf(ACCOUNT)?.code).toBe("PnlKillSwitchTriggered");
    engine.accounts().unblock(ACCOUNT);
    const recorded = engine.configure().update("SpotFundsPolicy", SpotFundsPolicy, (s) => void (s.pnlBarrier = { lower: pnl("-50.00") }));
    expect(recorded).toEqual([]);
    expect(engine.accounts().blockOf(ACCOUNT)).toBeUndefined();
    // A bound that does change value is still a change.
    const tighter = engine.configure().update("SpotFundsPolicy", SpotFundsPolicy, (s) => void (s.pnlBarrier = { lower: pnl("-50.01") }));
    expect(tighter.map((r) => [r.accountId, r.block.details])).toEqual([[ACCOUNT, "lower bound breached: realized pnl -60, lower_bound Some(Pnl(-50.01)), upper_bound None"]]);
  });

  it("a currency change from one the account barrier is not in to another flips nothing: an operator-unblocked account stays unblocked", () => {
    const settings = defaultSpotFundsSettings();
    settings.accountPnlBarriers.set(ACCOUNT, { currency: "EUR", lower: pnl("-10") });
    const { engine } = spotEngine(new SpotFundsPolicy(settings));
    engine.accounts().setCurrency(ACCOUNT, "USD"); // the match flips: blocked
    expect(engine.accounts().blockOf(ACCOUNT)?.reason).toBe("pnl barrier currency mismatch");
    engine.accounts().unblock(ACCOUNT);
    engine.accounts().setCurrency(ACCOUNT, "CHF"); // still not EUR: the same barrier, no flip
    expect(engine.accounts().blockOf(ACCOUNT)).toBeUndefined();
    engine.accounts().setCurrency(ACCOUNT, "EUR"); // the match flips back: nothing to block (P&L 0)
    engine.accounts().setCurrency(ACCOUNT, "USD"); // and again: blocked
    expect(engine.accounts().blockOf(ACCOUNT)?.details).toBe("account currency USD, barrier currency EUR");
  });

  it("a missing P&L counts as 0 (an upper bound below 0 blocks an untouched known account)", () => {
    const { engine } = spotEngine();
    seed(engine, "USD", "1");
    engine.configure().update("SpotFundsPolicy", SpotFundsPolicy, (s) => void (s.pnlBarrier = { upper: pnl("-1") }));
    expect(engine.accounts().blockOf(ACCOUNT)?.details).toBe("upper bound breached: realized pnl 0, lower_bound None, upper_bound Some(Pnl(-1))");
  });

  it("joining a group whose barrier it breaches blocks the account at once", () => {
    const settings = defaultSpotFundsSettings();
    settings.accountGroupPnlBarriers.set(GROUP, { lower: pnl("-50") });
    const { engine } = spotEngine(new SpotFundsPolicy(settings));
    forcePnl(engine, "-60");
    expect(engine.accounts().blockOf(ACCOUNT)).toBeUndefined();
    engine.accounts().registerGroup([ACCOUNT], GROUP);
    expect(engine.accounts().blockOf(ACCOUNT)).toMatchObject({ code: "PnlKillSwitchTriggered", details: "lower bound breached: realized pnl -60, lower_bound Some(Pnl(-50)), upper_bound None" });
  });
});

describe("P&L engagement rule (3dec858 wording)", () => {
  it("opening fills leave the account line untouched and need no currency; a realizing fill at exactly 0 still publishes 0", () => {
    const { engine, policy } = spotEngine();
    seed(engine, "USD", "10000");
    commit(engine, buy("10", "100"));
    const opening = engine.applyExecutionReport(fillReport("BUY", "10", "100", { final: true }));
    expect(opening.accountPnls).toEqual([]);
    expect(policy.accountPnl(ACCOUNT)).toBeUndefined();
    // Position P&L needs the account currency for a non-zero fill.
    expect(entries(opening.accountAdjustments)).toContainEqual(expect.objectContaining({ asset: "AAPL", realizedPnl: { kind: "halted", reason: "MissingAccountCurrency" } }));

    const t = spotEngine();
    t.engine.accounts().setCurrency(ACCOUNT, "USD");
    seed(t.engine, "USD", "10000");
    commit(t.engine, buy("10", "100"));
    t.engine.applyExecutionReport(fillReport("BUY", "10", "100", { final: true }));
    commit(t.engine, sell("10", "100"));
    const closing = t.engine.applyExecutionReport(fillReport("SELL", "10", "100", { final: true }));
    expect(pnlResults(closing)).toEqual([{ kind: "value", delta: "0", absolute: "0" }]);
  });
});
