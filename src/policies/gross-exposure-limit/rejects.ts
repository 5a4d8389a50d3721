/** GrossExposureLimitPolicy's reject text (never an account id). */
import type { PolicyReject } from "../../model/reject.js";
import type { Asset } from "../../param/instrument.js";
import type { PositionSize, Volume } from "../../param/values.js";
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

