/**
 * An in-process engine with every built-in (like the server harness's testConfig) plus
 * market data and the open handles a gateway would hold, with snapshot/restore of it all.
 */
import { Engine, ManualClock, type EngineEvent, type PreTradeRequest, type PreTradeReservation } from "../../../src/engine/index.js";
import { MarketDataService, QuoteTtl } from "../../../src/marketdata/index.js";
import type { Order, PreTradeLock } from "../../../src/model/index.js";
import { AccountGroupId, AccountId, InstrumentId, instrument, Pnl, PolicyGroupId, Price, Quantity, Volume, type Instrument, type Side } from "../../../src/param/index.js";
import {
  OrderSizeLimitPolicy,
  OrderValidationPolicy,
  PnlBoundsKillSwitchPolicy,
  RateLimitPolicy,
  SpotFundsPolicy,
  defaultSpotFundsSettings,
} from "../../../src/policies/index.js";
import { decodePlain, encodePlain } from "../../../src/state/plain-data.js";

export const ACCOUNTS = [101, 102, 103, 104].map((n) => AccountId.fromU64(n));
export const [A1, A2, A3, A4] = ACCOUNTS as [AccountId, AccountId, AccountId, AccountId];
export const GROUPS = [7, 9].map((n) => AccountGroupId.fromU32(n));
export const INSTRUMENTS: readonly Instrument[] = [
  instrument("AAPL", "USD"),
  instrument("MSFT", "USD"),
  instrument("BTC", "USD"),
  instrument("EUR", "USD"),
  instrument("SAP", "EUR"),
];
/** SpotFunds runs under its own policy group: its lock prices are read there. */
export const SPOT_FUNDS_GROUP = PolicyGroupId.fromU16(3);

/** A main-stage order for the workload. */
export interface OrderSpec {
  readonly account: AccountId | undefined;
  readonly instrument: Instrument;
  readonly side: Side;
  readonly qty?: string;
  readonly volume?: string;
  /** Absent = market order. */
  readonly price?: string;
}

export function makeOrder(spec: OrderSpec): Order {
  return {
    operation: {
      instrument: spec.instrument,
      ...(spec.account === undefined ? {} : { accountId: spec.account }),
      side: spec.side,
      tradeAmount:
        spec.volume !== undefined
          ? { kind: "volume", value: Volume.fromString(spec.volume) }
          : { kind: "quantity", value: Quantity.fromString(spec.qty ?? "1") },
      ...(spec.price === undefined ? {} : { price: Price.fromString(spec.price) }),
    },
  };
}

/** An order the venue has (its reservation was committed): fills and cancels come for it. */
export interface VenueOrder {
  readonly account: AccountId;
  readonly instrument: Instrument;
  readonly side: Side;
  readonly leaves: Quantity;
  readonly lock: PreTradeLock;
}

export interface OpenReservation {
  readonly reservation: PreTradeReservation;
  readonly order: Order;
  /** Test bookkeeping only: the handle came out of a restore. */
  readonly restored: boolean;
}

export interface OpenRequest {
  readonly request: PreTradeRequest;
  readonly restored: boolean;
}

