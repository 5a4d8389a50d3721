/**
 * Each built-in across a snapshot: a script runs live, a fresh twin restores the encoded
 * snapshot, and a second script must then give identical results and final state on both.
 */
import { describe, expect, it } from "vitest";
import { Engine, ManualClock, type PreTradePolicy } from "../../../src/engine/index.js";
import { MarketDataService, QuoteTtl } from "../../../src/marketdata/index.js";
import { PnlState } from "../../../src/model/index.js";
import { AccountGroupId, InstrumentId, Pnl, Price, Quantity, Volume } from "../../../src/param/index.js";
import {
  OrderSizeLimitPolicy,
  OrderValidationPolicy,
  PnlBoundsKillSwitchPolicy,
  RateLimitPolicy,
  SpotFundsPolicy,
  defaultSpotFundsSettings,
  type RateLimitSettings,
} from "../../../src/policies/index.js";
import { decodePlain, encodePlain } from "../../../src/state/plain-data.js";
import { ACCOUNT, OTHER_ACCOUNT, order, SAP_EUR } from "../../helpers/start-policies.js";
import { balanceAdjustment, buy, fillReport, sell } from "../../helpers/spot-funds.js";
import { report } from "../../helpers/engine-core.js";
import { expectSameBytes, render } from "./compare.js";

interface Side {
  readonly engine: Engine;
  readonly clock: ManualClock;
  readonly marketData: MarketDataService;
}

type Setup = (marketData: MarketDataService) => PreTradePolicy[];
type Script = (side: Side) => unknown[];

function build(setup: Setup, startMs: number): Side {
  const clock = new ManualClock(startMs);
  const marketData = new MarketDataService({ defaultTtl: QuoteTtl.infinite(), clock });
  const builder = Engine.builder().clock(clock);
  for (const p of setup(marketData)) builder.policy(p);
  return { engine: builder.build(), clock, marketData };
}

function snapshotOf(side: Side): Uint8Array {
  return encodePlain({ engine: side.engine.snapshotState(), marketData: side.marketData.snapshotState(), clock: side.clock.nowMs() });
}

/**
 * Runs `before` live, restores a fresh twin from the encoded snapshot, runs `after` on both
 * and checks that they agree (results and final state). Returns the live results of `after`.
 */
function acrossSnapshot(setup: Setup, before: Script, after: Script): string[] {
  const live = build(setup, 0);
  before(live);
  const bytes = snapshotOf(live);
  const data = decodePlain(bytes) as { engine: never; marketData: never; clock: number };
  const twin = build(setup, data.clock);
  twin.marketData.restoreState(data.marketData);
  twin.engine.restoreState(data.engine);
  expectSameBytes(snapshotOf(twin), bytes, "snapshot right after the restore");
  const expected = after(live).map(render);
  const actual = after(twin).map(render);
  expect(actual).toEqual(expected);
  expectSameBytes(snapshotOf(twin), snapshotOf(live), "final snapshots");
  return expected;
}

/** Executes and commits; what was decided, as plain data (a committed reservation is unreadable). */
const submit = (side: Side, o = order()) => {
  const result = side.engine.executePreTrade(o);
  if (!result.ok) return result;
  const seen = { ok: true, lock: result.reservation.lock, outcomes: result.reservation.accountAdjustments };
  result.reservation.commit();
  return seen;
};

describe("OrderValidationPolicy", () => {
  it("is declared stateless: nothing in the snapshot, nothing needed to restore", () => {
    const policy = new OrderValidationPolicy();
    expect(policy.stateless).toBe(true);
    const side = build(() => [policy], 0);
    expect(side.engine.statefulPoliciesWithoutSnapshot()).toEqual([]);
    expect(side.engine.snapshotState().policies).toEqual(new Map([[OrderValidationPolicy.NAME, undefined]]));
    acrossSnapshot(() => [new OrderValidationPolicy()], (s) => [submit(s)], (s) => [submit(s), submit(s, order({ qty: "0" }))]);
  });
});

