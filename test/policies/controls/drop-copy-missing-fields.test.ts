/**
 * Found by review (session 28): docs/controls.md says the price collar and gross exposure do
 * not check drop copies, and that trading state and the restricted list let them pass. A drop
 * copy without a side (the venue's copy as received: the engine and the book take it, as an
 * open order only) was refused MissingRequiredField by each of them first: an evaluation
 * failure, which fails the whole drop copy and keeps a real order out of the book.
 */
import { describe, expect, it } from "vitest";
import { Engine, ManualClock, type PreTradePolicy } from "../../../src/engine/index.js";
import { MarketDataService, QuoteTtl } from "../../../src/marketdata/index.js";
import {
  GrossExposureLimitPolicy,
  MaxOpenOrdersPolicy,
  PriceCollarPolicy,
  RestrictedListPolicy,
  TradingStatePolicy,
  parseGrossExposureSettingsJson,
  parseMaxOpenOrdersSettingsJson,
  parsePriceCollarSettingsJson,
  parseRestrictedListSettingsJson,
  parseTradingStateSettingsJson,
} from "../../../src/policies/index.js";
import type { Order } from "../../../src/model/index.js";
import { AAPL_USD, ACCOUNT, order } from "../../helpers/controls.js";

const CONTROLS: [string, (md: MarketDataService) => PreTradePolicy][] = [
  ["PriceCollarPolicy", (md) => new PriceCollarPolicy(parsePriceCollarSettingsJson({ default: { maxDeviationPct: "5" } }), md)],
  ["GrossExposureLimitPolicy", (md) => new GrossExposureLimitPolicy(parseGrossExposureSettingsJson({ default: { settlementAsset: "USD", maxNotional: "1000" } }), md)],
  ["TradingStatePolicy (REDUCING)", () => new TradingStatePolicy(parseTradingStateSettingsJson({ states: [{ global: true, state: "REDUCING" }] }))],
  ["RestrictedListPolicy (sell only)", () => new RestrictedListPolicy(parseRestrictedListSettingsJson({ entries: [{ global: true, underlyingAsset: "AAPL", sellOnly: true }] }))],
];

/** A drop copy with no side. */
function noSide(): Order {
  const o = order();
  const { side: _side, ...operation } = o.operation!;
  return { ...o, operation };
}

describe("controls that do not check drop copies take one without a side", () => {
  it.each(CONTROLS)("%s", (_name, control) => {
    const clock = new ManualClock(1_000);
    const md = new MarketDataService({ defaultTtl: QuoteTtl.within(5_000), clock });
    md.register(AAPL_USD);
    const engine = Engine.builder().clock(clock).policy(new MaxOpenOrdersPolicy(parseMaxOpenOrdersSettingsJson({ default: { maxOpenOrders: 10 } }))).policy(control(md)).build();
    const r = engine.applyDropCopy(noSide());
    expect([r.ok, r.rejects]).toEqual([true, []]);
    expect(engine.book.openOrders(ACCOUNT)).toBe(1);
  });
});
