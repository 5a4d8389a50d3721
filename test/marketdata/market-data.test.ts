import { describe, expect, it } from "vitest";
import { ManualClock } from "../../src/engine/clock.js";
import {
  MarketDataError,
  MarketDataService,
  QuoteTtl,
  type MarketDataSource,
  type Quote,
  type QuoteLookup,
} from "../../src/marketdata/index.js";
import { AccountGroupId, AccountId, InstrumentId } from "../../src/param/ids.js";
import { instrument } from "../../src/param/instrument.js";
import { OpenpitError } from "../../src/param/param-error.js";
import { Price } from "../../src/param/values.js";

const AAPL = instrument("AAPL", "USD");
const MSFT = instrument("MSFT", "USD");
const EURUSD = instrument("EUR", "USD");
const ALICE = AccountId.fromU64(1001);
const BOB = AccountId.fromU64(1002);
const GOLD = AccountGroupId.fromU32(7);
const SILVER = AccountGroupId.fromU32(8);
const DEFAULT_GROUP = AccountGroupId.DEFAULT;

function setup(defaultTtl: QuoteTtl = QuoteTtl.infinite()) {
  const clock = new ManualClock();
  const md = new MarketDataService({ defaultTtl, clock });
  return { clock, md };
}

function q(fields: { mark?: string; bid?: string; ask?: string }): Quote {
  return {
    ...(fields.mark !== undefined ? { mark: Price.fromString(fields.mark) } : {}),
    ...(fields.bid !== undefined ? { bid: Price.fromString(fields.bid) } : {}),
    ...(fields.ask !== undefined ? { ask: Price.fromString(fields.ask) } : {}),
  };
}

/** Quote fields as decimal strings; absent fields are simply missing keys. */
function text(quote: Quote | undefined): Record<string, string> | undefined {
  if (quote === undefined) return undefined;
  const out: Record<string, string> = {};
  if (quote.mark !== undefined) out.mark = quote.mark.toString();
  if (quote.bid !== undefined) out.bid = quote.bid.toString();
  if (quote.ask !== undefined) out.ask = quote.ask.toString();
  return out;
}

function describeLookup(found: QuoteLookup): { status: string; quote?: Record<string, string> } {
  if (found.ok) return { status: "ok", quote: text(found.quote)! };
  if (found.error === "QuoteExpired") return { status: "QuoteExpired", quote: text(found.quote)! };
  return { status: found.error };
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected the call to throw");
}

function marketDataError(fn: () => unknown): MarketDataError {
  const error = thrown(fn);
  expect(error).toBeInstanceOf(MarketDataError);
  expect(error).toBeInstanceOf(OpenpitError);
  return error as MarketDataError;
}