describe("OrderSizeLimitPolicy", () => {
  const setup = () => [
    new OrderSizeLimitPolicy({
      broker: { maxQuantity: Quantity.fromString("100"), maxNotional: Volume.fromString("10000") },
      assetBarriers: [],
      accountAssetBarriers: [],
    }),
  ];

  it("restores the live settings a configure() left, not the construction ones", () => {
    const results = acrossSnapshot(
      setup,
      (s) => [
        s.engine.configure().update(OrderSizeLimitPolicy.NAME, OrderSizeLimitPolicy, (d) => {
          d.broker = { maxQuantity: Quantity.fromString("10"), maxNotional: Volume.fromString("10000") };
          d.accountAssetBarriers.push({ accountId: ACCOUNT, settlementAsset: "USD", limit: { maxQuantity: Quantity.fromString("5"), maxNotional: Volume.fromString("400.50") } });
        }),
      ],
      (s) => [
        submit(s, order({ account: OTHER_ACCOUNT, qty: "10" })),
        submit(s, order({ account: OTHER_ACCOUNT, qty: "11" })),
        submit(s, order({ qty: "4", price: "100.13" })),
        s.engine.configure().update(OrderSizeLimitPolicy.NAME, OrderSizeLimitPolicy, (d) => void d.accountAssetBarriers.splice(0)),
        submit(s, order({ qty: "5" })),
      ],
    );
    expect(results[1]).toContain("OrderQtyExceedsLimit");
    expect(results[2]).toContain("OrderNotionalExceedsLimit");
  });
});

describe("RateLimitPolicy", () => {
  const settings = (): RateLimitSettings => ({
    broker: { maxOrders: 14, windowMs: 100 },
    // A repeated key: one counter, the last limit.
    assetBarriers: [
      { settlementAsset: "USD", limit: { maxOrders: 9, windowMs: 10 } },
      { settlementAsset: "USD", limit: { maxOrders: 3, windowMs: 50 } },
    ],
    accountBarriers: [{ accountId: ACCOUNT, limit: { maxOrders: 2, windowMs: 30 } }],
    accountAssetBarriers: [{ accountId: OTHER_ACCOUNT, settlementAsset: "EUR", limit: { maxOrders: 2, windowMs: 45.5 } }],
  });
  const setup = () => [new RateLimitPolicy(settings())];
  /** One order per account/instrument at `at` ms; account blocks are lifted so every window keeps counting. */
  const burst = (s: Side, at: number) => {
    s.clock.set(at);
    const out = [submit(s, order()), submit(s, order({ account: OTHER_ACCOUNT, instrument: SAP_EUR })), submit(s, order({ account: OTHER_ACCOUNT }))];
    s.engine.accounts().unblock(ACCOUNT);
    s.engine.accounts().unblock(OTHER_ACCOUNT);
    return out;
  };
  // Instants on and around every window edge (10/30/45.5/50/100 ms after earlier calls).
  const before = (s: Side) => [0, 0.5, 10, 29.5].flatMap((t) => burst(s, t));
  const after = (s: Side) => [29.9, 30, 30.5, 45.4, 45.5, 49.9, 50, 55.5, 60, 99.9, 100, 100.5, 130, 176].flatMap((t) => burst(s, t));

  it("restores every window exactly: the same orders pass and fail at the same instants", () => {
    const results = acrossSnapshot(setup, before, after).join("\n");
    for (const barrier of ["broker", "asset", "account", "account+asset"]) expect(results).toContain(`rate limit exceeded: ${barrier} barrier`);
  });

  it("restores a limiter that has counted nothing yet (no window opened)", () => {
    acrossSnapshot(setup, () => [], after);
  });

  it("restored windows survive a retune, as live ones do", () => {
    acrossSnapshot(setup, before, (s) => [
      s.engine.configure().update(RateLimitPolicy.NAME, RateLimitPolicy, (d) => {
        d.broker = { maxOrders: 4, windowMs: 200 };
        d.accountBarriers = [];
      }),
      ...after(s),
      s.engine.configure().update(RateLimitPolicy.NAME, RateLimitPolicy, (d) => void (d.accountBarriers = settings().accountBarriers)),
      ...burst(s, 180),
    ]);
  });
});

