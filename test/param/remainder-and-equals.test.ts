/**
 * The value classes' remainder and `equals` (spec §3.5: checked arithmetic includes the
 * remainder; §8: value classes offer `add/sub/mul/div/mod/neg`, `compare/equals`). Found
 * missing by review, session 44. The remainder follows rust_decimal's `%`: the truncated
 * quotient's, with the dividend's sign and the wider scale.
 */
import { describe, expect, it } from "vitest";
import { Fee, ParamError, Pnl, Price, Quantity } from "../../src/param/index.js";

function errorOf(run: () => unknown): ParamError {
  try {
    run();
  } catch (e) {
    if (e instanceof ParamError) return e;
    throw e;
  }
  throw new Error("no error");
}

describe("mod", () => {
  it("keeps the dividend's sign and the wider scale", () => {
    expect(Price.fromString("7.50").mod(Price.fromString("2")).toString()).toBe("1.50");
    expect(Pnl.fromString("-7").mod(Pnl.fromString("3")).toString()).toBe("-1");
    expect(Pnl.fromString("7").mod(Pnl.fromString("-3")).toString()).toBe("1");
    expect(Pnl.fromString("-7.5").mod(Pnl.fromString("-2")).toString()).toBe("-1.5");
    expect(Quantity.fromString("6.0").mod(Quantity.fromString("3")).toString()).toBe("0.0");
    expect(Quantity.fromString("1").mod(Quantity.fromString("0.003")).toString()).toBe("0.001");
  });

  it("is exact at the domain's edges", () => {
    // 2^96 − 1 mod 10^-28: 0 at scale 28; mod 2: 1.
    const max = Fee.fromString("79228162514264337593543950335");
    expect(max.mod(Fee.fromString("2")).toString()).toBe("1");
    expect(max.mod(Fee.fromString("0.0000000000000000000000000001")).toString()).toBe("0.0000000000000000000000000000");
    expect(Fee.fromString("0.0000000000000000000000000007").mod(Fee.fromString("0.0000000000000000000000000002")).toString()).toBe(
      "0.0000000000000000000000000001",
    );
  });

  it("by zero is DivisionByZero, of the receiver's kind", () => {
    const e = errorOf(() => Quantity.fromString("5").mod(Quantity.fromString("0.00")));
    expect([e.kind, e.code, e.message]).toEqual(["Quantity", "DivisionByZero", "Quantity: division by zero"]);
  });
});

describe("equals", () => {
  it("compares numbers, not scales", () => {
    expect(Price.fromString("10.50").equals(Price.fromString("10.5"))).toBe(true);
    expect(Price.fromString("10.50").equals(Price.fromString("10.51"))).toBe(false);
    expect(Pnl.fromString("-0").equals(Pnl.fromString("0.000"))).toBe(true);
  });
});
