/**
 * Builders for the SpotFundsPolicy suites (test/policies/spot-funds): orders, execution
 * reports, adjustments, an engine on a manual clock, and holdings assertions.
 */
import { expect } from "vitest";
import { Engine, ManualClock, type PreTradePolicy } from "../../src/engine/index.js";
import { MarketDataService } from "../../src/marketdata/market-data-service.js";
import { QuoteTtl } from "../../src/marketdata/market-data-source.js";
import {
  AdjustmentAmount,
  PnlState,
  PreTradeLock,
  TradeAmount,
  type AccountAdjustment,
  type AdjustmentBounds,
  type ExecutionReport,
  type Order,
  type PnlHaltReason,
} from "../../src/model/index.js";
import {
  AccountId,
  Fee,
  instrument,
  Pnl,
  PolicyGroupId,
  PositionSize,
  Price,
  Quantity,
  Volume,
  type Asset,
  type Instrument,
  type Side,
} from "../../src/param/index.js";
import { SpotFundsPolicy } from "../../src/policies/spot-funds/index.js";

export const ACCOUNT = AccountId.fromU64(99224416);
export const ACCOUNT_2 = AccountId.fromU64(77);
export const AAPL_USD = instrument("AAPL", "USD");
export const AAPL_EUR = instrument("AAPL", "EUR");
export const USD_USD = instrument("USD", "USD");

export interface SpotOrderInit {
  readonly account?: AccountId | null;
  readonly instrument?: Instrument;
  readonly side?: Side;
  /** Quantity (default "10"), unless `volume` is given. */
  readonly qty?: string;
  readonly volume?: string;
  /** Absent = "200"; `null` = a market order. */
  readonly price?: string | null;
}

export function spotOrder(init: SpotOrderInit = {}): Order {
  const account = init.account === undefined ? ACCOUNT : init.account;
  const amount =
    init.volume !== undefined
      ? TradeAmount.volume(Volume.fromString(init.volume))
      : TradeAmount.quantity(Quantity.fromString(init.qty ?? "10"));
  return {
    operation: {
      instrument: init.instrument ?? AAPL_USD,
      ...(account === null ? {} : { accountId: account }),
      side: init.side ?? "BUY",
      tradeAmount: amount,
      ...(init.price === null ? {} : { price: Price.fromString(init.price ?? "200") }),
    },
  };
}

export const buy = (qty: string, price: string | null = "200", more: SpotOrderInit = {}): Order =>
  spotOrder({ side: "BUY", qty, price, ...more });
export const sell = (qty: string, price: string | null = "200", more: SpotOrderInit = {}): Order =>
  spotOrder({ side: "SELL", qty, price, ...more });

/** A lock as a reservation at `price` leaves it, under `group` (default 0). */
export function lockAt(price: string, group: PolicyGroupId = PolicyGroupId.DEFAULT): PreTradeLock {
  return PreTradeLock.of([[group, Price.fromString(price)]]);
}

export interface ReportInit {
  readonly account?: AccountId | null;
  readonly instrument?: Instrument;
  readonly side?: Side;
  /** A trade of `qty` at `price`, if both are given. */
  readonly qty?: string;
  readonly price?: string;
  readonly leaves?: string;
  readonly final?: boolean;
  /** `null` = no lock on the report; default: a lock at `lockPrice ?? price`. */
  readonly lock?: PreTradeLock | null;
  readonly lockPrice?: string;
  readonly fee?: readonly [amount: string, currency: Asset];
}

export function report(init: ReportInit): ExecutionReport {
  const account = init.account === undefined ? ACCOUNT : init.account;
  const lockPrice = init.lockPrice ?? init.price;
  const lock = init.lock === null ? undefined : (init.lock ?? (lockPrice === undefined ? undefined : lockAt(lockPrice)));
  return {
    operation: {
      instrument: init.instrument ?? AAPL_USD,
      side: init.side ?? "BUY",
      ...(account === null ? {} : { accountId: account }),
    },
    fill: {
      ...(init.qty !== undefined && init.price !== undefined
        ? { lastTrade: { price: Price.fromString(init.price), quantity: Quantity.fromString(init.qty) } }
        : {}),
      ...(init.fee ? { fee: { amount: Fee.fromString(init.fee[0]), currency: init.fee[1] } } : {}),
      ...(init.leaves !== undefined ? { leavesQuantity: Quantity.fromString(init.leaves) } : {}),
      ...(lock ? { lock } : {}),
      isFinal: init.final ?? false,
    },
  };
}

/** A trade of `qty` at `price` (lock at `price` unless told otherwise). */
export function fillReport(side: Side, qty: string, price: string, more: Partial<ReportInit> = {}): ExecutionReport {
  return report({ side, qty, price, leaves: "0", final: false, ...more });
}

/** A final report without a trade: the unfilled `leaves` are released at `lockPrice`. */
export function cancelReport(side: Side, leaves: string, lockPrice: string, more: Partial<ReportInit> = {}): ExecutionReport {
  return report({ side, leaves, lockPrice, final: true, ...more });
}