/** Builds the policies exactly as a configuration would (same construction every time). */
function buildPolicies(marketData: MarketDataService) {
  return [
    new OrderValidationPolicy(),
    new RateLimitPolicy({
      broker: { maxOrders: 14, windowMs: 1000 },
      assetBarriers: [{ settlementAsset: "USD", limit: { maxOrders: 7, windowMs: 500 } }],
      accountBarriers: [{ accountId: A1, limit: { maxOrders: 3, windowMs: 300 } }],
      accountAssetBarriers: [{ accountId: A2, settlementAsset: "USD", limit: { maxOrders: 2, windowMs: 200 } }],
    }),
    // No broker cap at construction: a cap needs a price, and market orders must reach SpotFunds.
    new OrderSizeLimitPolicy({
      assetBarriers: [{ settlementAsset: "EUR", limit: { maxQuantity: Quantity.fromString("100"), maxNotional: Volume.fromString("5000") } }],
      accountAssetBarriers: [
        { accountId: A3, settlementAsset: "USD", limit: { maxQuantity: Quantity.fromString("50"), maxNotional: Volume.fromString("8000") } },
      ],
    }),
    new PnlBoundsKillSwitchPolicy({
      brokerBarriers: [{ settlementAsset: "USD", lowerBound: Pnl.fromString("-3000") }],
      accountBarriers: [
        { accountId: A1, settlementAsset: "USD", lowerBound: Pnl.fromString("-500"), upperBound: Pnl.fromString("5000"), initialPnl: Pnl.fromString("-100") },
      ],
    }),
    new SpotFundsPolicy(
      (() => {
        const s = defaultSpotFundsSettings();
        s.slippageBps = 25;
        s.slippageOverrides = [
          { instrumentId: InstrumentId.fromU64(1), accountId: A2, slippageBps: 50 },
          { instrumentId: InstrumentId.fromU64(3), accountGroupId: GROUPS[0]!, slippageBps: 100 },
        ];
        s.accountLimitModes.set(A4, "TrackOnly");
        s.pnlBarrier = { lower: Pnl.fromString("-2000") };
        s.accountPnlBarriers.set(A1, { lower: Pnl.fromString("-400") });
        s.accountGroupPnlBarriers.set(GROUPS[0]!, { lower: Pnl.fromString("-300"), upper: Pnl.fromString("3000") });
        return s;
      })(),
      { marketData, policyGroupId: SPOT_FUNDS_GROUP },
    ),
  ];
}

/** The engine, its market data and clock, and what a gateway holds open. */
export class World {
  readonly clock: ManualClock;
  readonly marketData: MarketDataService;
  readonly engine: Engine;
  reservations: OpenReservation[] = [];
  requests: OpenRequest[] = [];
  venue: VenueOrder[] = [];
  /** Events since the last `takeEvents()`. */
  private events: EngineEvent[] = [];

  constructor(startMs = 1_000) {
    this.clock = new ManualClock(startMs);
    this.marketData = new MarketDataService({ defaultTtl: QuoteTtl.infinite(), clock: this.clock });
    this.marketData.registerWithId(InstrumentId.fromU64(1), INSTRUMENTS[0]!, QuoteTtl.within(400));
    this.marketData.registerWithId(InstrumentId.fromU64(2), INSTRUMENTS[1]!);
    this.marketData.registerWithId(InstrumentId.fromU64(3), INSTRUMENTS[2]!, QuoteTtl.within(250));
    this.marketData.registerWithId(InstrumentId.fromU64(4), INSTRUMENTS[3]!);
    this.marketData.register(INSTRUMENTS[4]!, QuoteTtl.within(600));
    this.marketData.setAccountTtl(A2, QuoteTtl.within(150));
    const builder = Engine.builder().clock(this.clock);
    for (const p of buildPolicies(this.marketData)) builder.policy(p);
    this.engine = builder.build();
    this.engine.accounts().setGroupCurrency(AccountGroupId.DEFAULT, "USD");
    this.engine.onEvent((e) => this.events.push(e));
  }

  takeEvents(): EngineEvent[] {
    return this.events.splice(0);
  }

  /** Everything needed to continue elsewhere, encoded: engine, market data, clock, open handles. */
  snapshot(): Uint8Array {
    return encodePlain({
      clockMs: this.clock.nowMs(),
      engine: this.engine.snapshotState(),
      marketData: this.marketData.snapshotState(),
      reservations: this.reservations.map((r) => ({ data: r.reservation.toData(), order: r.order })),
      requests: this.requests.map((r) => r.request.toData()),
      venue: this.venue,
    });
  }

  /** A freshly built world (same construction) that takes the snapshot over. */
  static restore(bytes: Uint8Array): World {
    const s = decodePlain(bytes) as {
      clockMs: number;
      engine: Parameters<Engine["restoreState"]>[0];
      marketData: Parameters<MarketDataService["restoreState"]>[0];
      reservations: { data: Parameters<Engine["restoreReservation"]>[0]; order: Order }[];
      requests: Parameters<Engine["restoreRequest"]>[0][];
      venue: VenueOrder[];
    };
    const world = new World(s.clockMs);
    world.marketData.restoreState(s.marketData);
    world.engine.restoreState(s.engine);
    world.reservations = s.reservations.map((r) => ({ reservation: world.engine.restoreReservation(r.data), order: r.order, restored: true }));
    world.requests = s.requests.map((data) => ({ request: world.engine.restoreRequest(data), restored: true }));
    world.venue = s.venue;
    return world;
  }
}
