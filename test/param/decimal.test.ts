import { describe, expect, it } from "vitest";
import { paramError } from "../helpers/param-error.js";
import {
  CashFlow,
  Fee,
  Leverage,
  Notional,
  ParamError,
  Pnl,
  PositionSize,
  Price,
  Quantity,
  Volume,
  type ParamErrorCode,
  type ParamKind,
  type RoundingStrategy,
} from "../../src/param/index.js";

const MAX = "79228162514264337593543950335";


function expectParamError(fn: () => unknown, kind: ParamKind, code: ParamErrorCode): void {
  const e = paramError(fn);
  expect([e.kind, e.code]).toEqual([kind, code]);
}

describe("strict parsing", () => {
  const invalid = ["1e5", " 1", "1 ", "abc", "", "NaN", "Infinity", "-Infinity", "1.", ".5", "+1", "-", "1.2.3", "1,5", "0x10", "--1"];

  for (const text of invalid) {
    it(`refuses ${JSON.stringify(text)} with InvalidFormat`, () => {
      expectParamError(() => Price.fromString(text), "Price", "InvalidFormat");
      expectParamError(() => Quantity.fromString(text), "Quantity", "InvalidFormat");
    });
  }

  it("carries OpenPit's numeric code for InvalidFormat (6)", () => {
    expect(paramError(() => Volume.fromString("1e5")).numericCode).toBe(6);
  });

  it("keeps the written scale", () => {
    expect(Price.fromString("100.50").toString()).toBe("100.50");
    expect(Price.fromString("100.50").scale).toBe(2);
    expect(Quantity.fromString("0.000").toString()).toBe("0.000");
    expect(Pnl.fromString("-0.10").toString()).toBe("-0.10");
    expect(JSON.stringify({ p: Price.fromString("185.00") })).toBe('{"p":"185.00"}');
  });

  it("equal values with different scales compare equal", () => {
    expect(Price.fromString("100.50").eq(Price.fromString("100.5"))).toBe(true);
    expect(Price.fromString("100.50").compare(Price.fromString("100.49"))).toBe(1);
  });

  it("fromInt is exact for safe integers and bigints and refuses anything else", () => {
    expect(Quantity.fromInt(42).toString()).toBe("42");
    expect(Price.fromInt(-7n).toString()).toBe("-7");
    expect(Price.fromInt(BigInt(MAX)).toString()).toBe(MAX);
    expectParamError(() => Quantity.fromInt(1.5), "Quantity", "InvalidFormat");
    expectParamError(() => Quantity.fromInt(2 ** 60), "Quantity", "InvalidFormat");
  });

  it("fromFloat goes through the shortest round-trip text and refuses NaN and infinities", () => {
    expect(Price.fromFloat(0.1).toString()).toBe("0.1");
    expect(Price.fromFloat(-2.5).toString()).toBe("-2.5");
    expectParamError(() => Price.fromFloat(Number.NaN), "Price", "InvalidFloat");
    expectParamError(() => Price.fromFloat(Number.POSITIVE_INFINITY), "Price", "InvalidFloat");
  });
});

describe("sign rules", () => {
  it("Quantity, Volume and Notional refuse negatives; Price, Pnl, Fee, CashFlow and PositionSize allow them", () => {
    expectParamError(() => Quantity.fromString("-1"), "Quantity", "Negative");
    expectParamError(() => Volume.fromString("-0.01"), "Volume", "Negative");
    expectParamError(() => Notional.fromString("-5"), "Notional", "Negative");
    expect(paramError(() => Quantity.fromString("-1")).numericCode).toBe(1);
    for (const type of [Price, Pnl, Fee, CashFlow, PositionSize]) {
      expect(type.fromString("-1.5").toString()).toBe("-1.5");
    }
  });

  it("arithmetic that would make a non-negative type negative is refused", () => {
    expectParamError(() => Quantity.fromString("1").sub(Quantity.fromString("2")), "Quantity", "Negative");
    expectParamError(() => Volume.fromString("3").neg(), "Volume", "Negative");
    expectParamError(() => Quantity.from(Price.fromString("-1")), "Quantity", "Negative");
    expect(Quantity.fromString("2").sub(Quantity.fromString("2")).toString()).toBe("0");
  });

  it("domain helpers: |p|×q for volume, fee to P&L, signed position size", () => {
    expect(Price.fromString("-2").calculateVolume(Quantity.fromString("3")).toString()).toBe("6");
    expect(Fee.fromString("1.5").toPnl().toString()).toBe("-1.5");
    expect(PositionSize.fromQuantityAndSide(Quantity.fromString("4"), "SELL").toString()).toBe("-4");
    expect(Volume.fromString("400").calculateQuantity(Price.fromString("-200")).toString()).toBe("2");
    expectParamError(() => Volume.fromString("400").calculateQuantity(Price.fromString("0")), "Volume", "InvalidPrice");
  });
});