describe("instrument registration", () => {
  it("assigns auto ids from 0 and resolves instruments", () => {
    const { md } = setup();
    expect(md.register(AAPL)).toBe(0n);
    expect(md.register(MSFT)).toBe(1n);
    expect(md.resolve(AAPL)).toBe(0n);
    expect(md.resolve(instrument("AAPL", "USD"))).toBe(0n);
    expect(md.resolve(instrument("AAPL", "EUR"))).toBeUndefined();
  });

  it("skips ids already taken by explicit registrations", () => {
    const { md } = setup();
    md.registerWithId(InstrumentId.fromU64(0), AAPL);
    md.registerWithId(InstrumentId.fromU64(2), MSFT);
    expect(md.register(EURUSD)).toBe(1n);
    expect(md.register(instrument("GBP", "USD"))).toBe(3n);
    expect(md.registerWithId(InstrumentId.fromU64(1000), instrument("JPY", "USD"))).toBe(1000n);
    expect(md.register(instrument("CHF", "USD"))).toBe(4n);
  });

  it("refuses duplicate instruments and ids without consuming an auto id", () => {
    const { md } = setup();
    md.register(AAPL);
    md.registerWithId(InstrumentId.fromU64(5), MSFT);

    const dupInstrument = marketDataError(() => md.register(AAPL));
    expect(dupInstrument.kind).toBe("DuplicateInstrument");
    expect(dupInstrument.message).toBe("DuplicateInstrument: instrument AAPL/USD is already registered");

    const dupId = marketDataError(() => md.registerWithId(InstrumentId.fromU64(5), EURUSD));
    expect(dupId.kind).toBe("DuplicateId");
    expect(dupId.message).toBe("DuplicateId: instrument id 5 is already registered");
    expect(dupId.instrumentId).toBe(5n);

    // Both clash: the instrument is reported (checked first).
    expect(marketDataError(() => md.registerWithId(InstrumentId.fromU64(5), MSFT)).kind).toBe("DuplicateInstrument");
    expect(marketDataError(() => md.registerWithId(InstrumentId.fromU64(9), AAPL)).kind).toBe("DuplicateInstrument");

    expect(md.resolve(EURUSD)).toBeUndefined();
    expect(md.register(EURUSD)).toBe(1n);
  });

  it("refuses an invalid registration TTL and registers nothing", () => {
    const { md } = setup();
    expect(() => md.register(AAPL, QuoteTtl.within(-1))).toThrow(TypeError);
    expect(() => md.register(AAPL, QuoteTtl.within(Number.NaN))).toThrow(TypeError);
    expect(md.resolve(AAPL)).toBeUndefined();
    expect(md.register(AAPL)).toBe(0n);
  });

  it("pushByInstrument registers on first sight and reuses the id afterwards", () => {
    const { md } = setup();
    md.registerWithId(InstrumentId.fromU64(0), MSFT);
    const id = md.pushByInstrument(AAPL, q({ mark: "100", bid: "99" }));
    expect(id).toBe(1n);
    expect(md.resolve(AAPL)).toBe(1n);
    expect(md.pushByInstrumentPatch(AAPL, q({ ask: "101" }))).toBe(1n);
    expect(text(md.get(id))).toEqual({ mark: "100", bid: "99", ask: "101" });
    expect(md.pushByInstrument(AAPL, q({ ask: "102" }))).toBe(1n);
    expect(text(md.get(id))).toEqual({ ask: "102" });
    expect(md.pushByInstrumentPatch(MSFT, q({ mark: "300" }))).toBe(0n);
  });

  it("id-taking mutators refuse unknown ids with UnknownInstrumentId", () => {
    const { md } = setup();
    const unknown = InstrumentId.fromU64(42);
    const error = marketDataError(() => md.push(unknown, q({ mark: "1" })));
    expect(error.kind).toBe("UnknownInstrumentId");
    expect(error.message).toBe("UnknownInstrumentId: instrument id 42 is not registered");
    expect(marketDataError(() => md.pushPatch(unknown, q({ mark: "1" }))).kind).toBe("UnknownInstrumentId");
    expect(marketDataError(() => md.setInstrumentTtl(unknown, QuoteTtl.infinite())).kind).toBe("UnknownInstrumentId");
    expect(marketDataError(() => md.setInstrumentAccountTtl(unknown, ALICE, QuoteTtl.infinite())).kind).toBe("UnknownInstrumentId");
    expect(marketDataError(() => md.clearInstrumentAccountGroupTtl(unknown, GOLD)).kind).toBe("UnknownInstrumentId");
    expect(marketDataError(() => md.effectiveTtl(unknown)).kind).toBe("UnknownInstrumentId");
    // Clearing an unknown id has nothing to hide.
    expect(() => md.clear(unknown)).not.toThrow();
  });
});

