import { describe, expect, it } from "vitest";
import { ManualClock } from "../../../src/engine/index.js";
import { QuoteTtl, type Quote } from "../../../src/marketdata/market-data-source.js";
import { AccountGroupId, Price } from "../../../src/param/index.js";
import { defaultSpotFundsSettings, SpotFundsPolicy, type SpotFundsSettings } from "../../../src/policies/spot-funds/index.js";
import { MarketDataService } from "../../../src/marketdata/market-data-service.js";
import { AAPL_USD, ACCOUNT, ACCOUNT_2, buy, marketData, seed, sell, slot, spotEngine, spotOrder } from "../../helpers/spot-funds.js";

function quote(q: { mark?: string; bid?: string; ask?: string }): Quote {
  const out: { -readonly [K in keyof Quote]: Quote[K] } = {};
  if (q.mark) out.mark = Price.fromString(q.mark);
  if (q.bid) out.bid = Price.fromString(q.bid);
  if (q.ask) out.ask = Price.fromString(q.ask);
  return out;
}

function setup(edit: (s: SpotFundsSettings) => void = () => {}, md?: (clock: ManualClock) => MarketDataService) {
  const clock = new ManualClock(1_000);
  const service = md ? md(clock) : marketData(clock);
  const settings = defaultSpotFundsSettings();
  edit(settings);
  const t = spotEngine(new SpotFundsPolicy(settings, { marketData: service }), [], clock);
  seed(t.engine, "USD", "10000");
  seed(t.engine, "AAPL", "100");
  return { ...t, md: service };
}

function lockOf(t: ReturnType<typeof setup>, order = buy("10", null)): unknown {
  const result = t.engine.executePreTrade(order);
  if (!result.ok) return result.rejects;
  const lock = result.reservation.lock.toJSON();
  result.reservation.rollback();
  return lock;
}

