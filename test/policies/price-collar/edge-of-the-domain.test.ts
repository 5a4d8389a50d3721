/**
 * Found by review: the price collar at the edges. A mid whose bid + ask overflowed the decimal
 * domain escaped as the policy's internal error instead of a price; and a refused deviation
 * just over the band was printed rounded down to the band itself ("5.00 % … collar is 5 %").
 */
import { describe, expect, it } from "vitest";
import { PriceCollarPolicy, parsePriceCollarSettingsJson } from "../../../src/policies/index.js";
import { AAPL_USD, only, order, quote, submit, world } from "../../helpers/controls.js";

const collar = (pct: string) => world((md) => [new PriceCollarPolicy(parsePriceCollarSettingsJson({ default: { maxDeviationPct: pct } }), md)]);

describe("PriceCollarPolicy at the edges", () => {
  it("a mid whose bid + ask overflow is still a price: the order is judged against it", () => {
    const w = collar("5");
    quote(w, AAPL_USD, { bid: "50000000000000000000000000000", ask: "50000000000000000000000000000" });
    expect(submit(w.engine, order({ price: "50000000000000000000000000000" }))).toEqual([]);
    const [, reason, details] = only(submit(w.engine, order({ price: "40000000000000000000000000000" })));
    expect([reason, details]).toEqual([
      "price outside collar",
      "order price 40000000000000000000000000000 is 20.00 % from reference price 50000000000000000000000000000 (mid); collar is 5 %",
    ]);
  });

  it("bid = ask = the largest price: the mid is exactly that price", () => {
    const MAX = "79228162514264337593543950335";
    const w = collar("0");
    quote(w, AAPL_USD, { bid: MAX, ask: MAX });
    expect(submit(w.engine, order({ price: MAX }))).toEqual([]);
  });

  it("a refused deviation is never shown as the band: rounded up", () => {
    const w = collar("5");
    quote(w, AAPL_USD, { mark: "100" });
    expect(only(submit(w.engine, order({ price: "105.001" })))[2]).toBe("order price 105.001 is 5.01 % from reference price 100 (mark); collar is 5 %");
  });
});
