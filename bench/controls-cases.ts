/**
 * The five built-ins plus every control of docs/controls.md this branch adds (price
 * collar, two-tier throttle, repeated-execution throttle, gross exposure, max open orders,
 * soft limits), with limits far beyond the run so every order takes the full accept path.
 */
import { monotonicClock } from "../src/engine/index.js";
import { MarketDataService, QuoteTtl } from "../src/marketdata/index.js";
import { Price, instrument } from "../src/param/index.js";
import {
  GrossExposureLimitPolicy,
  MaxOpenOrdersPolicy,
  PriceCollarPolicy,
  RepeatedExecutionThrottlePolicy,
  SoftLimitPolicy,
  TwoTierThrottlePolicy,
  parseGrossExposureSettingsJson,
  parseMaxOpenOrdersSettingsJson,
  parsePriceCollarSettingsJson,
  parseRepeatedExecutionSettingsJson,
  parseSoftLimitSettingsJson,
  parseTwoTierThrottleSettingsJson,
} from "../src/policies/index.js";
import { fiveBuiltins, orders, rotating } from "./builtin-cases.js";
import type { EngineBenchCase } from "./engine-cases.js";

function controls() {
  const marketData = new MarketDataService({ defaultTtl: QuoteTtl.infinite(), clock: monotonicClock });
  const id = marketData.register(instrument("AAPL", "USD"));
  marketData.push(id, { mark: Price.fromString("185.25"), bid: Price.fromString("185.20"), ask: Price.fromString("185.30") });
  return [
    new PriceCollarPolicy(parsePriceCollarSettingsJson({ default: { maxDeviationPct: "5" }, marketSlippagePct: "1" }), marketData),
    new TwoTierThrottlePolicy(parseTwoTierThrottleSettingsJson({ default: { softMaxOrders: 1_000_000_000, hardMaxOrders: 1_000_000_000, windowMs: 1_000 } })),
    new RepeatedExecutionThrottlePolicy(parseRepeatedExecutionSettingsJson({ default: { maxExecutions: 1_000_000_000, windowMs: 1_000 } })),
    new GrossExposureLimitPolicy(parseGrossExposureSettingsJson({ default: { settlementAsset: "USD", maxNotional: "1000000000000000" } }), marketData),
    new MaxOpenOrdersPolicy(parseMaxOpenOrdersSettingsJson({ default: { maxOpenOrders: 1_000_000_000 } })),
    new SoftLimitPolicy(parseSoftLimitSettingsJson({ shares: ["0.7", "0.9"] })),
  ];
}

export const CONTROLS_CASES: readonly EngineBenchCase[] = [
  {
    name: "execute+commit/builtins+controls",
    description: "executePreTrade + commit through the five built-ins and the six controls (collar, two throttles, gross exposure, open orders, soft limits)",
    setup() {
      const engine = fiveBuiltins(controls());
      const next = rotating(orders());
      return () => {
        const result = engine.executePreTrade(next());
        if (!result.ok) throw new Error(`unexpected reject: ${result.rejects[0]?.reason}: ${result.rejects[0]?.details}`);
        result.reservation.commit();
      };
    },
  },
];
