/**
 * The value classes' remainder and `equals` (spec §3.5: checked arithmetic includes the
 * remainder; §8: value classes offer `add/sub/mul/div/mod/neg`, `compare/equals`). Found
 * missing by review, session 44. The remainder follows rust_decimal's `%` (src/ops/rem.rs,
 * rem_impl), its scale included (found by review of the first version, which always took the
 * wider scale): a zero dividend, or one of the divisor's magnitude, is 0 at scale 0; one of
 * smaller magnitude comes back as it is; otherwise the truncated quotient's remainder, with the
 * dividend's sign and the wider scale. `rustRem` below is that rule on exact integers.
 */
import { describe, expect, it } from "vitest";
import { paramError } from "../helpers/param-error.js";
import { CashFlow, Fee, Pnl, Price, Quantity } from "../../src/param/index.js";

function parse(s: string): [bigint, number] {
  const neg = s.startsWith("-");
  const t = neg ? s.slice(1) : s;
  const [i, f = ""] = t.split(".");
  const m = BigInt(i + f);
  return [neg ? -m : m, f.length];
}
function fmt(m: bigint, scale: number, neg: boolean): string {
  const d = (m < 0n ? -m : m).toString().padStart(scale + 1, "0");
  const out = scale === 0 ? d : `${d.slice(0, d.length - scale)}.${d.slice(d.length - scale)}`;
  return neg && m !== 0n ? `-${out}` : out;
}
function rustRem(a: string, b: string): string {
  const [m1, s1] = parse(a);
  const [m2, s2] = parse(b);
  if (m1 === 0n) return "0";
  const s = Math.max(s1, s2);
  const A = m1 * 10n ** BigInt(s - s1);
  const B = m2 * 10n ** BigInt(s - s2);
  const absA = A < 0n ? -A : A;
  const absB = B < 0n ? -B : B;
  if (absA === absB) return "0";
  if (absA < absB) return a; // d1 as it is
  const r = A % B; // BigInt %: truncated, dividend's sign
  return fmt(r, s, A < 0n);
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
    const e = paramError(() => Quantity.fromString("5").mod(Quantity.fromString("0.00")));
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

describe("mod as rust_decimal's checked_rem, case by case", () => {
  const cases: [string, string][] = [
    ["1", "2.50"], // |d1| < |d2|: d1 as is → "1"
    ["7.50", "7.5"], // equal magnitude → "0"
    ["0.00", "3"], // zero dividend → "0"
    ["-3", "7.25"],
    ["7", "2.5"],
    ["79228162514264337593543950335", "0.3"],
    ["79228162514264337593543950335", "7922816251426433759354395033.4"],
    ["-7922816251426433759354395033.5", "0.0000000000000000000000000003"],
    ["12345678901234567890.123456789", "0.000000001"],
  ];
  for (const [a, b] of cases) {
    it(`${a} mod ${b}`, () => {
      expect(Pnl.fromString(a).mod(Pnl.fromString(b)).toString()).toBe(rustRem(a, b));
    });
  }
  it("non-negative types", () => {
    expect(Quantity.fromString("1").mod(Quantity.fromString("2.50")).toString()).toBe("1");
    expect(Price.fromString("2.5").mod(Price.fromString("2.50")).toString()).toBe("0");
  });
  it("CashFlow/Fee negative dividends", () => {
    expect(CashFlow.fromString("-10.5").mod(CashFlow.fromString("4")).toString()).toBe("-2.5");
    expect(Fee.fromString("-0.000").mod(Fee.fromString("4")).toString()).toBe("0");
  });
});
