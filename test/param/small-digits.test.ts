/**
 * `smallDecimalChars` (src/param/small-digits.ts) prints a safe-integer mantissa at a
 * scale from two int32 halves below 10^8: compared with a plain string formatter (BigInt
 * digits, padded, the point inserted) at every boundary of the halves, up to 2^53 − 1, for
 * every scale and both signs; and `toString()` of small values made by parsing and by
 * arithmetic against decimal.js's `toFixed` of the same value.
 */
import { describe, expect, it } from "vitest";
import { Decimal } from "decimal.js";
import { SMALL_CHARS_MAX, smallDecimalChars, Pnl, PositionSize, Quantity } from "../../src/param/index.js";
import { forSeeds, rng } from "../server/wire/random-messages.js";

function reference(m: number, scale: number): string {
  const digits = (m < 0 ? -BigInt(m) : BigInt(m)).toString().padStart(scale + 1, "0");
  const body = scale === 0 ? digits : `${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`;
  return m < 0 ? `-${body}` : body;
}

function printed(m: number, scale: number): string {
  const out = new Uint8Array(SMALL_CHARS_MAX);
  const n = smallDecimalChars(out, m, scale);
  return Buffer.from(out.subarray(0, n)).toString("latin1");
}

describe("a small mantissa's characters", () => {
  it("match the reference formatter at the halves' boundaries, up to 2^53 − 1, every scale, both signs", () => {
    const mantissas: number[] = [0, 1, 9, 10, 99_999_999, 100_000_000, 100_000_001, 2 ** 31 - 1, 2 ** 31, 2 ** 32 + 7, 2 ** 53 - 1, 2 ** 53 - 2];
    for (let k = 1; k < 90_071_992; k = k * 3 + 1) for (const d of [-1, 0, 1]) mantissas.push(k * 100_000_000 + d);
    for (let p = 1; p <= 15; p++) for (const d of [-1, 0, 1]) mantissas.push(10 ** p + d);
    forSeeds(5_000, (seed) => {
      const r = rng(seed);
      mantissas.push(Math.floor(r() * 2 ** (1 + Math.floor(r() * 53))));
    });
    for (const m of mantissas) {
      if (m > Number.MAX_SAFE_INTEGER) continue;
      for (let scale = 0; scale <= 15; scale++) {
        expect(printed(m, scale), `${m} @ ${scale}`).toBe(reference(m, scale));
        if (m !== 0) expect(printed(-m, scale), `-${m} @ ${scale}`).toBe(reference(-m, scale));
      }
    }
  });

  it("print toString() of small values from parsing and arithmetic as decimal.js's toFixed", () => {
    forSeeds(5_000, (seed) => {
      const r = rng(seed);
      const int = (n: number) => Math.floor(r() * n);
      const a = String(1 + int(94_906_265));
      const b = String(1 + int(94_906_265));
      const scaleA = int(Math.min(a.length, 8));
      const x = `${r() < 0.5 ? "-" : ""}${a.slice(0, a.length - scaleA) || "0"}${scaleA ? `.${a.slice(a.length - scaleA)}` : ""}`;
      const y = `${b.slice(0, -2) || "0"}.${b.slice(-2).padStart(2, "0")}`;
      const parsed = Pnl.fromString(x);
      const product = PositionSize.fromString(x).mul(Quantity.fromString(y));
      for (const v of [parsed, product]) {
        expect(v.small === v.small, `${x} × ${y} small`).toBe(true);
        expect(v.toString(), `${x} × ${y}`).toBe(new Decimal(v.small).div(new Decimal(10).pow(v.scale)).toFixed(v.scale));
      }
    });
  });
});