describe("publishing", () => {
  it("M1: push replaces the whole snapshot; pushPatch keeps fields it does not name", () => {
    const { md } = setup();
    const id = md.register(AAPL);
    md.push(id, q({ mark: "100.50" }));
    md.push(id, q({ bid: "99" }));
    expect(text(md.get(id))).toEqual({ bid: "99" });

    const other = md.register(MSFT);
    md.push(other, q({ mark: "100.50" }));
    md.pushPatch(other, q({ bid: "99" }));
    expect(text(md.get(other))).toEqual({ mark: "100.50", bid: "99" });
    md.pushPatch(other, q({ mark: "101", ask: "102" }));
    expect(text(md.get(other))).toEqual({ mark: "101", bid: "99", ask: "102" });
  });

  it("M1: both push and pushPatch bump the publish instant", () => {
    const { clock, md } = setup(QuoteTtl.within(1000));
    const id = md.register(AAPL);
    md.push(id, q({ mark: "100" }));
    clock.advance(900);
    md.pushPatch(id, q({ bid: "99" }));
    clock.advance(999);
    expect(text(md.get(id))).toEqual({ mark: "100", bid: "99" });
    clock.advance(1);
    expect(md.get(id)).toBeUndefined();
  });

  it("a stored quote does not change when the caller's object does", () => {
    const { md } = setup();
    const id = md.register(AAPL);
    const mutable: { mark?: Price } = { mark: Price.fromString("100") };
    md.push(id, mutable);
    mutable.mark = Price.fromString("1");
    expect(text(md.get(id))).toEqual({ mark: "100" });
  });

  it("pushFor writes every listed account and group bucket; group 0 is the default bucket", () => {
    const { md } = setup();
    const id = md.register(AAPL);
    md.pushFor(id, q({ mark: "101" }), [ALICE, BOB], [GOLD]);
    expect(text(md.get(id, ALICE))).toEqual({ mark: "101" });
    expect(text(md.get(id, BOB))).toEqual({ mark: "101" });
    expect(text(md.get(id, undefined, GOLD))).toEqual({ mark: "101" });
    expect(md.get(id)).toBeUndefined();

    md.pushFor(id, q({ mark: "100" }), [], [DEFAULT_GROUP]);
    expect(text(md.get(id))).toEqual({ mark: "100" });
    expect(text(md.get(id, undefined, SILVER))).toEqual({ mark: "100" });
  });

  it("pushForPatch merges into each target's own snapshot", () => {
    const { md } = setup();
    const id = md.register(AAPL);
    md.pushFor(id, q({ mark: "101" }), [ALICE], []);
    md.pushFor(id, q({ bid: "98" }), [], [GOLD]);
    md.pushForPatch(id, q({ ask: "103" }), [ALICE, BOB], [GOLD]);
    expect(text(md.get(id, ALICE, undefined, "AccountOnly"))).toEqual({ mark: "101", ask: "103" });
    expect(text(md.get(id, BOB, undefined, "AccountOnly"))).toEqual({ ask: "103" });
    expect(text(md.get(id, undefined, GOLD, "AccountThenGroup"))).toEqual({ bid: "98", ask: "103" });
  });

  it("M5: pushFor without targets is NoTarget; an unknown id is UnknownInstrumentId", () => {
    const { md } = setup();
    const id = md.register(AAPL);
    const noTarget = marketDataError(() => md.pushFor(id, q({ mark: "1" }), [], []));
    expect(noTarget.kind).toBe("NoTarget");
    expect(marketDataError(() => md.pushForPatch(id, q({ mark: "1" }), [], [])).kind).toBe("NoTarget");
    expect(md.get(id)).toBeUndefined();

    const unknown = InstrumentId.fromU64(9);
    const unknownId = marketDataError(() => md.pushFor(unknown, q({ mark: "1" }), [ALICE], []));
    expect(unknownId.kind).toBe("UnknownInstrumentId");
    expect(unknownId.instrumentId).toBe(9n);
    expect(marketDataError(() => md.pushForPatch(unknown, q({ mark: "1" }), [], [GOLD])).kind).toBe("UnknownInstrumentId");
    // The target check comes first, as in OpenPit.
    expect(marketDataError(() => md.pushFor(unknown, q({ mark: "1" }), [], [])).kind).toBe("NoTarget");
  });

  it("M2: a finite TTL hides a stale quote; a new push shows it; clear hides it until the next push", () => {
    const { clock, md } = setup(QuoteTtl.within(1000));
    const id = md.register(AAPL);
    md.push(id, q({ mark: "100" }));
    clock.advance(1000);
    expect(describeLookup(md.lookup(id, ALICE, undefined, "AccountThenGroupThenDefault"))).toEqual({
      status: "QuoteExpired",
      quote: { mark: "100" },
    });
    expect(md.get(id, ALICE)).toBeUndefined();
    const expired = marketDataError(() => md.getOrErr(id, ALICE));
    expect(expired.kind).toBe("QuoteExpired");
    expect(expired.message).toBe("QuoteExpired: quote for instrument id 0 expired");
    expect(text(expired.quote)).toEqual({ mark: "100" });

    md.push(id, q({ mark: "101" }));
    expect(text(md.getOrErr(id, ALICE))).toEqual({ mark: "101" });

    md.pushFor(id, q({ mark: "102" }), [ALICE], [GOLD]);
    md.clear(id);
    expect(describeLookup(md.lookup(id, ALICE, GOLD, "AccountThenGroupThenDefault"))).toEqual({ status: "QuoteUnavailable" });
    expect(marketDataError(() => md.getOrErr(id, ALICE, GOLD)).kind).toBe("QuoteUnavailable");
    expect(md.latest(id, ALICE, GOLD)).toBeUndefined();

    // Still registered: the next push is visible again, and a patch starts from nothing.
    expect(md.resolve(AAPL)).toBe(id);
    md.pushPatch(id, q({ bid: "99" }));
    expect(text(md.get(id, ALICE, GOLD))).toEqual({ bid: "99" });
    expect(md.get(id, ALICE, GOLD, "AccountThenGroup")).toBeUndefined();
  });

  it("clear keeps the instrument's TTL settings", () => {
    const { clock, md } = setup();
    const id = md.register(AAPL, QuoteTtl.within(50));
    md.push(id, q({ mark: "100" }));
    md.clear(id);
    md.push(id, q({ mark: "101" }));
    clock.advance(50);
    expect(md.lookup(id, undefined, undefined, "AccountThenGroupThenDefault")).toMatchObject({ ok: false, error: "QuoteExpired" });
  });
});

