/**
 * The five built-ins plus all nine controls of docs/controls.md (price collar, two-tier
 * throttle, repeated-execution throttle, gross exposure, max open orders, soft limits,
 * trading state, restricted list, client order ids), with limits far beyond the run so
 * every order takes the full accept path. The trading state holds a REDUCING entry and the
 * restricted list a global entry, both for scopes the bench orders do not match, so each
 * policy looks its scopes up and passes. Every order carries a fresh client order id (the
 * wire decoder builds a new order per message too), remembered for one second.
 */
import { monotonicClock, type PreTradePolicy } from "../src/engine/index.js";
import { MarketDataService, QuoteTtl } from "../src/marketdata/index.js";
import type { Order } from "../src/model/index.js";
import { Price, instrument } from "../src/param/index.js";
import {
  ClientOrderIdPolicy,
  GrossExposureLimitPolicy,
  MaxOpenOrdersPolicy,
  PriceCollarPolicy,
  RepeatedExecutionThrottlePolicy,
  RestrictedListPolicy,
  SoftLimitPolicy,
  TradingStatePolicy,
  TwoTierThrottlePolicy,
  parseClientOrderIdSettingsJson,
  parseGrossExposureSettingsJson,
  parseMaxOpenOrdersSettingsJson,
  parsePriceCollarSettingsJson,
  parseRepeatedExecutionSettingsJson,
  parseRestrictedListSettingsJson,
  parseSoftLimitSettingsJson,
  parseTradingStateSettingsJson,
  parseTwoTierThrottleSettingsJson,
} from "../src/policies/index.js";
import { fiveBuiltins, orders, rotating } from "./builtin-cases.js";
import type { EngineBenchCase } from "./engine-cases.js";

export function benchControls(): PreTradePolicy[] {
  const marketData = new MarketDataService({ defaultTtl: QuoteTtl.infinite(), clock: monotonicClock });
  const id = marketData.register(instrument("AAPL", "USD"));
  marketData.push(id, { mark: Price.fromString("185.25"), bid: Price.fromString("185.20"), ask: Price.fromString("185.30") });
  return [
    new PriceCollarPolicy(parsePriceCollarSettingsJson({ default: { maxDeviationPct: "5" }, marketSlippagePct: "1" }), marketData),
    new TwoTierThrottlePolicy(parseTwoTierThrottleSettingsJson({ default: { softMaxOrders: 1_000_000_000, hardMaxOrders: 1_000_000_000, windowMs: 1_000 } })),
    new RepeatedExecutionThrottlePolicy(parseRepeatedExecutionSettingsJson({ default: { maxExecutions: 1_000_000_000, windowMs: 1_000 } })),
    new GrossExposureLimitPolicy(parseGrossExposureSettingsJson({ default: { settlementAsset: "USD", maxNotional: "1000000000000" } }), marketData),
    new MaxOpenOrdersPolicy(parseMaxOpenOrdersSettingsJson({ default: { maxOpenOrders: 1_000_000_000 } })),
    new SoftLimitPolicy(parseSoftLimitSettingsJson({ shares: ["0.7", "0.9"] })),
    new TradingStatePolicy(parseTradingStateSettingsJson({ states: [{ accountId: 1, state: "REDUCING" }] })),
    new RestrictedListPolicy(parseRestrictedListSettingsJson({ entries: [{ global: true, underlyingAsset: "XYZ" }] })),
    new ClientOrderIdPolicy(parseClientOrderIdSettingsJson({ retentionMs: 1_000 })),
  ];
}

/** The rotating bench orders, each call a new order object with its own client order id. */
function withFreshClientOrderIds(base: () => Order): () => Order {
  let n = 0;
  // Built field by field (not spread) so every order has the same shape, as the decoder's do.
  return () => ({ operation: base().operation, clientOrderId: `c${n++}` });
}

export const CONTROLS_CASES: readonly EngineBenchCase[] = [
  {
    name: "execute+commit/builtins+controls",
    description: "executePreTrade + commit through the five built-ins and the nine controls (collar, two throttles, gross exposure, open orders, soft limits, trading state, restricted list, client order ids)",
    setup() {
      const engine = fiveBuiltins(benchControls());
      const next = withFreshClientOrderIds(rotating(orders()));
      return () => {
        const result = engine.executePreTrade(next());
        if (!result.ok) throw new Error(`unexpected reject: ${result.rejects[0]?.reason}: ${result.rejects[0]?.details}`);
        result.reservation.commit();
      };
    },
  },
];
