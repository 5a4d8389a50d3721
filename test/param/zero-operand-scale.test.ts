/**
 * Found by review (session 38): rust_decimal's add and sub (ops/add.rs, add_sub_internal, 1.42
 * as OpenPit's Cargo.lock pins) give the other operand as it is when one is zero, its scale
 * included: 5 + 0.00 is 5, 0.0 − 1 is −1, 0.00 + 0 is 0. Every sum here took the wider scale
 * (5.00, −1.0). The values, the in-place cells and the running sums now follow rust_decimal.
 */
import { describe, expect, it } from "vitest";
import { DecimalCell } from "../../src/param/decimal-cell.js";
import { ExactSum } from "../../src/param/exact-sum.js";
import { PositionSize, Quantity } from "../../src/param/values.js";

const p = (s: string) => PositionSize.fromString(s);

describe("a zero operand leaves the other as it is (rust_decimal)", () => {
  it("values: x ± 0.00 is x, 0.00 ± x is ±x at x's scale, 0.00 + 0 is 0", () => {
    expect([p("5").add(p("0.00")), p("0.00").add(p("-1")), p("5").sub(p("0.00")), p("0.0").sub(p("1")), p("0.00").add(p("0")), p("0").sub(p("0.000"))].map(String)).toEqual([
      "5",
      "-1",
      "5",
      "-1",
      "0",
      "0.000",
    ]);
    // Past the integers too (a mantissa beyond 2^53).
    expect(p("0.00").add(p("12345678901234567890.5")).toString()).toBe("12345678901234567890.5");
    expect(p("12345678901234567890.5").sub(p("0.0000")).toString()).toBe("12345678901234567890.5");
    // A non-negative type still refuses 0 − x.
    expect(() => Quantity.fromString("0.00").sub(Quantity.fromString("1"))).toThrow(/negative/);
  });

  it("a cell: a zero held takes the other's scale, a zero added changes nothing", () => {
    const cell = new DecimalCell(PositionSize);
    cell.set(p("0.00"));
    expect(cell.add(p("10"))).toBe(false);
    expect(cell.value.toString()).toBe("10");
    expect(cell.add(p("0.000"))).toBe(false);
    expect(cell.value.toString()).toBe("10");
    cell.set(p("0.0"));
    cell.sub(p("12345678901234567890.5"));
    expect(cell.value.toString()).toBe("-12345678901234567890.5");
    const q = new DecimalCell(Quantity);
    q.set(Quantity.fromString("0.00"));
    expect(() => q.sub(Quantity.fromString("1"))).toThrow(/negative/);
  });

  it("a running sum gives what chained additions give", () => {
    const terms = ["0.00", "5", "0.000", "-5", "0", "2.5"].map(p);
    const sum = new ExactSum(PositionSize);
    let chained = PositionSize.zero();
    for (const t of terms) {
      sum.add(t);
      chained = chained.add(t);
      expect(sum.value.toString()).toBe(chained.toString());
    }
    expect(chained.toString()).toBe("2.5");
  });
});