describe("lookup and resolutions", () => {
  it("reports an unregistered instrument as UnknownInstrument (undefined from get)", () => {
    const { md } = setup();
    const unknown = InstrumentId.fromU64(3);
    expect(describeLookup(md.lookup(unknown, ALICE, GOLD, "AccountOnly"))).toEqual({ status: "UnknownInstrument" });
    expect(md.get(unknown, ALICE)).toBeUndefined();
    const error = marketDataError(() => md.getOrErr(unknown, ALICE));
    expect(error.kind).toBe("UnknownInstrument");
    expect(error.message).toBe("UnknownInstrument: instrument id 3 is not registered");
  });

  it("a registered instrument without quotes is QuoteUnavailable", () => {
    const { md } = setup();
    const id = md.register(AAPL);
    expect(describeLookup(md.lookup(id, ALICE, GOLD, "AccountThenGroupThenDefault"))).toEqual({ status: "QuoteUnavailable" });
    const error = marketDataError(() => md.getOrErr(id));
    expect(error.message).toBe("QuoteUnavailable: no quote for instrument id 0");
  });

  it("AccountOnly reads only the account bucket", () => {
    const { md } = setup();
    const id = md.register(AAPL);
    md.push(id, q({ mark: "100" }));
    md.pushFor(id, q({ mark: "101" }), [], [GOLD]);
    expect(describeLookup(md.lookup(id, ALICE, GOLD, "AccountOnly"))).toEqual({ status: "QuoteUnavailable" });
    expect(describeLookup(md.lookup(id, undefined, GOLD, "AccountOnly"))).toEqual({ status: "QuoteUnavailable" });
    md.pushFor(id, q({ mark: "102" }), [ALICE], []);
    expect(describeLookup(md.lookup(id, ALICE, GOLD, "AccountOnly"))).toEqual({ status: "ok", quote: { mark: "102" } });
    expect(describeLookup(md.lookup(id, BOB, GOLD, "AccountOnly"))).toEqual({ status: "QuoteUnavailable" });
  });

  it("AccountThenGroup falls back to the reader's group but never to the default bucket", () => {
    const { md } = setup();
    const id = md.register(AAPL);
    md.push(id, q({ mark: "100" }));
    expect(describeLookup(md.lookup(id, ALICE, GOLD, "AccountThenGroup"))).toEqual({ status: "QuoteUnavailable" });
    // No group (undefined or 0) does not mean "the default bucket" here.
    expect(describeLookup(md.lookup(id, ALICE, DEFAULT_GROUP, "AccountThenGroup"))).toEqual({ status: "QuoteUnavailable" });
    md.pushFor(id, q({ mark: "101" }), [], [GOLD]);
    expect(describeLookup(md.lookup(id, ALICE, GOLD, "AccountThenGroup"))).toEqual({ status: "ok", quote: { mark: "101" } });
    expect(describeLookup(md.lookup(id, ALICE, SILVER, "AccountThenGroup"))).toEqual({ status: "QuoteUnavailable" });
    md.pushFor(id, q({ mark: "102" }), [ALICE], []);
    expect(describeLookup(md.lookup(id, ALICE, GOLD, "AccountThenGroup"))).toEqual({ status: "ok", quote: { mark: "102" } });
  });

  it("AccountThenGroupThenDefault takes the most specific non-empty bucket", () => {
    const { md } = setup();
    const id = md.register(AAPL);
    md.push(id, q({ mark: "100" }));
    const read = (account: AccountId | undefined, group: AccountGroupId | undefined) =>
      describeLookup(md.lookup(id, account, group, "AccountThenGroupThenDefault"));
    expect(read(ALICE, GOLD)).toEqual({ status: "ok", quote: { mark: "100" } });
    expect(read(undefined, undefined)).toEqual({ status: "ok", quote: { mark: "100" } });
    md.pushFor(id, q({ mark: "101" }), [], [GOLD]);
    expect(read(ALICE, GOLD)).toEqual({ status: "ok", quote: { mark: "101" } });
    expect(read(ALICE, SILVER)).toEqual({ status: "ok", quote: { mark: "100" } });
    md.pushFor(id, q({ mark: "102" }), [ALICE], []);
    expect(read(ALICE, GOLD)).toEqual({ status: "ok", quote: { mark: "102" } });
    expect(read(BOB, GOLD)).toEqual({ status: "ok", quote: { mark: "101" } });
  });

  it("an empty observation still occupies its bucket (selection is by bucket, not by field)", () => {
    const { md } = setup();
    const id = md.register(AAPL);
    md.push(id, q({ mark: "100" }));
    md.pushFor(id, q({}), [ALICE], []);
    expect(describeLookup(md.lookup(id, ALICE, undefined, "AccountThenGroupThenDefault"))).toEqual({ status: "ok", quote: {} });
  });

  it("M3: a stale per-account quote is QuoteExpired even when the default quote is fresh", () => {
    const { clock, md } = setup(QuoteTtl.within(1000));
    const id = md.register(AAPL);
    md.pushFor(id, q({ mark: "101" }), [ALICE], []);
    clock.advance(600);
    md.push(id, q({ mark: "100" }));
    clock.advance(400);
    expect(describeLookup(md.lookup(id, ALICE, undefined, "AccountThenGroupThenDefault"))).toEqual({
      status: "QuoteExpired",
      quote: { mark: "101" },
    });
    expect(md.get(id, ALICE)).toBeUndefined();
    expect(text(md.get(id, BOB))).toEqual({ mark: "100" });
  });

  it("M3: a stale group quote does not fall through to a fresh default quote either", () => {
    const { clock, md } = setup(QuoteTtl.within(1000));
    const id = md.register(AAPL);
    md.pushFor(id, q({ mark: "101" }), [], [GOLD]);
    clock.advance(1000);
    md.push(id, q({ mark: "100" }));
    expect(describeLookup(md.lookup(id, ALICE, GOLD, "AccountThenGroupThenDefault"))).toEqual({
      status: "QuoteExpired",
      quote: { mark: "101" },
    });
    expect(text(md.get(id, ALICE, SILVER))).toEqual({ mark: "100" });
  });

  it("latest returns the most specific quote even when stale, and nothing when unknown or cleared", () => {
    const { clock, md } = setup(QuoteTtl.within(10));
    const id = md.register(AAPL);
    expect(md.latest(id, ALICE, GOLD)).toBeUndefined();
    md.push(id, q({ mark: "100" }));
    clock.advance(10_000);
    expect(md.get(id, ALICE, GOLD)).toBeUndefined();
    expect(text(md.latest(id, ALICE, GOLD))).toEqual({ mark: "100" });
    md.pushFor(id, q({ mark: "101" }), [], [GOLD]);
    clock.advance(10_000);
    expect(text(md.latest(id, ALICE, GOLD))).toEqual({ mark: "101" });
    expect(text(md.latest(id, ALICE, SILVER))).toEqual({ mark: "100" });
    md.pushFor(id, q({ mark: "102" }), [ALICE], []);
    clock.advance(10_000);
    expect(text(md.latest(id, ALICE, GOLD))).toEqual({ mark: "102" });
    expect(text(md.latest(id, undefined, undefined))).toEqual({ mark: "100" });
    expect(md.latest(InstrumentId.fromU64(99), ALICE, GOLD)).toBeUndefined();
    md.clear(id);
    expect(md.latest(id, ALICE, GOLD)).toBeUndefined();
  });

  it("serves policies through the MarketDataSource interface", () => {
    const { md } = setup();
    const source: MarketDataSource = md;
    const id = md.register(EURUSD);
    md.push(id, q({ mark: "1.0850" }));
    expect(source.resolve(EURUSD)).toBe(id);
    expect(describeLookup(source.lookup(id, ALICE, GOLD, "AccountThenGroupThenDefault"))).toEqual({
      status: "ok",
      quote: { mark: "1.0850" },
    });
    expect(text(source.latest(id, ALICE, GOLD))).toEqual({ mark: "1.0850" });
  });

  it("refuses an unknown resolution string", () => {
    const { md } = setup();
    const id = md.register(AAPL);
    expect(() => md.lookup(id, ALICE, GOLD, "DefaultOnly" as never)).toThrow(TypeError);
  });
});

