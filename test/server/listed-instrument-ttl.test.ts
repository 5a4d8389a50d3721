/**
 * Found by review, session 34: docs/durability.md says to register with RegisterInstrument an
 * instrument the file lists that the state has not registered. Doing so left the file's
 * `ttlMs` out of force until a later restart: a quote older than it priced orders as fresh,
 * and the same state and file judged it stale only after a restart. The registration now
 * takes the file's `ttlMs`; another `ttl_ms` for a listed instrument is refused.
 */
import { status, type ServiceError } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { controlsConfig, execute, executed, pushQuote, sidecarsPerTest, type DurableSidecar } from "./controls-world.js";
import { order } from "./harness.js";

const COLLAR = { type: "PriceCollarPolicy", settings: { default: { maxDeviationPct: "5" } } };
const MSFT = { underlyingAsset: "MSFT", settlementAsset: "USD" };
const config = (instruments: Record<string, unknown>[]) => ({ ...controlsConfig([COLLAR]), marketData: { defaultTtlMs: 0, instruments } });
const AAPL_ONLY = [{ id: 1, underlyingAsset: "AAPL", settlementAsset: "USD" }];
const WITH_MSFT = [...AAPL_ONLY, { id: 2, ...MSFT, ttlMs: 5_000 }];

const msftRejects = async (d: DurableSidecar) => executed(await d.channel().one(execute(order({ price: "100", instrument: MSFT })))).rejects.map((r) => r[0]);

describe("an instrument the file lists, registered at runtime as the docs say", () => {
  const sidecars = sidecarsPerTest();

  it("gets the file's ttlMs: a 6 s old quote under its 5 s TTL fails the collar closed, before and after a restart", async () => {
    const dir = sidecars.dataDir();
    const first = await sidecars.durable(config(AAPL_ONLY), dir, 1_000);
    await first.stop();
    // MSFT added to the file with ttlMs 5000; the state has not registered it: register it.
    const second = await sidecars.durable(config(WITH_MSFT), dir, 2_000);
    await second.admin("registerInstrument", { instrument: MSFT, instrumentId: 2n });
    await pushQuote(second.admin, 2n, { mark: "100" });
    second.clock.advance(6_000);
    const live = await msftRejects(second);
    await second.stop();
    // The same state and the same file, one restart later (no quote pushed since).
    const third = await sidecars.durable(config(WITH_MSFT), dir, 8_500);
    expect({ live, afterRestart: await msftRejects(third) }).toEqual({ live: ["REFERENCE_DATA_UNAVAILABLE"], afterRestart: ["REFERENCE_DATA_UNAVAILABLE"] });
  });

  it("a RegisterInstrument naming another ttl_ms for it is refused FAILED_PRECONDITION, naming ttl_ms", async () => {
    const dir = sidecars.dataDir();
    const first = await sidecars.durable(config(AAPL_ONLY), dir, 1_000);
    await first.stop();
    const second = await sidecars.durable(config(WITH_MSFT), dir, 2_000);
    const e = await second.admin("registerInstrument", { instrument: MSFT, instrumentId: 2n, ttlMs: 60_000 }).then(
      () => undefined,
      (err: unknown) => err as ServiceError,
    );
    expect([e?.code, e?.details, String(e?.metadata.get("openpit-error-kind")[0])]).toEqual([
      status.FAILED_PRECONDITION,
      "ttl_ms: instrument MSFT/USD is listed in the configuration file (marketData.instruments) with ttlMs 5000: its TTL is set there; leave ttl_ms out or send 5000",
      "FAILED_PRECONDITION",
    ]);
  });
});
