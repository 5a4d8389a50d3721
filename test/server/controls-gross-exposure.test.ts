/** GrossExposureLimitPolicy through the wire: positions from the feed, open orders, reference prices, reducing orders, restart. */
import { describe, expect, it } from "vitest";
import { Side } from "../../gen/openpit/sidecar/v1/types_pb.js";
import { order } from "./harness.js";
import { as, fill } from "./results.js";
import { controlsConfig, dryRun, executed, execute, pushQuote, sidecarsPerTest } from "./controls-world.js";

const LIMIT = { type: "GrossExposureLimitPolicy", settings: { default: { settlementAsset: "USD", maxNotional: "2000" } } };
const MSFT = { underlyingAsset: "MSFT", settlementAsset: "USD" };

describe("gross exposure through the wire", () => {
  const sidecars = sidecarsPerTest();

  it("counts positions and open same-side orders at the reference; equal passes; a reducing order always passes", async () => {
    const h = await sidecars.harness(controlsConfig([LIMIT]));
    await pushQuote(h.admin, 1n, { mark: "100" });
    await pushQuote(h.admin, 2n, { mark: "50" });
    await h.feed().publish(fill({ qty: "10", price: "90" }));
    const ch = h.channel();
    expect(executed(await ch.one(execute(order({ instrument: MSFT, side: Side.SELL, qty: "20", price: "50" }))))).toMatchObject({ accepted: true });
    expect(executed(await ch.one(execute(order({ qty: "0.1" })))).rejects).toEqual([
      ["GROSS_EXPOSURE_LIMIT_EXCEEDED", "gross exposure limit exceeded", "gross exposure would be 2010.0 USD (now 2000 USD), max allowed: 2000 USD", "ORDER"],
    ]);
    expect(as(await ch.one(dryRun(order({ qty: "0.1" }))), "dryRun").pass).toBe(false);
    expect(executed(await ch.one(execute(order({ side: Side.SELL, qty: "10" })))).accepted).toBe(true);
    h.clock.advance(5_000);
    expect(executed(await ch.one(execute(order({ qty: "1" })))).rejects[0]!.slice(0, 3)).toEqual([
      "REFERENCE_DATA_UNAVAILABLE",
      "reference price unavailable",
      "AAPL/USD: quote expired",
    ]);
    // A limit in EUR counts the USD instruments too, through a USD/EUR rate: none is known.
    await h.admin("configurePolicy", { policyName: "GrossExposureLimitPolicy", settingsJson: '{"default":{"settlementAsset":"EUR","maxNotional":"1"}}' });
    await pushQuote(h.admin, 1n, { mark: "100" });
    expect(executed(await ch.one(execute(order({ qty: "1" })))).rejects[0]!.slice(0, 3)).toEqual([
      "REFERENCE_DATA_UNAVAILABLE",
      "reference price unavailable",
      "USD/EUR: FX rate unavailable: instrument is not registered with market data; EUR/USD: instrument is not registered with market data",
    ]);
  });

  it("keeps positions and open orders over a restart in durable mode", async () => {
    const dir = sidecars.dataDir();
    const first = await sidecars.durable(controlsConfig([LIMIT]), dir, 1_000);
    await pushQuote(first.admin, 1n, { mark: "100" });
    await first.feed().publish(fill({ qty: "15", price: "100" }));
    expect(executed(await first.channel().one(execute(order({ qty: "5" }))))).toMatchObject({ accepted: true });
    await first.stop();
    const second = await sidecars.durable(controlsConfig([LIMIT]), dir, 2_000);
    const rejects = executed(await second.channel().one(execute(order({ qty: "0.01" })))).rejects;
    expect(rejects[0]![2]).toBe("gross exposure would be 2001.00 USD (now 2000 USD), max allowed: 2000 USD");
  });
});