describe("TTL cascade", () => {
  /** Pushes a fresh default quote and checks it is visible at ttl-1 ms and expired at exactly ttl. */
  function expectExpiresAfter(
    md: MarketDataService,
    clock: ManualClock,
    id: InstrumentId,
    ms: number,
    reader: { account?: AccountId; group?: AccountGroupId },
  ) {
    md.push(id, q({ mark: "100" }));
    clock.advance(ms - 1);
    expect(md.lookup(id, reader.account, reader.group, "AccountThenGroupThenDefault").ok).toBe(true);
    clock.advance(1);
    expect(md.lookup(id, reader.account, reader.group, "AccountThenGroupThenDefault")).toMatchObject({
      ok: false,
      error: "QuoteExpired",
    });
  }

  it("M4: the first set tier wins, and clearing each tier reveals the next", () => {
    const { clock, md } = setup(QuoteTtl.within(80));
    const id = md.register(AAPL, QuoteTtl.within(70));
    md.setAccountGroupTtl(DEFAULT_GROUP, QuoteTtl.within(60));
    md.setAccountGroupTtl(GOLD, QuoteTtl.within(50));
    md.setAccountTtl(ALICE, QuoteTtl.within(40));
    md.setInstrumentAccountGroupTtl(id, DEFAULT_GROUP, QuoteTtl.within(30));
    md.setInstrumentAccountGroupTtl(id, GOLD, QuoteTtl.within(20));
    md.setInstrumentAccountTtl(id, ALICE, QuoteTtl.within(10));
    const reader = { account: ALICE, group: GOLD };
    const clears: Array<[number, () => void]> = [
      [10, () => md.clearInstrumentAccountTtl(id, ALICE)],
      [20, () => md.clearInstrumentAccountGroupTtl(id, GOLD)],
      [30, () => md.clearInstrumentAccountGroupTtl(id, DEFAULT_GROUP)],
      [40, () => md.clearAccountTtl(ALICE)],
      [50, () => md.clearAccountGroupTtl(GOLD)],
      [60, () => md.clearAccountGroupTtl(DEFAULT_GROUP)],
      [70, () => md.clearInstrumentTtl(id)],
    ];
    for (const [ms, clearTier] of clears) {
      expect(md.effectiveTtl(id, ALICE, GOLD)).toEqual(QuoteTtl.within(ms));
      expectExpiresAfter(md, clock, id, ms, reader);
      clearTier();
    }
    expect(md.effectiveTtl(id, ALICE, GOLD)).toEqual(QuoteTtl.within(80));
    expectExpiresAfter(md, clock, id, 80, reader);
  });

  it("M4: each tier applies on its own over the service default", () => {
    const cases: Array<[string, (md: MarketDataService, id: InstrumentId) => void]> = [
      ["instrument × account", (md, id) => md.setInstrumentAccountTtl(id, ALICE, QuoteTtl.within(5))],
      ["instrument × group", (md, id) => md.setInstrumentAccountGroupTtl(id, GOLD, QuoteTtl.within(5))],
      ["instrument × default group", (md, id) => md.setInstrumentAccountGroupTtl(id, DEFAULT_GROUP, QuoteTtl.within(5))],
      ["account", (md) => md.setAccountTtl(ALICE, QuoteTtl.within(5))],
      ["group", (md) => md.setAccountGroupTtl(GOLD, QuoteTtl.within(5))],
      ["default group", (md) => md.setAccountGroupTtl(DEFAULT_GROUP, QuoteTtl.within(5))],
      ["instrument", (md, id) => md.setInstrumentTtl(id, QuoteTtl.within(5))],
    ];
    for (const [tier, setTier] of cases) {
      const { clock, md } = setup(QuoteTtl.within(1000));
      const id = md.register(AAPL);
      setTier(md, id);
      expect(md.effectiveTtl(id, ALICE, GOLD), tier).toEqual(QuoteTtl.within(5));
      expectExpiresAfter(md, clock, id, 5, { account: ALICE, group: GOLD });
    }
  });

  it("M4: an Infinite tier stops the cascade before finite lower tiers", () => {
    const { clock, md } = setup(QuoteTtl.within(10));
    const id = md.register(AAPL, QuoteTtl.within(10));
    md.setAccountTtl(ALICE, QuoteTtl.within(10));
    md.setInstrumentAccountGroupTtl(id, GOLD, QuoteTtl.infinite());
    md.push(id, q({ mark: "100" }));
    clock.advance(1_000_000);
    expect(text(md.get(id, ALICE, GOLD))).toEqual({ mark: "100" });
    expect(md.get(id, BOB, SILVER)).toBeUndefined();
  });

  it("M4: expiry is inclusive (elapsed >= ttl), also for fractional milliseconds and a zero TTL", () => {
    const { clock, md } = setup(QuoteTtl.within(2.5));
    const id = md.register(AAPL);
    md.push(id, q({ mark: "100" }));
    clock.advance(2.4);
    expect(text(md.get(id))).toEqual({ mark: "100" });
    clock.advance(0.1);
    expect(md.get(id)).toBeUndefined();

    const zero = md.register(MSFT, QuoteTtl.within(0));
    md.push(zero, q({ mark: "1" }));
    expect(md.lookup(zero, undefined, undefined, "AccountThenGroupThenDefault")).toMatchObject({ error: "QuoteExpired" });
  });

  it("M4: tiers are chosen by the reader, not by the bucket the quote came from", () => {
    const { clock, md } = setup(QuoteTtl.infinite());
    const id = md.register(AAPL);
    md.setInstrumentAccountGroupTtl(id, GOLD, QuoteTtl.within(100));
    md.setAccountTtl(BOB, QuoteTtl.within(300));
    md.push(id, q({ mark: "100" }));
    clock.advance(100);
    expect(md.get(id, ALICE, GOLD)).toBeUndefined(); // GOLD member: instrument × group tier
    expect(text(md.get(id, ALICE, SILVER))).toEqual({ mark: "100" }); // other group: no tier set
    expect(text(md.get(id, ALICE))).toEqual({ mark: "100" }); // no group: group tiers skipped
    expect(text(md.get(id, BOB))).toEqual({ mark: "100" });
    clock.advance(200);
    expect(md.get(id, BOB)).toBeUndefined(); // account tier of BOB only
    expect(md.effectiveTtl(id, ALICE, DEFAULT_GROUP)).toEqual(QuoteTtl.infinite());
    expect(md.effectiveTtl(id)).toEqual(QuoteTtl.infinite());
  });

  it("setInstrumentTtl replaces the registration TTL and its clear falls back to the service default", () => {
    const { md } = setup(QuoteTtl.within(80));
    const id = md.register(AAPL, QuoteTtl.within(70));
    md.setInstrumentTtl(id, QuoteTtl.infinite());
    expect(md.effectiveTtl(id)).toEqual(QuoteTtl.infinite());
    md.clearInstrumentTtl(id);
    expect(md.effectiveTtl(id)).toEqual(QuoteTtl.within(80));
    const withId = md.registerWithId(InstrumentId.fromU64(10), MSFT, QuoteTtl.within(70));
    expect(md.effectiveTtl(withId)).toEqual(QuoteTtl.within(70));
    const auto = md.pushByInstrument(EURUSD, q({ mark: "1.08" }));
    expect(md.effectiveTtl(auto)).toEqual(QuoteTtl.within(80));
  });

  it("refuses invalid TTL values in setters and the constructor", () => {
    const { md } = setup(QuoteTtl.within(10));
    const id = md.register(AAPL);
    expect(() => md.setAccountTtl(ALICE, QuoteTtl.within(-5))).toThrow(TypeError);
    expect(() => md.setInstrumentTtl(id, QuoteTtl.within(Number.POSITIVE_INFINITY))).toThrow(TypeError);
    expect(() => md.setAccountGroupTtl(GOLD, { kind: "forever" } as never)).toThrow(TypeError);
    expect(md.effectiveTtl(id, ALICE, GOLD)).toEqual(QuoteTtl.within(10));
    expect(() => new MarketDataService({ defaultTtl: QuoteTtl.within(-1), clock: new ManualClock() })).toThrow(TypeError);
  });
});