describe("arithmetic", () => {
  it("10 × 101 prints 1010 and products add the scales", () => {
    expect(Price.fromString("10").mul(Quantity.fromString("101")).toString()).toBe("1010");
    expect(Price.fromString("100.50").mul(Quantity.fromString("2")).toString()).toBe("201.00");
    expect(Price.fromString("0.5").mul(Quantity.fromString("0.25")).toString()).toBe("0.125");
  });

  it("results keep the receiver's type", () => {
    const product = Price.fromString("10").mul(Quantity.fromString("2"));
    expect(product).toBeInstanceOf(Price);
    expect(Volume.from(product)).toBeInstanceOf(Volume);
    expect(Volume.from(product).toString()).toBe("20");
  });

  it("sums keep the larger scale", () => {
    expect(Price.fromString("100.50").add(Price.fromString("0.5")).toString()).toBe("101.00");
    expect(Pnl.fromString("-5").sub(Pnl.fromString("0.250")).toString()).toBe("-5.250");
  });

  it("division gives rust_decimal's digits: 1/3, 2/3, 100/3, 10/4", () => {
    const div = (a: string, b: string) => Price.fromString(a).div(Price.fromString(b)).toString();
    expect(div("1", "3")).toBe("0.3333333333333333333333333333");
    expect(div("2", "3")).toBe("0.6666666666666666666666666667");
    expect(div("100", "3")).toBe("33.333333333333333333333333333");
    expect(div("-100", "3")).toBe("-33.333333333333333333333333333");
    expect(div("10", "4")).toBe("2.5");
    expect(div("1", "8")).toBe("0.125");
  });

  it("a quotient keeps at least the dividend's scale minus the divisor's: 10.00/2 is 5.00", () => {
    const div = (a: string, b: string) => Price.fromString(a).div(Price.fromString(b)).toString();
    expect(div("10.00", "2")).toBe("5.00");
    expect(div("10.00", "2.0")).toBe("5.0");
    expect(div("10", "2.00")).toBe("5");
    expect(div("10.0", "4")).toBe("2.5");
  });

  it("division by zero is refused", () => {
    const e = paramError(() => Price.fromString("1").div(Price.fromString("0.00")));
    expect([e.kind, e.code, e.numericCode]).toEqual(["Price", "DivisionByZero", 2]);
  });

  it("margin = notional / leverage", () => {
    expect(Notional.fromString("1000").calculateMarginRequired(Leverage.fromString("2.5")).toString()).toBe("400");
    expect(Notional.fromString("100").calculateMarginRequired(Leverage.fromString("3")).toString()).toBe("33.333333333333333333333333333");
  });
});