describe("SpotFundsPolicy market orders", () => {
  it("F11: a market buy is reserved at mark × (1 + slippage)", () => {
    const t = setup((s) => (s.slippageBps = 1500));
    t.md.push(t.md.register(AAPL_USD), quote({ mark: "200" }));
    const result = t.engine.executePreTrade(buy("10", null));
    if (!result.ok) throw new Error(JSON.stringify(result.rejects));
    expect(result.reservation.lock.toJSON()).toEqual([["230.00"]]);
    expect(slot(t.policy, "USD")).toEqual({ available: "7700.00", held: "2300.00", incoming: "0" });
  });

  it("F12: a market sell whose slippage leaves no positive price is OrderValueCalculationFailed", () => {
    const t = setup((s) => (s.slippageBps = 10_000));
    t.md.push(t.md.register(AAPL_USD), quote({ mark: "200" }));
    const result = t.engine.executePreTrade(spotOrder({ side: "SELL", volume: "400", price: null }));
    expect(result.rejects).toEqual([
      {
        policy: "SpotFundsPolicy",
        code: "OrderValueCalculationFailed",
        reason: "price calculation failed",
        details: "effective price 0 is not positive: mark 200, slippage 10000 bps",
        scope: "order",
      },
    ]);
  });

  it("F13: without market data a market order is UnsupportedOrderType", () => {
    const { engine } = spotEngine();
    seed(engine, "USD", "10000");
    expect(engine.executePreTrade(buy("1", null)).rejects).toEqual([
      {
        policy: "SpotFundsPolicy",
        code: "UnsupportedOrderType",
        reason: "market orders not supported",
        details: "order has no price and the policy has no market data to price it",
        scope: "order",
      },
    ]);
  });

  it("F14: BookTop without an ask is MarkPriceUnavailable (no fallback to mark)", () => {
    const t = setup((s) => (s.pricingSource = "BookTop"));
    t.md.push(t.md.register(AAPL_USD), quote({ mark: "200", bid: "199" }));
    expect(t.engine.executePreTrade(buy("1", null)).rejects).toEqual([
      {
        policy: "SpotFundsPolicy",
        code: "MarkPriceUnavailable",
        reason: "mark price unavailable",
        details: "instrument AAPL/USD: quote has no ask price",
        scope: "order",
      },
    ]);
    // The sell side reads the bid.
    expect(lockOf(t, sell("1", null))).toEqual([["199"]]);
  });

  it("BookTop uses the ask for buys, plus slippage", () => {
    const t = setup((s) => {
      s.pricingSource = "BookTop";
      s.slippageBps = 100;
    });
    t.md.push(t.md.register(AAPL_USD), quote({ mark: "200", bid: "199", ask: "201" }));
    expect(lockOf(t)).toEqual([["203.01"]]);
    expect(lockOf(t, sell("1", null))).toEqual([["197.01"]]);
  });

  it("an unregistered instrument, a missing quote and an expired quote are MarkPriceUnavailable", () => {
    const t = setup(undefined, (clock) => new MarketDataService({ defaultTtl: QuoteTtl.within(1_000), clock }));
    expect(t.engine.executePreTrade(buy("1", null)).rejects[0]?.details).toBe(
      "instrument AAPL/USD: instrument is not registered with market data",
    );
    const id = t.md.register(AAPL_USD);
    expect(t.engine.executePreTrade(buy("1", null)).rejects[0]?.details).toBe("instrument AAPL/USD: no quote available");
    t.md.push(id, quote({ mark: "200" }));
    expect(lockOf(t)).toEqual([["200"]]);
    t.clock.advance(1_000);
    const expired = t.engine.executePreTrade(buy("1", null));
    expect(expired.rejects).toMatchObject([
      { code: "MarkPriceUnavailable", reason: "mark price unavailable", details: "instrument AAPL/USD: quote expired" },
    ]);
  });

  it("a non-positive base price cannot be bought at", () => {
    const t = setup();
    t.md.push(t.md.register(AAPL_USD), quote({ mark: "0" }));
    expect(t.engine.executePreTrade(buy("1", null)).rejects).toMatchObject([
      { code: "OrderValueCalculationFailed", reason: "price calculation failed", details: "buy base price is not positive: mark 0, slippage 0 bps" },
    ]);
  });

  it("slippage resolves account → group → instrument → global; a sell moves down", () => {
    const group = AccountGroupId.fromU32(9);
    const t = setup((s) => (s.slippageBps = 100));
    const id = t.md.register(AAPL_USD);
    t.md.push(id, quote({ mark: "200" }));
    t.engine.accounts().registerGroup([ACCOUNT], group);
    const retune = (edit: (s: SpotFundsSettings) => void) => t.engine.configure().update(SpotFundsPolicy.NAME, SpotFundsPolicy, edit);
    retune((s) => {
      s.slippageOverrides = [
        { instrumentId: id, slippageBps: 200 },
        { instrumentId: id, accountGroupId: group, slippageBps: 300 },
        { instrumentId: id, accountId: ACCOUNT, slippageBps: 400 },
      ];
    });
    expect(lockOf(t)).toEqual([["208.00"]]);
    expect(lockOf(t, sell("1", null))).toEqual([["192.00"]]);
    retune((s) => (s.slippageOverrides = s.slippageOverrides.filter((o) => o.accountId === undefined)));
    expect(lockOf(t)).toEqual([["206.00"]]);
    retune((s) => (s.slippageOverrides = s.slippageOverrides.filter((o) => o.accountGroupId === undefined)));
    expect(lockOf(t)).toEqual([["204.00"]]);
    retune((s) => (s.slippageOverrides = []));
    expect(lockOf(t)).toEqual([["202.00"]]);
  });

  it("C3: retuning slippage or an override changes the market-order lock price", () => {
    const t = setup((s) => (s.slippageBps = 100));
    const id = t.md.register(AAPL_USD);
    t.md.push(id, quote({ mark: "200" }));
    expect(lockOf(t)).toEqual([["202.00"]]);
    t.engine.configure().update(SpotFundsPolicy.NAME, SpotFundsPolicy, (s) => (s.slippageBps = 500));
    expect(lockOf(t)).toEqual([["210.00"]]);
    t.engine.configure().update(SpotFundsPolicy.NAME, SpotFundsPolicy, (s) => {
      s.slippageOverrides.push({ instrumentId: id, slippageBps: 50 });
    });
    expect(lockOf(t)).toEqual([["201.000"]]);
    // Another account's quote bucket is not read for this account.
    t.md.pushFor(id, quote({ mark: "100" }), [ACCOUNT_2], []);
    expect(lockOf(t)).toEqual([["201.000"]]);
    t.md.pushFor(id, quote({ mark: "100" }), [ACCOUNT], []);
    expect(lockOf(t)).toEqual([["100.500"]]);
  });

  it("an out-of-range retune is a Validation error and keeps the old slippage", () => {
    const t = setup((s) => (s.slippageBps = 100));
    t.md.push(t.md.register(AAPL_USD), quote({ mark: "200" }));
    expect(() =>
      t.engine.configure().update(SpotFundsPolicy.NAME, SpotFundsPolicy, (s) => (s.slippageBps = 10_001)),
    ).toThrow(/SlippageOutOfRange: slippageBps: slippage 10001 bps is out of range/);
    expect(lockOf(t)).toEqual([["202.00"]]);
  });
});
