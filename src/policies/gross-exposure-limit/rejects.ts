/** GrossExposureLimitPolicy's reject text (never an account id). */
import type { PolicyReject } from "../../model/reject.js";
import type { Asset } from "../../param/instrument.js";
import type { PositionSize, Quantity, Volume } from "../../param/values.js";
import type { Side } from "../../param/enums.js";
import type { BookInstrument } from "../../engine/account-book/account-book-view.js";
import { Unbounded } from "../../param/decimal-value.js";
import type { Decimal } from "decimal.js";

/**
 * GrossExposureLimitExceeded (46). `after` is the total as the decimal domain gives it;
 * `unrounded`, when a step of it was rounded, the exact total that was compared: shown
 * instead when the rounded figure is not itself past the limit (never "would be 1000.001,
 * max allowed: 1000.001").
 */
export function grossExposureExceeded(after: PositionSize, unrounded: Decimal | undefined, before: PositionSize, max: Volume, asset: Asset): readonly PolicyReject[] {
  const shown = unrounded !== undefined && !after.gt(max) ? unrounded.toString() : after.toString();
  return [
    {
      code: "GrossExposureLimitExceeded",
      reason: "gross exposure limit exceeded",
      details: `gross exposure would be ${shown} ${asset} (now ${before.toString()} ${asset}), max allowed: ${max.toString()} ${asset}`,
      scope: "order",
    },
  ];
}

/** GrossExposureLimitExceeded (46) when the exposure is past the decimal domain itself. */
export function grossExposureBeyondRange(max: Volume, asset: Asset): readonly PolicyReject[] {
  return [
    {
      code: "GrossExposureLimitExceeded",
      reason: "gross exposure limit exceeded",
      details: `gross exposure would be beyond 79228162514264337593543950335 ${asset}, max allowed: ${max.toString()} ${asset}`,
      scope: "order",
    },
  ];
}

/**
 * GrossExposureLimitExceeded (46), failing closed: the order is within the limit, but the
 * open quantity on its side with it (`pending + quantity`) is past the 29 digits the account
 * book holds, which would count it rounded (`held`), short of the order: accepted, it would
 * not be counted in full by the next check (any number of them could pass).
 */
export function grossExposurePendingRounded(side: Side, held: Quantity, quantity: Quantity, entry: BookInstrument, max: Volume, asset: Asset): readonly PolicyReject[] {
  const pending = side === "BUY" ? entry.pendingBuy : entry.pendingSell;
  const exact = new Unbounded(pending.decimal).plus(quantity.decimal);
  return [
    {
      code: "GrossExposureLimitExceeded",
      reason: "gross exposure limit exceeded",
      details: `open ${side === "BUY" ? "buys" : "sells"} with this order would be ${exact.toString()}, past the 29 digits the account book holds (it would count ${held.toString()}), max allowed: ${max.toString()} ${asset}`,
      scope: "order",
    },
  ];
}
