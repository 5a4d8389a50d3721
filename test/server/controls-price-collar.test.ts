/** PriceCollarPolicy through the wire: band, fail closed on a stale reference, market orders, dry run, runtime change. */
import { describe, expect, it } from "vitest";
import { order } from "./harness.js";
import { as } from "./results.js";
import { controlsConfig, dryRun, executed, execute, pushQuote, rows, sidecarsPerTest } from "./controls-world.js";

const COLLAR = { type: "PriceCollarPolicy", settings: { default: { maxDeviationPct: "5" }, marketSlippagePct: "1" } };

describe("price collar through the wire", () => {
  const sidecars = sidecarsPerTest();
  const started = async () => {
    const h = await sidecars.harness(controlsConfig([COLLAR]));
    await pushQuote(h.admin, 1n, { mark: "100", bid: "99.5", ask: "100.5" });
    return h;
  };

  it("accepts at the band, rejects one step past it with code 43", async () => {
    const h = await started();
    const ch = h.channel();
    expect(executed(await ch.one(execute(order({ price: "105" })))).accepted).toBe(true);
    expect(executed(await ch.one(execute(order({ price: "105.01" })))).rejects).toEqual([
      ["PRICE_OUTSIDE_COLLAR", "price outside collar", "order price 105.01 is 5.01 % from reference price 100 (mark); collar is 5 %", "ORDER"],
    ]);
    const raw = as(await ch.one(execute(order({ price: "94" }))), "execute").rejects[0]!;
    expect(raw.code).toBe(43);
  });

  it("fails closed on a stale reference (code 37), and a new quote opens it again", async () => {
    const h = await started();
    const ch = h.channel();
    h.clock.advance(5_000);
    expect(executed(await ch.one(execute())).rejects).toEqual([["REFERENCE_DATA_UNAVAILABLE", "reference price unavailable", "AAPL/USD: quote expired", "ORDER"]]);
    expect(executed(await ch.one(execute(order({ instrument: { underlyingAsset: "MSFT", settlementAsset: "USD" } })))).rejects[0]![2]).toBe("MSFT/USD: no quote available");
    await pushQuote(h.admin, 1n, { mark: "100", bid: "99.5", ask: "100.5" });
    expect(executed(await ch.one(execute())).accepted).toBe(true);
  });

  it("checks a market order's touch with the slippage", async () => {
    const h = await started();
    const ch = h.channel();
    const market = order({ price: undefined });
    expect(executed(await ch.one(execute(market))).accepted).toBe(true);
    await pushQuote(h.admin, 1n, { mark: "100", bid: "99", ask: "101.01" });
    expect(executed(await ch.one(execute(market))).rejects[0]![2]).toBe(
      "market order would trade at ask 101.01, 1.01 % from reference price 100 (mark); allowed slippage is 1 %",
    );
  });

  it("answers a dry run the same, and follows a runtime change by name", async () => {
    const h = await started();
    const ch = h.channel();
    const dry = as(await ch.one(dryRun(order({ price: "107" }))), "dryRun");
    expect([dry.pass, rows(dry.rejects)[0]![0]]).toEqual([false, "PRICE_OUTSIDE_COLLAR"]);
    await h.admin("configurePolicy", { policyName: "PriceCollarPolicy", settingsJson: '{"default":{"maxDeviationPct":"7"}}' });
    expect(executed(await ch.one(execute(order({ price: "107" })))).accepted).toBe(true);
    const failed = await h.admin("configurePolicy", { policyName: "PriceCollarPolicy", settingsJson: '{"default":{"maxDeviationPct":"-7"}}' }).then(
      () => "applied",
      (e: Error) => e.message,
    );
    expect(failed).toBe("3 INVALID_ARGUMENT: settings_json.default.maxDeviationPct: must not be negative");
  });
});
