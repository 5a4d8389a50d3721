/**
 * The world of the gross-exposure exactness tests (gross-exposure-rounding, -rounded-worst):
 * one default limit in USD, the exact reject the limit gives, and a market order by volume.
 */
import { TradeAmount, type Order } from "../../../src/model/index.js";
import { Volume } from "../../../src/param/index.js";
import { GrossExposureLimitPolicy, parseGrossExposureSettingsJson } from "../../../src/policies/index.js";
import { order, world } from "../../helpers/controls.js";

/** A world whose only policy is a default gross-exposure limit of `max` USD. */
export function limited(max: string) {
  return world((md) => [new GrossExposureLimitPolicy(parseGrossExposureSettingsJson({ default: { settlementAsset: "USD", maxNotional: max } }), md)]);
}

/** The limit's reject as `only()` lists it. */
export const EXCEEDED = (after: string, before: string, max: string) => [
  "GrossExposureLimitExceeded",
  "gross exposure limit exceeded",
  `gross exposure would be ${after} USD (now ${before} USD), max allowed: ${max} USD`,
  "order",
];

/** A market order (no price) by volume on the default instrument. */
export const marketByVolume = (side: "BUY" | "SELL", volume: string): Order => ({
  operation: { ...order({ side }).operation, price: undefined, tradeAmount: TradeAmount.volume(Volume.fromString(volume)) },
});
