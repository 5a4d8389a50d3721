/**
 * GrossExposureLimitPolicy decides on the exact worst case, never one rounded to 29 digits
 * (found by review of 08e2740): position + open buys + this order is a sum the decimal domain
 * rounds past 29 digits, and when it rounded back onto the worst case before, the order was
 * taken as "does not raise its worst case" and passed with no comparison at all; the book's
 * open quantity rounds the same way, so it never grew and any number of such orders passed.
 * A worst case already in the book, rounded, was valued rounded too; a market order by volume
 * was sized by a rounded quotient. Soft limits compare the exact gross exposure, as the limit
 * does. An order whose open quantity the book holds rounded is judged exactly and passes when
 * within the limit (refusing it, as a72066f did, refused ordinary orders after a market order
 * by volume at a price like 3, whose quotient fills 29 digits; found by review).
 */
import { describe, expect, it } from "vitest";
import { Engine, ManualClock, type EngineEvent } from "../../../src/engine/index.js";
import type { UsageContext } from "../../../src/engine/pretrade/policy.js";
import { MarketDataService, QuoteTtl } from "../../../src/marketdata/index.js";
import { Price } from "../../../src/param/index.js";
import { GrossExposureLimitPolicy, SoftLimitPolicy, parseGrossExposureSettingsJson, parseSoftLimitSettingsJson } from "../../../src/policies/index.js";
import { AAPL_USD, ACCOUNT, MSFT_USD, fill, only, order, quote, submit } from "../../helpers/controls.js";
import { EXCEEDED, limited, marketByVolume } from "./gross-exposure-world.js";

const MAX = "79228162514264337593543950335";
/** n × 10^-28. */
const u = (n: number) => `0.${"0".repeat(27)}${n}`;

describe("gross exposure: a worst case rounded to 29 digits", () => {
  it("an order 10^-28 past a limit already reached is refused (exactly 1000.00000000000000000000000001 > 1000)", () => {
    const w = limited("1000");
    quote(w, AAPL_USD, { mark: "100" });
    expect(submit(w.engine, order({ qty: "10", price: "100" }))).toEqual([]); // exactly the limit
    // Open buys 10 + 10^-28 = 10.0000000000000000000000000001: 30 digits, rounded to 10.
    for (let i = 0; i < 2; i++) {
      expect(only(submit(w.engine, order({ qty: u(1), price: "100" })))).toEqual(EXCEEDED("1000.00000000000000000000000001", "1000", "1000"));
    }
    expect(w.engine.book.pendingQuantity(ACCOUNT, AAPL_USD, "BUY").toString()).toBe("10");
  });

  it("at the top of the range, no order of 0.4 past the limit passes", () => {
    const w = limited(MAX);
    quote(w, AAPL_USD, { mark: "1" });
    expect(submit(w.engine, order({ qty: MAX, price: "1" }))).toEqual([]);
    for (let i = 0; i < 5; i++) expect(only(submit(w.engine, order({ qty: "0.4", price: "1" })))).toEqual(EXCEEDED(`${MAX}.4`, MAX, MAX));
  });

  it("an order within the limit whose open quantity the book holds rounded passes (judged exactly)", () => {
    const w = limited(MAX);
    quote(w, AAPL_USD, { mark: "1" });
    const open = "79228162514264337593543950000";
    expect(submit(w.engine, order({ qty: open, price: "1" }))).toEqual([]);
    // Exactly …50000.4 ≤ the limit: it passes; the book holds the open buys in 29 digits.
    expect(submit(w.engine, order({ qty: "0.4", price: "1" }))).toEqual([]);
    expect(w.engine.book.pendingQuantity(ACCOUNT, AAPL_USD, "BUY").toString()).toBe(open);
  });

  // Found by review: a market order by volume sized at a price like 3 leaves a 29-digit open
  // quantity, and the rule refused almost every later order on its side.
  it("ordinary orders after a market BUY by volume whose quotient fills 29 digits pass", () => {
    const w = limited("1000000");
    quote(w, AAPL_USD, { mark: "3" });
    expect(submit(w.engine, marketByVolume("BUY", "100"))).toEqual([]);
    expect(w.engine.book.pendingQuantity(ACCOUNT, AAPL_USD, "BUY").toString()).toBe("33.333333333333333333333333333");
    expect(submit(w.engine, order({ qty: "100", price: "3" }))).toEqual([]);
    for (let i = 0; i < 3; i++) expect(submit(w.engine, marketByVolume("BUY", "100"))).toEqual([]);
  });

  it("a position whose worst case with the order rounds (the book holds the open quantity exactly) is compared exactly", () => {
    for (const [max, passes] of [
      ["1000", false],
      ["2000", true],
    ] as const) {
      const w = limited(max);
      quote(w, AAPL_USD, { mark: "100" });
      expect(submit(w.engine, order({ qty: "10", price: "100" }))).toEqual([]);
      w.engine.applyExecutionReport(fill("10", { final: true }));
      // Position 10, open buys 10^-28: the worst case 10.0000000000000000000000000001 rounds to 10.
      const rejects = submit(w.engine, order({ qty: u(1), price: "100" }));
      if (passes) {
        expect(rejects).toEqual([]);
        expect(w.engine.book.pendingQuantity(ACCOUNT, AAPL_USD, "BUY").toString()).toBe(u(1));
      } else {
        expect(only(rejects)).toEqual(EXCEEDED("1000.00000000000000000000000001", "1000", "1000"));
      }
    }
  });

  // 500 on the integer path (SmallExposure) and written with 16 decimals (grossExposurePair).
  it.each(["500", "500.0000000000000000"])("another instrument's worst case in the book, rounded, is valued exactly (MSFT %s)", (qty) => {
    const w = limited("1500");
    quote(w, AAPL_USD, { mark: "100" });
    quote(w, MSFT_USD, { mark: "1" });
    expect(submit(w.engine, order({ qty: "10", price: "100" }))).toEqual([]);
    w.engine.applyExecutionReport(fill("10", { final: true }));
    expect(submit(w.engine, order({ qty: u(1), price: "100" }))).toEqual([]);
    expect(w.engine.book.entry(ACCOUNT, AAPL_USD)!.worst.toString()).toBe("10.000000000000000000000000000");
    // Exactly 1000.00000000000000000000000001 + 500 > 1500; rounded, AAPL's 1000 + 500 is the limit.
    const rejects = submit(w.engine, order({ instrument: MSFT_USD, qty, price: "1" }));
    expect(only(rejects)[0]).toBe("GrossExposureLimitExceeded");
    expect(only(rejects)[2]).toMatch(/^gross exposure would be 1500\.00000000000000000000000001(0+)? USD \(now 1000\.0+ USD\), max allowed: 1500 USD$/);
  });

  it("a market order by volume whose quotient rounds back onto the room left is sized exactly", () => {
    const w = limited("60");
    quote(w, AAPL_USD, { mark: "3" });
    expect(submit(w.engine, order({ qty: "10", price: "3" }))).toEqual([]); // open buys 10: 30
    // A SELL of 30.000000000000000000000000001 at 3 is 10.000000000000000000000000000333… units,
    // 10 in 29 digits: past the room of 10 on the sell side, so its whole volume counts.
    expect(only(submit(w.engine, marketByVolume("SELL", "30.000000000000000000000000001")))).toEqual(
      EXCEEDED("60.000000000000000000000000001", "30", "60"),
    );
    expect(submit(w.engine, marketByVolume("SELL", "30"))).toEqual([]);
  });
});

