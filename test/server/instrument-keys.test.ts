/**
 * Found by review (session 39): the configuration file and two policies' settings found a
 * repeated instrument by a key joined with "/" (and "*" for every settlement asset), so two
 * different instruments, BRK/B|USD and BRK|B/USD, or X|* and every instrument on X, were
 * refused as one. The wire, the instrument registry and the policies themselves take such
 * names. The keys are unambiguous now; a real repeat is still refused, named as before.
 */
import { describe, expect, it } from "vitest";
import { parseSidecarConfig } from "../../src/server/config/sidecar-config.js";
import { parsePriceCollarSettingsJson } from "../../src/policies/price-collar/settings.js";
import { parseRestrictedListSettingsJson } from "../../src/policies/restricted-list/settings.js";

const base = { policies: [{ type: "OrderValidationPolicy" }] };
const errorOf = (f: () => unknown) => {
  try {
    f();
    return "accepted";
  } catch (e) {
    return (e as Error).message;
  }
};

describe("instruments whose names contain '/' or '*'", () => {
  it("marketData.instruments: BRK/B|USD and BRK|B/USD are two instruments; a real repeat is refused, shown as before", () => {
    const instruments = [
      { underlyingAsset: "BRK/B", settlementAsset: "USD" },
      { underlyingAsset: "BRK", settlementAsset: "B/USD" },
    ];
    expect(errorOf(() => parseSidecarConfig({ ...base, marketData: { instruments } }))).toBe("accepted");
    expect(errorOf(() => parseSidecarConfig({ ...base, marketData: { instruments: [...instruments, { underlyingAsset: "BRK", settlementAsset: "B/USD" }] } }))).toBe(
      "config.marketData.instruments[2]: repeats the instrument of config.marketData.instruments[1] (BRK/B/USD)",
    );
  });

  it("PriceCollarPolicy.instruments: two bands for two different instruments", () => {
    const band = (underlyingAsset: string, settlementAsset: string) => ({ underlyingAsset, settlementAsset, limit: { maxDeviationPct: "5" } });
    const settings = (...instruments: object[]) => ({ default: { maxDeviationPct: "5" }, instruments });
    expect(errorOf(() => parsePriceCollarSettingsJson(settings(band("BRK/B", "USD"), band("BRK", "B/USD"))))).toBe("accepted");
    expect(errorOf(() => parsePriceCollarSettingsJson(settings(band("BRK", "B/USD"), band("BRK", "B/USD"))))).toBe("settings.instruments[1]: repeats an earlier entry's instrument");
  });

  it("RestrictedListPolicy: every instrument on X and the one instrument X|* are different entries", () => {
    const every = { global: true, underlyingAsset: "X" };
    const star = { global: true, underlyingAsset: "X", settlementAsset: "*", sellOnly: true };
    expect(errorOf(() => parseRestrictedListSettingsJson({ entries: [every, star] }))).toBe("accepted");
    expect(errorOf(() => parseRestrictedListSettingsJson({ entries: [every, every] }))).toBe("settings.entries[1]: repeats an earlier entry's scope");
  });
});
