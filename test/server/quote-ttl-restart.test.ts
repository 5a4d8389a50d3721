/**
 * Found by review: the configuration file's quote TTLs (`marketData.defaultTtlMs`, an
 * instrument's `ttlMs`) were ignored at every restart on an existing data directory: the
 * snapshot's market data put its own back, and no AdminService call changes them, so a TTL
 * lowered in the file never took effect (a 6 s old quote still priced orders under a 5 s TTL).
 * They are in force after a restart, as the other execution settings are (docs/durability.md).
 */
import { describe, expect, it } from "vitest";
import { controlsConfig, execute, executed, pushQuote, sidecarsPerTest } from "./controls-world.js";
import { order } from "./harness.js";

const COLLAR = { type: "PriceCollarPolicy", settings: { default: { maxDeviationPct: "5" } } };
const withTtls = (defaultTtlMs: number, aaplTtlMs?: number) => {
  const config = controlsConfig([COLLAR]);
  const aapl = { id: 1, underlyingAsset: "AAPL", settlementAsset: "USD", ...(aaplTtlMs === undefined ? {} : { ttlMs: aaplTtlMs }) };
  return { ...config, marketData: { defaultTtlMs, instruments: [aapl, { id: 2, underlyingAsset: "MSFT", settlementAsset: "USD" }] } };
};
const rejectCodes = async (d: Awaited<ReturnType<ReturnType<typeof sidecarsPerTest>["durable"]>>) =>
  executed(await d.channel().one(execute(order({ price: "100" })))).rejects.map((r) => r[0]);

describe("the file's quote TTLs at a restart on an existing data directory", () => {
  const sidecars = sidecarsPerTest();

  it("a fresh directory: a quote older than the TTL fails the collar closed (baseline)", async () => {
    const d = await sidecars.durable(withTtls(5_000), sidecars.dataDir(), 1_000);
    await pushQuote(d.admin, 1n, { mark: "100" });
    d.clock.advance(6_000);
    expect(await rejectCodes(d)).toEqual(["REFERENCE_DATA_UNAVAILABLE"]);
  });

  it("a default TTL lowered in the file is in force after the restart", async () => {
    const dir = sidecars.dataDir();
    const first = await sidecars.durable(withTtls(0), dir, 1_000);
    await first.stop();
    const d = await sidecars.durable(withTtls(5_000), dir, 2_000);
    expect(d.sidecar.recovery!.settingsChanged).toBe(true);
    await pushQuote(d.admin, 1n, { mark: "100" });
    d.clock.advance(6_000);
    expect(await rejectCodes(d)).toEqual(["REFERENCE_DATA_UNAVAILABLE"]);
  });

  it("an instrument's ttlMs set in the file is in force after the restart, and removing it again falls back to the default", async () => {
    const dir = sidecars.dataDir();
    const first = await sidecars.durable(withTtls(0), dir, 1_000);
    await first.stop();
    const second = await sidecars.durable(withTtls(0, 5_000), dir, 2_000);
    await pushQuote(second.admin, 1n, { mark: "100" });
    second.clock.advance(6_000);
    expect(await rejectCodes(second)).toEqual(["REFERENCE_DATA_UNAVAILABLE"]);
    await second.stop();
    // The instrument's TTL gone from the file: the default (infinite) applies to it again.
    const third = await sidecars.durable(withTtls(0), dir, 10_000);
    await pushQuote(third.admin, 1n, { mark: "100" });
    third.clock.advance(60_000);
    expect(await rejectCodes(third)).toEqual([]);
  });

  it("an instrument taken out of the file's list loses the ttlMs the file gave it: the default applies", async () => {
    const dir = sidecars.dataDir();
    const first = await sidecars.durable(withTtls(0, 5_000), dir, 1_000);
    await pushQuote(first.admin, 1n, { mark: "100" });
    first.clock.advance(6_000);
    expect(await rejectCodes(first)).toEqual(["REFERENCE_DATA_UNAVAILABLE"]);
    await first.stop();
    // AAPL stays registered (the state keeps it), but the file no longer sets its TTL.
    const unlisted = withTtls(0);
    const config = { ...unlisted, marketData: { ...unlisted.marketData, instruments: unlisted.marketData.instruments.slice(1) } };
    const second = await sidecars.durable(config, dir, 10_000);
    expect(second.sidecar.recovery!.settingsChanged).toBe(true);
    await pushQuote(second.admin, 1n, { mark: "100" });
    second.clock.advance(60_000);
    expect(await rejectCodes(second)).toEqual([]);
    await second.stop();
    // The journaled settings say so on replay too.
    const third = await sidecars.durable(config, dir, 80_000);
    expect(third.sidecar.recovery!.settingsChanged).toBe(false);
    await pushQuote(third.admin, 1n, { mark: "100" });
    third.clock.advance(60_000);
    expect(await rejectCodes(third)).toEqual([]);
  });
});