describe("PnlBoundsKillSwitchPolicy", () => {
  const setup = () => [
    new PnlBoundsKillSwitchPolicy({
      brokerBarriers: [{ settlementAsset: "USD", lowerBound: Pnl.fromString("-100") }],
      accountBarriers: [{ accountId: ACCOUNT, settlementAsset: "USD", lowerBound: Pnl.fromString("-50"), upperBound: Pnl.fromString("75.5"), initialPnl: Pnl.fromString("-20") }],
    }),
  ];

  it("restores barriers and every accumulator (seeded, reported, force-set)", () => {
    const results = acrossSnapshot(
      setup,
      (s) => [
        s.engine.applyExecutionReport(report({ pnl: "15.25", fee: "0.5" })),
        s.engine.applyExecutionReport(report({ account: OTHER_ACCOUNT, pnl: "-60" })),
        s.engine.configure().apply(PnlBoundsKillSwitchPolicy.NAME, PnlBoundsKillSwitchPolicy, (p) => {
          p.setAccountPnl(OTHER_ACCOUNT, "EUR", Pnl.fromString("-7.125"));
          return undefined;
        }),
        s.engine.configure().update(PnlBoundsKillSwitchPolicy.NAME, PnlBoundsKillSwitchPolicy, (d) => {
          d.brokerBarriers[0]!.lowerBound = Pnl.fromString("-90");
        }),
      ],
      (s) => [
        submit(s),
        s.engine.applyExecutionReport(report({ pnl: "81" })),
        submit(s),
        s.engine.applyExecutionReport(report({ account: OTHER_ACCOUNT, pnl: "-30.5" })),
        submit(s, order({ account: OTHER_ACCOUNT })),
        (s.engine.policy(PnlBoundsKillSwitchPolicy.NAME) as PnlBoundsKillSwitchPolicy).accountPnls(OTHER_ACCOUNT),
      ],
    );
    expect(results[1]).toContain("realized pnl 75.75"); // −20 seed + 15.25 − 0.5 + 81: over the account's upper bound
    expect(results[3]).toContain("realized pnl -90.5"); // under the retuned broker bound
    expect(results[4]).toContain('"scope":"account"'); // the engine gate answers with the recorded block
  });

  it("the snapshot's accumulators win over the seeds a restarted instance was built with", () => {
    const live = build(setup, 0);
    live.engine.applyExecutionReport(report({ pnl: "3" }));
    const twin = build(
      () => [
        new PnlBoundsKillSwitchPolicy({
          brokerBarriers: [{ settlementAsset: "USD", lowerBound: Pnl.fromString("-100") }],
          accountBarriers: [
            { accountId: ACCOUNT, settlementAsset: "USD", lowerBound: Pnl.fromString("-50"), initialPnl: Pnl.fromString("-49") },
            { accountId: OTHER_ACCOUNT, settlementAsset: "EUR", lowerBound: Pnl.fromString("-50"), initialPnl: Pnl.fromString("-49") },
          ],
        }),
      ],
      0,
    );
    twin.engine.restoreState(decodePlain(encodePlain(live.engine.snapshotState())) as never);
    const pnlOf = (side: Side) => (side.engine.policy(PnlBoundsKillSwitchPolicy.NAME) as PnlBoundsKillSwitchPolicy).accountPnl(ACCOUNT, "USD")?.toString();
    expect(pnlOf(twin)).toBe("-17");
    expect(pnlOf(live)).toBe("-17");
    // A pair only the restarted instance was seeded with is gone: the snapshot replaces, never merges.
    expect((twin.engine.policy(PnlBoundsKillSwitchPolicy.NAME) as PnlBoundsKillSwitchPolicy).accountPnl(OTHER_ACCOUNT, "EUR")).toBeUndefined();
  });
});

