/**
 * Found by review: `openpit accounts --all` with ~150 000 known accounts died "Maximum call
 * stack size exceeded" after reading every page: table() sized each column with
 * Math.max(...cells), one argument per row (fields() the same per label).
 */
import { describe, expect, it } from "vitest";
import { displayWidth, fields, table } from "../../src/cli/output.js";

describe("the CLI's tables", () => {
  it("prints a table of 150 000 rows, columns padded to the widest cell", () => {
    const rows = Array.from({ length: 150_000 }, (_, i) => [String(i + 1), i === 149_999 ? "wide cell" : "-", "last"]);
    const lines = table(["ACCOUNT", "BLOCK", "HOLDINGS"], rows).split("\n");
    expect(lines.length).toBe(150_002);
    expect(lines[0]).toBe("ACCOUNT  BLOCK      HOLDINGS");
    expect(lines[1]).toBe("1        -          last");
    expect(lines[150_000]).toBe("150000   wide cell  last");
  });

  it("prints 150 000 label: value lines with the labels aligned", () => {
    const pairs = Array.from({ length: 150_000 }, (_, i) => [i === 7 ? "a longer label" : "k", String(i)] as const);
    const lines = fields(pairs).split("\n");
    expect(lines.length).toBe(150_001);
    expect(lines[0]).toBe("k:              0");
    expect(lines[7]).toBe("a longer label: 7");
  });

  // Session 40: widths counted UTF-16 units, so a reason in Japanese, an emoji or a combining accent shifted the row's later columns.
  it("pads by terminal columns: wide characters take two, combining marks none", () => {
    expect([displayWidth("東京"), displayWidth("😀"), displayWidth("e\u0301te"), displayWidth("ｈａｌｔ"), displayWidth("abc")]).toEqual([4, 2, 3, 8, 3]);
    expect(table(["A", "B"], [["東京", "x"], ["😀", "y"], ["e\u0301te", "z"], ["abcd", "w"]]).split("\n")).toEqual([
      "A     B",
      "東京  x",
      "😀    y",
      "e\u0301te   z",
      "abcd  w",
      "",
    ]);
    expect(fields([["通貨", "USD"], ["account", "1"]]).split("\n")).toEqual(["通貨:    USD", "account: 1", ""]);
  });
});
