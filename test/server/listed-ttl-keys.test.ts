/**
 * Found by review (session 40): the configuration file's quote TTLs were looked up by the two
 * asset names joined with NUL, and asset names may hold NUL: A\0B/C (listed, ttlMs 5000) and
 * A/B\0C (not listed) were one key. The unlisted one took the listed TTL (its quotes expired
 * though the default is infinite), its own registration was refused as the listed one's, and
 * a file listing both read as changed at every start.
 */
import { describe, expect, it } from "vitest";
import { sameQuoteTtls } from "../../src/state/door-settings.js";
import { controlsConfig, execute, executed, sidecarsPerTest } from "./controls-world.js";
import { order } from "./harness.js";

const COLLAR = { type: "PriceCollarPolicy", settings: { default: { maxDeviationPct: "5" } } };
const LISTED = { underlyingAsset: "A\u0000B", settlementAsset: "C" };
const OTHER = { underlyingAsset: "A", settlementAsset: "B\u0000C" };
const config = () => ({
  ...controlsConfig([COLLAR]),
  marketData: { defaultTtlMs: 0, instruments: [{ id: 1, underlyingAsset: "AAPL", settlementAsset: "USD" }, { id: 2, ...LISTED, ttlMs: 5_000 }] },
});

describe("listed quote TTLs are keyed by both asset names unambiguously", () => {
  const sidecars = sidecarsPerTest();

  it("an unlisted instrument whose names join to a listed one's keeps the default TTL", async () => {
    const h = await sidecars.harness(config());
    const ch = h.channel();
    await h.admin("pushQuote", { target: { case: "instrument", value: OTHER }, quote: { mark: "100" } });
    h.clock.advance(6_000);
    expect(executed(await ch.one(execute(order({ price: "100", instrument: OTHER })))).rejects).toEqual([]);
    // The listed one's quote does expire at its 5 s.
    await h.admin("pushQuote", { target: { case: "instrument", value: LISTED }, quote: { mark: "100" } });
    h.clock.advance(6_000);
    expect(executed(await ch.one(execute(order({ price: "100", instrument: LISTED })))).rejects.map((r) => r[0])).toEqual(["REFERENCE_DATA_UNAVAILABLE"]);
  });

  it("registers the unlisted instrument with its own ttl_ms", async () => {
    const h = await sidecars.harness(config());
    await expect(h.admin("registerInstrument", { instrument: OTHER, ttlMs: 60_000 })).resolves.toBeDefined();
  });

  it("a list of both is the same as itself", () => {
    const ttls = { defaultTtlMs: 0, instruments: [{ ...LISTED, ttlMs: 5_000 }, { ...OTHER, ttlMs: 60_000 }] };
    expect(sameQuoteTtls(ttls, ttls)).toBe(true);
  });
});
