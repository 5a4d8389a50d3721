/**
 * `writeDecimalField` (src/server/codec/decimal-field.ts) writes a decimal's digits into
 * the answer without making its text: the bytes must be exactly those of the string field
 * of `toString()`, for every sign, scale, length and both representations.
 */
import { describe, expect, it } from "vitest";
import { writeDecimalField } from "../../../src/server/codec/decimal-field.js";
import { Fee, Pnl, PositionSize, Price, Quantity, type DecimalValue } from "../../../src/param/index.js";
import { ProtoWriter } from "../../../src/transport/wire/proto-writer.js";
import { forSeeds, rng } from "./random-messages.js";

function viaText(v: DecimalValue, field: number): Buffer {
  const w = new ProtoWriter(8);
  w.stringField(field, v.toString());
  return w.finish();
}

function direct(v: DecimalValue, field: number): Buffer {
  const w = new ProtoWriter(8);
  writeDecimalField(w, field, v);
  return w.finish();
}

describe("a decimal written as a string field without its text", () => {
  it("writes toString()'s bytes for fixed edge cases", () => {
    const texts = ["0", "0.000", "1", "-1", "0.5", "-0.05", "10.50", "100", "123456789012345", "-123456789012345", "0.000000000000001", "999999999999999.9", "9007199254740991", "-9007199254740.991", "123456789012345678901234.5", "0.1234567890123456789012345678", "-79228162514264337593543950335"];
    for (const text of texts) {
      const v = Pnl.fromString(text);
      expect(direct(v, 2).equals(viaText(v, 2)), text).toBe(true);
    }
  });

  it("writes toString()'s bytes for 20 000 random values, printed before or not, and results of arithmetic", () => {
    forSeeds(20_000, (seed) => {
      const r = rng(seed);
      const int = (n: number) => Math.floor(r() * n);
      const digits = Array.from({ length: 1 + int(20) }, () => String(int(10))).join("");
      const scale = int(Math.min(digits.length, 12) + 1);
      const text = `${r() < 0.4 ? "-" : ""}${scale === 0 ? digits : `${digits.slice(0, digits.length - scale) || "0"}.${digits.slice(digits.length - scale)}`}`;
      const types = [Pnl, PositionSize, Price, Fee] as const;
      let v: DecimalValue = types[int(types.length)]!.fromString(text);
      if (r() < 0.3) v = v.add(Pnl.fromString("0.25") as never);
      if (r() < 0.2) v = v.mul(Quantity.fromString("3"));
      if (r() < 0.3) v.toString(); // text cached first
      const field = 1 + int(20);
      expect(direct(v, field).equals(viaText(v, field)), text).toBe(true);
    });
  });

  it("writes toString()'s bytes around the two halves' boundary (10^8) and up to 2^53", () => {
    // formatDigits splits a mantissa into two int32 halves below 10^8 (with a correction
    // where the float division rounds across an integer): each boundary, each scale.
    const mantissas: number[] = [0, 1, 9, 99_999_999, 100_000_000, 100_000_001, 2 ** 31 - 1, 2 ** 31, 2 ** 32 + 7, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER - 1];
    for (let k = 1; k < 90_071_992; k = k * 3 + 1) for (const d of [-1, 0, 1]) mantissas.push(k * 100_000_000 + d);
    forSeeds(2_000, (seed) => mantissas.push(Math.floor(rng(seed)() * Number.MAX_SAFE_INTEGER)));
    for (const m of mantissas) {
      if (m < 0 || m > Number.MAX_SAFE_INTEGER) continue;
      for (const scale of [0, 1, 2, 8, 9, 15]) {
        for (const sign of ["", "-"]) {
          const digits = String(m).padStart(scale + 1, "0");
          const text = `${sign}${scale === 0 ? digits : `${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`}`;
          const v = Pnl.fromString(text);
          expect(direct(v, 3).equals(viaText(v, 3)), text).toBe(true);
        }
      }
    }
    // 16-digit mantissas up to 2^53 (parsing keeps at most 15 digits small; products make more).
    forSeeds(2_000, (seed) => {
      const r = rng(seed);
      const a = String(1 + Math.floor(r() * 94_906_265));
      const b = String(1 + Math.floor(r() * 94_906_265));
      const v = PositionSize.fromString(r() < 0.5 ? a : `-${a.slice(0, -1) || "0"}.${a.slice(-1)}`).mul(Quantity.fromString(`${b.slice(0, -2) || "0"}.${b.slice(-2).padStart(2, "0")}`));
      expect(direct(v, 5).equals(viaText(v, 5)), `${a} × ${b}`).toBe(true);
    });
  });
});
