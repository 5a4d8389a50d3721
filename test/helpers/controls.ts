/** Builders for the controls' unit tests: an engine and market data on one manual clock, quotes, orders, rejects. */
import { expect } from "vitest";
import { Engine, ManualClock, type EngineEvent, type PreTradePolicy } from "../../src/engine/index.js";
import { MarketDataService, QuoteTtl } from "../../src/marketdata/index.js";
import { TradeAmount, type ExecutionReport, type Order, type Reject } from "../../src/model/index.js";
import { AccountId, Price, Quantity, instrument, type Instrument, type Side } from "../../src/param/index.js";

export const ACCOUNT = AccountId.fromU64(99224416);
export const OTHER = AccountId.fromU64(77);
export const AAPL_USD = instrument("AAPL", "USD");
export const MSFT_USD = instrument("MSFT", "USD");

export interface ControlWorld {
  readonly clock: ManualClock;
  readonly marketData: MarketDataService;
  readonly engine: Engine;
  readonly events: EngineEvent[];
}

/** Market data with a 5 s default TTL, AAPL/USD and MSFT/USD registered; the engine on the same clock. */
export function world(make: (marketData: MarketDataService) => readonly PreTradePolicy[]): ControlWorld {
  const clock = new ManualClock(1_000);
  const marketData = new MarketDataService({ defaultTtl: QuoteTtl.within(5_000), clock });
  marketData.register(AAPL_USD);
  marketData.register(MSFT_USD);
  const builder = Engine.builder().clock(clock);
  for (const p of make(marketData)) builder.policy(p);
  const engine = builder.build();
  const events: EngineEvent[] = [];
  engine.onEvent((e) => events.push(e));
  return { clock, marketData, engine, events };
}

export function quote(w: ControlWorld, inst: Instrument, q: { mark?: string; bid?: string; ask?: string }): void {
  const id = w.marketData.resolve(inst)!;
  w.marketData.push(id, {
    ...(q.mark === undefined ? {} : { mark: Price.fromString(q.mark) }),
    ...(q.bid === undefined ? {} : { bid: Price.fromString(q.bid) }),
    ...(q.ask === undefined ? {} : { ask: Price.fromString(q.ask) }),
  });
}

export interface OrderInit {
  readonly account?: AccountId;
  readonly side?: Side;
  readonly qty?: string;
  /** null = a market order. */
  readonly price?: string | null;
  readonly instrument?: Instrument;
}

export function order(init: OrderInit = {}): Order {
  const price = init.price === undefined ? "100" : init.price;
  return {
    operation: {
      instrument: init.instrument ?? AAPL_USD,
      accountId: init.account ?? ACCOUNT,
      side: init.side ?? "BUY",
      tradeAmount: TradeAmount.quantity(Quantity.fromString(init.qty ?? "1")),
      ...(price === null ? {} : { price: Price.fromString(price) }),
    },
  };
}

/** A fill of `qty` at `price`, final when told. */
export function fill(qty: string, init: { account?: AccountId; side?: Side; price?: string; final?: boolean; leaves?: string; instrument?: Instrument } = {}): ExecutionReport {
  return {
    operation: { instrument: init.instrument ?? AAPL_USD, accountId: init.account ?? ACCOUNT, side: init.side ?? "BUY" },
    fill: {
      lastTrade: { price: Price.fromString(init.price ?? "100"), quantity: Quantity.fromString(qty) },
      leavesQuantity: Quantity.fromString(init.leaves ?? "0"),
      isFinal: init.final ?? false,
    },
  };
}

/** Executes and commits; returns the rejects ([] when accepted). */
export function submit(engine: Engine, o: Order): readonly Reject[] {
  const r = engine.executePreTrade(o);
  if (r.ok) r.reservation.commit();
  return r.rejects;
}

/** The single reject of a refused call, as [code, reason, details, scope]. */
export function only(rejects: readonly Reject[]): [string, string, string, string] {
  expect(rejects).toHaveLength(1);
  const r = rejects[0]!;
  return [r.code, r.reason, r.details, r.scope];
}

/** Reject texts must never carry an account id. */
export function expectNoAccountIds(rejects: readonly Reject[]): void {
  for (const r of rejects) {
    for (const id of [ACCOUNT, OTHER]) {
      expect(r.reason).not.toContain(id.toString());
      expect(r.details).not.toContain(id.toString());
    }
  }
}
