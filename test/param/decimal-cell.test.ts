import { describe, expect, it } from "vitest";
import { randomDecimal, seededRandom } from "./random-decimals.js";
import { DecimalCell, ParamError, Pnl, PositionSize, Quantity, type DecimalValue, type ValueType } from "../../src/param/index.js";

/** What an operation gave: the text (digits and scale) or the error's code and message. */
function outcome(f: () => DecimalValue): string {
  try {
    return f().toString();
  } catch (e) {
    if (!(e instanceof ParamError)) throw e;
    return `${e.kind}/${e.code}: ${e.message}`;
  }
}

function agreesWithValues<T extends DecimalValue>(type: ValueType<T> & { fromString(s: string): T }, signed: boolean, seed: number): void {
  const rand = seededRandom(seed);
  const cell = new DecimalCell(type);
  for (let i = 0; i < 20_000; i++) {
    const a = type.fromString(randomDecimal(rand, { signed, zeros: true }));
    const b = type.fromString(randomDecimal(rand, { signed, zeros: true }));
    cell.set(a);
    expect(cell.value.toString()).toBe(a.toString());
    expect(cell.compare(b), `${a} vs ${b}`).toBe(a.compare(b));
    expect(cell.isZero()).toBe(a.isZero());
    const add = rand() < 0.5;
    const expected = outcome(() => (add ? a.add(b) : a.sub(b)));
    const got = outcome(() => {
      if (add) cell.add(b);
      else cell.sub(b);
      return cell.value;
    });
    expect(got, `${a} ${add ? "+" : "-"} ${b}`).toBe(expected);
    // A failed operation leaves the cell as it was, as a value that was never replaced.
    if (expected.includes(":")) expect(cell.value.toString()).toBe(a.toString());
  }
}

describe("DecimalCell: a decimal kept in place", () => {
  it("adds, subtracts and compares digit for digit, scale for scale and error for error as the values do (signed type)", () => {
    agreesWithValues(Pnl, true, 20261202);
  });

  it("does the same for a non-negative type, whose negative results are the type's error", () => {
    agreesWithValues(Quantity, false, 7);
    const cell = new DecimalCell(Quantity);
    cell.set(Quantity.fromString("1.5"));
    expect(() => cell.sub(Quantity.fromString("2.25"))).toThrow("value -0.75 must not be negative");
    expect(cell.value.toString()).toBe("1.5");
  });

  it("reads a value of its type, a zero the same one while its scale stays and other numbers as new values", () => {
    const cell = new DecimalCell(PositionSize);
    expect(cell.value).toBeInstanceOf(PositionSize);
    expect(cell.value).toBe(cell.value);
    expect(cell.value.toString()).toBe("0");
    cell.set(PositionSize.fromString("0.00"));
    const zero2 = cell.value;
    expect(zero2.toString()).toBe("0.00");
    expect(zero2).toBeInstanceOf(PositionSize);
    // A zero operand leaves the other as it is, its scale included (rust_decimal): 0.00 + 2.5 is 2.5.
    cell.add(PositionSize.fromString("2.5"));
    expect(cell.value.toString()).toBe("2.5");
    expect(cell.value).not.toBe(cell.value);
    // Back to zero at the same scale: the zero read before, not a new one.
    cell.sub(PositionSize.fromString("2.50"));
    expect(cell.value).toBe(zero2);
    // A zero of another scale reads with that scale, then that zero is the one kept.
    cell.set(PositionSize.fromString("0.000"));
    expect(cell.value.toString()).toBe("0.000");
    expect(cell.value).toBe(cell.value);
    cell.set(PositionSize.fromString("0"));
    expect(cell.value.toString()).toBe("0");
    expect(cell.value.scale).toBe(0);
  });

  it("never holds −0: x − x is 0, not negative", () => {
    const cell = new DecimalCell(Pnl);
    cell.set(Pnl.fromString("-3"));
    cell.add(Pnl.fromString("3"));
    expect(Object.is(cell.value.small, 0)).toBe(true);
    expect(cell.value.isNegative()).toBe(false);
    expect(cell.value.toString()).toBe("0");
  });

  it("keeps numbers beyond the safe-integer mantissa exact (the decimal.js form)", () => {
    const cell = new DecimalCell(Pnl);
    cell.set(Pnl.fromString("9007199254740991"));
    cell.add(Pnl.fromString("2"));
    expect(cell.value.toString()).toBe("9007199254740993");
    cell.sub(Pnl.fromString("9007199254740993.000"));
    expect(cell.value.toString()).toBe("0.000");
    expect(cell.isZero()).toBe(true);
  });
});