describe("SpotFundsPolicy", () => {
  const AAPL = InstrumentId.fromU64(1);
  const GROUP = AccountGroupId.fromU32(4);
  const setup: Setup = (marketData) => {
    marketData.registerWithId(AAPL, { underlyingAsset: "AAPL", settlementAsset: "USD" }, QuoteTtl.within(100));
    const settings = defaultSpotFundsSettings();
    settings.slippageBps = 10;
    settings.pnlBarrier = { lower: Pnl.fromString("-1000") };
    return [new SpotFundsPolicy(settings, { marketData })];
  };

  it("restores Map-keyed live settings, holdings and the account P&L ledger", () => {
    const results = acrossSnapshot(
      setup,
      (s) => {
        s.engine.accounts().setGroupCurrency(AccountGroupId.DEFAULT, "USD");
        s.engine.accounts().registerGroup([OTHER_ACCOUNT], GROUP);
        s.marketData.push(AAPL, { mark: Price.fromString("200"), bid: Price.fromString("199.5"), ask: Price.fromString("200.25") });
        const adjust = s.engine.applyAccountAdjustment(ACCOUNT, [
          balanceAdjustment("USD", { balance: ["abs", "5000.50"] }),
          balanceAdjustment("AAPL", { balance: ["abs", "3"], averageEntryPrice: "150", realizedPnl: "0" }),
        ]);
        const other = s.engine.applyAccountAdjustment(OTHER_ACCOUNT, [balanceAdjustment("USD", { balance: ["abs", "100"] })]);
        const configured = s.engine.configure().update(SpotFundsPolicy.NAME, SpotFundsPolicy, (d) => {
          d.slippageOverrides.push({ instrumentId: AAPL, accountId: ACCOUNT, slippageBps: 40 });
          d.accountLimitModes.set(OTHER_ACCOUNT, "TrackOnly");
          d.accountGroupPnlBarriers.set(GROUP, { lower: Pnl.fromString("-5"), upper: Pnl.fromString("900") });
          d.accountPnlBarriers.set(ACCOUNT, { lower: Pnl.fromString("-30") });
        });
        const market = submit(s, buy("2", null));
        const sold = submit(s, sell("3", "210"));
        const fill = s.engine.applyExecutionReport(fillReport("SELL", "3", "190", { lockPrice: "210" }));
        return [adjust, other, configured, market, sold, fill];
      },
      (s) => {
        s.clock.advance(99);
        const market = submit(s, buy("1", null));
        s.clock.advance(1);
        const expired = submit(s, buy("1", null));
        const trackOnly = submit(s, buy("1", "500", { account: OTHER_ACCOUNT }));
        const policy = s.engine.policy(SpotFundsPolicy.NAME) as SpotFundsPolicy;
        const set = s.engine.configure().apply(SpotFundsPolicy.NAME, SpotFundsPolicy, (p) => p.setAccountPnl(OTHER_ACCOUNT, PnlState.value(Pnl.fromString("-6"))));
        return [market, expired, trackOnly, policy.holdings(ACCOUNT), policy.holdings(OTHER_ACCOUNT), policy.accountPnl(ACCOUNT), set, policy.settingsDraft()];
      },
    );
    expect(results[0]).toContain('[["200.800"]]'); // locked at 200 × (1 + 40 bps): the account's override survived
    expect(results[1]).toContain("quote expired");
    expect(results[2]).toContain('"ok":true'); // TrackOnly for the other account survived
    expect(results[5]).toContain('"$Pnl":"120"'); // the sale at 190 of a 150 cost basis realized (190 − 150) × 3
    expect(results[6]).toContain("PnlKillSwitchTriggered"); // the group barrier survived
  });
});
