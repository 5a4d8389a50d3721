/** The journal's plain-data codec and objects with an own key named "constructor" (JSON an operator wrote). */
import { describe, expect, it } from "vitest";
import { decodePlain, encodePlain } from "../../src/state/plain-data.js";

describe("plain data: a key named 'constructor'", () => {
  it("round-trips, at any depth", () => {
    const v = { settings: { constructor: 1, x: { constructor: "y", prototype: [{ constructor: null }] } } };
    expect(decodePlain(encodePlain(v))).toEqual(v);
  });
});
