import { describe, expect, it } from "vitest";
import { randomDecimal, seededRandom } from "./random-decimals.js";
import { Dec, Pnl, Price, Quantity } from "../../src/param/index.js";

function scaleOf(text: string): number {
  const dot = text.indexOf(".");
  return dot < 0 ? 0 : text.length - dot - 1;
}

describe("the integer fast path agrees digit for digit with decimal.js", () => {
  it("add, sub, mul, compare, neg and rendering over 20 000 random pairs", () => {
    const rand = seededRandom(20261125);
    for (let i = 0; i < 20_000; i++) {
      const a = randomDecimal(rand, { signed: true, zeros: false });
      const b = randomDecimal(rand, { signed: true, zeros: false });
      const [x, y] = [Pnl.fromString(a), Pnl.fromString(b)];
      const [da, db] = [new Dec(a), new Dec(b)];
      const sumScale = Math.max(scaleOf(a), scaleOf(b));
      expect(x.toString(), a).toBe(da.toFixed(scaleOf(a)));
      // Results wider than 28 digits give up fractional digits to fit 96 bits, as in
      // rust_decimal; that rule has its own tests, so such pairs are not compared here.
      const fits = (exact: string) => exact.replace(/[-.]/g, "").length <= 28;
      // rust_decimal leaves the other operand as it is when one is zero, its scale included.
      const zeroSum = (sign: 1 | -1) => (da.isZero() ? (sign === 1 || db.isZero() ? db : db.negated()).toFixed(scaleOf(b)) : da.toFixed(scaleOf(a)));
      const sum = da.isZero() || db.isZero() ? zeroSum(1) : da.plus(db).toFixed(sumScale);
      if (fits(sum)) expect(x.add(y).toString(), `${a} + ${b}`).toBe(sum);
      const difference = da.isZero() || db.isZero() ? zeroSum(-1) : da.minus(db).toFixed(sumScale);
      if (fits(difference)) expect(x.sub(y).toString(), `${a} - ${b}`).toBe(difference);
      // rust_decimal's mul_impl: a zero operand gives ZERO at scale 0.
      const exact = da.isZero() || db.isZero() ? "0" : da.times(db).toFixed(scaleOf(a) + scaleOf(b));
      if (scaleOf(a) + scaleOf(b) <= 28 && fits(exact)) expect(x.mul(y).toString(), `${a} * ${b}`).toBe(exact);
      expect(x.compare(y), `${a} <=> ${b}`).toBe(da.comparedTo(db));
      expect(x.neg().toString(), `-${a}`).toBe(da.negated().toFixed(scaleOf(a)));
      expect(x.isNegative(), `${a} < 0`).toBe(da.isNegative() && !da.isZero());
    }
  });

  it("results crossing 2^53 fall back to exact arithmetic", () => {
    const big = Price.fromString("9007199254740991"); // 2^53 - 1: the largest safe mantissa
    expect(big.add(Price.fromString("1")).toString()).toBe("9007199254740992");
    expect(big.add(Price.fromString("2")).toString()).toBe("9007199254740993");
    expect(big.mul(Price.fromString("3")).toString()).toBe("27021597764222973");
    expect(Price.fromString("0.000000000000001").mul(Price.fromString("0.1")).toString()).toBe("0.0000000000000001");
    expect(Price.fromString("123456789012345").sub(Price.fromString("-0.1")).toString()).toBe("123456789012345.1");
  });

  it("sign rules and -0 hold on the fast path", () => {
    expect(() => Quantity.fromString("1").sub(Quantity.fromString("2"))).toThrow(/Quantity: value -1 must not be negative/);
    expect(Pnl.fromString("-0.00").toString()).toBe("0.00");
    expect(Pnl.fromString("1.5").sub(Pnl.fromString("1.50")).toString()).toBe("0.00");
    expect(Pnl.fromString("0").neg().isNegative()).toBe(false);
  });
});
