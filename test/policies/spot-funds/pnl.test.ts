import { MarketDataService, QuoteTtl } from "../../../src/marketdata/index.js";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../../src/engine/index.js";
import type { MarketDataSource, Quote } from "../../../src/marketdata/market-data-source.js";
import { PnlState } from "../../../src/model/index.js";
import { AccountGroupId, instrument, InstrumentId, Pnl, Price, type Instrument } from "../../../src/param/index.js";
import { defaultSpotFundsSettings, SpotFundsPolicy } from "../../../src/policies/spot-funds/index.js";
import {
  ACCOUNT,
  accountPnlAdjustment,
  balanceAdjustment,
  buy,
  commit,
  entries,
  fillReport,
  marketData,
  pnlResults,
  pnlText,
  report,
  seed,
  sell,
  spotEngine,
} from "../../helpers/spot-funds.js";

const GROUP = AccountGroupId.fromU32(4);
const pnl = (v: string) => Pnl.fromString(v);

/** Buys `qty` at `price` and reports the full fill (with an optional fee). */
function boughtAndFilled(t: ReturnType<typeof spotEngine>, qty: string, price: string, fee?: readonly [string, string]) {
  commit(t.engine, buy(qty, price));
  return t.engine.applyExecutionReport(fillReport("BUY", qty, price, fee ? { fee } : {}));
}

function soldAndFilled(t: ReturnType<typeof spotEngine>, qty: string, price: string, fee?: readonly [string, string]) {
  commit(t.engine, sell(qty, price));
  return t.engine.applyExecutionReport(fillReport("SELL", qty, price, fee ? { fee } : {}));
}

function killSwitchEngine() {
  const policy = SpotFundsPolicy.pnlBoundsKillSwitch({ global: { lower: pnl("-1000") }, groupBarriers: new Map([[GROUP, { lower: pnl("-10") }]]) });
  const t = spotEngine(policy);
  t.engine.accounts().registerGroup([ACCOUNT], GROUP);
  t.engine.accounts().setCurrency(ACCOUNT, "USD");
  seed(t.engine, "USD", "100000");
  return t;
}

const BREACH_50 = "lower bound breached: realized pnl -50, lower_bound Some(Pnl(-10)), upper_bound None";

