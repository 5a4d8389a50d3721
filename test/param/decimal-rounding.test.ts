/**
 * Results wider than rust_decimal's domain (scale over 28, or a mantissa over 96 bits) are
 * the exact value rounded half-even once, at the widest scale whose mantissa fits, as
 * rust_decimal's rescale does with its sticky remainder. Rounding one digit at a time
 * (each step rounding the step before) loses a digit: …818.1054 → .105 → .10.
 */
import { describe, expect, it } from "vitest";
import { Decimal } from "decimal.js";
import { Price, Quantity, Volume } from "../../src/param/index.js";
import { seededRandom } from "./random-decimals.js";

/** Enough digits for every product and every quotient's first 300 digits. */
const Exact = Decimal.clone({ precision: 300, toExpNeg: -9e15, toExpPos: 9e15 });
const MAX_MANTISSA = new Exact("79228162514264337593543950335");

function scaleOf(text: string): number {
  const dot = text.indexOf(".");
  return dot < 0 ? 0 : text.length - dot - 1;
}

/** The mantissa of `x` rounded half-even at `scale` fits 96 bits. */
function fitsAt(x: Decimal, scale: number): boolean {
  return x.toDecimalPlaces(scale, Decimal.ROUND_HALF_EVEN).abs().times(new Exact(10).pow(scale)).lte(MAX_MANTISSA);
}

/**
 * `got` is `exact` rounded once at got's scale, and that scale is the widest one allowed:
 * either the nominal one (capped at 28) or one place wider would not fit.
 */
function expectFittedOnce(got: string, exact: Decimal, nominalScale: number): void {
  const s = scaleOf(got);
  expect(got).toBe(exact.toDecimalPlaces(s, Decimal.ROUND_HALF_EVEN).toFixed(s));
  if (s < Math.min(nominalScale, 28)) expect(fitsAt(exact, s + 1)).toBe(false);
}

/** 8..28 digits at scale 0..28: products and quotients that overflow the domain's scale or width. */
function wideDecimal(rand: () => number): string {
  const digits = 8 + Math.floor(rand() * 21);
  let body = String(1 + Math.floor(rand() * 9));
  for (let i = 1; i < digits; i++) body += String(Math.floor(rand() * 10));
  const scale = Math.floor(rand() * (digits + 1));
  const sign = rand() < 0.3 ? "-" : "";
  return scale === 0 ? `${sign}${body}` : `${sign}${body.slice(0, digits - scale) || "0"}.${body.slice(digits - scale)}`;
}

describe("results fitted into 96 bits and scale 28 are rounded once", () => {
  it("a product: 415435786927275189456807.76 × 1452.68508069 = …818.1054181544 → …818.11", () => {
    const got = Price.fromString("415435786927275189456807.76").mul(Quantity.fromString("1452.68508069")).toString();
    expect(got).toBe("603497369653962405757897818.11");
  });

  it("a product: 2.058176604304035751952291 × 90895.336 = …614641|4776 → …641, not …642", () => {
    const got = Price.fromString("2.058176604304035751952291").mul(Quantity.fromString("90895.336")).toString();
    expect(got).toBe("187078.65399555437582971614641");
  });

  it("a quotient (the average-price path): 35100783.1 / 2210896.6 → …673", () => {
    expect(Price.fromString("35100783.1").div(Price.fromString("2210896.6")).toString()).toBe("15.876266262293768057719207673");
  });

  it("a volume's quantity (SpotFunds, OrderSizeLimit): 18918881396245830 / 7.04 → …545", () => {
    const got = Volume.fromString("18918881396245830").calculateQuantity(Price.fromString("7.04")).toString();
    expect(got).toBe("2687341107421282.6704545454545");
  });

  it("rounding that carries into a new digit gives up one more place: 9.99…96 (29 nines) × 10", () => {
    // 9.999…9 (28 nines) × 10^28 = 99999999999999999999999999990 does not fit at scale 0
    // (over 2^96 − 1): out of range, never clamped. (It read 9.99…96 with 29 nines, which is
    // itself too precise to parse: the refusal it met was the parser's, now Underflow.)
    expect(() => Price.fromString("9.999999999999999999999999999").mul(Quantity.fromString("10000000000000000000000000000"))).toThrow(/outside/);
    expect(() => Price.fromString("9.9999999999999999999999999996")).toThrow(/Underflow|more digits/);
    // 7922816251426433759354395033.5 (2^96 − 1 at scale 1) × 10.1 is over 2^96 − 1 at every
    // scale: overflow. (It read …033.56, too precise to parse, like the one above.)
    expect(() => Price.fromString("7922816251426433759354395033.5").mul(Quantity.fromString("10.1"))).toThrow(/outside/);
    expect(() => Price.fromString("7922816251426433759354395033.56")).toThrow(/Underflow|more digits/);
    // At scale 1 the same carry is absorbed by giving up a place: …03.35 × 1.0 keeps scale 2 (it fits).
    expect(Price.fromString("792281625142643375935439503.35").mul(Quantity.fromString("1.0")).toString()).toBe("792281625142643375935439503.35");
  });

  it("random wide products and quotients match the exact value rounded once (seeded)", () => {
    const rand = seededRandom(20261203);
    let checked = 0;
    for (let i = 0; i < 4000; i++) {
      const a = wideDecimal(rand);
      const b = wideDecimal(rand);
      const pa = Price.fromString(a);
      const qb = Price.fromString(b);
      let product: string | undefined;
      try {
        product = pa.mul(qb).toString();
      } catch {
        expect(fitsAt(new Exact(a).times(b), 0)).toBe(false);
      }
      if (product !== undefined) {
        expectFittedOnce(product, new Exact(a).times(b), scaleOf(a) + scaleOf(b));
        checked++;
      }
      if (new Exact(b).isZero()) continue;
      let quotient: string | undefined;
      try {
        quotient = pa.div(Price.fromString(b)).toString();
      } catch {
        expect(fitsAt(new Exact(a).div(b), 0)).toBe(false);
      }
      if (quotient !== undefined) {
        expectFittedOnce(quotient, new Exact(a).div(b), 28);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(6000);
  });
});
