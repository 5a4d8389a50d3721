/** GrossExposureLimitPolicy's reject text (never an account id). */
import type { PolicyReject } from "../../model/reject.js";
import type { Asset } from "../../param/instrument.js";
import type { PositionSize, Volume } from "../../param/values.js";

/** GrossExposureLimitExceeded (46). */
export function grossExposureExceeded(after: PositionSize, before: PositionSize, max: Volume, asset: Asset): readonly PolicyReject[] {
  return [
    {
      code: "GrossExposureLimitExceeded",
      reason: "gross exposure limit exceeded",
      details: `gross exposure would be ${after.toString()} ${asset} (now ${before.toString()} ${asset}), max allowed: ${max.toString()} ${asset}`,
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