describe("SpotFundsPolicy average cost and realized P&L", () => {
  it("F19: a partial sell of a long realizes (price − avg) × qty and keeps the average", () => {
    const t = spotEngine();
    t.engine.accounts().setCurrency(ACCOUNT, "USD");
    seed(t.engine, "USD", "10000");
    const opened = boughtAndFilled(t, "10", "100");
    expect(entries(opened.accountAdjustments)[0]).toEqual({
      asset: "AAPL",
      balance: { delta: "10", absolute: "10" },
      incoming: { delta: "-10", absolute: "0" },
      averageEntryPrice: "100",
    });
    expect(opened.accountPnls).toEqual([]);
    const reduced = soldAndFilled(t, "4", "200");
    expect(entries(reduced.accountAdjustments)[0]).toEqual({
      asset: "AAPL",
      held: { delta: "-4", absolute: "0" },
      realizedPnl: { kind: "value", delta: "400", absolute: "400" },
      averageEntryPrice: "100",
    });
    expect(pnlResults(reduced)).toEqual([{ kind: "value", delta: "400", absolute: "400" }]);
    expect(reduced.accountPnls.map((p) => [p.accountId, p.policyGroupId])).toEqual([[ACCOUNT, 0]]);
    expect(pnlText(t.policy.accountPnl(ACCOUNT))).toBe("value 400");
    const view = t.policy.holdings(ACCOUNT).get("AAPL");
    expect(view?.averageEntryPrice?.toString()).toBe("100");
    expect(pnlText(view?.realizedPnl)).toBe("value 400");
  });

  it("F20: prices in a foreign settlement currency are converted with the FX mark", () => {
    const clock = new ManualClock(1_000);
    const md = marketData(clock);
    md.push(md.register(instrument("USD", "EUR")), { mark: Price.fromString("0.9") });
    const t = spotEngine(new SpotFundsPolicy(undefined, { marketData: md }), [], clock);
    t.engine.accounts().setCurrency(ACCOUNT, "EUR");
    seed(t.engine, "USD", "1000");
    boughtAndFilled(t, "10", "100");
    expect(t.policy.holdings(ACCOUNT).get("AAPL")?.averageEntryPrice?.toString()).toBe("90.0");
    const sold = soldAndFilled(t, "4", "120");
    expect(entries(sold.accountAdjustments)[0]).toMatchObject({
      realizedPnl: { kind: "value", delta: "72.0", absolute: "72.0" },
      averageEntryPrice: "90.0",
    });
    expect(pnlResults(sold)).toEqual([{ kind: "value", delta: "72.0", absolute: "72.0" }]);
    expect(pnlText(t.policy.accountPnl(ACCOUNT))).toBe("value 72.0");
  });

  it("F20 with a real market-data service: an FX quote past its TTL still converts (accounting uses the latest)", () => {
    const clock = new ManualClock(1_000);
    const md = new MarketDataService({ defaultTtl: QuoteTtl.within(500), clock });
    md.push(md.register(instrument("USD", "EUR")), { mark: Price.fromString("0.9") });
    clock.advance(10_000);
    const t = spotEngine(new SpotFundsPolicy(undefined, { marketData: md }), [], clock);
    t.engine.accounts().setCurrency(ACCOUNT, "EUR");
    seed(t.engine, "USD", "1000");
    boughtAndFilled(t, "10", "100");
    expect(t.policy.holdings(ACCOUNT).get("AAPL")?.averageEntryPrice?.toString()).toBe("90.0");
  });

  it("uses 1 / mark of the reverse pair, and a stale FX quote (latest, not lookup)", () => {
    const quotes = new Map<bigint, Quote>([[1n, { mark: Price.fromString("1.25") }]]);
    const fake: MarketDataSource = {
      resolve: (i: Instrument) => (i.underlyingAsset === "EUR" && i.settlementAsset === "USD" ? InstrumentId.fromU64(1) : undefined),
      lookup: () => ({ ok: false, error: "QuoteExpired", quote: {} }),
      latest: (id) => quotes.get(id),
    };
    const t = spotEngine(new SpotFundsPolicy(undefined, { marketData: fake }));
    t.engine.accounts().setCurrency(ACCOUNT, "EUR");
    seed(t.engine, "USD", "1000");
    boughtAndFilled(t, "10", "50");
    expect(t.policy.holdings(ACCOUNT).get("AAPL")?.averageEntryPrice?.toString()).toBe("40.0");
  });

  it("adding re-weights the average; flipping realizes the whole position and reopens at the fill price", () => {
    const t = spotEngine(new SpotFundsPolicy({ ...defaultSpotFundsSettings(), limitMode: "TrackOnly" }));
    t.engine.accounts().setCurrency(ACCOUNT, "USD");
    boughtAndFilled(t, "10", "100");
    boughtAndFilled(t, "30", "120");
    expect(t.policy.holdings(ACCOUNT).get("AAPL")?.averageEntryPrice?.toString()).toBe("115");
    const flipped = soldAndFilled(t, "50", "110");
    // Realized on the 40 held: (110 − 115) × 40 = −200; the 10 short reopen at 110.
    expect(entries(flipped.accountAdjustments)[0]).toMatchObject({
      realizedPnl: { kind: "value", delta: "-200", absolute: "-200" },
      averageEntryPrice: "110",
    });
    const closed = boughtAndFilled(t, "10", "100");
    // Short 10 @ 110 bought back at 100: +100; flat, so no average any more.
    expect(entries(closed.accountAdjustments)[0]).toEqual({
      asset: "AAPL",
      balance: { delta: "10", absolute: "0" },
      incoming: { delta: "-10", absolute: "0" },
      realizedPnl: { kind: "value", delta: "100", absolute: "-100" },
    });
    expect(pnlText(t.policy.accountPnl(ACCOUNT))).toBe("value -100");
  });

  it("halts are sticky: MissingAccountCurrency is reported once, and a balance adjustment re-arms", () => {
    const t = spotEngine();
    seed(t.engine, "USD", "10000");
    const first = boughtAndFilled(t, "1", "100");
    expect(entries(first.accountAdjustments)[0]).toMatchObject({ realizedPnl: { kind: "halted", reason: "MissingAccountCurrency" } });
    t.engine.accounts().setCurrency(ACCOUNT, "USD");
    const second = boughtAndFilled(t, "1", "100");
    expect(entries(second.accountAdjustments)[0]).not.toHaveProperty("realizedPnl");
    expect(pnlText(t.policy.holdings(ACCOUNT).get("AAPL")?.realizedPnl)).toBe("halted MissingAccountCurrency");
    t.engine.applyAccountAdjustment(ACCOUNT, [balanceAdjustment("AAPL", { averageEntryPrice: "100", realizedPnl: "0" })]);
    const realized = soldAndFilled(t, "2", "110");
    expect(entries(realized.accountAdjustments)[0]).toMatchObject({ realizedPnl: { kind: "value", delta: "20", absolute: "20" } });
  });

  // Found by review (parity): the zero-quantity trade's fee halted the position too. OpenPit's
  // apply_trade_fill (execution.rs @71ad2fc) halts the position for a missing currency only
  // `if touches_position_accounting`, and its fee P&L delta is None without a currency;
  // apply_execution_fee (no trade) halts both.
  it("without an account currency, a zero-quantity trade's fee halts the account line only; a fee-only report halts the position too", () => {
    const setUp = () => {
      const t = spotEngine();
      expect(t.engine.applyAccountAdjustment(ACCOUNT, [
        balanceAdjustment("AAPL", { balance: ["abs", "10"], averageEntryPrice: "100", realizedPnl: "5" }),
        balanceAdjustment("USD", { balance: ["abs", "1000"] }),
      ]).ok).toBe(true);
      return t;
    };
    const t = setUp();
    const zeroQty = t.engine.applyExecutionReport(report({ side: "BUY", qty: "0", price: "100", fee: ["1.5", "USD"], leaves: "0", final: false }));
    expect(zeroQty.accountBlocks).toEqual([]);
    expect(pnlResults(zeroQty)).toEqual([{ kind: "halted", reason: "MissingAccountCurrency" }]);
    expect(pnlText(t.policy.accountPnl(ACCOUNT))).toBe("halted MissingAccountCurrency");
    expect(pnlText(t.policy.holdings(ACCOUNT).get("AAPL")?.realizedPnl)).toBe("value 5");
    expect(t.policy.holdings(ACCOUNT).get("AAPL")?.averageEntryPrice?.toString()).toBe("100");
    expect(entries(zeroQty.accountAdjustments)).toEqual([{ asset: "USD", balance: { delta: "-1.5", absolute: "998.5" } }]);

    const u = setUp();
    const feeOnly = u.engine.applyExecutionReport(report({ side: "BUY", fee: ["1.5", "USD"], leaves: "0", final: false }));
    expect(pnlResults(feeOnly)).toEqual([{ kind: "halted", reason: "MissingAccountCurrency" }]);
    expect(pnlText(u.policy.holdings(ACCOUNT).get("AAPL")?.realizedPnl)).toBe("halted MissingAccountCurrency");
    expect(entries(feeOnly.accountAdjustments)).toContainEqual({ asset: "AAPL", realizedPnl: { kind: "halted", reason: "MissingAccountCurrency" } });
  });

  it("a non-flat slot without P&L halts MissingInitialPnl; without an average, MissingCostBasis", () => {
    const t = spotEngine();
    t.engine.accounts().setCurrency(ACCOUNT, "USD");
    t.engine.applyAccountAdjustment(ACCOUNT, [balanceAdjustment("AAPL", { balance: ["abs", "10"], averageEntryPrice: "100" })]);
    const noInitial = soldAndFilled(t, "1", "110");
    expect(entries(noInitial.accountAdjustments)[0]).toMatchObject({ realizedPnl: { kind: "halted", reason: "MissingInitialPnl" } });
    // The account line still learns the realized amount from the cost basis.
    expect(pnlResults(noInitial)).toEqual([{ kind: "value", delta: "10", absolute: "10" }]);

    const u = spotEngine();
    u.engine.accounts().setCurrency(ACCOUNT, "USD");
    u.engine.applyAccountAdjustment(ACCOUNT, [balanceAdjustment("AAPL", { balance: ["abs", "10"], realizedPnl: "0" })]);
    const noBasis = soldAndFilled(u, "1", "110");
    expect(entries(noBasis.accountAdjustments)[0]).toMatchObject({ realizedPnl: { kind: "halted", reason: "MissingCostBasis" } });
    expect(pnlResults(noBasis)).toEqual([{ kind: "halted", reason: "MissingCostBasis" }]);
    expect(pnlText(u.policy.accountPnl(ACCOUNT))).toBe("halted MissingCostBasis");
  });

  // Found by review (parity): the entry carried the average next to the halt. OpenPit's
  // push_leg_outcome (execution.rs @71ad2fc): `Some(Err(reason)) => (Some(Err(reason)), None)`.
  it("an underlying entry whose realized P&L halts carries no average entry price; one with a value does", () => {
    const t = spotEngine();
    t.engine.accounts().setCurrency(ACCOUNT, "USD");
    t.engine.applyAccountAdjustment(ACCOUNT, [balanceAdjustment("AAPL", { balance: ["abs", "10"], averageEntryPrice: "100" })]);
    const noInitial = soldAndFilled(t, "1", "110");
    const halted = entries(noInitial.accountAdjustments)[0] as Record<string, unknown>;
    expect(halted).toMatchObject({ asset: "AAPL", realizedPnl: { kind: "halted", reason: "MissingInitialPnl" } });
    expect(halted).not.toHaveProperty("averageEntryPrice");
    // The slot keeps its average: only the outcome leaves it out.
    expect(t.policy.holdings(ACCOUNT).get("AAPL")?.averageEntryPrice?.toString()).toBe("100");

    // An opening fill whose EUR fee has no rate halts the position MissingFx: no average either.
    const u = spotEngine();
    u.engine.accounts().setCurrency(ACCOUNT, "USD");
    seed(u.engine, "USD", "10000");
    const fx = boughtAndFilled(u, "10", "100", ["1", "EUR"]);
    const fxEntry = entries(fx.accountAdjustments).find((e) => (e as { asset: string }).asset === "AAPL") as Record<string, unknown>;
    expect(fxEntry).toMatchObject({ realizedPnl: { kind: "halted", reason: "MissingFx" } });
    expect(fxEntry).not.toHaveProperty("averageEntryPrice");

    // With a realized value the average is sent.
    const v = spotEngine();
    v.engine.accounts().setCurrency(ACCOUNT, "USD");
    v.engine.applyAccountAdjustment(ACCOUNT, [balanceAdjustment("AAPL", { balance: ["abs", "10"], averageEntryPrice: "100", realizedPnl: "0" })]);
    const value = entries(soldAndFilled(v, "1", "110").accountAdjustments)[0] as Record<string, unknown>;
    expect(value).toMatchObject({ realizedPnl: { kind: "value", delta: "10", absolute: "10" } });
    expect(String(value.averageEntryPrice)).toBe("100");
  });

  it("a flat slot whose only content is a P&L of 0 is pruned, as OpenPit's Holdings::is_zero: set the P&L with the position", () => {
    // OpenPit 71ad2fc, holdings.rs `is_zero_requires_no_avg_and_zero_realized_pnl`: a zero
    // realized P&L does not keep a flat slot alive. A P&L forced to 0 before the position is
    // booked is gone by then, and the first reducing fill halts MissingInitialPnl.
    const t = spotEngine();
    t.engine.accounts().setCurrency(ACCOUNT, "USD");
    t.engine.applyAccountAdjustment(ACCOUNT, [
      balanceAdjustment("AAPL", { realizedPnl: "0" }),
      balanceAdjustment("AAPL", { balance: ["abs", "10"], averageEntryPrice: "100" }),
    ]);
    const separate = soldAndFilled(t, "4", "200");
    expect(entries(separate.accountAdjustments)[0]).toMatchObject({ realizedPnl: { kind: "halted", reason: "MissingInitialPnl" } });
    // In the same adjustment as the balance, the P&L is tracked from 0.
    const u = spotEngine();
    u.engine.accounts().setCurrency(ACCOUNT, "USD");
    u.engine.applyAccountAdjustment(ACCOUNT, [balanceAdjustment("AAPL", { balance: ["abs", "10"], averageEntryPrice: "100", realizedPnl: "0" })]);
    const together = soldAndFilled(u, "4", "200");
    expect(entries(together.accountAdjustments)[0]).toMatchObject({ realizedPnl: { kind: "value", delta: "400", absolute: "400" } });
  });

  // The opening fill realizes nothing, so it needs no rate (OpenPit's execution.rs): the slot
  // is left without an average and halts at the first fill that realizes (it halted at the
  // opening fill until session 30).
  it("a missing FX rate: an opening fill leaves the slot without an average; a realizing fill halts the position and the account line, which then rejects and blocks", () => {
    const settings = defaultSpotFundsSettings();
    settings.pnlBarrier = { lower: pnl("-100") };
    const t = spotEngine(new SpotFundsPolicy(settings));
    t.engine.accounts().setCurrency(ACCOUNT, "EUR");
    seed(t.engine, "USD", "10000");
    const opened = boughtAndFilled(t, "10", "100");
    expect(entries(opened.accountAdjustments).map((e) => (e as { realizedPnl?: unknown }).realizedPnl)).toEqual([undefined, undefined]);
    expect(t.policy.holdings(ACCOUNT).get("AAPL")?.averageEntryPrice).toBeUndefined();
    expect(opened.accountBlocks).toEqual([]);
    const sold = soldAndFilled(t, "5", "110");
    expect(pnlResults(sold)).toEqual([{ kind: "halted", reason: "MissingFx" }]);
    expect(t.policy.holdings(ACCOUNT).get("AAPL")?.realizedPnl).toEqual({ kind: "halted", reason: "MissingFx" });
    expect(sold.accountBlocks).toEqual([
      { policy: "SpotFundsPolicy", code: "PnlKillSwitchTriggered", reason: "account pnl calculation halted", details: "halt reason MissingFx" },
    ]);
    t.engine.accounts().unblock(ACCOUNT);
    const refused = t.engine.executePreTrade(buy("1", "100"));
    expect(refused.rejects).toEqual([
      {
        policy: "SpotFundsPolicy",
        code: "PnlKillSwitchTriggered",
        reason: "account pnl calculation halted",
        details: "halt reason MissingFx",
        scope: "account",
      },
    ]);
    // Latched: the engine keeps the account blocked with the code rewritten.
    expect(t.engine.accounts().blockOf(ACCOUNT)).toMatchObject({ code: "AccountBlocked", reason: "account pnl calculation halted" });
    t.engine.accounts().unblock(ACCOUNT);
    // A later fee report re-emits the standing halt but no new account outcome.
    const again = t.engine.applyExecutionReport(report({ fee: ["1", "EUR"] }));
    expect(again.accountPnls).toEqual([]);
    expect(again.accountBlocks).toMatchObject([{ reason: "account pnl calculation halted" }]);
    // Re-arming through an account-P&L adjustment lets orders through again.
    t.engine.accounts().unblock(ACCOUNT);
    expect(t.engine.applyAccountAdjustment(ACCOUNT, [accountPnlAdjustment(PnlState.value(pnl("0")))])).toEqual({
      ok: true,
      outcomes: [],
      accountBlocks: [],
    });
    expect(t.engine.executePreTrade(buy("1", "100")).ok).toBe(true);
  });

  it("F21: the preset blocks once fees push account P&L below the group barrier", () => {
    const t = killSwitchEngine();
    const first = boughtAndFilled(t, "1", "100", ["6", "USD"]);
    expect(first.accountBlocks).toEqual([]);
    expect(pnlResults(first)).toEqual([{ kind: "value", delta: "-6", absolute: "-6" }]);
    const second = boughtAndFilled(t, "1", "100", ["6", "USD"]);
    expect(second.accountBlocks).toEqual([
      {
        policy: "SpotFundsPolicy",
        code: "PnlKillSwitchTriggered",
        reason: "pnl kill switch triggered",
        details: "lower bound breached: realized pnl -12, lower_bound Some(Pnl(-10)), upper_bound None",
      },
    ]);
    const next = t.engine.executePreTrade(buy("1", "100"));
    expect(next.rejects).toMatchObject([{ policy: "SpotFundsPolicy", code: "PnlKillSwitchTriggered", scope: "account" }]);
    // After an unblock the policy's own pre-check refuses (and the engine latches again).
    t.engine.accounts().unblock(ACCOUNT);
    expect(t.engine.executePreTrade(buy("1", "100")).rejects).toEqual([
      {
        policy: "SpotFundsPolicy",
        code: "PnlKillSwitchTriggered",
        reason: "pnl kill switch triggered",
        details: "lower bound breached: realized pnl -12, lower_bound Some(Pnl(-10)), upper_bound None",
        scope: "account",
      },
    ]);
  });

  it("F22: after a force-set breach every fee report re-emits the block; the operator's reason is kept", () => {
    const t = killSwitchEngine();
    const forced = t.engine.applyAccountAdjustment(ACCOUNT, [accountPnlAdjustment(PnlState.value(pnl("-50")))]);
    expect(forced).toEqual({
      ok: true,
      outcomes: [],
      accountBlocks: [{ policy: "SpotFundsPolicy", code: "PnlKillSwitchTriggered", reason: "pnl kill switch triggered", details: BREACH_50 }],
    });
    t.engine.accounts().replaceBlockReason(ACCOUNT, "under manual review");
    for (let i = 1; i <= 4; i++) {
      const r = t.engine.applyExecutionReport(report({ fee: ["1", "USD"] }));
      expect(r.accountBlocks).toMatchObject([{ code: "PnlKillSwitchTriggered", details: expect.stringContaining(`realized pnl -${50 + i}`) }]);
      expect(t.engine.executePreTrade(buy("1", "100")).rejects).toMatchObject([
        { policy: "Engine", code: "AccountBlocked", reason: "under manual review", details: "under manual review" },
      ]);
    }
  });

  it("F23: a drop-copy order on a breached account carries the block instead of a reject", () => {
    const t = killSwitchEngine();
    t.engine.applyAccountAdjustment(ACCOUNT, [accountPnlAdjustment(PnlState.value(pnl("-50")))]);
    t.engine.accounts().unblock(ACCOUNT);
    const reservation = t.engine.executePreTradeDropCopy(buy("1", "100"));
    expect(reservation.accountBlock).toEqual({
      policy: "SpotFundsPolicy",
      code: "AccountBlocked",
      reason: "pnl kill switch triggered",
      details: BREACH_50,
    });
    reservation.commit();
    const later = t.engine.executePreTrade(buy("1", "100"));
    expect(later.ok).toBe(false);
    expect(later.rejects[0]?.details).toContain("lower bound breached");
    // Found by review (session 31): the stored block, and so every later order's reject, kept
    // PnlKillSwitchTriggered where OpenPit records AccountBlocked
    // (spot_funds.rs drop_copy_reinstates_spot_funds_pnl_block_and_accepts_current_order).
    const stored = { policy: "SpotFundsPolicy", code: "AccountBlocked", reason: "pnl kill switch triggered", details: BREACH_50 };
    expect(t.engine.accounts().blockOf(ACCOUNT)).toMatchObject(stored);
    expect(later.rejects).toMatchObject([{ ...stored, scope: "account" }]);
  });

  it("setAccountPnl through the configurator force-sets the line and records the block it earns", () => {
    const t = killSwitchEngine();
    expect(t.engine.executePreTrade(buy("1", "100")).ok).toBe(true);
    const recorded = t.engine
      .configure()
      .apply(SpotFundsPolicy.NAME, SpotFundsPolicy, (p) => p.setAccountPnl(ACCOUNT, PnlState.halted("MissingFx")));
    expect(recorded).toEqual([
      {
        accountId: ACCOUNT,
        block: { policy: "SpotFundsPolicy", code: "PnlKillSwitchTriggered", reason: "account pnl calculation halted", details: "halt reason MissingFx" },
      },
    ]);
    expect(t.engine.accounts().blockOf(ACCOUNT)?.reason).toBe("account pnl calculation halted");
    t.engine.accounts().unblock(ACCOUNT);
    expect(t.engine.configure().apply(SpotFundsPolicy.NAME, SpotFundsPolicy, (p) => p.setAccountPnl(ACCOUNT, PnlState.value(pnl("-5"))))).toEqual([]);
    expect(pnlText(t.policy.accountPnl(ACCOUNT))).toBe("value -5");
    expect(t.engine.executePreTrade(buy("1", "100")).ok).toBe(true);
  });

  it("the preset needs a barrier, and each barrier needs a bound", () => {
    expect(() => SpotFundsPolicy.pnlBoundsKillSwitch({})).toThrow(/^NoPnlBarriersConfigured: /);
    expect(() => SpotFundsPolicy.pnlBoundsKillSwitch({ global: {} })).toThrow(/^NoPnlBoundsConfigured: /);
    const preset = SpotFundsPolicy.pnlBoundsKillSwitch({ accountBarriers: [[ACCOUNT, { upper: pnl("10") }]] });
    const draft = preset.settingsDraft();
    expect(draft.limitMode).toBe("TrackOnly");
    expect(draft.pricingSource).toBe("Mark");
    expect(draft.slippageBps).toBe(0);
  });

  it("barriers cascade account → group → global, with strict comparison", () => {
    const settings = defaultSpotFundsSettings();
    settings.pnlBarrier = { lower: pnl("-5") };
    settings.accountGroupPnlBarriers.set(GROUP, { upper: pnl("5") });
    const t = spotEngine(new SpotFundsPolicy(settings));
    seed(t.engine, "USD", "10000");
    const setPnl = (v: string) => t.engine.configure().apply(SpotFundsPolicy.NAME, SpotFundsPolicy, (p) => p.setAccountPnl(ACCOUNT, PnlState.value(pnl(v))));
    expect(setPnl("-5")).toEqual([]);
    expect(setPnl("-6")[0]?.block.details).toBe("lower bound breached: realized pnl -6, lower_bound Some(Pnl(-5)), upper_bound None");
    t.engine.accounts().unblock(ACCOUNT);
    t.engine.accounts().registerGroup([ACCOUNT], GROUP);
    expect(t.engine.executePreTrade(buy("1", "100")).ok).toBe(true);
    t.engine.configure().update(SpotFundsPolicy.NAME, SpotFundsPolicy, (s) => s.accountPnlBarriers.set(ACCOUNT, { lower: pnl("-5"), upper: pnl("-7") }));
    expect(t.engine.executePreTrade(buy("1", "100")).rejects[0]?.details).toBe(
      "lower and upper bound breached: realized pnl -6, lower_bound Some(Pnl(-5)), upper_bound Some(Pnl(-7))",
    );
  });

  it("F10: a drop-copy is tracked even without funds (forced TrackOnly) and later orders see it", () => {
    const t = spotEngine();
    seed(t.engine, "USD", "1000");
    const reservation = t.engine.executePreTradeDropCopy(buy("10", "200"));
    expect(reservation.accountBlock).toBeUndefined();
    expect(entries(reservation.accountAdjustments)).toEqual([
      { asset: "USD", balance: { delta: "-2000", absolute: "-1000" }, held: { delta: "2000", absolute: "2000" } },
      { asset: "AAPL", incoming: { delta: "10", absolute: "10" } },
    ]);
    reservation.commit();
    expect(t.engine.executePreTrade(buy("1", "1")).rejects).toMatchObject([
      { code: "InsufficientFunds", details: "asset USD: available -1000, requested 1" },
    ]);
  });
});