type Amount = readonly ["abs" | "delta", string];

function amountOf([kind, value]: Amount): AdjustmentAmount {
  const size = PositionSize.fromString(value);
  return kind === "abs" ? AdjustmentAmount.absolute(size) : AdjustmentAmount.delta(size);
}

export interface BalanceInit {
  readonly balance?: Amount;
  readonly held?: Amount;
  readonly incoming?: Amount;
  readonly averageEntryPrice?: string;
  /** A value string, or a halt reason. */
  readonly realizedPnl?: string | { halted: PnlHaltReason };
  readonly bounds?: { readonly [K in keyof AdjustmentBounds]?: string };
}

export function balanceAdjustment(asset: Asset, init: BalanceInit): AccountAdjustment {
  const bounds: { -readonly [K in keyof AdjustmentBounds]?: PositionSize } = {};
  for (const [k, v] of Object.entries(init.bounds ?? {})) {
    bounds[k as keyof AdjustmentBounds] = PositionSize.fromString(v as string);
  }
  const realized = init.realizedPnl;
  return {
    operation: {
      kind: "balance",
      asset,
      ...(init.averageEntryPrice ? { averageEntryPrice: Price.fromString(init.averageEntryPrice) } : {}),
      ...(realized === undefined
        ? {}
        : {
            realizedPnl:
              typeof realized === "string" ? PnlState.value(Pnl.fromString(realized)) : PnlState.halted(realized.halted),
          }),
    },
    amount: {
      ...(init.balance ? { balance: amountOf(init.balance) } : {}),
      ...(init.held ? { held: amountOf(init.held) } : {}),
      ...(init.incoming ? { incoming: amountOf(init.incoming) } : {}),
    },
    ...(init.bounds ? { bounds } : {}),
  };
}

export function accountPnlAdjustment(state: PnlState): AccountAdjustment {
  return { operation: { kind: "accountPnl", state } };
}

export interface SpotEngine {
  readonly engine: Engine;
  readonly clock: ManualClock;
  readonly policy: SpotFundsPolicy;
}

/** An engine with `policy` (plus `others` after it) on a manual clock. */
export function spotEngine(policy: SpotFundsPolicy = new SpotFundsPolicy(), others: readonly PreTradePolicy[] = [], clock = new ManualClock(1_000)): SpotEngine {
  const builder = Engine.builder().clock(clock).policy(policy);
  for (const p of others) builder.policy(p);
  return { engine: builder.build(), clock, policy };
}

/** A market-data service on `clock` with infinite default TTL. */
export function marketData(clock: ManualClock): MarketDataService {
  return new MarketDataService({ defaultTtl: QuoteTtl.infinite(), clock });
}

/** Seeds `asset` for `account` with an absolute balance; fails the test if refused. */
export function seed(engine: Engine, asset: Asset, amount: string, account: AccountId = ACCOUNT): void {
  const result = engine.applyAccountAdjustment(account, [balanceAdjustment(asset, { balance: ["abs", amount] })]);
  expect(result.ok).toBe(true);
}

/** Runs the order, rolls it back, and says whether it was accepted (state is unchanged). */
export function accepts(engine: Engine, order: Order): boolean {
  const result = engine.executePreTrade(order);
  if (result.ok) result.reservation.rollback();
  return result.ok;
}

/** Runs the order and commits it; fails the test if refused. */
export function commit(engine: Engine, order: Order): void {
  const result = engine.executePreTrade(order);
  if (!result.ok) throw new Error(`order refused: ${JSON.stringify(result.rejects)}`);
  result.reservation.commit();
}

/** The slot as strings; a missing slot reads as zeros. */
export function slot(policy: SpotFundsPolicy, asset: Asset, account: AccountId = ACCOUNT): { available: string; held: string; incoming: string } {
  const h = policy.holdings(account).get(asset);
  return { available: h?.available.toString() ?? "0", held: h?.held.toString() ?? "0", incoming: h?.incoming.toString() ?? "0" };
}

/** Plain-data rendering of outcome entries, for exact comparisons. */
export function entries(list: readonly { entry: object }[] | readonly object[]): unknown[] {
  return list.map((x) => JSON.parse(JSON.stringify("entry" in x ? x.entry : x)));
}

/** The account-P&L outcomes of a post-trade result as plain data (decimals as strings). */
export function pnlResults(result: { readonly accountPnls: readonly { readonly result: object }[] }): unknown[] {
  return result.accountPnls.map((p) => JSON.parse(JSON.stringify(p.result)));
}

/** `"value 400"` / `"halted MissingFx"` / `"none"`: a P&L state as one comparable string. */
export function pnlText(state: PnlState | undefined): string {
  if (state === undefined) return "none";
  return state.kind === "value" ? `value ${state.value.toString()}` : `halted ${state.reason}`;
}
