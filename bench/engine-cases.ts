import { Engine, ManualClock, type PreTradePolicy } from "../src/engine/index.js";
import { TradeAmount, type Order } from "../src/model/index.js";
import { AccountId, instrument, Price, Quantity, type Side } from "../src/param/index.js";
import { BUILTIN_CASES } from "./builtin-cases.js";
import { CONTROLS_CASES } from "./controls-cases.js";

/**
 * One named in-process engine scenario. `setup` builds a fresh engine and returns the
 * operation a single timed call performs; everything the call needs (orders, reports) is
 * built in `setup` so the timing covers the engine only. Add scenarios to `ENGINE_CASES`.
 */
export interface EngineBenchCase {
  readonly name: string;
  readonly description: string;
  setup(): () => void;
}

const AAPL_USD = instrument("AAPL", "USD");
/** Enough distinct accounts that per-account maps are exercised, few enough to stay in cache. */
const ACCOUNTS = 64;

export function benchOrders(count = ACCOUNTS): Order[] {
  return Array.from({ length: count }, (_, i) => ({
    operation: {
      instrument: AAPL_USD,
      accountId: AccountId.fromU64(1_000 + i),
      side: (i % 2 === 0 ? "BUY" : "SELL") as Side,
      tradeAmount: TradeAmount.quantity(Quantity.fromString("10")),
      price: Price.fromString("185.25"),
    },
  }));
}

/** Counts accepted orders per account; the count moves only when a reservation commits. */
function committedOrdersPolicy(): PreTradePolicy {
  const committed = new Map<AccountId, number>();
  return {
    name: "CommittedOrders",
    performPreTradeCheck(_ctx, order, mutations) {
      const account = order.operation!.accountId!;
      mutations.push(
        () => committed.set(account, (committed.get(account) ?? 0) + 1),
        () => {},
      );
    },
  };
}

function rotating<T>(items: readonly T[]): () => T {
  let i = 0;
  return () => items[i++ % items.length]!;
}

const CUSTOM_CASES: readonly EngineBenchCase[] = [
  {
    name: "execute+commit/1-custom",
    description: "executePreTrade + commit, one custom main-stage policy registering one mutation",
    setup() {
      const engine = Engine.builder().clock(new ManualClock()).policy(committedOrdersPolicy()).build();
      const next = rotating(benchOrders());
      return () => {
        const result = engine.executePreTrade(next());
        if (!result.ok) throw new Error(`unexpected reject: ${result.rejects[0]?.reason}`);
        result.reservation.commit();
      };
    },
  },
];

export const ENGINE_CASES: readonly EngineBenchCase[] = [...CUSTOM_CASES, ...BUILTIN_CASES, ...CONTROLS_CASES];