describe("range and scale limits", () => {
  it("accepts ±79228162514264337593543950335 and refuses one more", () => {
    expect(Price.fromString(MAX).toString()).toBe(MAX);
    expect(Price.fromString(`-${MAX}`).toString()).toBe(`-${MAX}`);
    expectParamError(() => Price.fromString("79228162514264337593543950336"), "Price", "Overflow");
    expectParamError(() => Price.fromString("-79228162514264337593543950336"), "Price", "Overflow");
    expectParamError(() => Quantity.fromString("100000000000000000000000000000"), "Quantity", "Overflow");
  });

  // A value in range whose mantissa does not fit is too precise (Underflow, as more than 28
  // fractional digits and as rust_decimal's exact parse), not out of range: found by review
  // (session 31), it read "'…' is outside ±79228162514264337593543950335".
  it("the 96-bit limit applies to the mantissa, whatever the scale: in range but too precise is Underflow", () => {
    expect(Price.fromString("7922816251426433759354395033.5").toString()).toBe("7922816251426433759354395033.5");
    expectParamError(() => Price.fromString("7922816251426433759354395033.6"), "Price", "Underflow");
    expect(() => Quantity.fromString("1000000000000.1234567890123456789012345678")).toThrow(
      "Quantity: '1000000000000.1234567890123456789012345678' has more digits than a decimal holds at its scale (a mantissa of at most 79228162514264337593543950335)",
    );
    expectParamError(() => Price.fromString(`${MAX}.0`), "Price", "Underflow");
    expectParamError(() => Price.fromString(`${MAX.slice(0, -1)}6.0`), "Price", "Overflow");
  });

  it("arithmetic that leaves the range overflows instead of clamping", () => {
    const max = Price.fromString(MAX);
    expectParamError(() => max.add(Price.fromString("1")), "Price", "Overflow");
    expectParamError(() => max.mul(Quantity.fromString("2")), "Price", "Overflow");
    expectParamError(() => Price.fromString(`-${MAX}`).sub(Price.fromString("1")), "Price", "Overflow");
    expectParamError(() => Quantity.fromString(MAX).add(Quantity.fromString("1")), "Quantity", "Overflow");
    expect(paramError(() => max.add(Price.fromString("1"))).numericCode).toBe(3);
  });

  it("a result too wide for its scale gives up fractional digits (half-even) before overflowing", () => {
    expect(Price.fromString(MAX).mul(Quantity.fromString("1.0")).toString()).toBe(MAX);
    expect(Price.fromString(MAX).mul(Quantity.fromString("0.5")).toString()).toBe("39614081257132168796771975168");
  });

  it("28 fractional digits are the limit", () => {
    const tiny = "0.0000000000000000000000000001";
    expect(Price.fromString(tiny).toString()).toBe(tiny);
    const e = paramError(() => Price.fromString("0.00000000000000000000000000001"));
    expect([e.kind, e.code]).toEqual(["Price", "Underflow"]);
    // A product needing 29 digits is rounded (half-even) back to 28.
    expect(Price.fromString(tiny).mul(Quantity.fromString("0.5")).toString()).toBe("0.0000000000000000000000000000");
    expect(Price.fromString(tiny).mul(Quantity.fromString("1.5")).toString()).toBe("0.0000000000000000000000000002");
  });
});

