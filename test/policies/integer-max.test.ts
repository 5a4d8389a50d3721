/** IntegerMax: one Quantity per value, a new one (with the new value) when the number changes. */
import { describe, expect, it } from "vitest";
import { IntegerMax } from "../../src/policies/integer-max.js";

describe("IntegerMax", () => {
  it("hands out the same object while the number is the same", () => {
    const max = new IntegerMax();
    const a = max.of(5);
    expect(a.toString()).toBe("5");
    expect(max.of(5)).toBe(a);
    const b = max.of(7);
    expect(b.toString()).toBe("7");
    expect(b).not.toBe(a);
    expect(max.of(5).toString()).toBe("5");
    expect(() => max.of(2 ** 60)).toThrow(/not a safe integer/);
  });
});
