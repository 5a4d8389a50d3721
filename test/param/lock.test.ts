import { describe, expect, it } from "vitest";
import { PreTradeLock } from "../../src/model/index.js";
import { ParamError, PolicyGroupId, Price } from "../../src/param/index.js";

const g = (n: number) => PolicyGroupId.fromU16(n);
const p = (text: string) => Price.fromString(text);

describe("PreTradeLock JSON", () => {
  it('round-trips [["185"],[7,"200","201"]]', () => {
    const text = '[["185"],[7,"200","201"]]';

    const lock = PreTradeLock.fromJSON(JSON.parse(text));

    expect(lock.prices().map(String)).toEqual(["185"]);
    expect(lock.prices(g(7)).map(String)).toEqual(["200", "201"]);
    expect(lock.prices(g(8))).toEqual([]);
    expect(JSON.stringify(lock)).toBe(text);
    expect(JSON.stringify(PreTradeLock.fromJSON(lock.toJSON()))).toBe(text);
  });

  it("the empty lock is []", () => {
    const lock = PreTradeLock.fromJSON([]);

    expect(lock).toBe(PreTradeLock.EMPTY);
    expect(lock.isEmpty()).toBe(true);
    expect(JSON.stringify(lock)).toBe("[]");
    expect(JSON.stringify(PreTradeLock.of([]))).toBe("[]");
  });

  it("keeps price scale and negative prices", () => {
    const text = '[["185.50","-1.0"]]';

    expect(JSON.stringify(PreTradeLock.fromJSON(JSON.parse(text)))).toBe(text);
  });

  it("a lock without default-group prices still leads with an empty default list", () => {
    const lock = PreTradeLock.of([[g(7), p("200")]]);

    expect(lock.toJSON()).toEqual([[], [7, "200"]]);
    expect(JSON.stringify(PreTradeLock.fromJSON(lock.toJSON()))).toBe('[[],[7,"200"]]');
  });

  it("groups keep first-appearance order; entries list the default group first", () => {
    const lock = PreTradeLock.of([
      [g(9), p("1")],
      [g(0), p("2")],
      [g(7), p("3")],
      [g(9), p("4")],
    ]);

    expect(JSON.stringify(lock)).toBe('[["2"],[9,"1","4"],[7,"3"]]');
    expect([...lock.entries()].map(([group, price]) => `${group}:${price}`)).toEqual(["0:2", "9:1", "9:4", "7:3"]);
  });

  it("refuses malformed JSON", () => {
    expect(() => PreTradeLock.fromJSON({})).toThrow(TypeError);
    expect(() => PreTradeLock.fromJSON(["185"])).toThrow(TypeError);
    expect(() => PreTradeLock.fromJSON([["185"], ["7", "200"]])).toThrow(TypeError);
    expect(() => PreTradeLock.fromJSON([["185"], [70000, "200"]])).toThrow(TypeError);
    expect(() => PreTradeLock.fromJSON([["1e5"]])).toThrow(ParamError);
  });
});

describe("PreTradeLock of one price and its default-group prices", () => {
  it("single(group, price) is of([[group, price]]), for the default group and others", () => {
    for (const group of [0, 1, 7, 65_535]) {
      const price = p("185.50");
      const single = PreTradeLock.single(g(group), price);
      const listed = PreTradeLock.of([[g(group), price]]);
      expect(single).toStrictEqual(listed);
      expect(single.entries()).toStrictEqual(listed.entries());
      expect(JSON.stringify(single)).toBe(JSON.stringify(listed));
    }
  });

  it("defaultsOnly() gives the default group's prices only when no other group has any", () => {
    expect(PreTradeLock.of([[g(0), p("1")], [g(0), p("2")]]).defaultsOnly()?.map(String)).toEqual(["1", "2"]);
    expect(PreTradeLock.of([[g(0), p("1")], [g(3), p("2")]]).defaultsOnly()).toBeUndefined();
    expect(PreTradeLock.of([[g(3), p("2")]]).defaultsOnly()).toBeUndefined();
    expect(PreTradeLock.EMPTY.defaultsOnly()).toEqual([]);
  });
});