describe("rounding", () => {
  const cases: [RoundingStrategy, string, string, string, string][] = [
    // strategy,             2.5,  3.5,  -2.5, -3.5
    ["midpointNearestEven", "2", "4", "-2", "-4"],
    ["default", "2", "4", "-2", "-4"],
    ["banker", "2", "4", "-2", "-4"],
    ["midpointAwayFromZero", "3", "4", "-3", "-4"],
    ["up", "3", "4", "-2", "-3"],
    ["down", "2", "3", "-3", "-4"],
    ["conservativeProfit", "2", "3", "-3", "-4"],
    ["conservativeLoss", "2", "3", "-3", "-4"],
  ];

  for (const [strategy, ...expected] of cases) {
    it(`${strategy} on positive and negative midpoints`, () => {
      const got = ["2.5", "3.5", "-2.5", "-3.5"].map((t) => Price.fromStringRounded(t, 0, strategy).toString());
      expect(got).toEqual(expected);
      const viaRounded = ["2.5", "3.5", "-2.5", "-3.5"].map((t) => Price.fromString(t).rounded(0, strategy).toString());
      expect(viaRounded).toEqual(expected);
    });
  }

  it("both conservative strategies are floor, off the midpoint too", () => {
    for (const s of ["conservativeProfit", "conservativeLoss"] as const) {
      expect(Pnl.fromStringRounded("1.2349", 2, s).toString()).toBe("1.23");
      expect(Pnl.fromStringRounded("-1.2301", 2, s).toString()).toBe("-1.24");
    }
  });

  it("rounds to the requested scale, and leaves a value with no more places as it is (rust_decimal's round_dp_with_strategy)", () => {
    expect(Price.fromStringRounded("185.125", 2, "midpointNearestEven").toString()).toBe("185.12");
    expect(Price.fromStringRounded("185.135", 2, "midpointNearestEven").toString()).toBe("185.14");
    // "2.51 rounded to 3 decimal places is 2.51": never padded, trailing zeros kept.
    expect(Price.fromString("1.5").rounded(3, "down").toString()).toBe("1.5");
    expect(Price.fromString("1.50").rounded(2, "up").toString()).toBe("1.50");
    expect(Price.fromStringRounded("1.5", 3, "down").toString()).toBe("1.5");
    expect(Price.fromStringRounded("7", 2, "up").toString()).toBe("7");
    expect(Price.fromStringRounded("-1.250", 3, "up").toString()).toBe("-1.250");
    // Fewer places than the value has: rounded to exactly that many, zeros included.
    expect(Price.fromStringRounded("2.0049", 2, "down").toString()).toBe("2.00");
    expect(Price.fromString("0.000").rounded(1, "up").toString()).toBe("0.0");
    // Rounding reads the full text once: more than 28 digits are fine as input here.
    expect(Price.fromStringRounded("0.123456789012345678901234567891", 2, "up").toString()).toBe("0.13");
  });

  it("refuses a scale outside 0..28 and malformed text", () => {
    expectParamError(() => Price.fromStringRounded("1.5", 29, "down"), "Price", "Other");
    expectParamError(() => Price.fromStringRounded("1.5", -1, "down"), "Price", "Other");
    expectParamError(() => Price.fromStringRounded("1e1", 0, "down"), "Price", "InvalidFormat");
  });
});

describe("Leverage", () => {
  it("is 1.0 to 3000.0 in steps of 0.1", () => {
    expect(Leverage.fromString("1").toString()).toBe("1.0");
    expect(Leverage.fromString("2.5").toString()).toBe("2.5");
    expect(Leverage.fromString("3000.0").toString()).toBe("3000.0");
    expect(Leverage.fromTenths(10).toString()).toBe("1.0");
    expect(Leverage.fromTenths(30000).tenths).toBe(30000);
    expect(JSON.stringify(Leverage.fromString("10.5"))).toBe('"10.5"');
  });

  it("refuses values outside the range or between steps", () => {
    for (const text of ["0.9", "0", "3000.1", "1.05", "2.55"]) {
      expectParamError(() => Leverage.fromString(text), "Leverage", "InvalidLeverage");
    }
    for (const tenths of [9, 30001, 10.5]) {
      expectParamError(() => Leverage.fromTenths(tenths), "Leverage", "InvalidLeverage");
    }
    expect(paramError(() => Leverage.fromTenths(9)).numericCode).toBe(8);
    expectParamError(() => Leverage.fromString("-2"), "Leverage", "Negative");
    expectParamError(() => Leverage.fromString("2x"), "Leverage", "InvalidFormat");
  });

  it("names an out-of-range value as it was written, never as a rounded double (found by review: 1e+22)", () => {
    expect(paramError(() => Leverage.fromString("10000000000000000000000")).message).toBe(
      "Leverage: leverage must be 1.0..3000.0 in steps of 0.1, got 10000000000000000000000",
    );
    expect(paramError(() => Leverage.fromString("123456789012345678901.5")).message).toBe(
      "Leverage: leverage must be 1.0..3000.0 in steps of 0.1, got 123456789012345678901.5",
    );
    expect(paramError(() => Leverage.fromString("0.90")).message).toBe("Leverage: leverage must be 1.0..3000.0 in steps of 0.1, got 0.90");
  });
});
