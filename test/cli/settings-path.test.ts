/** `configure --set PATH=VALUE`: paths, typed values and what is refused. */
import { describe, expect, it } from "vitest";
import { flatten, parsePath, setPath, type Json } from "../../src/cli/settings-path.js";

const settings = (): Json => ({ broker: { maxQuantity: "1000", windowMs: 1000, strict: false }, brokerBarriers: [{ settlementAsset: "USD", lowerBound: "-1000" }] });

describe("settings paths", () => {
  it("parses dotted paths with bracket or dotted indices", () => {
    expect(parsePath("broker.maxQuantity")).toEqual(["broker", "maxQuantity"]);
    expect(parsePath("brokerBarriers[0].lowerBound")).toEqual(["brokerBarriers", 0, "lowerBound"]);
    expect(parsePath("brokerBarriers.0.lowerBound")).toEqual(["brokerBarriers", 0, "lowerBound"]);
    expect(() => parsePath("broker..x")).toThrow("'broker..x' is not a settings path (e.g. broker.maxQuantity or brokerBarriers[0].lowerBound)");
  });

  it("types each value like the one it replaces", () => {
    const s = settings();
    expect(setPath(s, "broker.maxQuantity=500")).toEqual({ path: "broker.maxQuantity", before: "1000", after: "500" });
    expect(setPath(s, "broker.windowMs=2000")).toEqual({ path: "broker.windowMs", before: 1000, after: 2000 });
    expect(setPath(s, "broker.strict=true")).toEqual({ path: "broker.strict", before: false, after: true });
    expect(setPath(s, "brokerBarriers[0].lowerBound=-5000")).toEqual({ path: "brokerBarriers[0].lowerBound", before: "-1000", after: "-5000" });
    // New paths: JSON when it parses, else text; missing objects are created.
    expect(setPath(s, "accountBarriers=[]")).toEqual({ path: "accountBarriers", before: undefined, after: [] });
    expect(setPath(s, "extra.note=hello world")).toEqual({ path: "extra.note", before: undefined, after: "hello world" });
    expect(s).toEqual({
      broker: { maxQuantity: "500", windowMs: 2000, strict: true },
      brokerBarriers: [{ settlementAsset: "USD", lowerBound: "-5000" }],
      accountBarriers: [],
      extra: { note: "hello world" },
    });
  });

  // Found by review (session 28): a new path's value went through JSON.parse, which rounded
  // 12345678901234567891 to 12345678901234567000, another id (refused by the sidecar, shown
  // by --dry-run).
  it("keeps an integer a double cannot hold as its digit string, alone or inside JSON", () => {
    const big = "12345678901234567891";
    const s = settings();
    expect(setPath(s, `accountBarriers[0].accountId=${big}`).after).toBe(big);
    expect(setPath(s, `broker.windowMs=${big}`).after).toBe(big);
    expect(setPath(s, `accounts=[{"accountId":${big},"note":"id ${big}","n":-9007199254740993,"ok":9007199254740991,"x":1.5e3}]`).after).toEqual([
      { accountId: big, note: `id ${big}`, n: "-9007199254740993", ok: 9007199254740991, x: 1500 },
    ]);
    expect(setPath(s, `quoted="a\\"${big}"`).after).toBe(`a"${big}`);
  });

  it("refuses values of the wrong type and paths through scalars", () => {
    expect(() => setPath(settings(), "broker.windowMs=soon")).toThrow("broker.windowMs is a number; 'soon' is not");
    // Found by review (session 42): Number() read these as 16, 15, 3, 7 and 5, and the change applied.
    for (const text of ["0x10", "0o17", "0b11", " 7 ", "+5", ".5", "5.", "1_000"]) {
      expect(() => setPath(settings(), `broker.windowMs=${text}`)).toThrow(`broker.windowMs is a number; '${text}' is not`);
    }
    expect(() => setPath(settings(), "broker.strict=yes")).toThrow("broker.strict is true or false, not 'yes'");
    expect(() => setPath(settings(), "broker.maxQuantity.x=1")).toThrow('broker.maxQuantity is "1000", not an object or list');
    expect(() => setPath(settings(), "brokerBarriers[5].lowerBound=1")).toThrow("brokerBarriers[5]: the list has 1 items");
    // Found by review (session 31): a name through a list was written onto the list, dropped
    // when the settings were sent, and the unchanged settings were reported applied.
    const s = settings();
    expect(() => setPath(s, "brokerBarriers.x.lowerBound=5")).toThrow("brokerBarriers.x: a list takes an index, not a name");
    expect(s).toEqual(settings());
    expect(() => setPath(settings(), "=1")).toThrow("--set takes PATH=VALUE, not '=1'");
  });

  // Found by review (session 35): the settings go out re-serialised, so the sidecar's check of
  // the text never saw these: the last of two values, or the rounded number, was applied.
  it("refuses a value JSON reads as something else: a key written twice, a number a double changes", () => {
    expect(() => setPath(settings(), 'broker={"maxQuantity": "10", "windowMs": 1000, "maxQuantity": "100000"}')).toThrow(
      'broker: the key "maxQuantity" is written again in the same object (first at offset 1): JSON would keep only the last value; write each key once',
    );
    expect(() => setPath(settings(), "broker.windowMs=7.0000000000000001")).toThrow(
      "broker.windowMs: the number 7.0000000000000001 would be read as 7 (a JSON number is a double): write the value meant with at most 15 significant digits, or as a string where a decimal or a 64-bit id is expected",
    );
    expect(() => setPath(settings(), 'brokerBarriers[0]={"settlementAsset": "USD", "n": 1e-400}')).toThrow(/the number 1e-400 would be read as 0/);
    // What reads back as written still goes through (an id past 2^53 as its digit string).
    expect(setPath(settings(), 'broker={"windowMs": 1.0, "id": 12345678901234567891}').after).toEqual({ windowMs: 1, id: "12345678901234567891" });
  });

  // Found by review: `--set __proto__.x=5` wrote through the prototype, so the settings sent
  // were unchanged and the CLI printed "applied".
  it("refuses names an object inherits, changing nothing", () => {
    for (const path of ["__proto__.x", "broker.__proto__.maxQuantity", "constructor.prototype.x", "brokerBarriers[0].constructor", "__proto__[0]"]) {
      const s = settings();
      expect(() => setPath(s, `${path}=5`), path).toThrow(/is not a settings name$/);
      expect(s).toEqual(settings());
    }
    expect(({} as Record<string, unknown>).x).toBeUndefined();
    // Another inherited member is no setting either: it is set as a new key, from unset.
    const s = settings();
    expect(setPath(s, "broker.toString=5")).toEqual({ path: "broker.toString", before: undefined, after: 5 });
    expect(setPath(s, "hasOwnProperty.x=1")).toEqual({ path: "hasOwnProperty.x", before: undefined, after: 1 });
    expect(JSON.parse(JSON.stringify(s))).toMatchObject({ broker: { toString: 5 }, hasOwnProperty: { x: 1 } });
  });

  it("flattens settings to the leaves `policies` prints", () => {
    expect(flatten(settings())).toEqual([
      ["broker.maxQuantity", "1000"],
      ["broker.windowMs", 1000],
      ["broker.strict", false],
      ["brokerBarriers[0].settlementAsset", "USD"],
      ["brokerBarriers[0].lowerBound", "-1000"],
    ]);
  });
});