describe("soft limits read the gross exposure exactly (the hard limit compares it exactly)", () => {
  function build(marks: [string, string], max: string) {
    const clock = new ManualClock(1_000);
    const service = new MarketDataService({ defaultTtl: QuoteTtl.infinite(), clock });
    service.push(service.register(AAPL_USD), { mark: Price.fromString(marks[0]) });
    service.push(service.register(MSFT_USD), { mark: Price.fromString(marks[1]) });
    const gross = new GrossExposureLimitPolicy(parseGrossExposureSettingsJson({ default: { settlementAsset: "USD", maxNotional: max } }), service);
    const soft = new SoftLimitPolicy(parseSoftLimitSettingsJson({ shares: ["1"] }));
    const engine = Engine.builder().clock(clock).policy(gross).policy(soft).build();
    const events: string[] = [];
    engine.onEvent((e: EngineEvent) => {
      if (e.kind === "softLimitCrossed") events.push(`${e.usage}/${e.max}@${e.share}`);
    });
    const ctx: UsageContext = { nowMs: 1_000, book: engine.book, accounts: { groupOf: () => undefined } as unknown as UsageContext["accounts"] };
    const read = () => gross.limitUsage(ctx, ACCOUNT)!.map((x) => `${x.usage.toString()} exactly ${x.unrounded?.toString()}`);
    // The memo of the last check, then a reading that values the account afresh (a quote, the same, drops the memo).
    const usage = () => {
      const remembered = read();
      service.push(service.resolve(AAPL_USD)!, { mark: Price.fromString(marks[0]) });
      return [...remembered, ...read()];
    };
    return { engine, events, usage };
  }

  it("an exposure of exactly 5e-28 under a limit of 6e-28 is not reported as at 100 % of it", () => {
    const { engine, events, usage } = build([u(3), u(7)], u(6));
    // 0.5 × 3u = 1.5u (rounded 2u), 0.5 × 7u = 3.5u (rounded 4u): exactly 5u, in the domain 6u.
    expect(submit(engine, order({ qty: "0.5", price: "1" }))).toEqual([]);
    expect(submit(engine, order({ instrument: MSFT_USD, qty: "0.5", price: "1" }))).toEqual([]);
    expect(events).toEqual([]);
    expect(usage()).toEqual(Array(2).fill("0.0000000000000000000000000006 exactly 0.0000000000000000000000000005"));
  });

  it("an exposure of exactly the limit, rounded below it, is reported at 100 %, with the exact figure", () => {
    const { engine, events, usage } = build([u(5), u(5)], u(5));
    // 0.5 × 5u = 2.5u twice (each rounded half-even to 2u): exactly 5u, in the domain 4u.
    expect(submit(engine, order({ qty: "0.5", price: "1" }))).toEqual([]);
    expect(submit(engine, order({ instrument: MSFT_USD, qty: "0.5", price: "1" }))).toEqual([]);
    expect(events).toEqual(["0.0000000000000000000000000005/0.0000000000000000000000000005@1"]);
    expect(usage()).toEqual(Array(2).fill("0.0000000000000000000000000004 exactly 0.0000000000000000000000000005"));
  });
});
