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
});
