import { describe, expect, it } from "vitest";
import type { DecimalValue } from "../../src/param/decimal-value.js";
import { Fee, Pnl, PositionSize } from "../../src/param/values.js";
import { unchangedByZero } from "../../src/param/unchanged-by-zero.js";
import { seededRandom } from "../../bench/workload.js";

/** Everything observable of a value: its class, text, scale and representation. */
function shape(v: DecimalValue): unknown {
  return { type: v.constructor.name, text: v.toString(), scale: v.scale, small: Object.is(v.small, -0) ? "-0" : v.small, big: v.big === undefined ? undefined : "big" };
}

function randomText(next: () => number): string {
  const kind = next();
  const scale = Math.floor(next() * 6);
  if (kind < 0.3) return scale === 0 ? "0" : `0.${"0".repeat(scale)}`;
  const digits = kind < 0.9 ? String(Math.floor(next() * 1e6)) : "12345678901234567890"; // the last: no safe-integer mantissa
  const sign = next() < 0.5 ? "-" : "";
  return scale === 0 ? `${sign}${digits}` : `${sign}${digits}.${String(Math.floor(next() * 10 ** scale)).padStart(scale, "0")}`;
}

describe("unchangedByZero", () => {
  it("returns the value itself only where add and sub would give the same value (20 000 random pairs)", () => {
    const next = seededRandom(7);
    let shortcuts = 0;
    for (let i = 0; i < 20_000; i++) {
      const a = next() < 0.05 ? new Pnl(-0, undefined, Math.floor(next() * 4)) : Pnl.fromString(randomText(next));
      const z = next() < 0.5 ? Fee.fromString(randomText(next)) : Pnl.fromString(randomText(next));
      const same = unchangedByZero(a, z);
      const asPnl = Pnl.from(z);
      if (same !== undefined) {
        shortcuts++;
        expect(same).toBe(a);
        expect(shape(a.add(asPnl))).toEqual(shape(a));
        expect(shape(a.sub(asPnl))).toEqual(shape(a));
      } else if (z.small === 0) {
        // Declined only when `a` is a zero too: the sum is `z`'s zero, at its scale (rust_decimal).
        expect(a.small === 0).toBe(true); // +0 or −0
        expect(shape(a.add(asPnl))).toEqual(shape(asPnl));
      }
    }
    expect(shortcuts).toBeGreaterThan(1_000);
  });

  // A zero operand leaves the other as it is, whatever the zero's scale (rust_decimal; found by
  // review, session 38: the wider scale was taken, 5.25 + 0.000 was 5.250).
  it("declines a zero (negative or not) and any non-zero; gives a decimal.js value and one of any scale back", () => {
    expect(unchangedByZero(new Pnl(-0, undefined, 2), Fee.fromString("0"))).toBeUndefined();
    expect(unchangedByZero(Pnl.fromString("0.0"), Fee.fromString("0"))).toBeUndefined();
    expect(unchangedByZero(PositionSize.fromString("5.25"), PositionSize.fromString("0.01"))).toBeUndefined();
    const big = Pnl.fromString("12345678901234567890.5");
    expect(unchangedByZero(big, Fee.fromString("0"))).toBe(big);
    const p = PositionSize.fromString("5.25");
    expect(unchangedByZero(p, PositionSize.fromString("0.000"))).toBe(p);
    expect(unchangedByZero(p, PositionSize.fromString("0.00"))).toBe(p);
  });
});
