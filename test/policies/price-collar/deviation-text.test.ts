/**
 * Found by review (session 30): the collar's deviation text rounded the quotient half-even to
 * the decimal domain's 28 digits before rounding it up to two decimals, so a price a hair past
 * a 100 % band read "100.00 % … collar is 100 %" (docs/controls.md: "rounded up to two
 * decimals, so a refused price never reads as the band itself"); and a deviation with no room
 * left for decimals in the domain was printed without them. It is now computed unbounded
 * (decimal.js) and rounded up to two decimals, always with two.
 */
import { describe, expect, it } from "vitest";
import { PriceCollarPolicy, parsePriceCollarSettingsJson } from "../../../src/policies/index.js";
import { deviationPercentText } from "../../../src/policies/policy-texts.js";
import { Price } from "../../../src/param/index.js";
import { AAPL_USD, only, order, quote, world } from "../../helpers/controls.js";

const collar = (pct: string) => world((md) => [new PriceCollarPolicy(parsePriceCollarSettingsJson({ default: { maxDeviationPct: pct } }), md)]);
const text = (value: string, reference: string) => deviationPercentText(Price.fromString(value), Price.fromString(reference));

describe("PriceCollarPolicy: the deviation text", () => {
  it("a price a hair past a 100 % band reads 100.01 %, not the band", () => {
    const w = collar("100");
    quote(w, AAPL_USD, { mark: "3" });
    // |6.0000000000000000000000000001 − 3| / 3 = 100.0000000000000000000000000033… %
    const rejects = w.engine.executePreTradeDryRun(order({ price: "6.0000000000000000000000000001" })).rejects;
    expect(only(rejects)[2]).toBe("order price 6.0000000000000000000000000001 is 100.01 % from reference price 3 (mark); collar is 100 %");
  });

  it("rounds up exactly and always shows two decimals", () => {
    expect(text("6.0000000000000000000000000001", "3")).toBe("100.01");
    expect(text("6", "3")).toBe("100.00"); // exactly the band (it passes; the text is exact)
    expect(text("105.001", "100")).toBe("5.01");
    expect(text("1", "3")).toBe("66.67");
    expect(text("600000000000000000000000002", "1")).toBe("60000000000000000000000000100.00");
    expect(text("79228162514264337593543950335", "0.0000000000000000000000000003")).toBe("26409387504754779197847983444999999999999999999999999999900.00");
    expect(text("79228162514264337593543950335", "3")).toBe("2640938750475477919784798344400.00");
    expect(text("79228162514264337593543950334", "3")).toBe("2640938750475477919784798344366.67");
  });
});
