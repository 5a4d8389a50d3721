/**
 * The oracle's decimal reader (bench/oracle.ts `scaled`): the char-by-char form gives
 * exactly what the regex form it replaced gives (`scaledByRegex`, NaN and -0 included),
 * over hand-picked and random texts of every shape, valid or not.
 */
import { describe, expect, it } from "vitest";
import { scaled, scaledByRegex } from "../../bench/oracle.js";
import { seededRandom } from "../../bench/workload.js";

const CASES = ["0", "-0", "1852.50", "1852.5", "1852.505", "-1852.50", "48147.5", "10", "007", "0.00", "1.0", "1.05", "1.500", "-0.01", "", "-", ".5", "5.", "+5", "1e3", "1,5", " 1", "1 ", "1..2", "--1", "12a", "0.000000001", "123456789012345", "1234567890123456789", "99999999999999.99"];

describe("scaled (the oracle's decimal reader)", () => {
  it("reads the answers' decimals as the regex form does", () => {
    expect(scaled("1852.50", 2)).toBe(185250);
    expect(scaled("-1852.5", 2)).toBe(-185250);
    expect(scaled("20", 0)).toBe(20);
    expect(scaled("1.005", 2)).toBeNaN();
    expect(scaled(undefined, 2)).toBeNaN();
    for (const text of CASES) for (const scale of [0, 1, 2, 4]) expect(scaled(text, scale), `${text} at ${scale}`).toBe(scaledByRegex(text, scale));
  });

  it("agrees with the regex form on random texts", () => {
    const random = seededRandom(2024);
    const pick = (s: string) => s[Math.floor(random() * s.length)]!;
    for (let k = 0; k < 50_000; k++) {
      const len = 1 + Math.floor(random() * 20);
      // Mostly digits, sometimes a dot or a minus anywhere, now and then something else.
      let text = "";
      for (let j = 0; j < len; j++) text += random() < 0.8 ? pick("0123456789") : pick("..--0x ");
      const scale = Math.floor(random() * 4);
      expect(scaled(text, scale), `${JSON.stringify(text)} at ${scale}`).toBe(scaledByRegex(text, scale));
    }
  });
});
