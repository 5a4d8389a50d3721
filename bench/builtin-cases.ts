import { Engine, monotonicClock, type PreTradePolicy } from "../src/engine/index.js";
import { AdjustmentAmount, PreTradeLock, TradeAmount, type AccountAdjustment, type ExecutionReport, type Order } from "../src/model/index.js";
import { AccountId, Fee, Pnl, PolicyGroupId, PositionSize, Price, Quantity, Volume, instrument, type Side } from "../src/param/index.js";
import {
  OrderSizeLimitPolicy,
  OrderValidationPolicy,
  PnlBoundsKillSwitchPolicy,
  RateLimitPolicy,
  SpotFundsPolicy,
} from "../src/policies/index.js";
import type { EngineBenchCase } from "./engine-cases.js";

const AAPL_USD = instrument("AAPL", "USD");
const ACCOUNTS = Array.from({ length: 64 }, (_, i) => AccountId.fromU64(10_000 + i));
const PRICE = Price.fromString("185.25");

/**
 * The realistic deployment: all five built-ins, every rate-limit axis the hot path must
 * touch (broker fixed window + per-account sliding log), on the real monotonic clock so
 * windows roll as they would in production. Accounts are funded far beyond the run so
 * every order is accepted and each call does the full accept path; 10^12 keeps amounts at
 * realistic magnitudes (the decimals' exact integer fast path covers up to 15 digits).
 */
export function fiveBuiltins(extra: readonly PreTradePolicy[] = []): Engine {
  const builder = Engine.builder()
    .clock(monotonicClock)
    .policy(new OrderValidationPolicy())
    .policy(
      new RateLimitPolicy({
        broker: { maxOrders: 1_000_000_000, windowMs: 1_000 },
        assetBarriers: [],
        accountBarriers: ACCOUNTS.map((accountId) => ({ accountId, limit: { maxOrders: 10_000_000, windowMs: 1_000 } })),
        accountAssetBarriers: [],
      }),
    )
    .policy(
      new OrderSizeLimitPolicy({
        broker: { maxQuantity: Quantity.fromString("1000"), maxNotional: Volume.fromString("1000000") },
        assetBarriers: [],
        accountAssetBarriers: [],
      }),
    )
    .policy(
      new PnlBoundsKillSwitchPolicy({
        brokerBarriers: [{ settlementAsset: "USD", lowerBound: Pnl.fromString("-1000000000000") }],
        accountBarriers: [],
      }),
    )
    .policy(new SpotFundsPolicy());
  for (const p of extra) builder.policy(p);
  const engine = builder.build();
  const funding = (asset: string): AccountAdjustment => ({
    operation: { kind: "balance", asset },
    amount: { balance: AdjustmentAmount.absolute(PositionSize.fromString("1000000000000")) },
  });
  for (const account of ACCOUNTS) {
    const r = engine.applyAccountAdjustment(account, [funding("USD"), funding("AAPL")]);
    if (!r.ok) throw new Error(`funding rejected: ${r.rejects[0]?.details}`);
  }
  return engine;
}

export const BENCH_ACCOUNTS = ACCOUNTS;

export function orders(): Order[] {
  return ACCOUNTS.map((accountId, i) => ({
    operation: {
      instrument: AAPL_USD,
      accountId,
      side: (i % 2 === 0 ? "BUY" : "SELL") as Side,
      tradeAmount: TradeAmount.quantity(Quantity.fromString("10")),
      price: PRICE,
    },
  }));
}

/** A final fill at the locked price, with a fee: every policy's post-trade path runs. */
function fills(): ExecutionReport[] {
  const lock = PreTradeLock.of([[PolicyGroupId.DEFAULT, PRICE]]);
  return orders().map((o) => ({
    operation: o.operation,
    financialImpact: { pnl: Pnl.fromString("0"), fee: Fee.fromString("0.01") },
    fill: {
      lastTrade: { price: PRICE, quantity: Quantity.fromString("10") },
      fee: { amount: Fee.fromString("0.01"), currency: "USD" },
      leavesQuantity: Quantity.fromString("0"),
      lock,
      isFinal: true,
    },
  }));
}

export function rotating<T>(items: readonly T[]): () => T {
  let i = 0;
  return () => items[i++ % items.length]!;
}

export const BUILTIN_CASES: readonly EngineBenchCase[] = [
  {
    name: "execute+commit/5-builtins",
    description: "executePreTrade + commit through OrderValidation, RateLimit, OrderSizeLimit, PnlBoundsKillSwitch, SpotFunds",
    setup() {
      const engine = fiveBuiltins();
      const next = rotating(orders());
      return () => {
        const result = engine.executePreTrade(next());
        if (!result.ok) throw new Error(`unexpected reject: ${result.rejects[0]?.reason}: ${result.rejects[0]?.details}`);
        result.reservation.commit();
      };
    },
  },
  {
    name: "applyExecutionReport/5-builtins",
    description: "a final fill with a fee through the same five built-ins (SpotFunds fill + fee, kill-switch P&L)",
    setup() {
      const engine = fiveBuiltins();
      const next = rotating(fills());
      return () => {
        const result = engine.applyExecutionReport(next());
        if (result.accountBlocks.length > 0) throw new Error(`unexpected block: ${result.accountBlocks[0]?.details}`);
      };
    },
  },
];