// Found by review (session 38): a snapshot naming one id twice was taken, and A/USD and B/USD
// both resolved to id 0, whose instrument was B/USD.
describe("restoring a snapshot that names an id or an instrument twice", () => {
  it("is refused with a TypeError, and the service stays as it was", () => {
    const md = new MarketDataService({ defaultTtl: QuoteTtl.infinite(), clock: new ManualClock(0) });
    const id = md.register(AAPL);
    md.push(id, { mark: Price.fromString("1") });
    const s = md.snapshotState();
    const [entry] = s.instruments;
    expect(() => md.restoreState({ ...s, instruments: [entry!, { ...entry!, underlyingAsset: "MSFT" }] })).toThrow(new TypeError("instrument id 0 is registered twice"));
    expect(() => md.restoreState({ ...s, instruments: [entry!, { ...entry!, id: InstrumentId.fromU64(5) }] })).toThrow(new TypeError("instrument AAPL/USD is registered twice"));
    expect(() => md.restoreState({ ...s, nextAutoId: -1n })).toThrow(new TypeError("next auto instrument id -1 is not u64"));
    expect(md.resolve(MSFT)).toBeUndefined();
    expect(md.instrumentOf(id)).toEqual(AAPL);
    expect(md.register(MSFT)).toBe(1n);
  });
});
